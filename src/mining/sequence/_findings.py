"""The findings of the sequences report: headline figures, verdict and recommendation."""

from __future__ import annotations

from typing import Any

import pandas as pd

from mining.findings import Findings, Headline

__all__ = ["findings", "planted_table"]


def planted_table(found: pd.DataFrame, *, top: int = 50) -> pd.DataFrame:
    """:func:`planted_vs_found` as the report shows it: the planted pair as one text column,
    ``in the top <top>`` (yes/no) instead of the boolean ``found``."""
    out = found.copy()
    out.insert(0, "planted", out["first"].astype(str) + " => later " + out["then"].astype(str))
    out[f"in the top {top}"] = ["yes" if f else "no" for f in out["found"]]
    return out.drop(columns=["first", "then", "found"])


def findings(shown: pd.DataFrame, *, comparison: Any = None,
             planted: pd.DataFrame | None = None, n_patterns: int | None = None,
             top: int = 50, currency: str = "EUR") -> Findings:
    """Key findings of the sequential-pattern analysis.

    Parameters
    ----------
    shown : DataFrame
        The follow-up rules the report shows (:func:`follow_up_rules`, by lift).
    comparison : StrategyComparison, optional
        From :func:`compare_strategies`.
    planted : DataFrame, optional
        :func:`planted_vs_found` with ``shown`` (demo data only).
    n_patterns : int, optional
        Patterns mined.

    Returns
    -------
    Findings
        Headline: the strongest follow-up rule's lift, hit rate of the chosen strategy and of
        popularity on the test period, planted follow-ups seen in the top ``top``; the verdict
        says which strategy wins and by how many points.
    """
    head: list[Headline] = []
    details: list[str] = []
    if n_patterns is not None:
        head.append(Headline("Sequential patterns mined", n_patterns, "count",
                             "the pattern count above the patterns table"))
    if len(shown):
        r = shown.iloc[0]
        head.append(Headline(f"Strongest follow-up: {r['first']} => later {r['then']}",
                             float(r["lift"]), "ratio", "lift, first row of the follow-up rules"))
        details.append(f"Strongest follow-up: of the customers who bought {r['first']}, "
                       f"{r['confidence']:.0%} later bought {r['then']} ({r['lift']:.1f}x the "
                       "usual rate).")
        if float(r["lift"]) < 1.1:
            details.append("No follow-up is clearly more likely than chance (the best lift is "
                           f"{r['lift']:.2f}x): the order of purchases says little here.")
    if comparison is None:
        verdict = "Follow-up rules were found; there was no later period to test suggestions on."
        rec = "Use the strongest follow-up rules for timed reminders and test them (A/B)."
    else:
        chosen, ch, pop, diff, seq, wins = comparison.versus_popularity("sequential rules")
        head.extend(comparison.headlines("Hit rate"))
        details.extend(comparison.sentences())
        verdict, rec = (
            (f"'{chosen}' suggestions beat plain popularity on the test period: {ch:.0%} of "
             f"customers bought a suggested product vs {pop:.0%} ({diff:+.1f} points); "
             f"sequential rules alone hit {seq:.0%}.",
             f"Use the '{chosen}' suggestions (next_purchase list) for the next contact, timed "
             "by the follow-up lags, and A/B test them against a best-seller mailing.")
            if wins else
            (f"No strategy beats plain popularity for the next purchase here ({ch:.0%} vs "
             f"{pop:.0%}); sequential rules alone hit {seq:.0%}.",
             "Suggest the best sellers; use the strongest follow-up rules only for timed "
             "reminders of their specific products."))
    if planted is not None and len(planted):
        seen = int(planted["found"].sum())
        head.append(Headline(f"Planted follow-ups seen in the top {top}",
                             f"{seen} of {len(planted)}", "text", "the planted-vs-found table"))
        ranks = ", ".join(
            f"{r['first']} => {r['then']} at rank {int(r['rank'])}" if pd.notna(r["rank"])
            else f"{r['first']} => {r['then']} not in the table" for r in planted.to_dict("records"))
        details.append(f"Planted follow-ups (demo truth): {seen} of {len(planted)} in the top "
                       f"{top} of the follow-up rules ({ranks}).")
    if not head:
        head.append(Headline("Follow-up rules", len(shown), "count", "the follow-up rules table"))
    return Findings(title="Sequential patterns: what customers buy next", headline=head[:5],
                    verdict=verdict, recommendation=rec, details=details, currency=currency)
