"""Findings, the ABC summary and the customer action list of the customer-value analysis
(notebook 01)."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from mining.errors import check_param
from mining.findings import Evidence, Findings, Headline
from mining.value import (  # the shared checks and tables of this package
    CLV_CLASSES,
    CLV_TREATMENTS,
    _check_frame,
    _customer_index,
    _need,
    pareto_share,
)

__all__ = ["ACTION_COLUMNS", "abc_summary", "customer_actions", "findings", "segments_evidence"]


#: The meaning of every column of :func:`customer_actions` (the action list of notebook 01).
def abc_summary(abc: pd.DataFrame) -> pd.DataFrame:
    """Customers and revenue per ABC class, with their shares of the totals (0-1).

    ``abc`` is the output of :func:`abc_classes` (columns ``abc_class`` and ``revenue``); the
    result has one row per class and the columns ``customers``, ``revenue``,
    ``share_customers`` and ``share_revenue``.

    >>> from mining.value import abc_classes
    >>> t = pd.DataFrame({"monetary_total": [80.0, 15.0, 5.0]},
    ...                  index=pd.Index(["a", "b", "c"], name="customer_id"))
    >>> abc_summary(abc_classes(t))["share_revenue"].round(2).tolist()
    [0.8, 0.15, 0.05]
    """
    out = abc.groupby("abc_class").agg(customers=("revenue", "size"), revenue=("revenue", "sum"))
    out["share_customers"] = out["customers"] / out["customers"].sum()
    out["share_revenue"] = out["revenue"] / out["revenue"].sum()
    return out


# --------------------------------------------------------------------------------------------
# findings and the action list
# --------------------------------------------------------------------------------------------


ACTION_COLUMNS: dict[str, str] = {
    "customer_id": "Customer id (text; leading zeros kept).",
    "rfm_segment": "Named RFM segment (champions, loyal, ..., lost) from the R score and the mean "
                   "of the F and M scores.",
    "rfm_code": "R, F and M scores joined, e.g. 545 (5 = best: most recent, most orders, most "
                "spend).",
    "revenue": "Revenue of the customer before the analysis date (currency of the data).",
    "abc_class": "ABC class by cumulative revenue share: A the top customers bringing the first "
                 "share of revenue (80% by default), B the next, C the rest.",
    "current_value": "Current value: profit already earned (margin x revenue).",
    "future_value": "Future value: discounted expected profit over the CLV horizon (rule of "
                    "thumb of value.customer_lifetime_value).",
    "clv": "Customer lifetime value = current_value + future_value.",
    "p_active": "Rule-of-thumb chance the customer still buys (falls with the silence measured "
                "in their own usual gap between orders); notebook 07 has the fitted P(alive).",
    "clv_class": "CLV-matrix class: platinum (high current, high future value), gold (high, "
                 "low), iron (low, high), lead (low, low).",
    "treatment": "Textbook treatment of the CLV-matrix class.",
}


def _check_tables(rfm: object, abc: object, matrix: object, owner: str,
                  rfm_column: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The RFM, ABC and CLV-matrix tables checked for what ``owner`` reads: ``rfm_segment`` and
    ``rfm_column``; ``abc_class`` and ``revenue``; the four CLV-matrix columns."""
    rfm = _check_frame(rfm, owner, "RFM table (from rfm_scores)")
    abc = _check_frame(abc, owner, "ABC table (from abc_classes)")
    matrix = _check_frame(matrix, owner, "CLV matrix (from clv_matrix)")
    _need(rfm, ["rfm_segment", rfm_column], owner, what="RFM")
    _need(abc, ["abc_class", "revenue"], owner, what="ABC")
    _need(matrix, ["current_value", "future_value", "clv", "clv_class"], owner,
          what="CLV matrix")
    return rfm, abc, matrix


