"""The retention campaign from a fitted churn model: who to call today, and the same rule at an
earlier cutoff (for the back-test), and the planted-vs-found evidence of the demo data.

The value at risk of each customer is the ``future_value`` of
:func:`mining.value.customer_lifetime_value` on the customer table at the same date (the profit
still to come, not the profit already earned).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from mining.churn._findings import retention_actions, retention_columns
from mining.churn._labels import customer_table_at, scoring_set
from mining.churn._models import churn_probability
from mining.churn._planted import planted_table
from mining.churn._retention import retention_list, retention_summary
from mining.churn._summaries import labels_vs_planted
from mining.findings import ActionList, Evidence

__all__ = ["RetentionPlan", "planted_evidence", "retention_at", "retention_plan"]


def retention_at(proba: pd.Series, tx: pd.DataFrame, *, as_of: str | pd.Timestamp,
                 contact_cost: float, success_rate: float) -> pd.DataFrame:
    """:func:`~mining.churn.retention_list` of ``proba`` (churn probability by customer_id) with
    each customer's value at risk = ``future_value`` of the customer lifetime value computed
    from ``tx`` before ``as_of``."""
    from mining import value

    # the customer table at as_of is often built already (the training or scoring set at that
    # date): customer_table_at computes it once per data and date
    clv = value.customer_lifetime_value(customer_table_at(tx, as_of), as_of=as_of)
    return retention_list(proba, clv, contact_cost=contact_cost, success_rate=success_rate,
                          value_column="future_value")


@dataclass
class RetentionPlan:
    """Today's retention campaign: ``retention`` (:func:`~mining.churn.retention_list`, every
    scored customer, largest expected loss first), ``call_list`` (the list as a team takes it
    away, :func:`~mining.churn.retention_actions`, with the lifecycle stage), ``campaign`` (the
    four figures of :func:`~mining.churn.retention_summary`), the date and the currency."""

    as_of: pd.Timestamp
    retention: pd.DataFrame
    call_list: pd.DataFrame
    campaign: pd.Series
    currency: str = "EUR"

    def action_list(self, *, horizon_days: int) -> ActionList:
        """The call list for :func:`mining.actions.save_action_lists` (``retention_call_list``,
        columns documented by :func:`~mining.churn.retention_columns`)."""
        return ActionList("retention_call_list", self.call_list,
                          f"every customer scored as of {self.as_of:%Y-%m-%d}, largest expected "
                          "loss first; contact = yes marks whom to call",
                          retention_columns(horizon_days=horizon_days, currency=self.currency))

    def __str__(self) -> str:
        c, cur = self.campaign, self.currency
        return (f"Contact {c['n_contact']:,.0f} of {len(self.retention):,} customers: expected net "
                f"campaign return {cur} {c['campaign_return']:,.0f} after contact costs of "
                f"{cur} {c['contact_cost']:,.0f}.")


def retention_plan(model: Any, tx: pd.DataFrame, *, as_of: str | pd.Timestamp,
                   contact_cost: float, success_rate: float,
                   customers: pd.DataFrame | None = None, currency: str = "EUR") -> RetentionPlan:
    """Score every customer at ``as_of`` with the fitted ``model`` (a calibrated one, so that
    the money columns mean something), rank them by expected loss and cut the list where a call
    stops paying (``contact_cost`` per call in ``currency``; a call keeps a would-be churner with
    probability ``success_rate``)."""
    from mining import lifecycle

    at = pd.Timestamp(as_of)
    proba = churn_probability(model, scoring_set(tx, as_of=at, customers=customers))
    retention = retention_at(proba, tx, as_of=at, contact_cost=contact_cost,
                             success_rate=success_rate)
    call_list = retention_actions(retention, lifecycle.lifecycle_stage(tx, as_of=at))
    return RetentionPlan(at, retention, call_list, retention_summary(retention), currency)


def planted_evidence(labels: pd.DataFrame, truth: Any, *,
                     proba: pd.Series | pd.DataFrame | dict[str, Any] | None = None
                     ) -> list[Evidence]:
    """The churn labels against the planted churn dates of the demo's truth (``truth.churn_dates``)
    and what was planted vs found (:func:`~mining.churn.planted_table` of ``proba``); empty when
    ``truth`` has no churn dates (real data)."""
    churn_dates = getattr(truth, "churn_dates", None)
    if churn_dates is None:
        return []
    return [Evidence("Churn labels (rows) against planted churn (columns), customers",
                     labels_vs_planted(labels, churn_dates)),
            Evidence("What was planted vs what was found",
                     planted_table(labels, churn_dates, proba=proba))]
