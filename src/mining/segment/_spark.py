"""The Spark backend of segmentation: k-means fitted by Spark MLlib ``KMeans``.

:class:`SparkKMeans` is a drop-in for ``sklearn.cluster.KMeans`` that ``CustomerSegmenter`` uses
with ``engine="spark"`` (through :func:`mining.engines.use_engine`, which names this module
lazily: the pandas path never imports it); :func:`kmeans_spark` is the whole segmentation
(features, preprocessing, k-means, size-ordered labels) with the clustering in Spark. Sessions
and the pandas <-> Spark transfers are :mod:`mining.engines`' public helpers.

``pyspark`` is imported only when a fit runs; importing this module needs no Spark.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from mining.engines import collect, get_session, is_spark_df, to_spark
from mining.errors import ParameterError, check_param
from mining.params import RandomState, check_random_state, seed_from
from mining.segment._choose_k import _relabel, _size_order
from mining.segment._features import _make_pipeline, _resolve_features

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pyspark.sql import SparkSession

__all__ = ["SparkKMeans", "kmeans_spark"]


class SparkKMeans(BaseEstimator):
    """k-means fitted by Spark MLlib ``KMeans``, with scikit-learn's fitted attributes.

    A drop-in for ``sklearn.cluster.KMeans`` inside :mod:`mining.segment`: ``fit(Z)`` on the
    standardized matrix, then ``labels_``, ``cluster_centers_``, ``inertia_``, ``n_iter_`` and
    ``predict(Z)`` (nearest centre, computed locally). Spark starts with k-means|| (a parallel
    k-means++), so labels match scikit-learn's up to the randomness of the starts: on
    well-separated segments the partitions are the same; the numbering is made equal by
    ``segment``'s size ordering.

    Parameters
    ----------
    n_clusters : int
        k.
    n_init : int
        Restarts with seeds ``random_state, random_state + 1, ...``; the lowest inertia wins
        (scikit-learn's ``n_init``).
    max_iter, tol : int, float
        Spark's ``maxIter`` and ``tol`` (scikit-learn's defaults: 300, 1e-4).
    random_state : int, None or numpy.random.Generator, default 0
        Seed of the first start (a Generator or None: one int drawn from it per fit).
    spark : SparkSession, optional
        Default: the active session, or a new local one (:func:`mining.engines.get_session`).

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
    labels_ : ndarray of int
        Nearest centre of each fitted row.
    inertia_ : float
        Within-cluster sum of squares of the best start.
    n_iter_ : int
        Iterations of the best start.
    """

    def __init__(self, n_clusters: int = 8, *, n_init: int = 3, max_iter: int = 300,
                 tol: float = 1e-4, random_state: RandomState = 0,
                 spark: SparkSession | None = None) -> None:
        self.n_clusters = n_clusters
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.spark = spark

    def fit(self, Z: Any, y: Any = None) -> SparkKMeans:
        """Cluster the rows of ``Z`` (array-like, n x d, no missing values)."""
        owner = "SparkKMeans"
        arr = np.asarray(Z, dtype="float64")
        check_param(arr.ndim == 2 and len(arr) >= 1, "Z", owner, "a 2-d array of rows",
                    f"shape {arr.shape}")
        check_param(isinstance(self.n_clusters, Integral) and 1 <= self.n_clusters <= len(arr),
                    "n_clusters", owner, f"an int in [1, {len(arr)}]", self.n_clusters)
        check_param(isinstance(self.n_init, Integral) and self.n_init >= 1, "n_init", owner,
                    "an int >= 1", self.n_init)
        if not np.isfinite(arr).all():
            raise ParameterError(f"{owner}: Z holds missing or infinite values; impute them.")
        seed = seed_from(self.random_state, owner)
        if seed is None:  # Spark needs an int seed: draw a fresh one
            seed = int(check_random_state(None).integers(0, 2**31 - 1))
        spark = get_session(self.spark)
        from pyspark.ml.clustering import KMeans
        from pyspark.ml.feature import VectorAssembler

        cols = [f"f{j}" for j in range(arr.shape[1])]
        frame = pd.DataFrame(arr, columns=cols)
        frame.insert(0, "row", np.arange(len(arr), dtype=np.int64))
        sdf = VectorAssembler(inputCols=cols, outputCol="features").transform(
            to_spark(spark, frame)).select("row", "features").persist()
        try:
            best = None
            for i in range(int(self.n_init)):
                model = KMeans(k=int(self.n_clusters), seed=seed + i,
                               maxIter=int(self.max_iter), tol=float(self.tol),
                               featuresCol="features").fit(sdf)
                cost = float(model.summary.trainingCost)
                if best is None or cost < best[0]:
                    best = (cost, model)
            assert best is not None
            cost, model = best
            pred = collect(model.transform(sdf).select("row", "prediction")).sort_values("row")
        finally:
            sdf.unpersist()
        self.cluster_centers_ = np.array([np.asarray(c, dtype=float)
                                          for c in model.clusterCenters()])
        self.labels_ = pred["prediction"].to_numpy(dtype=np.int64)
        self.inertia_ = cost
        self.n_iter_ = int(model.summary.numIter)
        self.n_features_in_ = arr.shape[1]
        return self

    def predict(self, Z: Any) -> np.ndarray:
        """Nearest fitted centre of each row (computed locally, no Spark job)."""
        if not hasattr(self, "cluster_centers_"):
            from mining.errors import NotFittedError

            raise NotFittedError("This SparkKMeans is not fitted yet. Call fit(Z) first.")
        arr = np.asarray(Z, dtype="float64")
        d = ((arr[:, None, :] - self.cluster_centers_[None, :, :]) ** 2).sum(axis=2)
        return d.argmin(axis=1).astype(np.int64)

    def fit_predict(self, Z: Any, y: Any = None) -> np.ndarray:
        """``fit(Z)`` then return ``labels_``."""
        return self.fit(Z).labels_


def kmeans_spark(
    table: Any,
    *,
    n_clusters: int,
    features: Sequence[str] | None = None,
    log_features: str | Sequence[str] | None = "auto",
    random_state: RandomState = 0,
    n_init: int = 3,
    spark: SparkSession | None = None,
) -> pd.Series:
    """k-means segments of a customer table, clustered by Spark MLlib ``KMeans``.

    The same preprocessing as :class:`mining.segment.CustomerSegmenter` (default features,
    log1p of skewed columns, median imputation, standard scaling), then :class:`SparkKMeans`,
    then the segment's numbering (0 = largest segment, ties by centroid).

    Parameters
    ----------
    table : DataFrame
        Customer feature table indexed by ``customer_id`` (e.g. from
        ``mining.features.customer_table(..., engine="spark")``); a Spark DataFrame with a ``customer_id`` column is
        brought to pandas first (one row per customer).
    n_clusters : int
        Number of segments.
    features, log_features, random_state
        As :class:`mining.segment.CustomerSegmenter`.
    n_init : int
        Restarts of Spark's k-means (lowest inertia kept).
    spark : SparkSession, optional
        Default: the active session, or a new local one.

    Returns
    -------
    Series
        ``segment`` (int) indexed by ``customer_id``, like ``CustomerSegmenter.labels_``.
    """
    owner = "kmeans_spark"
    if is_spark_df(table):
        pdf = collect(table)
        if "customer_id" in pdf.columns:
            pdf = pdf.set_index(pd.Index(pdf.pop("customer_id"), dtype="string",
                                         name="customer_id"))
        table = pdf
    if not isinstance(table, pd.DataFrame):
        raise ParameterError(f"The 'table' parameter of {owner} must be a customer feature "
                             f"table (DataFrame). Got {type(table).__name__} instead.")
    check_param(isinstance(n_clusters, Integral) and 2 <= n_clusters <= max(2, len(table)),
                "n_clusters", owner, f"an int in [2, {len(table)}]", n_clusters)
    feats, _ = _resolve_features(table, features, owner)
    pipe = _make_pipeline(log_features)
    Z = pipe.fit_transform(table[feats]).to_numpy(dtype=float)
    model = SparkKMeans(int(n_clusters), n_init=n_init, random_state=random_state,
                        spark=spark).fit(Z)
    labels = _relabel(model.labels_, _size_order(model.labels_, Z))
    return pd.Series(labels, index=table.index, name="segment")
