"""Tests of mining.plots.deviation: every figure draws on the given axes and returns its Figure."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from mining.deviation import customer_deviations, series_deviations
from mining.errors import ParameterError
from mining.plots import deviation as dplots


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def result():
    rng = np.random.default_rng(0)
    table = pd.DataFrame({
        "n_orders": rng.integers(2, 9, 80).astype(float),
        "units_per_line": rng.uniform(1.0, 1.6, 80),
        "basket_size_mean": rng.uniform(2, 6, 80),
    }, index=pd.Index([f"c{i:02d}" for i in range(80)], name="customer_id"))
    table.loc["c07", "units_per_line"] = 15.0
    return customer_deviations(table, random_state=0)


@pytest.fixture(scope="module")
def series():
    idx = pd.date_range("2024-01-01", periods=40, freq="7D", name="week")
    v = np.r_[np.full(25, 10.0), np.full(15, 2.0)]
    v[10] = 60.0
    frame = pd.DataFrame({"s": v, "short": np.r_[np.full(37, np.nan), [1.0, 2.0, 3.0]]},
                         index=idx)
    return series_deviations(frame, window=8, seasonal=None)


def test_score_distribution(result):
    fig = dplots.plot_score_distribution(result)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert "1 flagged" in ax.get_legend().get_texts()[0].get_text()
    fig2, ax2 = plt.subplots()
    assert dplots.plot_score_distribution(result.scores["score"], threshold=2.0, ax=ax2) is fig2
    with pytest.raises(ParameterError):
        dplots.plot_score_distribution([1, 2, 3])


def test_deviation_map_marks_flagged_and_planted(result):
    fig = dplots.plot_deviation_map(result, planted=["c07", "c99"])
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["usual (79)", "flagged (1)", "planted (1)"]
    assert any(t.get_text() == "c07" for t in fig.axes[0].texts)


def test_customer_reasons(result):
    fig = dplots.plot_customer_reasons(result, "c07")
    assert isinstance(fig, Figure) and "c07" in fig.axes[0].get_title()
    with pytest.raises(ParameterError, match="'customer_id' parameter"):
        dplots.plot_customer_reasons(result, "nobody")


def test_series_flags(series):
    fig, ax = plt.subplots()
    assert dplots.plot_series_flags(series, "s", ax=ax) is fig
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "spike (1)" in labels and "sustained drop" in labels
    short = dplots.plot_series_flags(series, "short")
    assert "too short" in short.axes[0].get_title()
    with pytest.raises(ParameterError, match="'entity' parameter"):
        dplots.plot_series_flags(series, "nope")
