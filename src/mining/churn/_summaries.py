"""The churn notebook's small decisions and sentences: the default prediction date, the label
summary, labels against the planted churn, and the results in words.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from mining.churn._planted import planted_churn
from mining.errors import check_date

__all__ = ["default_cutoff", "label_summary", "labels_vs_planted", "results_in_words"]


def default_cutoff(data_end: Any, cutoff: Any = "", *, days_before: int = 180,
                   owner: str = "default_cutoff") -> tuple[pd.Timestamp, str]:
    """The prediction date and the rule that chose it, in words.

    A given ``cutoff`` ("YYYY-MM-DD" or Timestamp) is checked with
    :func:`mining.errors.check_date`; empty, it lies ``days_before`` days before ``data_end``,
    so that a label window and an out-of-time check both fit in the data.

    >>> default_cutoff(pd.Timestamp("2026-01-01"))
    (Timestamp('2025-07-05 00:00:00'), '180 days before the data end')
    >>> default_cutoff(pd.Timestamp("2026-01-01"), "2025-06-01")
    (Timestamp('2025-06-01 00:00:00'), 'given')
    """
    if cutoff is not None and not (isinstance(cutoff, str) and cutoff == ""):
        return check_date(cutoff, "cutoff", owner), "given"
    return pd.Timestamp(data_end) - pd.Timedelta(days=days_before), \
        f"{days_before} days before the data end"


def label_summary(labels: pd.DataFrame, *, horizon_days: int) -> str:
    """One sentence on churn labels (from :func:`~mining.churn.churn_labels`): customers, churn
    rate, and churners who bought again after the window (temporary churn).

    >>> labels = pd.DataFrame({"churned": [True, True, False],
    ...                        "next_order": pd.to_datetime(["2025-09-01", None, "2025-03-01"])})
    >>> print(label_summary(labels, horizon_days=90))
    3 customers active before the cutoff; 66.7% churned in the 90-day window; 1 of the churners bought again after the window (temporary churn, 暂时流失)
    """
    back_later = labels["churned"] & labels["next_order"].notna()
    return (f"{len(labels):,} customers active before the cutoff; {labels['churned'].mean():.1%} "
            f"churned in the {horizon_days}-day window; {back_later.sum():,} of the churners "
            "bought again after the window (temporary churn, 暂时流失)")


def labels_vs_planted(labels: pd.DataFrame, churn_dates: pd.Series) -> pd.DataFrame:
    """Cross table (with totals) of the churn labels against the planted churn of
    :func:`~mining.churn.planted_churn`: rows ``label: churned``, columns ``planted_churned``.

    >>> labels = pd.DataFrame({"churned": [True, False],
    ...                        "horizon_end": pd.to_datetime(["2025-04-01", "2025-04-01"])},
    ...                       index=pd.Index(["a", "b"], name="customer_id"))
    >>> dates = pd.Series(pd.to_datetime(["2025-02-01", None]), index=["a", "b"])
    >>> int(labels_vs_planted(labels, dates).loc["All", "All"])
    2
    """
    planted = planted_churn(labels, churn_dates)
    return pd.crosstab(labels["churned"].rename("label: churned"), planted, margins=True)


def results_in_words(oot: Any, cv: Any, campaign: pd.Series, by_stage: pd.DataFrame) -> list[str]:
    """The churn analysis in sentences: the best model out of time against the recency
    baseline, the cross-validated best, the retention campaign and churn by lifecycle stage.

    Parameters
    ----------
    oot, cv : ModelComparison
        From :func:`~mining.churn.out_of_time_validation` and
        :func:`~mining.churn.compare_models` (``table`` with ``roc_auc``, ``pr_auc``,
        ``top_decile_lift``, ``churn_rate``; ``best``).
    campaign : Series
        From :func:`~mining.churn.retention_summary`.
    by_stage : DataFrame
        From :func:`mining.lifecycle.churn_by_stage` (column ``churn_rate``).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> table = pd.DataFrame({"roc_auc": [0.7, 0.8], "pr_auc": [0.6, 0.7],
    ...                       "top_decile_lift": [1.2, 1.4], "churn_rate": [0.5, 0.5]},
    ...                      index=["recency_baseline", "logistic"])
    >>> res = SimpleNamespace(table=table, best="logistic")
    >>> stages = pd.DataFrame({"churn_rate": [0.2, 0.9]}, index=["stability", "decline"])
    >>> campaign = pd.Series({"n_contact": 10.0, "campaign_return": 55.0})
    >>> print(results_in_words(res, res, campaign, stages)[1])
    Recency baseline: ROC AUC 0.700; the best model adds +0.100.
    """
    best = oot.best
    base_auc = oot.table["roc_auc"].get("recency_baseline")
    row = oot.table.loc[best]
    lines = [f"Best model out of time: {best}, ROC AUC {row['roc_auc']:.3f}, PR AUC "
             f"{row['pr_auc']:.3f}, top-decile lift {row['top_decile_lift']:.2f} (churn rate "
             f"{row['churn_rate']:.1%}, so the largest possible lift is "
             f"{1 / row['churn_rate']:.2f})."]
    if base_auc is not None:
        lines.append(f"Recency baseline: ROC AUC {base_auc:.3f}; the best model adds "
                     f"{row['roc_auc'] - base_auc:+.3f}.")
    lines.append(f"Cross-validated best: {cv.best}, ROC AUC {cv.table.loc[cv.best, 'roc_auc']:.3f}.")
    lines.append(f"Retention list: contact {campaign['n_contact']:,.0f} customers, expected net "
                 f"campaign return {campaign['campaign_return']:,.0f}.")
    lines.append(f"Highest churn stage: {by_stage['churn_rate'].idxmax()} "
                 f"({by_stage['churn_rate'].max():.0%}); lowest: "
                 f"{by_stage['churn_rate'].idxmin()} ({by_stage['churn_rate'].min():.0%}).")
    return lines
