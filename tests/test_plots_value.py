"""Tests of mining.plots.value: every figure returns a Figure with the expected axes and labels."""

from __future__ import annotations

import matplotlib  # the Agg backend is chosen in conftest.py (MPLBACKEND)
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from mining import plots, value
from mining.errors import ParameterError, SchemaError
from mining.plots.value import (
    plot_abc_classes,
    plot_clv_matrix,
    plot_pareto_curve,
    plot_rfm_heatmap,
    plot_rfm_segments,
)

# every test: plot functions never call plt.show() and leave rcParams as they were (conftest)
pytestmark = pytest.mark.usefixtures("plot_guard")


@pytest.fixture(scope="module")
def X() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 60
    ids = pd.Index([f"c{i:02d}" for i in range(n)], name="customer_id", dtype="string")
    n_orders = rng.integers(1, 12, n)
    return pd.DataFrame({
        "recency_days": rng.uniform(1, 300, n),
        "tenure_days": rng.uniform(300, 700, n),
        "n_orders": n_orders,
        "monetary_total": n_orders * rng.gamma(2.0, 30.0, n),
        "ipt_median_days": np.where(n_orders > 1, rng.uniform(10, 90, n), np.nan),
    }, index=ids)


def test_backend_is_headless():
    assert matplotlib.get_backend().lower() == "agg"


def test_rfm_heatmap(X):
    rfm = value.rfm_scores(X)
    fig = plot_rfm_heatmap(rfm)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "F score (frequency)" and ax.get_ylabel() == "R score (recency)"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["5", "4", "3", "2", "1"]
    assert "mean monetary_total" in ax.get_title()
    assert len(fig.axes) == 2  # the heat map and its colour bar
    counts = plot_rfm_heatmap(rfm, value="count").axes[0]
    numbers = [int(t.get_text().replace(",", "")) for t in counts.texts]
    assert sum(numbers) == len(X)
    with pytest.raises(SchemaError, match="nope"):
        plot_rfm_heatmap(rfm, value="nope")
    # a filtered table keeps the full grid when told its bins
    top = rfm[(rfm["r_score"] <= 3) & (rfm["f_score"] <= 3)]
    assert len(plot_rfm_heatmap(top).axes[0].get_yticklabels()) == 3
    assert len(plot_rfm_heatmap(top, bins=5).axes[0].get_yticklabels()) == 5
    with pytest.raises(ParameterError, match="'bins' parameter of plot_rfm_heatmap"):
        plot_rfm_heatmap(rfm, bins=1)


def test_rfm_segments(X):
    rfm = value.rfm_scores(X)
    fig = plot_rfm_segments(rfm)
    ax = fig.axes[0]
    summary = value.rfm_segment_summary(rfm)
    ticks = sorted(zip(ax.get_yticks(), [t.get_text() for t in ax.get_yticklabels()],
                       strict=True), reverse=True)
    assert [t for _, t in ticks] == [s.replace("_", " ") for s in summary.index]  # best on top
    assert ax.get_xlabel() == "percent"
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {"share of customers",
                                                                    "share of revenue"}
    assert len(ax.patches) == 2 * len(summary)
    # the summary table is accepted too
    assert isinstance(plot_rfm_segments(summary), Figure)


def test_pareto_curve_from_features_or_curve(X):
    fig = plot_pareto_curve(X)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "share of customers (%)"
    assert ax.get_ylabel() == "share of revenue (%)"
    share = 100 * value.pareto_share(X, top=0.2)
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"top 20% -> {share:.0f}% of revenue" in texts and "equal shares" in texts
    fig2 = plot_pareto_curve(value.pareto_curve(X), mark=None)
    assert len(fig2.axes[0].get_legend().get_texts()) == 2
    with pytest.raises(ParameterError, match="mark"):
        plot_pareto_curve(X, mark=2)
    with pytest.raises(SchemaError):
        plot_pareto_curve(pd.DataFrame({"x": [1.0]}))


