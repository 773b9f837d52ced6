"""Small summaries of baskets, itemsets and offers that the cross-selling notebook shows: items
per basket, itemsets by length, offers beside what the customer already bought, and the split
date of the out-of-time check.
"""

from __future__ import annotations

import pandas as pd

from mining.basket._words import _ANY_BASKET

__all__ = ["basket_size_summary", "default_split_date", "itemsets_by_length",
           "offers_with_history", "rules_table"]

#: the columns of :func:`rules_table` and what each means (for the saved list)
RULES_TABLE_COLUMNS = {
    "if the basket holds": "the rule's left side (antecedents)",
    "it also holds": "the rule's right side: the item to offer (consequents)",
    "support": "share of baskets with both sides",
    "confidence": "share of the baskets with the left side that hold the right side",
    "lift": "confidence / share of baskets with the right side (1 = no link)",
    "leverage": "extra share of baskets with both sides beyond chance",
    "count": "baskets with both sides",
}


def rules_table(rules: pd.DataFrame) -> pd.DataFrame:
    """The rules as a business reader reads them, in the rules' order: the two sides as text
    (``if the basket holds``, ``it also holds``) and ``support``, ``confidence``, ``lift``,
    ``leverage`` (when present), ``count``.

    >>> import pandas as pd
    >>> r = pd.DataFrame({"antecedents": [frozenset({"bread", "butter"})],
    ...                   "consequents": [frozenset({"jam"})], "support": [0.1],
    ...                   "confidence": [0.6], "lift": [3.0], "count": [10]})
    >>> rules_table(r).iloc[0, :2].tolist()
    ['bread, butter', 'jam']
    """
    def text(sets: pd.Series) -> list[str]:
        return [", ".join(sorted(map(str, s))) or _ANY_BASKET for s in sets]

    out = pd.DataFrame({"if the basket holds": text(rules["antecedents"]),
                        "it also holds": text(rules["consequents"])}, index=rules.index)
    for c in ("support", "confidence", "lift", "leverage", "count"):
        if c in rules.columns:
            out[c] = rules[c].to_numpy()
    return out.reset_index(drop=True)


def basket_size_summary(baskets: pd.DataFrame) -> pd.DataFrame:
    """``describe()`` of the items per basket, as one row named ``items per basket`` (rounded
    to 0.1).

    ``baskets`` is a one-hot basket table (:func:`~mining.basket.basket_matrix`).

    >>> from mining.basket import baskets_from_lists
    >>> b = baskets_from_lists([["milk", "bread"], ["milk"], ["milk", "eggs", "jam"]])
    >>> basket_size_summary(b)[["count", "mean", "max"]]
                      count  mean  max
    items per basket    3.0   2.0  3.0
    """
    sizes = baskets.sum(axis=1).astype(int)
    return sizes.describe().round(1).to_frame("items per basket").T


def itemsets_by_length(itemsets: pd.DataFrame) -> pd.DataFrame:
    """Number of frequent itemsets per length (column ``itemsets``, indexed by ``length``).

    >>> from mining.basket import baskets_from_lists, frequent_itemsets
    >>> b = baskets_from_lists([["milk", "bread"], ["milk", "bread"], ["milk"]])
    >>> itemsets_by_length(frequent_itemsets(b, min_support=0.5))["itemsets"].to_dict()
    {1: 2, 2: 1}
    """
    return itemsets.groupby("length").size().to_frame("itemsets")


def offers_with_history(offers: pd.DataFrame, tx: pd.DataFrame, *, n_customers: int = 3,
                        level: str = "product", use_names: bool = True) -> pd.DataFrame:
    """The offers of the first ``n_customers`` customers beside what each already bought.

    Parameters
    ----------
    offers : DataFrame
        From :func:`~mining.basket.recommend_all` (indexed by ``customer_id``).
    tx : DataFrame
        The transactions the offers were made from (already cut at ``as_of``).
    n_customers : int, default 3
        Customers shown, in the order of ``offers``.
    level, use_names : as :func:`~mining.basket.basket_matrix`
        Which column names the items bought.

    Returns
    -------
    DataFrame
        Columns ``already bought`` (the items, sorted, comma-separated), ``rank``, ``item``,
        ``confidence``, ``lift``, ``rule``.

    Examples
    --------
    >>> import pandas as pd
    >>> offers = pd.DataFrame({"rank": [1], "item": ["jam"], "confidence": [0.6], "lift": [2.0],
    ...                        "rule": ["{bread} -> {jam}"]}, index=pd.Index(["c1"], name="customer_id"))
    >>> tx = pd.DataFrame({"customer_id": ["c1", "c1"], "product_name": ["milk", "bread"]})
    >>> offers_with_history(offers, tx)["already bought"].tolist()
    ['bread, milk']
    """
    examples = list(offers.index.unique()[:n_customers])
    item_col = "category" if level == "category" else ("product_name" if use_names else "product_id")
    owned = (tx[tx["customer_id"].isin(examples)].groupby("customer_id")[item_col]
             .agg(lambda s: ", ".join(sorted(set(s.astype(str))))).rename("already bought"))
    cols = [c for c in ("rank", "item", "score", "confidence", "lift", "rule", "reason")
            if c in offers.columns]
    return offers.loc[examples].join(owned)[["already bought", *cols]]


def default_split_date(tx: pd.DataFrame, *, share: float = 0.75,
                       min_span_days: int = 7) -> pd.Timestamp | None:
    """The split date of an out-of-time check: ``share`` of the way through the orders' dates,
    at midnight; None when the orders span less than ``min_span_days`` (e.g. undated baskets).

    >>> import pandas as pd
    >>> tx = pd.DataFrame({"timestamp": pd.to_datetime(["2025-01-01 00:00", "2025-01-21 12:00"])})
    >>> default_split_date(tx)
    Timestamp('2025-01-16 00:00:00')
    >>> default_split_date(tx.iloc[:1]) is None
    True
    """
    span = tx["timestamp"].max() - tx["timestamp"].min()
    if not span >= pd.Timedelta(days=min_span_days):
        return None
    return (tx["timestamp"].min() + span * share).normalize()
