"""Tests of mining.value: RFM scores and segments, ABC/Pareto, heuristic CLV, CLV matrix."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pandas as pd
import pytest

from mining import value
from mining.errors import InsufficientDataError, ParameterError, SchemaError
from mining.features import customer_table
from mining.value import (
    CLV_CLASSES,
    RFM_ACTIONS,
    RFM_SEGMENTS,
    abc_classes,
    clv_matrix,
    clv_matrix_summary,
    customer_lifetime_value,
    pareto_curve,
    pareto_share,
    rfm_score_to_segment,
    rfm_scores,
    rfm_segment_summary,
)


def table(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    ids = pd.Index([chr(ord("a") + i) for i in range(n)], name="customer_id", dtype="string")
    return pd.DataFrame(cols, index=ids)


@pytest.fixture
def five() -> pd.DataFrame:
    return table(recency_days=[1.0, 10, 100, 50, 5], n_orders=[1, 2, 3, 4, 5],
                 monetary_total=[50.0, 40, 30, 20, 10])


# ------------------------------------------------------------------ RFM


def test_rfm_scores_on_hand_data(five):
    r = rfm_scores(five)
    assert r["r_score"].tolist() == [5, 3, 1, 2, 4]  # lower recency -> higher score
    assert r["f_score"].tolist() == [1, 2, 3, 4, 5]
    assert r["m_score"].tolist() == [5, 4, 3, 2, 1]
    assert r["rfm_code"].tolist() == ["515", "324", "133", "242", "451"]
    assert r["rfm_score"].tolist() == [11, 9, 7, 8, 10]
    assert r["fm_score"].tolist() == [3.0, 3.0, 3.0, 3.0, 3.0]
    assert r["rfm_segment"].astype(str).tolist() == ["loyal", "loyal", "at_risk", "at_risk",
                                                     "loyal"]
    assert list(r.index) == list(five.index) and r.index.name == "customer_id"
    assert r["r_score"].max() == 5  # every level is used: the table tells its bins
    assert list(r["rfm_segment"].cat.categories) == list(RFM_SEGMENTS)


def test_rfm_ten_customers_two_per_bin():
    X = table(recency_days=np.arange(10, 0, -1.0), n_orders=np.arange(1, 11),
              monetary_total=np.arange(1, 11) * 10.0)
    r = rfm_scores(X)
    assert r["r_score"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert r["f_score"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert r["rfm_segment"].astype(str).tolist()[-2:] == ["champions", "champions"]
    assert r["rfm_segment"].astype(str).tolist()[:2] == ["lost", "lost"]


def test_rfm_ties_do_not_break_qcut():
    X = table(recency_days=[7.0] * 6, n_orders=[1] * 6, monetary_total=[5.0] * 6)
    r = rfm_scores(X, bins=3)
    for c in ("r_score", "f_score", "m_score"):
        assert sorted(r[c]) == [1, 1, 2, 2, 3, 3]


@pytest.mark.parametrize(("r", "fm", "segment"), [
    (5, 5, "champions"), (4, 4, "champions"), (5, 4.5, "champions"),
    (5, 3, "loyal"), (4, 3.5, "loyal"), (3, 3, "loyal"), (3, 5, "loyal"),
    (5, 2, "potential_loyalist"), (4, 2.5, "potential_loyalist"),
    (5, 1, "new_customers"), (5, 1.5, "new_customers"),
    (4, 1, "promising"), (4, 1.5, "promising"),
    (3, 2, "need_attention"), (3, 2.5, "need_attention"),
    (3, 1, "about_to_sleep"), (3, 1.5, "about_to_sleep"), (2, 2, "about_to_sleep"),
    (2, 3, "at_risk"), (1, 3.5, "at_risk"),
    (2, 4, "cannot_lose_them"), (1, 5, "cannot_lose_them"),
    (2, 1, "hibernating"), (1, 2, "hibernating"), (1, 2.5, "hibernating"),
    (1, 1, "lost"), (1, 1.5, "lost"),
])
def test_segment_map(r, fm, segment):
    assert rfm_score_to_segment(r, fm) == segment


def test_every_segment_reachable_and_has_an_action():
    found = {rfm_score_to_segment(r, (f + m) / 2) for r in range(1, 6) for f in range(1, 6)
             for m in range(1, 6)}
    assert found == set(RFM_SEGMENTS)
    assert set(RFM_ACTIONS) == set(RFM_SEGMENTS)


@pytest.mark.parametrize(("bins", "r", "fm", "segment"), [
    (3, 3, 3, "champions"),   # rescaled to 5, 5
    (3, 2, 2, "loyal"),       # 3, 3
    (3, 1, 1, "lost"),
    (3, 3, 1, "new_customers"),
    (10, 10, 10, "champions"),
    (10, 1, 10, "cannot_lose_them"),
    (10, 6, 5.5, "loyal"),  # R 1 + 5 * 4/9 = 3.2 -> row 3; FM 1 + 4.5 * 4/9 = 3.0
    (10, 6, 5, "need_attention"),  # FM 1 + 4 * 4/9 = 2.8
])
def test_segment_map_rescales_other_bins(bins, r, fm, segment):
    assert rfm_score_to_segment(r, fm, bins=bins) == segment


def test_rfm_bins_three_end_to_end():
    X = table(recency_days=[5.0, 50, 500], n_orders=[9, 3, 1], monetary_total=[900.0, 200, 10])
    r = rfm_scores(X, bins=3)
    assert r["rfm_code"].tolist() == ["333", "222", "111"]
    assert r["rfm_segment"].astype(str).tolist() == ["champions", "loyal", "lost"]


def test_rfm_code_with_many_bins():
    n = 12
    X = table(recency_days=np.arange(n, 0, -1.0), n_orders=np.arange(1, n + 1),
              monetary_total=np.arange(1, n + 1) * 1.0)
    r = rfm_scores(X, bins=12)
    assert r["rfm_code"].iloc[-1] == "12-12-12" and r["rfm_code"].iloc[0] == "1-1-1"


def test_rfm_errors(five):
    with pytest.raises(ParameterError, match="'bins' parameter of rfm_scores"):
        rfm_scores(five, bins=1)
    with pytest.raises(ParameterError, match="bins"):
        rfm_scores(five, bins=2.5)
    with pytest.raises(InsufficientDataError, match="cannot fill"):
        rfm_scores(five, bins=6)
    with pytest.raises(SchemaError) as err:
        rfm_scores(five.drop(columns=["n_orders", "monetary_total"]))
    assert len(err.value.problems) == 2
    with pytest.raises(SchemaError, match="missing values"):
        rfm_scores(five.assign(recency_days=[1.0, np.nan, 3, 4, 5]))
    with pytest.raises(ParameterError, match="DataFrame"):
        rfm_scores([1, 2])  # type: ignore[arg-type]


def test_rfm_segment_summary():
    X = table(recency_days=np.arange(10, 0, -1.0), n_orders=np.arange(1, 11),
              monetary_total=np.arange(1, 11) * 10.0)
    s = rfm_segment_summary(rfm_scores(X))
    assert s.index.name == "rfm_segment"
    assert list(s.index) == [seg for seg in RFM_SEGMENTS if seg in s.index]
    assert s["customers"].sum() == 10 and s["share"].sum() == pytest.approx(1.0)
    assert s["revenue_share"].sum() == pytest.approx(1.0)
    # scores (4, 4, 4) and (5, 5, 5): R >= 4 and FM >= 4
    assert s.loc["champions", "customers"] == 4
    assert s.loc["champions", "revenue"] == 340.0
    assert s.loc["champions", "monetary_mean"] == 85.0
    assert s.loc["lost", "recency_days_mean"] == 9.5
    assert s["action"].str.len().gt(10).all()


# ------------------------------------------------------------------ ABC and Pareto


def test_abc_classes_hand():
    X = table(monetary_total=[5.0, 60, 10, 25])
    a = abc_classes(X)
    assert list(a.index) == ["b", "d", "c", "a"]
    assert a["rank"].tolist() == [1, 2, 3, 4]
    assert a["revenue"].tolist() == [60.0, 25, 10, 5]
    assert a["cum_share_revenue"].tolist() == pytest.approx([0.6, 0.85, 0.95, 1.0])
    assert a["cum_share_customers"].tolist() == pytest.approx([0.25, 0.5, 0.75, 1.0])
    # the customer crossing 80% is still A; the one reaching exactly 95% is B
    assert a["abc_class"].tolist() == ["A", "A", "B", "C"]
    # the cutoffs travel with the rows: the cumulative share that closes each class
    assert a["class_limit"].tolist() == [0.8, 0.8, 0.95, 1.0]


def test_abc_one_dominant_customer_and_custom_cutoffs():
    X = table(monetary_total=[90.0, 5, 5])
    assert abc_classes(X)["abc_class"].tolist() == ["A", "B", "C"]
    X = table(monetary_total=[40.0, 30, 20, 10])
    assert abc_classes(X, cutoffs=(0.5,))["abc_class"].tolist() == ["A", "A", "B", "B"]
    assert abc_classes(X, cutoffs=(0.3, 0.6, 0.9))["abc_class"].tolist() == ["A", "B", "C", "D"]
    assert abc_classes(X, cutoffs=(0.8, 1.0))["abc_class"].tolist() == ["A", "A", "A", "B"]


def test_abc_ties_broken_by_customer_id():
    X = table(monetary_total=[10.0, 10, 10, 10])
    assert list(abc_classes(X).index) == ["a", "b", "c", "d"]


@pytest.mark.parametrize("bad", [(0.95, 0.8), (0.0, 0.5), (0.8, 1.2), (), (0.5, 0.5), "ab",
                                 (0.8, None)])
def test_abc_bad_cutoffs(bad):
    with pytest.raises(ParameterError, match="'cutoffs' parameter of abc_classes"):
        abc_classes(table(monetary_total=[1.0, 2]), cutoffs=bad)


def test_abc_and_pareto_bad_revenue():
    with pytest.raises(InsufficientDataError, match="total"):
        abc_classes(table(monetary_total=[0.0, 0.0]))
    with pytest.raises(SchemaError, match="negative"):
        pareto_curve(table(monetary_total=[-1.0, 3.0]))
    with pytest.raises(SchemaError, match="'spend'"):
        abc_classes(table(monetary_total=[1.0]), column="spend")


def test_pareto_curve_and_share():
    X = table(monetary_total=[10.0, 60, 30])
    c = pareto_curve(X)
    assert c["share_customers"].tolist() == pytest.approx([0, 1 / 3, 2 / 3, 1])
    assert c["share_revenue"].tolist() == pytest.approx([0, 0.6, 0.9, 1.0])
    assert pareto_share(X, top=0.5) == pytest.approx(0.6 + 0.5 * 0.3)  # 1.5 customers
    assert pareto_share(X, top=1.0) == pytest.approx(1.0)
    Y = table(monetary_total=[80.0, 5, 5, 5, 5])
    assert pareto_share(Y) == pytest.approx(0.8)
    for bad in (0, 1.5, -0.1, "x"):
        with pytest.raises(ParameterError, match="'top' parameter of pareto_share"):
            pareto_share(Y, top=bad)


# ------------------------------------------------------------------ CLV


def annuity(months: int, rate: float) -> float:
    d = (1 + rate) ** (1 / 12) - 1
    return sum(1 / (1 + d) ** t for t in range(1, months + 1))


@pytest.fixture
def clv_features() -> pd.DataFrame:
    month = 365.25 / 12
    # a: a year of tenure, 12 orders of 100, just bought, buys every 30 days
    # b: 15 days of tenure (counts as one month), one order of 100, 15 days ago, no gap of its own
    # c: 2 years, 3 orders, 600 spent, 60 days silent; no ipt column value -> 730.5 / 2 days
    return table(recency_days=[0.0, 15.0, 60.0], tenure_days=[365.25, 15.0, 24 * month],
                 n_orders=[12, 1, 3], monetary_total=[1200.0, 100.0, 600.0],
                 ipt_median_days=[30.0, np.nan, np.nan])


def test_clv_hand_example(clv_features):
    v = customer_lifetime_value(clv_features, as_of="2024-01-01")
    A = annuity(12, 0.1)
    # the annuity factor, read back as documented
    implied = v["future_value"] / (0.3 * v["avg_order_value"] * v["orders_per_month"]
                                   * v["p_active"])
    assert implied.tolist() == pytest.approx([A] * 3)
    a, b, c = v.loc["a"], v.loc["b"], v.loc["c"]
    # a
    assert a["tenure_months"] == pytest.approx(12.0)
    assert a["orders_per_month"] == pytest.approx(1.0)
    assert a["avg_order_value"] == pytest.approx(100.0)
    assert a["current_value"] == pytest.approx(0.3 * 1200)  # profit earned to date
    assert a["annual_profit"] == pytest.approx(0.3 * 1200)  # a year of tenure
    assert a["gap_days"] == 30.0 and a["p_active"] == 1.0
    assert a["expected_orders"] == pytest.approx(12.0)
    assert a["future_value"] == pytest.approx(0.3 * 100 * 1.0 * A)
    # b: one month floor; gap = median of the others' gaps (30 and 730.5 / 2)
    gap_c = 24 * 365.25 / 12 / 2
    gap_b = (30.0 + gap_c) / 2
    assert b["tenure_months"] == pytest.approx(1.0)
    assert b["current_value"] == pytest.approx(0.3 * 100)
    assert b["annual_profit"] == pytest.approx(0.3 * 100 * 12)
    assert b["gap_days"] == pytest.approx(gap_b)
    assert b["p_active"] == pytest.approx(math.exp(-15 / gap_b))
    assert b["expected_orders"] == pytest.approx(12 * math.exp(-15 / gap_b))
    assert b["future_value"] == pytest.approx(0.3 * 100 * 1.0 * math.exp(-15 / gap_b) * A)
    # c
    assert c["gap_days"] == pytest.approx(gap_c)
    assert c["orders_per_month"] == pytest.approx(3 / 24)
    assert c["current_value"] == pytest.approx(0.3 * 600)
    assert c["annual_profit"] == pytest.approx(0.3 * 600 / 2)
    assert c["future_value"] == pytest.approx(0.3 * 200 * (3 / 24) * math.exp(-60 / gap_c) * A)
    # issue 18: CLV as taught, current value (profit earned) + future value
    assert v["clv"].tolist() == pytest.approx((v["current_value"] + v["future_value"]).tolist())
    assert v["p_active"].between(0, 1).all()


def test_clv_no_discount_and_halflife(clv_features):
    v = customer_lifetime_value(clv_features, as_of="2024-01-01", annual_discount_rate=0.0,
                                horizon_months=6, margin=0.5, churn_halflife_days=15)
    assert v.loc["a", "future_value"] == pytest.approx(0.5 * 100 * 1 * 1 * 6.0)  # A = 6
    assert v["p_active"].tolist() == pytest.approx([1.0, 0.5, 0.5 ** 4])
    assert v.loc["b", "future_value"] == pytest.approx(0.5 * 100 * 1 * 0.5 * 6)
    assert v.loc["b", "expected_orders"] == pytest.approx(1 * 6 * 0.5)


def test_clv_from_customer_table_checks_as_of():
    tx = pd.DataFrame({
        "customer_id": ["a", "a", "b"], "order_id": ["1", "2", "3"],
        "timestamp": pd.to_datetime(["2024-01-01", "2024-01-31", "2024-02-10"]),
        "product_id": "p", "quantity": 1.0, "unit_price": [10.0, 20.0, 5.0]})
    X = customer_table(tx, as_of="2024-03-01")
    v = customer_lifetime_value(X, as_of="2024-03-01")
    assert v.loc["a", "gap_days"] == 30.0
    with pytest.raises(ParameterError, match="the date the features were computed at"):
        customer_lifetime_value(X, as_of="2024-06-01")


@pytest.mark.parametrize(("kw", "name"), [
    ({"as_of": None}, "as_of"), ({"as_of": "nope"}, "as_of"),
    ({"horizon_months": 0}, "horizon_months"), ({"horizon_months": 1.5}, "horizon_months"),
    ({"margin": 0}, "margin"), ({"margin": 1.5}, "margin"),
    ({"annual_discount_rate": -0.1}, "annual_discount_rate"),
    ({"annual_discount_rate": float("inf")}, "annual_discount_rate"),
    ({"churn_halflife_days": 0}, "churn_halflife_days"),
])
def test_clv_bad_parameters(clv_features, kw, name):
    kwargs = {"as_of": "2024-01-01", **kw}
    with pytest.raises(ParameterError, match=f"'{name}' parameter of customer_lifetime_value"):
        customer_lifetime_value(clv_features, **kwargs)


def test_clv_missing_columns(clv_features):
    with pytest.raises(SchemaError, match="tenure_days"):
        customer_lifetime_value(clv_features.drop(columns="tenure_days"), as_of="2024-01-01")


# ------------------------------------------------------------------ CLV matrix


def test_clv_matrix_classes_and_splits():
    v = table(current_value=[1.0, 1, 9, 9, 5], future_value=[1.0, 9, 1, 9, 5])
    m = clv_matrix(v)
    assert m["clv_class"].astype(str).tolist() == ["lead", "iron", "gold", "platinum", "lead"]
    assert m["value_level"].tolist() == ["low", "low", "high", "high", "low"]
    assert m["growth_level"].tolist() == ["low", "high", "low", "high", "low"]
    assert m["clv_class_zh"].tolist()[:4] == ["铅质客户", "铁质客户", "黄金客户", "白金客户"]
    assert m["value_split"].eq(5.0).all() and m["growth_split"].eq(5.0).all()
    assert value.clv_matrix_splits(m) == (5.0, 5.0)
    assert list(m["clv_class"].cat.categories) == list(CLV_CLASSES)
    m2 = clv_matrix(v, value_split=0.5, growth_split=8)
    assert m2["clv_class"].astype(str).tolist() == ["gold", "platinum", "gold", "platinum",
                                                    "gold"]
    assert value.clv_matrix_splits(m2) == (0.5, 8.0)
    # the splits are columns, so they survive what pandas does to attrs (concat, filters)
    both = pd.concat([m.iloc[:2], m2.iloc[2:]])
    assert both["value_split"].tolist() == [5.0, 5.0, 0.5, 0.5, 0.5]
    assert "clv_class" not in v.columns  # input untouched


def test_clv_matrix_custom_columns_and_errors():
    v = table(spend=[1.0, 2, 3, 4], clv=[4.0, 3, 2, 1])
    m = clv_matrix(v, value_col="spend", growth_col="clv")
    assert m["clv_class"].astype(str).tolist() == ["iron", "iron", "gold", "gold"]
    with pytest.raises(SchemaError, match="current_value"):
        clv_matrix(v)
    with pytest.raises(ParameterError, match="'value_split' parameter of clv_matrix"):
        clv_matrix(v, value_col="spend", growth_col="clv", value_split="high")
    # the summary is told the columns the matrix was built from, and checks them
    s = clv_matrix_summary(m, value_col="spend", growth_col="clv")
    assert s["customers"].tolist() == [0, 2, 2, 0]
    assert s.loc["gold", "current_value_mean"] == pytest.approx(3.5)
    m3 = m.assign(current_value=[9.0, 9, 0, 0], future_value=[0.0, 0, 0, 0])
    with pytest.raises(ParameterError, match="'value_col' parameter of clv_matrix_splits"):
        clv_matrix_summary(m3)


def test_clv_matrix_summary():
    v = table(current_value=[1.0, 1, 9, 9, 5, 3], future_value=[1.0, 9, 1, 9, 5, 7])
    s = clv_matrix_summary(clv_matrix(v))  # splits (medians): value 4, growth 6
    assert list(s.index) == list(CLV_CLASSES) and s.index.name == "clv_class"
    # lead (1, 1); iron (1, 9), (3, 7); gold (9, 1), (5, 5); platinum (9, 9)
    assert s["customers"].tolist() == [1, 2, 2, 1]
    assert s["share"].sum() == pytest.approx(1.0)
    assert s.loc["iron", "current_value_mean"] == pytest.approx(2.0)
    assert s.loc["iron", "future_value_mean"] == pytest.approx(8.0)
    assert s.loc["gold", "current_value_mean"] == pytest.approx(7.0)
    assert s.loc["gold", "name_zh"] == "黄金客户"
    assert s["treatment"].str.len().gt(10).all()


def test_summary_keeps_empty_classes():
    v = table(current_value=[1.0, 1], future_value=[1.0, 1])
    s = clv_matrix_summary(clv_matrix(v))
    assert s["customers"].tolist() == [2, 0, 0, 0]
    assert math.isnan(s.loc["platinum", "current_value_mean"])


def test_end_to_end_and_doctests():
    rng = np.random.default_rng(1)
    rows = []
    for i in range(30):
        for k in range(int(rng.integers(1, 6))):
            rows.append({"customer_id": f"c{i}", "order_id": f"c{i}-{k}",
                         "timestamp": pd.Timestamp("2024-01-01")
                         + pd.Timedelta(days=int(rng.integers(0, 300))),
                         "product_id": "p", "quantity": 1.0,
                         "unit_price": float(rng.uniform(5, 100))})
    X = customer_table(pd.DataFrame(rows), as_of="2024-11-01")
    r = rfm_scores(X)
    assert r.index.equals(X.index)
    m = clv_matrix(customer_lifetime_value(X, as_of="2024-11-01"))
    assert m.index.equals(X.index) and m["clv_class"].notna().all()
    assert abc_classes(X)["abc_class"].isin(["A", "B", "C"]).all()
    opts = doctest.NORMALIZE_WHITESPACE
    assert doctest.testmod(value, optionflags=opts).failed == 0
