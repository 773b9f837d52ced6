"""Read transactions from a SQL database (SQLAlchemy URL) with ``table=`` or ``query=``, read-only.

``mining`` never writes to a user's database. Two independent guards make sure of it:

1. **The query text** (from ``query=``, ``--query`` or a mapping file's ``query:`` key) must be
   exactly one ``SELECT`` (or ``WITH ... SELECT``) statement; :func:`check_query` refuses a
   second statement (a ``;`` inside a string literal, quoted identifier or comment does not
   count), any other statement type and write keywords anywhere in it (``INSERT``, ``UPDATE``,
   ``DELETE``, ``MERGE``, ``INTO`` as in ``SELECT ... INTO``, ``CREATE``, ``DROP``, ...), outside
   literals and quoted identifiers.
2. **The connection is read-only at the database level**, so even a statement the check lets
   through cannot change anything:

   - SQLite: the file is opened with ``file:...?mode=ro`` and ``PRAGMA query_only``; a missing
     file is an error, never a new empty database.
   - PostgreSQL: the session starts with ``default_transaction_read_only=on`` (libpq ``options``
     for psycopg / psycopg2, ``SET SESSION CHARACTERISTICS`` otherwise), so every transaction,
     including one begun after a ``COMMIT`` inside the query text, is read-only. The server then
     refuses ``INSERT/UPDATE/DELETE/MERGE``, DDL (``CREATE``, ``DROP``, ``CREATE TABLE AS``,
     ``SELECT INTO``), data-modifying CTEs, ``nextval()``, ``SELECT ... FOR UPDATE`` and writes
     made inside functions.
   - MySQL / MariaDB: ``SET SESSION TRANSACTION READ ONLY``; Oracle: ``SET TRANSACTION READ
     ONLY``; DuckDB: ``read_only=True``. Other dialects (e.g. SQL Server) have no read-only
     session and rely on guard 1.

   Read-only transactions do **not** stop side effects that are not writes, e.g. PostgreSQL's
   ``pg_terminate_backend()``, ``pg_cancel_backend()`` or a long ``pg_sleep()``. Connect with a
   database role that may only ``SELECT`` the tables you analyse for full protection.

Passwords: a URL naming a user without a password gets it from the ``MINING_DB_PASSWORD``
environment variable (:func:`mining.secrets.with_password`); every error message is redacted.
A password written in the URL must be percent-encoded (``@`` as ``%40``).

>>> check_query("SELECT * FROM orders WHERE note = 'a; b' -- trailing ; comment\\n;")
"SELECT * FROM orders WHERE note = 'a; b' -- trailing ; comment"
>>> check_query("SELECT 1; DROP TABLE orders")
Traceback (most recent call last):
...
mining.sql.QueryRejectedError: The query holds 2 SQL statements; mining runs exactly one SELECT (or WITH ... SELECT) statement. Remove everything after the first ';'.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pandas as pd

from mining.errors import MiningError, ParameterError
from mining.secrets import PASSWORD_ENV, raw_at_in_password, redact, split_password, with_password

__all__ = ["QueryRejectedError", "check_query", "read_sql"]

_READ_STARTS = ("SELECT", "WITH")
# Words that only appear in statements that change something (outside literals and quoted
# identifiers). A column really named like one of them must be quoted: "update".
_WRITE_WORDS = frozenset(
    "INSERT UPDATE DELETE MERGE UPSERT INTO CREATE DROP ALTER TRUNCATE GRANT REVOKE COMMIT "
    "ROLLBACK ATTACH DETACH PRAGMA".split()
)
_MYSQL = ("mysql", "mariadb")


class QueryRejectedError(MiningError):
    """The query text is not one read-only ``SELECT`` statement (nothing was sent to the database)."""


# ------------------------------------------------------------------ the query text
def _scan(sql: str, dialect: str) -> tuple[list[list[str]], list[str]]:
    """Split ``sql`` into statements: ``(words of each statement, statement texts)``.

    Words are upper-cased bare words outside string literals, quoted identifiers and comments;
    ``;`` inside those does not end a statement. Raises on unterminated literals or comments.
    """
    mysql = dialect in _MYSQL
    brackets = dialect in ("sqlite", "mssql")
    statements: list[list[str]] = [[]]
    texts: list[str] = []
    start = i = 0
    n = len(sql)
    content = [False]

    def fail(what: str) -> None:
        raise QueryRejectedError(
            f"The query has {what}; close it (or remove it) and write exactly one SELECT statement."
        )

    while i < n:
        c = sql[i]
        nxt = sql[i + 1] if i + 1 < n else ""
        if c == ";":
            texts.append(sql[start:i])
            start = i + 1
            statements.append([])
            content.append(False)
            i += 1
            continue
        if c.isspace():
            i += 1
            continue
        if c == "-" and nxt == "-" and (not mysql or i + 2 >= n or sql[i + 2].isspace()):
            end = sql.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        if c == "#" and mysql:
            end = sql.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        if c == "/" and nxt == "*":
            if mysql and sql[i + 2: i + 3] == "!":
                fail("a MySQL executable comment /*! ... */")
            end = sql.find("*/", i + 2)
            if end < 0:
                fail("an unterminated /* comment")
            if "/*" in sql[i + 2: end]:
                fail("a nested /* comment")
            i = end + 2
            continue
        content[-1] = True
        if c in "'\"`" or (c == "[" and brackets):
            close = "]" if c == "[" else c
            backslash = (mysql and c != "`") or (
                c == "'" and i > 0 and sql[i - 1] in "eE"
                and not (i > 1 and (sql[i - 2].isalnum() or sql[i - 2] == "_"))
            )
            j = i + 1
            while True:
                if j >= n:
                    fail("an unterminated quoted string or identifier")
                if backslash and sql[j] == "\\":
                    j += 2
                    continue
                if sql[j] == close:
                    if close != "]" and sql[j + 1: j + 2] == close:  # doubled quote: escaped
                        j += 2
                        continue
                    break
                j += 1
            i = j + 1
            continue
        if c == "$" and dialect == "postgresql":
            k = i + 1
            while k < n and (sql[k].isalnum() or sql[k] == "_"):
                k += 1
            tag = sql[i: k + 1]
            if k < n and sql[k] == "$" and not sql[i + 1: i + 2].isdigit():
                end = sql.find(tag, k + 1)
                if end < 0:
                    fail(f"an unterminated {tag} quoted string")
                i = end + len(tag)
                continue
        if c.isalpha() or c == "_":
            j = i + 1
            while j < n and (sql[j].isalnum() or sql[j] in "_$"):
                j += 1
            statements[-1].append(sql[i:j].upper())
            i = j
            continue
        i += 1
    texts.append(sql[start:])
    kept = [(w, t) for w, t, has in zip(statements, texts, content, strict=True) if has]
    return [w for w, _ in kept], [t for _, t in kept]


def check_query(query: str, dialect: str = "") -> str:
    """The one ``SELECT`` statement in ``query`` (trailing ``;`` and blanks removed), or a
    :class:`QueryRejectedError` saying what is wrong. ``dialect`` is SQLAlchemy's backend name
    (``"postgresql"``, ``"sqlite"``, ``"mysql"``, ...); it decides how literals are quoted.

    >>> check_query("WITH big AS (SELECT * FROM orders WHERE qty > 1) SELECT * FROM big")
    'WITH big AS (SELECT * FROM orders WHERE qty > 1) SELECT * FROM big'
    >>> check_query("DELETE FROM orders")
    Traceback (most recent call last):
    ...
    mining.sql.QueryRejectedError: The query is a DELETE statement; mining only reads from databases, so the query must be one SELECT (or WITH ... SELECT) statement.
    """
    if not isinstance(query, str) or not query.strip():
        raise QueryRejectedError(
            f"The query must be one SELECT statement as text, e.g. 'SELECT * FROM orders'. Got {query!r}."
        )
    words, texts = _scan(query, dialect)
    if not words:
        raise QueryRejectedError(
            "The query holds no SQL statement (only comments or ';'). "
            "Give one SELECT statement, e.g. 'SELECT * FROM orders'."
        )
    if len(texts) > 1:
        raise QueryRejectedError(
            f"The query holds {len(texts)} SQL statements; mining runs exactly one SELECT "
            "(or WITH ... SELECT) statement. Remove everything after the first ';'."
        )
    first = words[0][0] if words[0] else "?"
    if first not in _READ_STARTS:
        raise QueryRejectedError(
            f"The query is a{'n' if first[:1] in 'AEIOU' else ''} {first} statement; mining only reads "
            "from databases, so the query must be one SELECT (or WITH ... SELECT) statement."
        )
    bad = sorted({w for w in words[0] if w in _WRITE_WORDS})
    if bad:
        raise QueryRejectedError(
            f"The query uses {', '.join(bad)}, which would change the database; mining only reads "
            "from databases, so give one plain SELECT statement (a column with such a name must be "
            f'quoted, e.g. "{bad[0].lower()}").'
        )
    return texts[0].strip()


# ------------------------------------------------------------------ read-only connections
def _sqlite_file(database: str | None, query: dict[str, Any]) -> Path:
    db = database or ""
    uri = str(query.get("uri", "")).lower() in ("true", "1", "yes")
    if uri and db.startswith("file:"):
        rest, _, params = db[5:].partition("?")
        if "mode=memory" in params or str(query.get("mode", "")) == "memory":
            db = ":memory:"
        else:
            if rest.startswith("//"):  # file://host/path: only an empty host or localhost
                rest = rest[2:]
                rest = rest[rest.find("/"):] if "/" in rest else ""
            db = unquote(rest)
    if not db or db == ":memory:":
        raise MiningError(
            "The SQLite URL names an in-memory database, which is always empty. Give the database "
            "file: sqlite:///shop.db (relative to the working folder) or sqlite:////data/shop.db "
            "(absolute)."
        )
    path = Path(db)
    if not path.is_file():
        where = "" if path.is_absolute() else f" (relative to {Path.cwd()})"
        raise MiningError(
            f"No such SQLite database file: {path}{where}. Check the path; sqlite:///shop.db is "
            "relative to the working folder, sqlite:////data/shop.db is absolute. mining never "
            "creates a database."
        )
    return path.resolve()


def _read_only_engine(url: Any) -> Any:
    """A SQLAlchemy engine whose connections cannot write (see the module docstring)."""
    import sqlalchemy as sa

    backend, driver = url.get_backend_name(), url.get_driver_name()
    if backend == "sqlite":
        if driver != "pysqlite":
            raise MiningError(
                f"mining reads SQLite through Python's sqlite3 module; use sqlite:///path.db "
                f"instead of {url.drivername}://."
            )
        uri = _sqlite_file(url.database, dict(url.query)).as_uri() + "?mode=ro"

        def creator() -> sqlite3.Connection:
            con = sqlite3.connect(uri, uri=True, check_same_thread=False)
            con.execute("PRAGMA query_only = ON")
            return con

        return sa.create_engine("sqlite+pysqlite://", creator=creator, poolclass=sa.pool.NullPool)
    kwargs: dict[str, Any] = {"poolclass": sa.pool.NullPool}
    session_sql = None
    if backend == "postgresql":
        if driver in ("psycopg", "psycopg2", "psycopg2cffi"):
            options = url.query.get("options", "")
            options = " ".join(options) if isinstance(options, tuple) else options
            url = url.difference_update_query(["options"])
            kwargs["connect_args"] = {
                "options": f"{options} -c default_transaction_read_only=on".strip()
            }
        else:
            session_sql = "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"
    elif backend in _MYSQL:
        session_sql = "SET SESSION TRANSACTION READ ONLY"
    elif backend == "duckdb":
        kwargs["connect_args"] = {"read_only": True}
    engine = sa.create_engine(url, **kwargs)
    if session_sql:
        @sa.event.listens_for(engine, "connect")
        def _read_only_session(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute(session_sql)
            cursor.close()
            dbapi_connection.commit()

    return engine


def _begin_read_only(conn: Any) -> None:
    if conn.dialect.name == "oracle":  # per transaction, as its first statement
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")


# ------------------------------------------------------------------ errors
def _detail(exc: BaseException, secrets: list[str]) -> str:
    """The useful lines of a driver error, with every password removed."""
    if isinstance(exc, pd.errors.DatabaseError) and exc.__cause__ is not None:
        exc = exc.__cause__  # pandas' wrapper repeats the whole SQL text
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc)
    lines = [ln.strip() for ln in text.splitlines()
             if ln.strip() and not ln.lstrip().startswith(("[SQL", "[parameters", "(Background"))]
    text = " ".join(lines) or type(exc).__name__
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    text = redact(text).rstrip()
    return text if text.endswith((".", "?", "!")) else text + "."


def _read_only_refusal(exc: BaseException) -> bool:
    exc = exc.__cause__ or exc if isinstance(exc, pd.errors.DatabaseError) else exc
    orig = getattr(exc, "orig", exc)
    text = str(orig).lower()
    return (getattr(orig, "sqlstate", None) == "25006" or "read-only transaction" in text
            or "readonly database" in text or "query_only" in text or "read only" in text)


def _secrets_of(url: str) -> list[str]:
    found = [split_password(url)[1], os.environ.get(PASSWORD_ENV)]
    out: list[str] = []
    for pw in found:
        if pw:
            out += [pw, quote(pw, safe=""), quote(pw)]
    return [s for s in dict.fromkeys(out) if s]


def read_sql(url: str, *, table: str | None = None, query: str | None = None) -> pd.DataFrame:
    """Read a table or the result of one ``SELECT`` query from a SQLAlchemy URL, read-only.

    Parameters
    ----------
    url : str
        e.g. ``sqlite:///shop.db`` or ``postgresql+psycopg://reader@db.example/shop``; a user
        without a password takes it from ``MINING_DB_PASSWORD``.
    table, query : str
        Exactly one: a table name, or one ``SELECT`` / ``WITH ... SELECT`` statement
        (see :func:`check_query`).

    Raises
    ------
    MiningError
        For a bad URL, a missing SQLite file, a refused query, a connection or query failure;
        the message never holds the password.
    """
    shown = redact(url)
    scheme = shown.split("://", 1)[0]
    if (table is None) == (query is None):
        raise ParameterError(
            f"Reading from the database {scheme}://... needs exactly one of "
            "table='orders' or query='SELECT ...'."
        )
    if raw_at_in_password(url):
        raise MiningError(
            f"The password in the database URL {shown} seems to contain a raw '@'. Write it "
            "percent-encoded ('@' as %40, ':' as %3A, '/' as %2F), e.g. "
            f"{scheme}://user:p%40ss@host/db, or leave it out of the URL and set the "
            f"{PASSWORD_ENV} environment variable."
        )
    import sqlalchemy as sa

    if url.startswith(("postgres://", "postgres+")):  # the Heroku spelling SQLAlchemy refuses
        url = "postgresql" + url[len("postgres"):]
    full = with_password(url)
    secrets = _secrets_of(full)
    try:
        parsed = sa.engine.make_url(full)
        sql = None if query is None else check_query(query, parsed.get_backend_name())
        engine = _read_only_engine(parsed)
    except MiningError:
        raise
    except Exception as exc:  # any parser or driver error may hold the password
        raise MiningError(
            f"Cannot use the database URL {shown}: {_detail(exc, secrets)} Expected e.g. "
            "sqlite:///shop.db or postgresql+psycopg://user@host:5432/db."
        ) from None
    try:
        try:
            conn = engine.connect()
        except Exception as exc:
            raise MiningError(
                f"Cannot connect to the database {shown}: {_detail(exc, secrets)} Check the host, "
                "port, database name and user; a password comes from the URL or the "
                f"{PASSWORD_ENV} environment variable."
            ) from None
        with conn:
            try:
                _begin_read_only(conn)
                if table is not None:
                    inspector = sa.inspect(conn)
                    if not inspector.has_table(table):
                        names = inspector.get_table_names()
                        raise MiningError(
                            f"The database has no table {table!r}; it has: "
                            f"{', '.join(names) or 'none'}."
                        )
                    return pd.read_sql_table(table, conn)
                # no_parameters: the driver gets the text as is, so a '%' (LIKE 'a%') or ':30'
                # in it is never taken for a placeholder
                return pd.read_sql_query(sql, conn.execution_options(no_parameters=True))
            except MiningError:
                raise
            except Exception as exc:
                hint = ""
                if _read_only_refusal(exc):
                    hint = (" mining opens databases read-only, and the database refused a change; "
                            "nothing was changed. Give one plain SELECT statement.")
                raise MiningError(
                    f"The database query failed: {_detail(exc, secrets)}{hint}"
                ) from None
    finally:
        engine.dispose()
