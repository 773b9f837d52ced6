"""Figures of mining.plots.basket: each returns a Figure, draws on a given ax, and explains
empty input instead of crashing."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.figure import Figure

from mining import basket as mb
from mining.errors import InsufficientDataError, SchemaError
from mining.plots import basket as pb

DATA = [["milk", "bread"], ["milk", "bread", "butter"], ["milk", "butter"], ["bread", "jam"],
        ["milk", "bread", "butter"], ["jam", "bread"], ["tea"]]


@pytest.fixture(scope="module")
def baskets() -> pd.DataFrame:
    return mb.baskets_from_lists(DATA)


@pytest.fixture(scope="module")
def rules(baskets) -> pd.DataFrame:
    return mb.association_rules(mb.frequent_itemsets(baskets, min_support=0.2),
                                min_threshold=0.3)


def test_item_frequency(baskets) -> None:
    fig = pb.plot_item_frequency(baskets, top=3)
    assert isinstance(fig, Figure)
    bars = fig.axes[0].patches
    assert len(bars) == 3
    assert max(b.get_width() for b in bars) == pytest.approx(5 / 7 * 100)  # bread
    plt.close(fig)


@pytest.mark.parametrize("func", [pb.plot_rules_scatter, pb.plot_rules_network,
                                  pb.plot_rules_matrix])
def test_rule_figures(func, rules) -> None:
    fig, ax = plt.subplots()
    out = func(rules, ax=ax)
    assert out is fig
    assert ax.has_data() or ax.images or ax.collections
    plt.close(fig)
    with pytest.raises(InsufficientDataError, match="lower min_support"):
        func(rules.iloc[:0])
    with pytest.raises(SchemaError):
        func(pd.DataFrame({"x": [1]}))


def test_matrix_cells(rules) -> None:
    fig = pb.plot_rules_matrix(rules, top=4)
    img = fig.axes[0].images[0].get_array()
    sub = rules.head(4)
    assert img.count() == len(set(zip(sub["antecedents_str"], sub["consequents_str"], strict=True)))
    plt.close(fig)


def test_recommendation_eval() -> None:
    ev = pd.DataFrame({"k": [3, 3], "hit_rate": [0.4, 0.2], "precision_at_k": [0.2, 0.1]},
                      index=pd.Index(["association rules", "popularity"], name="method"))
    fig = pb.plot_recommendation_eval(ev)
    assert len(fig.axes[0].patches) == 4
    plt.close(fig)
