"""Planted-vs-found evidence built by the package for the notebooks (value, clv, deviation):
the same tables the notebooks built by hand before, and nothing (a clear message) on real data."""

from __future__ import annotations

import pandas as pd
import pytest

from mining import clv, datasets, deviation, features, segment, value
from mining.tables import NO_TRUTH, show_tables


@pytest.fixture(scope="module")
def demo():
    return datasets.load("demo", size="small", random_state=0)


def test_segments_evidence_is_the_share_table_of_label_agreement(demo):
    tx, cut, truth = demo.transactions, demo.as_of, demo.truth
    rfm = value.rfm_scores(features.customer_table(tx, as_of=cut))
    ev = value.segments_evidence({"RFM segment": rfm["rfm_segment"]}, truth)
    want = segment.label_agreement(truth.segments, rfm["rfm_segment"]).shares
    assert len(ev) == 1 and ev[0].caption.endswith("found RFM segment (share of the row)")
    pd.testing.assert_frame_equal(ev[0].table, want, check_names=False)
    assert set(ev[0].percent) == {str(c) for c in want.columns}
    html = show_tables(ev)._repr_html_()
    assert "%" in html  # shares are shown as percentages, whatever the segment names
    assert value.segments_evidence({"RFM segment": rfm["rfm_segment"]}, None) == []
    assert repr(show_tables([])) == NO_TRUTH


def test_clv_planted_evidence(demo):
    tx, cut, truth = demo.transactions, demo.as_of, demo.truth
    summary = clv.calibration_summary(tx, as_of=cut)
    ltv = clv.lifetime_value(summary, clv.fit_bgnbd(summary), clv.fit_gamma_gamma(summary))
    classes = pd.Series("gold", index=ltv.index)
    ev = clv.planted_evidence(ltv, summary, truth, before=cut, count_model="bgnbd",
                              clv_class=classes)
    assert [e.caption for e in ev][-1] == clv.PLANTED_CHURN
    pd.testing.assert_frame_equal(
        ev[-1].table, clv.p_alive_vs_planted_churn(ltv, summary, truth.churn_dates, before=cut,
                                                   count_model="bgnbd"))
    assert ev[0].caption.startswith("Planted segment") and len(ev) == 2
    shown = show_tables(ev)
    assert shown.data[clv.PLANTED_CHURN] is ev[-1].table
    assert clv.planted_evidence(ltv, summary, None, before=cut) == []


def test_deviation_planted_evidence(demo):
    tx, cut, truth = demo.transactions, demo.as_of, demo.truth
    res = deviation.detect_customers(tx, as_of=cut)
    orders = deviation.order_deviations(tx, as_of=cut)
    ev = deviation.planted_evidence(res, orders, truth)
    assert [e.caption for e in ev] == ["Customers: planted vs flagged",
                                       "Customers: planted kinds found",
                                       "Orders: planted vs flagged", "Orders: planted kinds found"]
    sets = {"default cut": res.flags.index,
            "top 1% of scores": deviation.top_scored(res.scores, share=0.01)}
    pd.testing.assert_frame_equal(
        ev[0].table, deviation.planted_scorecard(sets, truth.anomalous_customers))
    assert len(deviation.planted_evidence(res, None, truth)) == 2
    assert deviation.planted_evidence(res, orders, None) == []


def test_deviation_action_lists(demo):
    tx, cut = demo.transactions, demo.as_of
    res = deviation.detect_customers(tx, as_of=cut)
    orders = deviation.order_deviations(tx, as_of=cut)
    spend = deviation.customer_spend_breaks(tx, as_of=cut, values=res.values, min_orders=4)
    silent = deviation.silent_churn(spend, res.values, as_of=cut)
    lists = deviation.action_lists(res, orders, silent)
    assert [a.name for a in lists] == ["flagged_customers", "flagged_orders", "silent_churn"]
    table, columns = deviation.customer_flag_list(res, orders=orders)
    pd.testing.assert_frame_equal(lists[0].table, table)
    assert lists[0].columns == columns
    for a in lists:
        a.check()  # every column documented
    assert [a.name for a in deviation.action_lists(res)] == ["flagged_customers"]
