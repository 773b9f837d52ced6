"""Figures for lifecycle curves (``mining.lifecycle``: 客户关系生命周期曲线).

Each function draws on ``ax`` (a new figure when None) and returns the matplotlib ``Figure``;
none calls ``plt.show()`` or changes global styles.

============================  ====================================================================
function                      shows
============================  ====================================================================
plot_lifecycle_curves         the archetype curve of each curve type (mean or median margin per
                              relationship month) drawn bold over a light sample of the
                              customers' own curves
plot_curve_type_cohorts       share of each curve type per acquisition cohort (stacked bars,
                              cohorts in time order, customers per cohort on top)
============================  ====================================================================

Chinese names (长久保持型, ...) are added to the labels with ``zh=True``, or with ``zh="auto"``
(the default) when matplotlib's font can draw them; the default DejaVu fonts cannot (they would
draw empty boxes), so there the labels stay English.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from mining.errors import InsufficientDataError, ParameterError, check_param
from mining.lifecycle import CURVE_NAMES_ZH, CURVE_TYPES
from mining.params import RandomState, check_random_state
from mining.plots._common import as_frame, finish_axes, need_columns, new_ax, use_chinese, with_zh

__all__ = ["plot_curve_type_cohorts", "plot_lifecycle_curves"]

CURVE_COLORS: dict[str, str] = {"long_retained": "tab:green", "early_death": "tab:red",
                                "midway_abort": "tab:orange"}
_UNTYPED = "not yet typed"
_UNTYPED_COLOR = "0.75"


def _typed(curve_types: Any, owner: str) -> pd.Series:
    """The ``curve_type`` column of a curve-type table, checked: known values or missing."""
    t = need_columns(curve_types, ["curve_type"], owner,
                     "the curve-type table (from lifecycle.lifecycle_curve_types)")
    kind = t["curve_type"].astype("string")
    bad = sorted(set(kind.dropna()) - set(CURVE_TYPES))
    if bad:
        raise ParameterError(f"{owner}: column 'curve_type' has unknown values {bad[:5]}; "
                             f"expected {list(CURVE_TYPES)} or missing (too young to tell). "
                             "Pass the table of lifecycle.lifecycle_curve_types.")
    return kind


def plot_lifecycle_curves(curves: pd.DataFrame, curve_types: pd.DataFrame, *,
                          statistic: str = "mean", n_sample: int = 40, min_customers: int = 20,
                          random_state: RandomState = 0, currency: str = "EUR",
                          zh: bool | str = "auto", ax: Axes | None = None) -> Figure:
    """The three lifecycle curve types: each type's archetype curve over its customers' curves.

    Parameters
    ----------
    curves : DataFrame
        Margin (money) per relationship month, customers x months ``0 .. M``
        (:func:`mining.lifecycle.profit_curves`; NaN after ``as_of``).
    curve_types : DataFrame
        :func:`mining.lifecycle.lifecycle_curve_types` (column ``curve_type``), indexed by
        ``customer_id`` like ``curves``. Customers without a type (too young) are left out.
    statistic : {"mean", "median"}
        The archetype of a type: this statistic of its customers' margins, month by month. Most
        customers do not order every month, so the median is often 0; the mean shows the shape.
    n_sample : int
        Customers' own curves drawn thin and light behind the archetypes, per type (fewer when
        the type has fewer customers; 0 for none).
    min_customers : int
        A month enters an archetype only when at least this many of the type's customers are
        observed in it (the long tail of a few old customers is noise).
    random_state : None, int or Generator
        Picks the sampled customers.
    currency : str
        Written in the y-axis label.
    zh : True, False or "auto"
        Add the Chinese names to the legend ("auto": when the font can draw them).
    ax : Axes, optional
        Where to draw; a new figure when None.

    Returns
    -------
    Figure
        Lines: the sampled curves first (``n_sample`` per type at most), then one bold
        archetype per type present, in :data:`mining.lifecycle.CURVE_TYPES` order.
    """
    owner = "plot_lifecycle_curves"
    curves = as_frame(curves, owner, "the profit curves (from lifecycle.profit_curves)")
    kind = _typed(curve_types, owner)
    check_param(statistic in ("mean", "median"), "statistic", owner, '"mean" or "median"',
                statistic)
    for name, v in (("n_sample", n_sample), ("min_customers", min_customers)):
        check_param(isinstance(v, int | np.integer) and not isinstance(v, bool) and v >= 0,
                    name, owner, "a whole number >= 0", v)
    rng = check_random_state(random_state, owner)
    zh_on = use_chinese(zh, owner)
    kind.index = kind.index.astype("string")
    curves = curves.copy()
    curves.index = curves.index.astype("string")
    common = kind.dropna().index.intersection(curves.index)
    if len(common) == 0:
        raise InsufficientDataError(
            f"{owner}: no customer has both a curve type and a profit curve. Compute both "
            "tables from the same transactions and as_of.")
    months = np.asarray(curves.columns, dtype=float)
    fig, ax = new_ax(ax, (8.5, 4.8))
    groups = {t: curves.loc[common[kind.loc[common].to_numpy() == t]] for t in CURVE_TYPES}
    groups = {t: g for t, g in groups.items() if len(g)}
    for t, g in groups.items():
        k = min(n_sample, len(g))
        if k:
            pick = rng.choice(len(g), size=k, replace=False)
            for row in g.to_numpy(dtype=float)[np.sort(pick)]:
                ax.plot(months, row, color=CURVE_COLORS[t], lw=0.6, alpha=0.15, zorder=1)
    for t, g in groups.items():
        arche = g.mean() if statistic == "mean" else g.median()
        arche = arche.where(g.notna().sum() >= max(min_customers, 1))
        label = with_zh(t.replace("_", " "), CURVE_NAMES_ZH.get(t), zh_on)
        ax.plot(months, arche.to_numpy(dtype=float), color=CURVE_COLORS[t], lw=2.8, zorder=3,
                label=f"{label}: {statistic} of {len(g):,} customers")
    top = np.nanpercentile(curves.loc[common].to_numpy(dtype=float), 99) if len(common) else 1
    ax.set_ylim(0, max(float(top), 1.0) * 1.05)  # a few huge months would flatten the rest
    ax.set_xlim(0, months.max() if len(months) else 1)
    finish_axes(ax, xlabel="relationship month (0 = month of the first order)",
                ylabel=f"margin per month ({currency})",
                title="Lifecycle curves: profit per relationship month by curve type",
                legend="upper right")
    return fig


def plot_curve_type_cohorts(curve_types: pd.DataFrame, *, include_untyped: bool = True,
                            zh: bool | str = "auto", ax: Axes | None = None) -> Figure:
    """Share of each lifecycle curve type per acquisition cohort, stacked (cohorts in time order).

    Parameters
    ----------
    curve_types : DataFrame
        :func:`mining.lifecycle.lifecycle_curve_types` (columns ``curve_type`` and ``cohort``,
        the quarter of the first order such as ``2024Q1``).
    include_untyped : bool
        Also stack the customers without a type (too young to tell, grey), so each bar sums to
        100% of its cohort; False: shares of the typed customers only.
    zh, ax
        As in :func:`plot_lifecycle_curves`.

    Returns
    -------
    Figure
        One bar container per type stacked (in :data:`mining.lifecycle.CURVE_TYPES` order, then
        the untyped), bar heights the shares (%) of the cohort; the customers of the cohort
        counted in the shares are written on top.
    """
    owner = "plot_curve_type_cohorts"
    kind = _typed(curve_types, owner)
    need_columns(curve_types, ["cohort"], owner,
                 "the curve-type table (from lifecycle.lifecycle_curve_types)")
    check_param(isinstance(include_untyped, bool), "include_untyped", owner, "True or False",
                include_untyped)
    zh_on = use_chinese(zh, owner)
    cohort = curve_types["cohort"].astype("string")
    if cohort.isna().any():
        raise ParameterError(f"{owner}: column 'cohort' has missing values; every customer "
                             "needs the quarter of their first order.")
    kind = kind.fillna(_UNTYPED)
    if not include_untyped:
        keep = kind.ne(_UNTYPED).to_numpy()
        kind, cohort = kind[keep], cohort[keep]
    if len(kind) == 0:
        raise InsufficientDataError(f"{owner}: no customer has a curve type yet.")
    counts = pd.crosstab(cohort.to_numpy(), kind.to_numpy())
    order = sorted(counts.index, key=lambda c: pd.Period(c, freq="Q"))
    types = [t for t in (*CURVE_TYPES, _UNTYPED) if t in counts.columns]
    counts = counts.loc[order, types]
    share = 100 * counts.div(counts.sum(axis=1), axis=0)
    fig, ax = new_ax(ax, (max(6.0, 0.7 * len(order) + 3), 4.5))
    x = np.arange(len(order))
    bottom = np.zeros(len(order))
    for t in types:
        label = (_UNTYPED + " (too young)" if t == _UNTYPED
                 else with_zh(t.replace("_", " "), CURVE_NAMES_ZH.get(t), zh_on))
        ax.bar(x, share[t].to_numpy(), bottom=bottom, width=0.75, label=label,
               color=_UNTYPED_COLOR if t == _UNTYPED else CURVE_COLORS[t])
        bottom += share[t].to_numpy()
    for xi, n in zip(x, counts.sum(axis=1), strict=True):
        ax.text(xi, 101, f"n={int(n):,}", ha="center", va="bottom", fontsize=7)
    ax.set_xticks(x, [str(c) for c in order], rotation=45 if len(order) > 8 else 0)
    ax.set_ylim(0, 110)
    ax.set_xlabel("acquisition cohort (quarter of the first order)")
    ax.set_ylabel("share of the cohort's customers (%)")
    ax.set_title("Lifecycle curve types by acquisition cohort")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return fig
