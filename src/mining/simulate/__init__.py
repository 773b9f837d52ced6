"""The synthetic shop behind the ``demo`` dataset: CRM behaviour with a recorded ground truth.

:func:`simulate_shop` generates two years of order lines of an online grocery-and-home shop
(170 products in 10 categories) and records everything it planted, so students and tests can
check what the mining finds against what is really there:

- **segments** (客户细分): every customer belongs to one of five behavioural segments with its own
  order rate, basket size, units per line, price taste and lifetime distribution (``truth.segments``,
  ``truth.segment_profiles``); the price taste works *within* a category (a premium customer buys
  the dearer coffee, cheese and wine, and the premium versions each category has, not every
  expensive product of the shop), and durable goods (a machine, a toothbrush, a lead) are bought
  rarely and alike in every segment, so no single product leads a segment's spend;
- **cross-sell rules** (交叉销售) inside baskets: when the antecedent products are in a basket the
  consequent is added with a known probability (``truth.cross_sell_rules``);
- **purchase sequences** (序列模式) across orders: after buying a *first* product a customer comes
  back within a known lag window for the *then* product (``truth.sequences``); a first product
  is not added to a customer's first order (new customers try the shop before they buy a machine
  there);
- **churn** (客户流失): each customer leaves at a recorded date, ordering less before
  (the decline stage: a third of their usual rate in the last 120 days), and never after (``truth.churn_dates``; NaT = still active at the end);
- **buying and churn patterns** (issue 21, :mod:`mining.simulate._patterns`): returning lapsers
  who stop for 150-300 days and come back (暂时流失: ``truth.returning_lapsers``), partial
  decliners who buy one category per order before they leave (半流失: ``truth.partial_decliners``),
  up-buyers who switch to dearer versions (向上购买: ``truth.up_buyers``) and cross-buyers who take
  up a category new to them (交叉购买: ``truth.cross_buyers``); the lifecycle curve types follow
  from the planted first orders and churn dates (``truth.curve_types(as_of)``);
- **anomalies** (偏差检测): unusual orders and unusual customers (``truth.anomalous_orders``,
  ``truth.anomalous_customers``);
- **dirt** (数据清洗): cancelled orders, returns, guest lines without a customer id, exact duplicate
  lines and free items, only in the raw table; ``truth.dirty_lines`` counts each kind, and cleaning
  must remove exactly these.
- **a satisfaction survey** (客户满意, 客户忠诚): about two customers in five answer a survey
  (``shop.survey``, the contract of :mod:`mining.survey`) once or several times after an order;
  the answers come from a planted attitude per customer (``truth.attitude``) and planted driver
  weights of five service attributes (``truth.driver_weights``), and every customer has a planted
  loyalty type (``truth.loyalty_types``: planted repeat buying x planted attitude). The survey is
  drawn from its own random stream *after* the shop, so it never changes the shop's data.

Everything depends only on the arguments: the same ``random_state`` (an int seed) gives the same
shop, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mining.errors import check_param
from mining.params import RandomState, check_random_state, renamed_parameter

__all__ = ["DRIVER_WEIGHTS", "DemoTruth", "LOYAL_BEHAVIOUR_SEGMENTS", "LOYALTY_TYPE_NAMES",
           "SEGMENTS", "SimulatedShop", "catalogue", "simulate_shop"]

START = pd.Timestamp("2024-01-01")
END = pd.Timestamp("2026-01-01")  # exclusive: the last order is on 2025-12-31

# name, base unit price (EUR); 17 products per category (the last two: premium versions of
# everyday products), 170 in all
_CATALOGUE: dict[str, list[tuple[str, float]]] = {
    "Coffee & tea": [
        ("Ground coffee 250g", 5.49), ("Coffee filters 100pk", 2.29), ("Espresso machine", 189.0),
        ("Espresso capsules 50pk", 17.5), ("Coffee beans 1kg", 16.9), ("Green tea 40 bags", 3.49),
        ("Black tea 80 bags", 3.99), ("Herbal tea 20 bags", 2.79), ("Instant coffee 200g", 6.49),
        ("Decaf coffee 250g", 5.99), ("Chai latte mix", 4.29), ("Milk frother", 24.9),
        ("Coffee mug", 7.9), ("Loose leaf oolong 100g", 8.5), ("Matcha powder 50g", 12.9),
        # premium versions of everyday products (the premium segments' taste)
        ("Organic ground coffee 250g", 8.9), ("Tea gift tin", 14.5),
    ],
    "Bakery": [
        ("Sourdough loaf", 3.9), ("Wholemeal bread", 2.2), ("Croissants 4pk", 2.99),
        ("Bagels 6pk", 2.79), ("Rye crispbread", 2.49), ("Cinnamon buns 4pk", 3.49),
        ("Baguette", 1.29), ("Pita bread 6pk", 1.59), ("Brioche loaf", 2.99),
        ("Gluten-free bread", 3.79), ("Muffins 4pk", 3.29), ("Tortilla wraps 8pk", 1.99),
        ("Rice cakes", 1.49), ("Pancake mix", 2.19), ("Birthday cake", 14.9),
        # premium versions of everyday products (the premium segments' taste)
        ("Artisan rye sourdough", 5.9), ("Butter croissants 6pk", 6.5),
    ],
    "Dairy & eggs": [
        ("Whole milk 1l", 1.19), ("Oat drink 1l", 1.99), ("Free-range eggs 10pk", 3.29),
        ("Greek yoghurt 500g", 2.49), ("Butter 250g", 2.39), ("Cheddar 400g", 4.49),
        ("Mozzarella 125g", 1.09), ("Parmesan 200g", 4.99), ("Cream cheese 200g", 1.79),
        ("Skyr 450g", 2.29), ("Single cream 200ml", 1.19), ("Feta 200g", 2.19),
        ("Kefir 500ml", 1.89), ("Goat cheese 150g", 3.49), ("Almond drink 1l", 2.29),
        # premium versions of everyday products (the premium segments' taste)
        ("Aged Parmesan 24 months 200g", 8.9), ("Organic eggs 10pk", 5.49),
    ],
    "Snacks": [
        ("Tortilla chips", 1.99), ("Salsa dip", 2.49), ("Guacamole", 2.99),
        ("Salted crisps", 1.69), ("Dark chocolate 100g", 1.99), ("Mixed nuts 200g", 3.99),
        ("Popcorn", 1.49), ("Granola bars 6pk", 2.99), ("Pretzels", 1.59),
        ("Gummy bears", 1.29), ("Rice crackers", 1.89), ("Dried mango", 3.49),
        ("Hummus 200g", 1.99), ("Biscuits assorted", 2.49), ("Trail mix", 3.29),
        # premium versions of everyday products (the premium segments' taste)
        ("Truffle crisps", 4.49), ("Chocolate truffles 200g", 8.99),
    ],
    "Drinks": [
        ("Sparkling water 6x1.5l", 3.49), ("Orange juice 1l", 2.29), ("Cola 6pk", 4.49),
        ("Lemonade 1l", 1.79), ("Craft beer 4pk", 7.99), ("Red wine", 8.99),
        ("White wine", 8.49), ("Energy drink 4pk", 4.99), ("Iced tea 1.5l", 1.69),
        ("Apple juice 1l", 1.99), ("Kombucha", 2.99), ("Tonic water 4pk", 3.29),
        ("Coconut water", 2.49), ("Prosecco", 11.9), ("Still water 6x1.5l", 2.49),
        # premium versions of everyday products (the premium segments' taste)
        ("Cold-pressed apple juice 1l", 3.99), ("Rioja Reserva", 14.9),
    ],
    "Pantry": [
        ("Spaghetti 500g", 1.19), ("Tomato pasta sauce", 2.29), ("Basmati rice 1kg", 2.99),
        ("Olive oil 750ml", 7.49), ("Canned tomatoes", 0.99), ("Chickpeas can", 0.89),
        ("Rolled oats 1kg", 1.79), ("Honey 500g", 4.99), ("Peanut butter", 2.99),
        ("Strawberry jam", 2.19), ("Cornflakes", 2.49), ("Flour 1kg", 0.99),
        ("Sugar 1kg", 1.09), ("Soy sauce", 2.29), ("Pesto", 2.69),
        # premium versions of everyday products (the premium segments' taste)
        ("Organic olive oil 1l", 12.9), ("Wild rice mix 500g", 5.49),
    ],
    "Household": [
        ("Dish soap", 1.99), ("Laundry detergent", 8.99), ("Toilet paper 9pk", 4.49),
        ("Kitchen towels 4pk", 3.29), ("Bin bags", 2.79), ("Sponges 5pk", 1.49),
        ("All-purpose cleaner", 2.49), ("Dishwasher tablets", 7.99), ("Light bulbs 2pk", 5.99),
        ("AA batteries 8pk", 6.49), ("Aluminium foil", 2.19), ("Water filter jug", 24.9),
        ("Water filter cartridges 3pk", 16.9), ("Scented candle", 9.9), ("Storage boxes 3pk", 12.9),
        # premium versions of everyday products (the premium segments' taste)
        ("Eco laundry detergent", 13.9), ("Beeswax wraps 3pk", 11.9),
    ],
    "Personal care": [
        ("Shampoo 400ml", 3.99), ("Conditioner 400ml", 3.99), ("Shower gel", 2.49),
        ("Toothpaste", 1.99), ("Toothbrush 2pk", 3.49), ("Deodorant", 2.99),
        ("Hand cream", 4.49), ("Skincare starter set", 39.9), ("Night cream 50ml", 19.9),
        ("Sunscreen SPF50", 9.99), ("Razor blades 4pk", 11.9), ("Cotton pads", 1.79),
        ("Lip balm", 2.49), ("Hair gel", 3.29), ("Electric toothbrush", 49.9),
        # premium versions of everyday products (the premium segments' taste)
        ("Argan oil shampoo", 9.9), ("Face serum 30ml", 18.9),
    ],
    "Baby": [
        ("Nappies size 1", 9.99), ("Nappies size 2", 10.49), ("Nappies size 3", 10.99),
        ("Baby wipes 3-pack", 4.99), ("Baby formula 800g", 17.9), ("Baby food jars 6pk", 5.49),
        ("Baby shampoo", 3.99), ("Teething rings", 6.9), ("Baby lotion", 4.49),
        ("Bibs 3pk", 7.9), ("Baby bottles 2pk", 12.9), ("Rice porridge for babies", 3.29),
        ("Nappy cream", 4.29), ("Baby socks", 5.9), ("Soft toy rabbit", 12.9),
        # premium versions of everyday products (the premium segments' taste)
        ("Organic baby food pouches 6pk", 8.99), ("Eco nappies size 3", 15.9),
    ],
    "Pet": [
        ("Dog food 2kg", 8.99), ("Dog chew treats", 3.99), ("Cat food 12 pouches", 6.49),
        ("Cat litter 10l", 5.99), ("Puppy food 1kg", 7.49), ("Adult dog food 4kg", 15.9),
        ("Cat treats", 2.49), ("Dog shampoo", 6.99), ("Pet bowl", 5.9),
        ("Dog lead", 12.9), ("Cat scratching post", 24.9), ("Bird seed 1kg", 3.49),
        ("Fish flakes", 3.99), ("Poop bags 120pk", 3.49), ("Pet toy ball", 4.49),
        # premium versions of everyday products (the premium segments' taste)
        ("Grain-free dog food 2kg", 16.9), ("Organic cat food 12 pouches", 11.9),
    ],
}

# Behavioural segments: the hidden truth of segmentation. Each segment has its own corner in the
# space of how customers buy (order rate, lines per basket, units per line, price level), so
# clustering on those four can recover them (adjusted Rand index 0.84-0.86 on the default demo
# with default parameters, seeds 0-3); real shops' segments overlap far more.
# orders_per_year: mean order rate while active (gamma spread across customers, shape 4)
# lines_per_order: mean distinct products per order; price_taste: >0 prefers the dearer everyday
#   products of each category (pick weight x (price / category median) ** taste; durable and
#   planted products are not affected), <0 the cheaper ones
# units_extra: mean extra units per line (Poisson; 0 = always one unit)
# lifetime_days, lifetime_shape: time from the first order to churn ~ gamma(shape, mean/shape);
#   shape 1 is exponential (many leave early: the one-timers), shape 3 leaves few very short lives
SEGMENTS: dict[str, dict[str, Any]] = {
    "champions": dict(
        share=0.12, orders_per_year=16.0, lines_per_order=8.0, price_taste=1.5, units_extra=1.0,
        lifetime_days=1200.0, lifetime_shape=3.0,
        favourite=("Coffee & tea", "Dairy & eggs", "Drinks"),
        description="Order often with full baskets of better products and stay: the shop's best "
                    "customers.",
    ),
    "regulars": dict(
        share=0.25, orders_per_year=12.0, lines_per_order=4.0, price_taste=0.0, units_extra=0.2,
        lifetime_days=600.0, lifetime_shape=3.0,
        favourite=("Pantry", "Household", "Bakery"),
        description="Steady monthly shoppers with everyday baskets.",
    ),
    "bargain_hunters": dict(
        share=0.23, orders_per_year=5.0, lines_per_order=3.0, price_taste=-1.5, units_extra=2.0,
        lifetime_days=450.0, lifetime_shape=3.0,
        favourite=("Snacks", "Pantry", "Drinks"),
        description="Buy cheap products in multiples; price-driven and quicker to leave.",
    ),
    "big_ticket": dict(
        share=0.15, orders_per_year=2.5, lines_per_order=12.0, price_taste=1.8, units_extra=0.1,
        lifetime_days=600.0, lifetime_shape=3.0,
        favourite=("Personal care", "Household", "Baby", "Pet"),
        description="Order rarely but fill large, expensive baskets.",
    ),
    "one_timers": dict(
        share=0.25, orders_per_year=2.0, lines_per_order=2.0, price_taste=-0.7, units_extra=0.0,
        lifetime_days=60.0, lifetime_shape=1.0,
        favourite=("Snacks", "Bakery"),
        description="Try the shop once, with a small basket, and do not come back.",
    ),
}

# Cross-sell rules planted inside baskets: antecedents, consequent, P(consequent added | all
# antecedents in basket), P(antecedents inserted into any basket)
_RULES: list[tuple[tuple[str, ...], tuple[str, ...], float, float]] = [
    (("Spaghetti 500g",), ("Tomato pasta sauce",), 0.60, 0.05),
    (("Ground coffee 250g",), ("Coffee filters 100pk",), 0.55, 0.05),
    (("Shampoo 400ml",), ("Conditioner 400ml",), 0.55, 0.04),
    (("Nappies size 3",), ("Baby wipes 3-pack",), 0.65, 0.03),
    (("Dog food 2kg",), ("Dog chew treats",), 0.45, 0.03),
    (("Tortilla chips", "Salsa dip"), ("Guacamole",), 0.50, 0.03),
]

# Sequences planted across orders: first product, then product, lag window (days), probability
_SEQUENCES: list[tuple[str, str, int, int, float]] = [
    ("Espresso machine", "Espresso capsules 50pk", 7, 30, 0.70),
    ("Nappies size 1", "Nappies size 2", 45, 90, 0.65),
    ("Puppy food 1kg", "Adult dog food 4kg", 60, 150, 0.60),
    ("Skincare starter set", "Night cream 50ml", 20, 60, 0.50),
    ("Water filter jug", "Water filter cartridges 3pk", 30, 75, 0.60),
]
#: Products at or above this unit price (EUR) are durable goods, bought at most once per customer
_DURABLE_PRICE = 20.0
#: A durable good's pick weight in a basket relative to an everyday product of the same popularity
_DURABLE_WEIGHT = 0.3
_P_SEQUENCE_START = 0.022  # per order and sequence: the first product is added to the basket
#: ... except for these first products (a 189 EUR machine is bought by few customers, one in ten)
_P_SEQUENCE_START_OF = {"Espresso machine": 0.012, "Skincare starter set": 0.03,
                        "Puppy food 1kg": 0.03}

_MONTH_FACTOR = np.array([0.8, 0.85, 1.0, 1.0, 1.0, 0.95, 0.9, 0.9, 1.0, 1.05, 1.3, 1.6])
_REGIONS = ["North", "South", "East", "West", "Central"]
_CHANNELS = ["web", "app", "store pickup"]
_AGE_BANDS = ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"]


def catalogue() -> pd.DataFrame:
    """The demo shop's products: ``product_id``, ``product_name``, ``category``, ``unit_price``
    (EUR), ``popularity`` (relative weight when a product is picked at random)."""
    rows = []
    for category, items in _CATALOGUE.items():
        for rank, (name, price) in enumerate(items):
            rows.append((name, category, price, 1.0 / (rank + 1.0) ** 0.6))
    frame = pd.DataFrame(rows, columns=["product_name", "category", "unit_price", "popularity"])
    frame.insert(0, "product_id", [f"P{i + 1:03d}" for i in range(len(frame))])
    # products that mainly come through planted rules or sequences are rarely bought on their own
    frame.loc[frame["product_name"].isin(_planted_products()), "popularity"] *= 0.15
    return frame


def _planted_products() -> set[str]:
    """Names of the products the planted rules add (consequents) and both ends of the planted
    sequences."""
    planted = {c for _, cons, _, _ in _RULES for c in cons}
    return planted | {f for f, *_ in _SEQUENCES} | {t for _, t, *_ in _SEQUENCES}


@dataclass
class DemoTruth:
    """What the simulator planted: the answer key for every analysis.

    Attributes
    ----------
    segments : Series customer_id -> segment name
    segment_profiles : DataFrame, one row per segment (the generator's settings and description)
    cross_sell_rules : DataFrame ``antecedents``, ``consequents`` (tuples of product ids),
        ``antecedent_names``, ``consequent_names``, ``planted_confidence`` (probability the
        consequent is added when the antecedents are in the basket; the observed confidence is a
        little higher because the consequent is also bought on its own), ``insert_probability``
    sequences : DataFrame ``first``, ``then`` (product ids), ``first_name``, ``then_name``,
        ``min_lag_days``, ``max_lag_days``, ``planted_probability``
    churn_dates : Series customer_id -> Timestamp (NaT: still active at the end of the data)
    anomalous_customers : DataFrame ``customer_id``, ``kind``, ``description``
    anomalous_orders : DataFrame ``order_id``, ``customer_id``, ``kind``, ``description``
    dirty_lines : dict reason -> lines planted in the raw table (names as in the cleaning report)
    returning_lapsers : DataFrame indexed by ``customer_id``: ``last_order_before`` (the last
        order before the gap), ``return_date`` (the first order after it), ``gap_days``: the
        planted temporary churners (暂时流失); their ``churn_dates`` are moved by the gap
    partial_decliners : DataFrame indexed by ``customer_id``: ``decline_start``, ``last_order``,
        ``churn_date``: from ``decline_start`` to the last order each order holds one category
        only (半流失: part of the trade already gone before the churn)
    up_buyers : DataFrame indexed by ``customer_id``: ``switch_date`` (from this order on the
        dearer versions, up to two price steps of at least 1.4x each), ``n_upgraded_lines``
    cross_buyers : DataFrame indexed by ``customer_id``: ``category`` (new to the customer),
        ``entry_date`` (its first order in it; from then on two of its products per order)
    signup_dates : Series customer_id -> the day of the first order
    params : dict of the generator's arguments
    attitude : Series customer_id -> planted attitude (standardised latent preference; > 0 is
        favourable), or None when the shop was made without a survey
    loyalty_types : Series customer_id -> planted loyalty type, one of
        :data:`LOYALTY_TYPE_NAMES` (behaviour: the planted segment is a repeat-buying one,
        :data:`LOYAL_BEHAVIOUR_SEGMENTS`; attitude: ``attitude > 0``), or None
    driver_weights : Series attribute -> planted weight in overall satisfaction (sums to 1), or None
    survey_params : dict: how the survey was generated (response share, scales, cut points)
    """

    segments: pd.Series
    segment_profiles: pd.DataFrame
    cross_sell_rules: pd.DataFrame
    sequences: pd.DataFrame
    churn_dates: pd.Series
    anomalous_customers: pd.DataFrame
    anomalous_orders: pd.DataFrame
    dirty_lines: dict[str, int]
    returning_lapsers: pd.DataFrame | None = None
    partial_decliners: pd.DataFrame | None = None
    up_buyers: pd.DataFrame | None = None
    cross_buyers: pd.DataFrame | None = None
    signup_dates: pd.Series | None = None
    params: dict[str, Any] = field(default_factory=dict)
    attitude: pd.Series | None = None
    loyalty_types: pd.Series | None = None
    driver_weights: pd.Series | None = None
    survey_params: dict[str, Any] = field(default_factory=dict)

    def curve_types(self, as_of: str | pd.Timestamp, *, early_days: int = 180,
                    min_tenure_days: int = 365) -> pd.Series:
        """The planted lifecycle curve type (客户生命周期曲线) of every customer who joined before
        ``as_of``, from the planted first order (``signup_dates``) and churn date:
        ``early_death`` (churned before ``as_of`` less than ``early_days`` after the first
        order), ``midway_abort`` (churned before ``as_of``, later in life), ``long_retained``
        (not churned by ``as_of``, first order at least ``min_tenure_days`` before it), NA when
        younger (the rules of :func:`mining.lifecycle.lifecycle_curve_types`, on the truth)."""
        if self.signup_dates is None:
            raise ValueError("this truth has no signup_dates (made before issue 21)")
        when = pd.Timestamp(as_of)
        first = self.signup_dates[self.signup_dates < when]
        churn = self.churn_dates.reindex(first.index)
        gone = churn.notna() & (churn < when)
        life = (churn - first).dt.days
        kind = np.select([gone & (life < early_days), gone,
                          (when - first).dt.days >= min_tenure_days],
                         ["early_death", "midway_abort", "long_retained"], default="")
        out = pd.Series(kind, index=first.index, name="planted_curve_type", dtype="string")
        return out.mask(out == "")

    def summary(self) -> str:
        """A few lines saying what was planted."""
        seg = self.segments.value_counts().reindex(self.segment_profiles.index).fillna(0)
        churned = int(self.churn_dates.notna().sum())
        lines = [
            f"{len(self.segments):,} customers in {len(seg)} segments: "
            + ", ".join(f"{k} {int(v):,}" for k, v in seg.items()),
            f"{len(self.cross_sell_rules)} cross-sell rules planted in baskets: "
            + "; ".join(
                f"{' + '.join(a)} -> {' + '.join(c)} ({p:.0%})"
                for a, c, p in zip(self.cross_sell_rules["antecedent_names"],
                                   self.cross_sell_rules["consequent_names"],
                                   self.cross_sell_rules["planted_confidence"], strict=True)
            ),
            f"{len(self.sequences)} purchase sequences planted across orders: "
            + "; ".join(
                f"{f} -> {t} ({lo}-{hi} days, {p:.0%})"
                for f, t, lo, hi, p in self.sequences[
                    ["first_name", "then_name", "min_lag_days", "max_lag_days",
                     "planted_probability"]].itertuples(index=False)
            ),
            f"{churned:,} customers churned before the end of the data "
            f"({churned / max(len(self.churn_dates), 1):.0%})",
            f"{len(self.anomalous_customers)} anomalous customers, "
            f"{len(self.anomalous_orders)} anomalous orders",
            "dirty raw lines: " + ", ".join(f"{k} {v:,}" for k, v in self.dirty_lines.items()),
        ]
        if self.returning_lapsers is not None:
            lines.append(
                f"buying patterns: {len(self.returning_lapsers):,} returning lapsers, "
                f"{len(self.partial_decliners):,} partial decliners, {len(self.up_buyers):,} "
                f"up-buyers, {len(self.cross_buyers):,} cross-buyers")
        if self.loyalty_types is not None and self.driver_weights is not None:
            types = self.loyalty_types.value_counts().reindex(list(LOYALTY_TYPE_NAMES)).fillna(0)
            lines.append(
                "survey: planted loyalty types " + ", ".join(f"{k} {int(v):,}" for k, v in
                                                              types.items())
                + "; driver weights " + ", ".join(f"{k} {w:.2f}" for k, w in
                                                  self.driver_weights.items()))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


@dataclass
class SimulatedShop:
    """Output of :func:`simulate_shop`."""

    raw_transactions: pd.DataFrame
    customers: pd.DataFrame
    products: pd.DataFrame
    truth: DemoTruth
    survey: pd.DataFrame | None = None


def _signup_days(rng: np.random.Generator, n: int, span_days: int) -> np.ndarray:
    # customers join over time at a growing pace: density rising linearly to 2x at the end
    u = rng.random(n)
    # inverse CDF of density f(x) ∝ 1 + x on [0, 1]
    x = (-1.0 + np.sqrt(1.0 + 3.0 * u)) / 1.0
    return np.floor(x * span_days).astype(int)


def _planted_tables(shop: _Shop) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The planted cross-sell rules and sequences as the truth's tables."""
    pid = shop.products["product_id"].to_numpy()
    rules = pd.DataFrame(
        {
            "antecedents": [tuple(sorted(pid[a] for a in ante)) for ante, *_ in shop.rules],
            "consequents": [tuple(sorted(pid[c] for c in cons)) for _, cons, *_ in shop.rules],
            "antecedent_names": [tuple(a) for a, *_ in _RULES],
            "consequent_names": [tuple(c) for _, c, *_ in _RULES],
            "planted_confidence": [r[2] for r in _RULES],
            "insert_probability": [r[3] for r in _RULES],
        }
    )
    seqs = pd.DataFrame(
        {
            "first": [pid[f] for f, *_ in shop.seqs],
            "then": [pid[t] for _, t, *_ in shop.seqs],
            "first_name": [s[0] for s in _SEQUENCES],
            "then_name": [s[1] for s in _SEQUENCES],
            "min_lag_days": [s[2] for s in _SEQUENCES],
            "max_lag_days": [s[3] for s in _SEQUENCES],
            "planted_probability": [s[4] for s in _SEQUENCES],
        }
    )
    return rules, seqs


def _seed_record(random_state: RandomState) -> int | str:
    """How ``truth.params`` records ``random_state``: the int, or what kind of generator it was."""
    if random_state is None:
        return "None (fresh entropy)"
    if isinstance(random_state, np.random.Generator):
        return "a numpy Generator"
    return int(random_state)


@renamed_parameter("seed", "random_state")
def simulate_shop(n_customers: int = 5000, *, random_state: RandomState = 0,
                  anomaly_share: float = 0.005, survey: bool = True) -> SimulatedShop:
    """Generate the demo shop (2024-01-01 .. 2025-12-31) with its planted truth.

    Parameters
    ----------
    n_customers : int
        Customers who join during the two years (at least 50). 5,000 give about 225,000 order lines.
    random_state : int, None or numpy.random.Generator, default 0
        The only random generator used: an int seeds a fresh one (same int, same shop), a
        Generator is used as it is (and advanced), None draws fresh entropy. ``seed=`` is the
        old name (deprecated).
    anomaly_share : float
        Share of customers made anomalous (at least 3); about half as many orders are made
        anomalous as well.
    survey : bool, default True
        Also draw the satisfaction survey (``shop.survey``) and its truth (``truth.attitude``,
        ``truth.loyalty_types``, ``truth.driver_weights``). It comes from a separate random
        stream (an int seed ``s`` gives ``numpy.random.default_rng([s, 20])``; a Generator is
        spawned, not advanced) drawn after the shop, so the shop is the same with or without it.

    Returns
    -------
    SimulatedShop
        ``raw_transactions`` (the contract's columns plus ``status``; with the planted dirt),
        ``customers`` (``customer_id``, ``signup_date``, ``region``, ``channel``, ``age_band``),
        ``products`` (the catalogue), ``truth`` (:class:`DemoTruth`) and ``survey`` (the
        :mod:`mining.survey` contract; None with ``survey=False``).

    Examples
    --------
    >>> shop = simulate_shop(60, random_state=1)
    >>> sorted(shop.truth.segments.unique())[:2]
    ['bargain_hunters', 'big_ticket']
    """
    check_param(isinstance(n_customers, int | np.integer) and n_customers >= 50, "n_customers",
                "simulate_shop", "an integer >= 50", n_customers)
    rng = check_random_state(random_state, "simulate_shop")
    check_param(0.0 <= anomaly_share <= 0.1, "anomaly_share", "simulate_shop",
                "a float in [0, 0.1]", anomaly_share)
    check_param(isinstance(survey, bool), "survey", "simulate_shop", "True or False", survey)
    shop = _Shop(int(n_customers), rng)
    n = shop.n
    width = max(5, len(str(n)))
    cust_ids = [f"C{i + 1:0{width}d}" for i in range(n)]
    shares = np.array([SEGMENTS[s]["share"] for s in shop.seg_names])
    segs = np.array(shop.seg_names)[rng.choice(len(shares), size=n, p=shares / shares.sum())]
    span = (END - START).days - 45  # nobody joins in the last six weeks
    signup_day = np.sort(_signup_days(rng, n, span))
    life = {s: (p["lifetime_shape"], p["lifetime_days"] / p["lifetime_shape"])
            for s, p in SEGMENTS.items()}  # gamma shape and scale (days) per segment
    gamma = rng.gamma
    lifetimes = np.array([gamma(*life[s]) for s in segs])
    churn_day = signup_day + np.ceil(lifetimes).astype(int)
    shop.all_orders(segs, signup_day, churn_day)
    signup = START + pd.to_timedelta(signup_day, unit="D")

    n_anom_c = max(3, round(anomaly_share * n))
    anomalous_customers, skip = _plant_customer_anomalies(shop, cust_ids, segs, n_anom_c)
    order_anoms = _plant_order_anomalies(shop, segs, max(3, n_anom_c // 2), skip)
    # lapses, declines, up- and cross-buying, after the anomalies (never on their customers)
    patterns, order_anoms = plant_patterns(shop, rng, segs, churn_day, cust_ids, skip,
                                           order_anoms)
    churn_day = patterns.churn_day

    churn = pd.DatetimeIndex(
        np.where(churn_day < shop.n_days, START + pd.to_timedelta(churn_day, unit="D"), pd.NaT))
    lines = order_lines(shop, rng, cust_ids)  # order ids in time order, with the planted dirt
    raw, dirty, order_of, bought = lines.raw, lines.dirty, lines.order_of, lines.bought
    rank = np.empty(len(order_of), dtype=np.int64)
    rank[order_of] = np.arange(len(order_of))

    customers = pd.DataFrame(
        {
            "customer_id": cust_ids,
            "signup_date": signup,
            "region": np.array(_REGIONS)[rng.integers(0, len(_REGIONS), n)],
            "channel": [
                _CHANNELS[rng.choice(3, p=[0.3, 0.6, 0.1] if s == "champions" else [0.5, 0.35, 0.15])]
                for s in segs
            ],
            "age_band": np.array(_AGE_BANDS)[rng.choice(6, size=n,
                                                        p=[0.1, 0.25, 0.25, 0.2, 0.12, 0.08])],
        }
    )
    if not bought.all():
        customers = customers[bought].reset_index(drop=True)
    customers["customer_id"] = customers["customer_id"].astype("string")

    rules, seqs = _planted_tables(shop)
    profiles = pd.DataFrame(SEGMENTS).T.drop(columns=["favourite"])
    profiles["favourite_categories"] = [", ".join(SEGMENTS[s]["favourite"]) for s in profiles.index]
    profiles.index.name = "segment"
    seg_series = pd.Series(segs, index=pd.Index(cust_ids, name="customer_id", dtype="string"),
                           name="segment")
    churn_series = pd.Series(churn, index=seg_series.index, name="churn_date")
    anomalous_orders = pd.DataFrame(
        [(f"O{rank[k] + 1:07d}", cust_ids[shop.order_customer[k]], kind, text)
         for k, kind, text in order_anoms],
        columns=["order_id", "customer_id", "kind", "description"],
    )
    truth = DemoTruth(
        segments=seg_series.loc[bought],
        segment_profiles=profiles,
        cross_sell_rules=rules,
        sequences=seqs,
        churn_dates=churn_series.loc[bought],
        anomalous_customers=anomalous_customers,
        anomalous_orders=anomalous_orders,
        dirty_lines=dirty,
        returning_lapsers=patterns.returning_lapsers,
        partial_decliners=patterns.partial_decliners,
        up_buyers=patterns.up_buyers,
        cross_buyers=patterns.cross_buyers,
        signup_dates=pd.Series(signup, index=seg_series.index, name="signup_date").loc[bought],
        params={"n_customers": int(n_customers), "random_state": _seed_record(random_state),
                "anomaly_share": float(anomaly_share), "start": str(START.date()),
                "end": str((END - pd.Timedelta(days=1)).date())},
    )
    answers = None
    if survey:  # last, from its own stream: the shop above is the same with or without it
        position = np.cumsum(bought) - 1  # cust_ids -> truth.segments row
        order_customer = position[np.asarray(shop.order_customer, dtype=np.int64)[order_of]]
        order_time = np.asarray(shop.order_time, dtype=np.int64)[order_of]
        answers = _plant_survey(_survey_rng(random_state, rng), order_customer, order_time, truth)
    return SimulatedShop(raw_transactions=raw, customers=customers, products=shop.products,
                         truth=truth, survey=answers)


# -- the satisfaction survey (drawn after the shop, from its own random stream) -----------------

#: Planted weight of each service attribute in overall satisfaction (sums to 1): product quality
#: drives satisfaction most, then delivery; the website least.
DRIVER_WEIGHTS: dict[str, float] = {
    "delivery": 0.28, "price": 0.12, "product_quality": 0.34, "service": 0.18, "website": 0.08,
}
# mean rating (1-10) of each attribute: delivery matters much but performs poorly (the
# importance-performance lesson: "concentrate here"); the website performs well but matters little
_RATING_MEANS: dict[str, float] = {
    "delivery": 6.3, "price": 6.6, "product_quality": 7.8, "service": 7.1, "website": 8.0,
}
#: Segments that repeat-buy by design (high behavioural loyalty in the planted loyalty types).
LOYAL_BEHAVIOUR_SEGMENTS: tuple[str, ...] = ("champions", "regulars")
#: The four loyalty types (behaviour x attitude): loyal 忠诚 (high, high), latent 潜在忠诚 (low
#: behaviour, high attitude), spurious 虚假忠诚 (high behaviour, low attitude), disloyal 不忠诚.
LOYALTY_TYPE_NAMES: tuple[str, ...] = ("loyal", "latent", "spurious", "disloyal")
# planted attitude = segment shift - churn shift + N(0, 1)
_ATTITUDE_SHIFT: dict[str, float] = {
    "champions": 0.35, "regulars": 0.1, "bargain_hunters": -0.25, "big_ticket": 0.15,
    "one_timers": -0.1,
}
_CHURN_ATTITUDE = 0.35  # customers who leave within the data are less attached
_DECLINE_EXPERIENCE = 0.6  # answers in the 120 days before churn (or a lapse): every experience this much worse
_HALO = 0.55  # weight of the attitude in each attribute experience (the rest is this order's)


# the generator's parts read the settings above: imported after them
from mining.simulate._lines import order_lines  # noqa: E402
from mining.simulate._orders import (  # noqa: E402
    _plant_customer_anomalies,
    _plant_order_anomalies,
    _Shop,
)
from mining.simulate._patterns import plant_patterns  # noqa: E402
from mining.simulate._survey import _plant_survey, _survey_rng  # noqa: E402
