"""Clustering and the choice of k: the algorithms, the criteria per k and the vote that picks k.

One clustering of the preprocessed (standardized) matrix per call of ``_cluster`` (k-means,
mini-batch k-means, Gaussian mixture, Ward, HDBSCAN; k-means on Spark through
:func:`mining.engines.use_engine`), labels renumbered by segment size, and :func:`choose_k`: every
k of a range scored by silhouette, Calinski-Harabasz, Davies-Bouldin, inertia and BIC, the k
picked by :func:`pick_k` (majority vote of the first three; smallest BIC for mixtures), returned
as a :class:`KSelection`.
"""

from __future__ import annotations

import contextlib
import numbers
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.cluster import HDBSCAN, KMeans, MiniBatchKMeans
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score
from sklearn.mixture import GaussianMixture

from mining.engines import check_engine, use_engine
from mining.errors import ParameterError, check_param
from mining.params import RandomState, seed_from
from mining.segment._features import (
    NOISE,
    _check_size,
    _check_table,
    _resolve_features,
    _transform,
    derive_features,
)

#: Clustering algorithms understood by ``algorithm=``.
ALGORITHMS: tuple[str, ...] = ("kmeans", "minibatch_kmeans", "gmm", "ward", "hdbscan")
#: Ward keeps an O(n^2) distance structure; beyond this many customers use minibatch_kmeans.
WARD_MAX_CUSTOMERS = 20_000
#: Up to this many customers the clustering and its criteria run on one thread: on small
#: matrices k-means' OpenMP threads and BLAS threads only wait for each other, and on a busy
#: machine that makes a 5,000-customer fit ten times slower (measured 51 s vs 11 s).
SINGLE_THREAD_MAX = 200_000


def _threads(n: int) -> Any:
    """A context that keeps the native thread pools to one thread for ``n`` rows or fewer."""
    if n > SINGLE_THREAD_MAX:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


@dataclass(frozen=True, eq=False)
class KSelection:
    """The choice of k: the criteria of every k tried and the rule that picked one.

    Returned by :func:`choose_k` and kept as ``CustomerSegmenter.k_selection_``.

    Attributes
    ----------
    table : DataFrame
        Indexed by ``k``. Columns: ``n_found`` (segments actually formed), ``silhouette``
        (-1..1, higher is better; on a sample of ``sample_size`` customers),
        ``calinski_harabasz`` (higher is better), ``davies_bouldin`` (lower is better),
        ``inertia`` (within-segment sum of squares in standardized units: the elbow curve),
        ``bic`` (gmm only, else NaN; lower is better) and ``chosen`` (True on the picked k).
    k : int
        The picked k (the row of ``table`` where ``chosen`` is True).
    rule : str
        The rule that picked it, in words (see :func:`pick_k`).
    algorithm : str
        The clustering algorithm scored.

    Notes
    -----
    Until 0.2 ``choose_k`` returned the table itself with the rule in ``table.attrs["rule"]``;
    indexing a ``KSelection`` like that table (``sel["chosen"]``, ``sel.index``,
    ``sel.attrs["rule"]``) still works for one release, with a ``DeprecationWarning``: use
    ``sel.table``, ``sel.k`` and ``sel.rule``.
    """

    table: pd.DataFrame
    k: int
    rule: str
    algorithm: str

    def _old_table(self, what: str) -> pd.DataFrame:
        warnings.warn(
            f"choose_k and CustomerSegmenter.k_selection_ give a KSelection since 0.2; {what} "
            "on it reads its .table for one more release: use .table, .k and .rule instead.",
            DeprecationWarning, stacklevel=3,
        )
        return self.table

    def __getitem__(self, key: Any) -> Any:
        return self._old_table(f"[{key!r}]")[key]

    def __getattr__(self, name: str) -> Any:
        # only names a DataFrame has and a KSelection does not (never fields, never _private)
        if name.startswith("_") or name in {f.name for f in fields(KSelection)}:
            raise AttributeError(name)
        if name == "attrs":  # the old home of the rule
            return {**self._old_table(".attrs").attrs, "rule": self.rule}
        if not hasattr(self.table, name):
            raise AttributeError(f"'KSelection' object has no attribute {name!r}")
        return getattr(self._old_table(f".{name}"), name)

    def __str__(self) -> str:
        return f"k = {self.k} of {list(self.table.index)} ({self.algorithm}; rule: {self.rule})"

    def _repr_html_(self) -> str:  # a notebook shows the table
        return self.table._repr_html_()


