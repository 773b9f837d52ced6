"""The SQL reader never writes to the user's database and never prints a password.

Two layers are tested separately: the query check (one SELECT statement) and, bypassing it,
the read-only connection itself, so each layer holds on its own.
"""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from mining.errors import MiningError
from mining.io import load_transactions
from mining.sql import QueryRejectedError, _read_only_engine, check_query, read_sql

ORDERS = pd.DataFrame(
    {
        "Kunde": ["k1", "k2", "k2"],
        "Beleg": ["b1", "b2", "b2"],
        "Datum": pd.to_datetime(["2024-03-01 10:00", "2024-03-02 11:30", "2024-03-02 11:30"]),
        "Artikel": ["a1", "a2", "a3"],
        "Menge": [1, 3, 2],
        "Preis": [9.5, 1.25, 4.0],
        "note": ["at 10:30", "a;b", "it's"],
    }
)
MAPPING = {"Kunde": "customer_id", "Beleg": "order_id", "Datum": "timestamp",
           "Artikel": "product_id", "Menge": "quantity", "Preis": "unit_price"}
COMMIT_DROP = "SELECT * FROM orders; COMMIT; DROP TABLE canary; COMMIT"

# Statements that change the database, as a user might pass them in --query.
WRITES = [
    COMMIT_DROP,
    "DROP TABLE canary",
    "DELETE FROM canary",
    "UPDATE canary SET n = 0",
    "INSERT INTO canary VALUES (99)",
    "CREATE TABLE stolen AS SELECT * FROM canary",
    "SELECT * INTO stolen FROM canary",
    "WITH gone AS (DELETE FROM canary RETURNING *) SELECT * FROM gone",
    "WITH x AS (SELECT 1) INSERT INTO canary SELECT 1 FROM x",
    "SELECT * FROM canary FOR UPDATE",
]


# ------------------------------------------------------------------ the query check
@pytest.mark.parametrize("query", WRITES)
def test_writing_queries_are_rejected_before_reaching_the_database(query):
    with pytest.raises(QueryRejectedError, match="mining (only reads|runs exactly one SELECT)"):
        check_query(query, "postgresql")


@pytest.mark.parametrize(("query", "dialect"), [
    ("SELECT * FROM orders WHERE note = 'a;b'", ""),
    ("SELECT * FROM orders WHERE note = 'it''s; DROP TABLE canary'", ""),
    ('SELECT "weird;col", "drop" FROM orders', "postgresql"),
    ("SELECT 1 -- ; DROP TABLE canary\n", "sqlite"),
    ("SELECT 1 /* ; DROP TABLE canary */ ;  ;", "sqlite"),
    ("SELECT [a;b] FROM orders", "sqlite"),
    ("SELECT `drop;` FROM orders", "mysql"),
    ("SELECT 'it\\'s; DROP TABLE canary' FROM orders", "mysql"),  # MySQL: backslash escapes
    ("SELECT 1 # ; DROP TABLE canary\n", "mysql"),
    ("SELECT $$; DROP TABLE canary$$, $q$;$q$", "postgresql"),
    ("SELECT E'it\\'s; DROP TABLE canary'", "postgresql"),
    ("SELECT updated_at, deleted, created_by, intoxicated FROM orders", ""),
    ("(SELECT 1)", ""),
    ("  with t as (select 1) select * from t;  ", ""),
])
def test_one_select_statement_passes(query, dialect):
    assert check_query(query, dialect) == query.strip().rstrip(";").strip(" ;")


@pytest.mark.parametrize(("query", "dialect", "match"), [
    ("SELECT 'a\\'; DROP TABLE canary; --'", "postgresql", "2 SQL statements"),  # standard strings
    ("SELECT 1--1; DROP TABLE canary", "mysql", "2 SQL statements"),  # '--1' is no comment there
    ("SELECT 1 /*! ; DROP TABLE canary */", "mysql", "executable comment"),
    ("SELECT 1 /* /* */ ; DROP TABLE canary */", "postgresql", "nested"),
    ("SELECT 'open", "", "unterminated"),
    ("SELECT 1 /* open", "", "unterminated"),
    ("SELECT $$ open", "postgresql", "unterminated"),
    ("-- only a comment", "", "no SQL statement"),
    ("", "", "must be one SELECT"),
    ("VACUUM", "sqlite", "a VACUUM statement"),
    ("ATTACH DATABASE 'x.db' AS x", "sqlite", "an ATTACH statement"),
    ("SELECT * FROM orders INTO OUTFILE '/tmp/x'", "mysql", "INTO"),
])
def test_query_check_refuses(query, dialect, match):
    with pytest.raises(QueryRejectedError, match=match):
        check_query(query, dialect)


