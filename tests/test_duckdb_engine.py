"""engine="duckdb": the customer table equal to the pandas engine's (every column, to float
rounding) on the demo and on edge cases, read from a DataFrame or from Parquet where it lies,
with the same errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mining import features
from mining.datasets import load
from mining.engines import duck, use_engine
from mining.errors import InsufficientDataError, MiningError, ParameterError, SchemaError


def _same(tx, src=None, **kw):
    a = features.customer_table(tx, **kw)
    b = features.customer_table(tx if src is None else src, engine="duckdb", **kw)
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, atol=1e-9)
    assert a.attrs == b.attrs
    return b


@pytest.mark.parametrize("as_of", ["2026-01-01", "2025-03-01", "2024-02-01"])
def test_same_table_as_pandas_on_the_demo(as_of):
    tx = load("demo", size="small").transactions
    table = _same(tx, as_of=as_of)
    assert len(table) > 10


def test_edge_cases_ties_one_order_time_of_day_missing_categories():
    tx = pd.DataFrame({
        "customer_id": ["b", "b", "b", "a", "c", "c", "c", "d", None, "é", "é"],
        "order_id": ["o1", "o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8", "o9", "o10"],
        "timestamp": pd.to_datetime([
            "2024-01-01 10:00", "2024-01-01 09:00",        # two lines, one order, earliest line
            "2024-01-01 23:59",                            # a second order the same day: no gap
            "2024-03-01", "2024-01-05", "2024-02-05 12:30", "2024-03-05",
            "2024-03-30 23:59:59", "2024-01-02", "2024-01-03", "2024-03-31",
        ], format="mixed"),
        "product_id": ["p1", "p2", "p1", "p1", "p3", "p3", "p4", "p5", "p1", "p1", "p2"],
        "category": ["Food", "Home & Garden", None, "Food", "home-garden", "Toys", None,
                     "Toys", "Food", "Food", "Food"],
        "quantity": [1.0, 2.0, 1.0, 3.0, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0, 1.0],
        "unit_price": [10.0, 5.0, 0.5, 2.0, 7.0, 7.0, 1.25, 99.0, 1.0, 3.0, 4.0],
    })
    table = _same(tx, as_of="2024-04-01", recent_days=30)
    assert "share_home_garden" in table.columns  # two spellings, one column, as in pandas
    assert np.isnan(table.loc["a", "ipt_mean_days"]) and table.loc["b", "n_orders"] == 2
    _same(tx, as_of="2024-04-01", categories=False)
    _same(tx.drop(columns="category"), as_of="2024-04-01")


def test_reads_parquet_files_and_hive_folders_where_they_lie(tmp_path):
    tx = load("demo", size="small").transactions
    one = tmp_path / "tx.parquet"
    tx.to_parquet(one, index=False)
    _same(tx, src=one, as_of="2025-06-01")
    folder = tmp_path / "lines"
    parts = tx.assign(year=tx["timestamp"].dt.year)
    parts.to_parquet(folder, partition_cols=["year"], index=False)
    b = features.customer_table(str(folder), as_of="2025-06-01", engine="duckdb")
    a = features.customer_table(tx, as_of="2025-06-01")
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, atol=1e-9)


def test_same_errors_as_pandas(tmp_path):
    tx = load("demo", size="small").transactions
    with pytest.raises(SchemaError, match="unit_price"):
        features.customer_table(tx.drop(columns="unit_price"), as_of="2025-01-01",
                                engine="duckdb")
    aware = tx.assign(timestamp=tx["timestamp"].dt.tz_localize("UTC"))
    with pytest.raises(SchemaError, match="naive datetime64"):
        features.customer_table(aware, as_of="2025-01-01", engine="duckdb")
    with pytest.raises(InsufficientDataError, match="later as_of"):
        features.customer_table(tx, as_of="2000-01-01", engine="duckdb")
    with pytest.raises(ParameterError, match="as_of"):
        features.customer_table(tx, as_of="not a date", engine="duckdb")
    with pytest.raises(MiningError, match="No such file"):
        features.customer_table(str(tmp_path / "nothing.csv"), as_of="2025-01-01",
                                engine="duckdb")
    with pytest.raises(ParameterError, match="Parquet file or folder, a CSV file"):
        features.customer_table(str(tmp_path / "book.xlsx"), as_of="2025-01-01",
                                engine="duckdb")


def test_configure_and_a_step_without_a_duckdb_backend():
    before = duck.settings()
    try:
        assert duck.configure(memory_limit="1GB", threads=1)["memory_limit"] == "1GB"
        tx = load("demo", size="small").transactions
        _same(tx, as_of="2025-06-01")  # still equal under a small memory limit and one thread
        with pytest.raises(ParameterError, match="memory_limit"):
            duck.configure(memory_limit="lots")
        with pytest.raises(ParameterError, match="threads"):
            duck.configure(threads=0)
    finally:
        duck.configure(**{k: v for k, v in before.items() if v is not None})
    with pytest.raises(ParameterError, match="has no engine='duckdb'"):
        use_engine("duckdb", len, sum, owner="frequent_itemsets")


def test_many_categories_and_quotes_in_category_names():
    """Up to 64 share columns are summed in the main pass, more in a second query: both equal
    to pandas; a quote in a category name is no SQL problem."""
    tx = load("demo", size="small").transactions
    rng = np.random.default_rng(0)
    for n in (5, 70):
        names = [f"Cat {i}'s \"best\"" for i in range(n)]
        many = tx.assign(category=pd.array(rng.choice(names, len(tx)), dtype="string"))
        _same(many, as_of="2025-06-01")
