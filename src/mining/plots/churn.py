"""Figures for churn prediction (``mining.churn``) and lifecycle stages (``mining.lifecycle``).

Each function draws on ``ax`` (a new figure when None) and returns the matplotlib ``Figure``;
none calls ``plt.show()`` or changes global styles. ``proba`` arguments take a Series (one model)
or a DataFrame with one column per model (e.g. ``ModelComparison.proba``).

============================  ====================================================================
function                      shows
============================  ====================================================================
plot_label_timeline           sample customers' orders on a time line, with the feature window,
                              the cutoff date ``as_of`` and the label window; churners in red
plot_roc                      ROC curves with AUC in the legend, chance diagonal
plot_precision_recall         precision-recall curves with average precision, base rate line
plot_gains                    cumulative gains by share of customers contacted
plot_lift                     lift by decile (bars)
plot_calibration              predicted probability against observed churn rate per bin
plot_permutation_importance   horizontal bars of the drop in ROC AUC, with std error bars
plot_churn_by_stage           churn rate per lifecycle stage, customer counts on the bars
plot_churn_types              churners by permanence (temporary / permanent) and by degree
                              (complete / initial / partial / unknown), counts on the bars
plot_retention_curve          cumulative expected campaign return down the retention list
plot_profit_curve             expected campaign return against the share contacted, the chosen
                              cut marked (the threshold view of SPSS Modeler / PyCaret)
plot_confusion_matrix         contacted / not contacted against churned / stayed at the chosen
                              cut, counts and row shares
============================  ====================================================================
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from sklearn.metrics import (
    average_precision_score,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
)

from mining.churn import (
    CHURN_DEGREES,
    CHURN_TYPE_NAMES_ZH,
    calibration_table,
    churn_labels,
    gains_table,
    profit_curve,
)
from mining.errors import ParameterError, check_date
from mining.params import RandomState, check_random_state, renamed_parameter
from mining.plots._common import finish_axes, need_columns, need_table, new_ax, use_chinese, with_zh

__all__ = [
    "plot_calibration",
    "plot_churn_by_stage",
    "plot_churn_types",
    "plot_confusion_matrix",
    "plot_gains",
    "plot_label_timeline",
    "plot_lift",
    "plot_permutation_importance",
    "plot_precision_recall",
    "plot_profit_curve",
    "plot_retention_curve",
    "plot_roc",
]

_CHURN = "tab:red"
_STAY = "tab:blue"


def _models(proba: Any, owner: str) -> dict[str, pd.Series]:
    if isinstance(proba, pd.DataFrame):
        if proba.shape[1] == 0:
            raise ParameterError(f"{owner}: proba has no model columns.")
        return {str(c): proba[c] for c in proba.columns}
    if isinstance(proba, pd.Series):
        return {str(proba.name or "model"): proba}
    arr = np.asarray(proba, dtype=float)
    if arr.ndim != 1:
        raise ParameterError(f"{owner}: proba must be a Series, a DataFrame or a 1-D array.")
    return {"model": pd.Series(arr)}


def _pair(y_true: Any, p: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Labels and one model's scores as arrays, the scores aligned on the labels' index."""
    if isinstance(y_true, pd.Series) and not p.index.equals(y_true.index):
        p = p.reindex(y_true.index)
    return np.asarray(y_true, dtype=bool), np.asarray(p, dtype=float)


