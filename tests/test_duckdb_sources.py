"""engine="duckdb" reads CSV files and DuckDB databases where they lie: the same customer
table, baskets, sequences, data line and cleaning counts as the pandas readers, and where the
strict DuckDB rule does not fit every value of a column, pandas reads the file (with a warning)
and a bad value is the same error naming its column and rows."""

from __future__ import annotations

import gzip
import hashlib
import re
import warnings

import duckdb
import numpy as np
import pandas as pd
import pytest
from test_duckdb_tables import _dirty, _same_db, _same_inputs

from mining import basket, features
from mining import sequence as sq
from mining.datasets import load
from mining.engines.duck import line_source
from mining.engines.duck_sources import kind_of
from mining.errors import DataWarning, MiningError, ParameterError, SchemaError
from mining.inputs import open_inputs
from mining.io import load_transactions
from mining.sql import QueryRejectedError

AS_OF = "2025-06-01"


@pytest.fixture(scope="module")
def demo():
    return load("demo", size="small")


def _table_same(path, src=None, **read):
    """customer_table from ``path`` with DuckDB == with pandas after load_transactions."""
    a = features.customer_table(load_transactions(path, **read), as_of=AS_OF)
    b = features.customer_table(path if src is None else src, as_of=AS_OF, engine="duckdb")
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, atol=1e-9)
    return b


