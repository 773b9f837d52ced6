"""Tests of mining.plots.clv: every figure returns a Figure with the expected axes and labels."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from mining import clv
from mining.errors import InsufficientDataError, ParameterError, SchemaError
from mining.plots.clv import (
    plot_clv_transitions,
    plot_frequency_recency_heatmap,
    plot_holdout_check,
    plot_p_alive_distribution,
)

# every test: plot functions never call plt.show() and leave rcParams as they were (conftest)
pytestmark = pytest.mark.usefixtures("plot_guard")


@pytest.fixture(scope="module")
def bg() -> clv.BetaGeoModel:
    m = clv.BetaGeoModel()
    m.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    m.time_unit_ = "W"
    return m


def test_holdout_check_plot(bg):
    s = pd.DataFrame({"repeat_purchases": [0, 0, 1, 2, 3, 8],
                      "time_to_last": [0.0, 0, 5, 10, 20, 30], "age": 39.0,
                      "holdout_purchases": [0, 1, 1, 2, 3, 7], "holdout_length": 39.0,
                      "time_unit": "W"})
    check = clv.holdout_check(s, bg, max_purchases=3)
    fig = plot_holdout_check(check)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.get_lines()] == ["actual", "BG/NBD prediction"]
    assert "39 weeks" in ax.get_ylabel()
    assert [t.get_text().split("\n")[0] for t in ax.get_xticklabels()] == ["0", "1", "2", "3+"]
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), check.table["actual"])
    bare = plot_holdout_check(check.table)  # the table alone: no holdout length to show
    assert bare.axes[0].get_ylabel() == "mean purchases in the holdout"


@pytest.mark.parametrize("quantity", ["p_alive", "expected_purchases"])
def test_frequency_recency_heatmap(bg, quantity):
    grid = clv.frequency_recency_grid(bg, age=39.0, quantity=quantity, t=4.0, max_purchases=12)
    fig, ax = plt.subplots()
    out = plot_frequency_recency_heatmap(grid, ax=ax)
    assert out is fig and len(fig.axes) == 2  # the heat map and its colour bar
    assert ax.get_ylabel() == "repeat purchases"
    assert "weeks" in ax.get_xlabel()
    cbar = fig.axes[1].get_ylabel()
    assert cbar == ("P(alive)" if quantity == "p_alive"
                    else "expected purchases in the next 4 weeks")
    assert ax.get_images()[0].get_array().shape == grid.table.shape
    assert "customer age 39" in ax.get_xlabel()


def test_frequency_recency_heatmap_of_a_bare_table(bg):
    grid = clv.frequency_recency_grid(bg, age=39.0, t=4.0, max_purchases=12)
    fig = plot_frequency_recency_heatmap(grid.table)
    assert fig.axes[1].get_ylabel() == "expected purchases in the next 1 time units"


def test_p_alive_distribution():
    v = pd.DataFrame({"p_alive": [0.1, 0.5, 0.9, 1.0]})
    fig = plot_p_alive_distribution(v, bins=4)
    ax = fig.axes[0]
    assert sum(p.get_height() for p in ax.patches) == 4
    with pytest.raises(SchemaError):
        plot_p_alive_distribution(pd.DataFrame({"x": [1.0]}))
    with pytest.raises(ParameterError, match="bins"):
        plot_p_alive_distribution(v, bins=0)
    with pytest.raises(InsufficientDataError):
        plot_p_alive_distribution(pd.DataFrame({"p_alive": [np.nan]}))


@pytest.mark.parametrize("normalize", [False, True])
def test_clv_transitions_plot(normalize):
    before = pd.DataFrame({"clv_class": ["lead", "gold", "platinum"]}, index=["a", "b", "c"])
    after = pd.DataFrame({"clv_class": ["iron", "gold", "gold", "lead"]},
                         index=["a", "b", "c", "d"])
    table = clv.clv_transitions(before, after, normalize=normalize)
    fig = plot_clv_transitions(table)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["lead", "iron", "gold", "platinum",
                                                            "new"]
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 20
    assert ("100%" in texts) if normalize else ("1" in texts)
    if not normalize:  # a bare table: counts, as its values are whole numbers
        bare = [t.get_text() for t in plot_clv_transitions(table.table).axes[0].texts]
        assert bare == texts


def test_bad_inputs():
    with pytest.raises(ParameterError, match="DataFrame"):
        plot_holdout_check([1, 2])
    with pytest.raises(SchemaError, match="predicted"):
        plot_holdout_check(pd.DataFrame({"actual": [1.0], "customers": [1]}))
    with pytest.raises(InsufficientDataError):
        plot_frequency_recency_heatmap(pd.DataFrame())
