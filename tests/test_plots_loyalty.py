"""Tests of mining.plots.loyalty: every figure returns a Figure drawn from the loyalty tables,
with the counts, cut lines and labels the tables hold."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from mining import datasets, loyalty
from mining.errors import InsufficientDataError, ParameterError
from mining.features import customer_table
from mining.plots import loyalty as lp

# every test: plot functions never call plt.show() and leave rcParams as they were (conftest)
pytestmark = pytest.mark.usefixtures("plot_guard")


@pytest.fixture(scope="module")
def demo():
    return datasets.load("demo", size="small", random_state=0)


@pytest.fixture(scope="module")
def types(demo):
    X = customer_table(demo.transactions, as_of=demo.as_of, categories=False)
    return loyalty.loyalty_types(X, demo.survey)


@pytest.fixture(scope="module")
def drivers(demo):
    return loyalty.satisfaction_drivers(demo.survey)


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def test_loyalty_matrix_names_each_type_with_its_size_and_treatment(types):
    fig = lp.plot_loyalty_matrix(types)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    counts = types["loyalty_type"].value_counts()
    for name, spec in loyalty.LOYALTY_TYPES.items():
        box = next(t for t in _texts(ax) if t.startswith(name.upper()))
        assert f"{counts.get(name, 0):,}" in box and spec["in_short"] in box
    # one scatter per type, every customer drawn once
    assert sum(len(c.get_offsets()) for c in ax.collections) == len(types)
    # the cut lines are the table's cut points
    xs = [line.get_xdata()[0] for line in ax.get_lines()]
    ys = [line.get_ydata()[0] for line in ax.get_lines()]
    assert types.attrs["behaviour_cut"] in xs and types.attrs["attitude_cut"] in ys
    assert f"{len(types):,} customers" in ax.get_title()


def test_driver_importance_bars_and_planted_markers(demo, drivers):
    fig, ax = plt.subplots()
    out = lp.plot_driver_importance(drivers, planted=demo.truth.driver_weights, ax=ax)
    assert out is fig
    widths = sorted(p.get_width() for p in ax.patches)
    np.testing.assert_allclose(widths, sorted(drivers["importance"]))
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == drivers.index[0].replace("_", " ")  # strongest on top
    planted = ax.collections[0].get_offsets()[:, 0]
    w = demo.truth.driver_weights
    np.testing.assert_allclose(sorted(planted), sorted(w / w.sum()))  # scaled to sum to 1
    assert "R² = " in ax.get_xlabel()


def test_importance_performance_plot_has_the_quadrants_and_every_attribute(drivers):
    ipa = loyalty.importance_performance(drivers)
    ax = lp.plot_importance_performance(ipa).axes[0]
    texts = _texts(ax)
    for name, *_ in loyalty.QUADRANTS.values():
        assert name in texts
    for attr in ipa.index:
        assert attr.replace("_", " ") in texts
    assert f"{ipa.attrs['importance_cut']:.0%}" in ax.get_xlabel()


def test_satisfaction_change_counts_only_repeat_answerers(demo):
    tvc = loyalty.transactional_vs_cumulative(demo.survey)
    ax = lp.plot_satisfaction_change(tvc).axes[0]
    n = int((tvc["n_answers"] >= 2).sum())
    assert sum(p.get_height() for p in ax.patches) == n
    assert f"{n:,} customers" in ax.get_title()
    with pytest.raises(InsufficientDataError, match="no customer answered twice"):
        lp.plot_satisfaction_change(tvc[tvc["n_answers"] == 1])


def test_retention_link_bars_by_band_and_by_type(demo):
    link = loyalty.retention_link(demo.transactions, demo.survey, as_of="2025-07-01")
    ax = lp.plot_retention_link(link).axes[0]
    shown = link.drop(index="all")
    shown = shown[shown["n_customers"] > 0]
    np.testing.assert_allclose([p.get_height() for p in ax.patches], shown["retention_rate"])
    assert "180 days" in ax.get_ylabel() and "2025-07-01" in ax.get_title()
    by_type = loyalty.retention_link(demo.transactions, demo.survey, as_of="2025-07-01",
                                     by="loyalty_type")
    ax = lp.plot_retention_link(by_type).axes[0]
    assert ax.get_xlabel().startswith("loyalty type (dashed: all ")
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        t for t in loyalty.LOYALTY_TYPES if by_type.loc[t, "n_customers"] > 0]


def test_nps_plot_stacks_to_one_and_writes_the_score(demo, types):
    nps = loyalty.net_promoter_score(demo.survey, groups=types["loyalty_type"])
    ax = lp.plot_nps(nps).axes[0]
    ends = {}
    for p in ax.patches:
        y = round(p.get_y(), 6)
        ends[y] = max(ends.get(y, 0), p.get_x() + p.get_width())
    np.testing.assert_allclose(list(ends.values()), 1.0)
    for v in nps["nps"]:
        assert f"NPS {v:+.0f}" in _texts(ax)
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == nps.index[0]  # first row on top


def test_wrong_tables_get_a_message_naming_the_function():
    with pytest.raises(ParameterError, match="loyalty_types"):
        lp.plot_loyalty_matrix(pd.DataFrame({"x": [1]}))
    with pytest.raises(ParameterError, match="satisfaction_drivers"):
        lp.plot_driver_importance([1, 2])
    with pytest.raises(ParameterError, match="net_promoter_score"):
        lp.plot_nps(pd.DataFrame({"nps": [1.0]}))
    with pytest.raises(InsufficientDataError):
        lp.plot_importance_performance(pd.DataFrame(columns=["importance", "performance"]))


def test_the_plots_are_reachable_from_mining_plots():
    import mining.plots

    assert mining.plots.plot_loyalty_matrix is lp.plot_loyalty_matrix
    assert "loyalty" in mining.plots.SUBMODULES
