"""Figures for association rules and cross-selling (``mining.basket``).

Each function draws on ``ax`` (a new figure when None) and returns the matplotlib ``Figure``;
none calls ``plt.show()`` or changes global styles.

=======================  =========================================================================
function                 shows
=======================  =========================================================================
plot_item_frequency      the most frequent items: share of baskets holding each, as bars
plot_rules_scatter       every rule: support against confidence, coloured by lift
plot_rules_network       top rules as a graph: items are nodes, arrows run antecedent -> consequent
plot_rules_matrix        top rules as a grid: antecedents (rows) x consequents (columns), lift
plot_recommendation_eval hit rate and precision at k of rules vs popularity (time split)
plot_strategies          hit rate of every recommendation strategy, validation and test period
=======================  =========================================================================
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from mining.errors import InsufficientDataError, SchemaError
from mining.plots._common import need_columns, new_ax, short

__all__ = [
    "plot_item_frequency",
    "plot_recommendation_eval",
    "plot_rules_matrix",
    "plot_rules_network",
    "plot_rules_scatter",
    "plot_strategies",
]


def _no_overlap(texts: list, ax: Axes, **kw: Any) -> None:
    """Move annotation texts apart (adjustText) so no label overprints another."""
    if len(texts) < 2:
        return
    from adjustText import adjust_text

    adjust_text(texts, ax=ax, arrowprops={"arrowstyle": "-", "color": "0.5", "lw": 0.5},
                **kw)


def _label(items: Any) -> str:
    return ", ".join(sorted(str(x) for x in items))


def _nonempty(rules: pd.DataFrame, owner: str) -> None:
    if rules.empty:
        raise InsufficientDataError(f"{owner}: there are no rules to draw; lower min_support or "
                                    "min_confidence.")


def plot_item_frequency(baskets: pd.DataFrame, *, top: int = 20, ax: Axes | None = None) -> Figure:
    """The ``top`` most frequent items: share of baskets (%) holding each item.

    Parameters
    ----------
    baskets : DataFrame
        One-hot baskets from :func:`mining.basket.basket_matrix` (sparse or dense).
    top : int
        Number of items shown.
    """
    if not isinstance(baskets, pd.DataFrame) or baskets.shape[1] == 0:
        raise SchemaError(["plot_item_frequency needs a one-hot baskets table (basket_matrix)."],
                          what="baskets")
    counts = pd.Series({c: int(baskets[c].sum()) for c in baskets.columns})
    share = (counts / max(len(baskets), 1) * 100).sort_values(ascending=False).head(top)
    fig, ax = new_ax(ax, (7, max(3.0, 0.28 * len(share) + 1)))
    ax.barh([short(i) for i in share.index[::-1]], share.to_numpy()[::-1], color="tab:blue")
    ax.set_xlabel("share of baskets holding the item (%)")
    ax.set_title(f"Most frequent items (top {len(share)} of {baskets.shape[1]:,}, "
                 f"{len(baskets):,} baskets)")
    return fig


def plot_rules_scatter(rules: pd.DataFrame, *, label_top: int = 5,
                       ax: Axes | None = None) -> Figure:
    """Each rule as a point: support (x, % of baskets) against confidence (y, %), colour = lift.

    The ``label_top`` rules of highest lift are labelled.
    """
    owner = "plot_rules_scatter"
    need_columns(rules, {"support", "confidence", "lift"}, owner, "rules")
    _nonempty(rules, owner)
    fig, ax = new_ax(ax, (7, 4.5))
    lift = rules["lift"].to_numpy(dtype=float)
    finite = np.isfinite(lift)
    norm = Normalize(vmin=float(np.nanmin(lift[finite])) if finite.any() else 0,
                     vmax=float(np.nanmax(lift[finite])) if finite.any() else 1)
    sc = ax.scatter(rules["support"] * 100, rules["confidence"] * 100, c=lift, cmap="viridis",
                    norm=norm, s=18, alpha=0.8, edgecolors="none")
    fig.colorbar(sc, ax=ax, label="lift")
    texts = []
    if label_top and {"antecedents", "consequents"} <= set(rules.columns):
        for _, r in rules.nlargest(label_top, "lift").iterrows():
            texts.append(ax.text(r["support"] * 100, r["confidence"] * 100,
                                 f"{short(_label(r['antecedents']), 40)} -> "
                                 f"{short(_label(r['consequents']), 25)}", fontsize=7))
    ax.set_xscale("log")
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    _no_overlap(texts, ax)
    ax.set_xlabel("support: share of baskets with both sides (%, log scale)")
    ax.set_ylabel("confidence (%)")
    ax.set_title(f"{len(rules):,} association rules")
    return fig


def plot_rules_network(rules: pd.DataFrame, *, top: int = 20, ax: Axes | None = None) -> Figure:
    """The ``top`` rules (in table order) as a graph on a circle.

    Items are dots; a rule is a small square (size = support, colour = lift) with grey lines
    from its antecedent items and an arrow to its consequent items.
    """
    owner = "plot_rules_network"
    need_columns(rules, {"antecedents", "consequents", "support", "lift"}, owner, "rules")
    _nonempty(rules, owner)
    sub = rules.head(top)
    items = sorted({str(x) for col in ("antecedents", "consequents") for s in sub[col] for x in s})
    angle = np.linspace(0, 2 * np.pi, len(items), endpoint=False)
    pos = {it: (np.cos(a), np.sin(a)) for it, a in zip(items, angle, strict=True)}
    fig, ax = new_ax(ax, (8, 8))
    lift = sub["lift"].to_numpy(dtype=float)
    norm = Normalize(vmin=float(lift.min()), vmax=float(lift.max()) if lift.max() > lift.min()
                     else float(lift.min()) + 1)
    cmap = plt.get_cmap("viridis")
    smax = float(sub["support"].max())
    for (_, r), lf in zip(sub.iterrows(), lift, strict=True):
        pts = [pos[str(x)] for x in (*r["antecedents"], *r["consequents"])]
        cx, cy = np.mean(pts, axis=0) * 0.55
        for x in r["antecedents"]:
            px, py = pos[str(x)]
            ax.plot([px, cx], [py, cy], color="0.6", lw=0.8, zorder=1)
        for x in r["consequents"]:
            px, py = pos[str(x)]
            ax.annotate("", (px, py), (cx, cy), zorder=1,
                        arrowprops={"arrowstyle": "-|>", "color": cmap(norm(lf)), "lw": 1.2})
        ax.scatter([cx], [cy], s=30 + 250 * float(r["support"]) / smax, marker="s",
                   color=cmap(norm(lf)), zorder=2)
    for it, (x, y) in pos.items():
        ax.scatter([x], [y], s=60, color="tab:orange", zorder=3)
        ax.annotate(short(it, 28), (x, y), xytext=(x * 1.08, y * 1.08), fontsize=8,
                    ha="left" if x >= 0 else "right", va="center")
    sm = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
    fig.colorbar(sm, ax=ax, label="lift", shrink=0.6)
    ax.set_xlim(-1.6, 1.6)
    ax.set_ylim(-1.4, 1.4)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"Top {len(sub)} rules: items (orange) -> rule (square, size = support) -> item")
    return fig


def plot_rules_matrix(rules: pd.DataFrame, *, top: int = 30, value: str = "lift",
                      ax: Axes | None = None) -> Figure:
    """The ``top`` rules as a grid: one row per antecedent set, one column per consequent set.

    Cell colour = ``value`` (lift by default); empty cells have no rule among the top ones.
    """
    owner = "plot_rules_matrix"
    need_columns(rules, {"antecedents", "consequents", value}, owner, "rules")
    _nonempty(rules, owner)
    sub = rules.head(top)
    a = [short(_label(s), 35) for s in sub["antecedents"]]
    c = [short(_label(s), 35) for s in sub["consequents"]]
    grid = (pd.DataFrame({"a": a, "c": c, "v": sub[value].to_numpy(dtype=float)})
            .pivot_table(index="a", columns="c", values="v", aggfunc="max"))
    fig, ax = new_ax(ax, (max(5.0, 0.45 * grid.shape[1] + 3), max(3.5, 0.3 * grid.shape[0] + 2)))
    im = ax.imshow(grid.to_numpy(), cmap="viridis", aspect="auto")
    ax.set_xticks(range(grid.shape[1]), grid.columns, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(grid.shape[0]), grid.index, fontsize=8)
    ax.set_xlabel("then the customer also buys (consequents)")
    ax.set_ylabel("if the basket holds (antecedents)")
    fig.colorbar(im, ax=ax, label=value)
    ax.set_title(f"Top {len(sub)} rules as a matrix ({value})")
    return fig


def plot_recommendation_eval(evaluation: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Hit rate and precision at k per method, from :func:`mining.basket.evaluate_time_split`."""
    owner = "plot_recommendation_eval"
    need_columns(evaluation, {"hit_rate", "precision_at_k", "k"}, owner, "evaluation")
    fig, ax = new_ax(ax, (6.5, 3.8))
    x = np.arange(len(evaluation))
    w = 0.38
    for off, col, name in ((-w / 2, "hit_rate", "hit rate"),
                           (w / 2, "precision_at_k", "precision")):
        bars = ax.bar(x + off, evaluation[col] * 100, w, label=name)
        for b, v in zip(bars, evaluation[col], strict=True):
            ax.annotate(f"{v:.1%}", (b.get_x() + b.get_width() / 2, b.get_height()),
                        ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x, evaluation.index.astype(str))
    k = int(evaluation["k"].iloc[0])
    ax.set_ylabel("%")
    ax.legend()
    ax.set_title(f"Cross-sell offers on later orders: top {k}")
    return fig


