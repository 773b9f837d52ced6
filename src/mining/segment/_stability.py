"""Bootstrap stability of a segmentation: do the segments come back when customers are resampled?

:func:`stability` refits a :class:`CustomerSegmenter`'s preprocessing and clustering (k held
fixed) on bootstrap resamples of the customers and compares every pair of resample clusterings
by the adjusted Rand index; :class:`Stability` holds the result and its verdict.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import adjusted_rand_score

from mining.errors import check_param
from mining.params import RandomState, check_random_state
from mining.segment._choose_k import _cluster
from mining.segment._estimator import CustomerSegmenter
from mining.segment._features import _check_size, _check_table, _transform, derive_features


@dataclass(frozen=True)
class Stability:
    """Bootstrap stability of a segmentation.

    Attributes
    ----------
    mean_ari, std_ari : float
        Mean and standard deviation of the adjusted Rand index over all pairs of resamples
        (1 = identical segments, about 0 = no better than chance).
    n_bootstrap : int
        Number of resamples.
    n_clusters : int or None
        k held fixed across resamples (None for hdbscan, which finds its own).
    pairs : DataFrame
        One row per pair of resamples: ``a``, ``b``, ``n_common`` (customers in both), ``ari``.
    """

    mean_ari: float
    std_ari: float
    n_bootstrap: int
    n_clusters: int | None
    pairs: pd.DataFrame

    @property
    def verdict(self) -> str:
        """Reading of ``mean_ari``: >= 0.85 "highly stable", >= 0.75 "stable", >= 0.6
        "patterns, but unstable in detail", else "unstable (segments may not be real)"."""
        if self.mean_ari >= 0.85:
            return "highly stable"
        if self.mean_ari >= 0.75:
            return "stable"
        if self.mean_ari >= 0.6:
            return "patterns, but unstable in detail"
        return "unstable (segments may not be real)"

    def __str__(self) -> str:
        return (f"bootstrap stability: mean ARI {self.mean_ari:.3f} (sd {self.std_ari:.3f}) over "
                f"{len(self.pairs)} pairs of {self.n_bootstrap} resamples -> {self.verdict}")


def stability(
    X: pd.DataFrame,
    *,
    segmenter: CustomerSegmenter | None = None,
    n_bootstrap: int = 20,
    random_state: RandomState = 0,
) -> Stability:
    """Bootstrap stability: do the segments come back when the customers are resampled?

    Draws ``n_bootstrap`` bootstrap resamples of the customers (with replacement, same size),
    refits the whole segmenter (preprocessing and clustering, k held fixed) on each, and computes
    the adjusted Rand index between every pair of resample clusterings on the customers the two
    resamples have in common. Labels are compared as partitions, so renumbered segments do not
    count as different.

    Parameters
    ----------
    X : DataFrame
        Customer feature table indexed by ``customer_id``.
    segmenter : CustomerSegmenter, optional
        The settings to test (fitted or not). Default: ``CustomerSegmenter()``. If it was not given
        ``n_clusters``, k is chosen once on ``X`` and then kept fixed.
    n_bootstrap : int, default 20
        Resamples (>= 2); the pairs compared are n_bootstrap * (n_bootstrap - 1) / 2.
    random_state : int, None or numpy.random.Generator, default 0
        Seed of the resampling and of each refit.

    Returns
    -------
    Stability
        ``mean_ari``, ``std_ari``, ``pairs`` and a ``verdict``.
    """
    owner = "stability"
    X = derive_features(_check_table(X, owner))
    _check_size(X, owner)
    check_param(isinstance(n_bootstrap, numbers.Integral) and not isinstance(n_bootstrap, bool)
                and n_bootstrap >= 2, "n_bootstrap", owner, "an int >= 2", n_bootstrap)
    rng = check_random_state(random_state, owner)
    seg = segmenter if segmenter is not None else CustomerSegmenter()
    check_param(isinstance(seg, CustomerSegmenter), "segmenter", owner,
                "a CustomerSegmenter or None", type(seg).__name__)
    if not hasattr(seg, "labels_"):
        seg = clone(seg).fit(X)
    algorithm = seg.algorithm
    k = None if algorithm == "hdbscan" else seg.n_clusters_
    feats = list(seg.features_)
    n = len(X)
    samples = []
    data = X[feats]
    for _ in range(n_bootstrap):
        idx = rng.integers(0, n, size=n)
        seed = int(rng.integers(0, 2**31 - 1))
        _, Z = _transform(data.iloc[idx], feats, seg.log_features, owner)
        _, raw = _cluster(Z, algorithm=algorithm, n_clusters=k, random_state=seed,
                          min_cluster_size=seg.min_cluster_size)
        uniq, first = np.unique(idx, return_index=True)
        samples.append((uniq, np.asarray(raw)[first]))
    rows = []
    for a in range(n_bootstrap):
        for b in range(a + 1, n_bootstrap):
            ua, la = samples[a]
            ub, lb = samples[b]
            common, ia, ib = np.intersect1d(ua, ub, assume_unique=True, return_indices=True)
            ari = adjusted_rand_score(la[ia], lb[ib]) if len(common) >= 2 else np.nan
            rows.append({"a": a, "b": b, "n_common": len(common), "ari": float(ari)})
    pairs = pd.DataFrame(rows)
    return Stability(
        mean_ari=float(pairs["ari"].mean()),
        std_ari=float(pairs["ari"].std(ddof=0)),
        n_bootstrap=int(n_bootstrap),
        n_clusters=k,
        pairs=pairs,
    )

