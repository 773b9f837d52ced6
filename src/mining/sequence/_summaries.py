"""Small views of sequences, patterns, rules and lags that the sequences notebook shows, and the
holdout window of its evaluation.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from mining.sequence._database import SequenceDatabase

__all__ = ["example_customers", "follow_up_rules", "holdout_window", "lag_summary",
           "multi_basket_patterns", "one_step_rules", "rules_with_lift", "sequence_length_summary"]


def sequence_length_summary(db: SequenceDatabase) -> pd.DataFrame:
    """``describe()`` of the baskets per customer, as one row named ``baskets per customer``
    (rounded to 0.1).

    >>> import pandas as pd
    >>> from mining.sequence import customer_sequences
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "order_id": [1, 2, 3],
    ...                    "product_id": ["x", "y", "x"],
    ...                    "timestamp": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-01-05"])})
    >>> db = customer_sequences(tx, as_of="2025-03-01", use_names=False)
    >>> sequence_length_summary(db)[["count", "mean", "max"]]
                          count  mean  max
    baskets per customer    2.0   1.5  2.0
    """
    return db.to_frame()["n_elements"].describe().round(1).to_frame("baskets per customer").T


def example_customers(db: SequenceDatabase, *, n_first: int = 3, min_baskets: int = 4,
                      max_baskets: int = 8) -> list[Any]:
    """Customers to show: first one with ``min_baskets``..``max_baskets`` baskets (else the
    customer with the most baskets), then the first ``n_first`` customers other than that one.

    >>> import pandas as pd
    >>> from mining.sequence import customer_sequences
    >>> tx = pd.DataFrame({"customer_id": ["a", "b", "b"], "order_id": [1, 2, 3],
    ...                    "product_id": ["x", "y", "x"],
    ...                    "timestamp": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-01-05"])})
    >>> example_customers(customer_sequences(tx, as_of="2025-03-01", use_names=False))
    ['b', 'a']
    """
    sequences = db.to_frame()
    busy = sequences[sequences["n_elements"].between(min_baskets, max_baskets)]
    first = busy.index[0] if len(busy) else sequences["n_elements"].idxmax()
    return [first] + [c for c in sequences.index[:n_first] if c != first]


def multi_basket_patterns(patterns: pd.DataFrame) -> pd.DataFrame:
    """The patterns that span two or more baskets (``n_elements >= 2``): the real news, since
    one-basket patterns only say what is popular.

    >>> import pandas as pd
    >>> p = pd.DataFrame({"pattern_str": ["<(a)>", "<(a) (b)>"], "n_elements": [1, 2]})
    >>> multi_basket_patterns(p)["pattern_str"].tolist()
    ['<(a) (b)>']
    """
    return patterns[patterns["n_elements"] >= 2]


def rules_with_lift(rules: pd.DataFrame, *, min_lift: float = 1.0) -> pd.DataFrame:
    """Rules with ``lift > min_lift``, or all rules when none reaches it.

    >>> import pandas as pd
    >>> r = pd.DataFrame({"rule_str": ["a => b", "c => d"], "lift": [0.9, 1.4]})
    >>> rules_with_lift(r)["rule_str"].tolist()
    ['c => d']
    >>> len(rules_with_lift(r, min_lift=2))
    2
    """
    strong = rules[rules["lift"] > min_lift]
    return strong if len(strong) else rules


def one_step_rules(rules: pd.DataFrame, *, top: int = 8) -> pd.DataFrame:
    """The ``top`` rules by lift with one item on each side (one basket -> a later one):
    columns ``rule_str``, ``support``, ``confidence``, ``lift``.

    >>> import pandas as pd
    >>> r = pd.DataFrame({"antecedents": [("a",), ("a", "b")], "consequents": [("c",), ("d",)],
    ...                   "rule_str": ["a => c", "a, b => d"], "support": [0.1, 0.1],
    ...                   "confidence": [0.5, 0.9], "lift": [2.0, 3.0]})
    >>> one_step_rules(r)["rule_str"].tolist()
    ['a => c']
    """
    one = rules[(rules["antecedents"].map(len) == 1) & (rules["consequents"].map(len) == 1)]
    return one.sort_values("lift", ascending=False).head(top)[
        ["rule_str", "support", "confidence", "lift"]]


def follow_up_rules(rules: pd.DataFrame, *, top: int | None = None,
                    min_count: int = 1) -> pd.DataFrame:
    """Follow-up rules "bought X, later Y": one item on each side, Y another product than X,
    strongest lift first; the table the sequences report shows (and ranks planted rules in).

    Returns
    -------
    DataFrame
        Index ``rank`` (1 = highest lift); columns ``first``, ``then``, ``count`` (customers
        with X then Y), ``support``, ``confidence``, ``lift``, ``rule_str``, ``antecedents``,
        ``consequents``.

    >>> import pandas as pd
    >>> r = pd.DataFrame({"antecedents": [(("a",),), (("a",),), (("a", "b"),)],
    ...                   "consequents": [(("c",),), (("a",),), (("d",),)],
    ...                   "rule_str": ["a => c", "a => a", "a, b => d"], "count": [5, 9, 4],
    ...                   "support": [0.1, 0.2, 0.1], "confidence": [0.5, 0.9, 0.9],
    ...                   "lift": [2.0, 1.2, 3.0]})
    >>> follow_up_rules(r)[["first", "then"]].values.tolist()
    [['a', 'c']]
    """
    one = rules[(rules["antecedents"].map(len) == 1) & (rules["consequents"].map(len) == 1)]
    one = one[(one["antecedents"].map(lambda a: len(a[0])) == 1)
              & (one["consequents"].map(lambda c: len(c[0])) == 1)]
    first = one["antecedents"].map(lambda a: a[0][0])
    then = one["consequents"].map(lambda c: c[0][0])
    out = one.assign(first=first, then=then)
    out = out[(out["first"] != out["then"]) & (out["count"] >= min_count)]
    out = out.sort_values(["lift", "confidence", "count"], ascending=False, kind="stable")
    if top is not None:
        out = out.head(top)
    out = out[["first", "then", "count", "support", "confidence", "lift", "rule_str",
               "antecedents", "consequents"]].reset_index(drop=True)
    out.index = pd.RangeIndex(1, len(out) + 1, name="rank")
    return out


def lag_summary(lags: pd.DataFrame) -> pd.DataFrame:
    """Quartiles of the days between the first and second basket, per pattern (from
    :func:`~mining.sequence.pattern_lags`): columns ``count``, ``25%``, ``50%``, ``75%``,
    rounded to 0.1, patterns in their given order.

    >>> import pandas as pd
    >>> lags = pd.DataFrame({"pattern_str": ["p", "p", "q"], "lag_days": [2.0, 4.0, 7.0]})
    >>> lag_summary(lags)["50%"].tolist()
    [3.0, 7.0]
    """
    return (lags.groupby("pattern_str", sort=False)["lag_days"].describe()
            [["count", "25%", "50%", "75%"]].round(1))


def holdout_window(tx: pd.DataFrame, *, as_of: Any, min_days: int = 7,
                   max_days: int = 90) -> tuple[pd.Timestamp, int]:
    """The split date and holdout length (days) of a time-split check before ``as_of``.

    The holdout is a quarter of the days the transactions before ``as_of`` span, at least
    ``min_days`` and at most ``max_days``; the split date lies that many days before ``as_of``.

    >>> import pandas as pd
    >>> tx = pd.DataFrame({"timestamp": pd.to_datetime(["2024-01-01", "2024-12-31"])})
    >>> holdout_window(tx, as_of=pd.Timestamp("2025-01-01"))
    (Timestamp('2024-10-03 00:00:00'), 90)
    """
    as_of = pd.Timestamp(as_of)
    known = tx[tx["timestamp"] < as_of]
    span_days = (known["timestamp"].max() - known["timestamp"].min()).days
    holdout_days = max(min_days, min(max_days, span_days // 4))
    return as_of - pd.Timedelta(days=holdout_days), holdout_days
