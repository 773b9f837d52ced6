"""The retention campaign built by the package (churn.retention_plan / retention_at) and the
planted-vs-found evidence shown by tables.show_tables."""

from __future__ import annotations

import pandas as pd
import pytest

from mining import churn, datasets, features, lifecycle, value
from mining.findings import Evidence
from mining.tables import Tables, show_tables


@pytest.fixture(scope="module")
def demo():
    ds = datasets.load("demo", size="small", random_state=0)
    tx = ds.transactions
    end = tx["timestamp"].max().normalize() + pd.Timedelta(days=1)
    cut = end - pd.Timedelta(days=180)
    X, y = churn.training_set(tx, as_of=cut, horizon_days=90, observed_until=end)
    model = churn.make_model("logistic").fit(X, y)
    return ds, tx, end, cut, model


def test_retention_plan_is_the_list_scored_today_with_future_value_at_risk(demo):
    ds, tx, end, _, model = demo
    plan = churn.retention_plan(model, tx, as_of=end, contact_cost=2.0, success_rate=0.2,
                                currency="USD")
    # the same steps written out
    proba = churn.churn_probability(model, churn.scoring_set(tx, as_of=end))
    clv = value.customer_lifetime_value(features.customer_table(tx, as_of=end), as_of=end)
    want = churn.retention_list(proba, clv, contact_cost=2.0, success_rate=0.2,
                                value_column="future_value")
    pd.testing.assert_frame_equal(plan.retention, want)
    pd.testing.assert_frame_equal(
        plan.call_list, churn.retention_actions(want, lifecycle.lifecycle_stage(tx, as_of=end)))
    campaign = churn.retention_summary(want)
    assert plan.campaign.equals(campaign)
    text = str(plan)
    assert f"Contact {campaign['n_contact']:,.0f} of {len(want):,} customers" in text
    assert "USD" in text and "EUR" not in text
    assert plan.as_of == end


def test_retention_at_an_earlier_cutoff_uses_only_what_was_known_then(demo):
    _, tx, _, cut, model = demo
    proba = churn.churn_probability(model, churn.scoring_set(tx, as_of=cut))
    early = churn.retention_at(proba, tx, as_of=cut, contact_cost=2.0, success_rate=0.2)
    later_rows = tx[tx["timestamp"] >= cut].copy()
    later_rows["quantity"] *= 10  # changing the future must not change the list at the cutoff
    changed = pd.concat([tx[tx["timestamp"] < cut], later_rows])
    again = churn.retention_at(proba, changed, as_of=cut, contact_cost=2.0, success_rate=0.2)
    pd.testing.assert_frame_equal(early, again)
    assert early["expected_loss"].is_monotonic_decreasing


def test_planted_evidence_on_demo_and_on_real_data(demo):
    ds, tx, end, cut, _ = demo
    labels = churn.churn_labels(tx, as_of=cut, horizon_days=90, observed_until=end)
    ev = churn.planted_evidence(labels, ds.truth)
    assert [type(e) for e in ev] == [Evidence, Evidence]
    assert int(ev[0].table.loc["All", "All"]) == len(labels)
    shown = show_tables(ev)
    assert isinstance(shown, Tables) and len(shown.tables) == 2
    assert "What was planted vs what was found" in shown._repr_html_()
    assert churn.planted_evidence(labels, None) == []
    empty = show_tables(churn.planted_evidence(labels, object()))
    assert not empty and "No planted truth" in repr(empty) and "No planted truth" in empty._repr_html_()


def test_show_tables_refuses_what_is_not_evidence():
    with pytest.raises(Exception, match="Evidence"):
        show_tables([pd.DataFrame({"a": [1]})])


def test_the_call_list_as_an_action_list_documents_every_column(demo):
    _, tx, end, _, model = demo
    plan = churn.retention_plan(model, tx, as_of=end, contact_cost=2.0, success_rate=0.2)
    lst = plan.action_list(horizon_days=90)
    assert lst.name == "retention_call_list" and lst.table is plan.call_list
    assert f"{end:%Y-%m-%d}" in lst.description
    saved = lst.check()  # every saved column documented, ids as text
    assert list(saved.columns) == ["customer_id", *plan.call_list.columns]