def pick_k(table: pd.DataFrame, algorithm: str = "kmeans") -> int:
    """The k the documented rule picks from a table of criteria (one row per k).

    Parameters
    ----------
    table : DataFrame
        Indexed by ``k`` with the columns of ``KSelection.table`` (``silhouette``,
        ``calinski_harabasz``, ``davies_bouldin``; ``bic`` for "gmm").
    algorithm : str, default "kmeans"
        "gmm": the smallest ``bic``. Any other: majority vote of the largest silhouette, the
        largest Calinski-Harabasz and the smallest Davies-Bouldin; the k named by at least two
        wins, and when all three differ the silhouette's k wins. Without any silhouette (a
        single segment everywhere) the smallest k.

    Returns
    -------
    int

    Examples
    --------
    >>> t = pd.DataFrame({"silhouette": [0.5, 0.49], "calinski_harabasz": [100.0, 120.0],
    ...                   "davies_bouldin": [0.9, 0.8]}, index=pd.Index([2, 3], name="k"))
    >>> pick_k(t)
    3
    """
    if algorithm == "gmm":
        return int(table["bic"].idxmin())
    if table["silhouette"].isna().all():
        return int(table.index[0])
    votes = [int(table["silhouette"].idxmax())]
    for col, best in (("calinski_harabasz", "idxmax"), ("davies_bouldin", "idxmin")):
        if col in table and table[col].notna().any():
            votes.append(int(getattr(table[col], best)()))
    for k in votes:
        if votes.count(k) >= 2:
            return k
    return votes[0]


def _prepare(X: Any, owner: str, *, algorithm: Any, random_state: RandomState,
             sample_size: Any, min_cluster_size: Any = None,
             engine: Any = "pandas") -> tuple[pd.DataFrame, str, int | None]:
    """Check a customer table and the clustering settings; return (table with the derived
    features, algorithm, int seed for scikit-learn)."""
    X = _check_table(X, owner)
    _check_size(X, owner)
    if not X.index.is_unique:
        dup = X.index[X.index.duplicated()].unique()[:3].tolist()
        raise ParameterError(
            f"{owner} expects one row per customer, but customer_id repeats (e.g. {dup}). "
            "Build the table with mining.features.customer_table."
        )
    algorithm = _check_algorithm(algorithm, owner)
    seed = seed_from(random_state, owner)
    if engine != "pandas":
        check_engine(engine, owner)
        check_param(algorithm == "kmeans", "engine", owner, "'pandas' unless algorithm is "
                    "'kmeans'", engine, "Spark MLlib runs k-means only.")
    check_param(isinstance(sample_size, numbers.Integral) and sample_size >= 100,
                "sample_size", owner, "an int >= 100", sample_size)
    if min_cluster_size is not None:
        check_param(isinstance(min_cluster_size, numbers.Integral)
                    and 2 <= min_cluster_size <= len(X), "min_cluster_size", owner,
                    f"None or an int in [2, {len(X)}]", min_cluster_size)
    if algorithm == "ward" and len(X) > WARD_MAX_CUSTOMERS:
        raise ParameterError(
            f"The 'algorithm' parameter of {owner} is 'ward', which needs memory growing with "
            f"the square of the number of customers; {len(X):,} is more than "
            f"{WARD_MAX_CUSTOMERS:,}. Use algorithm='minibatch_kmeans' (or 'kmeans')."
        )
    return derive_features(X), algorithm, seed


def _check_algorithm(algorithm: Any, owner: str) -> str:
    check_param(
        algorithm in ALGORITHMS,
        "algorithm",
        owner,
        "one of " + ", ".join(repr(a) for a in ALGORITHMS),
        algorithm,
    )
    return str(algorithm)


