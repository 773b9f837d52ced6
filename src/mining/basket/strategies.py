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

The engine works on item codes: ``history`` (customers x items, number of orders holding the
item), ``popularity`` (one score per item), and rules as (antecedent codes, consequent code,
confidence, lift, text).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

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
    "recommend_codes",
]

POPULARITY = "popularity"
RULES = "rules"
RULES_FILL = "rules, then popularity"
HYBRID = "popularity, then rules"
BLEND = "popularity x lift"
COOC = "co-occurrence"
AGAIN = "buy again"

#: every strategy :func:`compare_strategies` knows, in the order tables show them
STRATEGIES = (POPULARITY, RULES, RULES_FILL, HYBRID, BLEND, COOC, AGAIN)

_NEG = -np.inf


@dataclass
class _Rules:
    """Rules on item codes: antecedent incidence (rules x items), consequent code, measures."""

    ante: sp.csr_matrix
    a_len: np.ndarray
    cons: np.ndarray
    conf: np.ndarray
    lift: np.ndarray
    text: np.ndarray


def flat_items(x: Any) -> set[str]:
    """The items of an itemset (frozenset) or of a sequential pattern (tuple of tuples)."""
    out: set[str] = set()
    for el in x:
        if isinstance(el, tuple | list | frozenset | set):
            out.update(str(v) for v in el)
        else:
            out.add(str(el))
    return out


def encode_rules(rules: pd.DataFrame | None, vocab: dict[str, int],
                 text_col: str | None = None) -> _Rules:
    """Rules (basket or sequential) on the codes of ``vocab``: one row per (rule, consequent
    item); antecedents of sequential rules are taken as the set of their items. Rules naming
    items outside ``vocab`` are left out."""
    n = len(vocab)
    rows, cols, cons, conf, lift, text = [], [], [], [], [], []
    a_len = []
    if rules is not None and len(rules):
        texts = (rules[text_col].astype(str).tolist() if text_col and text_col in rules.columns
                 else [f"{', '.join(sorted(flat_items(a)))} -> {', '.join(sorted(flat_items(c)))}"
                       for a, c in zip(rules["antecedents"], rules["consequents"], strict=True)])
        for a, c, cf, lf, t in zip(rules["antecedents"], rules["consequents"],
                                   rules["confidence"], rules["lift"], texts, strict=True):
            a_codes = [vocab.get(x, -1) for x in flat_items(a)]
            if any(v < 0 for v in a_codes):
                continue
            for item in flat_items(c):
                code = vocab.get(item, -1)
                if code < 0:
                    continue
                r = len(cons)
                rows.extend([r] * len(a_codes))
                cols.extend(a_codes)
                a_len.append(len(a_codes))
                cons.append(code)
                conf.append(float(cf))
                lift.append(float(lf) if pd.notna(lf) else 1.0)
                text.append(t)
    m = len(cons)
    ante = sp.csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(m, n))
    return _Rules(ante, np.asarray(a_len, dtype=np.int64), np.asarray(cons, dtype=np.int64),
                  np.asarray(conf, dtype=float), np.asarray(lift, dtype=float),
                  np.asarray(text, dtype=object))


