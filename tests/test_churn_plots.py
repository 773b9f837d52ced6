"""Tests of mining.plots.churn: every figure draws on the given axes and returns its Figure."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from mining import churn
from mining.errors import ParameterError, SchemaError
from mining.lifecycle import churn_by_stage
from mining.plots import churn as cplots


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def scores() -> tuple[pd.Series, pd.DataFrame]:
    rng = np.random.default_rng(0)
    ids = pd.Index([f"c{i}" for i in range(300)], name="customer_id")
    y = pd.Series(rng.random(300) < 0.3, index=ids, name="churned")
    good = np.clip(0.3 + 0.35 * (y - 0.3) + rng.normal(0, 0.15, 300), 0, 1)
    proba = pd.DataFrame({"good": good, "random": rng.random(300)}, index=ids)
    return y, proba


def tx_for_timeline() -> pd.DataFrame:
    rows = []
    for i in range(20):
        stop = 200 if i % 2 else 400
        for k, d in enumerate(range(i, stop, 25)):
            rows.append({"customer_id": f"c{i}", "order_id": f"{i}-{k}",
                         "timestamp": pd.Timestamp("2024-01-01") + pd.Timedelta(days=d),
                         "product_id": "p", "quantity": 1.0, "unit_price": 1.0})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("fn", [cplots.plot_roc, cplots.plot_precision_recall,
                                cplots.plot_gains, cplots.plot_lift, cplots.plot_calibration])
def test_score_plots_draw_one_series_per_model(fn, scores):
    y, proba = scores
    fig = fn(y, proba)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(lab.startswith("good") for lab in labels)
    assert any(lab.startswith("random") for lab in labels)
    # on a given axes: draws there and returns that figure
    fig2, ax2 = plt.subplots()
    assert fn(y, proba["good"].rename("only"), ax=ax2) is fig2


def test_roc_legend_reports_auc(scores):
    y, proba = scores
    fig = cplots.plot_roc(y, proba)
    text = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    auc = churn.evaluate(y, proba["good"])["roc_auc"]
    assert f"good (AUC {auc:.3f})" in text


def test_gains_curve_ends_at_one(scores):
    y, proba = scores
    fig = cplots.plot_gains(y, proba[["good"]])
    x, g = fig.axes[0].lines[0].get_data()
    assert x[0] == 0 and g[0] == 0 and x[-1] == pytest.approx(1) and g[-1] == pytest.approx(1)


def test_label_timeline():
    tx = tx_for_timeline()
    fig = cplots.plot_label_timeline(tx, as_of="2024-08-01", horizon_days=60, n_customers=8)
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert len(ticks) == 8
    assert sum("churned" in t for t in ticks) == 4
    assert "2024-08-01" in ax.get_title() and "2024-09-30" in ax.get_title()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "label window (60 days)" in legend
    # the old keyword still works for one release, and draws the same sample
    with pytest.warns(DeprecationWarning, match="'cutoff'.*'as_of'"):
        old = cplots.plot_label_timeline(tx, cutoff="2024-08-01", horizon_days=60, n_customers=8)
    assert [t.get_text() for t in old.axes[0].get_yticklabels()] == ticks
    # a Generator picks the sample too
    rng_fig = cplots.plot_label_timeline(tx, as_of="2024-08-01", horizon_days=60, n_customers=8,
                                         random_state=np.random.default_rng(0))
    assert [t.get_text() for t in rng_fig.axes[0].get_yticklabels()] == ticks


def test_importance_stage_and_retention_plots(scores):
    y, proba = scores
    table = pd.DataFrame({"importance_mean": [0.2, 0.05, 0.0], "importance_std": [0.01] * 3},
                         index=pd.Index(["recency_days", "n_orders", "region"], name="feature"))
    fig = cplots.plot_permutation_importance(table, top=2)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["n_orders", "recency_days"]
    stages = pd.Series(["decline", "stability", "formation"] * 100, index=y.index)
    fig = cplots.plot_churn_by_stage(churn_by_stage(stages, y))
    assert len(fig.axes[0].patches) == 4
    value = pd.Series(np.linspace(10, 500, 300), index=y.index)
    rl = churn.retention_list(proba["good"], value, contact_cost=10.0, success_rate=0.3)
    fig = cplots.plot_retention_curve(rl)
    assert "recommended cut" in fig.axes[0].get_legend().get_texts()[0].get_text()
    with pytest.raises(ParameterError):
        cplots.plot_retention_curve(pd.DataFrame({"x": [1]}))
    with pytest.raises(ParameterError):
        cplots.plot_churn_by_stage(pd.DataFrame({"x": [1]}))
    with pytest.raises(ParameterError):
        cplots.plot_permutation_importance(pd.DataFrame({"x": [1]}))


def test_profit_curve_marks_the_chosen_cut_in_money(scores):
    y, proba = scores
    value = pd.Series(np.linspace(10, 500, 300), index=y.index)
    rl = churn.retention_list(proba["good"], value, contact_cost=10.0, success_rate=0.3)
    fig = cplots.plot_profit_curve(rl, currency="USD")
    ax = fig.axes[0]
    k = int(rl["contact"].sum())
    note = [t.get_text() for t in ax.texts]
    assert any(f"contact {k:,}" in t and "USD" in t for t in note)
    assert ax.get_xlim() == (0.0, 1.0)
    fig.canvas.draw()
    assert all(t.get_text().startswith(("USD", "-USD")) for t in ax.get_yticklabels()
               if t.get_text())
    # nobody worth a contact: no cut drawn, still a figure
    none = churn.retention_list(proba["good"], value, contact_cost=1e6, success_rate=0.3)
    assert not cplots.plot_profit_curve(none).axes[0].texts
    with pytest.raises(ParameterError):
        cplots.plot_profit_curve(pd.DataFrame({"x": [1]}))


def test_confusion_matrix_shows_counts_and_row_shares(scores):
    y, proba = scores
    contact = proba["good"] > 0.4
    table = churn.confusion_at_cut(y, contact)
    fig = cplots.plot_confusion_matrix(table)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert len(texts) == 4
    assert texts[0].startswith(f"{table.loc['churned', 'contacted']:,}")
    assert "of churned" in texts[0] and "of stayed" in texts[3]
    with pytest.raises(ParameterError):
        cplots.plot_confusion_matrix(pd.DataFrame({"x": [1]}))


def test_plots_leave_global_settings_alone(scores):
    y, proba = scores
    before = dict(matplotlib.rcParams)
    cplots.plot_roc(y, proba)
    cplots.plot_lift(y, proba)
    assert dict(matplotlib.rcParams) == before


# --- churn types ---------------------------------------------------------------------------
@pytest.fixture
def churn_types_table(churn_shop) -> pd.DataFrame:
    """The churners of a tiny shop, typed by churn.churn_types (worked out in its docstring):
    a comes back (temporary, complete), b stays away after a decline (permanent, initial), c has
    too little history for a degree (permanent, unknown)."""
    d = pd.Timestamp
    tx = churn_shop([("c", "c0", d("2024-06-01"), 9.0), ("s", "s0", d("2024-05-01"), 9.0),
                     ("s", "s1", d("2024-10-01"), 9.0)])
    return churn.churn_types(tx, as_of="2024-09-01", horizon_days=90, return_window_days=120,
                             trend_days=60, observed_until="2025-06-01")


def test_churn_types_plot_counts_by_permanence_and_degree(churn_types_table):
    types = churn_types_table
    assert types["permanence"].tolist() == ["temporary", "permanent", "permanent"]
    assert types["degree"].tolist() == ["complete", "initial", "unknown"]
    fig = cplots.plot_churn_types(types, zh=False)
    left, right = fig.axes
    assert [p.get_height() for p in left.patches] == [1, 2]
    assert [t.get_text() for t in left.get_xticklabels()] == ["temporary", "permanent"]
    assert [p.get_height() for p in right.patches] == [1, 1, 0, 1]
    assert [t.get_text() for t in right.get_xticklabels()] == list(churn.CHURN_DEGREES)
    assert [t.get_text() for t in left.texts] == ["1 (33%)", "2 (67%)"]
    assert left.get_ylabel() == right.get_ylabel() == "churners (customers)"
    assert fig._suptitle.get_text() == "Churn types of 3 churners"
    # the Chinese names under the English ones
    zh = cplots.plot_churn_types(types, zh=True)
    assert [t.get_text() for t in zh.axes[0].get_xticklabels()] == ["temporary\n暂时流失",
                                                                   "permanent\n永久流失"]
    assert "partial\n半流失" in [t.get_text() for t in zh.axes[1].get_xticklabels()]


def test_churn_types_plot_on_one_axes_stacks_permanence_per_degree(churn_types_table):
    types = churn_types_table
    fig, ax = plt.subplots()
    assert cplots.plot_churn_types(types, ax=ax, zh=False) is fig
    temporary, permanent = ax.containers
    assert [p.get_height() for p in temporary] == [1, 0, 0, 0]
    assert [p.get_height() for p in permanent] == [0, 1, 0, 1]
    assert [p.get_y() for p in permanent] == [1, 0, 0, 0]  # stacked on the temporary ones
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["temporary", "permanent"]


def test_churn_types_plot_refuses_bad_input(churn_types_table):
    types = churn_types_table
    with pytest.raises(SchemaError, match="'degree'"):
        cplots.plot_churn_types(types.drop(columns="degree"))
    with pytest.raises(ParameterError, match="column 'permanence' has values \\['gone'\\]"):
        cplots.plot_churn_types(types.assign(permanence="gone"))
    with pytest.raises(ParameterError, match="'zh' parameter"):
        cplots.plot_churn_types(types, zh="maybe")
    # no churners at all is a figure of zero bars, not an error
    empty = cplots.plot_churn_types(types.iloc[:0], zh=False)
    assert [p.get_height() for p in empty.axes[0].patches] == [0, 0]
