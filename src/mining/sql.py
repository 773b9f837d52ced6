"""Read transactions from a SQL database (a SQLAlchemy URL or a DuckDB file) with ``table=`` or
``query=``, read-only.

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
   - DuckDB (``duckdb:///shop.duckdb`` or a plain ``shop.duckdb`` / ``shop.ddb`` path): read
     with the ``duckdb`` package itself, no SQLAlchemy needed; the file is opened with
     ``read_only=True`` (a missing file is an error, never a new database) and without file
     system access (``enable_external_access=false``, locked), so neither the database nor
     any other file (``COPY ... TO``) can be written.
   - MySQL / MariaDB: ``SET SESSION TRANSACTION READ ONLY``; Oracle: ``SET TRANSACTION READ
     ONLY``. Other dialects (e.g. SQL Server) have no read-only session and rely on guard 1.

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

__all__ = ["DUCKDB_SUFFIXES", "QueryRejectedError", "check_query", "duckdb_file", "duckdb_table",
           "quote_identifier", "read_sql"]

_READ_STARTS = ("SELECT", "WITH")
# Words that only appear in statements that change something (outside literals and quoted
# identifiers). A column really named like one of them must be quoted: "update".
_WRITE_WORDS = frozenset(
    "INSERT UPDATE DELETE MERGE UPSERT INTO CREATE DROP ALTER TRUNCATE GRANT REVOKE COMMIT "
    "ROLLBACK ATTACH DETACH PRAGMA".split()
)
_MYSQL = ("mysql", "mariadb")
#: Plain paths with these endings are DuckDB database files.
DUCKDB_SUFFIXES = (".duckdb", ".ddb")


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
        raise _no_database_file("SQLite", path, "sqlite:///", "shop.db")
    return path.resolve()


def _no_database_file(kind: str, path: Path, scheme: str, name: str) -> MiningError:
    """The error for a database file that does not exist (never created)."""
    where = "" if path.is_absolute() else f" (relative to {Path.cwd()})"
    return MiningError(
        f"No such {kind} database file: {path}{where}. Check the path; {scheme}{name} is "
        f"relative to the working folder, {scheme}/data/{name} is absolute. mining never "
        "creates a database."
    )


def _is_duckdb(source: str) -> bool:
    """True for a ``duckdb://`` URL and a plain path ending ``.duckdb`` / ``.ddb``."""
    if "://" in source:
        return source.split("://", 1)[0].split("+", 1)[0].lower() == "duckdb"
    return source.lower().endswith(DUCKDB_SUFFIXES)


def duckdb_file(source: str | os.PathLike[str]) -> Path:
    """The resolved path of the existing DuckDB database file that ``source`` names.

    Parameters
    ----------
    source : str or path
        ``duckdb:///shop.duckdb`` (relative to the working folder), ``duckdb:////data/shop.duckdb``
        (absolute), or a plain path such as ``shop.duckdb`` / ``shop.ddb``.

    Raises
    ------
    MiningError
        For an in-memory database (``duckdb:///:memory:`` or no path: always empty), a URL
        naming a host, or a file that does not exist; mining never creates a database.
    """
    text = os.fspath(source).strip()
    url = "://" in text
    if url:
        scheme, rest = text.split("://", 1)
        if scheme.split("+", 1)[0].lower() != "duckdb":
            raise MiningError(f"{redact(text)} is not a DuckDB URL; expected e.g. duckdb:///shop.duckdb.")
        host, _, db = rest.partition("/")
        if host not in ("", "localhost"):
            raise MiningError(
                f"The DuckDB URL {redact(text)} names the host {host!r}, but a DuckDB database is "
                "a file on this computer: write duckdb:///shop.duckdb (relative to the working "
                "folder) or duckdb:////data/shop.duckdb (absolute)."
            )
        text = unquote(db.partition("?")[0])
    if not text or text == ":memory:" or text.startswith(":memory:"):
        raise MiningError(
            f"The DuckDB {'URL' if url else 'path'} names an in-memory database, which is always empty. Give the database "
            "file: duckdb:///shop.duckdb (relative to the working folder), "
            "duckdb:////data/shop.duckdb (absolute) or the plain path shop.duckdb."
        )
    path = Path(text).expanduser()
    where = "" if path.is_absolute() else f" (relative to {Path.cwd()})"
    if path.is_dir():
        raise MiningError(
            f"{path}{where} is a folder, not a DuckDB database file. Give the database file "
            "itself, e.g. duckdb:///data/shop.duckdb or data/shop.duckdb."
        )
    if not path.is_file():
        raise _no_database_file("DuckDB", path, "duckdb:///", "shop.duckdb")
    return path.resolve()