def customer_actions(rfm: pd.DataFrame, abc: pd.DataFrame, matrix: pd.DataFrame) -> pd.DataFrame:
    """One row per customer for the team to act on: RFM segment, ABC class, CLV and treatment.

    Parameters
    ----------
    rfm, abc, matrix : DataFrame
        Outputs of :func:`rfm_scores`, :func:`abc_classes` and :func:`clv_matrix` (on
        :func:`customer_lifetime_value`) for the same customers.

    Returns
    -------
    DataFrame indexed by ``customer_id`` (text), highest ``clv`` first, with the columns of
    :data:`ACTION_COLUMNS` (their meaning is there; the RFM segment's suggested action is in
    :data:`RFM_ACTIONS`). Kept to the columns a team acts on: the Excel workbook of the report
    grows with every column.

    >>> from mining.value import abc_classes, clv_matrix, customer_lifetime_value, rfm_scores
    >>> X = pd.DataFrame({"recency_days": [0.0, 30, 300], "tenure_days": [365.0, 200, 400],
    ...                   "n_orders": [12, 3, 1], "monetary_total": [1200.0, 300, 50]},
    ...                  index=pd.Index(["007", "012", "100"], name="customer_id"))
    >>> m = clv_matrix(customer_lifetime_value(X, as_of="2024-01-01"))
    >>> t = customer_actions(rfm_scores(X, bins=3), abc_classes(X), m)
    >>> t.index.tolist(), t["clv_class"].tolist()
    (['007', '012', '100'], ['platinum', 'lead', 'lead'])
    """
    rfm, abc, matrix = _check_tables(rfm, abc, matrix, "customer_actions", "rfm_code")
    idx = _customer_index(matrix)
    r = rfm.set_axis(_customer_index(rfm)).reindex(idx)
    a = abc.set_axis(_customer_index(abc)).reindex(idx)
    m = matrix.set_axis(idx)
    cls = m["clv_class"].astype(str)
    out = pd.DataFrame({
        "rfm_segment": r["rfm_segment"].astype(str).to_numpy(),
        "rfm_code": r["rfm_code"].astype(str).to_numpy(),
        "revenue": a["revenue"].to_numpy(dtype="float64"),
        "abc_class": a["abc_class"].astype(str).to_numpy(),
        "current_value": m["current_value"].to_numpy(dtype="float64"),
        "future_value": m["future_value"].to_numpy(dtype="float64"),
        "clv": m["clv"].to_numpy(dtype="float64"),
        "p_active": (m["p_active"].to_numpy(dtype="float64") if "p_active" in m.columns
                     else np.nan),
        "clv_class": cls.to_numpy(),
        "treatment": [CLV_TREATMENTS.get(c, "") for c in cls],
    }, index=idx)
    frame = out.assign(_cid=idx.to_numpy())
    order = frame.sort_values(["clv", "_cid"], ascending=[False, True], kind="mergesort").index
    return out.loc[order]


