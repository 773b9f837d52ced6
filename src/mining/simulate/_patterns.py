"""Buying and churn patterns planted into the demo's orders (issue 21): returning lapsers, partial
decliners, up-buyers and cross-buyers, each with its answer key.

They are drawn from the shop's random stream after the orders and the anomalies, and change only
the orders of the customers they pick (never an anomalous customer, nor a customer with an
anomalous order). The four groups are disjoint:

- **returning lapsers** (暂时流失, temporary churn): a customer with at least six orders stops
  after one of their orders for a gap of 150-300 days, then comes back; every later order moves
  by the gap (orders moved past the end of the data are dropped), and so does the churn date.
- **partial decliners** (半流失): a customer with a planted churn date in the data buys, in the
  150-240 days up to their last order, from one category per order only (the order's smallest
  by spend): their spend and categories per order fall well below their own earlier level.
- **up-buyers** (向上购买): from the middle of their orders on, a customer buys, for each
  everyday product, a dearer one of the same category: two price steps up, a step being the
  cheapest everyday product at least 1.4x as dear (one step, or none, where there are fewer).
- **cross-buyers** (交叉购买): a customer enters a category new to them in the middle of their
  orders: before, none of their lines is in it (those lines are removed); from then on, every
  order holds two everyday products of it.

Planted and durable products (the rules' and sequences' products, machines, toys) are never
replaced, removed or added, so the planted rules and sequences stay as they were.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mining.simulate import START
from mining.simulate._orders import _Shop

__all__: list[str] = []

#: Shares of the eligible customers given each pattern.
SHARES = {"lapsers": 0.20, "decliners": 0.70, "up_buyers": 0.10, "cross_buyers": 0.10}
GAP_DAYS = (150, 300)  # a returning lapser's gap (days, both ends included)
DECLINE_DAYS = (150, 240)  # a partial decliner's decline before the last order (days)
UPBUY_STEP = 1.4  # an up-buyer's product is at least this many times as dear
CROSS_LINES = 2  # products of the new category in every order from the entry on
_DAY = 86400


@dataclass
class PlantedPatterns:
    """The answer keys (one table each) and the churn days after the lapses."""

    returning_lapsers: pd.DataFrame
    partial_decliners: pd.DataFrame
    up_buyers: pd.DataFrame
    cross_buyers: pd.DataFrame
    churn_day: np.ndarray


def _when(seconds: int) -> pd.Timestamp:
    return START + pd.Timedelta(seconds=int(seconds))


def _customer_orders(shop: _Shop) -> list[list[int]]:
    """Each customer's orders (indices), in time order."""
    customer = np.asarray(shop.order_customer, dtype=np.int64)
    times = np.asarray(shop.order_time, dtype=np.int64)
    by = np.lexsort((np.arange(len(customer)), times, customer))
    bounds = np.searchsorted(customer[by], np.arange(shop.n + 1))
    return [by[bounds[c]:bounds[c + 1]].tolist() for c in range(shop.n)]


def _pick(rng: np.random.Generator, eligible: list[int], share: float) -> list[int]:
    if not eligible:
        return []
    n = int(round(share * len(eligible)))
    return sorted(eligible[i] for i in rng.choice(len(eligible), size=n, replace=False).tolist())


def _everyday(shop: _Shop) -> np.ndarray:
    """Products a pattern may replace, remove or add: not durable, not planted."""
    return ~(shop.durable | shop.planted)


def _upgrades(shop: _Shop) -> dict[int, int]:
    """Product -> the cheapest everyday product of its category at least UPBUY_STEP x as dear."""
    ok = _everyday(shop)
    out = {}
    for i in np.flatnonzero(ok).tolist():
        same = np.flatnonzero(ok & (shop.categories == shop.categories[i])
                              & (shop.prices >= UPBUY_STEP * shop.prices[i]))
        if len(same):
            out[i] = int(same[np.argmin(shop.prices[same])])
    return out