# ------------------------------------------------------------------ SQLite, for real
@pytest.fixture
def shop(tmp_path):
    path = tmp_path / "shop.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    ORDERS.to_sql("orders", engine, index=False)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE canary (n INTEGER)")
        conn.exec_driver_sql("INSERT INTO canary VALUES (1), (2)")
    engine.dispose()
    return path


def _sqlite_canary(path) -> list[int]:
    import sqlite3

    con = sqlite3.connect(path)
    try:
        return [n for (n,) in con.execute("SELECT n FROM canary ORDER BY n")]
    finally:
        con.close()


@pytest.mark.parametrize("query", ["DROP TABLE canary", COMMIT_DROP, "DELETE FROM canary"])
def test_sqlite_write_query_fails_and_the_table_survives(shop, query):
    with pytest.raises(MiningError, match="only reads|exactly one SELECT"):
        load_transactions(f"sqlite:///{shop}", query=query, columns=MAPPING)
    assert _sqlite_canary(shop) == [1, 2]


@pytest.mark.parametrize("uri", [False, True])
def test_sqlite_connection_itself_is_read_only(shop, uri):
    # bypass the query check: the database must refuse on its own (a mode=rwc URI is overridden)
    url = f"sqlite:///file:{shop}?mode=rwc&uri=true" if uri else f"sqlite:///{shop}"
    engine = _read_only_engine(sa.engine.make_url(url))
    try:
        for sql in ("DROP TABLE canary", "DELETE FROM canary", "CREATE TABLE t (x)"):
            with engine.connect() as conn, pytest.raises(sa.exc.OperationalError,
                                                          match="readonly|query_only"):
                conn.exec_driver_sql(sql)
    finally:
        engine.dispose()
    assert _sqlite_canary(shop) == [1, 2]


def test_sqlite_write_query_refused_by_the_database_reads_well(shop, monkeypatch):
    # if the check ever let a write through, the read-only database still refuses, with a hint
    monkeypatch.setattr("mining.sql.check_query", lambda query, dialect="": query)
    with pytest.raises(MiningError, match="read-only, and the database refused a change"):
        read_sql(f"sqlite:///{shop}", query="DROP TABLE canary")
    assert _sqlite_canary(shop) == [1, 2]


def test_sqlite_literals_with_colons_and_semicolons(shop):
    url = f"sqlite:///{shop}"
    assert read_sql(url, query="SELECT * FROM orders WHERE note = 'at 10:30'")["Kunde"].tolist() == ["k1"]
    assert read_sql(url, query="SELECT * FROM orders WHERE note = 'a;b';")["Beleg"].tolist() == ["b2"]
    assert read_sql(url, query="SELECT * FROM orders WHERE note = 'it''s'")["Artikel"].tolist() == ["a3"]
    assert read_sql(url, query="SELECT * FROM orders WHERE note LIKE 'a%'")["Kunde"].tolist() == [
        "k1", "k2"]


def test_sqlite_table_path_is_read_only_too(shop, monkeypatch):
    seen = []
    original = pd.read_sql_table

    def spy(table, conn, *args, **kwargs):
        with pytest.raises(sa.exc.OperationalError, match="readonly|query_only"):
            conn.exec_driver_sql("DELETE FROM canary")
        seen.append(table)
        return original(table, conn, *args, **kwargs)

    monkeypatch.setattr(pd, "read_sql_table", spy)
    tx = load_transactions(f"sqlite:///{shop}", table="orders", columns=MAPPING)
    assert seen == ["orders"] and len(tx) == 3
    assert _sqlite_canary(shop) == [1, 2]


