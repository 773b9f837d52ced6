"""Keep database passwords out of every file, folder name and message.

Two jobs:

- :func:`redact` hides the password in any text or structure: ``scheme://user:pw@host``,
  ``scheme://:pw@host``, passwords holding a raw ``@``, ``:`` or ``/`` (everything from the first
  ``:`` after the user name up to the last ``@`` of the URL is hidden), ``?password=`` /
  ``&pwd=`` query arguments, libpq ``password=...`` connection strings and ``'password': ...``
  entries of printed dicts. Dicts are masked by key as well.
- :func:`split_password` / :func:`with_password` move a password out of a URL and back. The
  report runner hands notebooks the URL *without* its password and the password itself in the
  kernel's environment variable :data:`PASSWORD_ENV` (``MINING_DB_PASSWORD``); the SQL reader
  puts it back when it connects. Users may also set ``MINING_DB_PASSWORD`` themselves (or use
  PostgreSQL's own ``PGPASSWORD`` / ``~/.pgpass``) and never write the password in a URL.

A password written in a URL must be percent-encoded where it holds ``@`` (``%40``), ``:``
(``%3A``) or ``/`` (``%2F``); :func:`raw_at_in_password` spots the common mistake of a raw ``@``.

Examples
--------
>>> redact("postgresql+psycopg://u:s3cret@db.example/shop")
'postgresql+psycopg://u:***@db.example/shop'
>>> redact("postgresql://u@host/db?sslmode=require&password=s3cret")
'postgresql://u@host/db?sslmode=require&password=***'
>>> redact({"url": "mysql://u:p@ss@h/db", "password": "s3cret"})
{'url': 'mysql://u:***@h/db', 'password': '***'}
>>> split_password("postgresql://u:s3cret@host/db")
('postgresql://u@host/db', 's3cret')
>>> with_password("postgresql://u@host/db", {"MINING_DB_PASSWORD": "p@ss"})
'postgresql://u:p%40ss@host/db'
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote

__all__ = ["MASK", "PASSWORD_ENV", "raw_at_in_password", "redact", "split_password",
           "with_password"]

PASSWORD_ENV = "MINING_DB_PASSWORD"
MASK = "***"

_STOP = r"\s'\"<>`"  # a URL in a message ends at whitespace, a quote or an angle bracket
# scheme://user[:password]@host. The user name holds no ':', '/', '?', '#' or '@'; the password
# runs greedily to the *last* '@' before the URL ends, so a raw '@', ':' or '/' in it is hidden
# whole (at worst a little too much of a URL is hidden, never too little).
_AUTHORITY = re.compile(
    rf"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?P<user>[^{_STOP}:/?#@]*)"
    rf"(?::(?P<password>[^{_STOP}]*))?@(?P<host>[^{_STOP}@/?#]*)(?=[/?#{_STOP}]|$)"
)
_SECRET_KEYS = r"password|passwd|pwd|pass|secret|token|api_key|apikey"
# key=value in a URL query (?password=, &pwd=) or a libpq conninfo ("host=h password=pw").
_KEY_VALUE = re.compile(
    rf"(?P<key>(?:(?<=[?&;,(\s])|^)(?:{_SECRET_KEYS})\s*=\s*)"
    rf"(?P<value>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^&#{_STOP}]*)",
    re.IGNORECASE | re.MULTILINE,
)
# 'password': 'pw' in a printed dict (the repr of connect arguments).
_DICT_ENTRY = re.compile(
    rf"(?P<key>(?P<q>['\"])(?:{_SECRET_KEYS})(?P=q)\s*:\s*)"
    rf"(?P<value>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|b'(?:[^'\\]|\\.)*')",
    re.IGNORECASE,
)
_SECRET_KEY = re.compile(rf"(?:{_SECRET_KEYS})", re.IGNORECASE)


def _mask_authority(match: re.Match[str]) -> str:
    if match.group("password") is None:
        return match.group(0)
    return f"{match.group('scheme')}{match.group('user')}:{MASK}@{match.group('host')}"


def _mask_quoted(match: re.Match[str]) -> str:
    value = match.group("value").removeprefix("b")
    quote_char = value[0] if value[:1] in ("'", '"') else ""
    return f"{match.group('key')}{quote_char}{MASK}{quote_char}"


def _redact_text(text: str) -> str:
    if "://" in text:
        text = _AUTHORITY.sub(_mask_authority, text)
    if "=" in text:
        text = _KEY_VALUE.sub(_mask_quoted, text)
    if ":" in text:
        text = _DICT_ENTRY.sub(_mask_quoted, text)
    return text


def redact(value: Any) -> Any:
    """``value`` with every password in it replaced by ``***``.

    Works on text and, recursively, on dicts (values of keys such as ``password`` are masked
    whole), lists, tuples and sets; anything else comes back unchanged.

    >>> redact("connection to postgresql://reader:pa:ss/w@rd@10.0.0.5:5432 failed")
    'connection to postgresql://reader:***@10.0.0.5:5432 failed'
    >>> redact("host=db user=reader password='a b' dbname=shop")
    "host=db user=reader password='***' dbname=shop"
    """
    if isinstance(value, str):
        return _redact_text(value)
    if isinstance(value, Mapping):
        return {
            k: (MASK if isinstance(k, str) and _SECRET_KEY.fullmatch(k) and value[k] else redact(v))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return type(value)(redact(v) for v in value)
    return value


def raw_at_in_password(url: str) -> bool:
    """True when the password written in ``url`` holds a raw ``@`` (it must be ``%40``).

    >>> raw_at_in_password("postgresql://u:p@ss@host/db"), raw_at_in_password("postgresql://u:p%40ss@host/db")
    (True, False)
    """
    match = _AUTHORITY.search(url)
    return bool(match and match.group("password") and "@" in match.group("password"))


def split_password(url: str) -> tuple[str, str | None]:
    """``(url_without_password, password)``; ``password`` is None when the URL holds none.

    Both the ``user:password@`` form and a ``password=`` query argument are taken out; the
    password comes back percent-decoded.

    >>> split_password("postgresql://u:p%40ss@host/db?sslmode=require&password=x")
    ('postgresql://u@host/db?sslmode=require', 'x')
    >>> split_password("postgresql://host/db")
    ('postgresql://host/db', None)
    """
    password: str | None = None
    match = _AUTHORITY.search(url)
    if match and match.group("password") is not None:
        password = unquote(match.group("password")) or None
        bare = f"{match.group('scheme')}{match.group('user')}@{match.group('host')}"
        if not match.group("user"):
            bare = f"{match.group('scheme')}{match.group('host')}"
        url = url[: match.start()] + bare + url[match.end():]
    query = re.search(r"([?&])password=([^&#]*)", url, re.IGNORECASE)
    if query:
        password = unquote(query.group(2)) or password
        head, tail = url[: query.start()], url[query.end():]
        if query.group(1) == "?" and tail.startswith("&"):
            tail = "?" + tail[1:]
        url = head + tail
    return url, password


def with_password(url: str, environ: Mapping[str, str] | None = None) -> str:
    """``url`` with the password from :data:`PASSWORD_ENV` filled in (percent-encoded), when it
    names a user and has no password of its own; otherwise ``url`` unchanged.

    >>> env = {"MINING_DB_PASSWORD": "s3cret"}
    >>> with_password("postgresql://u:own@host/db", env), with_password("postgresql://host/db", env)
    ('postgresql://u:own@host/db', 'postgresql://host/db')
    """
    env = os.environ if environ is None else environ
    password = env.get(PASSWORD_ENV)
    if not password:
        return url
    match = _AUTHORITY.search(url)
    if (not match or not match.group("user") or match.group("password") is not None
            or re.search(r"[?&]password=", url, re.IGNORECASE)):
        return url
    userinfo = f"{match.group('user')}:{quote(password, safe='')}"
    return url[: match.start()] + f"{match.group('scheme')}{userinfo}@{match.group('host')}" + url[match.end():]
