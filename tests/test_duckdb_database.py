"""Transactions from a DuckDB database file: read with the duckdb package (no SQLAlchemy), and
never written to (the query check, ``read_only=True`` and no file system access)."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from mining import datasets
from mining.errors import MiningError, ParameterError
from mining.inputs import open_inputs
from mining.io import SUPPORTED_SUFFIXES, load_transactions
from mining.sql import QueryRejectedError, _duckdb_connect, duckdb_file, read_sql

# how each variant writes the demo lines into the table `orders`
VARIANTS = {
    "as_written": "SELECT * FROM df",  # TIMESTAMP_NS, DOUBLE, VARCHAR
    "timestamp": "SELECT * REPLACE (timestamp::TIMESTAMP AS timestamp) FROM df",
    "timestamptz": "SELECT * REPLACE (timezone('UTC', timestamp::TIMESTAMP) AS timestamp) FROM df",
    "typed": "SELECT * REPLACE (quantity::BIGINT AS quantity, "
             "unit_price::DECIMAL(10, 2) AS unit_price) FROM df",
}


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    return datasets.load("demo", size="small").transactions


def _write(path: Path, tx: pd.DataFrame, select: str = VARIANTS["as_written"]) -> Path:
    con = duckdb.connect(str(path))
    try:
        # the writer's own time zone must not matter for TIMESTAMPTZ
        con.execute("SET TimeZone = 'Asia/Shanghai'")
        con.register("df", tx)
        con.execute(f"CREATE TABLE orders AS {select}")
        con.execute("CREATE SEQUENCE counter")
        # a schema named like the database (the file's stem) needs the full name
        con.execute("CREATE SCHEMA shop")
        con.execute(f'CREATE VIEW "{path.stem}".shop."odd ""name"" view" AS '
                    "SELECT * FROM orders LIMIT 7")
    finally:
        con.close()  # one process may not hold a writer and a read-only reader at once
    return path


@pytest.fixture
def shop(tmp_path: Path, tx: pd.DataFrame) -> Path:
    return _write(tmp_path / "shop.duckdb", tx)


def _rows(path: Path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM orders").fetchone()[0]
    finally:
        con.close()


def _same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    def order(df: pd.DataFrame) -> pd.DataFrame:
        return df.sort_values(list(df.columns), kind="mergesort").reset_index(drop=True)

    pd.testing.assert_frame_equal(order(got), order(want))


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_table_reads_as_the_same_lines(tmp_path, tx, variant):
    path = _write(tmp_path / "shop.duckdb", tx, VARIANTS[variant])
    _same(load_transactions(f"duckdb:///{path}", table="orders"), load_transactions(tx))


@pytest.mark.parametrize("name", ["shop.duckdb", "shop.ddb"])
def test_plain_path_with_query(tmp_path, tx, name, monkeypatch):
    _write(tmp_path / name, tx)
    monkeypatch.chdir(tmp_path)
    got = load_transactions(name, query="SELECT * FROM orders WHERE quantity > 0")
    _same(got, load_transactions(tx[tx["quantity"] > 0]))
    assert name.rsplit(".", 1)[1] in " ".join(SUPPORTED_SUFFIXES)


def test_relative_and_absolute_urls(shop, monkeypatch):
    monkeypatch.chdir(shop.parent)
    assert duckdb_file("duckdb:///shop.duckdb") == shop.resolve()
    assert duckdb_file(f"duckdb:///{shop}") == shop.resolve()  # duckdb:////tmp/...: absolute
    assert duckdb_file("shop.duckdb") == shop.resolve()
    assert len(load_transactions("duckdb:///shop.duckdb", table="orders")) == _rows(shop)


def test_duckdb_types_as_dataframe_columns(shop):
    got = read_sql(shop, query="SELECT TIMESTAMP '2024-03-01 10:00' AS ts, "
                               "TIMESTAMPTZ '2024-03-01 10:00+02:00' AS tz, 1.25::DECIMAL(10, 2) AS d, "
                               "'a'::VARCHAR AS v, 5::BIGINT AS b")
    assert str(got["tz"].dt.tz) == "UTC"  # the session time zone is UTC, whatever the machine's
    assert got["tz"].iloc[0] == pd.Timestamp("2024-03-01 08:00", tz="UTC")
    assert got["ts"].dt.tz is None and got["ts"].iloc[0] == pd.Timestamp("2024-03-01 10:00")
    assert got["d"].dtype == "float64" and got["b"].dtype == "int64"
    assert got["v"].iloc[0] == "a"


def test_table_names_are_quoted_and_may_name_a_schema(shop, tx):
    got = read_sql(shop, table='shop.odd "name" view')
    assert len(got) == 7 and list(got.columns) == list(tx.columns)
    assert len(read_sql(shop, table="ORDERS")) == len(tx)  # capitals do not matter, as in DuckDB


def test_reading_never_writes(shop):
    before = (shop.read_bytes(), shop.stat().st_mtime_ns)
    files = sorted(p.name for p in shop.parent.iterdir())
    load_transactions(f"duckdb:///{shop}", table="orders")
    load_transactions(shop, query="SELECT * FROM orders WHERE quantity > 0")
    read_sql(shop, table='shop.odd "name" view')
    assert (shop.read_bytes(), shop.stat().st_mtime_ns) == before
    assert sorted(p.name for p in shop.parent.iterdir()) == files  # no .wal, no new file


@pytest.mark.parametrize("query", [
    "DELETE FROM orders",
    "CREATE TABLE copy AS SELECT * FROM orders",
    "SELECT * FROM orders; DROP TABLE orders",
    "COPY orders TO 'out.csv'",
    "SELECT * INTO other FROM orders",
])
def test_write_queries_are_refused(shop, query):
    with pytest.raises(QueryRejectedError):
        load_transactions(f"duckdb:///{shop}", query=query)
    assert _rows(shop) == 16145 and not (shop.parent / "out.csv").exists()


@pytest.mark.parametrize("sql", [
    "DELETE FROM orders",
    "INSERT INTO orders SELECT * FROM orders",
    "DROP TABLE orders",
    "CREATE TABLE t (x INTEGER)",
    "SELECT nextval('counter')",
    "COPY orders TO '{dir}/out.csv'",
    "ATTACH '{dir}/new.duckdb' AS new",
    "SET enable_external_access = true",
])
def test_the_connection_itself_cannot_write(shop, sql):
    # bypass the query check: the database refuses on its own
    before = shop.read_bytes()
    con = _duckdb_connect(shop)
    try:
        with pytest.raises(duckdb.Error):
            con.execute(sql.format(dir=shop.parent))
    finally:
        con.close()
    assert shop.read_bytes() == before
    assert sorted(p.name for p in shop.parent.iterdir()) == ["shop.duckdb"]


def test_a_refused_change_in_a_select_gets_the_read_only_hint(shop):
    with pytest.raises(MiningError, match="read-only.*nothing was changed") as err:
        read_sql(shop, query="SELECT nextval('counter') AS n")
    assert "Traceback" not in str(err.value) and err.value.__suppress_context__


def test_other_files_cannot_be_read_through_the_query(shop, tmp_path):
    (tmp_path / "other.csv").write_text("a\n1\n")
    with pytest.raises(MiningError, match="only the tables and views"):
        read_sql(shop, query=f"SELECT * FROM read_csv('{tmp_path / 'other.csv'}')")


@pytest.mark.parametrize("source", ["duckdb:///missing.duckdb", "missing.duckdb", "missing.ddb"])
def test_missing_file_is_named_and_not_created(tmp_path, monkeypatch, source):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(MiningError, match="never creates a database") as err:
        load_transactions(source, table="orders")
    name = source.rsplit("/", 1)[-1]
    assert name in str(err.value) and str(tmp_path) in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_missing_absolute_file(tmp_path):
    with pytest.raises(MiningError, match="No such DuckDB database file") as err:
        read_sql(f"duckdb:///{tmp_path / 'gone.duckdb'}", table="orders")
    assert str(tmp_path / "gone.duckdb") in str(err.value) and "(relative to" not in str(err.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("source", ["duckdb:///:memory:", "duckdb://", "duckdb:///"])
def test_in_memory_database_is_always_empty(source):
    with pytest.raises(MiningError, match="in-memory database, which is always empty"):
        read_sql(source, table="orders")


def test_unknown_table_lists_the_tables(shop):
    with pytest.raises(MiningError, match="no table or view 'order'") as err:
        load_transactions(shop, table="order")
    assert "orders" in str(err.value) and 'shop.odd "name" view' in str(err.value)


def test_table_or_query_is_needed(shop):
    with pytest.raises(ParameterError, match="exactly one of table="):
        load_transactions(shop)
    with pytest.raises(ParameterError, match="exactly one of table="):
        read_sql(f"duckdb:///{shop}", table="orders", query="SELECT 1")


def test_query_error_is_the_drivers_message(shop):
    with pytest.raises(MiningError, match="query failed: Catalog Error.*nope") as err:
        read_sql(shop, query="SELECT * FROM nope")
    assert "LINE 1" not in str(err.value) and "^" not in str(err.value)


def test_a_file_that_is_not_duckdb(tmp_path):
    text = tmp_path / "shop.duckdb"
    text.write_text("customer_id,order_id\nc1,o1\n")
    lite = tmp_path / "shop.ddb"
    sqlite3.connect(lite).execute("CREATE TABLE orders (x)").connection.close()
    for path, says in ((text, "not a valid DuckDB database.*sqlite:///"),
                       (lite, f"is a SQLite database.*sqlite:///{lite}")):
        before = path.read_bytes()
        with pytest.raises(MiningError, match=says):
            load_transactions(path, table="orders")
        assert path.read_bytes() == before


def test_a_writer_in_this_process_is_explained(shop):
    writer = duckdb.connect(str(shop))
    try:
        with pytest.raises(MiningError, match=r"close that connection \(con.close\(\)\)"):
            read_sql(shop, table="orders")
    finally:
        writer.close()


def test_no_sqlalchemy_is_needed(shop, monkeypatch):
    monkeypatch.setitem(sys.modules, "sqlalchemy", None)  # `import sqlalchemy` now fails
    assert len(read_sql(f"duckdb:///{shop}", table="orders")) == 16145


def test_open_inputs_gives_the_data_line_of_the_parquet_file(shop, tx, tmp_path):
    parquet = tmp_path / "orders.parquet"
    tx.to_parquet(parquet)
    url = f"duckdb:///{shop}"
    want = open_inputs(source=parquet).summary()
    got = open_inputs(source=url, table="orders").summary()
    assert got.startswith(f"{url}: ")
    assert got.removeprefix(f"{url}: ") == want.removeprefix("orders.parquet: ")
    assert open_inputs(source=shop, query="SELECT * FROM orders").summary() == \
        want.replace("orders.parquet", "shop.duckdb", 1)