def _check_k_range(k_range: Any, n: int, owner: str) -> tuple[int, int]:
    ok = (
        isinstance(k_range, Sequence)
        and len(k_range) == 2
        and all(isinstance(k, numbers.Integral) and not isinstance(k, bool) for k in k_range)
        and 2 <= k_range[0] <= k_range[1]
    )
    check_param(ok, "k_range", owner, "a pair (k_min, k_max) of ints with 2 <= k_min <= k_max",
                k_range)
    k_min, k_max = int(k_range[0]), int(k_range[1])
    check_param(
        k_max <= n - 1,
        "k_range",
        owner,
        f"at most (k_min, {n - 1}) because there are only {n} customers",
        k_range,
        "Lower k_max or use more customers.",
    )
    return k_min, k_max


def _check_n_clusters(n_clusters: Any, n: int, owner: str) -> int:
    check_param(
        isinstance(n_clusters, numbers.Integral)
        and not isinstance(n_clusters, bool)
        and n_clusters >= 2,
        "n_clusters",
        owner,
        "None (choose k from k_range) or an int >= 2",
        n_clusters,
    )
    check_param(
        n_clusters <= n - 1,
        "n_clusters",
        owner,
        f"smaller than the number of customers ({n})",
        n_clusters,
        "Ask for fewer segments or use more customers.",
    )
    return int(n_clusters)



# --------------------------------------------------------------------------------------------
# clustering core
# --------------------------------------------------------------------------------------------


def _default_min_cluster_size(n: int) -> int:
    return max(5, int(round(0.02 * n)))


def _cluster(
    Z: np.ndarray,
    *,
    algorithm: str,
    n_clusters: int | None,
    random_state: int | None,
    min_cluster_size: int | None = None,
    ward_tree: np.ndarray | None = None,
    engine: str = "pandas",
) -> tuple[Any, np.ndarray]:
    """Fit one clustering on the transformed matrix; return (model or None, raw labels).

    Native threads are limited to this machine's share while it runs (:func:`_threads`)."""
    with _threads(len(Z)):
        if algorithm == "kmeans":  # the only algorithm with a Spark backend (checked in _prepare)
            kmeans = use_engine(engine, KMeans, "mining.segment._spark:SparkKMeans",
                                owner="CustomerSegmenter")
            model = kmeans(n_clusters=n_clusters, n_init=10, random_state=random_state).fit(Z)
            return model, model.labels_
        if algorithm == "minibatch_kmeans":
            model = MiniBatchKMeans(
                n_clusters=n_clusters, n_init=3, batch_size=4096, random_state=random_state
            ).fit(Z)
            return model, model.labels_
        if algorithm == "gmm":
            model = GaussianMixture(
                n_components=n_clusters, covariance_type="full", n_init=3, reg_covar=1e-3,
                random_state=random_state,
            ).fit(Z)
            return model, model.predict(Z)
        if algorithm == "ward":
            tree = ward_tree if ward_tree is not None else linkage(Z, method="ward")
            return None, fcluster(tree, t=n_clusters, criterion="maxclust") - 1
        # hdbscan
        mcs = min_cluster_size or _default_min_cluster_size(len(Z))
        model = HDBSCAN(min_cluster_size=mcs, copy=True).fit(Z)
        return model, model.labels_


def _size_order(labels: np.ndarray, Z: np.ndarray) -> dict[int, int]:
    """Map raw labels to 0..k-1 by decreasing size; noise stays -1.

    Equal sizes are ordered by the segment's centroid (lexicographically), so the numbering does
    not depend on the order of the rows or on the algorithm's internal numbering.
    """
    values, counts = np.unique(labels, return_counts=True)
    keyed = []
    for v, c in zip(values, counts, strict=True):
        if v == NOISE:
            continue
        centre = tuple(np.round(Z[labels == v].mean(axis=0), 9).tolist())
        keyed.append((-int(c), centre, int(v)))
    mapping = {v: i for i, (_, _, v) in enumerate(sorted(keyed))}
    mapping[NOISE] = NOISE
    return mapping


