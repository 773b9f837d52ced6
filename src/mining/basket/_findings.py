"""The findings of the cross-selling report: headline figures, verdict and recommendation."""

from __future__ import annotations

from typing import Any

import pandas as pd

from mining.findings import Findings, Headline

__all__ = ["findings", "planted_table"]


def planted_table(found: pd.DataFrame, *, top: int = 50) -> pd.DataFrame:
    """:func:`planted_vs_found` (called with ``top``) as the report shows it: ``rank`` (row in
    the rules table the report shows, empty when not mined) and ``in the top <top>`` (yes/no)
    instead of the boolean ``found``."""
    out = found.drop(columns=["found"])
    out[f"in the top {top}"] = ["yes" if f else "no" for f in found["found"]]
    return out


def findings(rules: pd.DataFrame, *, comparison: Any = None, planted: pd.DataFrame | None = None,
             offers: pd.DataFrame | None = None, n_customers: int | None = None,
             top: int = 50, currency: str = "EUR") -> Findings:
    """Key findings of the cross-selling analysis.

    Parameters
    ----------
    rules : DataFrame
        The rules the report shows (in its order).
    comparison : StrategyComparison, optional
        From :func:`compare_strategies` (None: undated data, no later period to judge on).
    planted : DataFrame, optional
        :func:`planted_vs_found` with ``top`` (demo data only).
    offers : DataFrame, optional
        The offers per customer (:func:`cross_sell_offers`), for the number of customers reached.
    n_customers : int, optional
        Customers in the data (for the share reached).

    Returns
    -------
    Findings
        Headline: rules kept, offer hit rate of the chosen strategy and of popularity on the
        test period, customers with an offer, planted rules seen in the top ``top``; the verdict
        says whether offers beat popularity and by how many points.
    """
    head = [Headline("Association rules kept", len(rules), "count",
                     "the rules table (after the significance test and pruning)")]
    details: list[str] = []
    if len(rules):
        top_rule = rules.iloc[0]
        a = ", ".join(sorted(map(str, top_rule["antecedents"])))
        c = ", ".join(sorted(map(str, top_rule["consequents"])))
        head.append(Headline(f"Top rule: {a} -> {c} (confidence)", float(top_rule["confidence"]),
                             "percent", "first row of the rules table"))
    if comparison is not None:
        chosen, ch, pop, diff, rules_rate, wins = comparison.versus_popularity("rules")
        head.extend(comparison.headlines("Offer hit rate"))
        details.extend(comparison.sentences())
        if wins:
            verdict = (f"Offers by '{chosen}' beat plain popularity on later orders: {ch:.0%} of "
                       f"customers bought an offered product vs {pop:.0%} ({diff:+.1f} points). "
                       f"Rules alone hit only {rules_rate:.0%}: their value is in re-ranking the "
                       "popular products, not in replacing them.")
            rec = (f"Send the '{chosen}' offers (cross_sell_offers list) and A/B test them against "
                   "a best-seller mailing before rolling them out.")
        else:
            verdict = (f"Rule-based offers do not beat plain popularity here: the best strategy "
                       f"chosen on the validation period hits {ch:.0%} vs {pop:.0%} for the "
                       f"best sellers ({diff:+.1f} points).")
            rec = ("Offer each customer the best sellers they lack; use the rules for bundles and "
                   "shelf placement rather than personal offers.")
    else:
        verdict = ("Rules were found, but the data have no later period to test offers on, so "
                   "whether they beat popularity is unknown.")
        rec = "Use the strongest rules for bundles and test offers with an A/B test."
    if offers is not None:
        reached = int(offers.index.nunique())
        if comparison is None:
            head.append(Headline("Customers with an offer", reached, "count",
                                 "the cross_sell_offers list"))
        if n_customers:
            details.append(f"{reached:,} of {n_customers:,} customers get at least one offer.")
    if planted is not None and len(planted):
        seen = int(planted["found"].sum())
        head.append(Headline(f"Planted rules seen in the top {top}", f"{seen} of {len(planted)}",
                             "text", "the planted-vs-found table"))
        ranks = ", ".join(f"{r['planted']} at rank {int(r['rank'])}" if pd.notna(r["rank"])
                          else f"{r['planted']} not mined" for r in planted.to_dict("records"))
        details.append(f"Planted rules (demo truth): {seen} of {len(planted)} in the top {top} "
                       f"of the rules table ({ranks}).")
    return Findings(title="Cross-selling with association rules", headline=head[:5],
                    verdict=verdict, recommendation=rec, details=details, currency=currency)
