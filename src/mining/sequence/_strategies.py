"""Next-purchase strategies judged on a validation period and a later test period.

The strategies are those of :func:`mining.basket.compare_strategies` (popularity, rules,
hybrids, popularity x lift, item co-occurrence, buy again) with *sequential* rules, plus the
sequential rules and association rules of :func:`evaluate_time_split`. The default is chosen on
the validation period ``[split - h, split)``; the test period ``[split, split + h)`` only
reports (train < validation < test).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from mining.errors import ParameterError
from mining.sequence._database import SequenceDatabase
from mining.sequence._rules import _evaluate_period

__all__ = ["NEXT_STRATEGIES", "compare_strategies", "next_purchase_suggestions"]

#: strategies of :func:`compare_strategies`, in table order
NEXT_STRATEGIES = ("popularity", "sequential rules", "association rules",
                   "popularity, then rules", "popularity x lift", "co-occurrence", "buy again")
_ENGINE = {"popularity, then rules", "popularity x lift", "co-occurrence", "buy again"}


def _counts(db: SequenceDatabase, n_items: int | None = None) -> sp.csr_matrix:
    """Customers x item codes: number of orders (elements) holding the item."""
    n_seq = len(db)
    n_el = len(db.el_start) - 1
    el_seq = np.repeat(np.arange(n_seq), np.diff(db.seq_start))
    item_el = np.repeat(np.arange(n_el), np.diff(db.el_start))
    rows = el_seq[item_el]
    n_i = n_items if n_items is not None else len(db.labels)
    m = sp.csr_matrix((np.ones(len(rows)), (rows, db.items)), shape=(n_seq, n_i))
    m.sum_duplicates()
    return m


def _engine_inputs(db: SequenceDatabase, pop_rank: pd.Series, rules: pd.DataFrame):
    from mining.basket import strategies as eng

    labels = [str(x) for x in db.labels]
    vocab = {x: i for i, x in enumerate(labels)}
    counts = _counts(db, len(labels))
    pop = pop_rank.reindex(db.labels).fillna(0.0).to_numpy(dtype=float)
    enc = eng.encode_rules(rules, vocab, text_col="rule_str")
    return eng, labels, counts, pop, enc


def compare_strategies(
    tx: pd.DataFrame,
    *,
    split_date: Any,
    horizon_days: float,
    k: int = 5,
    level: str = "product",
    use_names: bool = True,
    min_support: float | int = 0.03,
    max_len: int | None = 2,
    min_gap: float | None = None, max_gap: float | None = None,
    exclude_bought: bool = False,
    strategies: Sequence[str] | None = None,
) -> Any:
    """Hit rate at k of every next-purchase strategy on a validation and a test period.

    The test period is ``[split_date, split_date + horizon_days)`` (as
    :func:`evaluate_time_split`, whose sequential-rule, association-rule and popularity rows it
    repeats); the validation period is the ``horizon_days`` before ``split_date``. Each period
    is trained on the purchases before its start. A customer is judged when they bought before
    the period and inside it; a hit is a suggested item bought inside it (repeat purchases count
    unless ``exclude_bought``).

    Returns
    -------
    mining.basket.StrategyComparison
        ``table`` (strategy x validation/test hit rates, points vs popularity, ``chosen``),
        ``chosen`` (best on validation), ``periods``, ``sentences()``.
    """
    from mining.basket import StrategyComparison
    from mining.basket import strategies as eng

    strategies = list(strategies) if strategies is not None else [
        s for s in NEXT_STRATEGIES if s != "buy again" or not exclude_bought]
    bad = [s for s in strategies if s not in NEXT_STRATEGIES]
    if bad:
        raise ParameterError(f"compare_strategies: unknown strategies {bad}; choose from "
                             f"{NEXT_STRATEGIES}.")
    if "popularity" not in strategies:
        strategies.insert(0, "popularity")
    split = pd.Timestamp(split_date)
    h = pd.Timedelta(days=float(horizon_days))
    periods = [eng.Period("validation", split - h, split), eng.Period("test", split, split + h)]
    rows: dict[str, dict[str, dict[str, float]]] = {s: {} for s in strategies}
    n_customers = {}
    for p in periods:
        table, ctx = _evaluate_period(
            tx, split_date=p.start, horizon_days=float(horizon_days), k=k, level=level,
            element="order", use_names=use_names, min_support=min_support, max_len=max_len,
            min_gap=min_gap, max_gap=max_gap, min_confidence=0.0, last_n_elements=None,
            exclude_bought=exclude_bought, basket="association rules" in strategies,
            basket_min_support=None, owner="compare_strategies")
        n_customers[p.name] = int(table["n_customers"].iloc[0])
        for method in table.index:
            if method in rows:
                rows[method][p.name] = {
                    "hit_rate": float(table.loc[method, "hit_rate"]),
                    "precision_at_k": float(table.loc[method, "precision_at_k"]),
                    "coverage": float(table.loc[method, "rule_coverage"]),
                }
        wanted = [s for s in strategies if s in _ENGINE]
        if not wanted:
            continue
        hist = ctx["history"]
        _, labels, counts, pop, enc = _engine_inputs(hist, ctx["pop_rank"], ctx["rules"])
        test = ctx["test"]
        vocab = {x: i for i, x in enumerate(labels)}
        ci = hist.customer_id.get_indexer(test["customer_id"])
        ii = test["item"].astype(str).map(vocab).fillna(-1).to_numpy(dtype=np.int64)
        ok = (ci >= 0) & (ii >= 0)
        target = sp.csr_matrix((np.ones(int(ok.sum()), dtype=bool), (ci[ok], ii[ok])),
                               shape=counts.shape)
        train_counts = _counts(ctx["train"], len(labels))
        train_owned = train_counts.copy()
        train_owned.data = np.ones_like(train_owned.data)
        cooc = eng.cooccurrence(train_owned)
        scores = eng.rule_scores(counts, enc)  # the same for every strategy
        for s in wanted:
            eng_name = {"popularity, then rules": eng.HYBRID}.get(s, s)
            recs = eng.recommend_codes(eng_name, counts, pop, enc, k,
                                       exclude_bought=exclude_bought, labels=labels, cooc=cooc,
                                       scores=scores)
            rows[s][p.name] = eng.evaluate_codes(recs, target, k)
    table = eng.comparison_table(rows, strategies)
    chosen = eng.choose(table)
    table["chosen"] = table.index == chosen
    return StrategyComparison(table, chosen, periods, n_customers, int(k),
                              what="next-purchase suggestions")


def next_purchase_suggestions(
    rules: pd.DataFrame,
    db: SequenceDatabase,
    *,
    strategy: str = "sequential rules",
    k: int = 5,
    exclude_bought: bool = False,
) -> pd.DataFrame:
    """Next-purchase suggestions for every customer of ``db`` by ``strategy``.

    Parameters
    ----------
    rules : DataFrame
        Sequential rules (:func:`sequential_rules`) mined on ``db``.
    db : SequenceDatabase
        The customers' purchases so far.
    strategy : str
        One of :data:`NEXT_STRATEGIES` except "association rules" (pick it with
        :func:`compare_strategies`).

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (text), up to ``k`` rows each, best first: ``rank``,
        ``item``, ``score`` (confidence, popularity x lift, similarity, orders so far, ...),
        ``confidence`` and ``lift`` of the strongest sequential rule that fires for the item
        (NaN when none), ``reason`` (the rule, "bought before", "bought with X", "popular").
    """
    from mining.basket import strategies as eng
    from mining.sequence._rules import next_purchase

    if strategy not in NEXT_STRATEGIES or strategy == "association rules":
        raise ParameterError(f"next_purchase_suggestions: strategy must be one of "
                             f"{[s for s in NEXT_STRATEGIES if s != 'association rules']}. "
                             f"Got {strategy!r} instead.")
    pop_rank = db.item_support() / max(len(db), 1)
    one = rules[rules["consequents"].map(len) == 1] if len(rules) else rules
    _, labels, counts, pop, enc = _engine_inputs(db, pop_rank, one)
    customers = pd.Index(db.customer_id.astype("string"), name="customer_id")
    fired = eng.rule_scores(counts, enc)  # what the rules say, shared by the engine calls
    if strategy in ("sequential rules", "popularity"):
        rec = next_purchase(one if strategy == "sequential rules" else None, db, k=k,
                            exclude_bought=exclude_bought, popular=pop_rank)
        vocab = {x: i for i, x in enumerate(labels)}
        n_c = len(db)
        items = np.full((n_c, k), -1, dtype=np.int64)
        scores = np.full((n_c, k), np.nan)
        why = np.full((n_c, k), "", dtype=object)
        pos = db.customer_id.get_indexer(rec.index)
        r = rec["rank"].to_numpy() - 1
        items[pos, r] = rec["item"].astype(str).map(vocab).fillna(-1).to_numpy(dtype=np.int64)
        scores[pos, r] = rec["score"].to_numpy(dtype=float)
        why[pos, r] = np.where(rec["source"] == "rule", rec["rule"], "popular")
        recs = eng.Recs(items, scores, why)
    else:
        eng_name = {"popularity, then rules": eng.HYBRID}.get(strategy, strategy)
        recs = eng.recommend_codes(eng_name, counts, pop, enc, k, exclude_bought=exclude_bought,
                                   labels=labels, scores=fired)
    return eng.offers_frame(recs, counts, enc, customers, labels, scores=fired)