def _relabel(labels: np.ndarray, mapping: dict[int, int]) -> np.ndarray:
    return pd.Series(labels).map(mapping).fillna(NOISE).to_numpy(dtype=int)


def _wcss(Z: np.ndarray, labels: np.ndarray) -> float:
    total = 0.0
    for lab in np.unique(labels):
        if lab == NOISE:
            continue
        pts = Z[labels == lab]
        total += float(((pts - pts.mean(axis=0)) ** 2).sum())
    return total


def _k_table(
    Z: np.ndarray,
    *,
    algorithm: str,
    k_min: int,
    k_max: int,
    random_state: int | None,
    sample_size: int,
    engine: str = "pandas",
) -> tuple[KSelection, dict[int, tuple[Any, np.ndarray]]]:
    """The choice of k and the fitted model for every k (shared by choose_k and fit)."""
    rows, fits = [], {}
    tree = linkage(Z, method="ward") if algorithm == "ward" else None
    n = len(Z)
    for k in range(k_min, k_max + 1):
        fits[k] = _cluster(Z, algorithm=algorithm, n_clusters=k, random_state=random_state,
                           ward_tree=tree, engine=engine)
    scored = [k for k, (_, labels) in fits.items() if 2 <= len(np.unique(labels)) <= n - 1]
    with _threads(n):
        sil = dict(zip(scored, silhouette_scores(
            Z, [fits[k][1] for k in scored], sample_size=min(n, sample_size),
            random_state=random_state), strict=True))
    for k, (model, labels) in fits.items():
        n_found = len(np.unique(labels))
        row: dict[str, Any] = {"k": k, "n_found": n_found}
        if k in sil:
            row["silhouette"] = sil[k]
            row["calinski_harabasz"] = float(calinski_harabasz_score(Z, labels))
            row["davies_bouldin"] = float(davies_bouldin_score(Z, labels))
        else:
            row.update(silhouette=np.nan, calinski_harabasz=np.nan, davies_bouldin=np.nan)
        row["inertia"] = _wcss(Z, labels)
        row["bic"] = float(model.bic(Z)) if algorithm == "gmm" else np.nan
        rows.append(row)
    table = pd.DataFrame(rows).set_index("k")
    k = pick_k(table, algorithm)
    table["chosen"] = table.index == k
    return KSelection(table=table, k=k, rule=_rule_text(algorithm), algorithm=algorithm), fits


