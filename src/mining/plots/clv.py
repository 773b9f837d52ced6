"""Figures for predictive customer lifetime value (``mining.clv``).

Each function draws on ``ax`` (a new figure when None) and returns the matplotlib ``Figure``;
none calls ``plt.show()`` or changes global styles. The CLV matrix itself is drawn by
:func:`mining.plots.value.plot_clv_matrix`. The functions take the result objects of
:mod:`mining.clv` (:class:`~mining.clv.HoldoutCheck`, :class:`~mining.clv.FrequencyRecencyGrid`,
:class:`~mining.clv.CLVTransitions`), whose fields label the axes; a bare table of the same shape
is drawn too, with generic labels.

================================  ================================================================
function                          shows
================================  ================================================================
plot_holdout_check                mean actual vs predicted holdout purchases by number of
                                  calibration repeat purchases (Fader, Hardie and Lee 2005)
plot_frequency_recency_heatmap    expected purchases or P(alive) over repeat purchases x time
                                  from the first to the last purchase
plot_p_alive_distribution         histogram of P(alive) across customers
plot_clv_transitions              customers moving between CLV-matrix classes, as a heat map
plot_cumulative_purchases         cumulative actual vs expected repeat purchases day by day,
                                  calibration and holdout (the tracking plot)
plot_period_purchases             customers with 0, 1, 2, ... repeat purchases: actual vs model
================================  ================================================================
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from mining.clv import (
    COUNT_MODELS,
    CLVTransitions,
    CumulativePurchases,
    FrequencyRecencyGrid,
    HoldoutCheck,
    PeriodPurchases,
)
from mining.errors import InsufficientDataError, ParameterError
from mining.plots._common import as_frame, need_columns, need_result, new_ax

__all__ = [
    "plot_clv_transitions",
    "plot_cumulative_purchases",
    "plot_period_purchases",
    "plot_frequency_recency_heatmap",
    "plot_holdout_check",
    "plot_p_alive_distribution",
]

_UNIT_NAMES = {"W": "weeks", "D": "days", "M": "months"}


def _unit(time_unit: str | None) -> str:
    return _UNIT_NAMES.get(str(time_unit), "time units")


def plot_holdout_check(check: HoldoutCheck | pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Actual and predicted mean holdout purchases per group of calibration repeat purchases.

    Parameters
    ----------
    check : HoldoutCheck or DataFrame
        Output of :func:`mining.clv.holdout_check` (or its ``table``: ``actual``,
        ``predicted``, ``customers``; the y label then omits the holdout length).
    ax : Axes, optional
        Where to draw; a new figure when None.
    """
    owner = "plot_holdout_check"
    length = time_unit = None
    model = "model"
    if isinstance(check, HoldoutCheck):
        model = COUNT_MODELS.get(check.model, check.model or "model")
        length, time_unit, check = check.holdout_length, check.time_unit, check.table
    check = as_frame(check, owner, "the holdout check (from clv.holdout_check)")
    need_columns(check, ["actual", "predicted", "customers"], owner, "holdout check")
    if len(check) == 0:
        raise InsufficientDataError(f"{owner}: the holdout check has no rows.")
    fig, ax = new_ax(ax, (6.5, 4.5))
    pos = np.arange(len(check))
    ax.plot(pos, check["actual"].to_numpy(float), marker="o", color="tab:blue", label="actual")
    ax.plot(pos, check["predicted"].to_numpy(float), marker="s", ls="--", color="tab:orange",
            label=f"{model} prediction")
    ax.set_xticks(pos, [f"{k}\n(n={n})" for k, n in zip(check.index, check["customers"],
                                                          strict=True)], fontsize=8)
    span = f" over {length:.3g} {_unit(time_unit)}" if length is not None else ""
    ax.set_xlabel("repeat purchases in the calibration period (customers)")
    ax.set_ylabel(f"mean purchases in the holdout{span}")
    ax.set_title("Calibration / holdout check: predicted vs actual purchases")
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def plot_frequency_recency_heatmap(grid: FrequencyRecencyGrid | pd.DataFrame, *,
                                   ax: Axes | None = None) -> Figure:
    """Heat map of a :func:`mining.clv.frequency_recency_grid` (expected purchases or P(alive)).

    Rows: repeat purchases (most on top); columns: time from the first to the last purchase
    (a recent last purchase on the right). A bare table (the grid's ``table``) is drawn as
    expected purchases in the next time unit.
    """
    owner = "plot_frequency_recency_heatmap"
    quantity, t, age, time_unit = "expected_purchases", 1.0, None, None
    if isinstance(grid, FrequencyRecencyGrid):
        quantity, t, age, time_unit = grid.quantity, grid.t, grid.age, grid.time_unit
        grid = grid.table
    grid = as_frame(grid, owner, "the grid (from clv.frequency_recency_grid)")
    if grid.size == 0:
        raise InsufficientDataError(f"{owner}: the grid is empty.")
    data = grid.to_numpy(dtype=float)
    rec = np.asarray(grid.columns, dtype=float)
    freq = np.asarray(grid.index, dtype=float)
    fig, ax = new_ax(ax, (7.0, 5.0))
    if quantity == "p_alive":
        im = ax.imshow(data, origin="lower", aspect="auto", cmap="RdYlGn", vmin=0, vmax=1,
                       extent=(rec[0], rec[-1], freq[0] - 0.5, freq[-1] + 0.5))
        label = "P(alive)"
        title = "Probability alive by frequency and recency"
    else:
        im = ax.imshow(data, origin="lower", aspect="auto", cmap="viridis",
                       extent=(rec[0], rec[-1], freq[0] - 0.5, freq[-1] + 0.5))
        label = f"expected purchases in the next {t:.3g} {_unit(time_unit)}"
        title = "Expected purchases by frequency and recency"
    unit = _unit(time_unit)
    ax.set_xlabel(f"time from first to last purchase ({unit})"
                  + (f"; customer age {age:.3g}" if age is not None else ""))
    ax.set_ylabel("repeat purchases")
    ax.set_title(title)
    fig.colorbar(im, ax=ax, label=label)
    return fig


