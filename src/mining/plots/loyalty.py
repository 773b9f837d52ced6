"""Figures for loyalty and satisfaction (``mining.loyalty``).

Each function draws on ``ax`` (a new figure when None) and returns the matplotlib ``Figure``;
none calls ``plt.show()`` or changes global styles. They take the tables of :mod:`mining.loyalty`
and write the English type and quadrant names (the default fonts cannot draw Chinese; the
notebook gives the Chinese terms).

=============================  =====================================================================
function                       shows
=============================  =====================================================================
plot_loyalty_matrix            behavioural x attitudinal score of every typed customer, the cut
                               lines, and per quadrant the type, its size and its treatment
plot_driver_importance         horizontal bars of each attribute's share of explained satisfaction
                               (optionally the planted weights as markers)
plot_importance_performance    importance x performance of each attribute, the cut lines and the
                               four quadrant names
plot_satisfaction_change       histogram of transactional minus cumulative satisfaction of the
                               customers with several answers
plot_retention_link            share buying again after the cutoff per satisfaction band or type
plot_nps                       detractors, passives and promoters per group, with the NPS
=============================  =====================================================================
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from mining.errors import InsufficientDataError
from mining.loyalty import LOYALTY_TYPES, QUADRANTS
from mining.plots._common import need_table, new_ax

__all__ = ["plot_driver_importance", "plot_importance_performance", "plot_loyalty_matrix",
           "plot_nps", "plot_retention_link", "plot_satisfaction_change"]

#: One colour per loyalty type (colour-blind-safe pairs: blue/orange, green/grey).
TYPE_COLORS = {"loyal": "#1b9e77", "latent": "#377eb8", "spurious": "#ff7f00",
               "disloyal": "#7f7f7f"}
#: Where each type's box goes: (x, y, ha, va) in axes coordinates.
_CORNERS = {"loyal": (0.98, 0.98, "right", "top"), "latent": (0.02, 0.98, "left", "top"),
            "spurious": (0.98, 0.02, "right", "bottom"),
            "disloyal": (0.02, 0.02, "left", "bottom")}
_BOX = {"facecolor": "white", "alpha": 0.88, "edgecolor": "0.6", "boxstyle": "round,pad=0.35"}


def plot_loyalty_matrix(types: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """The four loyalty types on the behaviour x attitude matrix.

    Each dot is a customer of :func:`mining.loyalty.loyalty_types` (x: ``behavioural_score``
    0-100, y: ``attitudinal_score`` 0-10), coloured by type; dashed lines are the cut points
    (``types.attrs``, else the medians); each quadrant's box names the type, its customers and
    share, and its treatment in short.
    """
    t = need_table(types, ["behavioural_score", "attitudinal_score", "loyalty_type"],
                   "plot_loyalty_matrix expects the table of mining.loyalty.loyalty_types.")
    if t.empty:
        raise InsufficientDataError("plot_loyalty_matrix: the loyalty-type table has no rows.")
    fig, ax = new_ax(ax, (8.5, 6.0))
    x, y = t["behavioural_score"].to_numpy(float), t["attitudinal_score"].to_numpy(float)
    kind = t["loyalty_type"].astype(str).to_numpy()
    size, alpha = (16, 0.6) if len(t) <= 1000 else (8, 0.4)
    for name, color in TYPE_COLORS.items():
        m = kind == name
        if m.any():
            ax.scatter(x[m], y[m], s=size, alpha=alpha, color=color, edgecolors="none",
                       rasterized=len(t) > 1000)
    b_cut = float(t.attrs.get("behaviour_cut", np.median(x)))
    a_cut = float(t.attrs.get("attitude_cut", np.median(y)))
    ax.axvline(b_cut, color="0.25", lw=1, ls="--")
    ax.axhline(a_cut, color="0.25", lw=1, ls="--")
    n = len(t)
    for name, (xx, yy, ha, va) in _CORNERS.items():
        count = int((kind == name).sum())
        ax.text(xx, yy, f"{name.upper()}  {count:,} ({count / n:.0%})\n"
                        f"{LOYALTY_TYPES[name]['in_short']}",
                transform=ax.transAxes, ha=ha, va=va, fontsize=8.5, color=TYPE_COLORS[name],
                fontweight="bold", bbox=_BOX, zorder=5)
    ax.set_xlim(-2, 102)
    ax.set_ylim(-0.6, 11.8)  # room above 10 and below 0 for the boxes
    ax.set_yticks(range(0, 11, 2))
    ax.set_xlabel(f"behavioural loyalty: repeat-buying score, 0-100 (cut at {b_cut:.0f})")
    ax.set_ylabel(f"attitudinal loyalty: score 0-10 (cut at {a_cut:.1f})")
    ax.set_title(f"Four loyalty types: {n:,} customers with purchases and survey answers")
    return fig


def plot_driver_importance(drivers: pd.DataFrame, *, planted: pd.Series | None = None,
                           ax: Axes | None = None) -> Figure:
    """Each attribute's importance (share of the explained variance of overall satisfaction,
    :func:`mining.loyalty.satisfaction_drivers`), strongest on top, with its value written on
    the bar. ``planted`` (the demo's ``truth.driver_weights``) adds the planted weights, scaled to
    sum to 1, as black diamonds."""
    d = need_table(drivers, ["importance"],
                   "plot_driver_importance expects the table of "
                   "mining.loyalty.satisfaction_drivers.")
    if d.empty:
        raise InsufficientDataError("plot_driver_importance: the driver table has no rows.")
    d = d.sort_values("importance", ascending=True, kind="stable")
    fig, ax = new_ax(ax, (7.0, 0.55 * len(d) + 1.6))
    pos = np.arange(len(d))
    imp = d["importance"].to_numpy(float)
    ax.barh(pos, imp, color="#377eb8", height=0.6, label="found importance")
    for p, v in zip(pos, imp, strict=True):  # inside the bar's start: clear of planted markers
        ax.text(0.004, p, f"{v:.0%}", va="center", ha="left", fontsize=8, color="white",
                fontweight="bold")
    top = float(imp.max())
    if planted is not None:
        w = planted.astype("float64")
        w = (w / w.sum()).reindex(d.index)
        ax.scatter(w.to_numpy(float), pos, marker="D", color="black", s=28, zorder=3,
                   label="planted weight (share)")
        top = max(top, float(np.nanmax(w.to_numpy(float))))
        ax.legend(loc="lower right", fontsize=8)
    ax.set_yticks(pos, [str(i).replace("_", " ") for i in d.index])
    ax.set_xlim(0, top * 1.2)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    r2 = d.attrs.get("r_squared")
    ax.set_xlabel("share of the explained variance of overall satisfaction"
                  + (f" (R² = {r2:.2f})" if r2 is not None else ""))
    ax.set_title("What drives overall satisfaction (relative weights)")
    return fig


def plot_importance_performance(quadrant: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """The importance-performance quadrant (:func:`mining.loyalty.importance_performance`):
    x importance (share of explained satisfaction), y performance (mean rating), the cut lines
    (``quadrant.attrs``, else the means) and the four quadrant names in their corners."""
    q = need_table(quadrant, ["importance", "performance"],
                   "plot_importance_performance expects the table of "
                   "mining.loyalty.importance_performance.")
    if q.empty:
        raise InsufficientDataError("plot_importance_performance: the table has no rows.")
    fig, ax = new_ax(ax, (7.5, 5.5))
    x, y = q["importance"].to_numpy(float), q["performance"].to_numpy(float)
    i_cut = float(q.attrs.get("importance_cut", x.mean()))
    p_cut = float(q.attrs.get("performance_cut", y.mean()))
    ax.scatter(x, y, s=60, color="#377eb8", zorder=3)
    x_hi = max(float(x.max()), i_cut) * 1.35
    y_lo = min(float(y.min()), p_cut) - 0.6
    y_hi = max(float(y.max()), p_cut) + 0.6
    for name, xx, yy in zip(q.index, x, y, strict=True):
        right = xx < 0.7 * x_hi  # label right of the dot, unless it would leave the axes
        above = yy >= p_cut  # below the cut line: label below the dot, clear of the line
        ax.annotate(str(name).replace("_", " "), (xx, yy),
                    xytext=(7 if right else -7, 4 if above else -12), textcoords="offset points",
                    ha="left" if right else "right", fontsize=9)
    ax.axvline(i_cut, color="0.3", lw=1, ls="--")
    ax.axhline(p_cut, color="0.3", lw=1, ls="--")
    corners = {("high", "low"): (0.98, 0.02, "right", "bottom"),
               ("high", "high"): (0.98, 0.98, "right", "top"),
               ("low", "low"): (0.02, 0.02, "left", "bottom"),
               ("low", "high"): (0.02, 0.98, "left", "top")}
    for key, (xx, yy, ha, va) in corners.items():
        ax.text(xx, yy, QUADRANTS[key][0], transform=ax.transAxes, ha=ha, va=va, fontsize=9,
                fontweight="bold", color="#b2182b" if key == ("high", "low") else "0.35")
    ax.set_xlim(0, x_hi)
    ax.set_ylim(y_lo, y_hi)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(f"importance: share of explained satisfaction (cut at {i_cut:.0%})")
    ax.set_ylabel(f"performance: mean rating, 1-10 (cut at {p_cut:.1f})")
    ax.set_title("Importance-performance analysis of the service attributes")
    return fig


def plot_satisfaction_change(comparison: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Histogram of ``difference`` = transactional (the last answer) - cumulative (the mean of
    all answers) satisfaction of the customers with two or more answers
    (:func:`mining.loyalty.transactional_vs_cumulative`), in half points; left of 0 the last
    experience was worse than usual."""
    c = need_table(comparison, ["n_answers", "difference"],
                   "plot_satisfaction_change expects the table of "
                   "mining.loyalty.transactional_vs_cumulative.")
    diff = c.loc[c["n_answers"] >= 2, "difference"].astype(float).dropna().to_numpy()
    if diff.size == 0:
        raise InsufficientDataError("plot_satisfaction_change: no customer answered twice; "
                                    "transactional and cumulative satisfaction are the same.")
    fig, ax = new_ax(ax, (7.0, 4.2))
    edge = max(1.0, float(np.ceil(np.abs(diff).max() * 2) / 2))
    bins = np.arange(-edge - 0.25, edge + 0.5, 0.5)
    counts, edges, patches = ax.hist(diff, bins=bins, color="#7f7f7f", edgecolor="white")
    for patch, left in zip(patches, edges[:-1], strict=True):
        centre = left + 0.25
        if centre <= -0.5:
            patch.set_facecolor("#d95f02")
        elif centre >= 0.5:
            patch.set_facecolor("#1b9e77")
    worse, better = float((diff <= -0.5).mean()), float((diff >= 0.5).mean())
    ax.text(0.02, 0.97, f"last answer lower: {worse:.0%}", transform=ax.transAxes, ha="left",
            va="top", color="#d95f02", fontsize=9)
    ax.text(0.98, 0.97, f"last answer higher: {better:.0%}", transform=ax.transAxes, ha="right",
            va="top", color="#1b9e77", fontsize=9)
    ax.set_ylim(0, counts.max() * 1.15)
    ax.set_xlabel("transactional minus cumulative satisfaction (points)")
    ax.set_ylabel("customers")
    ax.set_title(f"Last answer against the whole relationship ({diff.size:,} customers "
                 "with 2+ answers)")
    return fig


def plot_retention_link(link: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Share of customers who bought again in the window after the cutoff, per satisfaction band
    or loyalty type (:func:`mining.loyalty.retention_link`), the number of customers on each bar
    and the overall share as a dashed line."""
    t = need_table(link, ["retention_rate", "n_customers"],
                   "plot_retention_link expects the table of mining.loyalty.retention_link.")
    rows = t.drop(index="all", errors="ignore")
    rows = rows[rows["n_customers"] > 0]
    if rows.empty:
        raise InsufficientDataError("plot_retention_link: no group has customers.")
    fig, ax = new_ax(ax, (7.0, 4.2))
    pos = np.arange(len(rows))
    rate = rows["retention_rate"].to_numpy(float)
    colors = ([TYPE_COLORS.get(str(i), "#377eb8") for i in rows.index]
              if set(map(str, rows.index)) <= set(TYPE_COLORS) else "#377eb8")
    ax.bar(pos, rate, color=colors, width=0.6)
    for p, r, n in zip(pos, rate, rows["n_customers"], strict=True):
        ax.text(p, r + 0.02, f"{r:.0%}\n(n={int(n):,})", ha="center", va="bottom", fontsize=8,
                bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1})
    dashed = ""
    if "all" in t.index:  # said in the x label: a legend would cover the bar labels
        overall = float(t.loc["all", "retention_rate"])
        ax.axhline(overall, color="0.3", lw=1, ls="--", zorder=0)
        dashed = (f" (dashed: all {int(t.loc['all', 'n_customers']):,} customers, "
                  f"{overall:.0%})")
    ax.set_xticks(pos, [str(i) for i in rows.index])
    ax.set_ylim(0, 1.18)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    horizon = t.attrs.get("horizon_days")
    when = t.attrs.get("as_of")
    ax.set_ylabel("bought again" + (f" in the {horizon} days after" if horizon else ""))
    by = "loyalty type" if t.attrs.get("by") == "loyalty_type" else "satisfaction before the cutoff"
    ax.set_xlabel(by + dashed)
    ax.set_title("Does satisfaction predict staying?"
                 + (f" Cutoff {pd.Timestamp(when):%Y-%m-%d}" if when is not None else ""))
    return fig


def plot_nps(nps: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Detractors (0-6), passives (7-8) and promoters (9-10) as stacked shares per row of
    :func:`mining.loyalty.net_promoter_score` (e.g. per loyalty type), the NPS written at the
    right of each bar."""
    t = need_table(nps, ["detractors_share", "passives_share", "promoters_share", "nps"],
                   "plot_nps expects the table of mining.loyalty.net_promoter_score.")
    if t.empty:
        raise InsufficientDataError("plot_nps: the NPS table has no rows.")
    t = t.iloc[::-1]  # first row on top
    fig, ax = new_ax(ax, (7.5, 0.5 * len(t) + 1.8))
    pos = np.arange(len(t))
    left = np.zeros(len(t))
    for col, label, color in (("detractors_share", "detractors 0-6", "#d95f02"),
                              ("passives_share", "passives 7-8", "#bdbdbd"),
                              ("promoters_share", "promoters 9-10", "#1b9e77")):
        share = t[col].to_numpy(float)
        ax.barh(pos, share, left=left, color=color, height=0.6, label=label)
        for p, lft, s in zip(pos, left, share, strict=True):
            if s >= 0.08:
                ax.text(lft + s / 2, p, f"{s:.0%}", ha="center", va="center", fontsize=8)
        left = left + share
    for p, v in zip(pos, t["nps"].to_numpy(float), strict=True):
        ax.text(1.02, p, f"NPS {v:+.0f}", va="center", fontsize=9)
    ax.set_yticks(pos, [str(i) for i in t.index])
    ax.set_xlim(0, 1.18)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("share of customers (latest answer to 'how likely would you recommend us?')")
    ax.legend(loc="upper center", bbox_to_anchor=(0.45, -0.17), ncol=3, fontsize=8,
              frameon=False)
    ax.set_title("Net Promoter Score: promoters minus detractors")
    return fig
