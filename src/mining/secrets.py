"""Keep database passwords out of every file, folder name and message.

Two jobs:

- :func:`redact` hides the password in any text or structure: ``scheme://user:pw@host``,
  ``scheme://:pw@host``, passwords holding a raw ``@`` (everything up to the last ``@`` of the
  URL's authority is hidden), and ``?password=`` / ``&pwd=`` query arguments.
- :func:`split_password` / :func:`with_password` move a password out of a URL and back. The
  report runner hands notebooks the URL *without* its password and the password itself in the
  kernel's environment variable :data:`PASSWORD_ENV` (``MINING_DB_PASSWORD``); the SQL reader
  puts it back when it connects. Users may also set ``MINING_DB_PASSWORD`` themselves (or use
  PostgreSQL's own ``PGPASSWORD`` / ``~/.pgpass``) and never write the password in a URL.

Examples
--------
>>> redact("postgresql+psycopg://u:s3cret@db.example/shop")
'postgresql+psycopg://u:***@db.example/shop'
>>> redact("postgresql://u@host/db?sslmode=require&password=s3cret")
'postgresql://u@host/db?sslmode=require&password=***'
>>> split_password("postgresql://u:s3cret@host/db")
('postgresql://u@host/db', 's3cret')
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote

__all__ = ["MASK", "PASSWORD_ENV", "redact", "split_password", "with_password"]

PASSWORD_ENV = "MINING_DB_PASSWORD"
MASK = "***"

# scheme://userinfo@rest: userinfo runs greedily to the last '@' before whitespace or a quote, so
# a password with a raw '@' (or ':' or '/') is hidden whole.
_AUTHORITY = re.compile(
    r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?P<userinfo>[^\s'\"<>@]*(?:@[^\s'\"<>@]*)*?)@"
    r"(?P<host>[^\s'\"<>@/?#]*)(?=[/?#\s'\"<>]|$)"
)
_QUERY_SECRET = re.compile(
    r"(?P<key>[?&;](?:password|passwd|pwd|pass|secret|token|api_key|apikey)=)(?P<value>[^&#\s'\"<>]*)",
    re.IGNORECASE,
)


def _mask_userinfo(match: re.Match[str]) -> str:
    userinfo = match.group("userinfo")
    if ":" in userinfo:
        user = userinfo.split(":", 1)[0]
        userinfo = f"{user}:{MASK}"
    return f"{match.group('scheme')}{userinfo}@{match.group('host')}"


def _redact_text(text: str) -> str:
    if "://" in text:
        text = _AUTHORITY.sub(_mask_userinfo, text)
    if "=" in text:
        text = _QUERY_SECRET.sub(lambda m: m.group("key") + MASK, text)
    return text


def redact(value: Any) -> Any:
    """``value`` with every password in it replaced by ``***`` (str, dict, list, tuple)."""
    if isinstance(value, str):
        return _redact_text(value)
    if isinstance(value, Mapping):
        return {k: redact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact(v) for v in value)
    return value


def split_password(url: str) -> tuple[str, str | None]:
    """``(url_without_password, password)``; ``password`` is None when the URL holds none.

    Both the ``user:password@`` form and a ``password=`` query argument are taken out.
    """
    password: str | None = None
    match = _AUTHORITY.search(url)
    if match and ":" in match.group("userinfo"):
        user, password = match.group("userinfo").split(":", 1)
        password = unquote(password)
        url = url[: match.start()] + f"{match.group('scheme')}{user}@{match.group('host')}" + url[match.end():]
    query = re.search(r"([?&])password=([^&#]*)", url, re.IGNORECASE)
    if query:
        password = unquote(query.group(2))
        head, tail = url[: query.start()], url[query.end():]
        if query.group(1) == "?":
            tail = "?" + tail[1:] if tail.startswith("&") else tail
        url = head + tail
    return url, password


def with_password(url: str, environ: Mapping[str, str] | None = None) -> str:
    """``url`` with the password from :data:`PASSWORD_ENV` filled in, when it names a user
    and has no password of its own; otherwise ``url`` unchanged."""
    env = os.environ if environ is None else environ
    password = env.get(PASSWORD_ENV)
    if not password:
        return url
    match = _AUTHORITY.search(url)
    if not match or ":" in match.group("userinfo"):
        return url
    userinfo = f"{match.group('userinfo')}:{quote(password, safe='')}"
    return url[: match.start()] + f"{match.group('scheme')}{userinfo}@{match.group('host')}" + url[match.end():]
