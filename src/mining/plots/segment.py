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
plot_silhouette               each customer's silhouette, grouped by segment (sampled)
plot_stability                distribution of bootstrap adjusted Rand indices
plot_dendrogram               the merge tree of segment.hierarchical_clusters, its cut marked
============================  ====================================================================
"""

from __future__ import annotations

import textwrap
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from scipy.cluster import hierarchy
from sklearn.decomposition import PCA

from mining.errors import ParameterError
from mining.plots._common import new_ax
from mining.segment import (
    CustomerSegmenter,
    HierarchicalClusters,
    KSelection,
    SegmentDescription,
    Stability,
    short_number,
)

__all__ = [
    "plot_dendrogram",
    "plot_description_tree",
    "plot_k_selection",
    "plot_segment_heatmap",
    "plot_segment_map",
    "plot_segment_sizes",
    "plot_silhouette",
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
    ax.legend(fontsize=8, markerscale=2, loc="upper left", bbox_to_anchor=(1.01, 1.0),
              frameon=False)
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
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
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
    bars = [ax.bar(x - w / 2, 100 * P["share_customers"], w, label="share of customers",
                   color="tab:blue")]
    if P["share_revenue"].notna().any():
        bars.append(ax.bar(x + w / 2, 100 * P["share_revenue"].fillna(0), w,
                           label="share of revenue", color="tab:orange"))
    for group in bars:
        ax.bar_label(group, fmt="%.0f%%", fontsize=8, padding=2)
    ax.margins(y=0.12)
    names = P["name"] if "name" in P else pd.Series(P.index.astype(str), index=P.index)
    ax.set_xticks(x, [f"{s}: {n}" for s, n in zip(P.index, names, strict=True)], rotation=30,
                  ha="right")
    ax.set_ylabel("percent")
    ax.set_title("Segment size and revenue")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return fig


def _split_text(feature: str, threshold: float) -> str:
    """'feature <= t' as read aloud; counts (n_...) split at x.5 read 'n_orders <= 4'."""
    if feature.startswith("n_") and abs(threshold % 1 - 0.5) < 1e-9:
        return f"{feature} <= {int(np.floor(threshold))}"
    return f"{feature} <= {short_number(threshold)}"


def plot_description_tree(
    description: CustomerSegmenter | SegmentDescription, *, ax: Axes | None = None,
    max_depth: int | None = None,
) -> Figure:
    """The decision tree whose leaves are the description rules (raw feature units).

    Drawn for reading: each split as one condition ("yes" to the left), each leaf with the
    segment it predicts, its share of all customers and the share of the leaf in that segment;
    leaves are coloured by segment and get their own column, so no box overlaps another.

    Parameters
    ----------
    description : CustomerSegmenter or SegmentDescription
    ax : Axes, optional
    max_depth : int, optional
        Draw only this many levels (deeper branches end in a box with their majority segment).
    """
    d = _description(description, "plot_description_tree")
    t = d.tree.tree_
    names = d.names
    classes = [int(c) for c in d.tree.classes_]
    colors = _colors(sorted(set(classes)))
    total = float(t.weighted_n_node_samples[0])
    limit = max_depth if max_depth is not None else int(d.tree.get_depth())

    def is_leaf(node: int, depth: int) -> bool:
        return t.children_left[node] == t.children_right[node] or depth >= limit

    # leaves left to right; a parent sits above the middle of its children
    pos: dict[int, tuple[float, int]] = {}
    edges: list[tuple[int, int, str]] = []
    counter = [0]

    def place(node: int, depth: int) -> float:
        if is_leaf(node, depth):
            x = float(counter[0])
            counter[0] += 1
        else:
            left, right = int(t.children_left[node]), int(t.children_right[node])
            x = (place(left, depth + 1) + place(right, depth + 1)) / 2
            edges.extend([(node, left, "yes"), (node, right, "no")])
        pos[node] = (x, depth)
        return x

    place(0, 0)
    n_leaves = counter[0]
    depth = max(dp for _, dp in pos.values())
    fig, ax = new_ax(ax, (max(8.0, 2.2 * n_leaves), 1.5 * (depth + 1) + 0.8))
    for a, b, word in edges:
        (xa, ya), (xb, yb) = pos[a], pos[b]
        ax.plot([xa, xb], [-ya, -yb], color="0.5", linewidth=1, zorder=1)
        ax.text((xa + xb) / 2, -(ya + yb) / 2, word, fontsize=7, color="0.3", ha="center",
                va="center", bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none"),
                zorder=2)
    for node, (x, dp) in pos.items():
        share = t.weighted_n_node_samples[node] / total
        share = f"{share:.1%}" if share < 0.1 else f"{share:.0%}"
        counts = t.value[node][0]
        if is_leaf(node, dp):
            seg = classes[int(np.argmax(counts))]
            purity = float(counts.max() / counts.sum()) if counts.sum() > 0 else 0.0
            name = "\n".join(textwrap.wrap(str(names.get(seg, seg)), 18))
            text = f"{seg}: {name}\n{share} of customers\n{purity:.0%} of them in it"
            rgb = np.asarray(matplotlib.colors.to_rgb(colors[seg]))
            fc = tuple(0.4 * rgb + 0.6)  # a light, opaque tint: the edges stay behind the box
        else:
            text = (f"{_split_text(d.features[t.feature[node]], float(t.threshold[node]))}"
                    f"\n{share} of customers")
            fc = "white"
        ax.text(x, -dp, text, ha="center", va="center", fontsize=8, zorder=3,
                bbox=dict(boxstyle="round,pad=0.4", fc=fc, ec="0.4"))
    ax.set_xlim(-0.6, n_leaves - 0.4)
    ax.set_ylim(-depth - 0.6, 0.6)
    ax.axis("off")
    ax.set_title(f"Description tree (rules reproduce {d.fidelity:.0%} of the segments; "
                 "left = yes)")
    return fig


def plot_silhouette(silhouettes: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Silhouette plot: each sampled customer's silhouette, grouped by segment and sorted.

    ``silhouettes`` is :func:`mining.segment.silhouette_by_segment`. A segment whose band is
    wide and right of the dashed mean is compact and well separated; customers below 0 sit
    closer to another segment than to their own.
    """
    need = {"segment", "segment_name", "silhouette"}
    if not isinstance(silhouettes, pd.DataFrame) or not need <= set(silhouettes.columns):
        raise ParameterError("plot_silhouette expects the table of "
                             "segment.silhouette_by_segment (segment, segment_name, silhouette).")
    S = silhouettes.sort_values(["segment", "silhouette"], ascending=[True, True])
    segs = sorted(int(s) for s in S["segment"].unique())
    colors = _colors(segs)
    fig, ax = new_ax(ax, (8, 0.9 * len(segs) + 2.5))
    y0, gap = 0, max(5, int(0.02 * len(S)))
    ticks, labels = [], []
    for s in segs:
        vals = S.loc[S["segment"] == s, "silhouette"].to_numpy()
        y = np.arange(y0, y0 + len(vals))
        ax.fill_betweenx(y, 0, vals, color=colors[s], alpha=0.8, linewidth=0)
        name = S.loc[S["segment"] == s, "segment_name"].iloc[0]
        ticks.append(y0 + len(vals) / 2)
        labels.append(f"{s}: {name}\n(mean {vals.mean():.2f})")
        y0 += len(vals) + gap
    mean = float(S["silhouette"].mean())
    ax.axvline(mean, color="tab:red", linestyle="--", label=f"mean {mean:.2f}")
    ax.axvline(0, color="0.3", linewidth=0.8)
    ax.set_yticks(ticks, labels, fontsize=8)
    ax.set_xlabel("silhouette (-1..1; higher = closer to its own segment than to the next)")
    ax.set_title(f"Silhouette per segment ({len(S):,} customers sampled)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    ax.set_xlim(min(-0.1, float(S["silhouette"].min()) - 0.02), 1.0)
    ax.invert_yaxis()  # segment 0 on top, as in the tables
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
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return fig


def plot_dendrogram(
    result: HierarchicalClusters,
    *,
    ax: Axes | None = None,
    max_leaves: int = 60,
    orientation: str = "top",
) -> Figure:
    """Dendrogram of :func:`mining.segment.hierarchical_clusters`: which rows merge, and how far
    apart they were when they did.

    Each leaf is a row (customer); the height of a join is the linkage distance at which the two
    clusters merged (in standard deviations when the features were standardised). When the
    result has a cut, the branches below it are coloured by segment and the cut is a dashed
    line.

    Parameters
    ----------
    result : HierarchicalClusters
        From :func:`mining.segment.hierarchical_clusters`.
    ax : Axes, optional
        Axis to draw on; None: a new figure.
    max_leaves : int
        Trees with more rows show only the last ``max_leaves`` merged clusters (SciPy's
        ``truncate_mode="lastp"``), each labelled with its number of rows in parentheses.
    orientation : {"top", "left"}
        Leaves along the bottom (default) or along the left side (long labels read better).

    Returns
    -------
    Figure
    """
    if not isinstance(result, HierarchicalClusters):
        raise ParameterError(
            "plot_dendrogram expects the result of segment.hierarchical_clusters. "
            f"Got {type(result).__name__} instead.")
    if not (isinstance(max_leaves, int | np.integer) and not isinstance(max_leaves, bool)
            and max_leaves >= 2):
        raise ParameterError("The 'max_leaves' parameter of plot_dendrogram must be an int >= 2. "
                             f"Got {max_leaves!r} instead.")
    if orientation not in ("top", "left"):
        raise ParameterError("The 'orientation' parameter of plot_dendrogram must be 'top' or "
                             f"'left'. Got {orientation!r} instead.")
    n = len(result.row_labels)
    shown = min(n, int(max_leaves))
    long_side = max(6.0, min(16.0, 0.3 * shown + 2.0))
    fig, ax = new_ax(ax, (long_side, 5.0) if orientation == "top" else (6.0, long_side))
    truncated = n > shown
    threshold = result.cut_height if result.cut_height is not None else 0.0
    drawn = hierarchy.dendrogram(
        result.linkage_matrix, ax=ax, orientation=orientation,
        labels=[str(v) for v in result.row_labels],
        truncate_mode="lastp" if truncated else None, p=shown,
        color_threshold=threshold, above_threshold_color="0.45",
        leaf_font_size=max(6.0, min(10.0, 260.0 / shown)),
        leaf_rotation=90.0 if orientation == "top" else 0.0,
    )
    scale = "standard deviations" if result.standardized else "the features' units"
    height_label = f"merge distance ({result.metric}, {scale})"
    line = ax.axhline if orientation == "top" else ax.axvline
    if result.cut_height is not None:
        line(result.cut_height, color="tab:red", linestyle="--", linewidth=1,
             label=f"cut: {result.n_clusters} segments")
        ax.legend(fontsize=8, loc="upper right", frameon=False)
    if orientation == "top":
        ax.set_ylabel(height_label)
    else:
        ax.set_xlabel(height_label)
    what = f"last {len(drawn['ivl'])} of {n:,} rows" if truncated else f"{n:,} rows"
    ax.set_title(f"Dendrogram, {result.linkage} linkage ({what}; "
                 f"cophenetic correlation {result.cophenetic_correlation:.2f})")
    return fig

