"""Robust statistics shared by every detector, the default cut, and reason codes in words.

Robust z-score of a value ``x`` in a reference sample ``s``::

    z = (x - median(s)) / scale(s)
    scale(s) = 1.4826 * MAD(s)                    (MAD = median absolute deviation from the median)
             = 1.2533 * mean |s - median(s)|      when the MAD is 0 (more than half the values equal)
             -> z = 0 for every value             when all values are equal (a constant feature)

Both factors make the scale equal the standard deviation for normal data, so "4 robust SD" reads
like "4 standard deviations" but is not pulled by the outliers themselves. ``|z|`` is capped at
:data:`Z_CAP`.

The default threshold (:func:`robust_cut`) needs no guess of the contamination rate: a score is
flagged when it lies more than ``k`` robust SDs above the median of all scores (``k = 3.5``, the
modified z-score rule of Iglewicz and Hoaglin, 1993).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

import numpy as np
import pandas as pd

from mining.errors import ParameterError, check_param

__all__ = [
    "DEFAULT_CUT",
    "Z_CAP",
    "flag_mask",
    "reason_text",
    "robust_cut",
    "robust_location_scale",
    "robust_zscores",
]

#: ``|z|`` above this is shown as this (a value 100 robust SD away is simply "extreme").
Z_CAP = 100.0
#: Robust SDs above the median score that the default threshold cuts at.
DEFAULT_CUT = 3.5
_MAD_K = 1.4826
_MEAN_AD_K = 1.2533


def robust_location_scale(values: Iterable[float] | np.ndarray) -> tuple[float, float]:
    """Median and robust scale (see the module docstring) of the finite values.

    Returns ``(nan, nan)`` for no finite value and a scale of 0 for a constant sample.

    >>> robust_location_scale([1.0, 2.0, 3.0, 4.0, 100.0])
    (3.0, 1.4826)
    >>> robust_location_scale([5.0, 5.0, 5.0, 6.0])
    (5.0, 0.3133...)
    """
    x = np.asarray(values, dtype="float64")
    x = x[np.isfinite(x)]
    if x.size == 0:
        return math.nan, math.nan
    med = float(np.median(x))
    dev = np.abs(x - med)
    mad = float(np.median(dev))
    if mad > 0:
        return med, _MAD_K * mad
    return med, _MEAN_AD_K * float(dev.mean())


def _z(x: np.ndarray, med: float, scale: float) -> np.ndarray:
    if not np.isfinite(scale) or scale <= 0:
        return np.where(np.isfinite(x), 0.0, np.nan)
    return np.clip((x - med) / scale, -Z_CAP, Z_CAP)


def robust_zscores(frame: pd.DataFrame, *, groups: pd.Series | None = None,
                   min_group_size: int = 30,
                   min_scale: float | dict[str, float] = 0.0) -> pd.DataFrame:
    """Robust z-score of every numeric column, against all rows or against each row's group.

    Parameters
    ----------
    frame : DataFrame
        Numeric columns. NaN stays NaN.
    groups : Series, optional
        Group label of each row (aligned on the index), e.g. a segment. Rows are then compared
        with the median and scale of their own group; rows whose group has fewer than
        ``min_group_size`` members, or no label, are compared with all rows.
    min_group_size : int
        Smallest group that is its own reference.
    min_scale : float or dict column -> float
        Floor of the robust scale (in the column's units). Needed for features where most rows
        share one value (e.g. "orders within 24 hours" is 1 for almost everyone): without a
        floor, the scale of such a column is tiny and the next value up looks extreme.

    Returns
    -------
    DataFrame like ``frame`` with z-scores in robust standard deviations, capped at ``±Z_CAP``.

    >>> f = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 100.0]})
    >>> robust_zscores(f)["x"].round(2).tolist()
    [-1.35, -0.67, 0.0, 0.67, 65.43]
    """
    floors = {c: float(min_scale.get(c, 0.0) if isinstance(min_scale, dict) else min_scale)
              for c in frame.columns}
    out = pd.DataFrame(index=frame.index, columns=frame.columns, dtype="float64")
    for col in frame.columns:
        x = frame[col].to_numpy(dtype="float64")
        med, scale = robust_location_scale(x)
        out[col] = _z(x, med, max(scale, floors[col]))
    if groups is None:
        return out
    g = groups.reindex(frame.index)
    for label, idx in g.groupby(g, observed=True).groups.items():
        if len(idx) < min_group_size:
            continue
        pos = frame.index.get_indexer(idx)
        for col in frame.columns:
            x = frame[col].to_numpy(dtype="float64")[pos]
            med, scale = robust_location_scale(x)
            out.iloc[pos, out.columns.get_loc(col)] = _z(x, med, max(scale, floors[col]))
        del label
    return out


def robust_cut(scores: pd.Series | np.ndarray, *, k: float = DEFAULT_CUT) -> float:
    """The default threshold: median of the scores + ``k`` robust SDs.

    Parameters
    ----------
    scores : Series or array
        Anomaly scores, higher = more unusual. NaN are ignored.
    k : float
        Robust SDs above the median (default 3.5).

    Returns
    -------
    float; scores strictly above it are flagged. For constant scores, ``+inf`` (nothing stands out).

    >>> robust_cut([0.0, 1.0, 2.0, 3.0, 50.0])
    7.1891
    """
    check_param(isinstance(k, numbers.Real) and not isinstance(k, bool) and k > 0, "k",
                "robust_cut", "a positive number", k)
    med, scale = robust_location_scale(np.asarray(scores, dtype="float64"))
    if not np.isfinite(med) or scale <= 0:
        return math.inf
    return med + float(k) * scale


def flag_mask(scores: pd.Series, *, contamination: float | None, top_n: int | None,
              owner: str, k: float = DEFAULT_CUT) -> tuple[pd.Series, float, str]:
    """Which scores are flagged, the threshold and the rule in words.

    Exactly one rule applies: ``top_n`` (the n highest), ``contamination`` (that share of the
    rows, rounded up, highest first) or, when both are None, :func:`robust_cut` with ``k``.
    Shared by every detector of :mod:`mining.deviation` (and usable on any score).

    Parameters
    ----------
    scores : Series
        Higher = more unusual; NaN is never flagged.
    contamination, top_n : float in (0, 0.5), int >= 0, or None
        At most one of them.
    owner : str
        The function named in error messages.
    k : float
        Robust SDs of the default cut.

    Returns
    -------
    (mask, threshold, rule) : bool Series like ``scores``, the lowest flagged score (``inf``
    when nothing is flagged; the cut itself for the robust rule) and the rule in words.

    >>> s = pd.Series([5.0, 1.0, 3.0, 2.0], index=list("abcd"))
    >>> mask, threshold, rule = flag_mask(s, contamination=None, top_n=2, owner="example")
    >>> mask[mask].index.tolist(), threshold, rule
    (['a', 'c'], 3.0, 'top 2 scores')
    """
    if top_n is not None and contamination is not None:
        raise ParameterError(
            f"{owner} takes either 'top_n' or 'contamination', not both. Got top_n={top_n!r} "
            f"and contamination={contamination!r}. Pass one, or neither for the robust cut."
        )
    s = scores.astype("float64")
    n = int(s.notna().sum())
    if top_n is not None:
        check_param(isinstance(top_n, numbers.Integral) and not isinstance(top_n, bool)
                    and top_n >= 0, "top_n", owner, "a non-negative integer", top_n)
        count = min(int(top_n), n)
        rule = f"top {count} scores"
    elif contamination is not None:
        check_param(isinstance(contamination, numbers.Real) and not isinstance(contamination, bool)
                    and 0 < contamination < 0.5, "contamination", owner,
                    "a float in (0, 0.5)", contamination,
                    "It is the share of rows to flag, e.g. 0.01 for 1%.")
        count = int(math.ceil(float(contamination) * n))
        rule = f"top {float(contamination):.2%} of scores ({count})"
    else:
        threshold = robust_cut(s, k=k)
        mask = (s > threshold).fillna(False)
        rule = f"score above median + {k:g} robust SD ({threshold:.3g})"
        return mask.astype(bool), threshold, rule
    if count == 0:
        return pd.Series(False, index=s.index), math.inf, rule
    order = s.fillna(-np.inf).sort_values(ascending=False, kind="stable")
    mask = pd.Series(False, index=s.index)
    mask.loc[order.index[:count]] = True
    return mask, float(order.iloc[count - 1]), rule


def _fmt(v: float) -> str:
    if not np.isfinite(v):
        return "n/a"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def reason_text(feature: str, value: float, typical: float, z: float, *,
                reference: str = "all customers") -> str:
    """One reason code in words.

    >>> reason_text("units_per_line", 14.0, 1.2, 25.3)
    'units_per_line 14.0 is 25.3 robust SD above all customers (typical 1.20)'
    """
    direction = "above" if z > 0 else "below"
    size = f">{Z_CAP:.0f}" if abs(z) >= Z_CAP else f"{abs(z):.1f}"
    return (f"{feature} {_fmt(value)} is {size} robust SD {direction} {reference} "
            f"(typical {_fmt(typical)})")
