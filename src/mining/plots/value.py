"""Figures for customer value (``mining.value``).

Each function draws on ``ax`` (a new figure when None) and returns the matplotlib ``Figure``;
none calls ``plt.show()`` or changes global styles.

============================  ====================================================================
function                      shows
============================  ====================================================================
plot_rfm_heatmap              R score x F score grid of the mean of a value column (or the
                              customer count), numbers written in the cells
plot_rfm_segments             share of customers and share of revenue per named RFM segment
plot_pareto_curve             the Pareto (concentration) curve with the diagonal and the 80/20 mark
plot_abc_classes              cumulative revenue curve coloured by ABC class, cutoffs marked
plot_clv_matrix               current vs future value per customer, coloured by CLV class, with
                              the split lines and the four quadrant names
============================  ====================================================================
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullLocator

from mining.errors import InsufficientDataError, ParameterError, SchemaError
from mining.plots._common import as_frame, finish_axes, need_columns, new_ax
from mining.value import (
    CLV_CLASSES,
    RFM_SEGMENTS,
    clv_matrix_splits,
    pareto_curve,
    rfm_segment_summary,
)

__all__ = [
    "plot_abc_classes",
    "plot_clv_matrix",
    "plot_pareto_curve",
    "plot_rfm_heatmap",
    "plot_rfm_segments",
]

_CLV_COLORS = {"lead": "0.55", "iron": "tab:blue", "gold": "goldenrod", "platinum": "tab:purple"}
_ABC_COLORS = ("tab:green", "tab:orange", "tab:red", "tab:purple", "tab:brown", "tab:pink")


def plot_rfm_heatmap(rfm: pd.DataFrame, *, value: str = "monetary_total", bins: int | None = None,
                     ax: Axes | None = None) -> Figure:
    """Heat map of R score (rows, best on top) x F score (columns).

    Parameters
    ----------
    rfm : DataFrame
        Output of :func:`mining.value.rfm_scores`.
    value : str
        Column whose per-cell mean is shown, or ``"count"`` for the number of customers.
    bins : int, optional
        Score levels of the grid (the ``bins`` given to ``rfm_scores``); default: the highest R
        or F score in the table (the same, unless the table was filtered).
    ax : Axes, optional
        Where to draw; a new figure when None.
    """
    owner = "plot_rfm_heatmap"
    rfm = as_frame(rfm, owner, "the RFM table (from value.rfm_scores)")
    need_columns(rfm, ["r_score", "f_score"], owner, "RFM")
    if value != "count":
        need_columns(rfm, [value], owner, "RFM")
    if len(rfm) == 0:
        raise InsufficientDataError(f"{owner}: the RFM table has no customers.")
    if bins is None:
        bins = int(max(rfm["r_score"].max(), rfm["f_score"].max()))
    elif not (isinstance(bins, int) and not isinstance(bins, bool) and bins >= 2):
        raise ParameterError(f"The 'bins' parameter of {owner} must be None or an int >= 2. "
                             f"Got {bins!r} instead.")
    levels = list(range(1, bins + 1))
    g = rfm.groupby(["r_score", "f_score"])
    cell = g.size() if value == "count" else g[value].mean()
    grid = cell.unstack("f_score").reindex(index=levels[::-1], columns=levels)
    fig, ax = new_ax(ax, (1.1 * bins + 2.5, 0.9 * bins + 1.5))
    data = grid.to_numpy(dtype=float)
    im = ax.imshow(np.ma.masked_invalid(data), cmap="YlGnBu", aspect="auto")
    finite = data[np.isfinite(data)]
    mid = (finite.min() + finite.max()) / 2 if finite.size else 0.0
    for i in range(data.shape[0]):
        for j in range(data.shape[1]):
            if np.isfinite(data[i, j]):
                ax.text(j, i, f"{data[i, j]:,.0f}", ha="center", va="center", fontsize=8,
                        color="white" if data[i, j] > mid else "black")
    ax.set_xticks(range(bins), [str(v) for v in levels])
    ax.set_yticks(range(bins), [str(v) for v in levels[::-1]])
    ax.set_xlabel("F score (frequency)")
    ax.set_ylabel("R score (recency)")
    label = "customers" if value == "count" else f"mean {value}"
    fig.colorbar(im, ax=ax, label=label)
    ax.set_title(f"RFM grid: {label}")
    return fig


def plot_rfm_segments(rfm: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Horizontal bars of the share of customers and share of revenue per RFM segment (%).

    ``rfm`` is the output of :func:`mining.value.rfm_scores` (or of
    :func:`mining.value.rfm_segment_summary`). Segments are in :data:`RFM_SEGMENTS` order, best
    on top; the customer count is written beside each bar.
    """
    owner = "plot_rfm_segments"
    rfm = as_frame(rfm, owner, "the RFM table (from value.rfm_scores)")
    if {"customers", "share", "revenue_share"} <= set(rfm.columns):
        summary = rfm
    else:
        summary = rfm_segment_summary(rfm)
    if len(summary) == 0:
        raise InsufficientDataError(f"{owner}: no segment has customers.")
    order = [s for s in RFM_SEGMENTS if s in summary.index]
    order += [s for s in summary.index if s not in order]
    s = summary.loc[order]
    fig, ax = new_ax(ax, (8.0, 0.45 * len(s) + 1.8))
    y = np.arange(len(s))[::-1]
    h = 0.4
    ax.barh(y + h / 2, 100 * s["share"], h, label="share of customers", color="tab:blue")
    ax.barh(y - h / 2, 100 * s["revenue_share"].fillna(0), h, label="share of revenue",
            color="tab:orange")
    for yi, (n, sh) in zip(y, zip(s["customers"], s["share"], strict=True), strict=True):
        ax.text(100 * sh, yi + h / 2, f" {int(n)}", va="center", fontsize=7)
    ax.set_yticks(y, [str(i).replace("_", " ") for i in s.index])
    ax.set_xlabel("percent")
    ax.set_title("RFM segments: customers and revenue")
    ax.legend(loc="lower right", fontsize=8)
    return fig


