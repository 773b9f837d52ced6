"""mining.plots.sequence: every figure draws on small known data and returns a Figure."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.figure import Figure

from mining import sequence as sq
from mining.errors import InsufficientDataError, ParameterError
from mining.plots import sequence as seq_plots


@pytest.fixture(scope="module")
def mined():
    db = sq.SequenceDatabase.from_sequences(
        [[("tent",), ("gas",), ("map",)], [("tent", "stove"), ("gas",)], [("tent",), ("map",)],
         [("gas",)]],
        times=[[0, 3, 10], [0, 5], [0, 20], [0]],
    )
    patterns = sq.frequent_sequences(db, min_support=2)
    return db, patterns, sq.sequential_rules(patterns)


def test_figures_return_figures_and_use_given_axes(mined):
    db, patterns, rules = mined
    lags = sq.pattern_lags(db, patterns)
    figs = [
        seq_plots.plot_purchase_timeline(db, "1"),
        seq_plots.plot_sequence_patterns(patterns),
        seq_plots.plot_sequence_rules(rules),
        seq_plots.plot_pattern_lags(lags),
    ]
    assert all(isinstance(f, Figure) for f in figs)
    assert len(figs[1].axes[0].patches) == int((patterns["n_elements"] >= 2).sum())
    fig, ax = plt.subplots()
    assert seq_plots.plot_sequence_patterns(patterns, ax=ax) is fig
    evaluation = pd.DataFrame({"hit_rate": [0.5, 0.25], "k": [5, 5]},
                              index=pd.Index(["sequential rules", "popularity"], name="method"))
    assert len(seq_plots.plot_hit_rates(evaluation).axes[0].patches) == 2
    plt.close("all")


def test_rule_scatter_draws_at_most_max_points_and_says_so(mined):
    # issue 18: more rules than max_points are drawn as a density (hexbin), not as dots
    from matplotlib.collections import PolyCollection

    _, _, rules = mined
    assert len(rules) >= 2
    fig = seq_plots.plot_sequence_rules(rules, max_points=1)
    ax = fig.axes[0]
    assert isinstance(ax.collections[0], PolyCollection)
    assert f"{len(rules):,} sequential rules" in ax.get_title() and "density" in ax.get_title()
    full = seq_plots.plot_sequence_rules(rules).axes[0]
    assert len(full.collections[0].get_offsets()) == len(rules)
    assert "density" not in full.get_title()
    with pytest.raises(ParameterError, match="'max_points' parameter of plot_sequence_rules"):
        seq_plots.plot_sequence_rules(rules, max_points=0)
    plt.close("all")


def test_empty_input_says_what_to_do():
    patterns = sq.frequent_sequences([[("a",)], [("a",)]], min_support=2)
    with pytest.raises(InsufficientDataError, match="min_support"):
        seq_plots.plot_sequence_patterns(patterns)
