"""Customer value: RFM scores and segments, ABC/Pareto classes, heuristic CLV, the CLV matrix.

All functions take the customer feature table of :func:`mining.features.customer_table`
(indexed by ``customer_id``) and return tables indexed by ``customer_id`` or, for summaries,
by segment or class.

RFM (RFM 分析)
    :func:`rfm_scores` scores recency, frequency (``n_orders``) and monetary value
    (``monetary_total``) in quantiles and names each customer's segment with the widely used
    11-segment map (rule in :func:`rfm_scores`); :func:`rfm_segment_summary` sizes the segments
    and suggests an action for each.
ABC / Pareto (ABC 分类法)
    :func:`abc_classes` ranks customers by revenue and cuts the cumulative revenue share;
    :func:`pareto_curve` and :func:`pareto_share` give the concentration curve (the 80/20 rule).
Customer lifetime value (客户终身价值)
    :func:`customer_lifetime_value` is a transparent heuristic: CLV = current value (profit
    already earned) + future value (past order rate and order value, damped by a probability of
    still being active and discounted monthly). A probabilistic
    (BG/NBD + Gamma-Gamma) version is in :mod:`mining.clv` (notebook 07).
CLV matrix (客户终身价值矩阵)
    :func:`clv_matrix` crosses current value with future value: lead 铅质, iron 铁质, gold 黄金,
    platinum 白金; :func:`clv_matrix_summary` sizes the four classes with a treatment for each.

Results are DataFrames; what a later step needs to read them (the ABC cutoffs, the CLV-matrix
splits) is in documented columns, not in ``DataFrame.attrs`` (which pandas drops in many
operations).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np
import pandas as pd

from mining.errors import InsufficientDataError, ParameterError, SchemaError, check_param
from mining.params import check_as_of

__all__ = [
    "ACTION_COLUMNS",
    "CLV_CLASSES",
    "CLV_CLASS_NAMES_ZH",
    "CLV_TREATMENTS",
    "RFM_ACTIONS",
    "RFM_SEGMENTS",
    "abc_classes",
    "abc_summary",
    "clv_matrix",
    "clv_matrix_splits",
    "clv_matrix_summary",
    "customer_actions",
    "customer_lifetime_value",
    "findings",
    "pareto_curve",
    "pareto_share",
    "rfm_score_to_segment",
    "rfm_scores",
    "rfm_segment_summary",
    "segments_evidence",
]

#: The 11 RFM segments, from best to worst.
RFM_SEGMENTS: tuple[str, ...] = (
    "champions",
    "loyal",
    "potential_loyalist",
    "new_customers",
    "promising",
    "need_attention",
    "about_to_sleep",
    "at_risk",
    "cannot_lose_them",
    "hibernating",
    "lost",
)

#: A short recommended action per RFM segment.
RFM_ACTIONS: dict[str, str] = {
    "champions": "Reward them; ask for reviews and referrals; early access to new products.",
    "loyal": "Upsell higher-value products; loyalty programme; ask for feedback.",
    "potential_loyalist": "Offer membership or loyalty programme; recommend related products.",
    "new_customers": "Onboard well; make the second purchase easy; build the relationship early.",
    "promising": "Build brand awareness; free trials or small incentives to buy again.",
    "need_attention": "Limited-time offers based on past purchases; reactivate before they slip.",
    "about_to_sleep": "Share popular products and discounts; reconnect before they are lost.",
    "at_risk": "Personalised win-back messages and offers; find out what went wrong.",
    "cannot_lose_them": "Win them back at almost any cost: personal contact, best offers.",
    "hibernating": "Offer relevant products and special discounts; keep contact cheap.",
    "lost": "Revive with a low-cost campaign, otherwise stop spending on them.",
}

#: The four classes of the CLV matrix, in (value, growth) order: (low, low), (low, high),
#: (high, low), (high, high).
CLV_CLASSES: tuple[str, ...] = ("lead", "iron", "gold", "platinum")
CLV_CLASS_NAMES_ZH: dict[str, str] = {
    "lead": "铅质客户",
    "iron": "铁质客户",
    "gold": "黄金客户",
    "platinum": "白金客户",
}
#: The textbook treatment per CLV-matrix class.
CLV_TREATMENTS: dict[str, str] = {
    "lead": "Low value, low potential: invest little; serve at low cost or let go.",
    "iron": "Low value now, high potential: develop them (cross- and up-selling).",
    "gold": "High value now, low potential: keep them; maintain service, defend share of wallet.",
    "platinum": "High value, high potential: the key customers; keep them at all cost.",
}

_MONTH_DAYS = 365.25 / 12.0


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _check_frame(obj: object, owner: str, what: str = "customer feature table") -> pd.DataFrame:
    if not isinstance(obj, pd.DataFrame):
        raise ParameterError(
            f"{owner} expects the {what} as a pandas DataFrame indexed by customer_id "
            f"(from mining.features.customer_table). Got {type(obj).__name__} instead."
        )
    return obj


def _need(df: pd.DataFrame, columns: Sequence[str], owner: str,
          what: str = "customer feature") -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise SchemaError([f"column {c!r} is missing (needed by {owner})" for c in missing],
                          what=what)


def _numeric(df: pd.DataFrame, columns: Sequence[str], owner: str,
             what: str = "customer feature") -> None:
    problems = []
    for c in columns:
        s = df[c]
        if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            problems.append(f"column {c!r} must be numeric (got {s.dtype})")
        elif s.isna().any():
            problems.append(f"column {c!r} has {int(s.isna().sum())} missing values "
                            f"(e.g. customer {s.index[s.isna()][0]!r}); {owner} needs all")
    if problems:
        raise SchemaError(problems, what=what)


def _customer_index(df: pd.DataFrame) -> pd.Index:
    idx = df.index.astype("string")
    idx.name = "customer_id"
    return idx


# --------------------------------------------------------------------------------------------
# RFM
# --------------------------------------------------------------------------------------------


def rfm_score_to_segment(r: float, fm: float, *, bins: int = 5) -> str:
    """Name of the RFM segment for an R score and an FM score (mean of F and M).

    Scores are on ``1..bins``; they are first rescaled to ``1..5`` by
    ``s5 = 1 + (s - 1) * 4 / (bins - 1)``. The rescaled R is rounded half up to a row 1..5 and the
    rescaled FM falls into a band; the segment is read from this grid:

    =====  ==============  ==================  ==========  ================
    R      FM < 2          2 <= FM < 3         3 <= FM < 4  FM >= 4
    =====  ==============  ==================  ==========  ================
    5      new_customers   potential_loyalist  loyal       champions
    4      promising       potential_loyalist  loyal       champions
    3      about_to_sleep  need_attention      loyal       loyal
    2      hibernating     about_to_sleep      at_risk     cannot_lose_them
    1      lost            hibernating         at_risk     cannot_lose_them
    =====  ==============  ==================  ==========  ================

    >>> rfm_score_to_segment(5, 5), rfm_score_to_segment(1, 4.5), rfm_score_to_segment(3, 1)
    ('champions', 'cannot_lose_them', 'about_to_sleep')
    """
    return str(_segment_array(np.array([r], float), np.array([fm], float), bins)[0])


_GRID = np.array([
    # FM band: <2, [2,3), [3,4), >=4
    ["lost", "hibernating", "at_risk", "cannot_lose_them"],                 # R = 1
    ["hibernating", "about_to_sleep", "at_risk", "cannot_lose_them"],       # R = 2
    ["about_to_sleep", "need_attention", "loyal", "loyal"],                 # R = 3
    ["promising", "potential_loyalist", "loyal", "champions"],              # R = 4
    ["new_customers", "potential_loyalist", "loyal", "champions"],          # R = 5
], dtype=object)


def _segment_array(r: np.ndarray, fm: np.ndarray, bins: int) -> np.ndarray:
    scale = 4.0 / (bins - 1)
    r5 = 1.0 + (r - 1.0) * scale
    fm5 = 1.0 + (fm - 1.0) * scale
    eps = 1e-9  # guards the half-up rounding and band edges against float noise
    row = np.clip(np.floor(r5 + 0.5 + eps).astype(int), 1, 5) - 1
    col = np.clip(np.floor(fm5 + eps).astype(int), 1, 4) - 1
    return _GRID[row, col]


def rfm_scores(features: pd.DataFrame, *, bins: int = 5) -> pd.DataFrame:
    """RFM quantile scores and the named RFM segment of every customer.

    Each of recency (``recency_days``), frequency (``n_orders``) and monetary value
    (``monetary_total``) is ranked with ``rank(method="first")`` (ties broken by row order, so
    equal values never make quantile edges collide) and cut with ``pd.qcut`` into ``bins``
    equal-count groups scored ``1..bins``. A *lower* recency earns a *higher* R score; more
    orders and more spend earn higher F and M scores.

    The segment follows the widely used 11-segment RFM map on the R score and
    ``FM = (F + M) / 2``; see :func:`rfm_score_to_segment` for the grid. With ``bins != 5`` the
    scores are rescaled to ``1..5`` before the grid is read.

    Parameters
    ----------
    features : DataFrame
        Customer table indexed by ``customer_id`` with ``recency_days``, ``n_orders``,
        ``monetary_total``.
    bins : int
        Number of score levels (>= 2); needs at least ``bins`` customers.

    Returns
    -------
    DataFrame indexed by ``customer_id``: ``recency_days``, ``n_orders``, ``monetary_total``,
    ``r_score``, ``f_score``, ``m_score`` (int 1..bins), ``rfm_code`` (e.g. ``"545"``; scores
    joined with ``-`` when ``bins > 9``), ``rfm_score`` (R + F + M), ``fm_score`` ((F + M) / 2)
    and ``rfm_segment`` (categorical over :data:`RFM_SEGMENTS`). Every score level ``1..bins``
    is used, so ``bins`` is the highest ``r_score`` of the table.

    Examples
    --------
    >>> X = pd.DataFrame({"recency_days": [5.0, 50, 500], "n_orders": [9, 3, 1],
    ...                   "monetary_total": [900.0, 200, 10]},
    ...                  index=pd.Index(["a", "b", "c"], name="customer_id"))
    >>> rfm_scores(X, bins=3)[["rfm_code", "rfm_segment"]]  # doctest: +NORMALIZE_WHITESPACE
                rfm_code rfm_segment
    customer_id
    a                333   champions
    b                222   loyal
    c                111   lost
    """
    owner = "rfm_scores"
    features = _check_frame(features, owner)
    cols = ["recency_days", "n_orders", "monetary_total"]
    _need(features, cols, owner)
    _numeric(features, cols, owner)
    check_param(isinstance(bins, numbers.Integral) and not isinstance(bins, bool) and bins >= 2,
                "bins", owner, "an int >= 2", bins)
    bins = int(bins)
    if len(features) < bins:
        raise InsufficientDataError(
            f"{owner}: {len(features)} customers cannot fill {bins} quantile bins; "
            f"pass a smaller bins= or more customers."
        )
    out = features[cols].copy()
    out.index = _customer_index(features)

    def score(s: pd.Series, ascending: bool) -> np.ndarray:
        ranks = s.rank(method="first", ascending=ascending)
        return pd.qcut(ranks, bins, labels=False).to_numpy().astype("int64") + 1

    out["r_score"] = score(out["recency_days"], ascending=False)
    out["f_score"] = score(out["n_orders"], ascending=True)
    out["m_score"] = score(out["monetary_total"], ascending=True)
    sep = "" if bins <= 9 else "-"
    out["rfm_code"] = (out["r_score"].astype(str) + sep + out["f_score"].astype(str) + sep
                       + out["m_score"].astype(str))
    out["rfm_score"] = out["r_score"] + out["f_score"] + out["m_score"]
    out["fm_score"] = (out["f_score"] + out["m_score"]) / 2.0
    seg = _segment_array(out["r_score"].to_numpy(float), out["fm_score"].to_numpy(float), bins)
    out["rfm_segment"] = pd.Categorical(seg, categories=list(RFM_SEGMENTS))
    return out


def rfm_segment_summary(rfm: pd.DataFrame) -> pd.DataFrame:
    """Size, behaviour and revenue of each RFM segment, with a recommended action.

    Parameters
    ----------
    rfm : DataFrame
        The output of :func:`rfm_scores` (``rfm_segment``, ``recency_days``, ``n_orders``,
        ``monetary_total``).

    Returns
    -------
    DataFrame indexed by ``rfm_segment`` (segments with customers, in :data:`RFM_SEGMENTS`
    order): ``customers``, ``share`` (of customers), ``recency_days_mean``, ``n_orders_mean``,
    ``monetary_mean``, ``revenue`` (sum of ``monetary_total``), ``revenue_share`` and
    ``action`` (text from :data:`RFM_ACTIONS`).
    """
    owner = "rfm_segment_summary"
    rfm = _check_frame(rfm, owner, "RFM table (from rfm_scores)")
    _need(rfm, ["rfm_segment", "recency_days", "n_orders", "monetary_total"], owner,
          what="RFM")
    seg = rfm["rfm_segment"].astype(str)
    g = rfm.groupby(seg, sort=False)
    out = pd.DataFrame({
        "customers": g.size().astype("int64"),
        "recency_days_mean": g["recency_days"].mean(),
        "n_orders_mean": g["n_orders"].mean(),
        "monetary_mean": g["monetary_total"].mean(),
        "revenue": g["monetary_total"].sum(),
    })
    order = [s for s in RFM_SEGMENTS if s in out.index]
    order += sorted(s for s in out.index if s not in RFM_SEGMENTS)
    out = out.loc[order]
    out.index.name = "rfm_segment"
    out.insert(1, "share", out["customers"] / out["customers"].sum())
    total = out["revenue"].sum()
    out["revenue_share"] = out["revenue"] / total if total > 0 else np.nan
    out["action"] = [RFM_ACTIONS.get(s, "") for s in out.index]
    return out


# --------------------------------------------------------------------------------------------
# ABC / Pareto
# --------------------------------------------------------------------------------------------


def _revenue(features: pd.DataFrame, column: str, owner: str) -> pd.Series:
    features = _check_frame(features, owner)
    check_param(isinstance(column, str), "column", owner, "a column name (str)", column)
    _need(features, [column], owner)
    _numeric(features, [column], owner)
    rev = pd.Series(features[column].to_numpy(dtype="float64"), index=_customer_index(features),
                    name="revenue")
    if (rev < 0).any():
        raise SchemaError([f"column {column!r} has {int((rev < 0).sum())} negative values; "
                           f"{owner} ranks non-negative revenue"], what="customer feature")
    if len(rev) == 0 or rev.sum() <= 0:
        raise InsufficientDataError(
            f"{owner}: the customers' total {column} is 0 (or there are no customers); "
            "revenue shares are undefined."
        )
    return rev


def _ranked(rev: pd.Series) -> pd.Series:
    """Revenue sorted high to low; ties in customer_id order (deterministic)."""
    frame = pd.DataFrame({"revenue": rev.to_numpy(), "cid": rev.index.to_numpy()})
    frame = frame.sort_values(["revenue", "cid"], ascending=[False, True], kind="mergesort")
    return pd.Series(frame["revenue"].to_numpy(), index=rev.index[frame.index.to_numpy()],
                     name="revenue")


def abc_classes(
    features: pd.DataFrame,
    *,
    cutoffs: Sequence[float] = (0.8, 0.95),
    column: str = "monetary_total",
) -> pd.DataFrame:
    """ABC classes of customers by cumulative revenue share (ABC 分类法).

    Customers are ranked by ``column`` (high to low; ties by ``customer_id``). A customer is in
    class A when the revenue share of the customers ranked *above* them is below
    ``cutoffs[0]``, so the customer who crosses the cutoff is still A and class A always holds
    at least ``cutoffs[0]`` of revenue; B likewise up to ``cutoffs[1]``; C the rest. More
    cutoffs give more classes (D, E, ...).

    Parameters
    ----------
    features : DataFrame
        Customer table indexed by ``customer_id``.
    cutoffs : sequence of float
        Strictly increasing cumulative revenue shares in (0, 1].
    column : str
        The value column (non-negative), by default ``monetary_total``.

    Returns
    -------
    DataFrame indexed by ``customer_id`` in rank order: ``revenue``, ``rank`` (1 = highest),
    ``cum_share_revenue`` (including this customer), ``cum_share_customers`` (``rank / n``),
    ``abc_class`` (``"A"``, ``"B"``, ``"C"``, ...) and ``class_limit`` (the cumulative revenue
    share that closes the customer's class: ``cutoffs[k]`` for the ``k``-th class, 1.0 for the
    last; so the cutoffs used travel with the rows, and :func:`mining.plots.plot_abc_classes`
    draws them).

    Examples
    --------
    >>> X = pd.DataFrame({"monetary_total": [60.0, 25, 10, 5]},
    ...                  index=pd.Index(list("abcd"), name="customer_id"))
    >>> abc_classes(X)["abc_class"].tolist()
    ['A', 'A', 'B', 'C']
    """
    owner = "abc_classes"
    try:
        cuts = [float(c) for c in cutoffs]
    except (TypeError, ValueError) as exc:
        raise ParameterError(
            f"The 'cutoffs' parameter of {owner} must be a sequence of increasing numbers in "
            f"(0, 1]. Got {cutoffs!r} instead."
        ) from exc
    check_param(len(cuts) >= 1 and all(0 < c <= 1 for c in cuts)
                and all(a < b for a, b in zip(cuts, cuts[1:], strict=False)),
                "cutoffs", owner, "a non-empty sequence of strictly increasing numbers in (0, 1]",
                cutoffs, "For example cutoffs=(0.8, 0.95).")
    check_param(len(cuts) <= 25, "cutoffs", owner, "at most 25 numbers", cutoffs)
    rev = _ranked(_revenue(features, column, owner))
    n = len(rev)
    total = rev.sum()
    cum = rev.cumsum().to_numpy() / total
    before = np.r_[0.0, cum[:-1]]
    letters = [chr(ord("A") + i) for i in range(len(cuts) + 1)]
    cls_idx = np.searchsorted(np.asarray(cuts), before + 1e-12, side="left")
    out = pd.DataFrame({
        "revenue": rev.to_numpy(),
        "rank": np.arange(1, n + 1, dtype="int64"),
        "cum_share_revenue": cum,
        "cum_share_customers": np.arange(1, n + 1) / n,
        "abc_class": np.asarray(letters, dtype=object)[cls_idx],
        "class_limit": np.asarray([*cuts, 1.0], dtype="float64")[cls_idx],
    }, index=rev.index)
    return out


def pareto_curve(features: pd.DataFrame, *, column: str = "monetary_total") -> pd.DataFrame:
    """The Pareto (concentration) curve: share of revenue held by the top share of customers.

    Returns
    -------
    DataFrame with ``n + 1`` rows and columns ``share_customers`` and ``share_revenue``, from
    (0, 0) to (1, 1): row ``k`` is the top ``k`` customers by ``column``.

    >>> X = pd.DataFrame({"monetary_total": [60.0, 30, 10]})
    >>> pareto_curve(X)["share_revenue"].round(2).tolist()
    [0.0, 0.6, 0.9, 1.0]
    """
    rev = _ranked(_revenue(features, column, "pareto_curve"))
    n = len(rev)
    return pd.DataFrame({
        "share_customers": np.arange(0, n + 1) / n,
        "share_revenue": np.r_[0.0, rev.cumsum().to_numpy() / rev.sum()],
    })


def pareto_share(features: pd.DataFrame, *, top: float = 0.2,
                 column: str = "monetary_total") -> float:
    """Share of revenue brought by the top ``top`` fraction of customers.

    Read off :func:`pareto_curve` by linear interpolation (so 20% of 7 customers counts 1.4 of
    them). The 80/20 rule says about 0.8 for ``top=0.2``.

    >>> X = pd.DataFrame({"monetary_total": [80.0, 5, 5, 5, 5]})
    >>> pareto_share(X, top=0.2)
    0.8
    """
    owner = "pareto_share"
    check_param(isinstance(top, numbers.Real) and not isinstance(top, bool) and 0 < top <= 1,
                "top", owner, "a number in (0, 1]", top)
    curve = pareto_curve(features, column=column)
    return float(np.interp(float(top), curve["share_customers"], curve["share_revenue"]))


# --------------------------------------------------------------------------------------------
# CLV
# --------------------------------------------------------------------------------------------


def customer_lifetime_value(
    features: pd.DataFrame,
    *,
    as_of: str | pd.Timestamp,
    horizon_months: int = 12,
    margin: float = 0.3,
    annual_discount_rate: float = 0.1,
    churn_halflife_days: float | None = None,
) -> pd.DataFrame:
    """Heuristic customer lifetime value: current annual profit and discounted future profit.

    This is the simple, transparent CLV heuristic; a probabilistic BG/NBD + Gamma-Gamma version
    is in :mod:`mining.clv`. For each customer (one month = 365.25 / 12 days):

    * ``tenure_months = max(tenure_days, one month) / one month`` (customers younger than a month
      count as one month, so nothing is extrapolated from a few days);
    * ``orders_per_month = n_orders / tenure_months``;
    * ``avg_order_value = monetary_total / n_orders``;
    * ``current_value = margin * monetary_total``: the profit already earned (current value,
      当前价值), as in :func:`mining.clv.lifetime_value`;
    * ``annual_profit = margin * monetary_total * 12 / tenure_months``: profit per year of
      tenure so far (what ``current_value`` held before 0.2);
    * ``gap_days`` = the customer's typical gap between orders: ``ipt_median_days`` when the
      table has it and it is > 0, else ``tenure_days / (n_orders - 1)`` for repeat customers;
      customers without one (a single order) get the median gap of those who have one, or the
      median ``tenure_days`` when nobody has one;
    * ``p_active = exp(-recency_days / gap_days)``, in (0, 1]: the chance that a customer buying
      at their own usual pace would have stayed silent this long. With ``churn_halflife_days``
      it is instead ``0.5 ** (recency_days / churn_halflife_days)`` for everyone;
    * ``expected_orders = orders_per_month * horizon_months * p_active``;
    * ``future_value = margin * avg_order_value * orders_per_month * p_active * A`` where
      ``A = sum_{t=1..horizon_months} (1 + d) ** -t`` and
      ``d = (1 + annual_discount_rate) ** (1 / 12) - 1`` (monthly discounting, profit at each
      month's end);
    * ``clv = current_value + future_value``: customer lifetime value as taught, the profit
      already earned plus the discounted profit still expected over ``horizon_months``.

    ``p_active`` is a rule of thumb, not a fitted model: it falls with the silence measured in
    the customer's *own* usual gap, so a one-order customer (no gap of their own) is judged by
    the median gap of the others. The BG/NBD / MBG/NBD ``p_alive`` of :mod:`mining.clv` is
    fitted to the whole shop and checked on a holdout; prefer it where notebook 07 runs (the
    two rank customers differently, see :func:`mining.clv.alive_check`).

    Parameters
    ----------
    features : DataFrame
        Customer table from :func:`mining.features.customer_table` computed as of ``as_of``
        (``recency_days``, ``tenure_days``, ``n_orders``, ``monetary_total``; optional
        ``ipt_median_days``, ``last_purchase``).
    as_of : str or Timestamp
        The date the values describe; must be the ``as_of`` the features were computed at
        (checked when the table has ``last_purchase``). Required.
    horizon_months : int
        Months of future profit to count (>= 1).
    margin : float
        Profit margin on revenue, in (0, 1].
    annual_discount_rate : float
        Yearly discount rate (>= 0), converted to a monthly rate.
    churn_halflife_days : float, optional
        When given (> 0), the days of silence after which half the customers are taken as gone.

    Returns
    -------
    DataFrame indexed by ``customer_id``: ``recency_days``, ``n_orders``, ``monetary_total``,
    ``tenure_months``, ``orders_per_month``, ``avg_order_value``, ``gap_days``,
    ``current_value``, ``annual_profit``, ``p_active``, ``expected_orders``, ``future_value``,
    ``clv`` (``current_value + future_value``). The
    settings are the caller's own arguments; the annuity factor ``A`` above is
    ``future_value / (margin * avg_order_value * orders_per_month * p_active)``.

    Examples
    --------
    >>> X = pd.DataFrame({"recency_days": [0.0], "tenure_days": [365.25], "n_orders": [12],
    ...                   "monetary_total": [1200.0]}, index=pd.Index(["a"], name="customer_id"))
    >>> v = customer_lifetime_value(X, as_of="2024-01-01", annual_discount_rate=0.0)
    >>> v.loc["a", ["current_value", "p_active", "expected_orders", "future_value", "clv"]].tolist()
    [360.0, 1.0, 12.0, 360.0, 720.0]
    """
    owner = "customer_lifetime_value"
    features = _check_frame(features, owner)
    cols = ["recency_days", "tenure_days", "n_orders", "monetary_total"]
    _need(features, cols, owner)
    _numeric(features, cols, owner)
    when = check_as_of(as_of, owner)
    check_param(isinstance(horizon_months, numbers.Integral) and not isinstance(horizon_months, bool)
                and horizon_months >= 1, "horizon_months", owner, "an int >= 1 (months)",
                horizon_months)
    check_param(isinstance(margin, numbers.Real) and not isinstance(margin, bool)
                and 0 < margin <= 1, "margin", owner, "a number in (0, 1]", margin)
    check_param(isinstance(annual_discount_rate, numbers.Real)
                and not isinstance(annual_discount_rate, bool)
                and math.isfinite(annual_discount_rate) and annual_discount_rate >= 0,
                "annual_discount_rate", owner, "a finite number >= 0 (e.g. 0.1 for 10%)",
                annual_discount_rate)
    check_param(churn_halflife_days is None
                or (isinstance(churn_halflife_days, numbers.Real)
                    and not isinstance(churn_halflife_days, bool)
                    and math.isfinite(churn_halflife_days) and churn_halflife_days > 0),
                "churn_halflife_days", owner, "None or a positive number of days",
                churn_halflife_days)
    if len(features) == 0:
        raise InsufficientDataError(f"{owner}: the feature table has no customers.")
    if (features["n_orders"] < 1).any():
        raise SchemaError([f"column 'n_orders' must be >= 1 for every customer ({owner})"],
                          what="customer feature")
    if "last_purchase" in features.columns:
        implied = (pd.to_datetime(features["last_purchase"])
                   + pd.to_timedelta(features["recency_days"], unit="D"))
        off = (implied - when).abs() > pd.Timedelta(seconds=1)
        if off.any():
            raise ParameterError(
                f"The 'as_of' parameter of {owner} must be the date the features were computed "
                f"at. Got {when} instead; the table's last_purchase + recency_days gives "
                f"{implied[off].iloc[0]}. Recompute the table with customer_table(tx, "
                f"as_of={str(when.date())!r}) or pass its as_of."
            )

    idx = _customer_index(features)
    recency = features["recency_days"].to_numpy(dtype="float64")
    tenure = features["tenure_days"].to_numpy(dtype="float64")
    n_orders = features["n_orders"].to_numpy(dtype="float64")
    money = features["monetary_total"].to_numpy(dtype="float64")

    tenure_months = np.maximum(tenure, _MONTH_DAYS) / _MONTH_DAYS
    rate = n_orders / tenure_months
    aov = money / n_orders
    current = margin * money
    annual = margin * money * 12.0 / tenure_months

    if "ipt_median_days" in features.columns:
        gap = pd.to_numeric(features["ipt_median_days"], errors="coerce").to_numpy(float)
    else:
        gap = np.full(len(features), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        alt = np.where(n_orders > 1, tenure / (n_orders - 1), np.nan)
    gap = np.where(np.isfinite(gap) & (gap > 0), gap, np.where(alt > 0, alt, np.nan))
    have = np.isfinite(gap)
    fill = float(np.median(gap[have])) if have.any() else float(max(np.median(tenure), 1.0))
    gap = np.where(have, gap, fill)

    if churn_halflife_days is None:
        p_active = np.exp(-np.maximum(recency, 0.0) / gap)
    else:
        p_active = 0.5 ** (np.maximum(recency, 0.0) / float(churn_halflife_days))
    p_active = np.clip(p_active, 0.0, 1.0)

    d = (1.0 + float(annual_discount_rate)) ** (1.0 / 12.0) - 1.0
    annuity = float(np.sum((1.0 + d) ** -np.arange(1, int(horizon_months) + 1, dtype=float)))
    future = margin * aov * rate * p_active * annuity

    out = pd.DataFrame({
        "recency_days": recency,
        "n_orders": features["n_orders"].to_numpy(),
        "monetary_total": money,
        "tenure_months": tenure_months,
        "orders_per_month": rate,
        "avg_order_value": aov,
        "gap_days": gap,
        "current_value": current,
        "annual_profit": annual,
        "p_active": p_active,
        "expected_orders": rate * int(horizon_months) * p_active,
        "future_value": future,
        "clv": current + future,
    }, index=idx)
    return out


def clv_matrix(
    clv: pd.DataFrame,
    *,
    value_col: str = "current_value",
    growth_col: str = "future_value",
    value_split: float | None = None,
    growth_split: float | None = None,
) -> pd.DataFrame:
    """The CLV matrix (客户终身价值矩阵): current value x growth potential, four classes.

    A customer's ``value_level`` is ``"high"`` when ``value_col`` is strictly above
    ``value_split`` (default: its median), else ``"low"``; ``growth_level`` likewise for
    ``growth_col``. The class follows the CRM textbook:

    ===========  ============  ==========  ==============================================
    value        growth        class       textbook name and treatment
    ===========  ============  ==========  ==============================================
    low          low           lead        铅质客户: invest little
    low          high          iron        铁质客户: potential; develop
    high         low           gold        黄金客户: keep
    high         high          platinum    白金客户: key customers; keep at all cost
    ===========  ============  ==========  ==============================================

    Parameters
    ----------
    clv : DataFrame
        Usually the output of :func:`customer_lifetime_value`, indexed by ``customer_id``.
    value_col, growth_col : str
        Columns for current value and growth potential.
    value_split, growth_split : float, optional
        Thresholds; the medians of the columns when None.

    Returns
    -------
    A copy of ``clv`` with ``value_level``, ``growth_level`` (``"low"``/``"high"``),
    ``value_split`` and ``growth_split`` (the thresholds used, on every row, so they survive
    filtering and concatenation), ``clv_class`` (categorical over :data:`CLV_CLASSES`) and
    ``clv_class_zh``. :func:`clv_matrix_summary` and :func:`mining.plots.plot_clv_matrix` take
    the same ``value_col`` / ``growth_col`` (checked against the levels).

    Examples
    --------
    >>> v = pd.DataFrame({"current_value": [1.0, 1, 9, 9], "future_value": [1.0, 9, 1, 9]},
    ...                  index=pd.Index(list("abcd"), name="customer_id"))
    >>> clv_matrix(v)["clv_class"].tolist()
    ['lead', 'iron', 'gold', 'platinum']
    """
    owner = "clv_matrix"
    clv = _check_frame(clv, owner, "CLV table (from customer_lifetime_value)")
    for name, col in (("value_col", value_col), ("growth_col", growth_col)):
        check_param(isinstance(col, str), name, owner, "a column name (str)", col)
    _need(clv, [value_col, growth_col], owner, what="CLV")
    _numeric(clv, [value_col, growth_col], owner, what="CLV")
    if len(clv) == 0:
        raise InsufficientDataError(f"{owner}: the CLV table has no customers.")
    for name, split in (("value_split", value_split), ("growth_split", growth_split)):
        check_param(split is None or (isinstance(split, numbers.Real)
                                      and not isinstance(split, bool) and math.isfinite(split)),
                    name, owner, "None (the median) or a finite number", split)
    v = clv[value_col].astype("float64")
    g = clv[growth_col].astype("float64")
    vs = float(v.median()) if value_split is None else float(value_split)
    gs = float(g.median()) if growth_split is None else float(growth_split)
    high_v = (v > vs).to_numpy()
    high_g = (g > gs).to_numpy()
    out = clv.copy()
    out.index = _customer_index(clv)
    out["value_level"] = np.where(high_v, "high", "low")
    out["growth_level"] = np.where(high_g, "high", "low")
    out["value_split"] = vs
    out["growth_split"] = gs
    cls = np.asarray(CLV_CLASSES, dtype=object)[2 * high_v.astype(int) + high_g.astype(int)]
    out["clv_class"] = pd.Categorical(cls, categories=list(CLV_CLASSES))
    out["clv_class_zh"] = [CLV_CLASS_NAMES_ZH[c] for c in cls]
    return out


def clv_matrix_splits(matrix: pd.DataFrame, *, value_col: str = "current_value",
                      growth_col: str = "future_value") -> tuple[float, float]:
    """The value and growth thresholds of a CLV matrix, checked against its columns.

    Reads ``value_split`` / ``growth_split`` of :func:`clv_matrix` (the medians of the columns
    for a table without them) and checks that ``value_col`` / ``growth_col`` are the columns the
    matrix was built from: ``value_level`` must be ``"high"`` exactly where ``value_col`` is
    above the split (likewise for growth).

    Returns
    -------
    (value_split, growth_split) : tuple of float

    Raises
    ------
    ParameterError
        The levels do not match the named columns (the matrix was built from other columns).

    >>> v = pd.DataFrame({"current_value": [1.0, 9], "future_value": [2.0, 4]})
    >>> clv_matrix_splits(clv_matrix(v, value_split=3))
    (3.0, 3.0)
    """
    owner = "clv_matrix_splits"
    matrix = _check_frame(matrix, owner, "CLV matrix (from clv_matrix)")
    for name, col in (("value_col", value_col), ("growth_col", growth_col)):
        check_param(isinstance(col, str), name, owner, "a column name (str)", col)
    _need(matrix, [value_col, growth_col], owner, what="CLV matrix")
    splits = []
    for col, split, level, name in ((value_col, "value_split", "value_level", "value_col"),
                                    (growth_col, "growth_split", "growth_level", "growth_col")):
        x = pd.to_numeric(matrix[col], errors="coerce").astype("float64")
        if split in matrix.columns and len(matrix):
            s = pd.to_numeric(matrix[split], errors="coerce").astype("float64")
            cut = float(s.iloc[0])
        else:
            s, cut = None, float(x.median()) if len(matrix) else float("nan")
        if s is not None and level in matrix.columns:
            high = (matrix[level].astype(str) == "high").to_numpy()
            if not np.array_equal(high, (x > s).to_numpy()):
                raise ParameterError(
                    f"The {name!r} parameter of {owner} must name the column the matrix was "
                    f"built from: {level} does not match {col!r} against {split}. Got {col!r} "
                    f"instead; pass the {name} given to clv_matrix."
                )
        splits.append(cut)
    return splits[0], splits[1]


def clv_matrix_summary(matrix: pd.DataFrame, *, value_col: str = "current_value",
                       growth_col: str = "future_value") -> pd.DataFrame:
    """Size and mean values of the four CLV-matrix classes, with the textbook treatment.

    Parameters
    ----------
    matrix : DataFrame
        The output of :func:`clv_matrix`.
    value_col, growth_col : str
        The columns the matrix was built from (as given to :func:`clv_matrix`; checked with
        :func:`clv_matrix_splits`).

    Returns
    -------
    DataFrame indexed by ``clv_class`` (all four, in :data:`CLV_CLASSES` order): ``name_zh``,
    ``customers``, ``share``, ``current_value_mean``, ``future_value_mean`` (means of the
    matrix's value and growth columns; NaN for an empty class) and ``treatment``.
    """
    owner = "clv_matrix_summary"
    matrix = _check_frame(matrix, owner, "CLV matrix (from clv_matrix)")
    _need(matrix, ["clv_class", value_col, growth_col], owner, what="CLV matrix")
    clv_matrix_splits(matrix, value_col=value_col, growth_col=growth_col)
    cls = pd.Categorical(matrix["clv_class"].astype(str), categories=list(CLV_CLASSES))
    g = matrix.groupby(cls, observed=False)
    n = g.size()
    out = pd.DataFrame({
        "name_zh": [CLV_CLASS_NAMES_ZH[c] for c in CLV_CLASSES],
        "customers": n.to_numpy().astype("int64"),
        "share": (n / max(len(matrix), 1)).to_numpy(),
        "current_value_mean": g[value_col].mean().to_numpy(),
        "future_value_mean": g[growth_col].mean().to_numpy(),
        "treatment": [CLV_TREATMENTS[c] for c in CLV_CLASSES],
    }, index=pd.Index(list(CLV_CLASSES), name="clv_class"))
    return out


from mining.value._findings import (  # noqa: E402 - after the shared helpers
    ACTION_COLUMNS,
    abc_summary,
    customer_actions,
    findings,
    segments_evidence,
)
