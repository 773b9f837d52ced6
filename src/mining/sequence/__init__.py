"""Sequential patterns: what customers buy *next*, and in what order (序列模式).

Association rules (:mod:`mining.basket`) look inside one basket ("bought together"); sequential
patterns look at the order of one customer's baskets over time ("bought a tent, later gas").

Layers::

    customer_sequences(tx, as_of=...)  ->  SequenceDatabase (one itemset sequence per customer)
    read_spmf / to_spmf                     the SPMF text format, to compare with other miners
    frequent_sequences(db, min_support=...) PrefixSpan, itemset elements, gap/window limits
    sequential_rules(patterns, ...)         X => Y (Y later) with support, confidence, lift
    next_purchase(rules, db, k=...)         top-k suggestions per customer
    evaluate_time_split(tx, split_date=...) hit rate at k vs popularity (and basket rules)
"""

from __future__ import annotations

from mining.sequence._database import SequenceDatabase, customer_sequences, read_spmf, to_spmf
from mining.sequence._mine import format_pattern, frequent_sequences
from mining.sequence._rules import (
    describe,
    evaluate_time_split,
    next_purchase,
    pattern_lags,
    planted_vs_found,
    sequential_rules,
)

__all__ = [
    "SequenceDatabase",
    "customer_sequences",
    "describe",
    "evaluate_time_split",
    "format_pattern",
    "frequent_sequences",
    "next_purchase",
    "pattern_lags",
    "planted_vs_found",
    "read_spmf",
    "sequential_rules",
    "to_spmf",
]
