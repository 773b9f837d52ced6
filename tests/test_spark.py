"""engine="spark": the Spark twins give the local results on the demo data.

One local Spark session (``local[2]``) for the whole module. Without pyspark (or Java) the Spark
tests are skipped, except in CI (env ``CI`` set), where they fail: CI installs the extra.
"""

from __future__ import annotations

import os
import shutil
import warnings

import numpy as np
import pandas as pd
import pytest

from mining import datasets
from mining.basket import (
    NoItemsetsWarning,
    association_rules,
    basket_matrix,
    frequent_itemsets,
    mine_rules,
    n_baskets_of,
)
from mining.engines import ENGINES, check_engine, spark_available, use_engine
from mining.errors import InsufficientDataError, ParameterError
from mining.features import customer_table
from mining.sequence import customer_sequences, frequent_sequences

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark():
    problem = None
    if not spark_available():
        problem = 'pyspark is not installed (pip install -e ".[spark]")'
    elif not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        problem = "no Java runtime for Spark"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the Spark tests, but {problem}.")
        pytest.skip(problem)
    from mining.engines import QUICK_START_CONFIG, spark_session

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # pyspark on pandas 3: "not yet fully"
        session = spark_session("local[2]", app_name="mining-tests", config=QUICK_START_CONFIG)
    yield session
    session.stop()


@pytest.fixture(scope="module")
def demo():
    return datasets.load("demo", size="small", random_state=0)


@pytest.fixture(scope="module")
def S(spark):
    from mining.engines import spark as module

    return module


# -- engine choice (no Spark needed) ----------------------------------------------------------


def test_engine_choice_and_dispatch():
    assert ENGINES == ("pandas", "spark", "duckdb")
    assert check_engine("pandas", "f") == "pandas"
    assert use_engine("pandas", len, sum)([3, 4]) == 2
    assert use_engine("spark", len, sum)([3, 4]) == 7
    with pytest.raises(ParameterError, match="The 'engine' parameter of customer_table must be"):
        check_engine("dask", "customer_table")


def test_spark_prefixspan_refuses_time_constraints():
    for kw in ({"max_gap": 30.0}, {"min_gap": 1.0}, {"max_window": 90.0}):
        with pytest.raises(ParameterError, match="no time constraints"):
            frequent_sequences([[("a",), ("b",)]], min_support=1, engine="spark", **kw)


# -- customer feature table --------------------------------------------------------------------


def test_customer_table_equals_local(spark, demo):
    local = customer_table(demo.transactions, as_of=demo.as_of)
    remote = customer_table(demo.transactions, as_of=demo.as_of, engine="spark")
    pd.testing.assert_frame_equal(remote, local, check_exact=False, rtol=1e-9, atol=1e-9)
    counts = ["n_orders", "n_lines", "n_products", "orders_recent"]
    pd.testing.assert_frame_equal(remote[counts], local[counts])  # counts exactly
    assert remote.attrs == local.attrs


def test_customer_table_from_parquet_and_csv_paths(spark, demo, tmp_path):
    tx = demo.transactions
    some = tx[tx["customer_id"].isin(tx["customer_id"].unique()[:60])]
    some.to_parquet(tmp_path / "tx.parquet", index=False)
    some.to_csv(tmp_path / "tx.csv", index=False)
    as_of = pd.Timestamp("2025-10-15 12:00")  # a cutoff inside the data, not at midnight
    local = customer_table(some, as_of=as_of, recent_days=30)
    for path in (tmp_path / "tx.parquet", tmp_path / "tx.csv"):
        remote = customer_table(str(path), as_of=as_of, recent_days=30, engine="spark")
        pd.testing.assert_frame_equal(remote, local, check_exact=False, rtol=1e-9, atol=1e-9)
    with pytest.raises(InsufficientDataError, match="no transactions before"):
        customer_table(str(tmp_path / "tx.parquet"), as_of="2000-01-01", engine="spark")


# -- baskets: frequent itemsets and rules --------------------------------------------------------


