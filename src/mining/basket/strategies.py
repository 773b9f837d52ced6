"""Recommendation strategies a recommender engineer tries, judged on later purchases.

Plain rule offers often lose to "the most popular products" (popularity knows what nearly
everyone buys; a rule only fires for some customers and points at rarer items). So the
strategies below combine the two, and :func:`compare_strategies` picks the default on a
*validation* period that lies before the *test* period (train < validation < test: the test
period is never looked at to choose), then reports every strategy's test hit rate against
popularity.

==========================  =====================================================================
strategy                    recommends
==========================  =====================================================================
popularity                  the most popular items the customer does not own (the baseline)
rules                       items of the rules that fire on the customer's history, best
                            confidence first (no fill-in: some customers get fewer than k)
rules, then popularity      the rules' items first, free slots filled by popularity
popularity, then rules      the top ``ceil(k/2)`` popular items, then the rules' items, then
                            popularity (the hybrid: rules fill in after popularity)
popularity x lift           popularity times the square root of the lift of the strongest
                            firing rule for the item (1 when none fires): a blend that keeps
                            popular items but lifts the ones the customer's history points to
co-occurrence               item-to-item: the sum of cosine similarities (customers who bought
                            both) between the item and everything the customer owns
buy again                   the customer's own most often bought items, then popularity
                            (only when owned items may be recommended)
==========================  =====================================================================

The engine (item codes in, top-k codes out) is :mod:`mining.basket._scoring`; its public names
are re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from mining.basket._scoring import AGAIN as AGAIN  # the strategy names, read as strategies.X
from mining.basket._scoring import BLEND as BLEND
from mining.basket._scoring import COOC as COOC
from mining.basket._scoring import HYBRID as HYBRID
from mining.basket._scoring import POPULARITY as POPULARITY
from mining.basket._scoring import RULES as RULES
from mining.basket._scoring import RULES_FILL as RULES_FILL
from mining.basket._scoring import (  # the engine, re-exported where public
    STRATEGIES,
    Recs,
    _Rules,
    cooccurrence,
    encode_rules,
    flat_items,
    rank_within,
    recommend_codes,
    rule_scores,
)
from mining.errors import InsufficientDataError, ParameterError, check_param
from mining.findings import Headline

__all__ = [
    "STRATEGIES",
    "Period",
    "Recs",
    "StrategyComparison",
    "choose",
    "comparison_table",
    "compare_strategies",
    "cooccurrence",
    "cross_sell_offers",
    "encode_rules",
    "evaluate_codes",
    "flat_items",
    "offers_frame",
    "rank_within",
    "recommend_codes",
    "rule_scores",
]

# ---- data preparation ---------------------------------------------------------------------------
@dataclass
class Period:
    """One evaluation: train on lines before ``start``, judge on ``[start, end)``."""

    name: str
    start: pd.Timestamp
    end: pd.Timestamp


def history_counts(cust: Any, order: Any, item: Any, customers: pd.Index,
                   vocab: dict[str, int]) -> sp.csr_matrix:
    """Customers x items: number of distinct orders holding the item (``cust``, ``order``,
    ``item``: one value per order line, arrays or Series)."""
    ci = _codes(cust, customers)
    ii = _codes(item, vocab)
    oi = pd.factorize(order)[0]
    ok = (ci >= 0) & (ii >= 0) & (oi >= 0)
    # one entry per distinct (order, item, customer) line
    line = pd.DataFrame({"o": oi[ok], "i": ii[ok], "c": ci[ok]}).drop_duplicates()
    m = sp.csr_matrix((np.ones(len(line)), (line["c"].to_numpy(), line["i"].to_numpy())),
                      shape=(len(customers), len(vocab)))
    m.sum_duplicates()
    return m


def _codes(values: Any, codes: dict[str, int] | pd.Index) -> np.ndarray:
    """The code of each value: its position in ``codes`` (an Index) or its value there (a
    dict); -1 when absent or missing. Each distinct value is looked up once."""
    local, uniq = pd.factorize(values)
    if isinstance(codes, pd.Index):
        table = codes.get_indexer(uniq)
    else:
        table = np.asarray([codes.get(x, -1) for x in uniq], dtype=np.int64)
    return np.where(local >= 0, table[local] if len(table) else -1, -1)


def _past_counts(past: pd.DataFrame, labels: pd.Series, customers: pd.Index,
                 names: list[str]) -> tuple[dict[str, int], sp.csr_matrix, np.ndarray]:
    """What the strategies learn from the order lines ``past`` (items named by ``labels``): the
    code of each of ``names``, the customers x items order counts (:func:`history_counts`) and
    each item's popularity (share of the orders holding it)."""
    vocab = {n: i for i, n in enumerate(names)}
    counts = history_counts(past["customer_id"].astype("string"), past["order_id"],
                            labels, customers, vocab)
    # orders holding each item: distinct (order, item) pairs
    pairs = pd.DataFrame({"o": pd.factorize(past["order_id"])[0],
                          "i": _codes(labels, vocab)}).drop_duplicates()
    held = pairs["i"].to_numpy()
    pop = np.bincount(held[held >= 0], minlength=len(names)).astype(float)
    return vocab, counts, pop / max(past["order_id"].nunique(), 1)


