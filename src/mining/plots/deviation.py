"""Figures for deviation detection (``mining.deviation``).

Each function draws on ``ax`` (a new figure when None) and returns the matplotlib ``Figure``;
none calls ``plt.show()`` or changes global styles.

=========================  ===============================================================
function                   shows
=========================  ===============================================================
plot_score_distribution    histogram of the combined (or any) score, the threshold line
plot_deviation_map         customers in a 2-D projection (PCA of the robust z-scores),
                           flagged ones in red, planted ones circled when given
plot_customer_reasons      one customer's robust z-score per feature (the reason codes)
plot_flag_reasons          the flagged customers by main reason (bars, readable small)
plot_series_flags          one weekly series with its expected level and flagged weeks
                           (spikes, dips, sustained drop)
=========================  ===============================================================
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from sklearn.decomposition import PCA

from mining.deviation import (
    CustomerDeviations,
    OrderDeviations,
    SeriesDeviations,
    main_reason_table,
)
from mining.errors import ParameterError
from mining.plots._common import new_ax

__all__ = [
    "plot_customer_reasons",
    "plot_deviation_map",
    "plot_flag_reasons",
    "plot_score_distribution",
    "plot_series_flags",
]

_FLAG = "tab:red"
_OK = "tab:blue"




def plot_score_distribution(result: CustomerDeviations | OrderDeviations | pd.Series, *,
                            threshold: float | None = None, bins: int = 60, log: bool = True,
                            ax: Axes | None = None) -> Figure:
    """Histogram of anomaly scores with the threshold.

    Parameters
    ----------
    result : CustomerDeviations, OrderDeviations or Series
        The scores (``score`` column of a result, or a Series).
    threshold : float, optional
        Vertical line; default the result's threshold.
    log : bool
        Logarithmic count axis (the interesting tail is a handful of rows).
    """
    if isinstance(result, CustomerDeviations):
        scores, thr = result.scores["score"], result.threshold
    elif isinstance(result, OrderDeviations):
        scores, thr = result.orders["score"], result.threshold
    elif isinstance(result, pd.Series):
        scores, thr = result, None
    else:
        raise ParameterError("plot_score_distribution expects a CustomerDeviations, "
                             f"OrderDeviations or Series. Got {type(result).__name__} instead.")
    thr = threshold if threshold is not None else thr
    fig, ax = new_ax(ax, (7.5, 4.0))
    s = scores.dropna().astype(float)
    ax.hist(s, bins=bins, color=_OK, alpha=0.8, log=log)
    if thr is not None and np.isfinite(thr):
        n = int((s > thr).sum())
        ax.axvline(thr, color=_FLAG, ls="--", lw=1.5,
                   label=f"threshold {thr:.2f}: {n:,} flagged ({n / max(len(s), 1):.1%})")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False)
    ax.set_xlabel("anomaly score (robust SD above the typical row)")
    ax.set_ylabel("count" + (" (log scale)" if log else ""))
    ax.set_title("Score distribution and the threshold")
    return fig


def plot_deviation_map(result: CustomerDeviations, *, planted: Iterable[Any] | None = None,
                       label_top: int = 5, ax: Axes | None = None) -> Figure:
    """Customers in two dimensions (PCA of the clipped robust z-scores), flagged in red.

    Parameters
    ----------
    result : CustomerDeviations
    planted : ids, optional
        Known anomalies (e.g. the demo's planted customers): drawn as black circles.
    label_top : int
        Write the ids of this many highest-ranked flagged customers.
    """
    if not isinstance(result, CustomerDeviations):
        raise ParameterError("plot_deviation_map expects a CustomerDeviations. "
                             f"Got {type(result).__name__} instead.")
    Z = result.zscores.fillna(0.0).clip(-10, 10)
    fig, ax = new_ax(ax, (7.0, 5.5))
    if Z.shape[1] >= 2:
        P = PCA(n_components=2, random_state=0).fit_transform(Z.to_numpy())
        xlab, ylab = "component 1", "component 2"
    else:
        P = np.column_stack([Z.iloc[:, 0].to_numpy(), np.zeros(len(Z))])
        xlab, ylab = str(Z.columns[0]), ""
    P = pd.DataFrame(P, index=Z.index, columns=["x", "y"])
    flagged = result.scores["flagged"].reindex(P.index).fillna(False).astype(bool)
    ax.scatter(P.loc[~flagged, "x"], P.loc[~flagged, "y"], s=6, color=_OK, alpha=0.35,
               label=f"usual ({int((~flagged).sum()):,})")
    ax.scatter(P.loc[flagged, "x"], P.loc[flagged, "y"], s=22, color=_FLAG,
               label=f"flagged ({int(flagged.sum()):,})")
    if planted is not None:
        ids = [i for i in pd.Index([str(x) for x in planted]) if i in P.index]
        ax.scatter(P.loc[ids, "x"], P.loc[ids, "y"], s=80, facecolors="none",
                   edgecolors="black", lw=1.0, label=f"planted ({len(ids)})")
    top = result.scores[result.scores["flagged"]].head(int(label_top)).index
    texts = [ax.text(P.at[cid, "x"], P.at[cid, "y"], str(cid), fontsize=8)
             for cid in top if cid in P.index]
    if len(texts) > 1:  # move the ids apart so none overprints another
        from adjustText import adjust_text

        marks = P.loc[flagged]
        adjust_text(texts, x=marks["x"].to_numpy(), y=marks["y"].to_numpy(), ax=ax,
                    expand=(1.3, 1.6), arrowprops={"arrowstyle": "-", "color": "0.5",
                                                    "lw": 0.5})
    ax.set_xlabel(xlab)
    ax.set_ylabel(ylab)
    ax.set_title("Customers in 2-D (PCA of robust z-scores)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False)
    return fig


def plot_flag_reasons(result: CustomerDeviations, *, ax: Axes | None = None) -> Figure:
    """The flagged customers by their main reason: one bar per reason, most common on top,
    each with its count (the result at a glance; large type so it reads as a thumbnail)."""
    if not isinstance(result, CustomerDeviations):
        raise ParameterError("plot_flag_reasons expects a CustomerDeviations. "
                             f"Got {type(result).__name__} instead.")
    flags = result.flags
    t = main_reason_table(flags).iloc[::-1] if len(flags) else None
    fig, ax = new_ax(ax, (7.0, 0.6 * (len(t) if t is not None else 1) + 2.0))
    if t is None:
        ax.text(0.5, 0.5, "no customer flagged", ha="center", va="center", fontsize=14,
                transform=ax.transAxes)
        ax.axis("off")
        ax.set_title("Why customers were flagged")
        return fig
    bars = ax.barh(t["label"], t["customers"], color=_FLAG)
    ax.bar_label(bars, labels=[f"{c}" for c in t["customers"]], padding=3, fontsize=12)
    ax.tick_params(axis="y", labelsize=12)
    ax.set_xlabel("flagged customers", fontsize=11)
    ax.margins(x=0.15)
    ax.set_title(f"Why {len(flags):,} of {len(result.scores):,} customers were flagged",
                 fontsize=13)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig


def plot_customer_reasons(result: CustomerDeviations, customer_id: Any, *,
                          ax: Axes | None = None) -> Figure:
    """One customer's robust z-score per feature: the bars behind the reason codes."""
    if not isinstance(result, CustomerDeviations):
        raise ParameterError("plot_customer_reasons expects a CustomerDeviations. "
                             f"Got {type(result).__name__} instead.")
    key = str(customer_id)
    idx = result.zscores.index.astype(str)
    if key not in set(idx):
        raise ParameterError(f"The 'customer_id' parameter of plot_customer_reasons must be a "
                             f"customer of the result. Got {customer_id!r} instead.")
    z = result.zscores[idx == key].iloc[0].fillna(0.0).sort_values()
    rz = float(result.params.get("reason_z", 3.0))  # type: ignore[arg-type]
    fig, ax = new_ax(ax, (7.0, 0.45 * len(z) + 1.5))
    colors = [_FLAG if abs(v) > rz else _OK for v in z]
    ax.barh([str(c) for c in z.index], z.to_numpy(), color=colors)
    ax.axvline(0, color="black", lw=0.8)
    for x in (-rz, rz):
        ax.axvline(x, color="grey", ls=":", lw=1)
    ax.set_xlabel("robust z-score (robust SD from the reference median)")
    ax.set_title(f"Why customer {key} stands out")
    return fig


def plot_series_flags(result: SeriesDeviations, entity: Any, *, title: str | None = None,
                      ax: Axes | None = None) -> Figure:
    """One weekly series: values, the expected level, and the flagged weeks.

    Parameters
    ----------
    result : SeriesDeviations
    entity : id
        A column of the series (customer_id, product_id, category).
    """
    if not isinstance(result, SeriesDeviations):
        raise ParameterError("plot_series_flags expects a SeriesDeviations. "
                             f"Got {type(result).__name__} instead.")
    key = str(entity)
    rows = result.weeks[result.weeks["entity"] == key]
    if rows.empty:
        raise ParameterError(f"The 'entity' parameter of plot_series_flags must be one of the "
                             f"series. Got {entity!r} instead.")
    fig, ax = new_ax(ax, (9.0, 3.8))
    smooth = int(result.params.get("smooth_weeks", 1))  # type: ignore[call-overload]
    what = "weekly value" if smooth == 1 else f"{smooth}-week sum"
    ax.plot(rows["week"], rows["value"], color=_OK, lw=1.2, label=what)
    ax.plot(rows["week"], rows["expected"], color="grey", ls="--", lw=1.2,
            label="expected (rolling median x season)")
    for flag, marker, color in (("spike", "^", _FLAG), ("dip", "v", "tab:purple")):
        hit = rows[rows["flag"] == flag]
        if len(hit):
            ax.scatter(hit["week"], hit["value"], marker=marker, s=60, color=color, zorder=3,
                       label=f"{flag} ({len(hit)})")
    drop = rows[rows["flag"] == "drop"]
    if len(drop):
        ax.axvspan(drop["week"].min(), drop["week"].max() + pd.Timedelta(days=7),
                   color="tab:orange", alpha=0.2, label="sustained drop")
    status = result.summary["status"].get(key, "ok")
    ax.set_title(title or f"{key}: {what} against its expected level"
                 + ("" if status == "ok" else f" ({status})"))
    ax.set_xlabel("week")
    ax.set_ylabel(what)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    fig.autofmt_xdate()
    return fig