def test_itemsets_and_rules_equal_local(spark, demo):
    tx = demo.transactions
    local = frequent_itemsets(basket_matrix(tx), min_support=0.02, algorithm="fast")
    remote = frequent_itemsets(tx, min_support=0.02, engine="spark")  # Spark builds the baskets
    pd.testing.assert_frame_equal(remote, local)
    assert n_baskets_of(remote) == n_baskets_of(local) == len(basket_matrix(tx))
    opts = {"prune_redundant": True, "significance": 0.05}
    rules_local = association_rules(local, min_threshold=0.2, **opts)
    rules_remote = mine_rules(tx, min_support=0.02, min_confidence=0.2, max_len=None,
                              engine="spark", **opts)
    assert len(rules_local) > 0
    pd.testing.assert_frame_equal(rules_remote, rules_local)


def test_itemsets_category_level_max_len_and_one_hot_input(spark, demo):
    tx = demo.transactions
    baskets = basket_matrix(tx, level="category")
    local = frequent_itemsets(baskets, min_support=0.05, max_len=2)
    from_one_hot = frequent_itemsets(baskets, min_support=0.05, max_len=2, engine="spark")
    pd.testing.assert_frame_equal(from_one_hot, local)
    opts = {"min_support": 0.05, "min_confidence": 0.1, "max_len": 2, "level": "category"}
    from_tx = mine_rules(tx, engine="spark", **opts)  # category baskets built in Spark
    assert len(from_tx) > 0
    pd.testing.assert_frame_equal(from_tx, mine_rules(tx, **opts))
    with pytest.warns(NoItemsetsWarning, match="Lower min_support"):
        empty = frequent_itemsets(baskets, min_support=1.0, engine="spark")
    assert list(empty.columns) == list(local.columns) and empty.empty


# -- sequential patterns -----------------------------------------------------------------------------


def test_sequences_equal_local(spark, demo):
    tx, as_of = demo.transactions, demo.as_of
    db = customer_sequences(tx, as_of=as_of)
    local = frequent_sequences(db, min_support=0.1)  # 888 patterns on the small demo
    assert len(local) > 500 and local["n_items"].max() >= 4
    # transactions: Spark builds the sequences (product names, as customer_sequences)
    past = tx[tx["timestamp"] < as_of]
    pd.testing.assert_frame_equal(frequent_sequences(past, min_support=0.1, engine="spark"),
                                  local)
    # a local SequenceDatabase as input, closed patterns and a length limit
    local_closed = frequent_sequences(db, min_support=20, max_len=2, closed=True)
    remote_closed = frequent_sequences(db, min_support=20, max_len=2, closed=True,
                                       engine="spark")
    pd.testing.assert_frame_equal(remote_closed, local_closed)


def test_sequences_by_category_and_day_equal_local(spark, demo):
    # the options of building sequences in Spark (as_of, level, element) belong to the Spark
    # backend only: its entry point is tested directly
    from mining.sequence._spark import frequent_sequences_spark

    tx, as_of = demo.transactions, demo.as_of
    db = customer_sequences(tx, as_of=as_of, level="category", element="day")
    local = frequent_sequences(db, min_support=0.3, max_len=3)
    remote = frequent_sequences_spark(tx, as_of=as_of, level="category", element="day",
                                      min_support=0.3, max_len=3)
    assert len(local) > 20
    pd.testing.assert_frame_equal(remote, local)


# -- k-means -------------------------------------------------------------------------------------


def test_kmeans_same_segments_when_well_separated(S):
    from mining.segment import CustomerSegmenter, kmeans_spark

    rng = np.random.default_rng(0)
    table = pd.DataFrame({
        "recency_days": np.r_[rng.uniform(1, 20, 30), rng.uniform(200, 300, 20),
                              rng.uniform(80, 120, 10)],
        "n_orders": np.r_[rng.integers(8, 12, 30), rng.integers(1, 3, 20),
                          rng.integers(4, 6, 10)].astype(float),
        "monetary_total": np.r_[rng.uniform(800, 1200, 30), rng.uniform(20, 60, 20),
                                rng.uniform(5000, 6000, 10)],
    }, index=pd.Index([f"c{i:02d}" for i in range(60)], name="customer_id", dtype="string"))
    local = CustomerSegmenter(n_clusters=3).fit(table).labels_
    remote = kmeans_spark(table, n_clusters=3, n_init=1)
    pd.testing.assert_series_equal(remote, local, check_dtype=False)
    assert remote.value_counts().tolist() == [30, 20, 10]


