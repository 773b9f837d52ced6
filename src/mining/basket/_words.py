"""Rules for people and files: plain sentences, and CSV that survives a round trip."""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np
import pandas as pd

from mining.basket._itemsets import format_items
from mining.basket._rules import n_baskets_of
from mining.errors import ParameterError, SchemaError

__all__ = ["describe_rule", "rules_from_csv", "rules_in_words", "rules_to_csv"]


# -- words -------------------------------------------------------------------------------------


def _and_list(items: Any) -> str:
    names = sorted(str(x) for x in items)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _times(lift: float) -> str:
    if not np.isfinite(lift):
        return "always together"
    if lift >= 1.95:
        return f"{lift:.0f}x more often than usual"
    if lift > 1.0:
        return f"{lift:.1f}x as often as usual"
    if lift == 1.0:
        return "exactly as often as usual"
    return f"only {lift:.1f}x as often as usual (less than average)"


#: how the ``rule`` column of :func:`rules_in_words` writes an empty antecedent (``min_len=1``)
_ANY_BASKET = "(any basket)"


def _rule_text(antecedents: Any, consequents: Any) -> str:
    """``"bread, butter -> jam"``; ``"(any basket) -> whole milk"`` for an empty antecedent."""
    left = format_items(antecedents) if len(antecedents) else _ANY_BASKET
    return f"{left} -> {format_items(consequents)}"


def describe_rule(row: Any, *, n_baskets: int | None = None) -> str:
    """One rule in plain words.

    Parameters
    ----------
    row : Series or mapping
        A row of :func:`association_rules` (``antecedents``, ``consequents``, ``confidence``,
        ``lift``; ``count`` used when present).
    n_baskets : int, optional
        Total number of baskets, to say how common the combination is.

    Returns
    -------
    str
        e.g. "Customers who buy bread and butter also buy jam in 63% of those baskets, 19x more
        often than usual (seen together in 120 baskets, 1.2% of all)." A rule with an empty
        antecedent (``association_rules(..., min_len=1)``) has no condition: "Customers buy
        whole milk in 26% of all baskets, whatever else they buy (in 2,513 baskets)."

    Examples
    --------
    >>> describe_rule({"antecedents": frozenset({"bread", "butter"}),
    ...                "consequents": frozenset({"jam"}), "confidence": 0.63, "lift": 19.2,
    ...                "count": 120}, n_baskets=10000)
    'Customers who buy bread and butter also buy jam in 63% of those baskets, 19x more often than usual (seen together in 120 baskets, 1.2% of all).'
    >>> describe_rule({"antecedents": frozenset(), "consequents": frozenset({"whole milk"}),
    ...                "confidence": 0.2555, "lift": 1.0, "count": 2513})
    'Customers buy whole milk in 26% of all baskets, whatever else they buy (in 2,513 baskets).'
    """
    count = row.get("count") if hasattr(row, "get") else None
    has_count = count is not None and not pd.isna(count)
    if not len(row["antecedents"]):  # {} -> item: the item's share of all baskets
        text = (f"Customers buy {_and_list(row['consequents'])} in "
                f"{float(row['confidence']):.0%} of all baskets, whatever else they buy")
        if has_count:
            text += f" (in {int(count):,} baskets)"
        return text + "."
    text = (f"Customers who buy {_and_list(row['antecedents'])} also buy "
            f"{_and_list(row['consequents'])} in {float(row['confidence']):.0%} of those baskets, "
            f"{_times(float(row['lift']))}")
    if has_count:
        text += f" (seen together in {int(count):,} baskets"
        if n_baskets:
            text += f", {int(count) / n_baskets:.1%} of all"
        text += ")"
    return text + "."


def rules_in_words(rules: pd.DataFrame, n_baskets: int | None = None, *,
                   top: int | None = 10) -> pd.DataFrame:
    """The first ``top`` rules as a readable table.

    Returns
    -------
    DataFrame
        Columns ``rule`` ("bread, butter -> jam"; "(any basket) -> whole milk" for a rule with
        an empty antecedent, see ``min_len`` of :func:`association_rules`), ``in_words`` (see
        :func:`describe_rule`), ``confidence``, ``lift``, ``count``; same order as ``rules``.
    """
    if not isinstance(rules, pd.DataFrame) or not {"antecedents", "consequents", "confidence",
                                                   "lift"} <= set(rules.columns):
        raise SchemaError(["rules_in_words needs the rules table from association_rules."],
                          what="rules")
    n = n_baskets if n_baskets is not None else n_baskets_of(rules)
    sub = rules if top is None else rules.head(top)
    return pd.DataFrame({
        "rule": [_rule_text(a, c)
                 for a, c in zip(sub["antecedents"], sub["consequents"], strict=True)],
        "in_words": [describe_rule(r, n_baskets=n) for _, r in sub.iterrows()],
        "confidence": sub["confidence"].to_numpy(),
        "lift": sub["lift"].to_numpy(),
        "count": sub["count"].to_numpy() if "count" in sub.columns else np.nan,
    })


# -- CSV -----------------------------------------------------------------------------------------


def rules_to_csv(rules: pd.DataFrame, path: str | os.PathLike[str] | None = None) -> str | None:
    """Write rules to CSV; ``antecedents``/``consequents`` become JSON lists (sorted).

    ``["bread", "butter"]`` survives any item label (commas, quotes, non-ASCII); read back with
    :func:`rules_from_csv`. Returns the CSV text when ``path`` is None.
    """
    out = rules.copy()
    for col in ("antecedents", "consequents"):
        if col in out.columns:
            out[col] = [json.dumps(sorted(str(x) for x in s), ensure_ascii=False)
                        for s in out[col]]
    return out.to_csv(path, index=False)


def _parse_items(text: Any) -> frozenset:
    if isinstance(text, frozenset | set | list | tuple):
        return frozenset(str(x) for x in text)
    if not isinstance(text, str):
        return frozenset()
    t = text.strip()
    if t.startswith("["):
        return frozenset(str(x) for x in json.loads(t))
    if t.startswith("frozenset("):  # mlxtend table written with plain to_csv
        import ast

        inner = t[len("frozenset("):-1]
        return frozenset(str(x) for x in ast.literal_eval(inner)) if inner else frozenset()
    return frozenset(x.strip() for x in t.split(",") if x.strip())


def rules_from_csv(path_or_buffer: Any) -> pd.DataFrame:
    """Read rules written by :func:`rules_to_csv` (or by the ``mining rules`` command).

    ``antecedents``/``consequents`` come back as frozensets; every measure as float.
    """
    try:
        df = pd.read_csv(path_or_buffer, dtype={"antecedents_str": object,
                                                "consequents_str": object},
                         keep_default_na=False, na_values=[""])
    except FileNotFoundError:
        raise ParameterError(f"rules_from_csv: no file at {path_or_buffer!r}.") from None
    missing = [c for c in ("antecedents", "consequents") if c not in df.columns]
    if missing:
        raise SchemaError([f"rules_from_csv: column {c!r} is missing." for c in missing],
                          what="rules")
    for col in ("antecedents", "consequents"):
        df[col] = pd.Series([_parse_items(x) for x in df[col]], dtype=object, index=df.index)
    for col in ("antecedents_str", "consequents_str"):
        if col in df.columns:
            df[col] = df[col].fillna("").astype(object)
    return df