@renamed_parameter("cutoff", "as_of")
def plot_label_timeline(
    tx: pd.DataFrame,
    *,
    as_of: str | pd.Timestamp,
    horizon_days: int,
    n_customers: int = 12,
    random_state: RandomState = 0,
    observed_until: str | pd.Timestamp | None = None,
    ax: Axes | None = None,
) -> Figure:
    """How a churn label is defined, on real customers: one line per sampled customer.

    Dots are orders; left of ``as_of`` is the feature window (what the model may see), the
    shaded band is the label window ``[as_of, as_of + horizon_days)`` (as in
    :func:`mining.churn.churn_labels`; ``cutoff=`` is the deprecated old name of ``as_of``). A
    customer with no dot in the band has churned (red); half the sample are churners when there
    are enough. ``random_state`` (``None``, an int or a Generator) picks the sample.
    """
    owner = "plot_label_timeline"
    labels = churn_labels(tx, as_of=as_of, horizon_days=horizon_days,
                          observed_until=observed_until)
    cut, end = labels["as_of"].iloc[0], labels["horizon_end"].iloc[0]
    if observed_until is not None:
        data_end = check_date(observed_until, "observed_until", owner)
    else:  # as churn_labels: the day after the last transaction's date
        data_end = tx["timestamp"].max().normalize() + pd.Timedelta(days=1)
    rng = check_random_state(random_state, owner)
    churners = labels.index[labels["churned"].to_numpy()]
    stayers = labels.index[~labels["churned"].to_numpy()]
    k_churn = min(len(churners), max(1, n_customers // 2))
    k_stay = min(len(stayers), n_customers - k_churn)
    pick = list(rng.choice(np.asarray(stayers, dtype=object), size=k_stay, replace=False)) + list(
        rng.choice(np.asarray(churners, dtype=object), size=k_churn, replace=False)
    )
    fig, ax = new_ax(ax, (9, 0.35 * len(pick) + 2))
    ids = tx["customer_id"].astype("string")
    start = tx["timestamp"].min()
    ax.axvspan(start, cut, color="0.93", zorder=0, label="feature window (before as_of)")
    ax.axvspan(cut, end, color="gold", alpha=0.25, zorder=0,
               label=f"label window ({(end - cut).days} days)")
    for row, cid in enumerate(pick):
        churned = bool(labels.at[cid, "churned"])
        color = _CHURN if churned else _STAY
        times = tx.loc[ids.eq(cid).to_numpy(), "timestamp"].drop_duplicates()
        ax.hlines(row, start, data_end, color="0.8", lw=0.8, zorder=1)
        ax.plot(times, np.full(len(times), row), "o", ms=4, color=color, zorder=2)
    ax.axvline(cut, color="k", lw=1.2)
    ax.axvline(end, color="k", lw=1.0, ls="--")
    ax.set_yticks(range(len(pick)))
    ax.set_yticklabels([f"{cid} ({'churned' if labels.at[cid, 'churned'] else 'stayed'})"
                        for cid in pick], fontsize=8)
    ax.set_xlabel("order date")
    ax.set_title(f"Churn label: no order in [{cut:%Y-%m-%d}, {end:%Y-%m-%d})")
    ax.plot([], [], "o", color=_CHURN, label="orders of a churner")
    ax.plot([], [], "o", color=_STAY, label="orders of a stayer")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    fig.autofmt_xdate()
    return fig


def plot_roc(y_true: Any, proba: Any, *, ax: Axes | None = None) -> Figure:
    """ROC curve of each model (true-positive rate against false-positive rate), AUC in legend."""
    fig, ax = new_ax(ax, (5.5, 5))
    for name, p in _models(proba, "plot_roc").items():
        y, s = _pair(y_true, p)
        fpr, tpr, _ = roc_curve(y, s)
        ax.plot(fpr, tpr, lw=1.5, label=f"{name} (AUC {roc_auc_score(y, s):.3f})")
    ax.plot([0, 1], [0, 1], ls=":", color="0.5", label="chance")
    ax.set_xlabel("false-positive rate (stayers flagged)")
    ax.set_ylabel("true-positive rate (churners caught)")
    ax.set_title("ROC curves")
    ax.legend(loc="lower right", fontsize=8)
    return fig


def plot_precision_recall(y_true: Any, proba: Any, *, ax: Axes | None = None) -> Figure:
    """Precision against recall for each model, average precision in the legend."""
    fig, ax = new_ax(ax, (5.5, 5))
    base = None
    for name, p in _models(proba, "plot_precision_recall").items():
        y, s = _pair(y_true, p)
        base = y.mean()
        prec, rec, _ = precision_recall_curve(y, s)
        ax.plot(rec, prec, lw=1.5, label=f"{name} (AP {average_precision_score(y, s):.3f})")
    if base is not None:
        ax.axhline(base, ls=":", color="0.5", label=f"churn rate {base:.2f}")
    ax.set_xlabel("recall (share of churners caught)")
    ax.set_ylabel("precision (share of flagged who churn)")
    ax.set_ylim(0, 1.02)
    ax.set_title("Precision-recall curves")
    ax.legend(loc="lower left", fontsize=8)  # the curves run along the top
    return fig


def plot_gains(y_true: Any, proba: Any, *, n_bins: int = 10, ax: Axes | None = None) -> Figure:
    """Cumulative gains: share of all churners found when contacting the top x% of scores."""
    fig, ax = new_ax(ax, (5.5, 5))
    for name, p in _models(proba, "plot_gains").items():
        t = gains_table(y_true, p, n_bins=n_bins)
        ax.plot(np.r_[0, t["cum_share"]], np.r_[0, t["cum_gain"]], marker="o", ms=3, label=name)
    ax.plot([0, 1], [0, 1], ls=":", color="0.5", label="random order")
    ax.set_xlabel("share of customers contacted (highest scores first)")
    ax.set_ylabel("share of churners found")
    ax.set_title("Cumulative gains")
    ax.legend(loc="lower right", fontsize=8)
    return fig


def plot_lift(y_true: Any, proba: Any, *, n_bins: int = 10, ax: Axes | None = None) -> Figure:
    """Lift per score bin (bin churn rate / overall churn rate); bars grouped by model."""
    fig, ax = new_ax(ax, (7, 4.5))
    models = _models(proba, "plot_lift")
    width = 0.8 / len(models)
    for i, (name, p) in enumerate(models.items()):
        t = gains_table(y_true, p, n_bins=n_bins)
        x = np.arange(len(t)) + (i - (len(models) - 1) / 2) * width
        ax.bar(x, t["lift"], width=width, label=name)
    ax.axhline(1.0, color="0.4", ls=":", lw=1)
    ax.set_xticks(np.arange(n_bins))
    ax.set_xticklabels([str(i) for i in range(1, n_bins + 1)])
    ax.set_xlabel("score bin (1 = highest churn scores)")
    ax.set_ylabel("lift (x overall churn rate)")
    ax.set_title("Lift by bin")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return fig


def plot_calibration(y_true: Any, proba: Any, *, n_bins: int = 10,
                     ax: Axes | None = None) -> Figure:
    """Reliability diagram: mean predicted probability against the observed churn rate."""
    fig, ax = new_ax(ax, (5.5, 5))
    for name, p in _models(proba, "plot_calibration").items():
        t = calibration_table(y_true, p, n_bins=n_bins)
        ax.plot(t["mean_predicted"], t["observed_rate"], marker="o", ms=4, label=name)
    ax.plot([0, 1], [0, 1], ls=":", color="0.5", label="perfectly calibrated")
    finish_axes(ax, xlabel="mean predicted churn probability", ylabel="observed churn rate",
                title="Calibration", limit=1, legend="upper left")
    return fig


def plot_permutation_importance(table: pd.DataFrame, *, top: int = 15,
                                ax: Axes | None = None) -> Figure:
    """Horizontal bars of ``importance_mean`` (with ``importance_std``), most important on top."""
    need_table(table, ["importance_mean", "importance_std"],
               "plot_permutation_importance needs the table of "
               "mining.churn.permutation_importance_table (importance_mean, importance_std).")
    t = table.sort_values("importance_mean", ascending=False).head(top).iloc[::-1]
    fig, ax = new_ax(ax, (7, 0.3 * len(t) + 1.5))
    ax.barh([str(i) for i in t.index], t["importance_mean"], xerr=t["importance_std"],
            color="tab:purple", alpha=0.8)
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_xlabel("drop in ROC AUC when the column is shuffled")
    ax.set_title("Permutation importance")
    return fig


def plot_churn_by_stage(table: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Churn rate per lifecycle stage (table of :func:`mining.lifecycle.churn_by_stage`)."""
    need_table(table, ["churn_rate", "n_customers"],
               "plot_churn_by_stage needs the table of mining.lifecycle.churn_by_stage.")
    fig, ax = new_ax(ax, (6.5, 4))
    colors = ["tab:green", "tab:olive", "tab:blue", "tab:red"]
    x = np.arange(len(table))
    rates = table["churn_rate"].fillna(0).to_numpy()
    ax.bar(x, rates, color=colors[: len(table)] if len(table) <= 4 else None)
    for xi, r, n in zip(x, rates, table["n_customers"], strict=True):
        ax.text(xi, r + 0.01, f"{r:.0%}\nn={int(n)}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x)
    ax.set_xticklabels([str(i) for i in table.index])
    ax.set_ylim(0, min(1.0, max(rates.max() * 1.3, 0.1)) + 0.05)
    ax.set_ylabel("churn rate in the label window")
    ax.set_title("Churn by lifecycle stage at the cutoff")
    return fig


#: Permanence of churn, temporary first, with colours and Chinese names.
PERMANENCE: tuple[str, ...] = ("temporary", "permanent")
_TYPE_COLORS = {"temporary": "tab:cyan", "permanent": "tab:red", "complete": "tab:red",
                "initial": "gold", "partial": "tab:orange", "unknown": "0.7"}


def _type_counts(types: pd.DataFrame, column: str, levels: tuple[str, ...],
                 owner: str) -> pd.Series:
    """Churners per level of ``column`` (every level, 0 when absent); unknown values refused."""
    values = types[column].astype("string")
    bad = sorted(set(values.dropna()) - set(levels))
    if bad or values.isna().any():
        found = bad[:5] if bad else ["<missing>"]
        raise ParameterError(f"{owner}: column {column!r} has values {found} outside "
                             f"{list(levels)}. Pass the table of mining.churn.churn_types.")
    return values.value_counts().reindex(list(levels), fill_value=0).astype("int64")


def plot_churn_types(types: pd.DataFrame, *, zh: bool | str = "auto",
                     ax: Axes | None = None) -> Figure:
    """How the churners churned: counts by permanence and by degree (客户流失类型).

    Parameters
    ----------
    types : DataFrame
        :func:`mining.churn.churn_types`, one row per churner (columns ``permanence``:
        temporary / permanent, and ``degree``: complete / initial / partial / unknown).
    zh : True, False or "auto"
        Add the Chinese names (暂时流失, 半流失, ...) to the bar labels ("auto": when the font
        can draw them; the default DejaVu fonts cannot).
    ax : Axes, optional
        None: a new figure with two panels, churners by permanence (left) and by degree
        (right), counts and shares written on the bars. Given: one panel on it, a bar per
        degree stacked by permanence (temporary below).

    Returns
    -------
    Figure
    """
    owner = "plot_churn_types"
    need_columns(types, ["permanence", "degree"], owner,
                 "the churn-type table (from churn.churn_types)")
    zh_on = use_chinese(zh, owner)
    by_perm = _type_counts(types, "permanence", PERMANENCE, owner)
    by_degree = _type_counts(types, "degree", CHURN_DEGREES, owner)
    n = len(types)

    def names(levels: tuple[str, ...]) -> list[str]:
        return [with_zh(v, CHURN_TYPE_NAMES_ZH.get(v), zh_on, sep="\n") for v in levels]

    if ax is not None:
        fig = ax.figure
        cross = pd.crosstab(types["degree"].astype("string"),
                            types["permanence"].astype("string"))
        cross = cross.reindex(index=list(CHURN_DEGREES), columns=list(PERMANENCE), fill_value=0)
        x = np.arange(len(CHURN_DEGREES))
        bottom = np.zeros(len(x))
        for p in PERMANENCE:
            label = with_zh(p, CHURN_TYPE_NAMES_ZH[p], zh_on)
            ax.bar(x, cross[p].to_numpy(), bottom=bottom, color=_TYPE_COLORS[p], label=label)
            bottom += cross[p].to_numpy()
        ax.set_xticks(x, names(CHURN_DEGREES))
        finish_axes(ax, xlabel="degree of churn before the last order",
                    ylabel="churners (customers)",
                    title=f"Churn types of {n:,} churners", legend="upper right")
        return fig
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2), width_ratios=[2, 4],
                                      constrained_layout=True)
    for a, counts, levels, xlabel in (
            (left, by_perm, PERMANENCE, "permanence (back within the return window?)"),
            (right, by_degree, CHURN_DEGREES, "degree of churn before the last order")):
        x = np.arange(len(levels))
        a.bar(x, counts.to_numpy(), color=[_TYPE_COLORS[v] for v in levels])
        for xi, c in zip(x, counts.to_numpy(), strict=True):
            share = f" ({c / n:.0%})" if n else ""
            a.text(xi, c, f"{c:,}{share}", ha="center", va="bottom", fontsize=8)
        a.set_xticks(x, names(levels))
        a.set_ylim(0, max(int(counts.max()), 1) * 1.15)
        a.set_xlabel(xlabel)
        a.set_ylabel("churners (customers)")
    left.set_title("Temporary or permanent")
    right.set_title("How far they had declined")
    fig.suptitle(f"Churn types of {n:,} churners")
    return fig


def plot_retention_curve(retention: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Cumulative expected campaign return as more customers of the retention list are called."""
    need_table(retention, ["cumulative_return", "contact"],
               "plot_retention_curve needs the table of mining.churn.retention_list.")
    fig, ax = new_ax(ax, (6.5, 4))
    n = np.arange(1, len(retention) + 1)
    ax.plot(n, retention["cumulative_return"], color="tab:green")
    k = int(retention["contact"].sum())
    if k:
        ax.axvline(k, color="k", ls="--", lw=1,
                   label=f"recommended cut: {k} contacts, "
                   f"return {retention['cumulative_return'].iloc[k - 1]:,.0f}")
        ax.legend(fontsize=8)
    ax.axhline(0, color="0.5", lw=0.8)
    ax.set_xlabel("customers contacted (ranked by expected loss)")
    ax.set_ylabel("cumulative expected return (money)")
    ax.set_title("Retention campaign: expected return")
    return fig


def _money_axis(ax: Axes, currency: str) -> None:
    from matplotlib.ticker import FuncFormatter

    def fmt(v: float, _pos: Any) -> str:
        # one unit for every tick, chosen from the axis range (no "EUR 5,000" beside "EUR 10k")
        span = max(abs(x) for x in ax.get_ylim())
        a = abs(v)
        text = (f"{a / 1e6:,.1f}M" if span >= 2e6 else f"{a / 1e3:,.0f}k" if span >= 2e4
                else f"{a:,.0f}")
        return f"{'-' if v < 0 else ''}{currency} {text}"

    ax.yaxis.set_major_formatter(FuncFormatter(fmt))


def plot_profit_curve(retention: pd.DataFrame, *, currency: str = "EUR",
                      ax: Axes | None = None) -> Figure:
    """Expected net campaign return against the share of customers contacted (highest expected
    loss first), the recommended cut marked: the threshold/profit view of a retention model.

    ``retention`` is the table of :func:`mining.churn.retention_list`; the curve is
    :func:`mining.churn.profit_curve`. Contacting more than the cut costs more than it saves.
    """
    need_table(retention, ["cumulative_return", "contact", "expected_loss"],
               "plot_profit_curve needs the table of mining.churn.retention_list.")
    curve = profit_curve(retention, points=400)
    fig, ax = new_ax(ax, (7, 4.2))
    ax.plot(curve["share_contacted"], curve["campaign_return"], color="tab:green", lw=2.2,
            label="expected net return")
    ax.axhline(0, color="0.5", lw=0.8)
    chosen = curve[curve["chosen"]]
    if len(chosen) and int(chosen["n_contacted"].iloc[0]) > 0:
        x = float(chosen["share_contacted"].iloc[0])
        y = float(chosen["campaign_return"].iloc[0])
        n = int(chosen["n_contacted"].iloc[0])
        ax.axvline(x, color="k", ls="--", lw=1)
        ax.plot([x], [y], "o", color="k", ms=7, zorder=3)
        right = x < 0.6
        ax.annotate(f"chosen cut: contact {n:,} ({x:.0%})\nreturn {currency} {y:,.0f}",
                    xy=(x, y), xytext=(12 if right else -12, -28), textcoords="offset points",
                    ha="left" if right else "right", va="top", fontsize=11,
                    bbox={"boxstyle": "round", "fc": "white", "ec": "0.6"})
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda v, _pos: f"{v:.0%}")
    _money_axis(ax, currency)
    ax.set_xlabel("share of customers contacted (highest expected loss first)", fontsize=11)
    ax.set_ylabel("expected net campaign return", fontsize=11)
    ax.set_title("Retention campaign: expected return by share contacted", fontsize=12)
    ax.tick_params(labelsize=10)
    ax.grid(alpha=0.3)
    return fig


def plot_confusion_matrix(table: pd.DataFrame, *, title: str = "", ax: Axes | None = None
                          ) -> Figure:
    """The confusion matrix of a contact decision (table of
    :func:`mining.churn.confusion_at_cut`): counts, and each cell's share of its outcome row."""
    need_table(table, ["contacted", "not contacted"],
               "plot_confusion_matrix needs the table of mining.churn.confusion_at_cut.")
    t = table.drop(index="All", columns="All", errors="ignore")
    t = t.loc[[r for r in ("churned", "stayed") if r in t.index], ["contacted", "not contacted"]]
    values = t.to_numpy(dtype=float)
    fig, ax = new_ax(ax, (5.2, 4))
    ax.imshow(values, cmap="Blues", vmin=0, vmax=max(values.max(), 1))
    rows = values.sum(axis=1, keepdims=True)
    share = np.divide(values, rows, out=np.zeros_like(values), where=rows > 0)
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            dark = values[i, j] > 0.6 * values.max()
            ax.text(j, i, f"{values[i, j]:,.0f}\n{share[i, j]:.0%} of {t.index[i]}",
                    ha="center", va="center", fontsize=10,
                    color="white" if dark else "black")
    ax.set_xticks([0, 1])
    ax.set_xticklabels(["contacted", "not contacted"])
    ax.set_yticks(range(len(t)))
    ax.set_yticklabels([f"{r}\n(actual)" for r in t.index])
    ax.set_xlabel("decision at the chosen cut")
    ax.set_title(title or "Confusion matrix at the chosen cut")
    return fig