def plant_patterns(shop: _Shop, rng: np.random.Generator, segs: np.ndarray, churn_day: np.ndarray,
                   cust_ids: list[str], exclude: set[int],
                   order_anomalies: list[tuple[int, str, str]]
                   ) -> tuple[PlantedPatterns, list[tuple[int, str, str]]]:
    """Plant the four patterns into ``shop``'s orders (in place) and drop the orders moved past
    the end of the data; returns the answer keys and ``order_anomalies`` with their orders
    renumbered."""
    exclude = set(exclude) | {int(shop.order_customer[k]) for k, *_ in order_anomalies}
    orders = _customer_orders(shop)
    n_days = shop.n_days
    times, items = shop.order_time, shop.order_items
    free = [c for c in range(shop.n) if c not in exclude and segs[c] != "one_timers"]
    churn_day = np.asarray(churn_day, dtype=np.int64).copy()
    drop: set[int] = set()

    # returning lapsers: the gap comes after order j - 1 (j >= 2, at least 3 orders from j)
    lapse_rows, lapsers = [], set()
    for c in _pick(rng, [c for c in free if len(orders[c]) >= 6], SHARES["lapsers"]):
        ks = orders[c]
        gap = int(rng.integers(GAP_DAYS[0], GAP_DAYS[1] + 1))
        # the return must lie a month inside the data
        fits = [j for j in range(2, len(ks) - 2) if times[ks[j]] // _DAY + gap < n_days - 30]
        if not fits:
            continue
        j = fits[int(rng.integers(0, len(fits)))]
        for k in ks[j:]:
            times[k] += gap * _DAY
            if times[k] // _DAY >= n_days:
                drop.add(k)
        if churn_day[c] < n_days:
            churn_day[c] += gap
        lapsers.add(c)
        lapse_rows.append((cust_ids[c], _when(times[ks[j - 1]]), _when(times[ks[j]]), gap))
    free = [c for c in free if c not in lapsers]

    # partial decliners: one category per order in the decline before the last order
    cats = shop.categories
    decline_rows, decliners, eligible = [], set(), []
    for c in free:
        if churn_day[c] >= n_days:
            continue
        ks = orders[c]
        last = times[ks[-1]] // _DAY if ks else 0
        if len(ks) >= 5 and sum(times[k] // _DAY < last - DECLINE_DAYS[1] for k in ks) >= 3:
            eligible.append(c)
    for c in _pick(rng, eligible, SHARES["decliners"]):
        ks = orders[c]
        span = int(rng.integers(DECLINE_DAYS[0], DECLINE_DAYS[1] + 1))
        start = times[ks[-1]] - span * _DAY
        for k in ks:
            if times[k] >= start:
                spend: dict[str, float] = {}
                for i, q in items[k].items():
                    spend[cats[i]] = spend.get(cats[i], 0.0) + q * shop.prices[i]
                keep = min(spend, key=lambda name: (spend[name], name))
                items[k] = {i: q for i, q in items[k].items() if cats[i] == keep}
        decliners.add(c)
        decline_rows.append((cust_ids[c], _when(start), _when(times[ks[-1]]),
                             START + pd.Timedelta(days=int(churn_day[c]))))
    free = [c for c in free if c not in decliners and len(orders[c]) >= 5]

    # up-buyers: dearer versions of everyday products from the middle order on
    upgrade = _upgrades(shop)
    up_rows = []
    ups = set(_pick(rng, free, SHARES["up_buyers"]))
    for c in sorted(ups):
        ks = orders[c]
        s = len(ks) // 2
        n_up = 0
        for k in ks[s:]:
            new: dict[int, float] = {}
            for i, q in items[k].items():
                j = upgrade.get(i, i)
                j = upgrade.get(j, j)  # two steps up where there are two
                n_up += j != i
                new[j] = new.get(j, 0.0) + q
            items[k] = new
        up_rows.append((cust_ids[c], _when(times[ks[s]]), n_up))

    # cross-buyers: a category entered in the middle order (none of its lines before)
    everyday = _everyday(shop)
    names = sorted(set(cats.tolist()))
    popularity = shop.products["popularity"].to_numpy()
    cross_rows = []
    for c in _pick(rng, [c for c in free if c not in ups], SHARES["cross_buyers"]):
        ks = orders[c]
        s = len(ks) // 2
        before = [i for k in ks[:s] for i in items[k]]
        # the category with the fewest earlier lines that can be taken out of every earlier
        # order (none of them planted or durable, no order left empty)
        n_lines = {name: 0 for name in names}
        blocked = set()
        for k in ks[:s]:
            in_order = {cats[i] for i in items[k]}
            if len(in_order) == 1:
                blocked |= in_order
        for i in before:
            n_lines[cats[i]] += 1
            if not everyday[i]:
                blocked.add(cats[i])
        choices = [name for name in names if name not in blocked]
        if not choices:
            continue
        target = min(choices, key=lambda name: (n_lines[name], name))
        pool = np.flatnonzero(everyday & (cats == target))
        weights = popularity[pool] / popularity[pool].sum()
        for k in ks[:s]:
            items[k] = {i: q for i, q in items[k].items() if cats[i] != target}
        for k in ks[s:]:
            for i in rng.choice(pool, size=CROSS_LINES, replace=False, p=weights).tolist():
                items[k].setdefault(int(i), 1.0)
        cross_rows.append((cust_ids[c], target, _when(times[ks[s]])))

    order_anomalies = _drop_orders(shop, drop, order_anomalies)
    ts = "datetime64[ns]"
    return PlantedPatterns(
        returning_lapsers=_table(lapse_rows, {"last_order_before": ts, "return_date": ts,
                                              "gap_days": "int64"}),
        partial_decliners=_table(decline_rows, {"decline_start": ts, "last_order": ts,
                                                "churn_date": ts}),
        up_buyers=_table(up_rows, {"switch_date": ts, "n_upgraded_lines": "int64"}),
        cross_buyers=_table(cross_rows, {"category": "string", "entry_date": ts}),
        churn_day=churn_day,
    ), order_anomalies


def _table(rows: list[tuple], columns: dict[str, str]) -> pd.DataFrame:
    """An answer key: indexed by ``customer_id`` (string), the given columns and dtypes."""
    frame = pd.DataFrame(rows, columns=["customer_id", *columns])
    frame = frame.astype({"customer_id": "string", **columns})
    return frame.set_index("customer_id").sort_index()


def _drop_orders(shop: _Shop, drop: set[int], order_anomalies: list[tuple[int, str, str]]
                 ) -> list[tuple[int, str, str]]:
    """Remove the orders ``drop`` from ``shop``'s lists; renumber the price factors and the
    anomalous orders (which are never dropped)."""
    if not drop:
        return order_anomalies
    keep = np.ones(shop.n_orders, dtype=bool)
    keep[sorted(drop)] = False
    new = np.cumsum(keep) - 1
    for name in ("order_customer", "order_time", "order_items"):
        values = getattr(shop, name)
        setattr(shop, name, [v for v, k in zip(values, keep.tolist(), strict=True) if k])
    shop.price_factor = {int(new[k]): f for k, f in shop.price_factor.items()}
    return [(int(new[k]), kind, text) for k, kind, text in order_anomalies]
