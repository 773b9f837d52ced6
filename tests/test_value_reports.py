"""Issue 18 for notebook 01: the findings of the customer-value analysis, its action list, one
definition of CLV, and the new figures of notebook 07 (tracking plot, purchase-count histogram).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from mining import clv, value
from mining.errors import ParameterError
from mining.findings import Findings
from mining.plots import clv as clv_plots


def shop(spend: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """A customer table with the given revenue per customer (recency, tenure and orders drawn)."""
    rng = np.random.default_rng(seed)
    n = len(spend)
    orders = rng.integers(1, 12, n)
    return pd.DataFrame({
        "recency_days": rng.uniform(0, 400, n), "tenure_days": rng.uniform(400, 700, n),
        "n_orders": orders, "monetary_total": spend.astype(float)},
        index=pd.Index([f"{i:04d}" for i in range(n)], name="customer_id"))


def analyse(table: pd.DataFrame, **kw):
    rfm = value.rfm_scores(table)
    abc = value.abc_classes(table)
    matrix = value.clv_matrix(value.customer_lifetime_value(table, as_of="2025-01-01"))
    return rfm, abc, matrix, value.findings(rfm, abc, matrix, **kw)


def test_findings_call_a_planted_80_20_shop_concentrated():
    # planted: the top 20% of 500 customers bring 90% of revenue
    spend = np.r_[np.full(100, 900.0), np.full(400, 25.0)]
    rfm, abc, matrix, f = analyse(shop(spend), currency="CHF")
    assert isinstance(f, Findings) and 3 <= len(f.headline) <= 5
    figures = {h.label: h for h in f.headline}
    top = figures["Revenue from the top 20% of customers"]
    assert top.value == pytest.approx(0.9)
    assert f.verdict.startswith("Revenue is highly concentrated")
    assert figures["Customers"].value == 500
    n_a = figures["Class A customers"].value
    assert n_a == (abc["abc_class"] == "A").sum() and n_a <= 100
    clv_total = figures["Customer lifetime value (earned + next 12 months)"]
    assert clv_total.value == pytest.approx(matrix["clv"].sum())
    assert clv_total.text(currency=f.currency).startswith("CHF ")
    assert f"{n_a:,} class-A customers" in f.recommendation
    assert all(h.note for h in f.headline)  # every figure says which table it comes from


def test_findings_call_an_even_shop_spread():
    # planted: everybody spends about the same, the top 20% bring about 20%
    spend = np.random.default_rng(3).uniform(95, 105, 400)
    *_, f = analyse(shop(spend))
    assert f.headline[1].value == pytest.approx(0.2, abs=0.02)
    assert f.verdict.startswith("Revenue is spread")
    assert "80/20" in f.verdict


def test_findings_in_between_and_planted_segments():
    spend = np.r_[np.full(100, 300.0), np.full(400, 50.0)]  # top 20%: 60%
    table = shop(spend)
    planted = pd.Series(np.where(np.arange(500) < 100, "champions", "one_timers"),
                        index=table.index)
    *_, f = analyse(table, planted=planted)
    assert f.verdict.startswith("Revenue is concentrated, less than the 80/20 rule says")
    assert any(d.startswith("Planted vs found (demo)") and "planted champions" in d
               for d in f.details)
    with pytest.raises(ParameterError):
        value.findings(*analyse(table)[:3], top=1.5)


def test_clv_is_current_plus_future_in_01():
    t = shop(np.r_[np.full(10, 500.0), np.full(40, 20.0)])
    v = value.customer_lifetime_value(t, as_of="2025-01-01", margin=0.25)
    np.testing.assert_allclose(v["current_value"], 0.25 * t["monetary_total"])
    np.testing.assert_allclose(v["clv"], v["current_value"] + v["future_value"])
    # the CLV matrix still crosses current value (x) with future value (y), not clv
    m = value.clv_matrix(v)
    assert (m["value_level"] == np.where(v["current_value"] > v["current_value"].median(),
                                         "high", "low")).all()
    assert (m["growth_level"] == np.where(v["future_value"] > v["future_value"].median(),
                                          "high", "low")).all()


def test_customer_actions_of_01_documented_sorted_and_text_ids():
    t = shop(np.r_[np.full(20, 500.0), np.full(80, 20.0)])
    rfm, abc, matrix, _ = analyse(t)
    a = value.customer_actions(rfm, abc, matrix)
    assert set(a.columns) | {"customer_id"} == set(value.ACTION_COLUMNS)
    assert len(a) == len(t) and a["clv"].is_monotonic_decreasing
    assert a.index.name == "customer_id" and a.index[0].startswith("00")
    assert a.loc[a.index[0], "treatment"] == value.CLV_TREATMENTS[a["clv_class"].iloc[0]]
    assert (a["revenue"].sort_index() == t["monetary_total"].sort_index()).all()


# ---------------------------------------------------------------- figures of notebook 07


def test_plot_cumulative_and_period_purchases():
    rng = np.random.default_rng(0)
    rows = []
    for i in range(300):
        t = pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(rng.integers(0, 60)))
        for k in range(int(rng.integers(1, 6))):
            rows.append({"customer_id": f"c{i}", "timestamp": t + pd.Timedelta(days=40 * k),
                         "quantity": 1.0, "unit_price": 10.0})
    tx = pd.DataFrame(rows)
    s = clv.calibration_summary(tx, as_of="2024-06-01", holdout_end="2024-08-01")
    m = clv.fit_bgnbd(s)
    fig = clv_plots.plot_cumulative_purchases(clv.cumulative_purchases(tx, m, as_of="2024-06-01"))
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["actual", "BG/NBD expected"]
    assert "holdout" in ax.get_title()
    plt.close(fig)
    pp = clv.period_purchases(s, m)
    fig = clv_plots.plot_period_purchases(pp)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "7+"
    assert len(ax.patches) == 2 * len(pp.table)
    plt.close(fig)
    fig = clv_plots.plot_holdout_check(clv.holdout_check(s, clv.fit_bgnbd(s, variant="mbgnbd")))
    assert "MBG/NBD prediction" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    plt.close(fig)
    with pytest.raises(ParameterError):
        clv_plots.plot_cumulative_purchases(pp.table)
    with pytest.raises(ParameterError):
        clv_plots.plot_period_purchases(s)


def test_clv_matrix_legend_is_outside_the_data():
    t = shop(np.r_[np.full(200, 500.0), np.full(1800, 20.0)])
    m = value.clv_matrix(value.customer_lifetime_value(t, as_of="2025-01-01"))
    from mining.plots import value as value_plots

    fig = value_plots.plot_clv_matrix(m, currency="EUR")
    fig.canvas.draw()
    ax = fig.axes[0]
    legend = ax.get_legend().get_window_extent()
    assert legend.x0 >= ax.get_window_extent().x1  # right of the axes, not over the points
    assert "EUR" in ax.get_xlabel() and "EUR" in ax.get_ylabel()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert labels and not any("$" in t for t in labels)  # plain amounts, not 10^x
    assert not ax.yaxis.get_minor_ticks() or not any(
        t.label1.get_text() for t in ax.yaxis.get_minor_ticks())
    plt.close(fig)