def plot_p_alive_distribution(clv: pd.DataFrame, *, bins: int = 20,
                              ax: Axes | None = None) -> Figure:
    """Histogram of ``p_alive`` (from :func:`mining.clv.lifetime_value`) across customers."""
    owner = "plot_p_alive_distribution"
    clv = as_frame(clv, owner, "the CLV table (from clv.lifetime_value)")
    need_columns(clv, ["p_alive"], owner, "CLV")
    if not isinstance(bins, int) or isinstance(bins, bool) or bins < 1:
        raise ParameterError(f"The 'bins' parameter of {owner} must be an int >= 1. "
                             f"Got {bins!r} instead.")
    p = clv["p_alive"].to_numpy(float)
    p = p[np.isfinite(p)]
    if p.size == 0:
        raise InsufficientDataError(f"{owner}: no customer has a P(alive).")
    fig, ax = new_ax(ax, (6.0, 4.0))
    ax.hist(p, bins=bins, range=(0, 1), color="tab:green", edgecolor="white")
    ax.axvline(float(np.mean(p)), color="0.2", ls="--", lw=1, label=f"mean {np.mean(p):.2f}")
    ax.set_xlabel("P(alive): probability the customer still buys")
    ax.set_ylabel("customers")
    ax.set_title("How many customers are still alive?")
    ax.legend()
    return fig


