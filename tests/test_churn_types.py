"""Churn types (客户流失类型): hand-worked tiny data, the Telco contract table, errors."""

from __future__ import annotations

import pandas as pd
import pytest

from mining import churn
from mining.errors import InsufficientDataError, ParameterError


def _tx() -> pd.DataFrame:
    d = pd.Timestamp
    rows = [("a", f"a{i}", d("2024-01-01") + pd.Timedelta(days=30 * i), 20.0, "x")
            for i in range(8)] + [("a", "a9", d("2025-03-01"), 20.0, "x")]
    rows += [("b", f"b{i}", d("2024-01-01") + pd.Timedelta(days=30 * i), 30.0, c)
             for i in range(6) for c in ("x", "y")]
    rows += [("b", "b6", d("2024-07-01"), 5.0, "x")]  # one cheap line, one category: partial
    rows += [("d", "d0", d("2024-08-20"), 5.0, "x"), ("d", "d1", d("2024-10-01"), 5.0, "x")]
    return pd.DataFrame(rows, columns=["customer_id", "order_id", "timestamp", "unit_price",
                                       "category"]).assign(quantity=1.0)


def test_types_by_hand():
    t = churn.churn_types(_tx(), as_of="2024-09-01", horizon_days=90, return_window_days=120,
                          trend_days=20, observed_until="2025-06-01")
    assert list(t.index) == ["a", "b"]  # d orders in the window: not churned
    assert t.loc["a", "permanence"] == "temporary" and t.loc["a", "permanence_zh"] == "暂时流失"
    assert t.loc["b", "permanence"] == "permanent"
    assert t.loc["a", "degree"] == "complete" and t.loc["a", "spend_ratio"] == pytest.approx(1.0)
    assert t.loc["b", "degree"] == "partial" and t.loc["b", "degree_zh"] == "半流失"
    assert t.loc["b", "spend_ratio"] == pytest.approx(5.0 / 60.0)
    assert t.loc["b", "category_ratio"] == pytest.approx(0.5)
    assert (t["visibility"] == "implicit").all()
    cancelled = pd.Series([True], index=["b"])
    t2 = churn.churn_types(_tx(), as_of="2024-09-01", horizon_days=90, return_window_days=120,
                           trend_days=20, observed_until="2025-06-01", cancelled=cancelled)
    assert t2["visibility"].to_dict() == {"a": "implicit", "b": "explicit"}


def test_return_window_must_fit():
    with pytest.raises(InsufficientDataError, match="return_window_days"):
        churn.churn_types(_tx(), as_of="2024-09-01", horizon_days=90, return_window_days=400,
                          observed_until="2025-06-01")
    with pytest.raises(ParameterError, match="trend_days"):
        churn.churn_types(_tx(), as_of="2024-09-01", trend_days=0, observed_until="2025-06-01")


def test_telco_churners_are_explicit(shared_datasets):
    telco = pd.read_csv(shared_datasets / "telco_churn" / "Telco-Customer-Churn.csv")
    t = churn.contract_churn_types(telco)
    assert len(t) == int((telco["Churn"] == "Yes").sum()) == 1869
    assert (t["visibility"] == "explicit").all()
    assert t["contract"].value_counts()["Month-to-month"] > 1500


def test_demo_small_runs():
    from mining import datasets
    ds = datasets.load("demo", size="small", random_state=0)
    t = churn.churn_types(ds.transactions, as_of="2025-07-05", observed_until=ds.as_of)
    assert len(t) > 20
    assert set(t["permanence"]) <= {"temporary", "permanent"}
    assert set(t["degree"]) <= set(churn.CHURN_DEGREES)


# --- churn types in the data there is (notebook 05) ---------------------------------------
def _typed_shop(churn_shop) -> pd.DataFrame:
    """a comes back on 2025-03-01, b declined and left, s stays; data end 2025-06-01."""
    d = pd.Timestamp
    return churn_shop([("s", "s0", d("2024-05-01"), 9.0), ("s", "s1", d("2024-10-01"), 9.0),
                       ("s", "s2", d("2025-05-31"), 9.0)])


def test_churn_types_in_data_uses_the_longest_return_window_that_fits(churn_shop):
    tx = _typed_shop(churn_shop)
    # room: 2024-09-01 + 90 days = 2024-11-30, data end 2025-06-01: 183 days, 90 wanted
    full = churn.churn_types_in_data(tx, as_of="2024-09-01", horizon_days=90, trend_days=60)
    pd.testing.assert_frame_equal(full, churn.churn_types(
        tx, as_of="2024-09-01", horizon_days=90, return_window_days=90, trend_days=60))
    assert list(full.columns) == list(churn.CHURN_TYPE_COLUMNS)
    assert full["permanence"].tolist() == ["permanent", "permanent"]  # a is back after 90 days
    longer = churn.churn_types_in_data(tx, as_of="2024-09-01", horizon_days=90,
                                       longest_return_days=365, trend_days=60)
    assert (longer["return_end"] == pd.Timestamp("2025-06-01")).all()  # 183 days, not 365
    assert longer["permanence"].tolist() == ["temporary", "permanent"]
    # a label window ending at the data end leaves no return window: an empty table, explained
    none = churn.churn_types_in_data(tx, as_of="2025-03-03", horizon_days=90)
    assert none.empty and list(none.columns) == list(churn.CHURN_TYPE_COLUMNS)
    assert churn.churn_types_in_words(none).startswith("No churn types: the label window ends")
    with pytest.raises(ParameterError, match="longest_return_days"):
        churn.churn_types_in_data(tx, as_of="2024-09-01", longest_return_days=0)
    with pytest.raises(ParameterError, match="chooses return_window_days itself"):
        churn.churn_types_in_data(tx, as_of="2024-09-01", return_window_days=30)


def test_churn_types_in_words_counts_permanence_and_degrees(churn_shop):
    from mining.errors import SchemaError

    tx = _typed_shop(churn_shop)
    t = churn.churn_types_in_data(tx, as_of="2024-09-01", horizon_days=90,
                                  longest_return_days=365, trend_days=60)
    text = churn.churn_types_in_words(t)
    assert text.startswith("2 churners: 50% came back within the 183-day return window")
    assert "for the 2 with enough history: 50% complete (完全流失), 50% initial" in text
    unknown = churn.churn_types_in_words(t.assign(degree="unknown"))
    assert unknown.endswith("None has enough history before leaving to judge a degree.")
    with pytest.raises(SchemaError, match="'return_end'"):
        churn.churn_types_in_words(t.drop(columns="return_end"))