@pytest.mark.parametrize("kind", ["table", "query"])
def test_missing_sqlite_file_is_an_error_and_is_not_created(tmp_path, kind):
    missing = tmp_path / "typo.db"
    arg = {"table": "orders"} if kind == "table" else {"query": "SELECT 1"}
    with pytest.raises(MiningError, match="No such SQLite database file: .*typo.db"):
        read_sql(f"sqlite:///{missing}", **arg)
    assert not missing.exists()
    assert list(tmp_path.iterdir()) == []


def test_in_memory_sqlite_is_refused():
    with pytest.raises(MiningError, match="in-memory database"):
        read_sql("sqlite://", table="orders")


def test_mapping_file_query_follows_the_same_rules(shop, tmp_path):
    url = f"sqlite:///{shop}"
    mapping = tmp_path / "map.yaml"
    columns = "columns:\n" + "".join(f"  {k}: {v}\n" for k, v in MAPPING.items())
    mapping.write_text(columns + "query: \"SELECT * FROM orders; DROP TABLE canary\"\n")
    with pytest.raises(MiningError, match="2 SQL statements"):
        load_transactions(url, columns=mapping)
    mapping.write_text(columns + "query: DROP TABLE canary\n")
    with pytest.raises(MiningError, match="a DROP statement"):
        load_transactions(url, columns=mapping)
    assert _sqlite_canary(shop) == [1, 2]
    mapping.write_text(columns + "query: \"SELECT * FROM orders WHERE note = 'at 10:30'\"\n")
    assert load_transactions(url, columns=mapping)["customer_id"].tolist() == ["k1"]


# ------------------------------------------------------------------ passwords in the SQL path
@pytest.mark.parametrize("url", [
    "postgresql+psycopg://u:s3cret@127.0.0.1:1/db",
    "postgresql+psycopg://u@127.0.0.1:1/db?password=s3cret",
    "postgresql+psycopg://:s3cret@127.0.0.1:1",
    "postgresql+nosuchdriver://u:s3cret@127.0.0.1:1/db",
    "nosuchdb://u:s3cret@127.0.0.1:1/db",
])
def test_connection_errors_never_show_the_password(url):
    with pytest.raises(MiningError) as err:
        read_sql(url, query="SELECT 1")
    assert "s3cret" not in str(err.value) and "***" in str(err.value)
    assert err.value.__suppress_context__  # the driver's own exception is not printed


def test_password_from_the_environment_is_used_and_never_shown(monkeypatch):
    monkeypatch.setenv("MINING_DB_PASSWORD", "env:s3cret@x")
    seen = []
    original = _read_only_engine

    def spy(url):
        seen.append(url.password)
        return original(url)

    monkeypatch.setattr("mining.sql._read_only_engine", spy)
    with pytest.raises(MiningError, match="Cannot connect to the database") as err:
        read_sql("postgresql+psycopg://reader@127.0.0.1:1/shop", table="orders")
    assert seen == ["env:s3cret@x"]
    assert "s3cret" not in str(err.value) and "MINING_DB_PASSWORD" in str(err.value)


def test_raw_at_in_password_is_explained():
    with pytest.raises(MiningError, match="raw '@'.*%40") as err:
        read_sql("postgresql+psycopg://u:my@s3cret@127.0.0.1:1/db", query="SELECT 1")
    assert "s3cret" not in str(err.value) and "my@" not in str(err.value)
    assert "postgresql+psycopg://u:***@127.0.0.1:1/db" in str(err.value)


# ------------------------------------------------------------------ PostgreSQL, for real
@pytest.fixture(scope="module")
def pg_shop(postgres_url):
    """A database of its own on the shared server, with tables orders and canary."""
    psycopg = pytest.importorskip("psycopg")
    admin = sa.engine.make_url(postgres_url)
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as con:
        con.execute("DROP DATABASE IF EXISTS sql_safety")
        con.execute("CREATE DATABASE sql_safety")
    url = admin.set(database="sql_safety").render_as_string(hide_password=False)
    engine = sa.create_engine(url)
    ORDERS.to_sql("orders", engine, index=False)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE canary (n integer)")
        conn.exec_driver_sql("INSERT INTO canary VALUES (1), (2)")
        conn.exec_driver_sql("CREATE SEQUENCE counter")
        conn.exec_driver_sql("CREATE FUNCTION wipe() RETURNS bigint LANGUAGE sql AS "
                             "$$ DELETE FROM canary; SELECT count(*) FROM canary $$")
    engine.dispose()
    yield url, admin.set(drivername="postgresql", database="sql_safety").render_as_string(
        hide_password=False)


