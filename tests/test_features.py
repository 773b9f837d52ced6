"""Tests of mining.features.customer_table: hand-worked values, leakage safety, row order."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mining import features
from mining.errors import InsufficientDataError, ParameterError, SchemaError
from mining.features import FEATURE_COLUMNS, category_column_name, customer_table

AS_OF = pd.Timestamp("2024-03-01")


def line(cid, oid, ts, pid, cat, q, price):
    return {"customer_id": cid, "order_id": oid, "timestamp": pd.Timestamp(ts),
            "product_id": pid, "category": cat, "quantity": float(q), "unit_price": float(price)}


def hand_tx() -> pd.DataFrame:
    """Worked by hand for as_of=2024-03-01 and recent_days=30 (window from 2024-01-31).

    a: o1 2024-01-01 (Food 2x5 + Home & Garden 1x20 = 30), o2 2024-01-11 (Food 5),
       o3 2024-01-31 00:00 (Toys 3x10 = 30), o4 2024-01-31 18:00 (Food 5); total 70.
       Order dates Jan 1, Jan 11, Jan 31 -> gaps 10, 20. Recent: o3 + o4 = 35 over 30 days;
       before: 35 over Jan 1..Jan 31 = 30 days -> same pace, trend 0.
    b: one order 2024-02-20 (Home & Garden 20): first purchase inside the window, trend NaN.
    d: one order 2023-12-01 (Food 8): nothing recent, trend -1.
    c: buys only after as_of; a's line exactly at as_of is excluded too.
    """
    return pd.DataFrame([
        line("a", "o1", "2024-01-01 00:00", "p1", "Food", 2, 5),
        line("a", "o1", "2024-01-01 00:00", "p2", "Home & Garden", 1, 20),
        line("a", "o2", "2024-01-11 12:00", "p1", "Food", 1, 5),
        line("a", "o3", "2024-01-31 00:00", "p3", "Toys", 3, 10),
        line("a", "o4", "2024-01-31 18:00", "p1", "Food", 1, 5),
        line("a", "o8", "2024-03-01 00:00", "p3", "Toys", 9, 99),  # at as_of: excluded
        line("b", "o5", "2024-02-20 00:00", "p2", "Home & Garden", 1, 20),
        line("c", "o6", "2024-03-05 00:00", "p1", "Food", 1, 5),
        line("d", "o7", "2023-12-01 00:00", "p1", "Food", 1, 8),
    ])


@pytest.fixture
def X() -> pd.DataFrame:
    return customer_table(hand_tx(), as_of=AS_OF, recent_days=30)


def test_hand_worked_values(X):
    assert list(X.index) == ["a", "b", "d"]
    assert X.index.name == "customer_id" and X.index.dtype == "string"
    assert list(X.columns[: len(FEATURE_COLUMNS)]) == list(FEATURE_COLUMNS)
    a = X.loc["a"]
    assert a["first_purchase"] == pd.Timestamp("2024-01-01")
    assert a["last_purchase"] == pd.Timestamp("2024-01-31 18:00")
    assert a["recency_days"] == pytest.approx(29.25)
    assert (a["n_orders"], a["n_lines"], a["n_products"]) == (4, 5, 3)
    assert a["quantity_total"] == 8.0
    assert a["monetary_total"] == pytest.approx(70.0)
    assert a["monetary_mean_order"] == pytest.approx(17.5)
    assert a["basket_size_mean"] == pytest.approx(1.25)
    assert a["tenure_days"] == pytest.approx(60.0)
    assert a["ipt_mean_days"] == pytest.approx(15.0)
    assert a["ipt_median_days"] == pytest.approx(15.0)
    assert a["ipt_std_days"] == pytest.approx(5.0)
    assert a["orders_recent"] == 2 and a["spend_recent"] == pytest.approx(35.0)
    assert a["spend_trend"] == pytest.approx(0.0)
    assert a["share_food"] == pytest.approx(20 / 70)
    assert a["share_home_garden"] == pytest.approx(20 / 70)
    assert a["share_toys"] == pytest.approx(30 / 70)

    b = X.loc["b"]
    assert b["recency_days"] == pytest.approx(10.0) and b["tenure_days"] == pytest.approx(10.0)
    assert b["n_orders"] == 1
    assert math.isnan(b["ipt_mean_days"]) and math.isnan(b["ipt_median_days"])
    assert math.isnan(b["ipt_std_days"])
    assert b["orders_recent"] == 1 and b["spend_recent"] == 20.0
    assert math.isnan(b["spend_trend"])
    assert (b["share_home_garden"], b["share_food"], b["share_toys"]) == (1.0, 0.0, 0.0)

    d = X.loc["d"]
    assert d["recency_days"] == pytest.approx(91.0)
    assert d["orders_recent"] == 0 and d["spend_recent"] == 0.0
    assert d["spend_trend"] == pytest.approx(-1.0)


def test_dtypes_and_attrs(X):
    for c in ("n_orders", "n_lines", "n_products", "orders_recent"):
        assert X[c].dtype == "int64"
    for c in ("first_purchase", "last_purchase"):
        assert pd.api.types.is_datetime64_dtype(X[c])
    assert X.attrs == {"as_of": AS_OF, "recent_days": 30.0}
    assert np.isfinite(X["spend_trend"].dropna()).all()
    assert X.filter(like="share_").sum(axis=1).to_numpy() == pytest.approx(1.0)


def test_trend_is_plus_one_when_only_recent_spend():
    tx = pd.DataFrame([line("a", "o1", "2023-01-01", "p1", "A", 1, 0),  # free: spend 0 before
                       line("a", "o2", "2024-02-15", "p1", "A", 1, 10)])
    X = customer_table(tx, as_of=AS_OF, recent_days=30)
    assert X.loc["a", "spend_trend"] == 1.0


def test_zero_spend_customer_has_zero_shares_and_trend():
    tx = pd.DataFrame([line("a", "o1", "2023-01-01", "p1", "A", 1, 0)])
    X = customer_table(tx, as_of=AS_OF)
    assert X.loc["a", "share_a"] == 0.0 and X.loc["a", "spend_trend"] == 0.0
    assert X.loc["a", "monetary_mean_order"] == 0.0


def test_as_of_string_and_timestamp_agree():
    pd.testing.assert_frame_equal(customer_table(hand_tx(), as_of="2024-03-01"),
                                  customer_table(hand_tx(), as_of=AS_OF))


def test_categories_optional():
    X = customer_table(hand_tx(), as_of=AS_OF, categories=False)
    assert list(X.columns) == list(FEATURE_COLUMNS)
    X2 = customer_table(hand_tx().drop(columns="category"), as_of=AS_OF)
    assert list(X2.columns) == list(FEATURE_COLUMNS)


def test_category_column_names():
    assert category_column_name("Home & Garden") == "share_home_garden"
    assert category_column_name(" Toys/Games 2 ") == "share_toys_games_2"
    assert category_column_name("!!") == "share_unnamed"


def test_categories_merging_to_one_name_add_up():
    tx = pd.DataFrame([line("a", "o1", "2024-01-01", "p1", "Home & Garden", 1, 10),
                       line("a", "o1", "2024-01-01", "p2", "home garden", 1, 30)])
    X = customer_table(tx, as_of=AS_OF)
    assert X.loc["a", "share_home_garden"] == 1.0


def test_input_not_mutated():
    tx = hand_tx()
    before = tx.copy()
    customer_table(tx, as_of=AS_OF)
    pd.testing.assert_frame_equal(tx, before)


@pytest.mark.parametrize("bad", [None, "", "not a date", "2024-13-45", pd.NaT, [1, 2]])
def test_bad_as_of(bad):
    with pytest.raises(ParameterError, match="'as_of' parameter of customer_table"):
        customer_table(hand_tx(), as_of=bad)


def test_as_of_is_required():
    with pytest.raises(TypeError):
        customer_table(hand_tx())  # type: ignore[call-arg]


@pytest.mark.parametrize("bad", [0, -5, float("nan"), "30", True])
def test_bad_recent_days(bad):
    with pytest.raises(ParameterError, match="recent_days"):
        customer_table(hand_tx(), as_of=AS_OF, recent_days=bad)


def test_no_rows_before_as_of():
    with pytest.raises(InsufficientDataError, match="no transactions before"):
        customer_table(hand_tx(), as_of="2020-01-01")


def test_missing_columns_are_all_named():
    with pytest.raises(SchemaError) as err:
        customer_table(hand_tx().drop(columns=["quantity", "product_id"]), as_of=AS_OF)
    text = str(err.value)
    assert "'quantity'" in text and "'product_id'" in text
    assert len(err.value.problems) == 2


def test_text_or_aware_timestamps_are_rejected():
    tx = hand_tx()
    with pytest.raises(SchemaError, match="timestamp"):
        customer_table(tx.assign(timestamp=tx["timestamp"].astype(str)), as_of=AS_OF)
    with pytest.raises(SchemaError, match="timestamp"):
        customer_table(tx.assign(timestamp=tx["timestamp"].dt.tz_localize("UTC")), as_of=AS_OF)


def test_not_a_dataframe():
    with pytest.raises(ParameterError, match="DataFrame"):
        customer_table([1, 2, 3], as_of=AS_OF)  # type: ignore[arg-type]


def test_rows_after_as_of_change_nothing(X):
    tx = hand_tx()
    late = tx["timestamp"] >= AS_OF
    changed = tx.copy()
    changed.loc[late, "unit_price"] = 1000.0
    extra = pd.DataFrame([line("a", "o9", "2024-03-02", "p9", "New cat", 5, 50),
                          line("zz", "o10", "2024-06-01", "p1", "Food", 1, 5)])
    changed = pd.concat([changed, extra], ignore_index=True)
    pd.testing.assert_frame_equal(customer_table(changed, as_of=AS_OF, recent_days=30), X)
    dropped = tx[~late]
    pd.testing.assert_frame_equal(customer_table(dropped, as_of=AS_OF, recent_days=30), X)


def test_customer_id_categorical_and_numeric_ids():
    tx = hand_tx()
    X1 = customer_table(tx.assign(customer_id=tx["customer_id"].astype("category")), as_of=AS_OF)
    pd.testing.assert_frame_equal(X1, customer_table(tx, as_of=AS_OF))
    X2 = customer_table(tx.assign(customer_id=tx["customer_id"].map(
        {"a": 1, "b": 2, "c": 3, "d": 4})), as_of=AS_OF)
    assert list(X2.index) == ["1", "2", "4"] and X2.index.dtype == "string"


def test_doctests():
    assert doctest.testmod(features).failed == 0


def test_fast_on_100k_lines():
    import time

    rng = np.random.default_rng(0)
    n = 100_000
    tx = pd.DataFrame({
        "customer_id": rng.integers(0, 5000, n).astype(str),
        "order_id": rng.integers(0, 30000, n).astype(str),
        "timestamp": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 700 * 24, n),
                                                                  unit="h"),
        "product_id": rng.integers(0, 500, n).astype(str),
        "category": rng.choice(["A", "B", "C"], n),
        "quantity": 1.0,
        "unit_price": rng.uniform(1, 10, n),
    })
    t = time.perf_counter()
    X = customer_table(tx, as_of="2024-06-01")
    assert time.perf_counter() - t < 5.0
    assert len(X) == tx.loc[tx["timestamp"] < "2024-06-01", "customer_id"].nunique()


# ------------------------------------------------------------------ property tests

START = pd.Timestamp("2024-01-01")


@st.composite
def transactions(draw):
    n = draw(st.integers(1, 30))
    rows = []
    for _ in range(n):
        rows.append({
            "customer_id": draw(st.sampled_from(["a", "b", "c", "d"])),
            "order_id": f"o{draw(st.integers(0, 12))}",
            "timestamp": START + pd.Timedelta(hours=draw(st.integers(0, 24 * 120))),
            "product_id": draw(st.sampled_from(["p1", "p2", "p3"])),
            "category": draw(st.sampled_from(["Food", "Toys", "Home & Garden"])),
            "quantity": float(draw(st.integers(1, 5))),
            "unit_price": float(draw(st.integers(0, 50))),
        })
    return pd.DataFrame(rows)


@settings(max_examples=25, deadline=None)
@given(tx=transactions(), cut_day=st.integers(1, 120), seed=st.integers(0, 10_000),
       n_new=st.integers(0, 5))
def test_property_rows_after_as_of_never_matter(tx, cut_day, seed, n_new):
    as_of = START + pd.Timedelta(days=cut_day)
    if not (tx["timestamp"] < as_of).any():
        with pytest.raises(InsufficientDataError):
            customer_table(tx, as_of=as_of)
        return
    X = customer_table(tx, as_of=as_of, recent_days=20)
    rng = np.random.default_rng(seed)
    changed = tx.copy()
    late = changed["timestamp"] >= as_of
    changed.loc[late, "unit_price"] = rng.uniform(0, 100, int(late.sum()))
    changed.loc[late, "category"] = "Late only"
    changed = changed.drop(index=changed.index[late][: int(late.sum()) // 2])
    new = pd.DataFrame({
        "customer_id": rng.choice(["a", "zz"], n_new),
        "order_id": [f"late{i}" for i in range(n_new)],
        "timestamp": as_of + pd.to_timedelta(rng.integers(0, 50 * 24, n_new), unit="h"),
        "product_id": "p9", "category": "Other", "quantity": 2.0, "unit_price": 7.0,
    })
    changed = pd.concat([changed, new], ignore_index=True)
    pd.testing.assert_frame_equal(customer_table(changed, as_of=as_of, recent_days=20), X)


@settings(max_examples=25, deadline=None)
@given(tx=transactions(), seed=st.integers(0, 10_000))
def test_property_row_order_does_not_matter(tx, seed):
    as_of = START + pd.Timedelta(days=121)
    X = customer_table(tx, as_of=as_of)
    shuffled = tx.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    pd.testing.assert_frame_equal(customer_table(shuffled, as_of=as_of), X)
    assert (X["n_lines"] >= X["n_orders"]).all()
    assert (X["tenure_days"] >= X["recency_days"]).all()
    assert X["spend_trend"].dropna().between(-1, 1).all()