def plot_pareto_curve(curve_or_features: pd.DataFrame, *, ax: Axes | None = None,
                      mark: float | None = 0.2) -> Figure:
    """The Pareto curve: cumulative share of revenue against share of customers (top first).

    Parameters
    ----------
    curve_or_features : DataFrame
        Output of :func:`mining.value.pareto_curve` (``share_customers``, ``share_revenue``) or a
        customer table with ``monetary_total``.
    mark : float, optional
        Mark the top ``mark`` share of customers and the revenue share they bring (the 80/20
        rule at 0.2); None for no mark.
    """
    owner = "plot_pareto_curve"
    df = as_frame(curve_or_features, owner, "a Pareto curve or a customer table")
    if {"share_customers", "share_revenue"} <= set(df.columns):
        curve = df
    elif "monetary_total" in df.columns:
        curve = pareto_curve(df)
    else:
        raise SchemaError([f"{owner} needs columns 'share_customers' and 'share_revenue' (a "
                           "Pareto curve) or 'monetary_total' (a customer table)"],
                          what="input")
    if mark is not None and not (isinstance(mark, int | float) and 0 < mark < 1):
        raise ParameterError(f"The 'mark' parameter of {owner} must be None or a number in "
                             f"(0, 1). Got {mark!r} instead.")
    fig, ax = new_ax(ax, (5.5, 5.0))
    x = 100 * curve["share_customers"].to_numpy(float)
    yv = 100 * curve["share_revenue"].to_numpy(float)
    ax.plot(x, yv, color="tab:blue", lw=2, label="customers ranked by revenue")
    ax.plot([0, 100], [0, 100], ls="--", color="0.5", lw=1, label="equal shares")
    if mark is not None:
        share = float(np.interp(100 * mark, x, yv))
        ax.axvline(100 * mark, color="tab:red", lw=1, ls=":")
        ax.axhline(share, color="tab:red", lw=1, ls=":")
        ax.plot([100 * mark], [share], "o", color="tab:red",
                label=f"top {100 * mark:.0f}% -> {share:.0f}% of revenue")
    finish_axes(ax, xlabel="share of customers (%)", ylabel="share of revenue (%)",
                title="Pareto curve of customer revenue", limit=100, legend="lower right")
    return fig


