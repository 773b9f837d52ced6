"""Hierarchical (agglomerative) clustering with a choice of linkage, and the distances behind it.

The textbook form of clustering (Shmueli et al., *Data Mining for Business Analytics*, ch. 15, on
its 22 utilities): z-score every numeric column, measure the distance between every pair of rows
(:func:`distance_matrix`), and merge the two closest clusters again and again; the *linkage*
says how far apart two clusters are:

===========  =================================================================================
single       the closest pair of members (nearest neighbour): long, chained clusters
complete     the farthest pair of members: compact clusters of similar diameter
average      the mean distance over all pairs of members (UPGMA): between the two
ward         the increase of the within-cluster sum of squares (Euclidean distances only)
===========  =================================================================================

:func:`hierarchical_clusters` returns the whole merge tree (SciPy's linkage matrix, drawn by
:func:`mining.plots.plot_dendrogram`), its cophenetic correlation, and the segments of one cut
(a number of clusters or a distance threshold); :meth:`HierarchicalClusters.cut` gives any other
cut without clustering again. The computation is SciPy's (``pdist``, ``linkage``, ``fcluster``),
so results are exactly SciPy's on the same standardised table.

``CustomerSegmenter(algorithm="ward")`` (:mod:`mining.segment._choose_k`) stays the way to
segment a whole customer base with the package's preprocessing, choice of k and description;
this module is for looking at the tree itself, and for the other linkages. Memory grows with the
square of the number of rows: at most ``HIERARCHY_MAX_CUSTOMERS`` rows are clustered and
``DISTANCE_MATRIX_MAX_CUSTOMERS`` rows get a full distance matrix.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd
from scipy.cluster import hierarchy
from scipy.spatial import distance

from mining.errors import InsufficientDataError, ParameterError, SchemaError, check_param
from mining.segment._choose_k import WARD_MAX_CUSTOMERS

__all__ = ["DISTANCE_MATRIX_MAX_CUSTOMERS", "HIERARCHY_MAX_CUSTOMERS", "LINKAGES", "METRICS",
           "HierarchicalClusters", "distance_matrix", "hierarchical_clusters"]

#: Linkage methods of :func:`hierarchical_clusters`.
LINKAGES: tuple[str, ...] = ("single", "complete", "average", "ward")
#: Distance metrics (SciPy ``pdist`` names; ``"manhattan"`` is accepted for ``"cityblock"``).
METRICS: tuple[str, ...] = ("euclidean", "sqeuclidean", "cityblock", "chebyshev", "cosine",
                            "correlation")
_ALIASES = {"manhattan": "cityblock"}
#: Most rows :func:`hierarchical_clusters` accepts (the condensed distances take 8 bytes per pair:
#: 1.6 GB at 20,000 rows); the same limit as ``CustomerSegmenter(algorithm="ward")``.
HIERARCHY_MAX_CUSTOMERS = WARD_MAX_CUSTOMERS
#: Most rows :func:`distance_matrix` accepts (the square DataFrame: 200 MB at 5,000 rows).
DISTANCE_MATRIX_MAX_CUSTOMERS = 5_000
_SHOWN = 5  # row labels quoted in an error message


# --------------------------------------------------------------------------------------------
# input checks and the standardised table
# --------------------------------------------------------------------------------------------


def _check_metric(metric: object, owner: str) -> str:
    name = _ALIASES.get(metric, metric) if isinstance(metric, str) else metric
    check_param(isinstance(name, str) and name in METRICS, "metric", owner,
                f"one of {METRICS} (or 'manhattan')", metric)
    return str(name)


def _quote(labels: pd.Index) -> str:
    shown = ", ".join(repr(v) for v in labels[:_SHOWN].tolist())
    return shown + (f" and {len(labels) - _SHOWN} more" if len(labels) > _SHOWN else "")


def _prepared(features: object, owner: str, *, standardize: bool, limit: int) -> np.ndarray:
    """The checked feature values as floats, z-scored when ``standardize``.

    Every problem of the table is reported at once (one ``SchemaError``): non-numeric columns by
    name, missing or infinite values by column and row label, constant columns (which cannot be
    standardised), duplicate row labels.
    """
    if not isinstance(features, pd.DataFrame):
        raise ParameterError(
            f"{owner} expects the features as a pandas DataFrame with one row per customer (the "
            f"index, e.g. customer_id) and numeric columns. Got {type(features).__name__} instead.")
    check_param(isinstance(standardize, bool | np.bool_), "standardize", owner, "True or False",
                standardize)
    if features.shape[1] == 0:
        raise SchemaError(["the table has no columns; pass the numeric feature columns"],
                          what="feature")
    if len(features) < 2:
        raise InsufficientDataError(
            f"{owner} needs at least 2 rows to measure distances; the table has "
            f"{len(features)}.")
    if len(features) > limit:
        raise ParameterError(
            f"{owner} keeps every pairwise distance, whose memory grows with the square of the "
            f"number of rows; {len(features):,} rows is more than {limit:,}. Cluster a sample "
            "of customers, or use CustomerSegmenter(algorithm='minibatch_kmeans').")
    problems: list[str] = []
    numeric: list[str] = []
    for col in features.columns:
        s = features[col]
        if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
            problems.append(f"column {col!r} is not numeric (dtype {s.dtype}); drop it or encode "
                            "it as numbers (e.g. 0/1 with .astype(int))")
        else:
            numeric.append(col)
    for col in numeric:
        values = features[col].to_numpy(dtype="float64")
        bad = ~np.isfinite(values)
        if bad.any():
            problems.append(f"column {col!r} has {int(bad.sum())} missing or infinite values, in "
                            f"rows {_quote(features.index[bad])}; fill or drop those rows first")
        elif standardize and np.ptp(values) == 0.0:
            problems.append(f"column {col!r} is constant ({values[0]:g}), so it cannot be "
                            "standardised (its standard deviation is 0); drop it")
    dupes = features.index[features.index.duplicated()].unique()
    if len(dupes):
        problems.append(f"row labels {_quote(dupes)} occur more than once; the index must name "
                        "each customer once")
    if problems:
        raise SchemaError(problems, what="feature")
    X = features.to_numpy(dtype="float64")
    if standardize:
        X = (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)
    return X


# --------------------------------------------------------------------------------------------
# distances
# --------------------------------------------------------------------------------------------


def distance_matrix(features: pd.DataFrame, *, metric: str = "euclidean",
                    standardize: bool = True) -> pd.DataFrame:
    """Distance between every pair of rows (customers x customers).

    Parameters
    ----------
    features : DataFrame
        One row per customer (index: their labels, e.g. ``customer_id``), numeric columns only,
        no missing values.
    metric : str
        A SciPy ``pdist`` metric of :data:`METRICS`: ``"euclidean"`` (default),
        ``"sqeuclidean"``, ``"cityblock"`` (also ``"manhattan"``), ``"chebyshev"``, ``"cosine"``
        or ``"correlation"``.
    standardize : bool
        True (default): z-score every column first, ``(x - mean) / std`` with the *sample*
        standard deviation (``ddof=1``, as pandas' ``std`` and R's ``scale``, which the DMBA book
        uses), so distances are in standard deviations and no column weighs more for its unit.
        False: distances in the columns' own units.

    Returns
    -------
    DataFrame
        Square and symmetric, zero diagonal; index and columns are the rows of ``features``
        (same labels, same order). Equal to ``scipy.spatial.distance.squareform(pdist(Z,
        metric))`` of the (standardised) values ``Z``.

    Raises
    ------
    SchemaError
        Every problem of the table at once: non-numeric columns (named), missing or infinite
        values (column and row labels), constant columns when standardising, duplicate labels.
    ParameterError
        Unknown ``metric``; more than ``DISTANCE_MATRIX_MAX_CUSTOMERS`` rows.

    Examples
    --------
    >>> t = pd.DataFrame({"n_orders": [1.0, 2.0, 4.0], "monetary_total": [10.0, 20.0, 40.0]},
    ...                  index=pd.Index(["a", "b", "c"], name="customer_id"))
    >>> d = distance_matrix(t, standardize=False, metric="cityblock")
    >>> d.loc["a"].tolist(), float(d.loc["b", "c"])
    ([0.0, 11.0, 33.0], 22.0)
    >>> round(float(distance_matrix(t).loc["a", "c"]), 3)  # z-scored: in standard deviations
    2.777
    """
    owner = "distance_matrix"
    name = _check_metric(metric, owner)
    X = _prepared(features, owner, standardize=standardize, limit=DISTANCE_MATRIX_MAX_CUSTOMERS)
    D = distance.squareform(distance.pdist(X, metric=name))
    return pd.DataFrame(D, index=features.index.copy(), columns=features.index.copy())


# --------------------------------------------------------------------------------------------
# the tree and its cuts
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False, eq=False)
class HierarchicalClusters:
    """Output of :func:`hierarchical_clusters`.

    Attributes
    ----------
    labels : Series or None
        Segment of each row (name ``"segment"``, int; index = the rows of the features) at the
        cut asked for; segments are numbered by size, 0 the largest (ties: the one whose first
        row comes first). None when neither ``n_clusters`` nor ``distance_threshold`` was given.
    linkage_matrix : ndarray
        SciPy's linkage matrix, shape ``(n - 1, 4)``: row ``i`` merges clusters ``[i, 0]`` and
        ``[i, 1]`` (``< n``: a row's position; ``n + j``: the cluster made at merge ``j``) at
        distance ``[i, 2]``, giving a cluster of ``[i, 3]`` rows.
    cophenetic_correlation : float
        Pearson correlation between the pairwise distances and the tree's (cophenetic) ones:
        how faithfully the tree keeps the distances (1 = perfectly).
    linkage, metric : str
    standardized : bool
        Whether the columns were z-scored (distances in standard deviations).
    n_clusters : int or None
        Number of segments of ``labels`` (with ties in merge heights it can be below the number
        asked for).
    cut_height : float or None
        A merge distance at which the tree is cut into ``labels``: for ``n_clusters`` the midpoint
        between the last merge kept and the first one undone; for ``distance_threshold`` the
        threshold. The dendrogram draws it as a dashed line.
    row_labels : Index
        The rows' labels in the features' order (the leaves of the tree).
    """

    labels: pd.Series | None
    linkage_matrix: np.ndarray
    cophenetic_correlation: float
    linkage: str
    metric: str
    standardized: bool
    n_clusters: int | None
    cut_height: float | None
    row_labels: pd.Index

    def __repr__(self) -> str:
        return (f"HierarchicalClusters(linkage={self.linkage!r}, metric={self.metric!r}, "
                f"rows={len(self.row_labels)}, n_clusters={self.n_clusters}, "
                f"cophenetic_correlation={self.cophenetic_correlation:.3f})")

    @property
    def heights(self) -> np.ndarray:
        """Merge distances, in merge order (non-decreasing for these linkages)."""
        return self.linkage_matrix[:, 2].copy()

    @property
    def sizes(self) -> pd.Series:
        """Rows per segment of ``labels`` (index ``segment``); empty when no cut was asked."""
        if self.labels is None:
            return pd.Series([], dtype="int64", name="customers",
                             index=pd.Index([], name="segment"))
        return self.labels.value_counts().sort_index().rename("customers")

    def cut(self, *, n_clusters: int | None = None,
            distance_threshold: float | None = None) -> pd.Series:
        """Segments of another cut of the same tree (exactly one of the two options).

        Parameters
        ----------
        n_clusters : int, optional
            Number of segments, 1 to the number of rows (SciPy ``fcluster(...,
            criterion="maxclust")``).
        distance_threshold : float, optional
            Merge distance (in the distance's units; standard deviations when standardised):
            rows joined at a distance ``<= distance_threshold`` share a segment (SciPy
            ``fcluster(..., criterion="distance")``).

        Returns
        -------
        Series
            ``segment`` per row (0 = the largest), indexed as the features.
        """
        labels, _, _ = _cut(self.linkage_matrix, self.row_labels, n_clusters,
                            distance_threshold, "HierarchicalClusters.cut", required=True)
        return cast(pd.Series, labels)  # required=True: never None


def _by_size(raw: np.ndarray) -> np.ndarray:
    """Renumber cluster ids 0.. by size (largest first; ties: first appearance first)."""
    ids, first, counts = np.unique(raw, return_index=True, return_counts=True)
    order = sorted(range(len(ids)), key=lambda i: (-counts[i], first[i]))
    mapping = {ids[i]: rank for rank, i in enumerate(order)}
    return np.array([mapping[v] for v in raw], dtype="int64")


def _cut(Z: np.ndarray, index: pd.Index, n_clusters: object, distance_threshold: object,
         owner: str, *, required: bool) -> tuple[pd.Series | None, int | None, float | None]:
    n = len(index)
    if n_clusters is not None and distance_threshold is not None:
        raise ParameterError(f"{owner} takes either 'n_clusters' or 'distance_threshold', not "
                             f"both (got n_clusters={n_clusters!r}, distance_threshold="
                             f"{distance_threshold!r}). Pass one of them.")
    if n_clusters is None and distance_threshold is None:
        if required:
            raise ParameterError(f"{owner} needs 'n_clusters' (a number of segments) or "
                                 "'distance_threshold' (a merge distance). Pass one of them.")
        return None, None, None
    heights = Z[:, 2]
    if n_clusters is not None:
        check_param(isinstance(n_clusters, numbers.Integral) and not isinstance(n_clusters, bool)
                    and 1 <= n_clusters <= n, "n_clusters", owner,
                    f"None or an int in [1, {n}] (the number of rows)", n_clusters)
        k = int(n_clusters)
        raw = hierarchy.fcluster(Z, k, criterion="maxclust")
        if k == 1:
            height = float(heights[-1]) * 1.05 if len(heights) else 0.0
        elif k == n:
            height = float(heights[0]) / 2.0
        else:
            height = float(heights[n - k - 1] + heights[n - k]) / 2.0
    else:
        check_param(isinstance(distance_threshold, numbers.Real)
                    and not isinstance(distance_threshold, bool)
                    and np.isfinite(float(distance_threshold)) and distance_threshold >= 0,
                    "distance_threshold", owner, "None or a number >= 0 (a merge distance)",
                    distance_threshold)
        height = float(distance_threshold)
        raw = hierarchy.fcluster(Z, height, criterion="distance")
    labels = pd.Series(_by_size(raw), index=index.copy(), name="segment")
    return labels, int(labels.nunique()), height


def hierarchical_clusters(
    features: pd.DataFrame,
    *,
    n_clusters: int | None = None,
    linkage: str = "average",
    metric: str = "euclidean",
    distance_threshold: float | None = None,
    standardize: bool = True,
) -> HierarchicalClusters:
    """Agglomerative clustering of the rows with single, complete, average or Ward linkage.

    Parameters
    ----------
    features : DataFrame
        One row per customer (index: their labels), numeric columns only, no missing values
        (as for :func:`distance_matrix`).
    n_clusters : int, optional
        Cut the tree into this many segments (1 to the number of rows).
    linkage : {"average", "single", "complete", "ward"}
        How far apart two clusters are: the mean (default), smallest or largest distance
        between their members, or Ward's increase in the within-cluster sum of squares.
    metric : str
        Distance between rows, one of :data:`METRICS` (default ``"euclidean"``); ``"ward"``
        needs ``"euclidean"``.
    distance_threshold : float, optional
        Instead of ``n_clusters``: cut where merges happen above this distance (rows joined at
        ``<= distance_threshold`` share a segment). Give at most one of the two; with neither,
        only the tree is built (``labels`` is None; :meth:`HierarchicalClusters.cut` cuts it).
    standardize : bool
        z-score the columns first (default; sample standard deviation, as the DMBA book).

    Returns
    -------
    HierarchicalClusters
        ``labels`` (``segment`` per row, 0 = largest), ``linkage_matrix`` (SciPy's),
        ``cophenetic_correlation``, ``cut_height`` and the settings.

    Raises
    ------
    ParameterError
        Unknown ``linkage`` or ``metric``; ``linkage="ward"`` with another metric than
        Euclidean; ``n_clusters`` or ``distance_threshold`` out of range, or both given; more
        than ``HIERARCHY_MAX_CUSTOMERS`` rows.
    SchemaError
        Problems of the table (non-numeric columns, missing values with their rows, ...).

    Examples
    --------
    >>> t = pd.DataFrame({"n_orders": [1.0, 1.2, 5.0, 5.3, 9.0],
    ...                   "basket_size_mean": [2.0, 2.1, 6.0, 6.2, 2.0]},
    ...                  index=pd.Index(list("abcde"), name="customer_id"))
    >>> result = hierarchical_clusters(t, n_clusters=3, linkage="single")
    >>> result.labels.tolist()
    [0, 0, 1, 1, 2]
    >>> result.cut(n_clusters=2).tolist()
    [0, 0, 0, 0, 1]
    """
    owner = "hierarchical_clusters"
    check_param(isinstance(linkage, str) and linkage in LINKAGES, "linkage", owner,
                f"one of {LINKAGES}", linkage)
    name = _check_metric(metric, owner)
    if linkage == "ward" and name != "euclidean":
        raise ParameterError(
            f"The 'metric' parameter of {owner} must be 'euclidean' with linkage='ward' (Ward's "
            f"criterion is a sum of squared Euclidean distances). Got {metric!r} instead. Use "
            "metric='euclidean', or linkage='average' / 'complete' / 'single' with this metric.")
    X = _prepared(features, owner, standardize=standardize, limit=HIERARCHY_MAX_CUSTOMERS)
    condensed = distance.pdist(X, metric=name)
    Z = hierarchy.linkage(condensed, method=linkage)
    if len(X) > 2 and np.ptp(condensed) > 0:
        coph = float(hierarchy.cophenet(Z, condensed)[0])
    else:  # two rows or all distances equal: the tree keeps the distances exactly
        coph = 1.0
    labels, k, height = _cut(Z, features.index, n_clusters, distance_threshold, owner,
                             required=False)
    return HierarchicalClusters(labels=labels, linkage_matrix=Z, cophenetic_correlation=coph,
                                linkage=linkage, metric=name, standardized=bool(standardize),
                                n_clusters=k, cut_height=height,
                                row_labels=features.index.copy())
