"""engine="duckdb" for the table-building steps after the customer table: the same baskets (and
so the same itemsets), the same customer sequences (and so the same patterns) and the same data
line and cleaning counts as pandas, on the small demo and on generated edge cases (ties in
time, one-order customers, time zones, missing categories, several lines per order of the same
item), read from a DataFrame or from Parquet where it lies."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from mining import basket, schema
from mining import sequence as sq
from mining.datasets import load
from mining.engines import use_engine
from mining.engines.duck_inputs import REASON_ORDER
from mining.errors import InsufficientDataError, ParameterError, SchemaError
from mining.inputs import CACHE_ENV, open_inputs


@pytest.fixture(scope="module")
def demo():
    return load("demo", size="small")


# -- generated edge cases ---------------------------------------------------------------------


def _edge_lines() -> pd.DataFrame:
    """Order lines with the edge cases in one table (already in the contract)."""
    rows = [
        # customer, order, time, product, name, category
        ("b", "o2", "2024-01-01 10:00", "p1", "Tea", "Food"),
        ("b", "o2", "2024-01-01 10:00", "p1", "Tea", "Food"),      # same item twice in an order
        ("b", "o2", "2024-01-01 09:00", "p2", "Milk", None),       # earliest line times it
        ("b", "o1", "2024-01-01 09:00", "p3", "Bread", "Food"),    # tie in time: o1 before o2
        ("b", "o3", "2024-01-01 23:59:59.999999999", "p1", "Tea", "Food"),  # same day, ns
        ("b", "o4", "2024-02-01", "p4", "Tea", "Drinks"),          # a name two ids share
        ("a", "o5", "2024-03-01", "p1", "Tea", None),              # a one-order customer
        ("a", "o5", "2024-03-01", "p5", None, "Toys"),             # no name: its id
        ("é", "o10", "2024-01-03", "p2", "Milk", "Food"),           # text order of ids
        ("é", "o9", "2024-01-03", "p6", "Soap", "Home"),            # same time, o10 < o9 as text
        ("Z", "O1", "2024-01-05", "p6", "Soap ", "Home"),           # a name that differs
        ("Z", "O1", "2024-01-05", "p6", "Soap ", "Home"),
        ("c", "o7", "2023-12-31 23:30", "p2", "Milk", "Food"),     # just before midnight UTC
        ("c", "o8", "2024-01-01 00:30", "p2", "Milk", "Food"),
    ]
    tx = pd.DataFrame(rows, columns=["customer_id", "order_id", "timestamp", "product_id",
                                     "product_name", "category"])
    tx["timestamp"] = pd.to_datetime(tx["timestamp"], format="mixed")
    tx["quantity"] = 1.0
    tx["unit_price"] = 2.5
    for c in ("customer_id", "order_id", "product_id", "product_name", "category"):
        tx[c] = tx[c].astype("string")
    return tx


def _renamed(tx: pd.DataFrame) -> pd.DataFrame:
    """p2 renamed: called "Milk" on 3 lines and "Whole milk" on 1 (no tie)."""
    out = tx.copy()
    out.loc[out["order_id"] == "o8", "product_name"] = "Whole milk"
    return out


def _shanghai() -> pd.DataFrame:
    """Local Shanghai times read with timezone= (naive UTC after validation)."""
    raw = pd.DataFrame({
        "customer_id": ["c1", "c1", "c2", "c2", "c2"],
        "order_id": ["x1", "x2", "x3", "x3", "x4"],
        "timestamp": ["2024-03-01 07:30", "2024-03-01 08:30", "2024-02-29 23:00",
                      "2024-02-29 23:00", "2024-03-02 00:10"],
        "product_id": ["a", "b", "a", "c", "b"], "quantity": 1, "unit_price": 1.0,
    })
    return schema.validate_transactions(raw, timezone="Asia/Shanghai")


# -- baskets ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("level", "use_names"), [("product", True), ("product", False),
                                                  ("category", True)])
def test_same_baskets_and_itemsets_on_the_demo(demo, tmp_path, level, use_names):
    tx = demo.transactions
    a = basket.basket_matrix(tx, level=level, use_names=use_names)
    b = basket.basket_matrix(tx, level=level, use_names=use_names, engine="duckdb")
    pd.testing.assert_frame_equal(a, b)
    path = tmp_path / "tx.parquet"
    tx.to_parquet(path, index=False)
    pd.testing.assert_frame_equal(a, basket.basket_matrix(path, level=level,
                                                          use_names=use_names, engine="duckdb"))
    for algorithm in ("fast", "apriori"):
        fa = basket.frequent_itemsets(a, min_support=0.01, max_len=3, algorithm=algorithm)
        # transactions (default labels) or the DuckDB-built one-hot baskets
        fb = basket.frequent_itemsets(tx if level == "product" and use_names else b,
                                      min_support=0.01, max_len=3, algorithm=algorithm,
                                      engine="duckdb")
        pd.testing.assert_frame_equal(fa, fb)
    rules_a = basket.association_rules(fa, min_threshold=0.3)
    rules_b = basket.association_rules(fb, min_threshold=0.3)
    pd.testing.assert_frame_equal(rules_a, rules_b)


def test_itemsets_from_transactions_and_parquet_with_level_and_names(demo, tmp_path):
    from mining.basket._duckdb import frequent_itemsets_duckdb

    tx = demo.transactions
    path = tmp_path / "tx.parquet"
    tx.to_parquet(path, index=False)
    for level, use_names in (("product", False), ("category", True)):
        a = basket.frequent_itemsets(basket.basket_matrix(tx, level=level, use_names=use_names),
                                     min_support=0.005, algorithm="fast")
        b = frequent_itemsets_duckdb(path, min_support=0.005, level=level, use_names=use_names,
                                     algorithm="fast")
        pd.testing.assert_frame_equal(a, b)


def _renamed_tie(tx: pd.DataFrame) -> pd.DataFrame:
    """p2 renamed with a tie: "Milk" and "A-milk" on two lines each, "A-milk" seen last."""
    out = tx.copy()
    rows = out.index[out["product_id"] == "p2"]
    assert len(rows) >= 4
    out.loc[rows[-2:], "product_name"] = "A-milk"
    out.loc[rows[:-2], "product_name"] = "Milk"
    return out.loc[rows[:4].union(out.index[out["product_id"] != "p2"])]


@pytest.mark.parametrize("frame", ["edge", "renamed", "renamed_tie", "no_names", "null_product"])
def test_same_baskets_on_edge_cases(frame, tmp_path):
    tx = _edge_lines()
    if frame == "renamed":
        tx = _renamed(tx)
    elif frame == "renamed_tie":
        tx = _renamed_tie(tx)
        assert "A-milk" in basket.basket_matrix(tx).columns  # the alphabetically first name
    elif frame == "no_names":
        tx = tx.drop(columns="product_name")
    elif frame == "null_product":  # kept under its name only while no product is renamed
        tx = tx.assign(product_name=tx["product_name"].replace("Soap ", "Soap"))  # no rename
        extra = tx.iloc[[0]].assign(order_id="o99", product_id=pd.NA, product_name="Jam")
        tx = pd.concat([tx, extra, tx.iloc[[0]].assign(order_id=pd.NA)], ignore_index=True)
    for level in ("product", "category"):
        for use_names in (True, False):
            a = basket.basket_matrix(tx, level=level, use_names=use_names)
            b = basket.basket_matrix(tx, level=level, use_names=use_names, engine="duckdb")
            pd.testing.assert_frame_equal(a, b)
    if frame == "null_product":
        assert "Jam" in basket.basket_matrix(tx, engine="duckdb").columns
        renamed = _renamed(tx)
        pd.testing.assert_frame_equal(basket.basket_matrix(renamed),
                                      basket.basket_matrix(renamed, engine="duckdb"))
        assert "Jam" not in basket.basket_matrix(renamed, engine="duckdb").columns
    if frame != "no_names":  # a name two ids share keeps both ids
        b = basket.basket_matrix(tx, engine="duckdb")
        assert "Tea (p1)" in b.columns and "Tea (p4)" in b.columns
    path = tmp_path / "edge.parquet"
    tx.to_parquet(path, index=False)
    pd.testing.assert_frame_equal(basket.basket_matrix(tx),
                                  basket.basket_matrix(path, engine="duckdb"))
    fa = basket.frequent_itemsets(basket.basket_matrix(tx), min_support=0.1)
    pd.testing.assert_frame_equal(fa, basket.frequent_itemsets(path, min_support=0.1,
                                                               engine="duckdb"))


def test_repeated_items_and_identical_baskets_give_the_same_baskets_and_itemsets():
    """An item several times in one order (not on neighbouring lines), the same item closing one
    order and opening the next, many identical baskets (mined once with their count) and one
    huge order: the same baskets, itemsets and counts as pandas."""
    rng = np.random.default_rng(3)
    rows = []
    for o in range(400):
        items = rng.choice(12, size=rng.integers(1, 6), replace=True).tolist()
        if o % 3 == 0:
            items = [1, 4, 1, 4]  # identical baskets, duplicates inside
        rows += [(f"o{o:03d}", f"p{i:02d}", f"Item {i:02d}") for i in items + items[:1]]
    rows += [("big", f"p{i:02d}", f"Item {i:02d}") for i in range(40)]  # one order, 40 items
    tx = pd.DataFrame(rows, columns=["order_id", "product_id", "product_name"]).sample(
        frac=1.0, random_state=0).astype("string")
    a = basket.basket_matrix(tx)
    pd.testing.assert_frame_equal(a, basket.basket_matrix(tx, engine="duckdb"))
    assert a.loc["o000"].sum() == 2 and a.loc["big"].sum() == 40
    for max_len in (None, 2):
        fa = basket.frequent_itemsets(a, min_support=0.02, max_len=max_len, algorithm="fast")
        fm = basket.frequent_itemsets(a, min_support=0.02, max_len=max_len,
                                      algorithm="fpgrowth")
        fb = basket.frequent_itemsets(tx, min_support=0.02, max_len=max_len, algorithm="fast",
                                      engine="duckdb")
        pd.testing.assert_frame_equal(fa, fb)
        pd.testing.assert_frame_equal(fa, fm)  # the weighted pyfim input: mlxtend's counts
        pair = fa.loc[fa["itemset_str"] == "Item 01, Item 04", "count"]
        assert int(pair.iloc[0]) == int((a["Item 01"] & a["Item 04"]).sum())
    # the budget's upper bound leaves the huge order out: far below its 2^40 subsets, and
    # still above the true number of itemsets
    from mining.basket._baskets import to_csr
    from mining.basket._itemsets import _upper_bound

    csr, _ = to_csr(a, "test")
    min_count = basket.min_count_for(0.02, len(a))
    bound = _upper_bound(csr, min_count, None)
    assert len(fa) <= bound < 2**40 / min_count / 100


def test_basket_errors_and_budgets_as_pandas(demo):
    tx = demo.transactions
    with pytest.raises(SchemaError, match="needs the column 'order_id'"):
        basket.basket_matrix(tx.drop(columns="order_id"), engine="duckdb")
    with pytest.raises(SchemaError, match="level='category'"):
        basket.basket_matrix(tx.drop(columns="category"), level="category", engine="duckdb")
    with pytest.raises(ParameterError, match="level"):
        basket.basket_matrix(tx, level="brand", engine="duckdb")
    with pytest.raises(InsufficientDataError, match="no order line"):
        basket.basket_matrix(tx.assign(order_id=pd.NA), engine="duckdb")
    with pytest.raises(ParameterError, match="has no engine='spark'.*'pandas' or 'duckdb'"):
        basket.basket_matrix(tx, engine="spark")
    from mining.errors import BudgetError

    with pytest.raises(BudgetError) as a:
        basket.frequent_itemsets(basket.basket_matrix(tx), min_support=0.001, max_itemsets=10,
                                 algorithm="fast")
    with pytest.raises(BudgetError) as b:
        basket.frequent_itemsets(tx, min_support=0.001, max_itemsets=10, algorithm="fast",
                                 engine="duckdb")
    assert str(a.value) == str(b.value)
    with pytest.warns(basket.NoItemsetsWarning):
        empty = basket.frequent_itemsets(tx, min_support=0.9, engine="duckdb")
    assert empty.empty


# -- sequences ----------------------------------------------------------------------------------


def _same_db(a: sq.SequenceDatabase, b: sq.SequenceDatabase) -> None:
    for name in ("labels", "seq_start", "el_start", "items", "el_days"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype, name
        np.testing.assert_array_equal(x, y, err_msg=name)
    assert a.el_time.dtype == b.el_time.dtype
    np.testing.assert_array_equal(a.el_time, b.el_time)
    pd.testing.assert_index_equal(a.customer_id, b.customer_id)
    assert (a.level, a.element, a.as_of) == (b.level, b.element, b.as_of)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())


@pytest.mark.parametrize("kw", [
    {"as_of": "2026-01-01"}, {"as_of": "2025-03-01"}, {"as_of": None},
    {"as_of": "2025-06-01", "element": "day"}, {"as_of": "2025-06-01", "level": "category"},
    {"as_of": "2025-06-01", "use_names": False},
])
def test_same_sequences_and_patterns_on_the_demo(demo, kw):
    tx = demo.transactions
    a = sq.customer_sequences(tx, **kw)
    b = sq.customer_sequences(tx, engine="duckdb", **kw)
    _same_db(a, b)
    pa = sq.frequent_sequences(a, min_support=0.05, max_len=2)
    pd.testing.assert_frame_equal(pa, sq.frequent_sequences(b, min_support=0.05, max_len=2,
                                                            engine="duckdb"))


def test_patterns_from_transactions_and_parquet(demo, tmp_path):
    tx = demo.transactions
    path = tmp_path / "tx.parquet"
    tx.to_parquet(path, index=False)
    a = sq.frequent_sequences(sq.customer_sequences(tx, as_of=None), min_support=0.05,
                              max_len=3, max_gap=60)
    for data in (tx, path):
        b = sq.frequent_sequences(data, min_support=0.05, max_len=3, max_gap=60,
                                  engine="duckdb")
        pd.testing.assert_frame_equal(a, b)
    _same_db(sq.customer_sequences(tx, as_of="2025-01-01", element="day"),
             sq.customer_sequences(path, as_of="2025-01-01", element="day", engine="duckdb"))


@pytest.mark.parametrize("frame", ["edge", "renamed", "shanghai", "aware", "missing_ids"])
@pytest.mark.parametrize("element", ["order", "day"])
def test_same_sequences_on_edge_cases(frame, element, tmp_path):
    as_ofs: list = [None, "2024-01-05", "2024-01-01T08:00+08:00"]  # the last: UTC midnight
    if frame == "edge":
        tx = _edge_lines()
    elif frame == "renamed":
        tx = _renamed(_edge_lines())
    elif frame == "shanghai":
        tx = _shanghai()
        as_ofs = [None, "2024-03-01", "2024-03-01T08:00+08:00"]
    elif frame == "aware":  # an aware column: the UTC instants, as pandas without as_of
        tx = _edge_lines()
        tx["timestamp"] = tx["timestamp"].dt.tz_localize("Asia/Shanghai")
        as_ofs = [None]
    else:  # lines without customer, item or time are skipped; one without an order id last
        tx = pd.concat([_edge_lines(), _edge_lines().iloc[[0, 1, 2, 3]].assign(
            customer_id=["b", pd.NA, "b", "b"], order_id=[pd.NA, "o1", "o1", "o1"],
            product_id=["p1", "p1", pd.NA, "p2"], product_name=["Tea", "Tea", pd.NA, "Milk"],
            timestamp=[pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-02"),
                       pd.Timestamp("2024-01-02"), pd.NaT])], ignore_index=True)
        as_ofs = [None, "2024-01-05"]
    if element == "day" or frame == "missing_ids":
        levels = [("product", True), ("category", True)]
    else:
        levels = [("product", True), ("product", False), ("category", True)]
    for as_of in as_ofs:
        for level, use_names in levels:
            if level == "category" and "category" not in tx.columns:
                continue
            kw = {"as_of": as_of, "level": level, "element": element, "use_names": use_names}
            _same_db(sq.customer_sequences(tx, **kw),
                     sq.customer_sequences(tx, engine="duckdb", **kw))
    if frame in ("edge", "shanghai"):
        path = tmp_path / "edge.parquet"
        tx.to_parquet(path, index=False)
        _same_db(sq.customer_sequences(tx, as_of=None, element=element),
                 sq.customer_sequences(path, as_of=None, element=element, engine="duckdb"))


def test_edge_sequences_read_as_documented():
    db = sq.customer_sequences(_edge_lines(), as_of=None, engine="duckdb")
    b = db.sequence("b")
    assert list(b["items"]) == [("Bread",), ("Milk", "Tea"), ("Tea",), ("Tea",)]  # o1, o2 tie
    assert db.to_frame().loc["a", "n_elements"] == 1
    assert list(db.sequence("é")["items"]) == [("Milk",), ("Soap",)]  # o10 before o9 as text
    day = sq.customer_sequences(_edge_lines(), as_of=None, element="day", engine="duckdb")
    assert list(day.sequence("c")["items"]) == [("Milk",), ("Milk",)]  # two UTC days


def test_sequence_errors_as_pandas(demo):
    tx = demo.transactions
    for kw, error, match in [
        ({"as_of": "2000-01-01"}, InsufficientDataError, "later as_of"),
        ({"as_of": "not a date"}, ParameterError, "as_of"),
        ({"as_of": None, "element": "week"}, ParameterError, "element"),
    ]:
        with pytest.raises(error, match=match):
            sq.customer_sequences(tx, **kw)
        with pytest.raises(error, match=match):
            sq.customer_sequences(tx, engine="duckdb", **kw)
    with pytest.raises(SchemaError, match="are needed for level='category'") as a:
        sq.customer_sequences(tx.drop(columns="category"), as_of=None, level="category")
    with pytest.raises(SchemaError, match="are needed for level='category'") as b:
        sq.customer_sequences(tx.drop(columns="category"), as_of=None, level="category",
                              engine="duckdb")
    assert str(a.value) == str(b.value)
    with pytest.raises(ParameterError, match="has no engine='spark'"):
        sq.customer_sequences(tx, as_of=None, engine="spark")


# -- data line and cleaning counts ----------------------------------------------------------------


def _same_inputs(source, **kw):
    a = open_inputs(source=source, **kw)
    b = open_inputs(source=source, engine="duckdb", **kw)
    da, db = a.to_dict(), b.to_dict()
    assert db.pop("engine") == "duckdb"
    note = db.pop("engine_note")
    assert da == db
    assert b.summary().startswith(a.summary() + "; engine duckdb")
    assert a.capabilities == b.capabilities and a.as_of == b.as_of
    assert a.as_of_rule == b.as_of_rule
    if b._counts is not None:  # counted by DuckDB: equal counts, lines read only when used
        assert not b.loaded
        assert b._counts.to_dict() == a.cleaning.to_dict()
    pd.testing.assert_frame_equal(a.transactions, b.transactions)
    assert a.cleaning.to_dict() == b.cleaning.to_dict()
    pd.testing.assert_frame_equal(a.cleaning.removed_rows, b.cleaning.removed_rows)
    return b, note


def _dirty() -> pd.DataFrame:
    """Raw lines breaking every cleaning rule once or more (a valid contract table)."""
    base = {"customer_id": "c1", "order_id": "o1", "timestamp": pd.Timestamp("2024-01-05 10:00"),
            "product_id": "p1", "product_name": "Tea", "category": "Food", "quantity": 1.0,
            "unit_price": 2.0, "status": "paid", "note": np.nan}
    changes = [
        {}, {},                                           # a duplicate (NaN extra equal)
        {"note": 1.0}, {"customer_id": "  c1 \u3000"},    # stripped: a duplicate of row 0
        {"customer_id": None}, {"customer_id": " "},     # missing (blank is missing)
        {"order_id": ""}, {"product_id": None}, {"timestamp": pd.NaT},
        {"quantity": np.nan}, {"unit_price": None},
        {"status": " Cancelled ", "order_id": "o2"}, {"order_id": "C9"},
        {"quantity": -1.0}, {"quantity": 0.0}, {"unit_price": -0.5}, {"unit_price": 0.0},
        {"timestamp": pd.Timestamp("2030-01-01")},
        {"order_id": "o3", "customer_id": "c2", "category": None, "unit_price": 3.0},
        {"order_id": "o4", "customer_id": "c3", "timestamp": pd.Timestamp("2024-02-01")},
    ]
    return pd.DataFrame([{**base, **c} for c in changes])


@pytest.mark.parametrize("options", [
    {}, {"cancelled_order_prefix": "C"}, {"keep_zero_price": True},
    {"not_after": "2025-01-01"}, {"status_column": None},
    {"cancelled_statuses": ("PAID",)},
])
def test_same_cleaning_counts_and_data_line_on_dirty_parquet(tmp_path, options):
    path = tmp_path / "dirty.parquet"
    _dirty().to_parquet(path, index=False)
    b, note = _same_inputs(path, **options)
    assert "counted by DuckDB" in note


def test_same_data_line_on_the_demo_lines_and_other_types(demo, tmp_path):
    raw = demo.raw_transactions
    path = tmp_path / "raw.parquet"
    raw.to_parquet(path)  # with its index stored (pandas metadata): not a column
    b, note = _same_inputs(path)
    assert "counted by DuckDB" in note and b.cleaning.n_removed > 0
    _same_inputs(path, as_of="2025-01-01")
    typed = _dirty().assign(customer_id=np.arange(20), order_id=np.arange(20) % 3,
                            quantity=np.ones(20, dtype="int64"), status=np.zeros(20, "int64"))
    typed["timestamp"] = typed["timestamp"].dt.tz_localize("Asia/Shanghai")
    typed_path = tmp_path / "typed.parquet"
    typed.to_parquet(typed_path, index=False)
    b, note = _same_inputs(typed_path)
    assert "counted by DuckDB" in note


def test_where_duckdb_cannot_apply_the_same_rule_pandas_reads_and_says_so(demo, tmp_path):
    tx = _dirty()
    book = tmp_path / "dirty.xlsx"
    tx.to_excel(book, index=False)
    b, note = _same_inputs(book)
    assert note.startswith("the lines read and cleaned by pandas: a source DuckDB does not read")
    assert "read and cleaned by pandas: a source DuckDB does not read" in b.summary()
    text_dates = tmp_path / "text.parquet"
    tx.assign(timestamp=tx["timestamp"].astype(str).replace("NaT", None)).to_parquet(
        text_dates, index=False)
    _, note = _same_inputs(text_dates)
    assert "column 'timestamp' is VARCHAR" in note
    shifted = tmp_path / "local.parquet"
    tx.to_parquet(shifted, index=False)
    _, note = _same_inputs(shifted, timezone="Asia/Shanghai")
    assert "reading options ['timezone']" in note
    # a bad value: the same error as pandas, naming its column and rows
    inf = tmp_path / "inf.parquet"
    tx.assign(quantity=[np.inf] + [1.0] * (len(tx) - 1)).to_parquet(inf, index=False)
    with pytest.raises(SchemaError) as a:
        open_inputs(source=inf)
    with pytest.raises(SchemaError) as b:
        open_inputs(source=inf, engine="duckdb")
    assert str(a.value) == str(b.value) and "quantity" in str(a.value) and "rows 0" in str(
        a.value)
    returns = tmp_path / "returns.parquet"
    tx.assign(quantity=-1.0).to_parquet(returns, index=False)
    with pytest.raises(InsufficientDataError) as a:
        open_inputs(source=returns)
    with pytest.raises(InsufficientDataError) as b:
        open_inputs(source=returns, engine="duckdb")
    assert str(a.value) == str(b.value)
    with pytest.raises(InsufficientDataError, match="no purchases before as_of"):
        open_inputs(source=shifted, as_of="2020-01-01", engine="duckdb")
    with pytest.raises(ParameterError, match="engine"):
        open_inputs(dataset="demo", size="small", engine="polars")
    built_in = open_inputs(dataset="demo", size="small", engine="duckdb")
    assert built_in.summary() == open_inputs(dataset="demo", size="small").summary() + \
        "; engine duckdb"


def test_reason_order_and_the_inputs_cache(tmp_path, monkeypatch):
    clean, report = schema.clean_transactions(_dirty())
    assert tuple(report.removed) == REASON_ORDER
    path = tmp_path / "dirty.parquet"
    _dirty().to_parquet(path, index=False)
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    first = open_inputs(source=path, engine="duckdb")
    again = open_inputs(source=path, engine="duckdb")  # from the pickle: still lazy
    assert not again.loaded and again.summary() == first.summary()
    pd.testing.assert_frame_equal(again.transactions, clean)
    assert pickle.loads(pickle.dumps(again)).cleaning.to_dict() == report.to_dict()
    assert open_inputs(source=path).summary() + "; engine duckdb" in first.summary()


def test_a_step_without_a_duckdb_backend_says_so():
    from sklearn.cluster import KMeans

    with pytest.raises(ParameterError, match=r"KMeans has no engine='duckdb'; use "
                       r"engine='pandas' or 'spark' for it\. The duckdb engine builds"):
        use_engine("duckdb", KMeans, "mining.segment._spark:SparkKMeans", owner="KMeans")
