"""Customer segmentation (聚类分析 / 客户群体划分) and concept description (概念描述).

Clustering groups customers so that members of a group are alike and groups differ; unlike
classification, no labels or class names are given beforehand. Concept description then says, in
words, what makes each group that group. Together they are the *differentiate* step (区分) of IDIC.

Everything starts from the customer feature table of :func:`mining.features.customer_table`
(one row per ``customer_id``). The workflow::

    table --(derive_features: units_per_line, mean_unit_price)--(features: default n_orders,
          basket_size_mean, units_per_line, mean_unit_price)
          --> log1p of skewed columns -> median imputation -> standard scaling
          --(Pipeline: same transform for new customers)--> clustering (kmeans | minibatch_kmeans
          | gmm | ward | hdbscan) -> labels ordered by segment size (0 = largest; -1 = noise)
          -> describe_segments: size, revenue share, feature means vs overall mean, top categories,
             a readable name, and a depth-3 decision tree whose rules say who is in which segment

Public surface
--------------
``CustomerSegmenter``   scikit-learn-style estimator: ``fit(table)``, ``predict(new_table)``
``choose_k``            the choice of k (``KSelection``: the table of silhouette,
                        Calinski-Harabasz, Davies-Bouldin, inertia and BIC per k, the chosen k
                        and the documented rule); ``pick_k`` applies the rule to any such table
``stability``           bootstrap stability: mean adjusted Rand index between resample clusterings
``describe_segments``   concept description of any labelling of a customer table
                        (``SegmentDescription``); ``name_segments`` is its naming rule
``assign``              put new customers into the segments of a fitted segmenter
                        (also the method ``CustomerSegmenter.assign``)
``derive_features``     add the ratio features units_per_line and mean_unit_price to a table
``findings``            the report's headline: segments, the most valuable one, stability and
                        agreement with another algorithm, a verdict in words (``Findings``)
``k_summary``, ``silhouette_by_segment``, ``planted_names``, ``membership_list``
                        the k table as shown, per-customer silhouettes, each planted group's
                        found segment, the membership list (with its column meanings)
``hierarchical_clusters``  agglomerative clustering with single, complete, average or Ward
                        linkage (``HierarchicalClusters``: the SciPy tree, its cophenetic
                        correlation, any cut); ``distance_matrix`` on z-scored features
``SparkKMeans``         k-means on Spark MLlib (``CustomerSegmenter(engine="spark")``);
``kmeans_spark``        the whole segmentation with its clustering in Spark (spark extra)

Modules: ``_features`` (feature columns, checks, the preprocessing pipeline, ``LogSkewed``),
``_choose_k`` (the clustering algorithms, the criteria per k and the vote), ``_describe``
(profiles, names, the description tree), ``_stability`` (bootstrap), ``_estimator``
(``CustomerSegmenter``, ``assign``), ``_findings`` (the report's findings and lists) and ``_spark`` (the Spark backend, imported only when used).

Notes
-----
**How well the demo's planted segments come back.** With default parameters on the default demo
shop (5,000 customers, 5 planted segments) the adjusted Rand index (ARI) against the truth is
0.844 (k = 5 chosen by the rule; seeds 1, 2 and 3: 0.852, 0.856 and 0.862). Each planted segment
has its own corner in the four default features (order count, lines per basket, units per line,
price per unit), and the misplaced customers are mostly short histories: a regular with two
small orders looks like a one-timer. Other settings on the same data: ``ward`` 0.75 (k = 4),
``gmm`` 0.78 (k = 8 by BIC), ``hdbscan`` 0.48. On the demo before premium customers bought
dearer versions within their categories (2026-12-02), a random forest *trained on the true
labels* with the same four features reached 0.959 (5-fold cross-validation), the ceiling for any
method, and the former default feature set (RFM, tenure, inter-purchase time and every category
share) 0.29 at k = 5. On the small demo (400 customers) the rule may settle on 4 or 7 segments
(ARI 0.72-0.84 over seeds 0-2): fewer customers give noisier criteria. Real customers overlap
far more than the demo's segments: expect lower agreement there, and check ``stability`` before
trusting a segmentation.

The function and the class share one implementation: ``CustomerSegmenter.fit`` calls the same code
as ``choose_k`` and ``describe_segments``; ``assign`` is ``CustomerSegmenter.predict``.

Example
-------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> table = pd.DataFrame({
...     "recency_days": np.r_[rng.uniform(1, 20, 30), rng.uniform(200, 300, 30)],
...     "n_orders": np.r_[rng.integers(8, 12, 30), rng.integers(1, 3, 30)].astype(float),
...     "monetary_total": np.r_[rng.uniform(800, 1200, 30), rng.uniform(20, 60, 30)],
... }, index=pd.Index([f"c{i}" for i in range(60)], name="customer_id"))
>>> seg = CustomerSegmenter(n_clusters=2).fit(table)
>>> seg.labels_.value_counts().sort_index().tolist()
[30, 30]
>>> sorted(seg.profile_["name"])
['active high spenders', 'lapsed low spenders']
"""