def evaluate_codes(recs: Recs, target: sp.csr_matrix, k: int) -> dict[str, float]:
    """Hit rate, precision and recall at k of ``recs`` against ``target`` (customers x items,
    True for a purchase in the judged period)."""
    n_c = target.shape[0]
    if n_c == 0:
        return {"hit_rate": np.nan, "precision_at_k": np.nan, "recall_at_k": np.nan,
                "coverage": np.nan}
    items = recs.items
    safe = np.maximum(items, 0)
    t = target.toarray().astype(bool)
    hit = np.take_along_axis(t, safe, axis=1) & (items >= 0)
    hits = hit.sum(axis=1)
    n_new = np.maximum(t.sum(axis=1), 1)
    return {"hit_rate": float((hits > 0).mean()), "precision_at_k": float((hits / k).mean()),
            "recall_at_k": float((hits / n_new).mean()),
            "coverage": float((items >= 0).any(axis=1).mean())}


@dataclass
class StrategyComparison:
    """What :func:`compare_strategies` measured.

    Attributes
    ----------
    table : DataFrame
        Indexed by ``strategy``: ``validation_hit_rate``, ``test_hit_rate``,
        ``test_precision_at_k``, ``test_recall_at_k``, ``test_coverage``,
        ``points_vs_popularity`` (test hit rate minus popularity's, in percentage points),
        ``chosen`` (True for the default picked on the validation period).
    chosen : str
        The strategy with the best validation hit rate (ties: the earlier in the table).
    periods : list of Period
        Validation and test windows (each trained on everything before its start).
    n_customers : dict
        Customers judged per period.
    k : int
    baseline : str
        The baseline the points are counted against ("popularity").
    """

    table: pd.DataFrame
    chosen: str
    periods: list[Period]
    n_customers: dict[str, int]
    k: int
    baseline: str = POPULARITY
    what: str = "offers"
    extra: dict[str, Any] = field(default_factory=dict)

    def test_hit_rate(self, strategy: str) -> float:
        return float(self.table.loc[strategy, "test_hit_rate"])

    def report_table(self) -> pd.DataFrame:
        """The table as the report shows it: hit rates, points vs popularity, and ``default``
        ("yes" for the chosen strategy)."""
        out = self.table[["validation_hit_rate", "test_hit_rate", "test_precision_at_k",
                          "points_vs_popularity"]].copy()
        out["default"] = ["yes" if c else "" for c in self.table["chosen"]]
        return out

    def best_on_test(self) -> str:
        return str(self.table["test_hit_rate"].idxmax())

    def headlines(self, what: str = "Hit rate") -> list[Headline]:
        """The headline figures of the comparison: the chosen strategy's test-period hit rate
        (when it is not popularity), then plain popularity's; ``what`` names the figure."""
        chosen = self.chosen
        out = []
        if chosen != "popularity":
            out.append(Headline(f"{what}, '{chosen}' (test period)", self.test_hit_rate(chosen),
                                "percent", "the strategy comparison table"))
        out.append(Headline("Hit rate of plain popularity (test period)",
                            self.test_hit_rate("popularity"), "percent",
                            "the strategy comparison table"))
        return out

    def versus_popularity(self, alone: str) -> tuple[str, float, float, float, float, bool]:
        """(chosen strategy, its test hit rate, popularity's, the difference in points, the test
        hit rate of the strategy ``alone`` (e.g. plain rules; NaN when not compared), and whether
        the chosen one beats popularity by at least one point): what a verdict is written from."""
        chosen = self.chosen
        hit, pop = self.test_hit_rate(chosen), self.test_hit_rate(POPULARITY)
        points = (hit - pop) * 100
        alone_rate = self.test_hit_rate(alone) if alone in self.table.index else float("nan")
        return chosen, hit, pop, points, alone_rate, chosen != POPULARITY and points >= 1

    def sentences(self) -> list[str]:
        """The verdict in words: the chosen default against popularity on the test period, the
        best strategy on the test period, and plain rules against popularity."""
        t = self.table
        val, test = self.periods[0], self.periods[1]
        pop = self.test_hit_rate(self.baseline)
        ch = self.test_hit_rate(self.chosen)
        out = []
        window = (f"{test.start:%Y-%m-%d} to {(test.end - pd.Timedelta(days=1)):%Y-%m-%d}, "
                  f"{self.n_customers.get('test', 0):,} customers")
        if self.chosen == self.baseline:
            out.append(f"On the validation period ({val.start:%Y-%m-%d} to "
                       f"{(val.end - pd.Timedelta(days=1)):%Y-%m-%d}) no strategy beat "
                       f"popularity, so the default is popularity; on the test period ({window}) "
                       f"it hits {pop:.0%} at k={self.k}.")
        else:
            diff = (ch - pop) * 100
            if abs(diff) < 0.5:
                verdict = f"it ties with popularity ({diff:+.1f} points)"
            else:
                n = round(abs(diff))
                verdict = (f"it {'beats' if diff > 0 else 'loses to'} popularity by "
                           f"{n:.0f} point{'' if n == 1 else 's'}")
            out.append(f"Chosen on the validation period ({val.start:%Y-%m-%d} to "
                       f"{(val.end - pd.Timedelta(days=1)):%Y-%m-%d}): '{self.chosen}'. On the "
                       f"test period ({window}) it hits {ch:.0%} vs {pop:.0%} for popularity: "
                       f"{verdict}.")
        best = self.best_on_test()
        if best == self.baseline and self.chosen != self.baseline:
            out.append("Best on the test period: popularity itself.")
        elif best != self.chosen:
            b = self.test_hit_rate(best)
            out.append(f"Best on the test period: '{best}' with {b:.0%} "
                       f"({_points((b - pop) * 100, sign=True)} vs popularity).")
        for plain in ("rules", "sequential rules", "association rules"):
            if plain in t.index:
                r = self.test_hit_rate(plain)
                d = (r - pop) * 100
                if abs(d) < 0.5:
                    end = f"a tie ({_points(d, sign=True)})"
                elif d < 0:
                    end = f"popularity wins by {_points(-d)}"
                else:
                    end = f"{plain} win by {_points(d)}"
                out.append(f"Plain {plain} hit {r:.0%} vs {pop:.0%} for popularity: {end}.")
        return out

    def __str__(self) -> str:
        return "\n".join(self.sentences())


