"""Figures for sequential patterns (``mining.sequence``).

Each function draws on ``ax`` (a new figure when None) and returns the matplotlib ``Figure``;
none calls ``plt.show()`` or changes global styles.

=========================  =========================================================================
function                   shows
=========================  =========================================================================
plot_purchase_timeline     one customer's orders on a time axis, with the items of each order
plot_sequence_patterns     the most frequent patterns (share of customers), as horizontal bars
plot_sequence_rules        sequential rules: support against confidence, coloured by lift
plot_pattern_lags          days between the elements of top patterns, one box per pattern
plot_hit_rates             hit rate at k of next-purchase suggestions per method (time split)
plot_strategies            hit rate of every next-purchase strategy, validation and test period
=========================  =========================================================================
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from mining.errors import InsufficientDataError, check_param
from mining.plots._common import need_columns, new_ax, short

__all__ = [
    "plot_hit_rates",
    "plot_pattern_lags",
    "plot_purchase_timeline",
    "plot_sequence_patterns",
    "plot_sequence_rules",
]


def plot_strategies(table: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Hit rate of every next-purchase strategy (:func:`mining.sequence.compare_strategies`),
    drawn as :func:`mining.plots.basket.plot_strategies`."""
    from mining.plots.basket import plot_strategies as _bars

    fig = _bars(table, ax=ax)
    fig.axes[0].set_title("Next-purchase hit rate by strategy (dashed: popularity, test)")
    return fig


def plot_purchase_timeline(db: Any, customer_id: Any, *, max_items: int = 4,
                           ax: Axes | None = None) -> Figure:
    """One customer's purchase sequence: a marker per order (element) with its items.

    Parameters
    ----------
    db : SequenceDatabase
        From :func:`mining.sequence.customer_sequences`.
    customer_id
        The customer to show.
    max_items : int
        Items listed per order before "+n more".
    """
    seq = db.sequence(customer_id)
    fig, ax = new_ax(ax, (10, 4.5))
    x = seq["timestamp"] if "timestamp" in seq.columns else seq["days"]
    ax.plot(x, np.zeros(len(seq)), color="0.6", lw=1, zorder=1)
    ax.scatter(x, np.zeros(len(seq)), s=60, color="tab:blue", zorder=2)
    texts = []
    levels = (0.25, -0.25, 0.62, -0.62)
    for k, (xi, items) in enumerate(zip(x, seq["items"], strict=True)):
        shown = list(map(str, items[:max_items]))
        if len(items) > max_items:
            shown.append(f"+{len(items) - max_items} more")
        yy = levels[k % len(levels)]
        ax.plot([xi, xi], [0, yy], color="0.8", lw=0.6, zorder=0)
        texts.append(ax.text(xi, yy, "\n".join(shown), ha="center",
                             va="bottom" if yy > 0 else "top", fontsize=7))
    ax.set_yticks([])
    ax.set_ylim(-1.5, 1.5)
    if len(texts) > 1:
        from adjustText import adjust_text

        adjust_text(texts, ax=ax, only_move={"text": "x", "static": "x", "explode": "x",
                                             "pull": "x"}, ensure_inside_axes=True)
    ax.set_title(f"Purchase timeline of customer {customer_id} ({len(seq)} orders)")
    ax.set_xlabel("date" if "timestamp" in seq.columns else "element time (days)")
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    fig.autofmt_xdate()
    return fig


def plot_sequence_patterns(patterns: pd.DataFrame, *, top: int = 15, min_elements: int = 2,
                           ax: Axes | None = None) -> Figure:
    """The ``top`` most frequent patterns with at least ``min_elements`` elements (bars)."""
    need_columns(patterns, {"pattern_str", "n_elements", "support"}, "plot_sequence_patterns", "patterns")
    sel = patterns[patterns["n_elements"] >= min_elements].head(top)
    if sel.empty:
        raise InsufficientDataError(
            f"No pattern with {min_elements} or more elements to plot; lower min_support or "
            "min_elements.")
    fig, ax = new_ax(ax, (8, 0.35 * len(sel) + 1.2))
    y = np.arange(len(sel))[::-1]
    ax.barh(y, sel["support"] * 100, color="tab:blue")
    ax.set_yticks(y, [short(s, 60) for s in sel["pattern_str"]], fontsize=8)
    ax.set_xlabel("customers with the pattern (%)")
    ax.set_title(f"Most frequent sequential patterns ({min_elements}+ orders in a row)")
    return fig


