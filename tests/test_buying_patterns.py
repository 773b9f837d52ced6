"""Repeat, cross and up-buying per customer (features.buying_patterns) on hand-made orders."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mining.errors import InsufficientDataError, SchemaError
from mining.features import BUYING_COLUMNS, buying_patterns


def _tx(rows):
    df = pd.DataFrame(rows, columns=["customer_id", "order_id", "timestamp", "product_id",
                                     "category", "quantity", "unit_price"])
    df["timestamp"] = pd.to_datetime(df["timestamp"])
    return df


TX = _tx([
    # r: repeats the same mug, never a new category, same price
    ("r", "r1", "2024-01-01", "mug", "kitchen", 1, 10.0),
    ("r", "r2", "2024-02-01", "mug", "kitchen", 2, 10.0),
    # x: enters two new categories after the first order
    ("x", "x1", "2024-01-01", "mug", "kitchen", 1, 10.0),
    ("x", "x2", "2024-02-01", "book", "books", 1, 30.0),
    ("x", "x3", "2024-03-01", "lamp", "home", 1, 60.0),
    # u: buys dearer kitchen items each time
    ("u", "u1", "2024-01-01", "mug", "kitchen", 1, 10.0),
    ("u", "u2", "2024-02-01", "cup", "kitchen", 1, 20.0),
    ("u", "u3", "2024-03-01", "pot", "kitchen", 1, 45.0),
    # o: one order only; and lines after as_of that must not count
    ("o", "o1", "2024-01-05", "mug", "kitchen", 1, 10.0),
    ("o", "o9", "2024-06-01", "mug", "kitchen", 5, 99.0),
])


def test_each_kind_of_buying_is_measured_where_it_happens():
    b = buying_patterns(TX, as_of="2024-04-01")
    assert list(b.columns) == list(BUYING_COLUMNS) and list(b.index) == ["o", "r", "u", "x"]
    assert b.loc["r", "repeat_spend_share"] == pytest.approx(20 / 30)
    assert b.loc["r", "new_categories"] == 0 and b.loc["r", "upbuy_index"] == pytest.approx(1.0)
    assert b.loc["x", "new_categories"] == 2 and b.loc["x", "first_categories"] == 1
    assert b.loc["x", "cross_spend_share"] == pytest.approx(90 / 100)
    assert np.isnan(b.loc["x", "upbuy_index"])          # never bought a known category again
    # u: geometric level 10, then sqrt(10 * 20); the index is the geometric mean of the ratios
    assert b.loc["u", "upbuy_index"] == pytest.approx(np.sqrt(20 / 10 * 45 / np.sqrt(200)))
    assert b.loc["u", "repeat_spend_share"] == 0.0       # other products each time
    assert b.loc["o", "n_orders"] == 1 and b.loc["o", "repeat_spend_share"] == 0.0
    assert np.isnan(b.loc["o", "upbuy_index"])


def test_a_category_taken_up_for_good_is_adopted_a_trial_is_not():
    rows = [("a", f"a{i}", f"2024-0{i}-01", "mug", "kitchen", 1, 10.0) for i in range(1, 6)]
    rows += [("a", f"a{i}", f"2024-0{i}-01", "book", "books", 1, 20.0) for i in (3, 4, 5)]
    # t: tries books once in order 3 of 5 (a trial); g: books from order 2 on (too early to
    # count: entered after one order only)
    rows += [("t", f"t{i}", f"2024-0{i}-01", "mug", "kitchen", 1, 10.0) for i in range(1, 6)]
    rows += [("t", "t3", "2024-03-01", "book", "books", 1, 20.0)]
    rows += [("g", f"g{i}", f"2024-0{i}-01", "mug", "kitchen", 1, 10.0) for i in range(1, 6)]
    rows += [("g", f"g{i}", f"2024-0{i}-01", "book", "books", 1, 20.0) for i in range(2, 6)]
    b = buying_patterns(_tx(rows), as_of="2024-07-01")
    assert b["adopted_categories"].to_dict() == {"a": 1.0, "g": 0.0, "t": 0.0}
    assert b.loc["a", "adopted_spend_share"] == pytest.approx(60 / 110)
    assert b.loc["t", "new_categories"] == 1 and b.loc["t", "adopted_spend_share"] == 0.0
    b4 = buying_patterns(_tx([r for r in rows if r[1] != "a5"]), as_of="2024-07-01")
    assert b4.loc["a", "adopted_categories"] == 1  # 2 of 2 orders since: still adopted
    b3 = buying_patterns(_tx([r for r in rows if not (r[1] == "a4" and r[3] == "book")]),
                         as_of="2024-07-01")
    assert b3.loc["a", "adopted_categories"] == 0  # 2 of 3 orders since: below three quarters


def test_leakage_safe_and_ordered_by_order_time_not_row_order():
    shuffled = TX.sample(frac=1.0, random_state=3)
    later = pd.concat([TX, _tx([("x", "x9", "2024-05-01", "mug", "kitchen", 9, 1.0)])])
    a = buying_patterns(TX, as_of="2024-04-01")
    pd.testing.assert_frame_equal(a, buying_patterns(shuffled, as_of="2024-04-01"))
    pd.testing.assert_frame_equal(a, buying_patterns(later, as_of="2024-04-01"))


def test_without_categories_and_errors():
    b = buying_patterns(TX.drop(columns="category"), as_of="2024-04-01")
    assert b["new_categories"].isna().all() and b.loc["r", "repeat_spend_share"] > 0
    with pytest.raises(SchemaError, match="unit_price"):
        buying_patterns(TX.drop(columns="unit_price"), as_of="2024-04-01")
    with pytest.raises(InsufficientDataError, match="later as_of"):
        buying_patterns(TX, as_of="2023-01-01")