def _points(x: float, *, sign: bool = False) -> str:
    """Percentage points in words: "1 point", "+3 points"."""
    if abs(x) < 0.95:
        text = f"{x:+.1f}" if sign else f"{abs(x):.1f}"
        return f"{text} points"
    n = round(x)
    text = f"{n:+d}" if sign else f"{abs(n):d}"
    return f"{text} point{'' if abs(n) == 1 else 's'}"


def choose(table: pd.DataFrame, column: str = "validation_hit_rate") -> str:
    """The strategy with the best value of ``column``; ties: table order."""
    vals = table[column].to_numpy(dtype=float)
    if not np.isfinite(vals).any():
        return POPULARITY
    return str(table.index[int(np.nanargmax(vals))])


def comparison_table(rows: dict[str, dict[str, dict[str, float]]], order: Iterable[str]
                     ) -> pd.DataFrame:
    """Strategies x (validation, test) measures -> the StrategyComparison table (no choice)."""
    recs = []
    for s in order:
        if s not in rows:
            continue
        v, t = rows[s].get("validation", {}), rows[s].get("test", {})
        recs.append({"strategy": s, "validation_hit_rate": v.get("hit_rate", np.nan),
                     "test_hit_rate": t.get("hit_rate", np.nan),
                     "test_precision_at_k": t.get("precision_at_k", np.nan),
                     "test_recall_at_k": t.get("recall_at_k", np.nan),
                     "test_coverage": t.get("coverage", np.nan)})
    out = pd.DataFrame(recs).set_index("strategy")
    pop = out.loc[POPULARITY, "test_hit_rate"] if POPULARITY in out.index else np.nan
    out["points_vs_popularity"] = (out["test_hit_rate"] - pop) * 100
    return out


