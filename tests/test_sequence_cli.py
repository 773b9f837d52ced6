"""`mining sequences` (mining.cli.sequences), called directly through argparse."""

from __future__ import annotations

import argparse

import pandas as pd
import pytest

from mining.cli import sequences
from mining.errors import MiningError

CLASSIC = (
    "1 -1 1 2 3 -1 1 3 -1 4 -1 3 6 -1 -2\n"
    "1 4 -1 3 -1 2 3 -1 1 5 -1 -2\n"
    "5 6 -1 1 2 -1 4 6 -1 3 -1 2 -1 -2\n"
    "5 -1 7 -1 1 6 -1 3 -1 2 -1 3 -1 -2\n"
)


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="mining")
    sub = parser.add_subparsers()
    sequences.add_parser(sub)
    args = parser.parse_args(["sequences", *argv])
    return args.func(args)


def test_spmf_source_writes_one_row_per_pattern(tmp_path, capsys):
    src = tmp_path / "db.txt"
    src.write_text(CLASSIC)
    out = tmp_path / "patterns.csv"
    assert _run([str(src), "--format", "spmf", "--min-support", "2", "--out", str(out)]) == 0
    df = pd.read_csv(out)
    assert list(df.columns) == ["pattern", "n_elements", "n_items", "support_count", "support"]
    assert len(df) == 53
    assert df.set_index("pattern").loc["<(1, 2) (3)>", "support_count"] == 2
    assert "53 patterns from 4 customers" in capsys.readouterr().out
    assert _run([str(src), "--format", "spmf", "--min-support", "0.5", "--max-len", "2",
                 "--out", str(out)]) == 0
    assert pd.read_csv(out)["n_items"].max() == 2


def test_transactions_with_mapping_gaps_and_date_format(tmp_path, capsys):
    src = tmp_path / "shop.csv"
    src.write_text(
        "Member,Day,Item\n"
        "1,01-01-2024,tent\n1,01-01-2024,stove\n1,20-01-2024,gas\n"
        "2,05-01-2024,tent\n2,30-03-2024,gas\n"
        "3,02-01-2024,stove\n"
    )
    out = tmp_path / "p.csv"
    argv = [str(src), "--columns", "Member=customer_id,Day=timestamp,Item=product_id",
            "--date-format", "%d-%m-%Y", "--min-support", "2", "--out", str(out)]
    assert _run(argv) == 0
    assert "no column order_id" in capsys.readouterr().err
    found = pd.read_csv(out).set_index("pattern")["support_count"]
    assert found["<(tent) (gas)>"] == 2
    assert _run([*argv, "--max-gap", "30"]) == 0
    assert "<(tent) (gas)>" not in set(pd.read_csv(out)["pattern"])  # customer 2 waited 85 days
    assert _run([*argv, "--maximal"]) == 0
    assert "<(tent)>" not in set(pd.read_csv(out)["pattern"])


def test_bad_support_is_a_usage_error(tmp_path):
    with pytest.raises(SystemExit):
        _run(["x.csv", "--min-support", "lots", "--out", str(tmp_path / "o.csv")])
    assert sequences.parse_support("20") == 20
    assert sequences.parse_support("0.05") == 0.05
    assert sequences.parse_support("1.0") == 1.0


def test_missing_source_is_a_mining_error(tmp_path):
    with pytest.raises(MiningError, match="No such"):
        _run([str(tmp_path / "absent.txt"), "--format", "spmf", "--min-support", "2",
              "--out", str(tmp_path / "o.csv")])


def test_names_are_the_default_and_ids_on_request(tmp_path):
    src = tmp_path / "named.csv"
    src.write_text("customer_id,order_id,timestamp,product_id,product_name\n"
                   "c1,o1,2024-01-01,p1,tent\nc1,o2,2024-01-05,p2,gas\n"
                   "c2,o3,2024-01-02,p1,tent\nc2,o4,2024-01-09,p2,gas\n")
    out = tmp_path / "p.csv"
    assert _run([str(src), "--min-support", "2", "--out", str(out)]) == 0
    assert "<(tent) (gas)>" in set(pd.read_csv(out)["pattern"])
    assert _run([str(src), "--min-support", "2", "--names", "--out", str(out)]) == 0
    assert "<(tent) (gas)>" in set(pd.read_csv(out)["pattern"])
    assert _run([str(src), "--min-support", "2", "--ids", "--out", str(out)]) == 0
    assert "<(p1) (p2)>" in set(pd.read_csv(out)["pattern"])
    with pytest.raises(SystemExit):
        _run([str(src), "--min-support", "2", "--ids", "--names", "--out", str(out)])
