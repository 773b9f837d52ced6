"""How two labellings of the same customers agree: found segments against planted ones (or
against another segmentation), and a segmentation's profile in plain sentences.

Used by the notebooks' "planted vs found" and "reading the result" sections, so that a notebook
only calls and shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from mining.errors import ParameterError

__all__ = ["LabelAgreement", "label_agreement", "planted_vs_found", "profile_in_words"]


@dataclass(frozen=True)
class LabelAgreement:
    """Agreement of two labellings of the same customers.

    Attributes
    ----------
    ari : float
        Adjusted Rand index over the customers labelled in both (1 = the same grouping whatever
        the label names, about 0 = unrelated; NaN with fewer than two such customers).
    n_customers : int
        Customers labelled in both (index in both, label not missing in either).
    table : DataFrame
        Counts: rows the reference labels, columns the found labels.
    shares : DataFrame
        ``table`` divided by its row sums: the share of each reference group in each found group.
    """

    ari: float
    n_customers: int
    table: pd.DataFrame
    shares: pd.DataFrame

    def __str__(self) -> str:
        return f"ARI {self.ari:.3f} over {self.n_customers:,} customers"


def label_agreement(reference: pd.Series, found: pd.Series, *, reference_name: str = "planted",
                    found_name: str | None = None) -> LabelAgreement:
    """Compare two labellings indexed by customer: adjusted Rand index and the cross table.

    Parameters
    ----------
    reference : Series
        Labels indexed by customer id (e.g. the demo's planted segments); missing labels and
        customers absent from ``found`` are left out.
    found : Series
        Labels indexed by customer id (e.g. ``segmenter.named_labels()`` or an RFM segment).
    reference_name : str, default "planted"
        Name of the table's rows.
    found_name : str, optional
        Name of the table's columns (default: the name of ``found``, else ``"found"``).

    Returns
    -------
    LabelAgreement

    Examples
    --------
    >>> import pandas as pd
    >>> planted = pd.Series(["a", "a", "b", "b", None], index=list("vwxyz"))
    >>> found = pd.Series([1, 1, 2, 2, 2], index=list("vwxyz"))
    >>> agreement = label_agreement(planted, found)
    >>> print(agreement)
    ARI 1.000 over 4 customers
    >>> agreement.table.to_dict("index")
    {'a': {1: 2, 2: 0}, 'b': {1: 0, 2: 2}}
    """
    for name, obj in (("reference", reference), ("found", found)):
        if not isinstance(obj, pd.Series):
            raise ParameterError(f"The {name!r} parameter of label_agreement must be a pandas "
                                 f"Series of labels indexed by customer id. Got "
                                 f"{type(obj).__name__} instead.")
    from sklearn.metrics import adjusted_rand_score

    ref = reference.reindex(found.index)
    known = ref.notna() & found.notna()
    ref = ref[known].rename(reference_name)
    got = found[known].rename(found_name or found.name or "found")
    ari = float(adjusted_rand_score(ref, got)) if known.sum() >= 2 else float("nan")
    table = pd.crosstab(ref, got)
    shares = pd.crosstab(ref, got, normalize="index")
    return LabelAgreement(ari=ari, n_customers=int(known.sum()), table=table, shares=shares)


def planted_vs_found(found: pd.Series, planted: pd.Series | None) -> LabelAgreement | None:
    """:func:`label_agreement` of found labels against the planted ones, None without a truth.

    Parameters
    ----------
    found : Series
        Found labels indexed by customer id.
    planted : Series or None
        Planted labels (``data.truth.segments`` on the demo); None for real data.

    Examples
    --------
    >>> import pandas as pd
    >>> found = pd.Series(["x", "y", "y"], index=[1, 2, 3], name="found")
    >>> planted_vs_found(found, pd.Series(["p", "q", "q"], index=[1, 2, 3])).ari
    1.0
    >>> planted_vs_found(found, None) is None
    True
    """
    if planted is None:
        return None
    return label_agreement(planted, found)


def profile_in_words(profile: pd.DataFrame) -> list[str]:
    """One sentence per segment of a segment profile, and a last one on the most valuable.

    Parameters
    ----------
    profile : DataFrame
        ``CustomerSegmenter.profile_`` (or ``describe_segments(...).profile``): columns ``name``,
        ``share_customers``, ``share_revenue`` and ``top_categories``, one row per segment.

    Returns
    -------
    list of str

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"name": ["big", "small"], "share_customers": [0.2, 0.8],
    ...                   "share_revenue": [0.7, 0.3], "top_categories": ["toys", ""]})
    >>> print("\\n".join(profile_in_words(p)))
    Segment 0 'big': 20% of customers, 70% of revenue; buys mostly toys
    Segment 1 'small': 80% of customers, 30% of revenue; buys mostly n/a
    <BLANKLINE>
    The most valuable segment is 'big': 20% of customers bring 70% of revenue.
    """
    lines = [f"Segment {s} '{row['name']}': {row['share_customers']:.0%} of customers, "
             f"{row['share_revenue']:.0%} of revenue; buys mostly {row['top_categories'] or 'n/a'}"
             for s, row in profile.iterrows()]
    top = profile["share_revenue"].idxmax()
    lines.append(f"\nThe most valuable segment is '{profile.loc[top, 'name']}': "
                 f"{profile.loc[top, 'share_customers']:.0%} of customers bring "
                 f"{profile.loc[top, 'share_revenue']:.0%} of revenue.")
    return lines
