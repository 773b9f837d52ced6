"""Repeat, cross and up-buying per customer (重复购买 / 交叉购买 / 向上购买).

The purchase value in customer lifetime value is made of three kinds of buying: more of what the
customer bought before (repeat), products from categories new to the customer (cross) and dearer
versions of what they bought before (up). :func:`buying_patterns` measures each per customer
from the order lines before ``as_of``:

=======================  ======================================================================
column                   meaning (units)
=======================  ======================================================================
n_orders                 distinct orders before ``as_of``
repeat_spend_share       share of spend on products the customer had bought in an earlier order
                         (0..1; 0 for one-order customers)
first_categories         categories in the customer's first order
new_categories           categories first bought after the first order (cross-buying)
cross_spend              spend in those new categories (money)
cross_spend_share        ``cross_spend`` as a share of all spend (0..1)
adopted_categories       categories the customer took up for good after at least two orders
                         without them: first bought in the third order or later, and bought in
                         at least three quarters of the orders since (at least two orders from
                         the first one on); cross-buying that stuck, not a one-off trial
adopted_spend_share      spend in the adopted categories as a share of all spend (0..1)
upbuy_index              price paid in a category the customer had bought before, against their
                         earlier price level there (geometric: one dear machine does not swamp
                         the everyday lines): ``exp(sum(q * log(p / level)) / sum(q))`` over the
                         later lines, ``level`` the quantity-weighted geometric mean unit price
                         of the customer's earlier orders in that category; 1.0 = same level,
                         1.2 = 20% dearer; NaN without a later order in a known category
=======================  ======================================================================

Orders are taken in the time of their earliest line (ties by ``order_id``); lines without a
category count in the repeat share only.

>>> import pandas as pd
>>> tx = pd.DataFrame({
...     "customer_id": ["a"] * 4, "order_id": ["o1", "o2", "o2", "o3"],
...     "timestamp": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-02-01", "2024-03-01"]),
...     "product_id": ["kettle", "kettle", "tea", "kettle-pro"],
...     "category": ["kitchen", "kitchen", "food", "kitchen"],
...     "quantity": [1.0, 1.0, 2.0, 1.0], "unit_price": [20.0, 20.0, 5.0, 30.0]})
>>> buying_patterns(tx, as_of="2024-04-01").round(3).T
customer_id               a
n_orders              3.000
repeat_spend_share    0.250
first_categories      1.000
new_categories        1.000
cross_spend          10.000
cross_spend_share     0.125
adopted_categories    0.000
adopted_spend_share   0.000
upbuy_index           1.225
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mining.errors import InsufficientDataError
from mining.features import check_transactions  # defined before this module is imported
from mining.params import check_as_of

__all__ = ["BUYING_COLUMNS", "buying_patterns"]

#: Columns of :func:`buying_patterns`, in order.
BUYING_COLUMNS: tuple[str, ...] = (
    "n_orders", "repeat_spend_share", "first_categories", "new_categories", "cross_spend",
    "cross_spend_share", "adopted_categories", "adopted_spend_share", "upbuy_index",
)
_ADOPT_AFTER = 2  # orders without the category before it can count as adopted
_ADOPT_SHARE = 0.75  # share of the orders since its first one that hold it
_NEEDED = ("customer_id", "order_id", "timestamp", "product_id", "quantity", "unit_price")
_OWNER = "buying_patterns"


def _lines(tx: pd.DataFrame, when: pd.Timestamp) -> pd.DataFrame:
    """The lines before ``when`` with ``amount`` and each order's rank within its customer."""
    use_cat = "category" in tx.columns
    past = tx.loc[(tx["timestamp"] < when) & tx["customer_id"].notna()]
    if past.empty:
        raise InsufficientDataError(f"{_OWNER}: no transactions before as_of={when}; choose a "
                                    "later as_of.")
    lines = pd.DataFrame({
        "customer_id": past["customer_id"].astype("string").to_numpy(),
        "order_id": past["order_id"].astype("string").to_numpy(),
        "timestamp": past["timestamp"].to_numpy(),
        "product_id": past["product_id"].astype("string").to_numpy(),
        "category": (past["category"].astype("string").to_numpy() if use_cat
                     else pd.array([pd.NA] * len(past), dtype="string")),
        "quantity": past["quantity"].astype("float64").to_numpy(),
        "unit_price": past["unit_price"].astype("float64").to_numpy(),
    })
    lines["amount"] = lines["quantity"] * lines["unit_price"]
    orders = (lines.groupby(["customer_id", "order_id"], sort=False)["timestamp"].min()
              .rename("order_ts").reset_index()
              .sort_values(["customer_id", "order_ts", "order_id"], kind="mergesort"))
    orders["rank"] = orders.groupby("customer_id").cumcount()
    return lines.merge(orders[["customer_id", "order_id", "rank"]],
                       on=["customer_id", "order_id"], how="left")