def periods_before(split: pd.Timestamp, end: pd.Timestamp, start: pd.Timestamp,
                   validation_days: float | None = None) -> list[Period]:
    """Validation ``[split - length, split)`` and test ``[split, end)``, the validation as long
    as the test (or ``validation_days``) but never starting before the middle of the data
    before ``split``."""
    length = pd.Timedelta(days=float(validation_days)) if validation_days else end - split
    v_start = max(split - length, start + (split - start) / 2).normalize()
    if not start < v_start < split:
        raise InsufficientDataError(
            f"No room for a validation period before {split:%Y-%m-%d}: the data start on "
            f"{start:%Y-%m-%d}. Move the split later.")
    return [Period("validation", v_start, split), Period("test", split, end)]


# ---- the basket (cross-selling) comparison ------------------------------------------------------
def _basket_period(tx: pd.DataFrame, labels: pd.Series, period: Period, *, k: int,
                   strategies: Sequence[str], exclude_bought: bool,
                   mine: Any) -> tuple[dict[str, dict[str, float]], int]:
    ts = tx["timestamp"]
    before = (ts < period.start).to_numpy()
    inside = ((ts >= period.start) & (ts < period.end)).to_numpy()
    past = tx.loc[before]
    lab_past = labels.loc[before].astype(str)
    customers = pd.Index(pd.unique(past["customer_id"].astype("string")), name="customer_id")
    names = sorted(set(lab_past.unique()))
    vocab, counts, pop = _past_counts(past, lab_past, customers, names)
    # customers judged: bought before and bought at least one new item inside the period
    fut = pd.DataFrame({"c": tx.loc[inside, "customer_id"].astype("string").to_numpy(),
                        "i": labels.loc[inside].astype(str).to_numpy()}).drop_duplicates()
    fut = fut[fut["c"].isin(customers)]
    ci = customers.get_indexer(fut["c"])
    ii = fut["i"].map(vocab).fillna(-1).to_numpy(dtype=np.int64)
    own = counts.toarray() > 0
    known = ii >= 0
    new = np.ones(len(fut), dtype=bool)
    new[known] = ~own[ci[known], ii[known]] if exclude_bought else True
    judged = np.unique(ci[new])
    if len(judged) == 0:
        return {}, 0
    target = sp.csr_matrix((np.ones(int((new & known).sum()), dtype=bool),
                            (ci[new & known], ii[new & known])),
                           shape=(len(customers), len(names)))[judged]
    rules = mine(past.assign(product_id=lab_past.to_numpy()))
    enc = encode_rules(rules, vocab)
    sub = counts[judged]
    owned = sub.copy()
    owned.data = np.ones_like(owned.data)
    full_owned = counts.copy()
    full_owned.data = np.ones_like(full_owned.data)
    cooc = cooccurrence(full_owned)
    scores = rule_scores(sub, enc)  # the same for every strategy
    out = {}
    for s in strategies:
        recs = recommend_codes(s, sub, pop, enc, k, exclude_bought=exclude_bought, labels=names,
                               cooc=cooc, scores=scores)
        out[s] = evaluate_codes(recs, target, k)
    return out, len(judged)