def _pg_state(dsn) -> tuple[list[int], list[str]]:
    """Rows of canary and the table names, through a separate psycopg connection."""
    import psycopg

    with psycopg.connect(dsn) as con:
        rows = [n for (n,) in con.execute("SELECT n FROM canary ORDER BY n")]
        tables = [t for (t,) in con.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]
    return rows, tables


def test_pg_commit_drop_in_query_fails_and_canary_survives(pg_shop):
    url, dsn = pg_shop
    with pytest.raises(MiningError, match="2 SQL statements|4 SQL statements"):
        load_transactions(url, query=COMMIT_DROP, columns=MAPPING)
    assert _pg_state(dsn) == ([1, 2], ["canary", "orders"])


@pytest.mark.parametrize("query", WRITES)
def test_pg_writing_queries_fail_and_change_nothing(pg_shop, query):
    url, dsn = pg_shop
    with pytest.raises(MiningError):
        load_transactions(url, query=query, columns=MAPPING)
    assert _pg_state(dsn) == ([1, 2], ["canary", "orders"])


@pytest.mark.parametrize("query", WRITES + ["SELECT nextval('counter')", "SELECT wipe()"])
def test_pg_connection_itself_is_read_only(pg_shop, query):
    # bypass the query check entirely: even 'COMMIT; DROP' sent as one string cannot escape
    url, dsn = pg_shop
    engine = _read_only_engine(sa.engine.make_url(url))
    try:
        with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError, match="read-only"):
            conn.execution_options(no_parameters=True).exec_driver_sql(query)  # as read_sql does
    finally:
        engine.dispose()
    assert _pg_state(dsn) == ([1, 2], ["canary", "orders"])


def test_pg_write_inside_a_function_is_refused_by_the_server(pg_shop):
    # 'SELECT wipe()' passes the text check (it is one SELECT); the read-only session stops it
    url, dsn = pg_shop
    with pytest.raises(MiningError, match="read-only transaction.*nothing was changed"):
        read_sql(url, query="SELECT wipe()")
    assert _pg_state(dsn) == ([1, 2], ["canary", "orders"])


def test_pg_reads_work_on_the_read_only_session(pg_shop, monkeypatch):
    url, _ = pg_shop
    ro = read_sql(url + "?options=-c%20search_path%3Dpublic", query=(
        "SELECT current_setting('transaction_read_only') AS ro, "
        "current_setting('search_path') AS sp, count(*) AS n FROM orders WHERE note = 'at 10:30'"))
    assert ro.to_dict("records") == [{"ro": "on", "sp": "public", "n": 1}]  # user options kept
    assert read_sql(url, query="SELECT * FROM orders WHERE note LIKE 'a%' OR note = '%%'")[
        "Kunde"].tolist() == ["k1", "k2"]

    modes = []
    original = pd.read_sql_table

    def spy(table, conn, *args, **kwargs):
        modes.append(conn.exec_driver_sql("SHOW transaction_read_only").scalar())
        return original(table, conn, *args, **kwargs)

    monkeypatch.setattr(pd, "read_sql_table", spy)
    assert len(load_transactions(url, table="orders", columns=MAPPING)) == 3
    assert modes == ["on"]


def test_pg_heroku_style_url_is_accepted(pg_shop):
    url, _ = pg_shop
    heroku = url.replace("postgresql+psycopg://", "postgres://")
    assert read_sql(heroku, query="SELECT count(*) AS n FROM orders")["n"].tolist() == [3]


def test_pg_wrong_password_style_errors_are_redacted(pg_shop):
    url, _ = pg_shop
    bad = sa.engine.make_url(url).set(password="s3cret", database="no_such_db")
    with pytest.raises(MiningError, match="Cannot connect") as err:
        read_sql(bad.render_as_string(hide_password=False), query="SELECT 1")
    assert "s3cret" not in str(err.value) and "no_such_db" in str(err.value)
