"""Association analysis for cross-selling (关联分析 / 购物篮分析, 交叉销售).

Rules look *within one transaction* (the market basket): "customers who buy bread and butter
also buy jam". Sequential patterns (:mod:`mining.sequence`) look at the order *between* a
customer's transactions.

Layers::

    basket_matrix(tx, level=...)            sparse one-hot baskets (orders x items)
    read_basket_file / baskets_from_lists   the "basket" text format (Groceries, FIMI)
    frequent_itemsets(baskets, min_support)  mlxtend Apriori (default), FP-growth, or "fast"
    association_rules(itemsets, ...)         mlxtend's measures + cap, item constraints,
                                             redundancy pruning, Fisher significance filter
    rule_search(itemsets, ...)               the same rules in a RuleSearch, with how many
                                             candidates each filter removed
    rules_in_words / describe_rule           plain sentences
    rules_to_csv / rules_from_csv            rules that survive a CSV round trip
    recommend / recommend_all                top-k cross-sell offers (one basket / everyone)
    evaluate_time_split                      hit rate and precision at k vs popularity
    compare_strategies / cross_sell_offers   popularity, rules, hybrids, popularity x lift,
                                             co-occurrence: default chosen on a validation
                                             period before the test period (strategies)
    findings                                 the headline figures and verdict of the report
    rules_by_segment / compare_periods       rules per segment; what changed between periods
    planted_vs_found                         synthetic demo: planted rules vs found
    basket_size_summary / itemsets_by_length small tables the notebook shows;
    offers_with_history / default_split_date offers beside history; out-of-time split

Empty results are not errors: thresholds that leave no itemset or no rule return an empty
table with the right columns and a :class:`NoItemsetsWarning` saying what to lower.

Results are plain DataFrames (mlxtend's shape); what was in ``DataFrame.attrs`` before 0.2 is a
documented column or can be read off the columns: the number of baskets is ``count / support``
(:func:`n_baskets_of`), the basket count an itemset needed :func:`min_count_for`, and the rule
funnel (candidates, not significant, redundant) a :class:`RuleSearch`.

``engine="spark"`` (``frequent_itemsets``, ``mine_rules``) runs the pass over the baskets in
Spark MLlib (:mod:`mining.basket._spark`, dispatched by :func:`mining.engines.use_engine`).
"""

from __future__ import annotations

from mining.basket._baskets import basket_matrix, baskets_from_lists, read_basket_file
from mining.basket._findings import findings, planted_table
from mining.basket._itemsets import (
    ITEMSET_COLUMNS,
    NoItemsetsWarning,
    format_items,
    frequent_itemsets,
    min_count_for,
)
from mining.basket._recommend import (
    compare_periods,
    evaluate_time_split,
    mine_rules,
    planted_vs_found,
    recommend,
    recommend_all,
    rule_counts,
    rules_by_segment,
)
from mining.basket._rules import (
    MEASURES,
    RULE_COLUMNS,
    RuleSearch,
    adjust_pvalues,
    association_rules,
    n_baskets_of,
    rule_search,
)
from mining.basket._summaries import (
    RULES_TABLE_COLUMNS,
    basket_size_summary,
    default_split_date,
    itemsets_by_length,
    offers_with_history,
    rules_table,
)
from mining.basket._words import describe_rule, rules_from_csv, rules_in_words, rules_to_csv
from mining.basket.strategies import (
    STRATEGIES,
    StrategyComparison,
    compare_strategies,
    cross_sell_offers,
)

__all__ = [
    "ITEMSET_COLUMNS",
    "MEASURES",
    "RULES_TABLE_COLUMNS",
    "RULE_COLUMNS",
    "NoItemsetsWarning",
    "RuleSearch",
    "STRATEGIES",
    "StrategyComparison",
    "adjust_pvalues",
    "association_rules",
    "basket_matrix",
    "basket_size_summary",
    "baskets_from_lists",
    "compare_periods",
    "compare_strategies",
    "cross_sell_offers",
    "default_split_date",
    "describe_rule",
    "evaluate_time_split",
    "format_items",
    "itemsets_by_length",
    "findings",
    "frequent_itemsets",
    "min_count_for",
    "mine_rules",
    "n_baskets_of",
    "offers_with_history",
    "planted_table",
    "planted_vs_found",
    "read_basket_file",
    "recommend",
    "recommend_all",
    "rule_counts",
    "rule_search",
    "rules_by_segment",
    "rules_from_csv",
    "rules_in_words",
    "rules_table",
    "rules_to_csv",
]