def compare_strategies(
    tx: pd.DataFrame,
    *,
    split_date: Any = None,
    validation_days: float | None = None,
    k: int = 5,
    min_support: float = 0.005,
    min_confidence: float = 0.3,
    max_len: int | None = 3,
    level: str = "product",
    use_names: bool = True,
    strategies: Sequence[str] | None = None,
    exclude_bought: bool = True,
    **rule_options: Any,
) -> StrategyComparison:
    """Every cross-sell strategy judged on a validation period and a later test period.

    The test period runs from ``split_date`` (default: :func:`default_split_date`, 75% of the
    way through the orders) to the end of the data; the validation period is as long (or
    ``validation_days``) and ends where the test begins. Rules are mined on the orders before
    each period's start (with ``min_support``, ``min_confidence``, ``max_len`` and
    ``rule_options`` such as ``prune_redundant``, ``significance``); a customer is judged when
    they bought before the period and bought at least one item new to them inside it; a hit is a
    recommended item among those. The default strategy is the best on the validation period; the
    test period is only used to report.

    Returns
    -------
    StrategyComparison
        ``table`` (strategies x validation/test hit rates, points vs popularity, ``chosen``),
        ``chosen``, ``periods``, ``sentences()`` (the verdict in words).

    On the demo shop the validation period picks "co-occurrence" (tests/test_recs_strategies.py).
    """
    from mining.basket._baskets import item_labels
    from mining.basket._recommend import mine_rules
    from mining.basket._summaries import default_split_date

    owner = "compare_strategies"
    check_param(isinstance(k, int | np.integer) and not isinstance(k, bool) and k >= 1, "k",
                owner, "an int >= 1", k)
    strategies = list(strategies) if strategies is not None else [
        s for s in STRATEGIES if s != AGAIN or not exclude_bought]
    bad = [s for s in strategies if s not in STRATEGIES]
    if bad:
        raise ParameterError(f"{owner}: unknown strategies {bad}; choose from {STRATEGIES}.")
    if POPULARITY not in strategies:
        strategies.insert(0, POPULARITY)
    split = pd.Timestamp(split_date) if split_date is not None else default_split_date(tx)
    if split is None:
        raise InsufficientDataError(f"{owner}: the orders span less than a week: there is no "
                                    "later period to judge offers on.")
    ts = tx["timestamp"]
    end = ts.max() + pd.Timedelta(days=1)
    periods = periods_before(split, end.normalize(), ts.min(), validation_days)
    labels = item_labels(tx, level=level, use_names=use_names, owner=owner)

    def mine(past: pd.DataFrame) -> pd.DataFrame:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return mine_rules(past.drop(columns=["product_name"], errors="ignore"),
                              min_support=min_support, min_confidence=min_confidence,
                              max_len=max_len, level="product", use_names=False,
                              progress=False, **rule_options)

    rows: dict[str, dict[str, dict[str, float]]] = {s: {} for s in strategies}
    n_customers = {}
    for p in periods:
        res, n = _basket_period(tx, labels, p, k=k, strategies=strategies,
                                exclude_bought=exclude_bought, mine=mine)
        n_customers[p.name] = n
        for s, m in res.items():
            rows[s][p.name] = m
    table = comparison_table(rows, strategies)
    chosen = choose(table)
    table["chosen"] = table.index == chosen
    return StrategyComparison(table, chosen, periods, n_customers, int(k), what="offers")


