"""The demo shop's orders: one customer after the other, every basket from the shop's one random
stream, then the planted anomalies.

The random draws are the generator's contract: the same calls of the same ``rng`` methods in the
same order with the same sizes give the same shop for a seed, byte for byte
(``tests/test_simulate_identity.py`` holds the digests). The only liberties taken are ones that
provably draw the same numbers: ``rng.poisson(lam, size=k)`` is ``k`` calls of
``rng.poisson(lam)`` (numpy loops the same C sampler over the same stream), ``rng.poisson(0.0)``
draws nothing and is 0. Without draws: a basket's keys are kept negated (``-log p - g`` is
``-(log p + g)`` to the bit), and its ``k`` best keys are found with a full sort when the
``k``-th and ``k+1``-th keys differ (then the set is unique; on a tie the partition used before
decides, as it always did).

Orders are kept in parallel lists (customer, time in seconds since START, items: product index ->
units in the order they were put in the basket, price factor), not one dict per order.
"""

from __future__ import annotations

import heapq

import numpy as np
import pandas as pd

from mining.simulate import (  # the shop's settings
    _DURABLE_PRICE,
    _DURABLE_WEIGHT,
    _MONTH_FACTOR,
    _P_SEQUENCE_START,
    _P_SEQUENCE_START_OF,
    _RULES,
    _SEQUENCES,
    END,
    SEGMENTS,
    START,
    _planted_products,
    catalogue,
)

__all__: list[str] = []

_OPEN, _CLOSE = 7 * 3600, 23 * 3600  # orders are placed 7:00-23:00 (seconds after midnight)