def _duckdb_detail(exc: BaseException) -> str:
    """DuckDB's message on one line, without its ``LINE 1: ...`` / ``^^^`` pointer lines."""
    lines = [ln.strip() for ln in str(exc).splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("LINE ") and set(ln) != {"^"}]
    text = redact(" ".join(lines) or type(exc).__name__).rstrip()
    return text if text.endswith((".", "?", "!")) else text + "."


def _duckdb_connect(path: Path) -> Any:
    """A DuckDB connection to ``path`` that can neither write the database nor any file.

    ``read_only=True`` refuses every change to the database (and never creates a missing
    file); ``enable_external_access=false`` (locked, with the rest of the configuration)
    refuses ``COPY ... TO``, ``ATTACH`` and reading other files. The session time zone is UTC,
    so ``TIMESTAMPTZ`` columns arrive in UTC.
    """
    import duckdb

    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise MiningError(f"Cannot read the DuckDB database {path}: {exc.strerror or exc}.") from None
    if head == b"SQLite format 3\x00":
        raise MiningError(
            f"{path} is a SQLite database, not a DuckDB one: read it with sqlite:///{path} "
            "(mining reads SQLite through Python's sqlite3 module)."
        )
    try:
        con = duckdb.connect(str(path), read_only=True, config={"enable_external_access": False})
    except duckdb.Error as exc:
        text = str(exc)
        if "not a valid DuckDB database" in text:
            hint = (" Is it a DuckDB database? A SQLite file is read with sqlite:///path.db, a "
                    "CSV, Parquet or Excel file by its own name ending.")
        elif "Could not set lock" in text:
            hint = (" Another program has the database open for writing (DuckDB allows one "
                    "writer, and no reader beside it): close it (con.close() in a notebook, "
                    "quit the DuckDB CLI) or read a copy of the file.")
        elif "different configuration" in text:
            hint = (" This Python process already has the file open with other settings: close "
                    "that connection (con.close()) first, or read a copy of the file.")
        else:
            hint = ""
        raise MiningError(
            f"Cannot open the DuckDB database {path}: {_duckdb_detail(exc)}{hint}"
        ) from None
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


def quote_identifier(name: str) -> str:
    """``name`` as a quoted SQL identifier (``"order lines"``; a ``"`` inside doubled)."""
    return '"' + name.replace('"', '""') + '"'


def duckdb_table(con: Any, table: str, path: Path) -> str:
    """The quoted ``"database"."schema"."table"`` of the table or view ``table`` (``name`` or
    ``schema.name``; capitals do not matter, as in DuckDB), or a MiningError listing them.

    The full name, because a schema named like the database (``shop`` in ``shop.duckdb``)
    makes ``shop.orders`` ambiguous to DuckDB.
    """
    (catalog,) = con.execute("SELECT current_database()").fetchone()
    found = con.execute(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_catalog = current_database() "
        "ORDER BY table_schema <> 'main', table_schema, table_name"
    ).fetchall()

    def matches(same: Any) -> list[tuple[str, str]]:
        hits = [(s, n) for s, n in found if same(n, table)]
        return hits or [(s, n) for s, n in found if same(f"{s}.{n}", table)]

    hits = matches(str.__eq__) or matches(lambda a, b: a.lower() == b.lower())
    names = [n if s == "main" else f"{s}.{n}" for s, n in found]
    if not hits:
        raise MiningError(
            f"The DuckDB database {path} has no table or view {table!r}; it has: "
            f"{', '.join(names) or 'none'}."
        )
    if len(hits) > 1 and hits[0][0] != "main":
        raise MiningError(
            f"The DuckDB database {path} has {len(hits)} tables named {table!r}: "
            f"{', '.join(f'{s}.{n}' for s, n in hits)}. Name one with its schema, e.g. "
            f"table={hits[0][0] + '.' + hits[0][1]!r}."
        )
    schema, name = hits[0]
    return f"{quote_identifier(catalog)}.{quote_identifier(schema)}.{quote_identifier(name)}"