def cross_sell_offers(
    rules: pd.DataFrame,
    tx: pd.DataFrame,
    *,
    as_of: Any,
    strategy: str = BLEND,
    k: int = 5,
    level: str = "product",
    use_names: bool = True,
    exclude_bought: bool = True,
) -> pd.DataFrame:
    """Cross-sell offers for every customer with orders before ``as_of``, by ``strategy``.

    Parameters
    ----------
    rules : DataFrame
        Association rules (:func:`association_rules`) mined on the same orders.
    tx : DataFrame
        Clean transactions (lines from ``as_of`` on are ignored).
    strategy : str
        One of :data:`STRATEGIES` (pick it with :func:`compare_strategies`).

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (text), up to ``k`` rows each, best first: ``rank``,
        ``item`` (the offered product), ``score`` (what the strategy ranks by: confidence,
        popularity x lift, similarity, ...), ``confidence`` and ``lift`` of the strongest rule
        that fires for the item (NaN when none), ``reason`` (the rule behind the offer, "bought
        with X", or "popular").
    """
    from mining.basket._baskets import item_labels

    owner = "cross_sell_offers"
    cut = pd.Timestamp(as_of)
    before = (tx["timestamp"] < cut).to_numpy()
    past = tx.loc[before]
    lab = item_labels(tx, level=level, use_names=use_names, owner=owner).loc[before].astype(str)
    customers = pd.Index(pd.unique(past["customer_id"].astype("string")), name="customer_id")
    rule_items = {x for col in ("antecedents", "consequents") for s in rules[col]
                  for x in flat_items(s)} if len(rules) else set()
    names = sorted(set(lab.unique()) | rule_items)
    vocab, counts, pop = _past_counts(past, lab, customers, names)
    enc = encode_rules(rules, vocab)
    scores = rule_scores(counts, enc)
    recs = recommend_codes(strategy, counts, pop, enc, k, exclude_bought=exclude_bought,
                           labels=names, scores=scores)
    return offers_frame(recs, counts, enc, customers, names, scores=scores)


def offers_frame(recs: Recs, counts: sp.csr_matrix, enc: _Rules, customers: pd.Index,
                 names: Sequence[str], *, scores: tuple[np.ndarray, ...] | None = None
                 ) -> pd.DataFrame:
    """The per-customer offer table of :func:`cross_sell_offers` from engine output
    (``scores``: :func:`rule_scores` of ``counts`` and ``enc``, computed here when None)."""
    conf, conf_rule, lift, _ = scores if scores is not None else rule_scores(counts, enc)
    rows, ranks = np.nonzero(recs.items >= 0)
    items = recs.items[rows, ranks]
    lab = np.asarray(names, dtype=object)
    c = conf[rows, items]
    lf = np.where(conf_rule[rows, items] >= 0, enc.lift[np.maximum(conf_rule[rows, items], 0)]
                  if len(enc.lift) else np.nan, np.nan)
    why = recs.why[rows, ranks].astype(object)
    fired = conf_rule[rows, items]
    also = (why == "popular") & (fired >= 0)
    if also.any() and len(enc.text):
        why[also] = ["popular; rule " + t for t in enc.text[fired[also]]]
    return pd.DataFrame({
        "rank": (ranks + 1).astype(np.int64),
        "item": lab[items],
        "score": recs.scores[rows, ranks],
        "confidence": np.where(np.isfinite(c), c, np.nan),
        "lift": lf,
        "reason": why,
    }, index=pd.Index(customers[rows].astype("string"), name="customer_id"))
