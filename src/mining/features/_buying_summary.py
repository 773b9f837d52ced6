"""Repeat, cross and up-buying beside other customer tables: as candidate model features and per
segment.

:data:`BUYING_FEATURES` are the columns of :func:`mining.features.buying_patterns` that a
customer table does not already have (``n_orders`` is in both). :func:`with_buying_patterns`
joins them to a customer table (the opt-in of ``churn.training_set(buying_patterns=True)`` and
``segment.derive_features(tx=, as_of=)``); :func:`buying_by_segment` is the mean of each per
segment, e.g. per RFM segment.

>>> import pandas as pd
>>> b = pd.DataFrame({"n_orders": [1, 3, 5], "repeat_spend_share": [0.0, 0.2, 0.4]},
...                  index=pd.Index(["a", "b", "c"], name="customer_id"))
>>> seg = pd.Series(["new", "loyal", "loyal"], index=["a", "b", "c"])
>>> buying_by_segment(b, seg)  # doctest: +NORMALIZE_WHITESPACE
         customers  n_orders  repeat_spend_share
segment
loyal            2       4.0                 0.3
new              1       1.0                 0.0
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mining.errors import ParameterError, SchemaError
from mining.features._buying import BUYING_COLUMNS, buying_patterns
from mining.findings import Evidence

__all__ = ["BUYING_FEATURES", "buying_by_segment", "buying_vs_planted", "with_buying_patterns"]

#: Buying-pattern columns offered as extra candidate features (:data:`BUYING_COLUMNS` without
#: ``n_orders``, which :func:`mining.features.customer_table` has already).
BUYING_FEATURES: tuple[str, ...] = tuple(c for c in BUYING_COLUMNS if c != "n_orders")


def with_buying_patterns(table: pd.DataFrame, tx: pd.DataFrame, *,
                         as_of: str | pd.Timestamp) -> pd.DataFrame:
    """``table`` with the :data:`BUYING_FEATURES` columns of ``buying_patterns(tx, as_of=as_of)``.

    Parameters
    ----------
    table : DataFrame
        One row per customer, indexed by ``customer_id`` (e.g. ``features.customer_table`` at
        the same ``as_of``).
    tx : DataFrame
        Transactions; only lines with ``timestamp < as_of`` are read (leakage-safe).
    as_of : str or Timestamp
        The date of the table.

    Returns
    -------
    DataFrame
        A copy of ``table`` (index as string ``customer_id``) with the columns
        :data:`BUYING_FEATURES` appended, values exactly those of
        :func:`mining.features.buying_patterns`. NaN where that table has NaN (``upbuy_index``
        of a customer who never bought again in a known category; every category measure
        without a ``category`` column) and for a customer without lines before ``as_of``.

    Raises
    ------
    SchemaError
        ``table`` already has one of the columns.
    """
    owner = "with_buying_patterns"
    if not isinstance(table, pd.DataFrame):
        raise ParameterError(f"{owner} expects the customer table as a DataFrame indexed by "
                             f"customer_id. Got {type(table).__name__} instead.")
    clash = [c for c in BUYING_FEATURES if c in table.columns]
    if clash:
        raise SchemaError([f"column {c!r} is already in the table (added by {owner}); drop it "
                           "or leave the buying patterns out" for c in clash], what="customer table")
    buying = buying_patterns(tx, as_of=as_of)[list(BUYING_FEATURES)]
    out = table.copy()
    out.index = out.index.astype("string")
    out.index.name = "customer_id"
    return out.join(buying, how="left")


def buying_by_segment(buying: pd.DataFrame, segments: pd.Series) -> pd.DataFrame:
    """Mean of each buying-pattern column per segment (e.g. per RFM segment).

    Parameters
    ----------
    buying : DataFrame
        :func:`mining.features.buying_patterns` (or any numeric customer table), indexed by
        ``customer_id``.
    segments : Series
        customer_id -> segment (e.g. ``rfm["rfm_segment"]``). Customers in one table only are
        left out; a categorical keeps its category order (empty segments dropped), other labels
        are sorted.

    Returns
    -------
    DataFrame indexed by ``segment``: ``customers`` (count), then the mean of every numeric
    column of ``buying`` over the segment's customers (NaN values skipped: ``upbuy_index`` is
    the mean over the customers who have one).
    """
    owner = "buying_by_segment"
    if not isinstance(buying, pd.DataFrame):
        raise ParameterError(f"{owner} expects the buying patterns as a DataFrame. Got "
                             f"{type(buying).__name__} instead.")
    if not isinstance(segments, pd.Series):
        raise ParameterError(f"The 'segments' parameter of {owner} must be a Series indexed by "
                             f"customer_id. Got {type(segments).__name__} instead.")
    numeric = [c for c in buying.columns if pd.api.types.is_numeric_dtype(buying[c])
               and not pd.api.types.is_bool_dtype(buying[c])]
    if not numeric:
        raise SchemaError(["the buying table has no numeric column (pass the table of "
                           "features.buying_patterns)"], what="buying patterns")
    b = buying[numeric].copy()
    b.index = b.index.astype("string")
    seg = segments.copy()
    seg.index = seg.index.astype("string")
    common = b.index.intersection(seg.dropna().index)
    if len(common) == 0:
        raise ParameterError(f"{owner}: no customer_id is in both the buying table and "
                             "'segments'; compute both for the same customers.")
    seg = seg.loc[common].rename("segment")
    g = b.loc[common].groupby(seg, observed=True, sort=True)
    out = g.mean().astype("float64")
    out.insert(0, "customers", g.size().astype("int64"))
    out.index.name = "segment"
    return out


def _auc(score: pd.Series, positive: np.ndarray) -> float:
    """ROC AUC of ``score`` for the ``positive`` rows (NaN when one side is empty)."""
    if positive.all() or not positive.any():
        return float("nan")
    from sklearn.metrics import roc_auc_score  # imported late: only the demo check needs it

    return float(roc_auc_score(positive, score))


def buying_vs_planted(buying: pd.DataFrame, truth: Any, *, min_orders: int = 5
                      ) -> list[Evidence]:
    """Up- and cross-buying found against the demo's planted up-buyers and cross-buyers; empty for
    real data (``truth`` None or without ``up_buyers``).

    Among the customers of ``buying`` (:func:`mining.features.buying_patterns`) with at least
    ``min_orders`` orders, one row per group (``up-buyers``, ``cross-buyers``, ``others``):
    ``customers``, ``upbuy_index_median`` (NaN counted as 1.0, the same level),
    ``with_adopted_category`` (share with an adopted category) and
    ``adopted_spend_share_median``; a second table gives the ROC AUC with which each measure
    ranks its planted group above everybody else (0.5 = chance)."""
    ups, crosses = getattr(truth, "up_buyers", None), getattr(truth, "cross_buyers", None)
    if ups is None or crosses is None:
        return []
    need = {"n_orders", "upbuy_index", "adopted_categories", "adopted_spend_share"}
    if not isinstance(buying, pd.DataFrame) or not need <= set(buying.columns):
        raise SchemaError([f"column {c!r} is missing (needed by buying_vs_planted; pass the table "
                           "of features.buying_patterns)" for c in sorted(need - set(buying))])
    b = buying[buying["n_orders"] >= min_orders]
    index = b["upbuy_index"].fillna(1.0)
    is_up, is_cross = b.index.isin(ups.index), b.index.isin(crosses.index)
    rows = {}
    for name, rows_in in (("up-buyers", is_up), ("cross-buyers", is_cross),
                          ("others", ~(is_up | is_cross))):
        rows[name] = {"customers": int(rows_in.sum()),
                      "upbuy_index_median": index[rows_in].median(),
                      "with_adopted_category": (b.loc[rows_in, "adopted_categories"] >= 1).mean(),
                      "adopted_spend_share_median": b.loc[rows_in, "adopted_spend_share"].median()}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "planted"
    auc = pd.DataFrame({"measure": ["upbuy_index", "adopted_spend_share"],
                        "roc_auc": [_auc(index, is_up), _auc(b["adopted_spend_share"], is_cross)]},
                       index=pd.Index(["up-buyers", "cross-buyers"], name="planted"))
    return [Evidence(f"Planted up- and cross-buyers among the {len(b):,} customers with "
                     f"{min_orders}+ orders", table, percent=("with_adopted_category",),
                     count=("customers",)),
            Evidence("How well each measure ranks its planted group first (ROC AUC)", auc)]
