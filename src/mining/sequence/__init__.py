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
    compare_strategies(tx, ...)             every next-purchase strategy; default chosen on a
                                            validation period before the test period
    next_purchase_suggestions(rules, db)    the suggestions of the chosen strategy, per customer
    follow_up_rules(rules)                  "bought X, later Y" by lift: the table shown
    findings(...)                           the headline figures and verdict of the report
    holdout_window / lag_summary / ...      small views the sequences notebook shows

One vocabulary with :mod:`mining.basket`: items are readable product names by default
(``use_names=True``), rules share the basket rules' column names (``antecedents``,
``consequents``, ``count``, ``antecedent support``, ...), and ``exclude_bought`` drops what a
customer already bought. Tables are plain DataFrames: the number of sequences is
``support_count / support``, the count a pattern needed :func:`min_count_for`.

``frequent_sequences(..., engine="spark")`` mines with Spark MLlib's PrefixSpan
(:mod:`mining.sequence._spark`, dispatched by :func:`mining.engines.use_engine`). The compiled
miners are in :mod:`mining.sequence._prefixspan`, the other kernels in
:mod:`mining.sequence._kernel`.
"""

from __future__ import annotations

from mining.sequence._database import SequenceDatabase, customer_sequences, read_spmf, to_spmf
from mining.sequence._findings import findings, planted_table
from mining.sequence._mine import format_pattern, frequent_sequences, min_count_for
from mining.sequence._rules import (
    describe,
    evaluate_time_split,
    next_purchase,
    pattern_lags,
    planted_vs_found,
    sequential_rules,
)
from mining.sequence._strategies import (
    NEXT_STRATEGIES,
    compare_strategies,
    next_purchase_suggestions,
)
from mining.sequence._summaries import (
    example_customers,
    follow_up_rules,
    holdout_window,
    lag_summary,
    multi_basket_patterns,
    one_step_rules,
    rules_with_lift,
    sequence_length_summary,
)

__all__ = [
    "NEXT_STRATEGIES",
    "SequenceDatabase",
    "compare_strategies",
    "findings",
    "follow_up_rules",
    "next_purchase_suggestions",
    "planted_table",
    "customer_sequences",
    "describe",
    "example_customers",
    "evaluate_time_split",
    "format_pattern",
    "frequent_sequences",
    "holdout_window",
    "lag_summary",
    "min_count_for",
    "multi_basket_patterns",
    "next_purchase",
    "one_step_rules",
    "pattern_lags",
    "planted_vs_found",
    "read_spmf",
    "rules_with_lift",
    "sequence_length_summary",
    "sequential_rules",
    "to_spmf",
]