def silhouette_scores(Z: np.ndarray, labelings: Sequence[np.ndarray], *, sample_size: int,
                      random_state: int | None, cells: int = 1 << 22) -> list[float]:
    """``sklearn.metrics.silhouette_score(Z, labels, sample_size=sample_size,
    random_state=random_state)`` for each of ``labelings`` (labels of the rows of ``Z``), from
    one pass over the Euclidean distances of the sample instead of one per labeling.

    The sample is scikit-learn's (the first ``sample_size`` rows of the seeded permutation);
    per customer the distances to each segment are summed as one matrix product, in blocks of
    about ``cells`` distances. The scores equal scikit-learn's up to floating-point rounding
    (differences below 1e-12). A labeling with fewer than 2 or more than ``sample_size - 1``
    segments in the sample raises ``ValueError`` as scikit-learn does.
    """
    from sklearn.metrics.pairwise import euclidean_distances
    from sklearn.utils import check_random_state
    from sklearn.utils.extmath import row_norms

    if not len(labelings):
        return []
    X = np.asarray(Z, dtype=float)
    idx = check_random_state(random_state).permutation(len(X))[:sample_size]
    X = X[idx]
    m = len(X)
    codes, freqs, starts = [], [], [0]
    for labels in labelings:
        uniq, code = np.unique(np.asarray(labels)[idx], return_inverse=True)
        if not 2 <= len(uniq) <= m - 1:
            raise ValueError(f"Number of labels is {len(uniq)}. Valid values are 2 to "
                             f"n_samples - 1 (inclusive)")
        codes.append(code.ravel())
        freqs.append(np.bincount(code.ravel()))
        starts.append(starts[-1] + len(uniq))
    onehot = np.zeros((m, starts[-1]))
    for code, start in zip(codes, starts, strict=False):
        onehot[np.arange(m), start + code] = 1.0
    sums = np.empty((m, starts[-1]))  # per customer: summed distance to each segment
    norms = row_norms(X, squared=True)
    step = max(1, cells // m)
    for lo in range(0, m, step):
        hi = min(lo + step, m)
        d = euclidean_distances(X[lo:hi], X, X_norm_squared=norms[lo:hi, None],
                                Y_norm_squared=norms[None, :])
        d[np.arange(hi - lo), np.arange(lo, hi)] = 0.0  # as scikit-learn's chunks
        sums[lo:hi] = d @ onehot
    rows = np.arange(m)
    out = []
    for code, freq, start, end in zip(codes, freqs, starts, starts[1:], strict=False):
        dist = sums[:, start:end].copy()
        intra = dist[rows, code]
        dist[rows, code] = np.inf
        inter = (dist / freq).min(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            intra = intra / (freq - 1)[code]
            sil = (inter - intra) / np.maximum(intra, inter)
        out.append(float(np.mean(np.nan_to_num(sil))))
    return out


def _rule_text(algorithm: str) -> str:
    if algorithm == "gmm":
        return "smallest BIC (Bayesian information criterion)"
    return ("majority vote of three criteria: largest silhouette, largest Calinski-Harabasz, "
            "smallest Davies-Bouldin; the k named by at least two wins, and when all three "
            "differ the silhouette's k wins")


def choose_k(
    X: pd.DataFrame,
    *,
    features: Sequence[str] | None = None,
    algorithm: str = "kmeans",
    k_range: tuple[int, int] = (2, 8),
    log_features: str | Sequence[str] | None = "auto",
    random_state: RandomState = 0,
    sample_size: int = 10_000,
) -> KSelection:
    """Score every k in ``k_range`` and pick one by the documented rule.

    Each k is fitted once on the same (sampled, preprocessed) customers, so the criteria compare
    like with like; the table keeps every score, so a reader can see how clear the choice was.

    Parameters
    ----------
    X : DataFrame
        Customer feature table indexed by ``customer_id``.
    features, algorithm, log_features, random_state, sample_size
        As in ``CustomerSegmenter`` ("hdbscan" chooses its own k and is refused here).
    k_range : (int, int), default (2, 8)
        Smallest and largest k to try; k_max must be below the number of customers.

    Returns
    -------
    KSelection
        ``table`` (indexed by ``k``: ``n_found``, ``silhouette``, ``calinski_harabasz``,
        ``davies_bouldin``, ``inertia``, ``bic``, ``chosen``), the picked ``k`` and the ``rule``
        in words. (Until 0.2 the table itself, with the rule in ``attrs["rule"]``.)

    Notes
    -----
    The rule (:func:`pick_k`): for "gmm" the smallest BIC; otherwise a majority vote of three
    internal criteria (largest silhouette, largest Calinski-Harabasz, smallest Davies-Bouldin):
    the k that at least two of them name wins; when all three differ, the silhouette's k wins.
    One criterion alone is easily swayed (silhouette favours few compact segments,
    Calinski-Harabasz many); asking for agreement is the majority rule of NbClust (Charrad et
    al. 2014) on three indices.
    """
    owner = "choose_k"
    algorithm = _check_algorithm(algorithm, owner)
    if algorithm == "hdbscan":
        raise ParameterError(
            "The 'algorithm' parameter of choose_k must be a method with a given k ('kmeans', "
            "'minibatch_kmeans', 'gmm', 'ward'). Got 'hdbscan' instead; HDBSCAN finds the number "
            "of segments itself, so fit CustomerSegmenter(algorithm='hdbscan') directly."
        )
    X, algorithm, seed = _prepare(X, owner, algorithm=algorithm, random_state=random_state,
                                  sample_size=sample_size)
    k_min, k_max = _check_k_range(k_range, len(X), owner)
    feats, _ = _resolve_features(X, features, owner)
    _, Z = _transform(X, feats, log_features, owner)
    selection, _ = _k_table(Z, algorithm=algorithm, k_min=k_min, k_max=k_max,
                            random_state=seed, sample_size=sample_size)
    return selection