def findings(rfm: pd.DataFrame, abc: pd.DataFrame, matrix: pd.DataFrame, *,
             horizon_months: int = 12, top: float = 0.2, currency: str = "EUR",
             planted: pd.Series | None = None) -> Findings:
    """The key findings of the customer-value analysis (notebook 01) for the report's top.

    Headline figures: customers, the revenue share of the top ``top`` customers (Pareto curve),
    class A customers (ABC table), the total customer lifetime value (CLV-matrix table: profit
    earned + expected profit over ``horizon_months``) and the platinum customers. The verdict
    compares the concentration with the 80/20 rule of thumb: *highly concentrated* when the top
    20% bring at least 70% of revenue, *concentrated* from 50%, else *spread*; the
    recommendation follows from it.

    Parameters
    ----------
    rfm, abc, matrix : DataFrame
        Outputs of :func:`rfm_scores`, :func:`abc_classes` and :func:`clv_matrix` (built on
        :func:`customer_lifetime_value`, so with ``current_value``, ``future_value``, ``clv``).
    horizon_months : int
        The CLV horizon the matrix was computed with (only for the words).
    top : float
        Share of customers whose revenue share is the headline (0.2: the 80/20 rule).
    currency : str
        Written before money figures.
    planted : Series, optional
        Planted segment per customer (the demo's ``truth.segments``): adds how many planted
        champions the matrix calls platinum and planted one-timers lead.

    Returns
    -------
    mining.findings.Findings
    """
    owner = "findings"
    rfm, abc, matrix = _check_tables(rfm, abc, matrix, owner, "monetary_total")
    check_param(isinstance(top, numbers.Real) and not isinstance(top, bool) and 0 < top < 1,
                "top", owner, "a number in (0, 1)", top)
    n = len(abc)
    share_top = pareto_share(abc, top=float(top), column="revenue")
    rev = abc["revenue"].astype("float64")
    total_rev = float(rev.sum())
    is_a = abc["abc_class"].astype(str) == "A"
    n_a = int(is_a.sum())
    rev_a = float(rev[is_a].sum()) / total_rev if total_rev > 0 else float("nan")
    cls = matrix["clv_class"].astype(str)
    total_clv = float(matrix["clv"].sum())
    earned = float(matrix["current_value"].sum())
    future = float(matrix["future_value"].sum())
    counts = {c: int((cls == c).sum()) for c in CLV_CLASSES}
    fut_share = {c: float(matrix.loc[(cls == c).to_numpy(), "future_value"].sum()) / future
                 if future > 0 else float("nan") for c in CLV_CLASSES}
    seg = rfm["rfm_segment"].astype(str)
    risky = seg.isin(["at_risk", "cannot_lose_them"])
    n_risky = int(risky.sum())
    risky_rev = float(rfm.loc[risky.to_numpy(), "monetary_total"].sum())
    pct = f"{top:.0%}"
    if share_top >= 0.7:
        verdict = (f"Revenue is highly concentrated: the top {pct} of customers bring "
                   f"{share_top:.0%} of it (the 80/20 rule of thumb says 80%), so a few "
                   "customers carry the business.")
        rec = (f"Give the {n_a:,} class-A customers key-account care and contact the "
               f"{n_risky:,} at-risk and cannot-lose-them customers personally before they go.")
    elif share_top >= 0.5:
        verdict = (f"Revenue is concentrated, less than the 80/20 rule says: the top {pct} of "
                   f"customers bring {share_top:.0%} of it (rule of thumb: 80%); class A needs "
                   f"{n_a:,} customers ({n_a / n:.0%} of all).")
        rec = (f"Serve the {n_a:,} class-A customers personally, develop the "
               f"{counts['iron']:,} iron customers with cross-selling and win back the "
               f"{n_risky:,} at-risk customers.")
    else:
        verdict = (f"Revenue is spread: the top {pct} of customers bring only {share_top:.0%} "
                   "of it (the 80/20 rule says 80%); no small group carries the business.")
        rec = ("Steer by RFM segment and CLV class rather than by size: develop the "
               f"{counts['iron']:,} iron customers and win back the {n_risky:,} at-risk ones.")
    details = [
        f"ABC: {n_a:,} class-A customers ({n_a / n:.0%} of {n:,}) bring {rev_a:.0%} of revenue.",
        f"CLV = current value (profit earned, {currency} {earned:,.0f}) + future value (expected "
        f"profit over the next {horizon_months} months, {currency} {future:,.0f}) = "
        f"{currency} {total_clv:,.0f}.",
        f"CLV matrix: {counts['platinum']:,} platinum customers hold "
        f"{fut_share['platinum']:.0%} of the future value; {counts['iron']:,} iron customers "
        f"are small today but growing; {counts['gold']:,} gold customers are valuable but "
        "fading.",
        f"RFM: {n_risky:,} customers are at risk or cannot be lost (bought often, silent now), "
        f"with {currency} {risky_rev:,.0f} of revenue to date.",
        "p_active is a rule of thumb (the silence since the last order, measured in the "
        "customer's own usual gap between orders). Notebook 07 fits P(alive) with BG/NBD and "
        "MBG/NBD and checks which score best predicts who buys again on a holdout period; the two "
        "differ most for one-time buyers (BG/NBD always gives them P(alive) = 1). Where both "
        "exist, trust the score 07 finds best.",
    ]
    if planted is not None:
        truth = pd.Series(planted.to_numpy(), index=pd.Index(planted.index).astype("string"))
        truth = truth.reindex(_customer_index(matrix)).astype("string")
        found = pd.Series(cls.to_numpy(), index=truth.index)
        hits = []
        for seg_name, want in (("champions", "platinum"), ("one_timers", "lead")):
            mask = (truth == seg_name).fillna(False).to_numpy()
            if mask.any():
                hits.append(f"{(found[mask] == want).mean():.0%} of the {int(mask.sum()):,} "
                            f"planted {seg_name.replace('_', '-')} are {want}")
        if hits:
            details.append("Planted vs found (demo): " + " and ".join(hits) + ".")
    return Findings(
        title="Customer value",
        headline=[
            Headline("Customers", n, "count", "ABC table"),
            Headline(f"Revenue from the top {pct} of customers", share_top, "percent",
                     "Pareto curve"),
            Headline("Class A customers", n_a, "count",
                     f"ABC table: they bring {rev_a:.0%} of revenue"),
            Headline(f"Customer lifetime value (earned + next {horizon_months} months)",
                     total_clv, "money", "CLV-matrix table (sum of clv)"),
            Headline("Platinum customers", counts["platinum"], "count", "CLV-matrix table"),
        ],
        verdict=verdict, recommendation=rec, details=details, currency=currency,
    )


def segments_evidence(found: dict[str, pd.Series], truth: object) -> list[Evidence]:
    """The demo's planted segments (``truth.segments``) against each found labelling in
    ``found`` (what it is -> labels by customer id, e.g. ``{"RFM segment": rfm["rfm_segment"]}``):
    the share of each planted segment in each found group (rows sum to 1; customers labelled in
    both). Empty for real data (no truth).

    >>> class Truth:
    ...     segments = pd.Series(["p", "q", "q", None], index=[1, 2, 3, 4])
    >>> ev = segments_evidence({"class": pd.Series(["x", "y", "y", "y"], index=[1, 2, 3, 4])},
    ...                        Truth())
    >>> ev[0].caption, ev[0].table.to_dict("index")
    ('Planted segment (rows) x found class (share of the row)', {'p': {'x': 1.0, 'y': 0.0}, 'q': {'x': 0.0, 'y': 1.0}})
    >>> segments_evidence({"class": pd.Series(["x"], index=[1])}, None)
    []
    """
    planted = getattr(truth, "segments", None)
    if planted is None:
        return []
    out = []
    for what, labels in found.items():
        ref = planted.reindex(labels.index)
        known = ref.notna() & labels.notna()
        shares = pd.crosstab(ref[known].rename("planted"), labels[known], normalize="index")
        out.append(Evidence(f"Planted segment (rows) x found {what} (share of the row)", shares,
                            percent=tuple(str(c) for c in shares.columns)))
    return out