def test_abc_classes(X):
    abc = value.abc_classes(X)
    fig = plot_abc_classes(abc)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "cumulative share of customers (%)"
    assert ax.get_ylabel() == "cumulative share of revenue (%)"
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert [t[0] for t in texts] == ["A", "B", "C"]
    cutoff_lines = [ln for ln in ax.get_lines() if ln.get_linestyle() == ":"]
    assert sorted(ln.get_ydata()[0] for ln in cutoff_lines) == pytest.approx([80, 95])


@pytest.mark.parametrize("log", [True, False])
def test_clv_matrix(X, log):
    m = value.clv_matrix(value.customer_lifetime_value(X, as_of="2024-01-01"))
    fig = plot_clv_matrix(m, log=log)
    ax = fig.axes[0]
    assert ax.get_xlabel().startswith("current value (current_value)")
    assert ax.get_ylabel().startswith("future value (future_value)")
    assert ax.get_xscale() == ("log" if log else "linear")
    quadrant = {t.get_text() for t in ax.texts}
    assert quadrant == {"lead", "iron", "gold", "platinum"}
    legend = [t.get_text().split()[0] for t in ax.get_legend().get_texts()]
    assert legend == [c for c in value.CLV_CLASSES if (m["clv_class"] == c).any()]
    xs = [ln.get_xdata()[0] for ln in ax.get_lines()]
    assert m["value_split"].iloc[0] in xs
    # built from other columns: the plot is told them, and checks them
    other = value.clv_matrix(m.assign(spend=m["monetary_total"]), value_col="spend")
    ax2 = plot_clv_matrix(other, value_col="spend", log=log).axes[0]
    assert ax2.get_xlabel().startswith("current value (spend)")
    with pytest.raises(ParameterError, match="value_col"):
        plot_clv_matrix(other.assign(current_value=-other["spend"]))


def test_clv_matrix_draws_amounts_below_a_cent_at_a_cent():
    m = value.clv_matrix(pd.DataFrame({"current_value": [0.0, 1, 10, 100],
                                       "future_value": [1e-40, 0, 5, 50]}))
    ax = plot_clv_matrix(m).axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert "below 0.01 drawn at 0.01" in ax.get_xlabel()
    ys = np.concatenate([c.get_offsets()[:, 1] for c in ax.collections])
    assert ys.min() == pytest.approx(0.01)
    assert ax.get_ylim()[0] > 1e-3


def test_draws_on_given_axes(X):
    fig, axes = plt.subplots(1, 5)
    rfm = value.rfm_scores(X)
    m = value.clv_matrix(value.customer_lifetime_value(X, as_of="2024-01-01"))
    assert plot_rfm_heatmap(rfm, ax=axes[0]) is fig
    assert plot_rfm_segments(rfm, ax=axes[1]) is fig
    assert plot_pareto_curve(X, ax=axes[2]) is fig
    assert plot_abc_classes(value.abc_classes(X), ax=axes[3]) is fig
    assert plot_clv_matrix(m, ax=axes[4]) is fig
    assert len(plt.get_fignums()) == 1


def test_bad_input_types():
    with pytest.raises(ParameterError, match="DataFrame"):
        plot_rfm_heatmap([1, 2])  # type: ignore[arg-type]
    with pytest.raises(SchemaError):
        plot_clv_matrix(pd.DataFrame({"current_value": [1.0]}))


def test_plots_package_reexports():
    for name in ("plot_rfm_heatmap", "plot_rfm_segments", "plot_pareto_curve",
                 "plot_abc_classes", "plot_clv_matrix"):
        assert name in plots.__all__ and getattr(plots, name) is getattr(plots.value, name)
    for sub in ("segment", "basket", "sequence", "churn"):
        mod = getattr(plots, sub)
        for name in mod.__all__:
            assert name in plots.__all__ and getattr(plots, name) is getattr(mod, name)
    assert len(plots.__all__) == len(set(plots.__all__))
