"""Compare churn labels and scores with planted churn dates (synthetic data with known truth)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from mining.errors import InsufficientDataError, ParameterError

__all__ = ["planted_churn", "planted_vs_found"]


def planted_churn(labels: pd.DataFrame, churn_dates: pd.Series) -> pd.Series:
    """Which labelled customers were *planted* as churned by the end of the label window.

    Parameters
    ----------
    labels : DataFrame
        From :func:`churn_labels` (its ``horizon_end`` column is the end of each label window).
    churn_dates : Series customer_id -> Timestamp
        The simulator's churn date of each customer (NaT = never churns), e.g.
        ``ds.truth.churn_dates`` of the demo data. Customers missing from it count as not churned.

    Returns
    -------
    Series of bool named ``planted_churned``, indexed like ``labels``: True when the planted
    churn date is before the end of the label window (the customer had left, or left during the
    window).
    """
    if not isinstance(labels, pd.DataFrame) or "horizon_end" not in labels.columns:
        raise ParameterError(
            "planted_churn needs the labels DataFrame returned by churn_labels (its "
            "'horizon_end' column is the end of the label window)."
        )
    if not isinstance(churn_dates, pd.Series):
        raise ParameterError(
            "The 'churn_dates' parameter of planted_churn must be a Series customer_id -> "
            f"Timestamp. Got {type(churn_dates).__name__} instead."
        )
    dates = pd.to_datetime(churn_dates, errors="coerce")
    dates.index = dates.index.astype("string")
    dates = dates.reindex(labels.index)
    planted = dates.notna() & (dates < pd.to_datetime(labels["horizon_end"]))
    return planted.astype(bool).rename("planted_churned")


def planted_vs_found(labels: pd.DataFrame, churn_dates: pd.Series, *,
                     proba: pd.Series | pd.DataFrame | None = None) -> pd.DataFrame:
    """How well labels (and model scores) recover the planted churners.

    Returns
    -------
    DataFrame with one row per measure and a ``value`` column:
    ``customers``, ``planted_churn_rate``, ``label_churn_rate``, ``agreement`` (share where the
    transaction label equals the planted truth), ``label_precision`` (share of labelled churners
    who were planted churners), ``label_recall`` (share of planted churners labelled churned)
    and, for each model column of ``proba``, ``roc_auc_vs_planted[<model>]`` (ROC AUC of the
    scores against the planted truth) and ``roc_auc_vs_label[<model>]``.
    """
    truth = planted_churn(labels, churn_dates)
    label = labels["churned"].astype(bool)
    both = label & truth
    rows: dict[str, Any] = {
        "customers": float(len(label)),
        "planted_churn_rate": float(truth.mean()),
        "label_churn_rate": float(label.mean()),
        "agreement": float((label == truth).mean()),
        "label_precision": float(both.sum() / label.sum()) if label.any() else np.nan,
        "label_recall": float(both.sum() / truth.sum()) if truth.any() else np.nan,
    }
    if proba is not None:
        frame = proba.to_frame() if isinstance(proba, pd.Series) else proba
        frame = frame.copy()
        frame.index = frame.index.astype("string")
        common = label.index.intersection(frame.index)
        if len(common) == 0:
            raise InsufficientDataError(
                "planted_vs_found: proba and labels share no customer; score the labelled "
                "customers (the same as_of)."
            )
        for col in frame.columns:
            p = frame.loc[common, col].astype(float)
            if truth.loc[common].nunique() == 2:
                rows[f"roc_auc_vs_planted[{col}]"] = float(roc_auc_score(truth.loc[common], p))
            if label.loc[common].nunique() == 2:
                rows[f"roc_auc_vs_label[{col}]"] = float(roc_auc_score(label.loc[common], p))
    return pd.Series(rows, name="value").to_frame()