def plot_strategies(table: pd.DataFrame, *, baseline: str = "popularity",
                    ax: Axes | None = None) -> Figure:
    """Hit rate of every strategy on the validation and the test period (horizontal bars), the
    chosen default marked, popularity's test hit rate as a dashed line.

    ``table`` is ``StrategyComparison.table`` (:func:`mining.basket.compare_strategies` or
    :func:`mining.sequence.compare_strategies`).
    """
    owner = "plot_strategies"
    need_columns(table, {"validation_hit_rate", "test_hit_rate"}, owner, "strategy table")
    fig, ax = new_ax(ax, (7.5, 0.55 * len(table) + 1.6))
    y = np.arange(len(table))[::-1]
    h = 0.38
    ax.barh(y + h / 2, table["validation_hit_rate"] * 100, h, color="0.75",
            label="validation period (chooses)")
    bars = ax.barh(y - h / 2, table["test_hit_rate"] * 100, h, color="tab:blue",
                   label="test period (reports)")
    for b, v in zip(bars, table["test_hit_rate"], strict=True):
        if np.isfinite(v):
            ax.annotate(f"{v:.0%}", (b.get_width(), b.get_y() + b.get_height() / 2),
                        xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
    names = [f"{s} (default)" if bool(table["chosen"].get(s, False)) else str(s)
             for s in table.index] if "chosen" in table.columns else list(map(str, table.index))
    ax.set_yticks(y, names, fontsize=9)
    if baseline in table.index:
        ax.axvline(float(table.loc[baseline, "test_hit_rate"]) * 100, color="tab:red", ls="--",
                   lw=1)
    ax.set_xlim(0, 105)
    ax.set_xlabel("customers who bought a recommended item (%)")
    ax.set_title("Hit rate by strategy (dashed: popularity, test period)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return fig