from __future__ import annotations

from typing import Any

from mining.segment._choose_k import ALGORITHMS, KSelection, choose_k, pick_k
from mining.segment._choose_k import WARD_MAX_CUSTOMERS as WARD_MAX_CUSTOMERS
from mining.segment._describe import FOCUS_LIFT as FOCUS_LIFT
from mining.segment._describe import FOCUS_SHARE as FOCUS_SHARE
from mining.segment._describe import NAME_Z as NAME_Z
from mining.segment._describe import ONE_TIME_SHARE as ONE_TIME_SHARE
from mining.segment._describe import TREE_MAX_CUSTOMERS as TREE_MAX_CUSTOMERS
from mining.segment._describe import (
    SegmentDescription,
    describe_segments,
    name_segments,
    short_number,
)
from mining.segment._estimator import CustomerSegmenter, assign
from mining.segment._features import (
    DEFAULT_FEATURES,
    DERIVED_FEATURES,
    MIN_CUSTOMERS,
    LogSkewed,
    derive_features,
)
from mining.segment._features import NOISE as NOISE
from mining.segment._features import SHARE_PREFIX as SHARE_PREFIX
from mining.segment._features import SKEW_THRESHOLD as SKEW_THRESHOLD
from mining.segment._findings import AGREE_ARI as AGREE_ARI
from mining.segment._findings import MEMBERSHIP_COLUMNS as MEMBERSHIP_COLUMNS
from mining.segment._findings import SILHOUETTE_SAMPLE as SILHOUETTE_SAMPLE
from mining.segment._findings import STABLE_ARI as STABLE_ARI
from mining.segment._findings import (
    feature_columns,
    findings,
    k_summary,
    membership_list,
    planted_names,
    ratio_table,
    silhouette_by_segment,
)
from mining.segment._hierarchy import (
    DISTANCE_MATRIX_MAX_CUSTOMERS as DISTANCE_MATRIX_MAX_CUSTOMERS,
)
from mining.segment._hierarchy import HIERARCHY_MAX_CUSTOMERS as HIERARCHY_MAX_CUSTOMERS
from mining.segment._hierarchy import (
    LINKAGES,
    METRICS,
    HierarchicalClusters,
    distance_matrix,
    hierarchical_clusters,
)
from mining.segment._stability import Stability, stability
from mining.segment._truth import (
    LabelAgreement,
    label_agreement,
    planted_vs_found,
    profile_in_words,
)

# The "X as X" imports above are re-exports outside __all__: the public constants (read as
# segment.NAME_Z ...).

__all__ = [
    "ALGORITHMS",
    "DEFAULT_FEATURES",
    "DERIVED_FEATURES",
    "LINKAGES",
    "METRICS",
    "MIN_CUSTOMERS",
    "CustomerSegmenter",
    "HierarchicalClusters",
    "KSelection",
    "LabelAgreement",
    "LogSkewed",
    "SegmentDescription",
    "short_number",
    "SparkKMeans",
    "Stability",
    "assign",
    "choose_k",
    "derive_features",
    "describe_segments",
    "distance_matrix",
    "feature_columns",
    "findings",
    "hierarchical_clusters",
    "k_summary",
    "kmeans_spark",
    "label_agreement",
    "membership_list",
    "name_segments",
    "pick_k",
    "planted_names",
    "planted_vs_found",
    "profile_in_words",
    "ratio_table",
    "silhouette_by_segment",
    "stability",
]

def __getattr__(name: str) -> Any:
    """``SparkKMeans`` and ``kmeans_spark`` load the Spark backend (``_spark``) on first use, so
    ``import mining.segment`` never imports Spark code."""
    if name in ("SparkKMeans", "kmeans_spark"):
        from mining.segment import _spark

        return getattr(_spark, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