def _upbuy(lines: pd.DataFrame) -> pd.Series:
    """``upbuy_index`` per customer (see the module docstring)."""
    known = lines[lines["category"].notna() & (lines["unit_price"] > 0)
                  & (lines["quantity"] > 0)]
    known = known.assign(qlog=known["quantity"] * np.log(known["unit_price"]))
    per = (known.groupby(["customer_id", "category", "rank"], sort=True)
           .agg(q=("quantity", "sum"), qlog=("qlog", "sum")).reset_index())
    g = per.groupby(["customer_id", "category"], sort=False)
    prev_q = g["q"].cumsum() - per["q"]
    prev_qlog = g["qlog"].cumsum() - per["qlog"]
    later = prev_q > 0
    log_level = prev_qlog[later] / prev_q[later]
    above = per.loc[later, "qlog"] - per.loc[later, "q"] * log_level
    ids = per.loc[later, "customer_id"]
    return np.exp(above.groupby(ids).sum() / per.loc[later, "q"].groupby(ids).sum()
                  ).astype("float64")


def _adopted(cat: pd.DataFrame, n_orders: pd.Series) -> pd.DataFrame:
    """``adopted_categories`` and the adopted spend per customer (see the module docstring)."""
    per = cat.groupby(["customer_id", "category"], sort=False).agg(
        first=("rank", "min"), orders=("rank", "nunique"), spend=("amount", "sum"))
    since = n_orders.reindex(per.index.get_level_values("customer_id")).to_numpy() - per["first"]
    adopted = per[(per["first"] >= _ADOPT_AFTER) & (since >= 2)
                  & (per["orders"] >= _ADOPT_SHARE * since)]
    by = adopted.groupby(level="customer_id")
    return pd.DataFrame({"adopted_categories": by.size(), "adopted_spend": by["spend"].sum()})


def buying_patterns(tx: pd.DataFrame, *, as_of: str | pd.Timestamp) -> pd.DataFrame:
    """Repeat, cross and up-buying per customer from the order lines before ``as_of``.

    Parameters
    ----------
    tx : DataFrame
        Transactions in the contract (``customer_id``, ``order_id``, ``timestamp``,
        ``product_id``, ``quantity``, ``unit_price``; ``category`` for cross and up-buying).
    as_of : str or Timestamp
        Only lines with ``timestamp < as_of`` are read.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (string, sorted), the columns :data:`BUYING_COLUMNS` (see
        the module docstring). Without a ``category`` column the category measures are NaN.
    """
    check_transactions(tx, _NEEDED, _OWNER)
    when = check_as_of(as_of, _OWNER)
    lines = _lines(tx, when)
    by_customer = lines.groupby("customer_id", sort=True)
    out = pd.DataFrame({"n_orders": by_customer["rank"].max().astype("int64") + 1})
    total = by_customer["amount"].sum()

    first_rank = lines.groupby(["customer_id", "product_id"])["rank"].transform("min")
    repeat = lines["amount"].where(lines["rank"] > first_rank, 0.0)
    out["repeat_spend_share"] = (repeat.groupby(lines["customer_id"]).sum()
                                 / total.where(total > 0)).fillna(0.0)

    has_cat = lines["category"].notna()
    if has_cat.any():
        cat = lines[has_cat]
        cat_first = cat.groupby(["customer_id", "category"])["rank"].transform("min")
        pairs = cat.assign(first=cat_first).drop_duplicates(["customer_id", "category"])
        out["first_categories"] = (pairs["first"] == 0).groupby(pairs["customer_id"]).sum()
        out["new_categories"] = (pairs["first"] > 0).groupby(pairs["customer_id"]).sum()
        new_line = cat_first > 0
        out["cross_spend"] = cat["amount"].where(new_line, 0.0).groupby(cat["customer_id"]).sum()
        adopted = _adopted(cat, out["n_orders"])
        out["adopted_categories"] = adopted["adopted_categories"]
        counted = ["first_categories", "new_categories", "cross_spend", "adopted_categories"]
        out[counted] = out[counted].fillna(0.0)
        out["cross_spend_share"] = (out["cross_spend"] / total.where(total > 0)).fillna(0.0)
        out["adopted_spend_share"] = (adopted["adopted_spend"].reindex(out.index)
                                      / total.where(total > 0)).fillna(0.0)
        out["upbuy_index"] = _upbuy(lines)
    else:
        for c in BUYING_COLUMNS[2:]:
            out[c] = np.nan
    out.index = out.index.astype("string")
    out.index.name = "customer_id"
    for c in BUYING_COLUMNS[1:]:
        out[c] = out[c].astype("float64")
    return out[list(BUYING_COLUMNS)]