def plot_abc_classes(abc: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Cumulative revenue share against cumulative customer share, coloured by ABC class.

    ``abc`` is the output of :func:`mining.value.abc_classes`; its cutoffs (column
    ``class_limit``) are drawn as dotted lines and each class's share of customers and revenue is
    written in the legend.
    """
    owner = "plot_abc_classes"
    abc = as_frame(abc, owner, "the ABC table (from value.abc_classes)")
    need_columns(abc, ["revenue", "cum_share_revenue", "cum_share_customers", "abc_class"], owner, "ABC")
    if len(abc) == 0:
        raise InsufficientDataError(f"{owner}: the ABC table has no customers.")
    a = abc.sort_values("cum_share_customers")
    x = np.r_[0.0, 100 * a["cum_share_customers"].to_numpy(float)]
    yv = np.r_[0.0, 100 * a["cum_share_revenue"].to_numpy(float)]
    cls = a["abc_class"].astype(str).to_numpy()
    total = float(a["revenue"].sum())
    fig, ax = new_ax(ax, (6.0, 5.0))
    for k, c in enumerate(sorted(set(cls))):
        idx = np.flatnonzero(cls == c)
        seg = np.r_[idx[0], idx + 1]  # include the point where the class starts
        cust = 100 * len(idx) / len(a)
        rev = 100 * float(a["revenue"].to_numpy()[idx].sum()) / total if total > 0 else 0.0
        color = _ABC_COLORS[k % len(_ABC_COLORS)]
        ax.plot(x[seg], yv[seg], lw=2.5, color=color,
                label=f"{c}: {cust:.0f}% of customers, {rev:.0f}% of revenue")
        ax.fill_between(x[seg], 0, yv[seg], color=color, alpha=0.15)
    limits = abc["class_limit"].dropna().unique() if "class_limit" in abc.columns else []
    for cut in sorted(float(c) for c in limits if c < 1.0):
        ax.axhline(100 * cut, color="0.4", ls=":", lw=1)
    finish_axes(ax, xlabel="cumulative share of customers (%)",
                ylabel="cumulative share of revenue (%)", title="ABC classes of customers",
                limit=100, legend="lower right")
    return fig


_MONEY_FLOOR = 0.01  # one cent: the smallest amount drawn on a log axis


def _log_scale(ax: Axes, axis: str, vals: np.ndarray) -> None:
    """Log scale when every value is positive; else symlog, linear below the 5th percentile of
    the positive values (so zeros stay visible), starting at 0 for non-negative data."""
    finite = vals[np.isfinite(vals)]
    pos = finite[finite > 0]
    set_scale = ax.set_xscale if axis == "x" else ax.set_yscale
    if finite.size and pos.size == finite.size:
        set_scale("log")
        return
    set_scale("symlog", linthresh=float(np.percentile(pos, 5)) if pos.size else 1.0)
    if finite.size and finite.min() >= 0:
        (ax.set_xlim if axis == "x" else ax.set_ylim)(0, None)


def _money_tick(v: float, _pos: int | None = None) -> str:
    """A log-axis tick as a plain amount (no 10^x): 0.01, 0.1, 1, 10, 1,000."""
    if v <= 0:
        return "0"
    return f"{v:,.0f}" if v >= 1 else f"{v:g}"


def plot_clv_matrix(matrix: pd.DataFrame, *, value_col: str = "current_value",
                    growth_col: str = "future_value", ax: Axes | None = None,
                    log: bool = True, currency: str = "") -> Figure:
    """Scatter of current value (x) against future value (y), coloured by CLV-matrix class.

    ``matrix`` is the output of :func:`mining.value.clv_matrix` built from ``value_col`` and
    ``growth_col``; its split values (columns ``value_split``, ``growth_split``, read with
    :func:`mining.value.clv_matrix_splits`) are drawn as lines and the four quadrants are named (lead 铅质, iron 铁质, gold 黄金,
    platinum 白金; the figure uses the English names, which the default fonts can draw).
    With ``log=True`` both axes are logarithmic and amounts below one cent (0.01) are drawn at
    0.01 (the axis label says so), so customers with (almost) no future value stay visible
    without stretching the axis over dozens of decades; ticks are plain amounts (1, 100,
    10,000), in ``currency`` when given (written in the axis labels).
    """
    owner = "plot_clv_matrix"
    matrix = as_frame(matrix, owner, "the CLV matrix (from value.clv_matrix)")
    vcol, gcol = value_col, growth_col
    need_columns(matrix, [vcol, gcol, "clv_class"], owner, "CLV matrix")
    if len(matrix) == 0:
        raise InsufficientDataError(f"{owner}: the CLV matrix has no customers.")
    v = matrix[vcol].to_numpy(float)
    g = matrix[gcol].to_numpy(float)
    vs, gs = clv_matrix_splits(matrix, value_col=vcol, growth_col=gcol)
    cls = matrix["clv_class"].astype(str).to_numpy()
    fig, ax = new_ax(ax, (7.5, 5.5))
    if log:  # money below a cent is drawn at a cent: a log axis would spread it over 1e-40..
        v_draw, g_draw = np.maximum(v, _MONEY_FLOOR), np.maximum(g, _MONEY_FLOOR)
    else:
        v_draw, g_draw = v, g
    size, alpha = (14, 0.7) if len(v) <= 1000 else (6, 0.45)  # many points: smaller, lighter
    for c in CLV_CLASSES:
        m = cls == c
        if m.any():
            ax.scatter(v_draw[m], g_draw[m], s=size, alpha=alpha, color=_CLV_COLORS[c],
                       label=f"{c} ({int(m.sum()):,})", rasterized=len(v) > 1000)
    ax.axvline(vs, color="0.3", lw=1, ls="--")
    ax.axhline(gs, color="0.3", lw=1, ls="--")
    if log:
        for axis, vals in (("x", v), ("y", g)):
            _log_scale(ax, axis, np.maximum(vals, _MONEY_FLOOR))
            which = ax.xaxis if axis == "x" else ax.yaxis
            which.set_major_formatter(FuncFormatter(_money_tick))  # 0.01, 1, 100, 10,000
            which.set_minor_locator(NullLocator())  # decades only: readable and quick to draw
    corners = {"lead": (0.02, 0.02, "left", "bottom"), "iron": (0.02, 0.98, "left", "top"),
               "gold": (0.98, 0.02, "right", "bottom"), "platinum": (0.98, 0.98, "right", "top")}
    for c, (xx, yy, ha, va) in corners.items():
        ax.text(xx, yy, c, transform=ax.transAxes, ha=ha, va=va,
                fontsize=9, fontweight="bold", color=_CLV_COLORS[c],
                bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none"})
    below = " (below 0.01 drawn at 0.01)" if log else ""
    unit = f", {currency}" if currency else ""
    ax.set_xlabel(f"current value ({vcol}{unit}){below if (v < _MONEY_FLOOR).any() else ''}")
    ax.set_ylabel(f"future value ({gcol}{unit}){below if (g < _MONEY_FLOOR).any() else ''}")
    ax.set_title("CLV matrix: current value x growth potential")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, borderaxespad=0,
              title="class (customers)", title_fontsize=8)
    return fig