def plot_sequence_rules(rules: pd.DataFrame, *, label_top: int = 5, max_points: int = 2_000,
                        ax: Axes | None = None) -> Figure:
    """Rules: support (x) against confidence (y); the strongest labelled.

    Up to ``max_points`` rules are dots coloured by lift; more rules are drawn as a density
    (hexagons, colour = number of rules), since a scatter of thousands of dots is a blob. The
    ``label_top`` follow-up rules of highest lift are labelled ("X -> Y", each side shortened
    on its own, never cut where Y starts), without overprinting.
    """
    need_columns(rules, {"support", "confidence", "lift", "rule_str"}, "plot_sequence_rules", "rules")
    if rules.empty:
        raise InsufficientDataError("No sequential rules to plot; lower min_support or "
                                    "min_confidence.")
    check_param(isinstance(max_points, int | np.integer) and max_points >= 1, "max_points",
                "plot_sequence_rules", "a positive int", max_points)
    fig, ax = new_ax(ax, (8, 5))
    x = rules["support"].to_numpy(dtype=float) * 100
    y = rules["confidence"].to_numpy(dtype=float) * 100
    if len(rules) > max_points:
        hb = ax.hexbin(x, y, gridsize=40, bins="log", cmap="Blues", mincnt=1)
        fig.colorbar(hb, ax=ax, label="rules per hexagon (log)")
        title = f"{len(rules):,} sequential rules X => Y (density)"
    else:
        pts = ax.scatter(x, y, c=rules["lift"].fillna(1.0), cmap="viridis", s=18, alpha=0.8)
        fig.colorbar(pts, ax=ax, label="lift")
        title = f"{len(rules):,} sequential rules X => Y"
    top = rules
    if {"antecedents", "consequents"} <= set(rules.columns):
        one = rules[(rules["antecedents"].map(len) == 1) & (rules["consequents"].map(len) == 1)]
        one = one[one["antecedents"] != one["consequents"]]
        top = one if len(one) else rules
    texts = []
    for r in top.nlargest(label_top, "lift").itertuples(index=False):
        left, _, right = str(r.rule_str).partition(" => ")
        texts.append(ax.text(r.support * 100, r.confidence * 100,
                             f"{short(left.strip('<>()'), 28)} -> {short(right.strip('<>()'), 28)}",
                             fontsize=7, color="tab:red"))
        ax.scatter([r.support * 100], [r.confidence * 100], s=25, color="tab:red", zorder=3)
    if len(texts) > 1:
        from adjustText import adjust_text

        adjust_text(texts, ax=ax, arrowprops={"arrowstyle": "-", "color": "0.5", "lw": 0.5})
    ax.set_xlabel("support: customers with X then Y (%)")
    ax.set_ylabel("confidence: of customers with X, share who later bought Y (%)")
    ax.set_title(title + "; red: highest-lift follow-ups")
    return fig


def plot_pattern_lags(lags: pd.DataFrame, *, step: int = 1, ax: Axes | None = None) -> Figure:
    """Box plot of days from one element to the next, per pattern (from ``pattern_lags``)."""
    need_columns(lags, {"pattern_str", "step", "lag_days"}, "plot_pattern_lags", "lags")
    sel = lags[lags["step"] == step]
    if sel.empty:
        raise InsufficientDataError("No time lags to plot: no pattern with two or more elements.")
    order = list(dict.fromkeys(sel["pattern_str"]))
    data = [sel.loc[sel["pattern_str"] == p, "lag_days"].to_numpy() for p in order]
    fig, ax = new_ax(ax, (8, 0.45 * len(order) + 1.5))
    ax.boxplot(data, orientation="horizontal", showfliers=False)
    ax.set_yticks(np.arange(1, len(order) + 1), [short(p, 60) for p in order], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(f"days from element {step} to element {step + 1} (earliest occurrence)")
    ax.set_title("How long until the next step of a pattern")
    return fig


def plot_hit_rates(evaluation: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Hit rate at k per method, from :func:`mining.sequence.evaluate_time_split`."""
    need_columns(evaluation, {"hit_rate", "k"}, "plot_hit_rates", "evaluation")
    fig, ax = new_ax(ax, (6, 3.5))
    colors = plt.get_cmap("tab10")(np.arange(len(evaluation)))
    bars = ax.bar(evaluation.index.astype(str), evaluation["hit_rate"] * 100, color=colors)
    for b, v in zip(bars, evaluation["hit_rate"], strict=True):
        ax.annotate(f"{v:.1%}", (b.get_x() + b.get_width() / 2, b.get_height()), ha="center",
                    va="bottom", fontsize=9)
    k = int(evaluation["k"].iloc[0])
    ax.set_ylabel(f"customers with a hit in the top {k} (%)")
    ax.set_title(f"Next-purchase suggestions on the holdout: hit rate at {k}")
    return fig