def plot_clv_transitions(table: CLVTransitions | pd.DataFrame, *,
                         ax: Axes | None = None) -> Figure:
    """Heat map of :func:`mining.clv.clv_transitions`: rows before, columns after.

    Counts (or shares) are written in the cells; the diagonal are customers who kept their class.
    A bare table (the result's ``table``) holds shares when it has non-whole numbers.
    """
    owner = "plot_clv_transitions"
    normalize = None
    if isinstance(table, CLVTransitions):
        normalize, table = table.normalize, table.table
    table = as_frame(table, owner, "the transition table (from clv.clv_transitions)")
    if table.size == 0:
        raise InsufficientDataError(f"{owner}: the transition table is empty.")
    data = table.to_numpy(dtype=float)
    shares = bool(normalize) if normalize is not None else not np.all(data == np.round(data))
    fig, ax = new_ax(ax, (6.0, 4.8))
    im = ax.imshow(data, cmap="Blues", aspect="auto")
    top = float(np.nanmax(data)) if np.isfinite(data).any() else 0.0
    for i in range(data.shape[0]):
        for j in range(data.shape[1]):
            txt = f"{data[i, j]:.0%}" if shares else f"{data[i, j]:,.0f}"
            ax.text(j, i, txt, ha="center", va="center", fontsize=9,
                    color="white" if data[i, j] > top / 2 else "black",
                    fontweight="bold" if str(table.index[i]) == str(table.columns[j]) else None)
    ax.set_xticks(range(data.shape[1]), [str(c) for c in table.columns])
    ax.set_yticks(range(data.shape[0]), [str(r) for r in table.index])
    ax.set_xlabel("CLV class at the second cutoff")
    ax.set_ylabel("CLV class at the first cutoff")
    ax.set_title("Movement between CLV-matrix classes")
    fig.colorbar(im, ax=ax, label="share of row" if shares else "customers")
    return fig


def plot_cumulative_purchases(cum: CumulativePurchases, *, ax: Axes | None = None) -> Figure:
    """Cumulative actual and expected repeat purchases over time, the holdout start marked.

    ``cum`` is :func:`mining.clv.cumulative_purchases`. Left of the dashed line the model saw the
    data; right of it (the holdout) the lines are a test: the gap at the right end, written in
    the legend, is how far the model is off.
    """
    t = need_result(cum, CumulativePurchases, "plot_cumulative_purchases",
                    "clv.cumulative_purchases", "days")
    fig, ax = new_ax(ax, (7.0, 4.2))
    name = COUNT_MODELS.get(cum.model, cum.model)
    ax.plot(t.index, t["actual"].to_numpy(float), color="tab:blue", lw=2, label="actual")
    ax.plot(t.index, t["predicted"].to_numpy(float), color="tab:orange", lw=2, ls="--",
            label=f"{name} expected")
    ax.axvline(cum.calibration_end, color="0.3", lw=1, ls=":")
    ax.text(cum.calibration_end, 0.97, " holdout ->", transform=ax.get_xaxis_transform(),
            ha="left", va="top", fontsize=9, color="0.3")
    a, p = cum.actual_holdout, cum.predicted_holdout
    off = f"{p / a - 1:+.0%}" if a > 0 else "n/a"
    ax.set_title(f"Repeat purchases, cumulative: holdout {p:,.0f} expected vs {a:,.0f} actual "
                 f"({off})", fontsize=10)
    ax.set_xlabel("day")
    ax.set_ylabel(f"repeat purchases of the {cum.customers:,} customers")
    ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:,.0f}")
    ax.legend(loc="upper left", fontsize=9)
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    return fig


def plot_period_purchases(period: PeriodPurchases, *, ax: Axes | None = None) -> Figure:
    """Bars of the customers with 0, 1, 2, ... repeat purchases in the calibration period:
    actual beside what the model expects (:func:`mining.clv.period_purchases`)."""
    t = need_result(period, PeriodPurchases, "plot_period_purchases", "clv.period_purchases",
                    "rows")
    fig, ax = new_ax(ax, (6.5, 4.0))
    pos = np.arange(len(t))
    w = 0.4
    name = COUNT_MODELS.get(period.model, period.model)
    ax.bar(pos - w / 2, t["actual"].to_numpy(float), w, color="tab:blue", label="actual")
    ax.bar(pos + w / 2, t["expected"].to_numpy(float), w, color="tab:orange",
           label=f"{name} expected")
    ax.set_xticks(pos, [str(i) for i in t.index])
    ax.set_xlabel("repeat purchases in the calibration period")
    ax.set_ylabel("customers")
    ax.set_title(f"Purchase counts: model vs actual ({period.share_gap:.0%} of customers "
                 "placed differently)", fontsize=10)
    ax.legend(loc="upper right", fontsize=9)
    return fig
