"""The demo shop's raw order lines: the generated orders as lines in time order, plus the planted
dirt that cleaning must remove.

Everything is built as integer codes and float arrays (customer row, order rank, seconds since
START, product index, units, price) and turned into strings once, at the end; the lines and their
order are exactly those of one line per (order, product) in order-id order, then the dirt,
stably sorted by timestamp and order id.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from mining.simulate import START
from mining.simulate._orders import _Shop

__all__: list[str] = []

_COLUMNS = ["customer_id", "order_id", "timestamp", "product_id", "product_name", "category",
            "quantity", "unit_price", "status"]
_STATUS = ["completed", "cancelled", "returned_item"]
_FREE_ITEM = ("P000", "Free tote bag (promotion)", "Promotion")  # a zero-price promotion line


@dataclass
class _Lines:
    """Order lines as codes: customer row (-1: a guest), order rank (id ``O{rank+1:07d}``),
    seconds since START, product index (the catalogue's; ``len(catalogue)`` is the free item),
    units, unit price (EUR) and status index (in ``_STATUS``)."""

    customer: np.ndarray
    rank: np.ndarray
    seconds: np.ndarray
    product: np.ndarray
    quantity: np.ndarray
    price: np.ndarray
    status: np.ndarray

    def take(self, rows: np.ndarray) -> _Lines:
        return _Lines(*(getattr(self, f)[rows] for f in _Lines.__dataclass_fields__))

    @staticmethod
    def concat(parts: list[_Lines]) -> _Lines:
        return _Lines(*(np.concatenate([getattr(p, f) for p in parts])
                        for f in _Lines.__dataclass_fields__))


@dataclass
class OrderLines:
    """What :func:`order_lines` returns: the raw lines table, the dirt counted by kind, each
    order's position in the order list in order-id order (``order_of``), and which customers
    bought (``bought``, by customer row)."""

    raw: pd.DataFrame
    dirty: dict[str, int]
    order_of: np.ndarray
    bought: np.ndarray


def _text_order(n_ids: int, digits: int = 7) -> np.ndarray | None:
    """Where each of the order ids ``O{r+1:0{digits}d}``, ``r < n_ids``, comes in text order
    (ids are sorted as text), or None when that is rank order: up to ``10**digits - 1`` orders,
    every id has ``digits`` digits."""
    if n_ids < 10**digits:
        return None
    where = np.empty(n_ids, dtype=np.int64)
    text = np.array([f"O{r + 1:0{digits}d}" for r in range(n_ids)])
    where[np.argsort(text, kind="stable")] = np.arange(n_ids)
    return where


def _rounded_prices(prices: np.ndarray, factor: float) -> np.ndarray:
    """Each product's charged price at ``factor`` times the list price, rounded to cents with
    Python's ``round`` (as every line was before: np.round differs on some halves)."""
    return np.array([round(float(p) * factor, 2) for p in prices])


def order_lines(shop: _Shop, rng: np.random.Generator, cust_ids: list[str]) -> OrderLines:
    """The raw transactions of ``shop``'s orders with the planted dirt (drawn from ``rng``)."""
    n_orders = shop.n_orders
    times = np.asarray(shop.order_time, dtype=np.int64)
    order_of = np.argsort(times, kind="stable")  # order ids in time order (ties: as generated)
    rank = np.empty(n_orders, dtype=np.int64)
    rank[order_of] = np.arange(n_orders)
    items = shop.order_items
    counts = np.fromiter(map(len, items), dtype=np.int64, count=n_orders)
    n_lines = int(counts.sum())
    product = np.fromiter(chain.from_iterable(items), dtype=np.int64, count=n_lines)
    quantity = np.fromiter(chain.from_iterable(d.values() for d in items), dtype=np.float64,
                           count=n_lines)
    order = np.repeat(np.arange(n_orders), counts)
    n_codes = len(shop.prices) + 1  # the catalogue and the free item
    lines = np.argsort(rank[order] * n_codes + product)  # by order id, then product (unique)
    order, product, quantity = order[lines], product[lines], quantity[lines]
    price = _rounded_prices(shop.prices, 1.0)[product]
    for k, factor in shop.price_factor.items():
        on = order == k
        price[on] = _rounded_prices(shop.prices, factor)[product[on]]
    customer = np.asarray(shop.order_customer, dtype=np.int64)[order]
    tx = _Lines(customer, rank[order], times[order], product, quantity, price,
                np.zeros(n_lines, dtype=np.int64))
    bought = np.zeros(shop.n, dtype=bool)
    bought[customer] = True

    raw, dirty, n_ids = _add_dirt(rng, tx, n_orders, len(shop.prices))
    # stable, by timestamp then order id (ids have 7 digits: their text order is their rank's);
    # the order lines are in that order already and the dirt is merged in, after equal lines
    text = _text_order(n_ids)
    raw = raw.take(np.argsort(raw.seconds * n_ids + (raw.rank if text is None else text[raw.rank]),
                              kind="stable"))
    names = shop.products[["product_id", "product_name", "category"]].to_numpy(dtype=object)
    names = np.vstack([names, np.array(_FREE_ITEM, dtype=object)])

    def strings(values: np.ndarray | list[str], codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
        return pd.array(np.asarray(values, dtype=object), dtype="string").take(codes,
                                                                                allow_fill=True)

    # order ids O0000001, O0000002, ... (rank + 1, seven digits)
    ids = pc.binary_join_element_wise(
        "O", pc.utf8_lpad(pa.array(np.arange(1, n_ids + 1)).cast(pa.string()), 7, "0"), "")
    frame = pd.DataFrame({
        "customer_id": strings(cust_ids, raw.customer),
        "order_id": pd.array(ids, dtype="string").take(raw.rank),
        "timestamp": START + pd.to_timedelta(raw.seconds, unit="s"),
        "product_id": strings(names[:, 0], raw.product),
        "product_name": strings(names[:, 1], raw.product),
        "category": strings(names[:, 2], raw.product),
        "quantity": raw.quantity,
        "unit_price": raw.price,
        "status": strings(_STATUS, raw.status),
    }, columns=_COLUMNS)
    return OrderLines(raw=frame, dirty=dirty, order_of=order_of, bought=bought)


def _add_dirt(rng: np.random.Generator, tx: _Lines, n_orders: int,
              free_product: int) -> tuple[_Lines, dict[str, int], int]:
    """Append the lines that cleaning must remove; count each kind. Returns the lines, the counts
    and how many order ids are now in use (``n_orders`` before)."""
    n_lines = len(tx.rank)
    order_seq = n_orders
    # cancelled orders: copies of real orders under new ids, status cancelled; the draw depends
    # on how many orders there are only, so the ranks stand for the ids in the lines' order
    n_cancel = max(2, round(0.015 * n_orders))
    picked_rank = np.sort(rng.choice(np.arange(n_orders), size=n_cancel, replace=False))
    text = _text_order(n_orders)
    if text is not None:  # the new ids follow the old ones' text order
        picked_rank = picked_rank[np.argsort(text[picked_rank])]
    cancelled = tx.take(np.flatnonzero(np.isin(tx.rank, picked_rank)))
    new_rank = np.empty(n_orders, dtype=np.int64)
    new_rank[picked_rank] = order_seq + np.arange(n_cancel)  # new ids in the old ids' order
    cancelled.rank = new_rank[cancelled.rank]
    cancelled.seconds = cancelled.seconds + 13 * 60
    cancelled.status = np.full(len(cancelled.rank), _STATUS.index("cancelled"))
    order_seq += n_cancel
    # returns: a negative line in the same order, a few days later
    n_ret = max(2, round(0.005 * n_lines))
    returns = tx.take(np.sort(rng.choice(n_lines, size=n_ret, replace=False)))
    returns.quantity = -returns.quantity
    returns.seconds = returns.seconds + 3 * 86400
    returns.status = np.full(n_ret, _STATUS.index("returned_item"))
    # guest lines without a customer id
    n_guest = max(2, round(0.003 * n_lines))
    guests = tx.take(np.sort(rng.choice(n_lines, size=n_guest, replace=False)))
    guests.customer = np.full(n_guest, -1)
    guests.rank = order_seq + np.arange(n_guest)
    order_seq += n_guest
    # free promotional items (price 0) added to real orders
    n_free = max(2, round(0.002 * n_lines))
    free = tx.take(np.sort(rng.choice(n_lines, size=n_free, replace=False)))
    free.product = np.full(n_free, free_product)
    free.quantity = np.full(n_free, 1.0)
    free.price = np.full(n_free, 0.0)
    # exact duplicate lines (double export)
    n_dup = max(2, round(0.004 * n_lines))
    dups = tx.take(np.sort(rng.choice(n_lines, size=n_dup, replace=False)))
    raw = _Lines.concat([tx, cancelled, returns, guests, free, dups])
    counts = {
        "missing_customer_id": n_guest,
        "cancelled_order": len(cancelled.rank),
        "return_negative_quantity": n_ret,
        "zero_price": n_free,
        "duplicate_line": n_dup,
    }
    return raw, counts, order_seq