def _read_duckdb(source: str, table: str | None, query: str | None) -> pd.DataFrame:
    """:func:`read_sql` for a DuckDB file, with the ``duckdb`` package (no SQLAlchemy)."""
    import duckdb

    if table is not None and (not isinstance(table, str) or not table.strip()):
        raise ParameterError(
            f"The table to read from a DuckDB database must be a name such as 'orders'. Got {table!r}."
        )
    sql = None if query is None else check_query(query, "duckdb")
    path = duckdb_file(source)
    con = _duckdb_connect(path)
    try:
        try:
            if table is not None:
                sql = f"SELECT * FROM {duckdb_table(con, table, path)}"
            return con.execute(sql).df()
        except duckdb.Error as exc:
            hint = ""
            if _read_only_refusal(exc):
                hint = (" mining opens databases read-only, and the database refused a change; "
                        "nothing was changed. Give one plain SELECT statement.")
            elif "file system operations are disabled" in str(exc):
                hint = (" mining reads only the tables and views of the DuckDB database itself; "
                        "give another file as its own source (its path).")
            raise MiningError(f"The database query failed: {_duckdb_detail(exc)}{hint}") from None
    finally:
        con.close()


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
            or "readonly database" in text or "query_only" in text or "read only" in text
            or "read-only mode" in text)  # DuckDB


def _secrets_of(url: str) -> list[str]:
    found = [split_password(url)[1], os.environ.get(PASSWORD_ENV)]
    out: list[str] = []
    for pw in found:
        if pw:
            out += [pw, quote(pw, safe=""), quote(pw)]
    return [s for s in dict.fromkeys(out) if s]


def read_sql(url: str | os.PathLike[str], *, table: str | None = None,
             query: str | None = None) -> pd.DataFrame:
    """Read a table or the result of one ``SELECT`` query from a SQLAlchemy URL, read-only.

    Parameters
    ----------
    url : str
        e.g. ``sqlite:///shop.db`` or ``postgresql+psycopg://reader@db.example/shop``; a user
        without a password takes it from ``MINING_DB_PASSWORD``. A DuckDB database
        (``duckdb:///shop.duckdb``, or the plain path ``shop.duckdb`` / ``shop.ddb``) is read
        with the ``duckdb`` package (see :func:`duckdb_file`), no SQLAlchemy needed.
    table, query : str
        Exactly one: a table name, or one ``SELECT`` / ``WITH ... SELECT`` statement
        (see :func:`check_query`).

    Raises
    ------
    MiningError
        For a bad URL, a missing SQLite or DuckDB file, a refused query, a connection or query
        failure; the message never holds the password.
    """
    url = os.fspath(url)
    shown = redact(url)
    scheme = shown.split("://", 1)[0]
    duck = _is_duckdb(url)
    if (table is None) == (query is None):
        where = f"database {scheme}://..." if "://" in url else f"DuckDB database {shown}"
        raise ParameterError(
            f"Reading from the {where} needs exactly one of "
            "table='orders' or query='SELECT ...'."
        )
    if duck:  # the duckdb package itself, before (and without) SQLAlchemy
        return _read_duckdb(url, table, query)
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