class _Shop:
    """Stateful generator; one instance per call of :func:`mining.simulate.simulate_shop`.

    After :meth:`all_orders` and the anomaly planters, order ``k`` is ``order_customer[k]`` (row
    in the customer list), ``order_time[k]`` (seconds since START), ``order_items[k]`` (dict
    product index -> units) and ``price_factor.get(k, 1.0)``."""

    def __init__(self, n_customers: int, rng: np.random.Generator) -> None:
        self.rng = rng
        self.n = n_customers
        self.products = catalogue()
        self.name_to_idx = {n: i for i, n in enumerate(self.products["product_name"])}
        self.prices = self.products["unit_price"].to_numpy()
        self.durable = self.prices >= _DURABLE_PRICE
        self.categories = self.products["category"].to_numpy()
        self.planted = self.products["product_name"].isin(_planted_products()).to_numpy()
        self.seg_names = list(SEGMENTS)
        self.rules = [
            ([self.name_to_idx[a] for a in ante], [self.name_to_idx[c] for c in cons], conf, ins)
            for ante, cons, conf, ins in _RULES
        ]
        self.seqs = [
            (self.name_to_idx[f], self.name_to_idx[t], lo, hi, p) for f, t, lo, hi, p in _SEQUENCES
        ]
        #: per sequence: probability that an order adds its first product
        self.seq_start = [_P_SEQUENCE_START_OF.get(f, _P_SEQUENCE_START) for f, *_ in _SEQUENCES]
        self.log_p = {s: np.log(self._pick_weights(s)) for s in self.seg_names}
        days = pd.date_range(START, END, freq="D", inclusive="left")
        self.day_factor = _MONTH_FACTOR[days.month - 1] * np.where(days.day_of_week >= 5, 1.2, 1.0)
        self.n_days = (END - START).days
        self.order_customer: list[int] = []
        self.order_time: list[int] = []  # seconds since START
        self.order_items: list[dict[int, float]] = []  # product index -> units, in basket order
        self.price_factor: dict[int, float] = {}  # order -> factor on the list prices

    @property
    def n_orders(self) -> int:
        return len(self.order_items)

    def add_order(self, customer: int, time: int, items: dict[int, float]) -> None:
        self.order_customer.append(customer)
        self.order_time.append(time)
        self.order_items.append(items)

    def _pick_weights(self, seg: str) -> np.ndarray:
        """How likely each product is picked into one of ``seg``'s baskets (sums to 1).

        The price taste works *within* a category, among the everyday products: a segment that
        likes dear products picks the dearer versions of what everybody buys (coffee beans over
        instant coffee, Parmesan over mozzarella), not the whole premium range. Durable goods (a
        machine, a toothbrush, a lead) are bought by need, alike in every segment, and rarely."""
        prof = SEGMENTS[seg]
        neutral = self.durable | self.planted  # chosen by need, not by price taste
        prices = pd.Series(np.where(neutral, np.nan, self.prices))
        cat_median = prices.groupby(self.categories).transform("median").to_numpy()
        rel_price = np.where(neutral, 1.0, self.prices / cat_median)
        w = self.products["popularity"].to_numpy() * rel_price ** prof["price_taste"]
        w = w * np.where(self.durable, _DURABLE_WEIGHT, 1.0)
        w = w * np.where(np.isin(self.categories, prof["favourite"]), 2.5, 1.0)
        return w / w.sum()

    def _order_time(self, day: int) -> int:
        """Seconds since START of an order placed on day ``day`` (days since START), 7:00-23:00."""
        return day * 86400 + int(self.rng.integers(_OPEN, _CLOSE))

    def all_orders(self, segs: np.ndarray, signup_day: np.ndarray, churn_day: np.ndarray) -> None:
        """The orders of every customer, customer after customer (days since START; a churn day
        at or after the end of the data means the customer stays)."""
        rng = self.rng
        n_days = self.n_days
        rand, poisson, gumbel, gamma = rng.random, rng.poisson, rng.gumbel, rng.gamma
        n_products = len(self.prices)
        durable = {int(i) for i in np.flatnonzero(self.durable)}
        inf = np.inf
        month_max = _MONTH_FACTOR.max()
        # per segment: order-rate scale, basket-size means (order, follow-up), units, -log weights
        plan = {}
        for s in self.seg_names:
            prof = SEGMENTS[s]
            plan[s] = (prof["orders_per_year"] / 4.0,
                       max(prof["lines_per_order"] * 1.0 - 1.0, 0.0),
                       max(prof["lines_per_order"] * 0.4 - 1.0, 0.0),
                       prof["units_extra"], -self.log_p[s])
        # an ordinary basket holds at most twice the segment's usual lines (and 40): a basket far
        # larger than the customer's usual is left to the planted anomalies (giant_basket)
        most_lines = {s: min(40, max(3, round(2.0 * SEGMENTS[s]["lines_per_order"])))
                      for s in self.seg_names}
        # the planted rules as (antecedents, insert probability) and (first antecedent, the
        # others, consequents, confidence), in their order
        inserts = [(tuple(ante), ins) for ante, _, _, ins in self.rules]
        adds = [(ante[0], tuple(ante[1:]), tuple(cons), conf) for ante, cons, conf, _ in self.rules]
        antecedents = frozenset(a for ante, *_ in self.rules for a in ante)
        seqs = [(*s, start) for s, start in zip(self.seqs, self.seq_start, strict=True)]
        integers, heappush, heappop = rng.integers, heapq.heappush, heapq.heappop
        add_cust, add_time, add_items = (self.order_customer.append, self.order_time.append,
                                         self.order_items.append)

        def basket(lam: float, extra: float, neg_log_p: np.ndarray,
                   owned: np.ndarray | None, most: int = 40) -> dict[int, float]:
            # weighted sampling without replacement: the k largest log-weights plus Gumbel noise,
            # here the k smallest of their negatives (negation is exact: the same keys)
            k = min(1 + poisson(lam), most)
            keys = neg_log_p - gumbel(size=n_products)
            if owned is not None:  # a durable good (a machine, a toy, a lead) is bought once
                keys[owned] = inf
            idx = _k_smallest(keys, k)
            if extra:
                return dict(zip(idx, [1.0 + q for q in poisson(extra, k).tolist()], strict=True))
            return dict.fromkeys(idx, 1.0)  # poisson(0) is 0 and draws nothing

        for c in range(self.n):
            seg = segs[c]
            scale, lam, lam_follow, extra, neg_log_p = plan[seg]
            most = most_lines[seg]
            signup = int(signup_day[c])
            churn: int | None = int(churn_day[c]) if churn_day[c] < n_days else None
            stop = n_days if churn is None else min(churn, n_days)
            rate = gamma(4.0, scale) / 365.25  # orders per day
            # candidate days of a Poisson process at the peak rate, thinned by season and decline
            peak = rate * month_max * 1.2
            span = stop - signup
            n_cand = poisson(peak * span) if span > 0 else 0
            cand = np.sort(rand(n_cand) * span)
            day = signup + cand.astype(int)
            f = self.day_factor[np.minimum(day, n_days - 1)]
            if churn is not None:
                f = np.where(churn - day < 120, f * 0.35, f)  # decline stage before churn
            keep = rand(n_cand) < rate * f / peak
            # the order days in time order: the first order at signup, then the kept candidates,
            # and planted follow-ups (day, product) merged in; on the same day an ordinary order
            # comes before a follow-up, follow-ups by product
            days = [signup, *day[keep].tolist()]
            follow: list[tuple[int, int]] = []
            n_base, b = len(days), 0
            bought: set[int] = set()
            owned_set: set[int] = set()  # durable goods bought (indices into the catalogue)
            owned: np.ndarray | None = None
            while b < n_base or follow:
                if follow and (b >= n_base or follow[0][0] < days[b]):
                    d, then = heappop(follow)
                    if d >= stop:
                        continue
                    # planted follow-up order: the `then` product plus a few others
                    items = {then: 1.0}
                    for i, q in basket(lam_follow, extra, neg_log_p, owned).items():
                        items.setdefault(i, q)
                    first_order = False
                else:
                    d = days[b]
                    b += 1
                    if d >= stop:
                        continue
                    items = basket(lam, extra, neg_log_p, owned, most)
                    first_order = True
                # planted cross-sell rules: antecedents inserted, then consequents added
                for ante, insert_p in inserts:
                    if rand() < insert_p:
                        for a in ante:
                            items.setdefault(a, 1.0 + poisson(extra) if extra else 1.0)
                if not antecedents.isdisjoint(items):  # else no rule applies: nothing drawn
                    for a, others, cons, conf in adds:
                        if a in items and all(o in items for o in others) and rand() < conf:
                            for i in cons:
                                items.setdefault(i, 1.0 + poisson(extra) if extra else 1.0)
                if first_order and b > 1:  # a new customer tries the shop first
                    for first, then, lo, hi, p, p_start in seqs:
                        if first not in bought:
                            if rand() < p_start:
                                items.setdefault(first, 1.0)
                            if first in items and rand() < p:
                                heappush(follow, (d + int(integers(lo, hi + 1)), then))
                bought.update(items)
                new_durable = durable.intersection(items)
                if new_durable and not new_durable <= owned_set:
                    owned_set |= new_durable
                    owned = np.fromiter(owned_set, dtype=np.int64, count=len(owned_set))
                add_cust(c)
                add_time(d * 86400 + int(integers(_OPEN, _CLOSE)))
                add_items(items)