def _out_of_core(fn, *args, **kw):
    """``fn`` raising on any DataWarning: DuckDB read the file itself (no pandas fallback)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        return fn(*args, **kw)


def _edge_csv() -> str:
    """Ties, one-order customers, time of day, missing categories, quoting, padding, spaces."""
    return (
        "customer_id,order_id,timestamp,product_id,category,quantity,unit_price,note\n"
        "b,o1,2024-01-01 10:00,p1,Food,1,10\n"                 # short row: note missing
        " b ,o1,2024-01-01 09:00:00,p2,\"Home, Garden\",2,5.0,\n"  # stripped id, quoted comma
        "b,o2,2024-01-01T23:59:59.5,p1,,1,.5,x\n"                # second order, same day
        "a,o3,2024-03-01,p1,Food,+3,2e0,\"say \"\"hi\"\"\"\n"   # one order; doubled quotes
        "c,o4,2024-01-05,p3,home-garden,1,7,\n"
        "c,o5,2024-02-05 12:30,p3,Toys,1,7,\n"
        "c,o6,2024-03-05,p4,,2.,1.25,  \n"                       # only spaces: missing
        "\n"                                                      # a blank line: skipped
        "d,o7,2024-03-30 23:59:59,p5,Toys,1,99,\n"
        ",o8,2024-01-02,p1,Food,1,1,\n"                          # no customer
        "é,o9,2024-01-03,p1,Food,1,3,\n"
        "é,o10,2024-03-31,p2,Food,1,4,\n"
    )


def test_same_tables_from_the_demo_as_a_csv_file(demo, tmp_path):
    tx = demo.transactions
    path = tmp_path / "tx.csv"
    tx.to_csv(path, index=False)
    b = _out_of_core(_table_same, path)
    assert len(b) > 100
    items_a = basket.frequent_itemsets(basket.basket_matrix(load_transactions(path)),
                                       min_support=0.02)
    items_b = _out_of_core(basket.frequent_itemsets, str(path), min_support=0.02,
                           engine="duckdb")
    pd.testing.assert_frame_equal(items_a, items_b)
    seq_a = sq.customer_sequences(load_transactions(path), as_of=AS_OF)
    seq_b = _out_of_core(sq.customer_sequences, str(path), as_of=AS_OF, engine="duckdb")
    _same_db(seq_a, seq_b)


@pytest.mark.parametrize("variant", ["plain", "bom", "gz", "semicolon", "tsv", "crlf"])
def test_same_table_on_edge_cases_in_every_csv_spelling(tmp_path, variant):
    text = _edge_csv()
    name, sep = "edge.csv", None
    if variant == "semicolon":
        text, sep = text.replace(",", ";").replace('"Home; Garden"', '"Home, Garden"'), ";"
    if variant == "tsv":
        text, name = text.replace(",", "\t").replace('"Home\t Garden"', "Home, Garden"), \
            "edge.tsv"
    if variant == "crlf":
        text = text.replace("\n", "\r\n")
    path = tmp_path / (name + (".gz" if variant == "gz" else ""))
    data = ("\ufeff" if variant == "bom" else "") + text
    if variant == "gz":
        path.write_bytes(gzip.compress(data.encode("utf-8")))
    else:
        path.write_bytes(data.encode("utf-8"))
    table = _out_of_core(_table_same, path)
    assert table.loc["b", "n_orders"] == 2 and np.isnan(table.loc["a", "ipt_mean_days"])
    assert "share_home_garden" in table.columns  # two spellings, one column, as in pandas
    if sep:  # a given delimiter is used as given
        _out_of_core(_table_same, path, src=line_source(path, sep=sep), sep=sep)
    b, note = _same_inputs(str(path), as_of=AS_OF)
    assert "counted by DuckDB" in note


def test_where_the_strict_rule_does_not_fit_pandas_reads_with_the_same_result(tmp_path):
    text = _edge_csv()
    cases = {
        "dayfirst.csv": re.sub(r"(\d{4})-(\d{2})-(\d{2})[T ]?", r"\3/\2/\1 ", text),
        "cp1252.csv": None,
        "spaced_quote.csv": text.replace(',"Home, Garden"', ',  "Home, Garden"'),
    }
    for name, body in cases.items():
        path = tmp_path / name
        if body is None:
            path.write_bytes(text.replace("é", "è").encode("cp1252"))
        else:
            path.write_text(body, encoding="utf-8")
        with pytest.warns(DataWarning, match="read into memory by\\s+pandas"):
            _table_same(path)
        b, note = _same_inputs(str(path), as_of=AS_OF)
        assert note.startswith("the lines read and cleaned by pandas")


@pytest.mark.parametrize("bad", [
    ("quantity", "1", "one"), ("unit_price", "10", "1,5"), ("timestamp", "2024-01-01 10:00",
                                                          "yesterday"),
])
def test_a_bad_value_is_the_same_error_naming_its_column_and_rows(tmp_path, bad):
    column, good, wrong = bad
    lines = _edge_csv().splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index(column)] = f'"{wrong}"' if "," in wrong else wrong
    assert good in lines[1]
    path = tmp_path / "bad.csv"
    path.write_text("\n".join([lines[0], ",".join(row), *lines[2:]]) + "\n", encoding="utf-8")
    with pytest.raises(SchemaError) as pandas_error:
        load_transactions(path)
    with pytest.raises(SchemaError) as duck_error, warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        features.customer_table(str(path), as_of=AS_OF, engine="duckdb")
    assert any("read into memory" in str(w.message) for w in seen)
    assert str(duck_error.value) == str(pandas_error.value)
    assert column in str(duck_error.value) and "(rows 0)" in str(duck_error.value)
    with pytest.raises(SchemaError) as inputs_error:
        open_inputs(source=str(path), engine="duckdb")
    assert str(inputs_error.value) == str(pandas_error.value)


def test_a_line_with_too_many_fields_and_a_repeated_header_name(tmp_path):
    long = tmp_path / "long.csv"
    long.write_text(_edge_csv().replace("d,o7,2024-03-30 23:59:59,p5,Toys,1,99,",
                                        "d,o7,2024-03-30 23:59:59,p5,Toys,1,99,,extra"))
    with pytest.raises(SchemaError) as a:
        load_transactions(long)
    with pytest.raises(SchemaError) as b, warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        features.customer_table(str(long), as_of=AS_OF, engine="duckdb")
    assert str(a.value) == str(b.value) and "fields" in str(a.value)
    twice = tmp_path / "twice.csv"
    twice.write_text(_edge_csv().replace(",note\n", ",quantity\n", 1))
    with pytest.raises(SchemaError) as a:
        load_transactions(twice)
    with pytest.raises(SchemaError) as b:
        features.customer_table(str(twice), as_of=AS_OF, engine="duckdb")
    assert str(a.value) == str(b.value) and "2 times" in str(a.value)


def test_cleaning_counts_of_a_dirty_csv(tmp_path):
    path = tmp_path / "dirty.csv"
    _dirty().to_csv(path, index=False)
    b, note = _same_inputs(str(path))
    assert "counted by DuckDB" in note and b._counts.n_removed > 10
    b, note = _same_inputs(str(path), cancelled_order_prefix="C", not_after="2025-01-01")
    assert "counted by DuckDB" in note
    _, note = _same_inputs(str(path), thousands=",")
    assert "reading options ['thousands']" in note


# -- a DuckDB database file ---------------------------------------------------------------------


@pytest.fixture()
def shop_db(demo, tmp_path):
    """A DuckDB database: the clean lines in ``orders``, the raw ones in ``crm."order lines"``."""
    path = tmp_path / "shop.duckdb"
    con = duckdb.connect(str(path))
    con.register("tx", demo.transactions)
    con.register("raw", demo.raw_transactions.reset_index(drop=True))
    con.execute("CREATE TABLE orders AS SELECT * FROM tx")
    con.execute("CREATE SCHEMA crm")
    con.execute('CREATE TABLE crm."order lines" AS SELECT * FROM raw')
    con.close()
    return path


def _stamp(path):
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def test_a_duckdb_database_read_where_it_lies_and_never_written(demo, shop_db):
    before = _stamp(shop_db)
    a = features.customer_table(demo.transactions, as_of=AS_OF)
    for src in (line_source(shop_db, table="orders"),
                line_source(f"duckdb:///{shop_db}", query="SELECT * FROM orders WHERE "
                            "quantity > 0")):
        b = features.customer_table(src, as_of=AS_OF, engine="duckdb")
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, atol=1e-9)
    items_a = basket.frequent_itemsets(basket.basket_matrix(demo.transactions),
                                       min_support=0.02)
    items_b = basket.frequent_itemsets(line_source(shop_db, table="orders"), min_support=0.02,
                                       engine="duckdb")
    pd.testing.assert_frame_equal(items_a, items_b)
    b, note = _same_inputs(str(shop_db), table="crm.order lines")
    assert "counted by DuckDB" in note and b.cleaning.n_removed > 0
    _, note = _same_inputs(f"duckdb:///{shop_db}", query='SELECT * FROM crm."order lines" '
                           "WHERE quantity > 0")
    assert "counted by DuckDB" in note
    assert _stamp(shop_db) == before


def test_duckdb_database_errors(shop_db, tmp_path):
    with pytest.raises(ParameterError, match="table='orders'"):
        features.customer_table(str(shop_db), as_of=AS_OF, engine="duckdb")
    with pytest.raises(MiningError, match="no table or view 'sales'.*orders, crm.order lines"):
        features.customer_table(line_source(shop_db, table="sales"), as_of=AS_OF,
                                engine="duckdb")
    with pytest.raises(QueryRejectedError):
        features.customer_table(line_source(shop_db, query="DELETE FROM orders"), as_of=AS_OF,
                                engine="duckdb")
    missing = tmp_path / "none.duckdb"
    with pytest.raises(MiningError, match="none.duckdb"):
        features.customer_table(line_source(missing, table="orders"), as_of=AS_OF,
                                engine="duckdb")
    assert not missing.exists()
    with pytest.raises(MiningError, match="No such file"):
        features.customer_table(str(tmp_path / "none.csv"), as_of=AS_OF, engine="duckdb")
    with pytest.raises(ParameterError, match="Parquet file or folder, a CSV file or a DuckDB"):
        features.customer_table(str(tmp_path / "book.xlsx"), as_of=AS_OF, engine="duckdb")
    assert [kind_of(x) for x in ("a.CSV", "b.pq", "c.ddb", "duckdb:///d", "e.xlsx",
                                 "sqlite:///f.db")] == ["csv", "parquet", "duckdb", "duckdb",
                                                        None, None]


# -- a Parquet folder with hive partitions --------------------------------------------------------


def test_data_line_of_a_partitioned_parquet_folder(demo, tmp_path):
    raw = demo.raw_transactions.reset_index(drop=True)
    parts = raw.assign(year=raw["timestamp"].dt.year,
                       region=np.where(raw.index % 3 == 0, "north", "south_east"))
    folder = tmp_path / "lines"
    parts.to_parquet(folder, partition_cols=["year", "region"])  # with the index stored
    b, note = _same_inputs(str(folder))
    assert "counted by DuckDB" in note and b._counts.removed["duplicate_line"] > 0
    (folder / "_SUCCESS").write_text("")  # hidden files are left out by both readers
    (folder / ".crc").mkdir()
    _, note = _same_inputs(str(folder), as_of="2025-01-01")
    assert "counted by DuckDB" in note
    # partitions both readers do not read alike: pandas reads, and the data line says why
    by_category = tmp_path / "by_category"
    raw.dropna(subset=["category"]).to_parquet(by_category, partition_cols=["category"],
                                               index=False)
    _, note = _same_inputs(str(by_category))
    assert "partitioned by ['category']" in note
    dotted = tmp_path / "dotted"
    raw.assign(batch=np.where(raw.index % 2 == 0, "1.5", "1.50")).to_parquet(
        dotted, partition_cols=["batch"], index=False)
    _, note = _same_inputs(str(dotted))
    assert "partition values of ['batch']" in note
    (folder / "notes.txt").write_text("not lines")
    with pytest.raises(MiningError) as a:  # pandas cannot read the folder either: its words
        open_inputs(source=str(folder))
    with pytest.raises(MiningError) as b:
        open_inputs(source=str(folder), engine="duckdb")
    assert str(a.value) == str(b.value) and "Parquet" in str(a.value)
