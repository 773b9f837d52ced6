"""Mining budgets: runs that would explode stop early with a BudgetError naming what to change;
runs within budget give exactly the patterns of the unguarded miner."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from mining import basket as mb
from mining import sequence as sq
from mining.cli import main
from mining.errors import BudgetError, ParameterError
from mining.io import load_transactions
from mining.schema import clean_transactions

SAMPLE = str(Path(__file__).resolve().parents[1] / "data" / "sample_transactions.csv")


@pytest.fixture(scope="module")
def tx():
    return clean_transactions(load_transactions(SAMPLE))[0]


@pytest.fixture(scope="module")
def day_db(tx):
    return sq.customer_sequences(tx, as_of=None, level="category", element="day")


def _run_cli(argv, capsys):
    started = time.perf_counter()
    code = main(argv)
    return code, capsys.readouterr().err, time.perf_counter() - started


# -- the two reproductions, through the command ---------------------------------------------


@pytest.mark.parametrize("support", ["0.1", "1"])
def test_sequences_explosion_stops_with_budget_error(support, tmp_path, capsys):
    code, err, secs = _run_cli(["sequences", SAMPLE, "--level", "category", "--element", "day",
                                "--min-support", support, "--out", str(tmp_path / "p.csv")],
                               capsys)
    assert code == 2
    assert "Traceback" not in err and "MemoryError" not in err
    assert "more than --max-patterns=1,000,000 patterns" in err
    assert f"--min-support={support}" in err
    assert "Raise --min-support or set --max-len" in err
    assert not (tmp_path / "p.csv").exists()
    assert secs < 60  # includes a first numba compile; about 1-3 s once cached


def test_rules_tiny_support_stops_with_budget_error(tmp_path, capsys):
    code, err, secs = _run_cli(["rules", SAMPLE, "--min-support", "1e-9", "--min-confidence",
                                "0.5", "--out", str(tmp_path / "r.csv")], capsys)
    assert code == 2 and "Traceback" not in err
    # counted exactly before mining: one basket of 45 products alone has 2^45 subsets
    assert "35,184,374,804,526 frequent itemsets" in err
    assert "Raise --min-support or set --max-len" in err
    assert "--max-len=4 would give 256,030" in err
    assert "--min-support=0.004 (itemsets in >= 2 baskets) would give 7,192" in err
    assert secs < 20


def test_rules_budget_hint_is_right(tx):
    """The suggested min_support really gives the announced number of itemsets."""
    b = mb.basket_matrix(tx, level="product")
    assert len(mb.frequent_itemsets(b, min_support=0.004, algorithm="fast")) == 7_192
    assert len(mb.frequent_itemsets(b, min_support=1e-9, max_len=4, algorithm="fast")) == 256_030


# -- sequences: library ---------------------------------------------------------------------


def test_sequence_budget_names_parameters(day_db):
    with pytest.raises(BudgetError, match=r"more than max_patterns=1,000 patterns at "
                       r"min_support=0\.1 .*Raise min_support or set max_len"):
        sq.frequent_sequences(day_db, min_support=0.1, max_patterns=1_000)


@pytest.mark.parametrize(("kw", "expected"), [
    ({"max_len": 3}, 2175),                            # mine_fast kernel
    ({"max_len": 3, "max_gap": 30.0}, None),           # constrained kernel
    ({"max_len": 4, "min_gap": 1.0}, None),
])
def test_sequences_within_budget_are_unchanged(day_db, kw, expected):
    ref = sq.frequent_sequences(day_db, min_support=0.1, max_patterns=None, **kw)
    exact = len(ref)
    if expected is not None:
        assert exact == expected
    # a budget of exactly the pattern count is enough, one less is not
    got = sq.frequent_sequences(day_db, min_support=0.1, max_patterns=exact,
                                max_seconds=600, **kw)
    assert got["pattern_str"].tolist() == ref["pattern_str"].tolist()
    assert np.array_equal(got["support_count"].to_numpy(), ref["support_count"].to_numpy())
    with pytest.raises(BudgetError, match=f"more than max_patterns={exact - 1:,}"):
        sq.frequent_sequences(day_db, min_support=0.1, max_patterns=exact - 1, **kw)


def test_sequence_time_budget_triggers(day_db):
    started = time.perf_counter()
    with pytest.raises(BudgetError, match=r"more than max_seconds=0\.01 seconds .*max_len"):
        sq.frequent_sequences(day_db, min_support=0.1, max_seconds=0.01, max_patterns=None)
    assert time.perf_counter() - started < 5


def test_sequence_time_budget_cli(tmp_path, capsys):
    code, err, _ = _run_cli(["sequences", SAMPLE, "--level", "category", "--element", "day",
                             "--min-support", "0.1", "--max-patterns", "100000000",
                             "--time-budget", "0.05", "--out", str(tmp_path / "p.csv")], capsys)
    assert code == 2
    assert "more than --time-budget=0.05 seconds" in err


def test_sequential_rules_budget(day_db):
    pats = sq.frequent_sequences(day_db, min_support=0.1, max_len=3)
    n_rules = len(sq.sequential_rules(pats))
    assert len(sq.sequential_rules(pats, max_rules=n_rules)) == n_rules
    with pytest.raises(BudgetError, match="max_rules=10 rules .*min_confidence"):
        sq.sequential_rules(pats, max_rules=10)


@pytest.mark.parametrize(("support", "count"), [(1, 1), (1.0, 60), (0.1, 6), (6, 6)])
def test_min_support_int_is_a_count_float_is_a_share(day_db, support, count):
    res = sq.frequent_sequences(day_db, min_support=support, max_len=1)
    assert sq.min_count_for(support, len(day_db)) == count
    assert (res["support_count"] >= count).all()


@pytest.mark.parametrize("bad", [0, -1, 0.0, 1.5, 2.0, float("nan"), True, "0.1"])
def test_bad_min_support_names_the_parameter(day_db, bad):
    with pytest.raises(ParameterError, match="'min_support'.*float in \\(0, 1\\].*int >= 1"):
        sq.frequent_sequences(day_db, min_support=bad, max_len=1)


def test_float_count_gets_a_hint(day_db):
    with pytest.raises(ParameterError, match="pass an int: 20"):
        sq.frequent_sequences(day_db, min_support=20.0)


@pytest.mark.parametrize(("kw", "name"), [({"max_patterns": 0}, "max_patterns"),
                                          ({"max_seconds": 0}, "max_seconds"),
                                          ({"max_seconds": "5"}, "max_seconds")])
def test_bad_budget_names_the_parameter(day_db, kw, name):
    with pytest.raises(ParameterError, match=f"'{name}'"):
        sq.frequent_sequences(day_db, min_support=0.5, **kw)


# -- itemsets and rules ---------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["apriori", "fpgrowth", "fast"])
def test_itemsets_within_budget_are_unchanged(tx, algorithm):
    b = mb.basket_matrix(tx, level="product")
    ref = mb.frequent_itemsets(b, min_support=0.01, algorithm=algorithm, max_itemsets=None)
    got = mb.frequent_itemsets(b, min_support=0.01, algorithm=algorithm,
                               max_itemsets=len(ref), max_seconds=600)
    assert got["itemset_str"].tolist() == ref["itemset_str"].tolist()
    assert got["count"].tolist() == ref["count"].tolist()
    with pytest.raises(BudgetError, match=f"{len(ref):,} frequent itemsets .*max_itemsets="
                       f"{len(ref) - 1:,}"):
        mb.frequent_itemsets(b, min_support=0.01, algorithm=algorithm,
                             max_itemsets=len(ref) - 1)


@pytest.mark.parametrize("algorithm", ["apriori", "fast"])
def test_itemset_explosion_refused_before_mining(tx, algorithm):
    b = mb.basket_matrix(tx, level="product")
    started = time.perf_counter()
    with pytest.raises(BudgetError, match="before mining: 35,184,374,804,526"):
        mb.frequent_itemsets(b, min_support=1e-9, algorithm=algorithm)
    assert time.perf_counter() - started < 5


def test_itemset_upper_bound_without_pyfim(tx, monkeypatch):
    from mining.basket import _itemsets

    b = mb.basket_matrix(tx, level="product")
    monkeypatch.setattr(_itemsets, "pyfim_available", lambda: False)
    with pytest.raises(BudgetError, match="upper bound"):
        mb.frequent_itemsets(b, min_support=1e-9, algorithm="fpgrowth")
    small = mb.frequent_itemsets(b, min_support=0.05, algorithm="fpgrowth")
    assert len(small) > 0


def test_itemset_time_budget(tx, monkeypatch):
    from mining.basket import _itemsets

    b = mb.basket_matrix(tx, level="product")
    clock = iter([0.0, 100.0, 200.0, 300.0])  # every step "takes" 100 s
    monkeypatch.setattr(_itemsets.time, "perf_counter", lambda: next(clock))
    with pytest.raises(BudgetError, match=r"max_seconds=5 seconds"):
        mb.frequent_itemsets(b, min_support=0.05, max_seconds=5)


@pytest.mark.parametrize("bad", [0, -0.1, 1.5, float("nan"), True, "0.1"])
def test_itemset_min_support_is_a_share(tx, bad):
    b = mb.basket_matrix(tx, level="product")
    with pytest.raises(ParameterError, match="'min_support'.*share of baskets"):
        mb.frequent_itemsets(b, min_support=bad)


def test_rule_candidate_budget(tx):
    b = mb.basket_matrix(tx, level="product")
    fi = mb.frequent_itemsets(b, min_support=0.004, algorithm="fast")
    ref = mb.association_rules(fi, min_threshold=0.0)
    same = mb.association_rules(fi, min_threshold=0.0, max_candidates=len(ref), max_seconds=600)
    assert same["antecedents_str"].tolist() == ref["antecedents_str"].tolist()
    assert same["consequents_str"].tolist() == ref["consequents_str"].tolist()
    with pytest.raises(BudgetError, match=f"more than max_candidates={len(ref) - 1:,} rules "
                       "reach confidence >= 0.0 .*Raise min_threshold"):
        mb.association_rules(fi, min_threshold=0.0, max_candidates=len(ref) - 1)
    with pytest.raises(BudgetError, match="set max_consequent_len=1"):
        mb.association_rules(fi, min_threshold=0.0, max_consequent_len=None, max_candidates=10)