def _k_smallest(keys: np.ndarray, k: int) -> list[int]:
    """The indices of the ``k`` smallest ``keys``, ascending: ``sorted(keys.argpartition(k - 1)
    [:k])``. A full sort (faster on a basket's 150 keys) gives the same set whenever the ``k``-th
    and ``k+1``-th smallest keys differ; on a tie, the partition decides as it always did."""
    first = keys.argsort()[:k + 1].tolist()
    if len(first) > k:
        if keys.item(first[k - 1]) == keys.item(first[k]):
            return sorted(keys.argpartition(k - 1)[:k].tolist())
        del first[k]
    first.sort()
    return first


def _plant_customer_anomalies(shop: _Shop, cust_ids: list[str], segs: np.ndarray,
                              n_anomalous: int) -> tuple[pd.DataFrame, set[int]]:
    """Turn a few ordinary customers into unusual ones (reseller, spending spike, order burst);
    returns the table of them and their rows in ``cust_ids``."""
    rng = shop.rng
    # each customer's orders are consecutive (customer after customer), in customer order
    counts = np.bincount(np.asarray(shop.order_customer, dtype=np.int64), minlength=shop.n)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    eligible = [c for c in np.flatnonzero(counts).tolist()
                if counts[c] >= 3 and segs[c] != "one_timers"]
    chosen = rng.choice(len(eligible), size=min(n_anomalous, len(eligible)), replace=False)
    rows = []
    picked: set[int] = set()
    kinds = ["reseller", "spending_spike", "order_burst"]
    items, times, prices = shop.order_items, shop.order_time, shop.prices
    for j, e in enumerate(sorted(int(x) for x in chosen)):
        c = eligible[e]
        picked.add(c)
        kind = kinds[j % 3]
        ks = range(int(starts[c]), int(starts[c] + counts[c]))
        if kind == "reseller":
            for k in ks:
                items[k] = {i: q * 12.0 for i, q in items[k].items()}
            text = "buys every product in bulk (about 12x the usual units): a reseller"
        elif kind == "spending_spike":
            base = times[ks[len(ks) // 2]] // 86400
            dear = np.argsort(prices)[-30:]
            usual = float(np.median([sum(prices[i] * q for i, q in items[k].items())
                                     for k in ks]))
            for step in range(8):
                idx = rng.choice(dear, size=6, replace=False)
                # each spike order is worth about 30 of the customer's usual orders (2-8 units)
                units = float(np.clip(np.ceil(30.0 * usual / prices[idx].sum()), 2, 8))
                basket = {int(i): units for i in idx}
                shop.add_order(c, shop._order_time(min(base + 3 * step, shop.n_days - 1)), basket)
            text = ("eight orders of expensive products within three weeks, each worth up to 30 of "
                    "their usual orders")
        else:
            base = times[ks[-1]] // 86400 * 86400
            for step in range(20):
                idx = rng.choice(len(prices), size=2, replace=False)
                shop.add_order(c, base + 2 * 3600 + 6 * 60 * step, {int(i): 1.0 for i in idx})
            text = "twenty small orders within two hours in the night: bot- or fraud-like"
        rows.append((cust_ids[c], kind, text))
    return pd.DataFrame(rows, columns=["customer_id", "kind", "description"]), picked


def _plant_order_anomalies(shop: _Shop, segs: np.ndarray, n_anomalous: int,
                           skip: set[int]) -> list[tuple[int, str, str]]:
    """Make a few single orders unusual (bulk quantity, price error, giant basket) among the
    orders of customers not in ``skip``; returns (order, kind, description) triples."""
    rng = shop.rng
    customer = np.asarray(shop.order_customer, dtype=np.int64)
    candidates = np.flatnonzero(~np.isin(customer, np.fromiter(skip, dtype=np.int64)))
    chosen = sorted(int(x) for x in rng.choice(len(candidates), size=n_anomalous, replace=False))
    out = []
    kinds = ["bulk_quantity", "price_error", "giant_basket"]
    for j, e in enumerate(chosen):
        k = int(candidates[e])
        items = shop.order_items[k]
        kind = kinds[j % 3]
        if kind == "bulk_quantity":
            i = next(iter(items))
            times = int(rng.integers(40, 90))
            usual = 1.0 + SEGMENTS[segs[customer[k]]]["units_extra"]  # units per line
            items[i] = float(round(times * usual))
            text = (f"{items[i]:.0f} units of one product in a household order "
                    f"(about {times}x the customer's usual units per line)")
        elif kind == "price_error":
            shop.price_factor[k] = 10.0
            text = "every line charged at 10x the list price (a pricing or entry error)"
        else:
            idx = rng.choice(len(shop.prices), size=int(rng.integers(35, 46)), replace=False)
            for i in idx:
                items.setdefault(int(i), 1.0)
            text = f"{len(items)} different products in one order"
        out.append((k, kind, text))
    return out
