"""The churn analysis for a business reader: findings, the call list to take away, the
campaign's profit curve and confusion matrix at the chosen cut, and a back-test on a period
whose outcome is known.

* :func:`findings` reads the model comparison (out of time, against the recency baseline) and
  the retention list into :class:`mining.findings.Findings`; :func:`baseline_verdict` is its
  model-vs-baseline sentence.
* :func:`retention_actions` / :func:`retention_columns`: the call list as saved (customer,
  contact yes/no, churn probability, value at risk, expected return, lifecycle stage).
* :func:`profit_curve`: expected campaign return against the share of customers contacted.
* :func:`confusion_at_cut` and :func:`campaign_backtest`: the contact rule applied at a past
  cutoff, where who churned is known.
* :func:`report_effort`: the cross-validation and importance sizes of a report (quick) or of a
  thorough study.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mining.churn._retention import retention_summary
from mining.errors import ParameterError, check_param
from mining.findings import Findings, Headline, format_value

__all__ = [
    "BASELINE",
    "Effort",
    "baseline_verdict",
    "campaign_backtest",
    "confusion_at_cut",
    "findings",
    "profit_curve",
    "report_effort",
    "retention_actions",
    "retention_columns",
    "scorecard",
]

#: The model every churn model must beat: logistic regression on recency alone.
BASELINE = "recency_baseline"


@dataclass(frozen=True)
class Effort:
    """How much checking a run does: ``cv_folds`` of the cross-validated comparison,
    ``importance_repeats`` shuffles per column and ``importance_rows`` test customers (an int,
    or 1.0 = all) of the permutation importance, and ``calibration_folds``, the ``cv`` of
    :func:`~mining.churn.calibrated_model` (copies of the model whose scores are mapped to
    probabilities). ``thorough`` says which setting it is."""

    thorough: bool
    cv_folds: int
    importance_repeats: int
    importance_rows: int | float
    calibration_folds: int = 3

    def __str__(self) -> str:
        rows = "all" if self.importance_rows == 1.0 else f"{self.importance_rows:,}"
        return (f"{'thorough' if self.thorough else 'report'} setting: {self.cv_folds}-fold "
                f"cross-validation; permutation importance with {self.importance_repeats} "
                f"shuffles per column on {rows} test customers; recalibration with "
                f"{self.calibration_folds} folds")


def report_effort(thorough: bool = False, *, cv_folds: int = 0) -> Effort:
    """The sizes of the slow checks: quick enough for a report, or thorough.

    The report setting (default) cross-validates with 2 folds, computes permutation
    importance with 2 shuffles per column on 1,000 test customers and recalibrates with 2
    folds (each copy of the model learns from half the customers); ``thorough=True`` uses 5
    folds, 5 shuffles on every test customer and 3 recalibration folds (several times slower;
    the ranking of models and columns rarely changes). ``cv_folds`` > 0 sets the folds of the
    comparison either way. The out-of-time check, which decides the best model, is the same in
    both. On the default demo 2 recalibration folds instead of 3 take about half the CPU time
    (1.0-1.4 s instead of 2.0-2.2 s for the two recalibrated forests of notebook 05); the
    calibrated probabilities move a little (out-of-time ROC AUC 0.892 instead of 0.891, Brier
    score 0.133 either way), and with them the contact list (1,582 customers instead of 1,543).

    >>> str(report_effort())
    'report setting: 2-fold cross-validation; permutation importance with 2 shuffles per column on 1,000 test customers; recalibration with 2 folds'
    >>> report_effort(True).cv_folds, report_effort(cv_folds=3).cv_folds
    (5, 3)
    >>> report_effort().calibration_folds, report_effort(True).calibration_folds
    (2, 3)
    """
    owner = "report_effort"
    check_param(isinstance(thorough, bool | np.bool_), "thorough", owner, "True or False",
                thorough)
    check_param(isinstance(cv_folds, numbers.Integral) and not isinstance(cv_folds, bool)
                and (cv_folds == 0 or cv_folds >= 2), "cv_folds", owner,
                "0 (by the setting) or an int >= 2", cv_folds)
    if thorough:
        return Effort(True, int(cv_folds) or 5, 5, 1.0, calibration_folds=3)
    return Effort(False, int(cv_folds) or 2, 2, 1000, calibration_folds=2)


def _auc_table(comparison: Any, owner: str) -> pd.DataFrame:
    table = getattr(comparison, "table", None)
    if not isinstance(table, pd.DataFrame) or "roc_auc" not in table.columns:
        raise ParameterError(
            f"{owner}: expected a ModelComparison (from out_of_time_validation or "
            f"compare_models) with a table holding roc_auc. Got {type(comparison).__name__}."
        )
    return table


def _challenger(table: pd.DataFrame) -> str | None:
    """The best model other than the baseline (None when the baseline is the only one)."""
    others = table.drop(index=BASELINE, errors="ignore")
    return str(others["roc_auc"].idxmax()) if len(others) else None


def baseline_verdict(comparison: Any, *, margin: float = 0.01, what: str = "") -> str:
    """One sentence: does the best model beat the recency baseline, and by how much (ROC AUC)?

    ``margin``: a gain in ROC AUC below it counts as a tie ("barely"); ``what`` names the
    comparison ("out of time", "cross-validated").

    >>> from types import SimpleNamespace
    >>> t = pd.DataFrame({"roc_auc": [0.85, 0.90]}, index=["recency_baseline", "forest"])
    >>> baseline_verdict(SimpleNamespace(table=t), what="out of time")
    'Out of time, forest beats the recency baseline: ROC AUC 0.900 vs 0.850 (+0.050).'
    >>> t = pd.DataFrame({"roc_auc": [0.85, 0.83]}, index=["recency_baseline", "forest"])
    >>> baseline_verdict(SimpleNamespace(table=t))
    'No model beats the recency baseline: its ROC AUC is 0.850, the best model (forest) scores 0.830 (-0.020).'
    """
    table = _auc_table(comparison, "baseline_verdict")
    best = _challenger(table)
    if best is None:
        body = f"only the recency baseline was run (ROC AUC {table.loc[BASELINE, 'roc_auc']:.3f})."
    elif BASELINE not in table.index:
        body = (f"the best model, {best}, has ROC AUC {float(table.loc[best, 'roc_auc']):.3f} "
                "(0.5 = chance); no recency baseline was run to compare with.")
    else:
        auc = float(table.loc[best, "roc_auc"])
        base = float(table.loc[BASELINE, "roc_auc"])
        gain = auc - base
        if gain >= margin:
            body = (f"{best} beats the recency baseline: ROC AUC {auc:.3f} vs {base:.3f} "
                    f"({gain:+.3f}).")
        elif gain > 0:
            body = (f"{best} barely beats the recency baseline: ROC AUC {auc:.3f} vs "
                    f"{base:.3f} ({gain:+.3f}, less than {margin:.2f}): days since the last "
                    "order carry the prediction.")
        else:
            body = (f"no model beats the recency baseline: its ROC AUC is {base:.3f}, the best "
                    f"model ({best}) scores {auc:.3f} ({gain:+.3f}).")
    if what:
        return f"{what[:1].upper()}{what[1:]}, {body}"
    return body if best is not None and body.startswith(best) else body[:1].upper() + body[1:]


def _beats(table: pd.DataFrame, margin: float) -> str:
    """'wins', 'ties' or 'loses' (the best model against the baseline); 'alone' without one."""
    best = _challenger(table)
    if best is None or BASELINE not in table.index:
        return "alone"
    gain = float(table.loc[best, "roc_auc"] - table.loc[BASELINE, "roc_auc"])
    return "wins" if gain >= margin else "ties" if gain > 0 else "loses"


def _need_retention(retention: Any, owner: str) -> pd.DataFrame:
    need = {"rank", "churn_probability", "value", "expected_loss", "expected_return",
            "cumulative_return", "contact"}
    if not isinstance(retention, pd.DataFrame) or not need <= set(retention.columns):
        raise ParameterError(
            f"The 'retention' parameter of {owner} must be the table of retention_list "
            f"(columns {sorted(need)}). Got {type(retention).__name__} instead."
        )
    return retention


def retention_columns(*, horizon_days: int = 90, currency: str = "EUR") -> dict[str, str]:
    """What each column of :func:`retention_actions` means (for ``ActionList(columns=...)``)."""
    return {
        "customer_id": "customer id (text)",
        "rank": "position on the list, ranked by expected loss (1 = largest)",
        "contact": "yes = contact in this campaign (expected saving exceeds the contact cost)",
        "churn_probability": f"probability of no order in the next {horizon_days} days "
                             "(recalibrated model, 0-1)",
        "value_at_risk": f"future value in {currency}: expected profit over the next 12 months "
                         "that is lost if the customer leaves",
        "expected_loss": f"churn probability x value at risk, in {currency}",
        "expected_return": f"expected net return of contacting the customer in {currency}: "
                           "success rate x expected loss - contact cost",
        "lifecycle_stage": "exploration, formation, stability or decline, at the scoring date",
    }


def retention_actions(retention: pd.DataFrame, stages: pd.DataFrame | pd.Series | None = None
                      ) -> pd.DataFrame:
    """The retention call list as a team takes it away: one row per customer, in list order,
    money rounded to cents and probabilities to 4 decimals.

    Columns (see :func:`retention_columns`): ``rank``, ``contact`` ("yes"/"no"),
    ``churn_probability``, ``value_at_risk`` (the ``value`` of :func:`retention_list`),
    ``expected_loss``, ``expected_return``, ``lifecycle_stage`` (from
    :func:`mining.lifecycle.lifecycle_stage`, "unknown" for customers without one).

    >>> from mining.churn import retention_list
    >>> rl = retention_list(pd.Series({"a": 0.9, "b": 0.2}), pd.Series({"a": 100.0, "b": 1000.0}),
    ...                     contact_cost=5.0, success_rate=0.2)
    >>> retention_actions(rl, pd.Series({"a": "decline"}))[["contact", "lifecycle_stage"]].values.tolist()
    [['yes', 'unknown'], ['yes', 'decline']]
    """
    owner = "retention_actions"
    rl = _need_retention(retention, owner)
    out = pd.DataFrame({
        "rank": rl["rank"].astype("int64"),
        "contact": np.where(rl["contact"].astype(bool), "yes", "no"),
        "churn_probability": rl["churn_probability"].astype(float).round(4),
        "value_at_risk": rl["value"].astype(float).round(2),
        "expected_loss": rl["expected_loss"].astype(float).round(2),
        "expected_return": rl["expected_return"].astype(float).round(2),
    }, index=rl.index)
    out.index.name = "customer_id"
    if stages is not None:
        st = stages["stage"] if isinstance(stages, pd.DataFrame) else stages
        if not isinstance(st, pd.Series):
            raise ParameterError(f"{owner}: stages must be the table of lifecycle_stage or a "
                                 f"Series of stages. Got {type(stages).__name__}.")
        st = st.astype(str)
        st.index = st.index.astype("string")
        out["lifecycle_stage"] = st.reindex(out.index.astype("string")).fillna("unknown").to_numpy()
    else:
        out["lifecycle_stage"] = "unknown"
    return out


def profit_curve(retention: pd.DataFrame, *, points: int = 200) -> pd.DataFrame:
    """Expected campaign return against the share of the list contacted (in list order).

    Returns at most ``points`` + 2 rows (always the start, the chosen cut and the end):
    ``n_contacted``, ``share_contacted``, ``campaign_return`` (expected net return of
    contacting the first ``n_contacted``), ``min_expected_loss`` (the expected loss of the last
    customer contacted: the threshold) and ``chosen`` (True at the recommended cut). The return
    peaks at the cut: every customer before it is expected to pay back the contact.

    >>> from mining.churn import retention_list
    >>> rl = retention_list(pd.Series({"a": 0.9, "b": 0.2, "c": 0.5}),
    ...                     pd.Series({"a": 100.0, "b": 1000.0, "c": 10.0}),
    ...                     contact_cost=5.0, success_rate=0.2)
    >>> profit_curve(rl)[["n_contacted", "campaign_return", "chosen"]].values.tolist()
    [[0, 0.0, False], [1, 35.0, False], [2, 48.0, True], [3, 44.0, False]]
    """
    owner = "profit_curve"
    rl = _need_retention(retention, owner)
    check_param(isinstance(points, numbers.Integral) and points >= 2, "points", owner,
                "an int >= 2", points)
    n = len(rl)
    k = int(rl["contact"].astype(bool).sum())
    picks = np.unique(np.r_[0, np.linspace(1, n, min(n, points)).round().astype(int), k, n])
    picks = picks[(picks >= 0) & (picks <= n)]
    cum = np.r_[0.0, rl["cumulative_return"].to_numpy(dtype=float)]
    loss = np.r_[np.nan, rl["expected_loss"].to_numpy(dtype=float)]
    return pd.DataFrame({
        "n_contacted": picks.astype("int64"),
        "share_contacted": picks / n if n else picks * 0.0,
        "campaign_return": cum[picks],
        "min_expected_loss": loss[picks],
        "chosen": picks == k,
    })


def _labels(y_true: Any, index: pd.Index, owner: str) -> pd.Series:
    if isinstance(y_true, pd.DataFrame) and "churned" in y_true.columns:
        y_true = y_true["churned"]
    if not isinstance(y_true, pd.Series):
        raise ParameterError(f"{owner}: y_true must be a bool Series indexed by customer_id "
                             f"(e.g. ModelComparison.y_true). Got {type(y_true).__name__}.")
    y = y_true.copy()
    y.index = y.index.astype("string")
    idx = pd.Index(index).astype("string")
    missing = idx.difference(y.index)
    if len(missing):
        raise ParameterError(f"{owner}: {len(missing)} customers of the list have no label "
                             f"(e.g. {missing[:3].tolist()}); back-test on labelled customers.")
    return y.reindex(idx).astype(bool)


def confusion_at_cut(y_true: pd.Series, contact: pd.Series) -> pd.DataFrame:
    """Confusion matrix of a contact decision against what happened.

    Rows ``churned`` / ``stayed`` (the outcome), columns ``contacted`` / ``not contacted``
    (the decision), cells are customer counts; ``All`` row and column hold the totals.

    >>> y = pd.Series([True, True, False, False], index=list("abcd"))
    >>> c = pd.Series([True, False, True, False], index=list("abcd"))
    >>> confusion_at_cut(y, c).loc["churned"].tolist()
    [1, 1, 2]
    """
    owner = "confusion_at_cut"
    if not isinstance(contact, pd.Series):
        raise ParameterError(f"{owner}: contact must be a bool Series indexed by customer_id "
                             f"(the contact column of retention_list). Got "
                             f"{type(contact).__name__}.")
    c = contact.astype(bool)
    y = _labels(y_true, c.index, owner).to_numpy()
    cv = c.to_numpy()
    cells = [[int((y & cv).sum()), int((y & ~cv).sum())],
             [int((~y & cv).sum()), int((~y & ~cv).sum())]]
    t = pd.DataFrame(cells, index=pd.Index(["churned", "stayed"], name="outcome"),
                     columns=["contacted", "not contacted"])
    t["All"] = t.sum(axis=1)
    t.loc["All"] = t.sum(axis=0)
    return t.astype("int64")


def campaign_backtest(retention: pd.DataFrame, y_true: pd.Series, *,
                      success_rate: float) -> pd.Series:
    """The contact rule applied at a past cutoff, scored on who really churned.

    ``retention`` is a :func:`retention_list` built at that cutoff (scores and values as of
    it); ``y_true`` the churn labels of the window after it. Returns a Series named
    ``backtest``: ``customers``, ``n_contact``, ``share_contacted``, ``precision`` (share of
    contacted customers who churned), ``recall`` (share of all churners contacted),
    ``churn_rate`` (of all customers), ``expected_return`` (what the list promised) and
    ``return_on_actual_churn``: the same campaign's return with the churn that happened,
    ``success_rate x value`` for each contacted churner minus the cost of every contact (the
    success rate is still an assumption).

    >>> from mining.churn import retention_list
    >>> rl = retention_list(pd.Series({"a": 0.9, "b": 0.2, "c": 0.5}),
    ...                     pd.Series({"a": 100.0, "b": 1000.0, "c": 10.0}),
    ...                     contact_cost=5.0, success_rate=0.2)
    >>> bt = campaign_backtest(rl, pd.Series({"a": True, "b": False, "c": True}), success_rate=0.2)
    >>> bt[["n_contact", "precision", "return_on_actual_churn"]].tolist()
    [2.0, 0.5, 10.0]
    """
    owner = "campaign_backtest"
    rl = _need_retention(retention, owner)
    check_param(isinstance(success_rate, numbers.Real) and 0 <= float(success_rate) <= 1,
                "success_rate", owner, "a number in [0, 1]", success_rate)
    y = _labels(y_true, rl.index, owner).to_numpy()
    c = rl["contact"].astype(bool).to_numpy()
    cost = float(retention_summary(rl)["contact_cost"])
    value = rl["value"].to_numpy(dtype=float)
    n_c = int(c.sum())
    return pd.Series({
        "customers": float(len(rl)),
        "n_contact": float(n_c),
        "share_contacted": n_c / len(rl) if len(rl) else np.nan,
        "precision": float(y[c].mean()) if n_c else np.nan,
        "recall": float((y & c).sum() / y.sum()) if y.any() else np.nan,
        "churn_rate": float(y.mean()) if len(y) else np.nan,
        "expected_return": float(rl.loc[c, "expected_return"].sum()),
        "return_on_actual_churn": float(success_rate) * float(value[c & y].sum()) - cost,
    }, name="backtest")


def findings(
    oot: Any,
    retention: pd.DataFrame,
    *,
    cv: Any = None,
    calibrated: Any = None,
    by_stage: pd.DataFrame | None = None,
    backtest: pd.Series | None = None,
    horizon_days: int = 90,
    currency: str = "EUR",
    margin: float = 0.01,
) -> Findings:
    """The key findings of the churn analysis (notebook 05) for the top of the report.

    Headline figures: the churn rate out of time (out-of-time table), the out-of-time ROC AUC of
    the best model with the recency baseline's beside it (out-of-time table), the best model's
    top-decile lift (gains table), the customers to contact and the expected net campaign
    return (retention call list, profit curve).

    The verdict says whether the best model beats the recency baseline out of time by at least
    ``margin`` of ROC AUC ("wins"), by less ("ties": recency carries the prediction) or not
    at all ("loses": rank by days since the last order), and whether contacting anyone pays.

    Parameters
    ----------
    oot : ModelComparison
        :func:`out_of_time_validation` of the models (with ``recency_baseline``).
    retention : DataFrame
        :func:`retention_list` of the customers scored now.
    cv, calibrated : ModelComparison, optional
        The cross-validated comparison (:func:`compare_models`) and the out-of-time check of the
        recalibrated best model (its row ``"<best> recalibrated"``, else its first row); each
        adds a sentence to the details.
    by_stage : DataFrame, optional
        :func:`mining.lifecycle.churn_by_stage`.
    backtest : Series, optional
        :func:`campaign_backtest` of the contact rule at the cutoff.
    horizon_days : int
        The label window (for the words).
    currency : str
        Written before money figures.
    margin : float
        ROC AUC gain over the baseline below which the model only ties it.
    """
    owner = "findings"
    table = _auc_table(oot, owner)
    rl = _need_retention(retention, owner)
    check_param(isinstance(margin, numbers.Real) and 0 <= float(margin) < 0.5, "margin", owner,
                "a number in [0, 0.5)", margin)

    def money(x: float) -> str:
        return format_value(x, "money", currency=currency)

    outcome = _beats(table, float(margin))
    best = _challenger(table) or BASELINE
    row = table.loc[best]
    auc = float(row["roc_auc"])
    base = float(table.loc[BASELINE, "roc_auc"]) if BASELINE in table.index else np.nan
    rate = float(row["churn_rate"]) if "churn_rate" in row else float("nan")
    lift = float(row["top_decile_lift"]) if "top_decile_lift" in row else float("nan")
    ceiling = 1 / rate if rate > 0 else float("nan")
    campaign = retention_summary(rl)
    n_contact = int(campaign["n_contact"])
    ret = float(campaign["campaign_return"])
    at_risk = float(rl.loc[rl["contact"].astype(bool), "expected_loss"].sum())

    sentence = baseline_verdict(oot, margin=float(margin), what="out of time")
    if n_contact == 0:
        pays = ("No customer's expected saving covers the contact cost, so no retention "
                "contact pays at these costs.")
        rec = ("Do not run a retention campaign at this cost and success rate; lower the cost "
               "per contact or find a better-responding offer first.")
    else:
        pays = (f"Contacting the {n_contact:,} customers whose expected saving exceeds the "
                f"contact cost is expected to return {money(ret)} net.")
        how = {"wins": f"ranked by the {best} model",
               "ties": "ranked by the model (days since the last order do nearly as well)",
               "loses": "ranked by the score; the recency rule (days since the last order) "
                        "does as well as any model here, so prefer it",
               "alone": "ranked by expected loss"}[outcome]
        rec = (f"Call the {n_contact:,} customers marked contact = yes on the retention call "
               f"list, {how}.")
    verdict = f"{sentence} {pays}"

    details = []
    if not np.isnan(lift):
        details.append(
            f"Top decile (gains table): {best} finds {lift:.2f}x the average churn rate; at a "
            f"churn rate of {rate:.0%} no ranking can do better than {ceiling:.2f}x, so judge "
            "the lift against that ceiling.")
    if cv is not None:
        ct = _auc_table(cv, owner)
        details.append(baseline_verdict(cv, margin=float(margin), what="cross-validated")
                       + (" Out of time and cross-validated agree on the best model."
                          if _challenger(ct) == _challenger(table) else
                          f" Cross-validation prefers {_challenger(ct)}; trust the out-of-time "
                          "result, which tests on a later period."))
    if calibrated is not None:
        cal = _auc_table(calibrated, owner)
        if "brier" in cal.columns and "brier" in table.columns:
            mine = f"{best} recalibrated"
            after = float(cal.loc[mine, "brier"] if mine in cal.index else cal["brier"].iloc[0])
            before = float(row["brier"])
            how = ("lowers" if after < before - 0.001 else
                   "does not lower" if after <= before + 0.001 else "raises")
            details.append(
                f"Recalibration {how} the probability error (Brier score {after:.3f}, before "
                f"{before:.3f}; lower is better); the calibration table shows how far each "
                "score band is off.")
    if backtest is not None and backtest.get("n_contact", 0) > 0:
        promised = float(backtest["expected_return"])
        actual = float(backtest["return_on_actual_churn"])
        if promised > 0 and actual < 0.8 * promised:
            gap = (f", {1 - actual / promised:.0%} less than promised: read the expected "
                   "return as optimistic")
        elif promised > 0 and actual > 1.2 * promised:
            gap = f", {actual / promised - 1:.0%} more than promised"
        else:
            gap = ", close to the promise"
        details.append(
            f"Back-test at the cutoff (confusion matrix): the same rule would have contacted "
            f"{backtest['n_contact']:,.0f} customers ({backtest['share_contacted']:.0%}), "
            f"{backtest['precision']:.0%} of whom then churned (all customers: "
            f"{backtest['churn_rate']:.0%}), reaching {backtest['recall']:.0%} of all churners; "
            f"it promised {money(promised)} and on the churn that happened would have returned "
            f"{money(actual)} at the assumed success rate{gap}.")
    if by_stage is not None and "churn_rate" in by_stage.columns and \
            by_stage["churn_rate"].notna().any():
        r = by_stage["churn_rate"].dropna()
        details.append(f"By lifecycle stage: churn is highest in {r.idxmax()} ({r.max():.0%}) "
                       f"and lowest in {r.idxmin()} ({r.min():.0%}).")
    if n_contact:
        details.append(f"The contacted customers carry {money(at_risk)} of expected loss "
                       "(churn probability x future value).")

    base_note = f" (recency baseline {base:.3f})" if not np.isnan(base) and best != BASELINE \
        else ""
    headline = [
        Headline(f"Churn rate ({horizon_days}-day window, test period)", rate, "percent",
                 "out-of-time model table (churn_rate)"),
        Headline(f"Out-of-time ROC AUC of {best}{base_note}", auc, "number",
                 "out-of-time model table (roc_auc)"),
        Headline(f"Top-decile lift (ceiling {ceiling:.2f}x)", lift, "ratio",
                 "gains table (bin 1 lift)"),
        Headline("Customers to contact", n_contact, "count",
                 "retention call list (contact = yes)"),
        Headline("Expected net campaign return", ret, "money",
                 "retention call list and profit curve (return at the chosen cut)"),
    ]
    return Findings(title="Churn prediction and retention", headline=headline, verdict=verdict,
                    recommendation=rec, details=details, currency=currency)


_SCORECARD = ["roc_auc", "pr_auc", "top_decile_lift", "brier", "churn_rate", "n",
              "beats_baseline", "fit_seconds"]


def scorecard(comparison: Any) -> pd.DataFrame:
    """The model table of a comparison as a report shows it: ``roc_auc``, ``pr_auc``,
    ``top_decile_lift``, ``brier``, ``churn_rate``, ``n`` (customers scored), ``beats_baseline``
    ("yes", "no", or "baseline" on the baseline's own row) and ``fit_seconds``, best ROC AUC
    first (columns the comparison lacks are left out).

    >>> from types import SimpleNamespace
    >>> t = pd.DataFrame({"roc_auc": [0.85, 0.9], "beats_baseline": [False, True]},
    ...                  index=pd.Index(["recency_baseline", "forest"], name="model"))
    >>> scorecard(SimpleNamespace(table=t))["beats_baseline"].tolist()
    ['yes', 'baseline']
    """
    table = _auc_table(comparison, "scorecard")
    out = table[[c for c in _SCORECARD if c in table.columns]].copy()
    if "beats_baseline" in out.columns:
        out["beats_baseline"] = np.where(out["beats_baseline"].astype(bool), "yes", "no")
        if BASELINE in out.index:
            out.loc[BASELINE, "beats_baseline"] = "baseline"
    if "n" in out.columns:
        out["n"] = out["n"].astype("int64")
    return out.sort_values("roc_auc", ascending=False, kind="stable")
