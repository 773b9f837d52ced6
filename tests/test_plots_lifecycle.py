"""Tests of mining.plots.lifecycle: the lifecycle-curve figures draw what their tables hold."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import mining.plots
from mining import lifecycle
from mining.errors import ParameterError, SchemaError
from mining.plots import lifecycle as lplots

# every test: plot functions never call plt.show() and leave rcParams as they were (conftest)
pytestmark = pytest.mark.usefixtures("plot_guard")


def _tx() -> pd.DataFrame:
    """Six customers: 2 long retained, 2 early deaths, 1 mid-way abort, 1 too young (as of
    2025-06-01, silence 120 days, early 180 days, tenure 365 days)."""
    d = pd.Timestamp
    rows = []

    def orders(cid: str, dates: list[str], price: float) -> None:
        for i, t in enumerate(dates):
            rows.append((cid, f"{cid}{i}", d(t), price))

    orders("a", [f"2024-{m:02d}-10" for m in range(1, 13)] + ["2025-03-10", "2025-05-10"], 10.0)
    orders("b", ["2024-02-05", "2024-08-05", "2025-04-05"], 40.0)
    orders("c", ["2024-01-20"], 30.0)
    orders("d", ["2024-03-03", "2024-04-03"], 20.0)
    orders("e", ["2024-01-15", "2024-05-15", "2024-09-15", "2024-11-15"], 25.0)
    orders("f", ["2025-02-01", "2025-05-01"], 15.0)
    tx = pd.DataFrame(rows, columns=["customer_id", "order_id", "timestamp", "unit_price"])
    return tx.assign(quantity=1.0, product_id="p")


AS_OF = "2025-06-01"


@pytest.fixture(scope="module")
def tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    tx = _tx()
    return (lifecycle.profit_curves(tx, as_of=AS_OF),
            lifecycle.lifecycle_curve_types(tx, as_of=AS_OF))


def test_the_fixture_has_every_type(tables):
    _, types = tables
    assert types["curve_type"].fillna("too young").tolist() == [
        "long_retained", "long_retained", "early_death", "early_death", "midway_abort",
        "too young"]


def test_lifecycle_curves_draw_one_bold_archetype_per_type_over_the_sample(tables):
    curves, types = tables
    fig = lplots.plot_lifecycle_curves(curves, types, n_sample=1, min_customers=1, zh=False)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    lines = ax.get_lines()
    thin = [ln for ln in lines if ln.get_linewidth() < 1]
    bold = [ln for ln in lines if ln.get_linewidth() > 2]
    assert len(thin) == 3 and len(bold) == 3  # one sampled customer per type, three archetypes
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["long retained: mean of 2 customers", "early death: mean of 2 customers",
                      "midway abort: mean of 1 customers"]
    # the archetype of the long-retained is the month-by-month mean of a and b
    want = curves.loc[["a", "b"]].mean()
    np.testing.assert_allclose(bold[0].get_ydata(), want.to_numpy(float), equal_nan=True)
    assert ax.get_xlabel().startswith("relationship month")
    assert ax.get_ylabel() == "margin per month (EUR)"


def test_lifecycle_curves_options(tables):
    curves, types = tables
    # the median; months with fewer than min_customers customers of the type are left out
    ax = lplots.plot_lifecycle_curves(curves, types, statistic="median", n_sample=0,
                                      min_customers=2, currency="USD").axes[0]
    assert len(ax.get_lines()) == 3 and ax.get_ylabel() == "margin per month (USD)"
    midway = ax.get_lines()[2].get_ydata()
    assert np.isnan(midway).all()  # one customer only
    early = ax.get_lines()[1].get_ydata()
    np.testing.assert_allclose(early[:3], curves.loc[["c", "d"]].median().to_numpy()[:3])
    # the same seed draws the same sample, the sample never exceeds the type
    a = lplots.plot_lifecycle_curves(curves, types, n_sample=5, random_state=3).axes[0]
    b = lplots.plot_lifecycle_curves(curves, types, n_sample=5, random_state=3).axes[0]
    assert len(a.get_lines()) == 5 + 3  # 2 + 2 + 1 customers, then the archetypes
    for la, lb in zip(a.get_lines(), b.get_lines(), strict=True):
        np.testing.assert_array_equal(la.get_ydata(), lb.get_ydata())
    zh = lplots.plot_lifecycle_curves(curves, types, n_sample=0, zh=True).axes[0]
    assert "长久保持型" in zh.get_legend().get_texts()[0].get_text()


def test_lifecycle_curves_refuse_bad_input(tables):
    curves, types = tables
    with pytest.raises(SchemaError, match="'curve_type'"):
        lplots.plot_lifecycle_curves(curves, types.drop(columns="curve_type"))
    with pytest.raises(ParameterError, match="'curve_type' has unknown values"):
        lplots.plot_lifecycle_curves(curves, types.assign(curve_type="loyal"))
    with pytest.raises(ParameterError, match="'statistic' parameter"):
        lplots.plot_lifecycle_curves(curves, types, statistic="mode")
    with pytest.raises(ParameterError, match="'n_sample' parameter"):
        lplots.plot_lifecycle_curves(curves, types, n_sample=-1)
    with pytest.raises(ParameterError, match="'zh' parameter"):
        lplots.plot_lifecycle_curves(curves, types, zh="yes")
    with pytest.raises(ParameterError, match="DataFrame"):
        lplots.plot_lifecycle_curves(curves.to_numpy(), types)


def test_curve_type_cohorts_bars_are_the_shares_of_each_cohort(tables):
    _, types = tables
    fig = lplots.plot_curve_type_cohorts(types, zh=False)
    ax = fig.axes[0]
    cohorts = [t.get_text() for t in ax.get_xticklabels()]
    assert cohorts == ["2024Q1", "2025Q1"]  # a to e joined in 2024Q1, f in 2025Q1
    first = types[types["cohort"] == "2024Q1"]["curve_type"].fillna("x")
    assert len(first) == 5
    heights = {c.get_label(): [p.get_height() for p in c.patches] for c in ax.containers}
    assert list(heights) == ["long retained", "early death", "midway abort",
                             "not yet typed (too young)"]
    for label, kind in (("long retained", "long_retained"), ("early death", "early_death"),
                        ("midway abort", "midway_abort")):
        assert heights[label][0] == pytest.approx(100 * (first == kind).mean())
        assert heights[label][1] == 0
    assert heights["not yet typed (too young)"] == [0, 100]
    assert [t.get_text() for t in ax.texts] == [f"n={len(first)}", "n=1"]
    typed = lplots.plot_curve_type_cohorts(types, include_untyped=False).axes[0]
    assert [t.get_text() for t in typed.get_xticklabels()] == ["2024Q1"]  # f has no type
    assert len(typed.containers) == 3


def test_curve_type_cohorts_in_time_order_and_bad_input():
    types = pd.DataFrame({"curve_type": ["early_death", "long_retained", "early_death"],
                          "cohort": ["2025Q1", "2023Q4", "2024Q2"]})
    ax = lplots.plot_curve_type_cohorts(types).axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2023Q4", "2024Q2", "2025Q1"]
    with pytest.raises(SchemaError, match="'cohort'"):
        lplots.plot_curve_type_cohorts(types.drop(columns="cohort"))
    with pytest.raises(ParameterError, match="'cohort' has missing"):
        lplots.plot_curve_type_cohorts(types.assign(cohort=[None, "2023Q4", "2024Q2"]))


def test_registered_in_mining_plots():
    assert "lifecycle" in mining.plots.SUBMODULES
    assert mining.plots.plot_lifecycle_curves is lplots.plot_lifecycle_curves
    assert mining.plots.plot_curve_type_cohorts is lplots.plot_curve_type_cohorts
