"""Figures for customer segmentation (``mining.segment``).

Each function draws on ``ax`` (a new figure when None) and returns the matplotlib ``Figure``;
none calls ``plt.show()`` or changes global styles.

============================  ====================================================================
function                      shows
============================  ====================================================================
plot_k_selection              silhouette, Calinski-Harabasz, Davies-Bouldin, inertia (elbow), BIC
                              against k, chosen k marked
plot_segment_map              customers on the first two principal components, coloured by segment
plot_segment_heatmap          standardized segment means (segment x feature) as a heat map
plot_snake                    the same as lines: the snake plot
plot_segment_sizes            share of customers vs share of revenue per segment
plot_description_tree         the depth-3 decision tree behind the description rules
plot_stability                distribution of bootstrap adjusted Rand indices
============================  ====================================================================
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from sklearn.decomposition import PCA
from sklearn.tree import plot_tree

from mining.errors import ParameterError
from mining.plots._common import new_ax
from mining.segment import CustomerSegmenter, KSelection, SegmentDescription, Stability

__all__ = [
    "plot_description_tree",
    "plot_k_selection",
    "plot_segment_heatmap",
    "plot_segment_map",
    "plot_segment_sizes",
    "plot_snake",
    "plot_stability",
]

_NOISE_COLOR = "0.7"




def _description(obj: Any, owner: str) -> SegmentDescription:
    if isinstance(obj, SegmentDescription):
        return obj
    if isinstance(obj, CustomerSegmenter) and hasattr(obj, "description_"):
        return obj.description_
    raise ParameterError(
        f"{owner} expects a fitted CustomerSegmenter or a SegmentDescription "
        f"(from segment.describe_segments). Got {type(obj).__name__} instead."
    )


def _colors(segments: list[int]) -> dict[int, Any]:
    cmap = plt.get_cmap("tab10")
    out, i = {}, 0
    for s in segments:
        if s < 0:
            out[s] = _NOISE_COLOR
        else:
            out[s] = cmap(i % 10)
            i += 1
    return out


def _label(seg: int, names: dict[int, str]) -> str:
    return f"{seg}: {names.get(seg, seg)}"


def plot_k_selection(k_table: KSelection | pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """k-selection curves from ``segment.choose_k`` (or ``CustomerSegmenter.k_selection_``).

    Parameters
    ----------
    k_table : KSelection or DataFrame
        The choice of k from ``segment.choose_k``, or its ``table``: indexed by ``k`` with
        columns ``silhouette``, ``calinski_harabasz``, ``davies_bouldin``, ``inertia``, ``bic``
        (may be all NaN) and ``chosen``.
    ax : Axes, optional
        None: a new figure with one small panel per criterion (2 x 3 grid, unused panels
        hidden). Given: every criterion on this one axis, rescaled to 0-1 (1 = its best value).

    Returns
    -------
    Figure
    """
    if isinstance(k_table, KSelection):
        k_table = k_table.table
    if not isinstance(k_table, pd.DataFrame) or "silhouette" not in k_table.columns:
        raise ParameterError(
            "plot_k_selection expects the table from segment.choose_k "
            f"(columns silhouette, calinski_harabasz, ...). Got {type(k_table).__name__} instead."
        )
    metrics = [
        ("silhouette", "silhouette (higher is better)", True),
        ("calinski_harabasz", "Calinski-Harabasz (higher is better)", True),
        ("davies_bouldin", "Davies-Bouldin (lower is better)", False),
        ("inertia", "inertia, the elbow (lower is better)", False),
        ("bic", "BIC (lower is better)", False),
    ]
    metrics = [m for m in metrics if m[0] in k_table and k_table[m[0]].notna().any()]
    chosen = k_table.index[k_table["chosen"].astype(bool)] if "chosen" in k_table else []
    k_best = int(chosen[0]) if len(chosen) else None
    ks = k_table.index.to_numpy()
    if ax is None:
        fig, axes = plt.subplots(2, 3, figsize=(12, 6.5), constrained_layout=True)
        flat = axes.ravel()
        for a, (col, title, _) in zip(flat, metrics, strict=False):
            a.plot(ks, k_table[col], marker="o", color="tab:blue")
            if k_best is not None:
                a.axvline(k_best, color="tab:red", linestyle="--", linewidth=1)
            a.set_title(title, fontsize=10)
            a.set_xlabel("k (number of segments)")
            a.set_xticks(ks)
        for a in flat[len(metrics):]:
            a.set_visible(False)
        if k_best is not None:
            fig.suptitle(f"Choosing k: chosen k = {k_best} (dashed line)")
        return fig
    fig = ax.figure
    for col, title, higher in metrics:
        v = k_table[col].astype(float)
        span = v.max() - v.min()
        scaled = (v - v.min()) / span if span > 0 else v * 0 + 1.0
        ax.plot(ks, scaled if higher else 1 - scaled, marker="o", label=title)
    if k_best is not None:
        ax.axvline(k_best, color="tab:red", linestyle="--", linewidth=1, label=f"chosen k={k_best}")
    ax.set_xlabel("k (number of segments)")
    ax.set_ylabel("score rescaled to 0-1 (1 = best)")
    ax.set_xticks(ks)
    ax.legend(fontsize=8)
    ax.set_title("Choosing k")
    return fig


def plot_segment_map(
    segmenter: CustomerSegmenter,
    X: pd.DataFrame,
    *,
    labels: pd.Series | None = None,
    ax: Axes | None = None,
    max_points: int = 5000,
    random_state: int = 0,
) -> Figure:
    """Customers on the first two principal components (PCA) of the clustering space.

    Parameters
    ----------
    segmenter : CustomerSegmenter
        Fitted; its preprocessing defines the space and its ``labels_`` the colours.
    X : DataFrame
        Customer feature table (the fitted one, or new customers: they are coloured by
        ``segmenter.predict``).
    labels : Series, optional
        Colour by these labels instead (e.g. the planted truth), aligned on ``customer_id``.
    ax : Axes, optional
    max_points : int, default 5000
        At most this many customers are drawn (a random sample; PCA uses all).
    random_state : int, default 0
        Seed of the sample.

    Returns
    -------
    Figure
    """
    if not isinstance(segmenter, CustomerSegmenter) or not hasattr(segmenter, "labels_"):
        raise ParameterError("plot_segment_map expects a fitted CustomerSegmenter.")
    Z = segmenter.transform(X)
    if labels is None:
        same = Z.index.equals(segmenter.labels_.index)
        labels = segmenter.labels_ if same else segmenter.predict(X)
        names = segmenter.segment_names_
    else:
        names = {}
    lab = pd.Series(labels).reindex(Z.index)
    n_comp = min(2, Z.shape[1])
    pca = PCA(n_components=n_comp, random_state=random_state).fit(Z.to_numpy())
    P = pca.transform(Z.to_numpy())
    if n_comp == 1:  # one clustering feature: nothing to project, draw it on a line
        P = np.column_stack([P[:, 0], np.zeros(len(P))])
    rng = np.random.default_rng(random_state)
    idx = np.arange(len(P)) if len(P) <= max_points else np.sort(
        rng.choice(len(P), max_points, replace=False))
    fig, ax = new_ax(ax, (7, 5.5))
    segs = list(pd.unique(lab.dropna()))
    if all(isinstance(s, (int, np.integer)) for s in segs):
        segs = sorted(int(s) for s in segs)
        colors = _colors(segs)
    else:
        segs = sorted(segs, key=str)
        cmap = plt.get_cmap("tab10")
        colors = {s: cmap(i % 10) for i, s in enumerate(segs)}
    sub = lab.to_numpy()[idx]
    for s in segs:
        m = sub == s
        label = _label(s, names) if names else str(s)
        ax.scatter(P[idx][m, 0], P[idx][m, 1], s=8, alpha=0.6, color=colors[s], label=label)
    ev = pca.explained_variance_ratio_
    ax.set_xlabel(f"first principal component ({ev[0]:.0%} of variance)")
    ax.set_ylabel(f"second principal component ({ev[1]:.0%} of variance)" if n_comp == 2
                  else "(only one feature: no second component)")
    ax.set_title("Customers in two dimensions (PCA), coloured by segment")
    ax.legend(fontsize=8, markerscale=2, loc="best")
    return fig


def plot_segment_heatmap(
    description: CustomerSegmenter | SegmentDescription, *, ax: Axes | None = None
) -> Figure:
    """Heat map of standardized segment means (segment x feature, in standard deviations).

    Red: the segment is above the overall mean on that feature; blue: below. Each cell is
    annotated with its value.
    """
    d = _description(description, "plot_segment_heatmap")
    S = d.standardized
    names = d.names
    fig, ax = new_ax(ax, (max(6.0, 0.7 * S.shape[1] + 3), 0.6 * S.shape[0] + 2))
    lim = float(np.nanmax(np.abs(S.to_numpy()))) if S.size else 1.0
    lim = lim if np.isfinite(lim) and lim > 0 else 1.0
    im = ax.imshow(S.to_numpy(dtype=float), cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
    ax.set_xticks(range(S.shape[1]), S.columns, rotation=45, ha="right")
    ax.set_yticks(range(S.shape[0]), [_label(s, names) for s in S.index])
    for i in range(S.shape[0]):
        for j in range(S.shape[1]):
            v = S.iat[i, j]
            if np.isfinite(v):
                ax.text(j, i, f"{v:+.1f}", ha="center", va="center", fontsize=7,
                        color="white" if abs(v) > 0.6 * lim else "black")
    fig.colorbar(im, ax=ax, label="segment mean vs overall (standard deviations)")
    ax.set_title("What sets each segment apart (standardized means)")
    return fig


def plot_snake(
    description: CustomerSegmenter | SegmentDescription, *, ax: Axes | None = None
) -> Figure:
    """Snake plot: one line per segment across the features, in standard deviations."""
    d = _description(description, "plot_snake")
    S = d.standardized
    names = d.names
    fig, ax = new_ax(ax, (max(7.0, 0.6 * S.shape[1] + 3), 4.5))
    colors = _colors(list(S.index))
    x = np.arange(S.shape[1])
    for seg in S.index:
        ax.plot(x, S.loc[seg].to_numpy(dtype=float), marker="o", color=colors[seg],
                label=_label(seg, names))
    ax.axhline(0, color="0.4", linewidth=0.8)
    ax.set_xticks(x, S.columns, rotation=45, ha="right")
    ax.set_ylabel("segment mean vs overall (standard deviations)")
    ax.set_title("Snake plot of segment profiles")
    ax.legend(fontsize=8)
    return fig


def plot_segment_sizes(
    description: CustomerSegmenter | SegmentDescription | pd.DataFrame,
    *,
    ax: Axes | None = None,
) -> Figure:
    """Bars of each segment's share of customers and share of revenue (0-100%).

    ``description`` may also be a profile DataFrame with columns ``name``, ``share_customers`` and
    ``share_revenue``. A segment whose revenue bar is taller than its customer bar is worth more
    than its head count.
    """
    if isinstance(description, pd.DataFrame):
        P = description
    else:
        P = _description(description, "plot_segment_sizes").profile
    need = {"share_customers", "share_revenue"}
    if not need <= set(P.columns):
        raise ParameterError(f"plot_segment_sizes needs profile columns {sorted(need)}.")
    fig, ax = new_ax(ax, (max(6.0, 1.2 * len(P) + 2), 4.5))
    x = np.arange(len(P))
    w = 0.4
    ax.bar(x - w / 2, 100 * P["share_customers"], w, label="share of customers", color="tab:blue")
    if P["share_revenue"].notna().any():
        ax.bar(x + w / 2, 100 * P["share_revenue"].fillna(0), w, label="share of revenue",
               color="tab:orange")
    names = P["name"] if "name" in P else pd.Series(P.index.astype(str), index=P.index)
    ax.set_xticks(x, [f"{s}: {n}" for s, n in zip(P.index, names, strict=True)], rotation=30,
                  ha="right")
    ax.set_ylabel("percent")
    ax.set_title("Segment size and revenue")
    ax.legend()
    return fig


def plot_description_tree(
    description: CustomerSegmenter | SegmentDescription, *, ax: Axes | None = None
) -> Figure:
    """The decision tree whose leaves are the description rules (raw feature units)."""
    d = _description(description, "plot_description_tree")
    fig, ax = new_ax(ax, (14, 7))
    names = d.names
    classes = [_label(int(c), names) for c in d.tree.classes_]
    plot_tree(d.tree, feature_names=d.features, class_names=classes, filled=True,
              impurity=False, proportion=True, rounded=True, fontsize=7, ax=ax)
    ax.set_title(f"Description tree (rules reproduce {d.fidelity:.0%} of the segments)")
    return fig


def plot_stability(result: Stability, *, ax: Axes | None = None) -> Figure:
    """Histogram of the adjusted Rand index between pairs of bootstrap clusterings."""
    if not isinstance(result, Stability):
        raise ParameterError(
            f"plot_stability expects the result of segment.stability. Got {type(result).__name__}."
        )
    fig, ax = new_ax(ax, (6, 4))
    ari = result.pairs["ari"].dropna()
    ax.hist(ari, bins=20, range=(min(0.0, float(ari.min())) if len(ari) else 0.0, 1.0),
            color="tab:blue", alpha=0.8)
    ax.axvline(result.mean_ari, color="tab:red", linestyle="--",
               label=f"mean ARI {result.mean_ari:.2f}: {result.verdict}")
    ax.set_xlabel("adjusted Rand index between two resamples (1 = same segments)")
    ax.set_ylabel("pairs of resamples")
    ax.set_title("Bootstrap stability of the segments")
    ax.legend(fontsize=8)
    return fig
