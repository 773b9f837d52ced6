"""Planted against found, the report's findings and the action lists."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mining.errors import InsufficientDataError, ParameterError
from mining.findings import Evidence, Findings, Headline
from mining.loyalty._satisfaction import _BANDS
from mining.loyalty._types import LOYALTY_TYPES, _frame, _need, type_summary

__all__ = ["ACTION_COLUMNS", "DRIVER_COLUMNS", "customer_actions", "driver_actions",
           "driver_recovery", "findings", "planted_evidence", "type_agreement", "type_crosstab",
           "type_recovery"]


#: Meaning of every column of the ``loyalty_types`` action list (:func:`customer_actions`).
ACTION_COLUMNS: dict[str, str] = {
    "customer_id": "the customer",
    "loyalty_type": "loyal, latent, spurious or disloyal (behaviour x attitude)",
    "chinese": "the type's Chinese name (忠诚, 潜在忠诚, 虚假忠诚, 不忠诚)",
    "behavioural_score": "repeat buying, 0-100 (percentile of orders and orders per year)",
    "attitudinal_score": "attitude, 0-10 (mean of satisfaction, intent to repurchase, recommend)",
    "n_orders": "orders before the analysis date",
    "n_answers": "survey answers before the analysis date",
    "treatment": "what to do with customers of this type",
}

#: Meaning of every column of the ``satisfaction_drivers`` action list (:func:`driver_actions`).
DRIVER_COLUMNS: dict[str, str] = {
    "attribute": "the rated service attribute",
    "rank": "1 = the strongest driver of overall satisfaction",
    "importance": "share of the explained variance of satisfaction (relative weight, sums to 1)",
    "performance": "mean rating of the attribute (1-10)",
    "quadrant": "importance-performance quadrant",
    "action": "what to do about the attribute",
}


def _aligned(found: object, planted: object, owner: str) -> tuple[np.ndarray, np.ndarray]:
    """The found and planted labels of the customers in both (as text arrays)."""
    f = found["loyalty_type"] if isinstance(found, pd.DataFrame) else found
    if not isinstance(f, pd.Series) or not isinstance(planted, pd.Series):
        raise ParameterError(f"{owner}: pass the loyalty_types table (or its loyalty_type column) "
                             "and a Series of planted types indexed by customer_id.")
    f = f.copy()
    p = planted.copy()
    f.index, p.index = f.index.astype(str), p.index.astype(str)
    common = f.index.intersection(p.index)
    if common.empty:
        raise InsufficientDataError(f"{owner}: the found and planted types share no customer_id.")
    return f.loc[common].astype(str).to_numpy(), p.loc[common].astype(str).to_numpy()


def _agreement(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    acc = float((a == b).mean())
    chance = float(sum((a == x).mean() * (b == x).mean() for x in sorted(set(a) | set(b))))
    kappa = (acc - chance) / (1 - chance) if chance < 1 else float("nan")
    return {"n": float(len(a)), "accuracy": acc, "chance": chance, "kappa": float(kappa)}


def type_agreement(found: pd.DataFrame | pd.Series, planted: pd.Series) -> dict[str, float]:
    """Found loyalty types against planted ones (the demo's ``truth.loyalty_types``), on the
    customers in both: ``n``, ``accuracy``, ``chance`` (accuracy of guessing by the two tables'
    shares), ``kappa`` (Cohen's: (accuracy - chance) / (1 - chance); 0 = chance, 1 = perfect) and
    ``ari`` (adjusted Rand index of the two partitions)."""
    a, b = _aligned(found, planted, "type_agreement")
    from sklearn.metrics import adjusted_rand_score  # lazy: sklearn costs a second to import

    return {**_agreement(a, b), "ari": float(adjusted_rand_score(b, a))}


def type_recovery(found: pd.DataFrame | pd.Series, planted: pd.Series) -> pd.DataFrame:
    """How well each side of the typing recovers the planted truth, on the customers in both.

    Rows: ``behaviour`` (high/low repeat buying), ``attitude`` (high/low) and ``loyalty type``
    (the four types); columns ``n``, ``accuracy``, ``chance`` (what guessing with the same shares
    would reach), ``kappa`` (Cohen's; 0 = chance, 1 = perfect). The two sides read the planted
    side of each type from :data:`LOYALTY_TYPES` (``loyal`` = high behaviour, high attitude ...).
    """
    a, b = _aligned(found, planted, "type_recovery")
    unknown = sorted((set(a) | set(b)) - set(LOYALTY_TYPES))
    if unknown:
        raise ParameterError(f"type_recovery: {unknown} are not loyalty types; choose from "
                             f"{list(LOYALTY_TYPES)}.")
    rows = {}
    for side in ("behaviour", "attitude"):
        side_of = np.vectorize(lambda t, s=side: LOYALTY_TYPES[t][s])
        rows[side] = _agreement(side_of(a), side_of(b))
    rows["loyalty type"] = _agreement(a, b)
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "what"
    out["n"] = out["n"].astype("int64")
    return out


def type_crosstab(found: pd.DataFrame | pd.Series, planted: pd.Series) -> pd.DataFrame:
    """Customers by found type (rows) and planted type (columns), every type in
    :data:`LOYALTY_TYPES` order (empty ones as 0), on the customers in both."""
    a, b = _aligned(found, planted, "type_crosstab")
    order = list(LOYALTY_TYPES)
    table = pd.crosstab(pd.Series(a, name="found"), pd.Series(b, name="planted"))
    return table.reindex(index=order, columns=order, fill_value=0).astype("int64")


def driver_recovery(drivers: pd.DataFrame, planted_weights: pd.Series) -> pd.DataFrame:
    """Found driver importance against the planted driver weights (the demo's
    ``truth.driver_weights``).

    Returns
    -------
    DataFrame
        Indexed by ``attribute`` in planted order (strongest first): ``planted_weight``,
        ``planted_rank``, ``importance`` (found share of R^2), ``found_rank``. ``attrs``:
        ``rank_correlation`` (Spearman's, over the attributes in both) and ``top_found_first``
        (the strongest planted driver has found rank 1).
    """
    owner = "driver_recovery"
    d = _frame(drivers, "drivers", owner, "the output of satisfaction_drivers")
    _need(d, ["importance"], "driver table", owner, "Pass the output of satisfaction_drivers.")
    if not isinstance(planted_weights, pd.Series) or planted_weights.empty:
        raise ParameterError(f"{owner}: pass the planted weights as a Series attribute -> weight "
                             "(the demo's truth.driver_weights).")
    w = planted_weights.astype("float64").sort_values(ascending=False, kind="stable")
    found_rank = d["importance"].rank(ascending=False, method="first")
    out = pd.DataFrame({"planted_weight": w,
                        "planted_rank": np.arange(1, len(w) + 1)}, index=w.index)
    out["importance"] = d["importance"].reindex(out.index)
    out["found_rank"] = found_rank.reindex(out.index).astype("Int64")
    out.index.name = "attribute"
    both = out.dropna(subset=["importance"])
    # Spearman's rho = Pearson's r of the ranks (numpy: pandas' method="spearman" imports scipy)
    rho = (float(np.corrcoef(both["planted_rank"].rank(), both["found_rank"].astype("float64")
                             .rank())[0, 1]) if len(both) > 1 else float("nan"))
    out.attrs = {"rank_correlation": round(rho, 6),  # 1.0, not 0.9999999999999999
                 "top_found_first": bool(out["found_rank"].iloc[0] == 1)}
    return out


_PRIORITY = ("spurious", "latent", "loyal", "disloyal")  # the list's order: whom to act on first


def planted_evidence(types: pd.DataFrame, drivers: pd.DataFrame, truth: object) -> list[Evidence]:
    """Found against planted for the demo (``truth.loyalty_types``, ``truth.driver_weights``):
    :func:`type_recovery`, :func:`type_crosstab` and :func:`driver_recovery` as report tables.
    Empty for real data."""
    planted_types = getattr(truth, "loyalty_types", None)
    planted_weights = getattr(truth, "driver_weights", None)
    if planted_types is None or planted_weights is None:
        return []
    recovery = driver_recovery(drivers, planted_weights)
    return [
        Evidence("Found against planted: behaviour, attitude and the four types",
                 type_recovery(types, planted_types), percent=("chance",)),
        Evidence("Customers by found type (rows) and planted type (columns)",
                 type_crosstab(types, planted_types)),
        Evidence("Planted against found driver ranking (rank correlation "
                 f"{recovery.attrs['rank_correlation']:.2f})", recovery,
                 percent=("planted_weight", "importance")),
    ]


def customer_actions(types: pd.DataFrame, features: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ``loyalty_types`` action list: every typed customer with type and treatment.

    Spurious-loyal customers first (the hidden churn risk), then latent (the opportunity), loyal
    and disloyal; within a type the highest behavioural score first. ``features`` (the customer
    table) adds ``n_orders``. Columns as in :data:`ACTION_COLUMNS`.
    """
    owner = "customer_actions"
    t = _frame(types, "types", owner, "the output of loyalty_types")
    _need(t, ["loyalty_type", "chinese", "behavioural_score", "attitudinal_score", "n_answers",
              "treatment"], "loyalty-type table", owner, "Pass the output of loyalty_types.")
    out = t[["loyalty_type", "chinese", "behavioural_score", "attitudinal_score"]].copy()
    if features is not None:
        f = _frame(features, "features", owner, "mining.features.customer_table")
        _need(f, ["n_orders"], "customer table", owner, "Pass mining.features.customer_table.")
        out["n_orders"] = f["n_orders"].reindex(out.index).astype("Int64")
    out["n_answers"] = t["n_answers"].astype("int64")
    out["treatment"] = t["treatment"]
    out["_order"] = out["loyalty_type"].map({k: i for i, k in enumerate(_PRIORITY)})
    out = out.sort_values(["_order", "behavioural_score"], ascending=[True, False],
                          kind="stable").drop(columns="_order")
    out.index.name = "customer_id"
    return out


def driver_actions(quadrant: pd.DataFrame, drivers: pd.DataFrame) -> pd.DataFrame:
    """The ``satisfaction_drivers`` action list: each attribute with its rank, importance,
    performance, quadrant and action (columns as in :data:`DRIVER_COLUMNS`), strongest first."""
    owner = "driver_actions"
    q = _frame(quadrant, "quadrant", owner, "the output of importance_performance")
    d = _frame(drivers, "drivers", owner, "the output of satisfaction_drivers")
    _need(q, ["quadrant", "action"], "quadrant table", owner,
          "Pass the output of importance_performance.")
    _need(d, ["rank", "importance", "performance"], "driver table", owner,
          "Pass the output of satisfaction_drivers.")
    out = d[["rank", "importance", "performance"]].join(q[["quadrant", "action"]])
    out.index.name = "attribute"
    return out.sort_values("rank", kind="stable")


def findings(types: pd.DataFrame, drivers: pd.DataFrame, *, link: pd.DataFrame | None = None,
             quadrant: pd.DataFrame | None = None, planted_types: pd.Series | None = None,
             planted_weights: pd.Series | None = None) -> Findings:
    """The key findings of the loyalty and satisfaction analysis for the report's top.

    Headline figures: customers typed, the share of true loyalty (忠诚), the share of spurious
    loyalty (虚假忠诚: buy without attachment, the hidden churn risk), the strongest satisfaction
    driver with its share of explained variance, and (with ``link``, from
    :func:`retention_link` ``by="satisfaction"``) the retention gap between delighted (9-10) and
    dissatisfied (1-4) customers. The verdict says whether satisfaction predicts staying (AUC of
    at least 0.6: yes; 0.55-0.6: weakly; below: no); the recommendation names the attribute to
    improve first (the "concentrate here" quadrant, else the top driver) and the group to treat.
    ``planted_types`` / ``planted_weights`` (the demo's truth) add planted-vs-found details.
    """
    owner = "findings"
    t = _frame(types, "types", owner, "the output of loyalty_types")
    d = _frame(drivers, "drivers", owner, "the output of satisfaction_drivers")
    _need(t, ["loyalty_type"], "loyalty-type table", owner, "Pass the output of loyalty_types.")
    _need(d, ["importance", "performance"], "driver table", owner,
          "Pass the output of satisfaction_drivers.")
    summary = type_summary(t)
    n = len(t)
    share = summary["share"]
    top = str(d["importance"].idxmax())
    headline = [
        Headline("customers typed (purchases and survey answers)", n, "count", "loyalty types"),
        Headline("truly loyal (忠诚)", float(share["loyal"]), "percent", "loyalty-type table"),
        Headline("spurious loyalty (虚假忠诚)", float(share["spurious"]), "percent",
                 "loyalty-type table"),
        Headline(f"strongest satisfaction driver: {top.replace('_', ' ')}",
                 float(d.loc[top, "importance"]), "percent", "driver table (share of R^2)"),
    ]
    details: list[str] = []
    verdict_link = ""
    if link is not None:
        _need(link, ["retention_rate", "n_customers"], "retention-link table", owner,
              "Pass the output of retention_link(by='satisfaction').")
        hi, lo = _BANDS[-1][2], _BANDS[0][2]
        auc = float(link.attrs.get("auc", float("nan")))
        if hi in link.index and lo in link.index:
            gap = float(link.loc[hi, "retention_rate"] - link.loc[lo, "retention_rate"])
            headline.append(Headline("retention gap, satisfaction 9-10 vs 1-4", gap, "percent",
                                     f"retention link, next {link.attrs.get('horizon_days')} days"))
        strength = ("predicts" if auc >= 0.6 else "weakly predicts" if auc >= 0.55
                    else "does not predict")
        verdict_link = (f" Satisfaction before the cutoff {strength} who buys again afterwards "
                        f"(AUC {auc:.2f}; 0.5 is chance).")
    focus = None
    if quadrant is not None and "quadrant" in quadrant.columns:
        weak = quadrant[quadrant["quadrant"] == "concentrate here"]
        if not weak.empty:
            focus = str(weak["importance"].idxmax())
    top_words = top.replace("_", " ")
    verdict = (f"{share['loyal']:.0%} of the {n:,} surveyed customers are truly loyal and "
               f"{share['spurious']:.0%} spuriously loyal (they buy often but do not care); "
               f"{share['latent']:.0%} like the shop but buy little. {top_words.capitalize()} "
               f"drives overall satisfaction most ({d.loc[top, 'importance']:.0%} of the explained "
               f"variance).{verdict_link}")
    first = (f"Improve {focus.replace('_', ' ')} first (it matters much and performs below the "
             "other attributes)" if focus is not None else
             f"Keep {top_words} strong (it drives satisfaction most)")
    recommendation = (f"{first}, give the spurious-loyal customers reasons to care before a "
                      "competitor's offer takes them, and invite the latent-loyal to buy more.")
    if planted_types is not None:
        ag = _agreement(*_aligned(t, planted_types, owner))  # no ARI: sklearn costs a second
        details.append(f"Planted vs found loyalty types: {ag['accuracy']:.0%} agree (chance "
                       f"{ag['chance']:.0%}), Cohen's kappa {ag['kappa']:.2f}, on {int(ag['n']):,} "
                       "customers.")
    if planted_weights is not None:
        planted_top = str(planted_weights.idxmax())
        details.append(f"Planted strongest driver: {planted_top.replace('_', ' ')} "
                       f"(weight {planted_weights.max():.2f}); found at rank "
                       f"{int(d.index.get_loc(planted_top)) + 1 if planted_top in d.index else '–'}.")
    details.append(f"Cut points: behaviour above {t.attrs.get('behaviour_cut', float('nan')):.0f} "
                   f"of 100, attitude above {t.attrs.get('attitude_cut', float('nan')):.1f} of 10.")
    return Findings(title="Loyalty and satisfaction", headline=headline[:5], verdict=verdict,
                    recommendation=recommendation, details=details)
