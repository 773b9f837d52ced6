"""What the segmentation report leads with and hands over: the findings (headline figures, a
verdict in words), the k table as shown, per-customer silhouettes, the planted-vs-found names
and the segment membership list.

Everything a report shows about a segmentation is computed here, so the notebook only calls and
shows (the tables are formatted by :func:`mining.tables.show_table` in the notebook).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
import pandas as pd

from mining.errors import ParameterError, check_param
from mining.findings import Findings, Headline
from mining.params import RandomState, seed_from
from mining.segment._choose_k import KSelection
from mining.segment._estimator import CustomerSegmenter
from mining.segment._features import NOISE
from mining.segment._stability import Stability
from mining.segment._truth import LabelAgreement

__all__ = ["SILHOUETTE_SAMPLE", "STABLE_ARI", "AGREE_ARI", "feature_columns", "findings",
           "k_summary", "ratio_table",
           "membership_list", "planted_names", "silhouette_by_segment"]

#: Bootstrap stability (mean ARI) from which segments count as real ("stable" in
#: ``Stability.verdict``).
STABLE_ARI = 0.75
#: Agreement (ARI) with another algorithm from which it counts as confirming the segments.
AGREE_ARI = 0.6
#: Customers sampled for the per-customer silhouettes (silhouette_samples is quadratic).
SILHOUETTE_SAMPLE = 3000


def _fitted(segmenter: Any, owner: str) -> CustomerSegmenter:
    check_param(isinstance(segmenter, CustomerSegmenter) and hasattr(segmenter, "labels_"),
                "segmenter", owner, "a fitted CustomerSegmenter", type(segmenter).__name__)
    return segmenter


def feature_columns(X: pd.DataFrame, features: Any = None) -> list[str]:
    """The columns a :class:`CustomerSegmenter` with these ``features`` clusters ``X`` on (the
    default set present in the table, constant default columns left out), e.g. for the
    summary table of the clustering inputs.

    >>> X = pd.DataFrame({"n_orders": [1.0, 3.0], "monetary_total": [5.0, 9.0],
    ...                   "quantity_total": [2.0, 2.0]})
    >>> feature_columns(X)
    ['n_orders', 'mean_unit_price']
    """
    from mining.segment._features import _resolve_features, derive_features

    feats, _ = _resolve_features(derive_features(X), features or None, "feature_columns")
    return list(feats)


def k_summary(selection: KSelection) -> pd.DataFrame:
    """The k table as a report shows it: the criteria per k without the columns that are empty
    for this algorithm (``bic`` outside gmm), ``chosen`` as "chosen" / "".

    >>> t = pd.DataFrame({"n_found": [2, 3], "silhouette": [0.41, 0.52], "bic": [np.nan] * 2,
    ...                   "chosen": [False, True]}, index=pd.Index([2, 3], name="k"))
    >>> k_summary(KSelection(table=t, k=3, rule="r", algorithm="kmeans")).columns.tolist()
    ['n_found', 'silhouette', 'chosen']
    """
    if not isinstance(selection, KSelection):
        raise ParameterError(f"k_summary expects a KSelection (choose_k or "
                             f"CustomerSegmenter.k_selection_). Got {type(selection).__name__}.")
    table = selection.table.dropna(axis=1, how="all").copy()
    if "chosen" in table:
        table["chosen"] = np.where(table["chosen"], "chosen", "")
    return table


def silhouette_by_segment(segmenter: CustomerSegmenter, X: pd.DataFrame, *,
                          sample_size: int = SILHOUETTE_SAMPLE,
                          random_state: RandomState = 0) -> pd.DataFrame:
    """Silhouette of each customer of a random sample (how much closer to its own segment than
    to the next one; -1..1), in the segmenter's standardized feature space.

    Parameters
    ----------
    segmenter : CustomerSegmenter
        Fitted on ``X``.
    X : DataFrame
        The customer table it was fitted on (indexed by ``customer_id``).
    sample_size : int, default SILHOUETTE_SAMPLE
        Customers sampled (the computation is quadratic in it); noise customers (-1) are left out.
    random_state : int, None or Generator, default 0
        Seed of the sample.

    Returns
    -------
    DataFrame indexed by ``customer_id``: ``segment``, ``segment_name``, ``silhouette``, sorted by
    segment and decreasing silhouette (the order of a silhouette plot).
    """
    owner = "silhouette_by_segment"
    seg = _fitted(segmenter, owner)
    check_param(isinstance(sample_size, numbers.Integral) and sample_size >= 10, "sample_size",
                owner, "an int >= 10", sample_size)
    from sklearn.metrics import silhouette_samples

    labels = seg.labels_[seg.labels_ != NOISE]
    if labels.nunique() < 2:
        raise ParameterError(f"{owner}: silhouettes need at least two segments.")
    rng = np.random.default_rng(seed_from(random_state, owner))
    if len(labels) > sample_size:
        labels = labels.iloc[np.sort(rng.choice(len(labels), sample_size, replace=False))]
    Z = seg.transform(X.loc[labels.index]).to_numpy(dtype=float)
    from mining.segment._choose_k import _threads

    with _threads(len(Z)):
        values = silhouette_samples(Z, labels.to_numpy())
    out = pd.DataFrame({"segment": labels.to_numpy(),
                        "segment_name": labels.map(seg.segment_names_).to_numpy(),
                        "silhouette": values}, index=labels.index)
    return out.sort_values(["segment", "silhouette"], ascending=[True, False])


def ratio_table(segmenter: CustomerSegmenter) -> pd.DataFrame:
    """Each segment's mean of every clustering feature divided by the overall mean, written
    "0.65x" (1.00x = the average customer), rows named by segment.

    The ratios are text so that a report never writes a price *ratio* as money.
    """
    seg = _fitted(segmenter, "ratio_table")
    r = seg.description_.ratios[seg.features_].rename(index=seg.segment_names_)
    out = r.apply(lambda col: col.map(lambda v: "–" if pd.isna(v) else f"{v:,.2f}x"))
    out.index.name = "segment"
    return out


def planted_names(agreement: LabelAgreement) -> pd.DataFrame:
    """Each planted (reference) group, the found segment most of it lands in and that share.

    Returns a DataFrame indexed by the reference label: ``n_customers``, ``found_segment`` (the
    found label holding most of the group), ``share_in_it`` (0-1).

    >>> a = LabelAgreement(ari=1.0, n_customers=4,
    ...     table=pd.DataFrame({"x": [2, 0], "y": [0, 2]}, index=["p", "q"]),
    ...     shares=pd.DataFrame({"x": [1.0, 0.0], "y": [0.0, 1.0]}, index=["p", "q"]))
    >>> planted_names(a)["found_segment"].tolist()
    ['x', 'y']
    """
    if not isinstance(agreement, LabelAgreement):
        raise ParameterError(f"planted_names expects a LabelAgreement (planted_vs_found). Got "
                             f"{type(agreement).__name__}.")
    t = agreement.table
    out = pd.DataFrame({"n_customers": t.sum(axis=1).astype(int),
                        "found_segment": t.idxmax(axis=1).astype(str),
                        "share_in_it": agreement.shares.max(axis=1)})
    out.index.name = t.index.name or "planted"
    return out


#: Meaning of the membership list's fixed columns (the feature columns are added per fit).
MEMBERSHIP_COLUMNS = {
    "customer_id": "customer identifier (text, as in the data)",
    "segment": "segment number (0 = the largest segment; -1 = no segment, noise)",
    "segment_name": "readable segment name from the naming rule (see the report)",
}

_FEATURE_MEANING = {
    "n_orders": "orders placed before the cutoff",
    "basket_size_mean": "mean distinct products (lines) per order",
    "units_per_line": "units per order line (quantity / lines)",
    "mean_unit_price": "mean price paid per unit (spend / units)",
    "monetary_total": "total spend before the cutoff",
    "recency_days": "days from the last purchase to the cutoff",
    "tenure_days": "days from the first purchase to the cutoff",
}


def membership_list(segmenter: CustomerSegmenter, X: pd.DataFrame, *,
                    currency: str = "EUR") -> tuple[pd.DataFrame, dict[str, str]]:
    """The segment membership list a team acts on, and the meaning of each of its columns.

    Parameters
    ----------
    segmenter : CustomerSegmenter
        Fitted on ``X``.
    X : DataFrame
        Its customer table (indexed by ``customer_id``).
    currency : str, default "EUR"
        Named in the meaning of the money columns.

    Returns
    -------
    (DataFrame, dict)
        The list indexed by ``customer_id`` (as text): ``segment``, ``segment_name``, the
        clustering features, ``monetary_total`` and ``recency_days`` (when present), by segment
        and decreasing spend; and column -> meaning for every column including the index (the
        ``columns`` of a :class:`mining.actions.ActionList`).
    """
    seg = _fitted(segmenter, "membership_list")
    extra = [c for c in ("monetary_total", "recency_days") if c in X.columns
             and c not in seg.features_]
    from mining.segment._features import derive_features

    table = derive_features(X)
    out = pd.DataFrame({"segment": seg.labels_, "segment_name": seg.named_labels()})
    cols = [c for c in [*seg.features_, *extra] if c in table.columns]
    out = out.join(table[cols])
    out.index = out.index.astype(str)
    out.index.name = "customer_id"
    sort = ["segment"] + (["monetary_total"] if "monetary_total" in out else [])
    out = out.sort_values(sort, ascending=[True] + [False] * (len(sort) - 1))
    meaning = dict(MEMBERSHIP_COLUMNS)
    for c in cols:
        text = _FEATURE_MEANING.get(c, f"customer feature {c} (clustering input)"
                                    if c in seg.features_ else f"customer feature {c}")
        if c in ("monetary_total", "mean_unit_price"):
            text += f" ({currency})"
        meaning[c] = text + (" - clustered on" if c in seg.features_ else "")
    return out, meaning


def _ari_text(x: float) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.2f}"


def findings(segmenter: CustomerSegmenter, *, stability: Stability | None = None,
             agreement: LabelAgreement | None = None, other_name: str = "another algorithm",
             planted: LabelAgreement | None = None, silhouettes: pd.DataFrame | None = None,
             currency: str = "EUR") -> Findings:
    """The key findings of a segmentation: headline figures, a verdict and what to do.

    Parameters
    ----------
    segmenter : CustomerSegmenter
        The fitted segmentation (its profile gives sizes and revenue shares).
    stability : Stability, optional
        :func:`~mining.segment.stability` of it: segments count as real from a mean ARI of
        ``STABLE_ARI`` (0.75).
    agreement : LabelAgreement, optional
        :func:`~mining.segment.label_agreement` with another algorithm at the same k
        (``other_name``); it confirms the segments from an ARI of ``AGREE_ARI`` (0.6).
    other_name : str
        Name of that algorithm in the sentences.
    planted : LabelAgreement, optional
        :func:`~mining.segment.planted_vs_found` (demo data only): stated in the details.
    silhouettes : DataFrame, optional
        :func:`silhouette_by_segment`: the weakest segment is named in the details.
    currency : str, default "EUR"

    Returns
    -------
    Findings
        Headline: segments, the revenue share of the most valuable segment and its share of
        customers, the stability and the agreement (or, without them, the rules' fidelity).
        Verdict: the segments are real (stable, and confirmed when an agreement is given) or
        not; the recommendation follows.
    """
    seg = _fitted(segmenter, "findings")
    profile = seg.profile_.drop(index=NOISE, errors="ignore")
    k = len(profile)
    has_revenue = profile["share_revenue"].notna().any()
    top = profile["share_revenue"].idxmax() if has_revenue else profile["n_customers"].idxmax()
    top_name = profile.loc[top, "name"]
    top_cust = float(profile.loc[top, "share_customers"])
    headline = [Headline("Segments found", k, "count", "segment profile table")]
    if has_revenue:
        top_rev = float(profile.loc[top, "share_revenue"])
        headline.append(Headline(f"Revenue from '{top_name}'", top_rev, "percent",
                                 "segment profile table (share_revenue)"))
    headline.append(Headline(f"Customers in '{top_name}'", top_cust, "percent",
                             "segment profile table (share_customers)"))
    if stability is not None:
        headline.append(Headline("Stability under resampling (ARI, 1 = same segments)",
                                 stability.mean_ari, "number", "bootstrap stability figure"))
    if agreement is not None:
        headline.append(Headline(f"Agreement with {other_name} (ARI)", agreement.ari, "number",
                                 "table of the comparison with another algorithm"))
    if stability is None and agreement is None:
        headline.append(Headline("Memberships the description rules reproduce", seg.fidelity_,
                                 "percent", "description rules table"))

    stable = stability is None or stability.mean_ari >= STABLE_ARI
    confirmed = agreement is None or (not math.isnan(agreement.ari)
                                      and agreement.ari >= AGREE_ARI)
    share_txt = (f"'{top_name}' ({top_cust:.0%} of customers) brings "
                 f"{float(profile.loc[top, 'share_revenue']):.0%} of revenue" if has_revenue
                 else f"the largest segment is '{top_name}' ({top_cust:.0%} of customers)")
    evidence = []
    if stability is not None:
        evidence.append(f"come back when the customers are resampled (ARI "
                        f"{stability.mean_ari:.2f}, {stability.verdict})")
    if agreement is not None:
        evidence.append(f"{other_name} finds much the same groups (ARI {agreement.ari:.2f})")
    if stable and confirmed:
        verdict = (f"{k} distinct segments" + (f" that {' and '.join(evidence)}" if evidence
                                               else "") + f"; {share_txt}.")
        per_customer = (profile["share_revenue"] / profile["share_customers"]) if has_revenue \
            else None
        low = per_customer.idxmin() if per_customer is not None else None
        recommendation = (f"Give each segment its own treatment: keep and reward '{top_name}'"
                          + (f", and serve '{profile.loc[low, 'name']}' cheaply or develop it"
                             if low is not None and low != top else "") + ".")
    elif not stable:
        verdict = (f"The {k} segments are not stable: resampling the customers gives other "
                   f"groups (ARI {stability.mean_ari:.2f}, {stability.verdict}), so they may "
                   f"be an accident of this sample; {share_txt}.")
        recommendation = ("Do not plan separate treatments on these segments yet: try another "
                          "k or other features and check the stability again.")
    else:
        verdict = (f"The {k} segments are stable under resampling, but {other_name} groups the "
                   f"customers differently (ARI {agreement.ari:.2f}): the boundaries depend on "
                   f"the method; {share_txt}.")
        recommendation = ("Use the segments for broad treatments only, and compare the "
                          "algorithms' tables before drawing sharp lines between groups.")

    details = []
    if seg.k_selection_ is not None:
        sel = seg.k_selection_
        sil = sel.table.loc[sel.k, "silhouette"]
        details.append(f"k = {sel.k} was chosen from {min(sel.table.index)}-"
                       f"{max(sel.table.index)} by the {sel.rule.split(':')[0]} "
                       f"(silhouette {_ari_text(float(sil))} at k = {sel.k}).")
    elif seg.algorithm == "hdbscan":
        noise = int((seg.labels_ == NOISE).sum())
        details.append(f"hdbscan found k = {k} itself and left {noise:,} customers "
                       f"({noise / len(seg.labels_):.0%}) in no segment (noise).")
    else:
        details.append(f"k = {k} was fixed (not chosen from a range).")
    details.append(f"The description rules reproduce {seg.fidelity_:.0%} of the memberships.")
    if agreement is not None:
        details.append(f"{other_name} with the same k against {seg.algorithm}: ARI "
                       f"{agreement.ari:.2f} over {agreement.n_customers:,} customers "
                       f"({'confirms' if confirmed else 'does not confirm'} the segments; "
                       f"confirmation needs {AGREE_ARI}).")
    if silhouettes is not None and len(silhouettes):
        by = silhouettes.groupby("segment_name")["silhouette"].mean().sort_values()
        details.append(f"Weakest segment by silhouette: '{by.index[0]}' (mean {by.iloc[0]:.2f}; "
                       f"best '{by.index[-1]}' {by.iloc[-1]:.2f}); below 0 a customer sits "
                       "closer to another segment.")
    if planted is not None:
        names = planted_names(planted)
        pairs = "; ".join(f"{g} -> '{r.found_segment}' ({r.share_in_it:.0%})"
                          for g, r in names.iterrows())
        details.append(f"Planted vs found (demo truth): ARI {planted.ari:.3f} over "
                       f"{planted.n_customers:,} customers; {pairs}.")
    return Findings(title="Customer segments", headline=headline[:5], verdict=verdict,
                    recommendation=recommendation, details=details, currency=currency)
