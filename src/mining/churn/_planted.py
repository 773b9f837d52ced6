"""Compare churn labels and scores with planted churn dates (synthetic data with known truth)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from mining.errors import InsufficientDataError, ParameterError
from mining.findings import format_value

__all__ = ["planted_churn", "planted_table", "planted_vs_found"]


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


_MEASURES = {
    "customers": ("Labelled customers", "count", "customers active before the cutoff"),
    "planted_churn_rate": ("Planted churn rate", "percent",
                           "share the simulator made churn before the end of the label window"),
    "label_churn_rate": ("Label churn rate", "percent",
                         "share with no order in the label window (what the models predict)"),
    "agreement": ("Labels agreeing with the planted truth", "percent",
                  "slow buyers without an order in the window are the usual disagreement"),
    "label_recall": ("Planted churners labelled churned", "percent",
                     "recall of the transaction label"),
    "label_precision": ("Labelled churners who were planted churners", "percent",
                        "the rest are living customers who happened not to buy"),
}


def planted_table(labels: pd.DataFrame, churn_dates: pd.Series, *,
                  proba: pd.Series | pd.DataFrame | dict[str, Any] | None = None) -> pd.DataFrame:
    """:func:`planted_vs_found` as a table a reader can scan: one row per measure, the value
    written as the report writes it, and what it means.

    ``proba`` is a Series or DataFrame of model scores, or a dict ``{"cross-validated": cv.proba,
    "out of time": oot.proba}`` whose keys are added to the model names. Returns a DataFrame
    indexed by ``measure`` with the text columns ``value`` and ``meaning``; a model's row gives
    its ROC AUC against the planted churn (2 decimals; ``meaning`` has 3) and against the
    labels.

    >>> labels = pd.DataFrame({"churned": [True, False, True],
    ...                        "horizon_end": pd.to_datetime(["2025-04-01"] * 3)},
    ...                       index=pd.Index(["a", "b", "c"], name="customer_id"))
    >>> dates = pd.Series(pd.to_datetime(["2025-02-01", None, "2025-03-01"]), index=["a", "b", "c"])
    >>> t = planted_table(labels, dates, proba=pd.Series({"a": .9, "b": .1, "c": .6}, name="m"))
    >>> t.loc["ROC AUC against planted churn: m", "value"]
    '1.00'
    """
    scores: pd.DataFrame | None = None
    if isinstance(proba, dict):
        parts = []
        for key, p in proba.items():
            frame = p.to_frame() if isinstance(p, pd.Series) else pd.DataFrame(p)
            frame = frame.copy()
            frame.index = frame.index.astype("string")
            parts.append(frame.add_suffix(f" ({key})"))
        scores = pd.concat(parts, axis=1) if parts else None
    elif proba is not None:
        scores = proba.to_frame() if isinstance(proba, pd.Series) else proba
    found = planted_vs_found(labels, churn_dates, proba=scores)["value"]
    rows = []
    for key, (name, kind, meaning) in _MEASURES.items():
        rows.append({"measure": name, "value": format_value(found[key], kind),
                     "meaning": meaning})
    for key, v in found.items():
        if not str(key).startswith("roc_auc_vs_planted["):
            continue
        model = str(key)[len("roc_auc_vs_planted["):-1]
        vs_label = found.get(f"roc_auc_vs_label[{model}]", np.nan)
        rows.append({"measure": f"ROC AUC against planted churn: {model}",
                     "value": f"{v:.2f}",
                     "meaning": f"{v:.3f} (0.5 = chance); against the labels {vs_label:.3f}"})
    return pd.DataFrame(rows).set_index("measure")
