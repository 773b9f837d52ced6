"""The segmentation estimator: :class:`CustomerSegmenter` (fit, predict, describe) and
:func:`assign`.

``fit`` runs the whole chain on a customer feature table: the features and preprocessing of
:mod:`._features`, the clustering and choice of k of :mod:`._choose_k` (k-means on Spark with
``engine="spark"``), the size-ordered labels, and the concept description of :mod:`._describe`.
``predict`` / :func:`assign` put new customers into the fitted segments.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.neighbors import KNeighborsClassifier, NearestCentroid

from mining.errors import InsufficientDataError, SchemaError, check_param
from mining.params import RandomState
from mining.segment._choose_k import (
    _check_k_range,
    _check_n_clusters,
    _cluster,
    _k_table,
    _prepare,
    _relabel,
    _size_order,
)
from mining.segment._describe import describe_segments
from mining.segment._features import (
    NOISE,
    _check_table,
    _resolve_features,
    _transform,
    derive_features,
)


class CustomerSegmenter(BaseEstimator):
    """Cluster customers into segments and describe each segment.

    Parameters
    ----------
    features : list of str, optional
        Columns of the customer feature table to cluster on (after ``derive_features``, so
        ``units_per_line`` and ``mean_unit_price`` can be named). Default (None): the columns of
        ``DEFAULT_FEATURES`` present in the table (n_orders, basket_size_mean, units_per_line,
        mean_unit_price); default columns that are constant in the table are dropped (see
        ``dropped_features_``). A named column that is constant raises ``ParameterError``.
    algorithm : {"kmeans", "minibatch_kmeans", "gmm", "ward", "hdbscan"}, default "kmeans"
        "kmeans": k-means, 10 restarts. "minibatch_kmeans": mini-batch k-means for large tables
        (millions of customers). "gmm": Gaussian mixture, full covariances (soft clusters; each
        customer goes to its most probable component). "ward": agglomerative clustering with
        Ward linkage (up to ``WARD_MAX_CUSTOMERS`` customers); new customers go to the nearest
        segment centroid. "hdbscan": density-based; finds k itself and leaves noise customers
        with label -1; new customers take the majority label of their 5 nearest fitted customers
        (noise included).
    n_clusters : int, optional
        Number of segments. None: choose it from ``k_range`` (see ``choose_k``). Ignored by
        "hdbscan".
    k_range : (int, int), default (2, 8)
        Smallest and largest k tried when ``n_clusters`` is None.
    log_features : "auto", None/False or list of str, default "auto"
        Which features get log1p before scaling. "auto": non-negative features with skewness > 1.
    random_state : int, None or numpy.random.Generator, default 0
        Seed of every random step (k-means starts, mixtures, silhouette samples, tree ties); a
        Generator gives one int seed per fit (``mining.params.seed_from``), None a fresh one.
    min_cluster_size : int, optional
        HDBSCAN's smallest segment; default max(5, 2% of customers).
    sample_size : int, default 10_000
        Silhouettes during k selection are computed on at most this many customers.
    revenue : str or None, default "monetary_total"
        Revenue column for the profile's revenue shares.
    max_depth : int, default 3
        Depth of the description tree.
    engine : {"pandas", "spark"}, default "pandas"
        ``"spark"`` fits k-means with Spark MLlib (``SparkKMeans``; ``algorithm="kmeans"`` only;
        needs the spark extra); profiles and descriptions are computed locally as usual.

    Attributes
    ----------
    features_ : list of str
        The columns clustered on.
    dropped_features_ : list of str
        Default features left out because constant.
    pipeline_ : Pipeline
        Fitted log1p / median imputation / standard scaling; ``transform`` applies it.
    model_ : estimator or None
        The fitted clustering model (None for ward, which is cut from a scipy linkage tree).
    labels_ : Series
        Segment of each fitted customer, indexed by ``customer_id``; 0 is the largest segment,
        -1 noise (hdbscan only).
    n_clusters_ : int
        Number of segments found (noise not counted).
    k_selection_ : KSelection or None
        The choice of k (as ``choose_k`` returns it: ``.table`` of criteria per k, ``.k``,
        ``.rule``) when k was chosen, else None.
    centroids_ : DataFrame
        Segment x feature mean in the transformed (standardized) space.
    description_ : SegmentDescription
        Concept description; ``profile_``, ``rules_``, ``fidelity_`` are short-cuts to it.
    segment_names_ : dict of int -> str
        Readable name of each segment.

    Notes
    -----
    ``predict`` (and ``assign``) returns a Series indexed by ``customer_id`` rather than a bare
    array, following the project rule that customer-level outputs join on ``customer_id``.
    """

    def __init__(
        self,
        *,
        features: Sequence[str] | None = None,
        algorithm: str = "kmeans",
        n_clusters: int | None = None,
        k_range: tuple[int, int] = (2, 8),
        log_features: str | Sequence[str] | None = "auto",
        random_state: RandomState = 0,
        min_cluster_size: int | None = None,
        sample_size: int = 10_000,
        revenue: str | None = "monetary_total",
        max_depth: int = 3,
        engine: str = "pandas",
    ) -> None:
        self.engine = engine
        self.features = features
        self.algorithm = algorithm
        self.n_clusters = n_clusters
        self.k_range = k_range
        self.log_features = log_features
        self.random_state = random_state
        self.min_cluster_size = min_cluster_size
        self.sample_size = sample_size
        self.revenue = revenue
        self.max_depth = max_depth

    # -- public API ---------------------------------------------------------------------------
    def fit(self, X: pd.DataFrame, y: Any = None) -> CustomerSegmenter:
        """Cluster the customers of the feature table ``X`` and describe the segments.

        Parameters
        ----------
        X : DataFrame
            Customer feature table indexed by ``customer_id``.
        y : ignored

        Returns
        -------
        self
        """
        owner = type(self).__name__
        X, algorithm, random_state = _prepare(
            X, owner, algorithm=self.algorithm, random_state=self.random_state,
            sample_size=self.sample_size, min_cluster_size=self.min_cluster_size,
            engine=self.engine)
        n = len(X)
        feats, dropped = _resolve_features(X, self.features, owner)
        pipe, Z = _transform(X, feats, self.log_features, owner)

        k_table = None
        if algorithm == "hdbscan":
            model, raw = _cluster(Z, algorithm=algorithm, n_clusters=None,
                                  random_state=random_state,
                                  min_cluster_size=self.min_cluster_size)
        elif self.n_clusters is not None:
            k = _check_n_clusters(self.n_clusters, n, owner)
            model, raw = _cluster(Z, algorithm=algorithm, n_clusters=k, random_state=random_state,
                                  engine=self.engine)
        else:
            k_min, k_max = _check_k_range(self.k_range, n, owner)
            k_table, fits = _k_table(Z, algorithm=algorithm, k_min=k_min, k_max=k_max,
                                     engine=self.engine,
                                     random_state=random_state, sample_size=self.sample_size)
            model, raw = fits[k_table.k]

        mapping = _size_order(np.asarray(raw), Z)
        labels = _relabel(np.asarray(raw), mapping)
        n_found = int(len(set(labels.tolist()) - {NOISE}))
        if n_found < 1:
            raise InsufficientDataError(
                f"{owner} with algorithm='hdbscan' marked every customer as noise. Lower "
                "min_cluster_size or use algorithm='kmeans'."
            )

        self.features_ = feats
        self.dropped_features_ = dropped
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        self.pipeline_ = pipe
        self.model_ = model
        self.label_map_ = mapping
        self.labels_ = pd.Series(labels, index=X.index, name="segment")
        self.n_clusters_ = n_found
        self.k_selection_ = k_table
        self.centroids_ = (pd.DataFrame(Z, columns=feats).groupby(labels).mean()
                           .drop(index=NOISE, errors="ignore"))
        self.centroids_.index.name = "segment"
        if algorithm == "ward":
            keep = labels != NOISE
            self.assigner_ = NearestCentroid().fit(Z[keep], labels[keep])
        elif algorithm == "hdbscan":
            self.assigner_ = KNeighborsClassifier(n_neighbors=min(5, n)).fit(Z, labels)
        else:
            self.assigner_ = None
        self.description_ = describe_segments(
            X, self.labels_, features=feats, revenue=self.revenue, max_depth=self.max_depth,
            random_state=random_state,
        )
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "labels_"):
            from mining.errors import NotFittedError

            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet. Call fit(customer_table) first."
            )

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """The fitted preprocessing (log1p, imputation, scaling) of ``X``'s features.

        Returns a DataFrame indexed like ``X`` with one standardized column per feature.
        """
        self._check_fitted()
        X = _check_table(X, f"{type(self).__name__}.transform")
        if any(c not in X.columns for c in self.features_):
            X = derive_features(X)
        missing = [c for c in self.features_ if c not in X.columns]
        if missing:
            raise SchemaError(
                [f"column {c!r} is missing (the segments were fitted on it)" for c in missing],
                what="customer feature",
            )
        Z = self.pipeline_.transform(X[self.features_])
        Z.index = X.index
        return Z

    def predict(self, X: pd.DataFrame) -> pd.Series:
        """Segment of each customer of ``X`` (new or old), indexed by ``customer_id``.

        k-means and mini-batch k-means use the nearest cluster centre, gmm the most probable
        component, ward the nearest segment centroid and hdbscan the majority of the 5 nearest
        fitted customers (so a new customer can be noise, -1).
        """
        Z = self.transform(X)
        if len(Z) == 0:
            return pd.Series([], index=X.index, name="segment", dtype=int)
        arr = Z.to_numpy(dtype=float)
        if self.assigner_ is not None:
            labels = np.asarray(self.assigner_.predict(arr), dtype=int)
        else:
            labels = _relabel(np.asarray(self.model_.predict(arr)), self.label_map_)
        return pd.Series(labels, index=X.index, name="segment")

    def assign(self, new_customers: pd.DataFrame) -> pd.Series:
        """Put new customers into the fitted segments: the same as ``predict``.

        ``new_customers`` is a feature table with the fitted columns (or their sources, see
        ``DERIVED_FEATURES``), indexed by ``customer_id``; returns the segment number per
        customer (names in ``segment_names_``).
        """
        return self.predict(new_customers)

    def fit_predict(self, X: pd.DataFrame, y: Any = None) -> pd.Series:
        """``fit(X)`` then return ``labels_``."""
        return self.fit(X).labels_

    @property
    def profile_(self) -> pd.DataFrame:
        """Per-segment profile (see ``SegmentDescription.profile``)."""
        self._check_fitted()
        return self.description_.profile

    @property
    def rules_(self) -> pd.DataFrame:
        """Plain-language membership rules (see ``SegmentDescription.rules``)."""
        self._check_fitted()
        return self.description_.rules

    @property
    def fidelity_(self) -> float:
        """Accuracy of the rules: share of customers whose segment they reproduce."""
        self._check_fitted()
        return self.description_.fidelity

    @property
    def segment_names_(self) -> dict[int, str]:
        """Segment number -> readable name."""
        self._check_fitted()
        return self.description_.names

    def named_labels(self) -> pd.Series:
        """``labels_`` with readable names instead of numbers (categorical, indexed by id)."""
        self._check_fitted()
        return self.labels_.map(self.segment_names_).rename("segment_name")



def assign(segmenter: CustomerSegmenter, new_customers: pd.DataFrame) -> pd.Series:
    """Put new customers into the segments of a fitted segmenter.

    Same as ``segmenter.predict(new_customers)``: the fitted preprocessing is applied, then each
    customer goes to a segment as described in ``CustomerSegmenter.predict``.

    Parameters
    ----------
    segmenter : CustomerSegmenter
        A fitted segmenter.
    new_customers : DataFrame
        Feature table (same columns as the fitted one) indexed by ``customer_id``.

    Returns
    -------
    Series
        Segment number per ``customer_id`` (name "segment"); names are in
        ``segmenter.segment_names_``.
    """
    check_param(isinstance(segmenter, CustomerSegmenter), "segmenter", "assign",
                "a fitted CustomerSegmenter", type(segmenter).__name__)
    return segmenter.predict(new_customers)
