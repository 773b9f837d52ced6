"""The old home of the Spark engine (before 0.2); each backend now lives beside its analysis.

- the session helpers (``spark_session``, ``read_transactions_spark``, ``to_spark``, ``collect``,
  ``utc``, ...): :mod:`mining.engines.session`, public in :mod:`mining.engines`;
- ``customer_table_spark``: ``mining.features._spark``, reached by
  ``features.customer_table(..., engine="spark")``;
- ``frequent_itemsets_spark``, ``association_rules_spark``: ``mining.basket._spark``, reached by
  ``basket.frequent_itemsets`` / ``basket.mine_rules`` with ``engine="spark"``;
- ``frequent_sequences_spark``: ``mining.sequence._spark``, reached by
  ``sequence.frequent_sequences(..., engine="spark")``.

``from mining.engines.spark import customer_table_spark`` (and the other three) still works for
one release, with a ``DeprecationWarning``; the session helpers are re-exported unchanged.
``SparkKMeans`` and ``kmeans_spark`` moved to :mod:`mining.segment` (``CustomerSegmenter(...,
engine="spark")``); their old names here work the same way.

``pyspark`` is imported only when a function runs; importing this module needs no Spark.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

# the session helpers, re-exported unchanged under their old path
from mining.engines.session import MASTER_ENV as MASTER_ENV
from mining.engines.session import QUICK_START_CONFIG as QUICK_START_CONFIG
from mining.engines.session import collect as collect
from mining.engines.session import get_session as get_session
from mining.engines.session import is_spark_df as is_spark_df
from mining.engines.session import read_transactions_spark as read_transactions_spark
from mining.engines.session import spark_session as spark_session
from mining.engines.session import to_spark as to_spark

__all__ = [
    "MASTER_ENV",
    "QUICK_START_CONFIG",
    "read_transactions_spark",
    "spark_session",
]

# the functions that moved beside their analyses, by their old name here (lazy paths, as
# mining.engines.use_engine takes them: this module imports none of those packages)
_MOVED = {
    "customer_table_spark": "mining.features._spark:customer_table_spark",
    "frequent_itemsets_spark": "mining.basket._spark:frequent_itemsets_spark",
    "association_rules_spark": "mining.basket._spark:association_rules_spark",
    "frequent_sequences_spark": "mining.sequence._spark:frequent_sequences_spark",
    "SparkKMeans": "mining.segment._spark:SparkKMeans",
    "kmeans_spark": "mining.segment._spark:kmeans_spark",
}


def __getattr__(name: str) -> Any:
    if name not in _MOVED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, _, attr = _MOVED[name].partition(":")
    public = {"customer_table_spark": "mining.features.customer_table",
              "frequent_itemsets_spark": "mining.basket.frequent_itemsets",
              "association_rules_spark": "mining.basket.mine_rules",
              "frequent_sequences_spark": "mining.sequence.frequent_sequences",
              "SparkKMeans": "mining.segment.CustomerSegmenter",
              "kmeans_spark": "mining.segment.CustomerSegmenter"}[name]
    warnings.warn(f"mining.engines.spark.{name} moved beside its analysis in 0.2: call "
                  f"{public}(..., engine='spark'); the old name goes in the next release.",
                  DeprecationWarning, stacklevel=2)
    return getattr(importlib.import_module(module), attr)