def _rule_scores(owned: sp.csr_matrix, rules: _Rules) -> tuple[np.ndarray, np.ndarray,
                                                               np.ndarray, np.ndarray]:
    """Per (customer, item): best confidence, the rule giving it, best lift, that rule (dense;
    -inf / -1 where no rule fires)."""
    n_c, n_i = owned.shape
    conf = np.full((n_c, n_i), _NEG)
    conf_rule = np.full((n_c, n_i), -1, dtype=np.int64)
    lift = np.full((n_c, n_i), _NEG)
    lift_rule = np.full((n_c, n_i), -1, dtype=np.int64)
    if len(rules.cons) == 0 or n_c == 0:
        return conf, conf_rule, lift, lift_rule
    single = np.flatnonzero(rules.a_len == 1)
    multi = np.flatnonzero(rules.a_len != 1)
    if single.size:
        # one antecedent item: the best rule per (antecedent, consequent), then per customer the
        # best over the items they own (a loop over items, not over customer x rule pairs)
        a_item = rules.ante.indices[rules.ante.indptr[single]]
        csc = owned.tocsc()
        for values, best, best_rule in ((rules.conf, conf, conf_rule),
                                        (rules.lift, lift, lift_rule)):
            v = values[single]
            order = np.lexsort((-single, v))  # ascending: the last write per cell is the best
            pair_v = np.full((n_i, n_i), _NEG)
            pair_r = np.full((n_i, n_i), -1, dtype=np.int64)
            pair_v[a_item[order], rules.cons[single][order]] = v[order]
            pair_r[a_item[order], rules.cons[single][order]] = single[order]
            for a in np.unique(a_item):
                rows = csc.indices[csc.indptr[a]:csc.indptr[a + 1]]
                if not rows.size:
                    continue
                cur = best[rows]
                better = pair_v[a][None, :] > cur
                best[rows] = np.where(better, pair_v[a][None, :], cur)
                best_rule[rows] = np.where(better, pair_r[a][None, :], best_rule[rows])
    if multi.size:
        sub_ante = rules.ante[multi]
        hits = (owned.astype(np.int32) @ sub_ante.T).tocoo()
        ok = hits.data == rules.a_len[multi][hits.col]
        cust, rule = hits.row[ok], multi[hits.col[ok]]
        empty = multi[rules.a_len[multi] == 0]
        if empty.size:
            cust = np.concatenate([cust, np.repeat(np.arange(n_c), empty.size)])
            rule = np.concatenate([rule, np.tile(empty, n_c)])
        item = rules.cons[rule]
        for values, best, best_rule in ((rules.conf, conf, conf_rule),
                                        (rules.lift, lift, lift_rule)):
            v = values[rule]
            order = np.lexsort((-rule, v))
            c_o, i_o, v_o, r_o = cust[order], item[order], v[order], rule[order]
            # keep the last (best) entry per cell, then merge with the single-item results
            last = np.ones(len(c_o), dtype=bool)
            key = c_o * n_i + i_o
            srt = np.argsort(key, kind="stable")
            key_s = key[srt]
            last_s = np.r_[key_s[1:] != key_s[:-1], True]
            pick = srt[last_s]
            last[:] = False
            last[pick] = True
            c_o, i_o, v_o, r_o = c_o[last], i_o[last], v_o[last], r_o[last]
            better = v_o > best[c_o, i_o]
            best[c_o[better], i_o[better]] = v_o[better]
            best_rule[c_o[better], i_o[better]] = r_o[better]
    return conf, conf_rule, lift, lift_rule