def test_kmeans_inertia_close_to_sklearn_on_demo(S, demo):
    from sklearn.cluster import KMeans

    from mining.segment import CustomerSegmenter, SparkKMeans

    table = customer_table(demo.transactions, as_of=demo.as_of)
    Z = CustomerSegmenter(n_clusters=5).fit(table).transform(table).to_numpy(dtype=float)
    local = KMeans(n_clusters=5, n_init=10, random_state=0).fit(Z)
    remote = SparkKMeans(5, n_init=2, random_state=0).fit(Z)
    # k-means|| and k-means++ start differently: the same objective, reached as closely as
    # scikit-learn's own single starts reach its best (within 5% here)
    assert remote.inertia_ <= 1.05 * local.inertia_
    np.testing.assert_array_equal(remote.predict(Z), remote.labels_)


def test_public_functions_switch_engine_with_one_keyword(spark, demo):
    tx = demo.transactions
    local = customer_table(tx, as_of=demo.as_of)
    pd.testing.assert_frame_equal(customer_table(tx, as_of=demo.as_of, engine="spark"), local,
                                  check_exact=False, rtol=1e-9)
    b = basket_matrix(tx, level="category")
    pd.testing.assert_frame_equal(
        frequent_itemsets(b, min_support=0.05, engine="spark")[["itemset_str", "count"]],
        frequent_itemsets(b, min_support=0.05)[["itemset_str", "count"]])
    db = customer_sequences(tx, as_of=demo.as_of, level="category")
    spark_patterns = frequent_sequences(db, min_support=0.2, max_len=2, engine="spark")
    local_patterns = frequent_sequences(db, min_support=0.2, max_len=2)
    assert spark_patterns["pattern_str"].tolist() == local_patterns["pattern_str"].tolist()
    with pytest.raises(ParameterError, match="'engine'"):
        customer_table(tx, as_of=demo.as_of, engine="dask")


@pytest.mark.slow
def test_report_runner_passes_engine_to_the_notebook(spark, tmp_path):
    from pathlib import Path

    from mining.report import run_one

    nb = Path(__file__).resolve().parents[1] / "notebooks" / "01_customer_value.ipynb"
    run = run_one(nb, parameters={"size": "small", "engine": "spark"}, out=tmp_path)
    assert run.ok, run.results[0].error
    assert run.results[0].parameters["engine"] == "spark"


# -- the shared session helpers and the old import path (no Spark needed) -------------------------


def test_session_helpers_are_public_and_need_no_spark():
    import mining.engines as engines

    for name in ("spark_session", "get_session", "read_transactions_spark", "to_spark",
                 "collect", "utc", "session_conf", "is_spark_df", "micros_ceil",
                 "timestamp_micros", "DAY_US", "QUICK_START_CONFIG", "MASTER_ENV"):
        assert name in engines.__all__ and hasattr(engines, name)
    assert not engines.is_spark_df(pd.DataFrame())
    assert engines.micros_ceil(pd.Timestamp("1970-01-01 00:00:00.000001500")) == 2
    assert engines.DAY_US == 86_400 * 10**6


def test_moved_spark_functions_keep_their_old_import_path():
    from mining.basket._spark import frequent_itemsets_spark
    from mining.engines import spark as old

    with pytest.warns(DeprecationWarning, match="frequent_itemsets_spark moved"):
        assert old.frequent_itemsets_spark is frequent_itemsets_spark
    with pytest.raises(AttributeError):
        old.no_such_function  # noqa: B018
    assert use_engine("spark", len, "mining.sequence._spark:frequent_sequences_spark").__name__ \
        == "frequent_sequences_spark"