def _top(score: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the k best finite scores per row, best first (-1 pads)."""
    n_c, n_i = score.shape
    kk = min(k, n_i)
    if kk == 0 or n_c == 0:
        return np.full((n_c, k), -1, dtype=np.int64)
    part = np.argpartition(-score, kk - 1, axis=1)[:, :kk]
    vals = np.take_along_axis(score, part, axis=1)
    order = np.argsort(-vals, axis=1, kind="stable")
    top = np.take_along_axis(part, order, axis=1)
    vals = np.take_along_axis(vals, order, axis=1)
    top = np.where(np.isfinite(vals), top, -1)
    if kk < k:
        top = np.hstack([top, np.full((n_c, k - kk), -1, dtype=np.int64)])
    return top


def _tiebreak(popularity: np.ndarray) -> np.ndarray:
    """A tiny bonus by popularity rank, so equal scores go to the more popular item."""
    rank = np.argsort(np.argsort(-popularity, kind="stable"), kind="stable")
    return (len(popularity) - rank) * 1e-9


@dataclass
class Recs:
    items: np.ndarray  # customers x k item codes (-1: empty)
    scores: np.ndarray  # customers x k
    why: np.ndarray  # customers x k text


def recommend_codes(strategy: str, counts: sp.csr_matrix, popularity: np.ndarray, rules: _Rules,
                    k: int, *, exclude_bought: bool, labels: Sequence[str],
                    cooc: np.ndarray | None = None, blend_power: float = 0.5) -> Recs:
    """Top-k item codes per customer (rows of ``counts``) by ``strategy``, with a score and the
    reason of each (the rule, "popular", "bought with X", "bought before")."""
    if strategy not in STRATEGIES:
        raise ParameterError(f"strategy must be one of {STRATEGIES}. Got {strategy!r} instead.")
    n_c, n_i = counts.shape
    owned = counts.copy()
    owned.data = np.ones_like(owned.data)
    owned_dense = owned.toarray().astype(bool)
    pop = np.asarray(popularity, dtype=float)
    tb = _tiebreak(pop)
    pop_score = np.broadcast_to(pop + tb, (n_c, n_i)).copy()
    conf, conf_rule, lift, lift_rule = _rule_scores(owned, rules)
    lab = np.asarray(labels, dtype=object)
    reason = np.full((n_c, n_i), "popular", dtype=object)
    if strategy == POPULARITY:
        score = pop_score
    elif strategy == RULES:
        score = np.where(conf_rule >= 0, conf + tb, _NEG)
    elif strategy == RULES_FILL:
        score = np.where(conf_rule >= 0, 2.0 + conf + tb, pop_score)
    elif strategy == HYBRID:
        score = pop_score  # assembled below
    elif strategy == BLEND:
        boost = np.where(lift_rule >= 0, np.maximum(lift, 1.0), 1.0) ** blend_power
        score = pop_score * boost
    elif strategy == COOC:
        sim = cooc if cooc is not None else cooccurrence(owned)
        score = owned.astype(float) @ sim + tb  # dense result (ndarray @ csr -> ndarray)
        score = np.asarray(score)
    else:  # AGAIN
        if exclude_bought:
            raise ParameterError("strategy 'buy again' recommends owned items: it needs "
                                 "exclude_bought=False.")
        score = counts.toarray().astype(float) + np.minimum(pop_score, 0.999)
        reason = np.where(owned_dense, "bought before", "popular").astype(object)
    if exclude_bought:
        score = np.where(owned_dense, _NEG, score)
    if strategy == HYBRID:
        n_pop = (k + 1) // 2
        p_top = _top(np.where(owned_dense, _NEG, pop_score) if exclude_bought else pop_score, k)
        r_score = np.where(conf_rule >= 0, conf + tb, _NEG)
        if exclude_bought:
            r_score = np.where(owned_dense, _NEG, r_score)
        items = np.full((n_c, k), -1, dtype=np.int64)
        rows = np.arange(n_c)
        taken = np.zeros((n_c, n_i), dtype=bool)
        items[:, :n_pop] = p_top[:, :n_pop]
        for j in range(n_pop):
            ok = items[:, j] >= 0
            taken[rows[ok], items[ok, j]] = True
        r_left = np.where(taken, _NEG, r_score)
        r_top = _top(r_left, k - n_pop)
        items[:, n_pop:] = r_top
        for j in range(n_pop, k):
            ok = items[:, j] >= 0
            taken[rows[ok], items[ok, j]] = True
        # still empty: popularity fills
        p_left = _top(np.where(taken | (owned_dense if exclude_bought else False), _NEG,
                               pop_score), k)
        for i in np.flatnonzero((items < 0).any(axis=1)):
            fill = [x for x in p_left[i] if x >= 0]
            slots = np.flatnonzero(items[i] < 0)
            items[i, slots[:len(fill)]] = fill[:len(slots)]
        use_rule = np.zeros((n_c, k), dtype=bool)
        use_rule[:, n_pop:] = True
        safe = np.maximum(items, 0)
        fired = np.take_along_axis(conf_rule, safe, axis=1) >= 0
        use_rule &= fired & (items >= 0)
        is_rule = use_rule
        scores = np.where(is_rule, np.take_along_axis(conf, safe, axis=1),
                          np.take_along_axis(pop_score, safe, axis=1) - tb[safe])
        rule_idx = np.take_along_axis(conf_rule, safe, axis=1)
        why = np.where(is_rule, rules.text[np.maximum(rule_idx, 0)] if len(rules.text) else "",
                       "popular").astype(object)
        scores = np.where(items >= 0, scores, np.nan)
        why = np.where(items >= 0, why, "")
        return Recs(items, scores, why)
    items = _top(score, k)
    safe = np.maximum(items, 0)
    sc = np.take_along_axis(score, safe, axis=1)
    if strategy in (RULES, RULES_FILL):
        idx = np.take_along_axis(conf_rule, safe, axis=1)
        fired = idx >= 0
        sc = np.where(fired, np.take_along_axis(conf, safe, axis=1),
                      np.take_along_axis(pop_score, safe, axis=1) - tb[safe])
        why = np.where(fired, rules.text[np.maximum(idx, 0)] if len(rules.text) else "",
                       "popular").astype(object)
    elif strategy == BLEND:
        idx = np.take_along_axis(lift_rule, safe, axis=1)
        fired = idx >= 0
        why = np.where(fired, rules.text[np.maximum(idx, 0)] if len(rules.text) else "",
                       "popular").astype(object)
        sc = sc - tb[safe]
    elif strategy == COOC:
        sim = cooc if cooc is not None else cooccurrence(owned)
        why = np.empty(items.shape, dtype=object)
        for i in range(n_c):
            mine = owned.indices[owned.indptr[i]:owned.indptr[i + 1]]
            for j, it in enumerate(items[i]):
                if it < 0 or not len(mine):
                    why[i, j] = "popular" if it >= 0 else ""
                    continue
                best = mine[int(np.argmax(sim[mine, it]))]
                why[i, j] = f"bought with {lab[best]}" if sim[best, it] > 0 else "popular"
        sc = sc - tb[safe]
    elif strategy == AGAIN:
        why = np.take_along_axis(reason, safe, axis=1)
        sc = np.take_along_axis(counts.toarray().astype(float), safe, axis=1)
        sc = np.where(why == "bought before", sc, np.take_along_axis(pop_score, safe, axis=1)
                      - tb[safe])
    else:
        why = np.full(items.shape, "popular", dtype=object)
        sc = sc - tb[safe]
    sc = np.where(items >= 0, sc, np.nan)
    why = np.where(items >= 0, why, "")
    return Recs(items, sc, why)


def cooccurrence(owned: sp.csr_matrix) -> np.ndarray:
    """Item x item cosine similarity of the customers who bought each (diagonal 0)."""
    b = owned.astype(np.float64)
    c = (b.T @ b).toarray()
    d = np.sqrt(np.diag(c))
    with np.errstate(divide="ignore", invalid="ignore"):
        s = c / np.outer(d, d)
    s[~np.isfinite(s)] = 0.0
    np.fill_diagonal(s, 0.0)
    return s


# ---- data preparation ---------------------------------------------------------------------------
@dataclass
class Period:
    """One evaluation: train on lines before ``start``, judge on ``[start, end)``."""

    name: str
    start: pd.Timestamp
    end: pd.Timestamp


def history_counts(cust: np.ndarray, order: np.ndarray, item: np.ndarray,
                   customers: pd.Index, vocab: dict[str, int]) -> sp.csr_matrix:
    """Customers x items: number of distinct orders holding the item."""
    frame = pd.DataFrame({"c": cust, "o": order, "i": item}).drop_duplicates()
    ci = customers.get_indexer(frame["c"])
    ii = frame["i"].map(vocab).to_numpy(dtype=float)
    ok = (ci >= 0) & ~np.isnan(ii)
    m = sp.csr_matrix((np.ones(int(ok.sum())), (ci[ok], ii[ok].astype(np.int64))),
                      shape=(len(customers), len(vocab)))
    m.sum_duplicates()
    return m


def _past_counts(past: pd.DataFrame, labels: pd.Series, customers: pd.Index,
                 names: list[str]) -> tuple[dict[str, int], sp.csr_matrix, np.ndarray]:
    """What the strategies learn from the order lines ``past`` (items named by ``labels``): the
    code of each of ``names``, the customers x items order counts (:func:`history_counts`) and
    each item's popularity (share of the orders holding it)."""
    vocab = {n: i for i, n in enumerate(names)}
    counts = history_counts(past["customer_id"].astype("string").to_numpy(),
                            past["order_id"].to_numpy(), labels.to_numpy(), customers, vocab)
    pop = (pd.DataFrame({"o": past["order_id"].to_numpy(), "i": labels.to_numpy()})
           .drop_duplicates()["i"].value_counts().reindex(names, fill_value=0).to_numpy(float))
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
    out = {}
    for s in strategies:
        recs = recommend_codes(s, sub, pop, enc, k, exclude_bought=exclude_bought, labels=names,
                               cooc=cooc)
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
    recs = recommend_codes(strategy, counts, pop, enc, k, exclude_bought=exclude_bought,
                           labels=names)
    return offers_frame(recs, counts, enc, customers, names)


def offers_frame(recs: Recs, counts: sp.csr_matrix, enc: _Rules, customers: pd.Index,
                 names: Sequence[str]) -> pd.DataFrame:
    """The per-customer offer table of :func:`cross_sell_offers` from engine output."""
    owned = counts.copy()
    owned.data = np.ones_like(owned.data)
    conf, conf_rule, lift, _ = _rule_scores(owned, enc)
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
