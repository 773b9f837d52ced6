"""`mining rules` (src/mining/cli/rules.py), run through a tiny argparse."""

from __future__ import annotations

import argparse

import pandas as pd
import pytest

from mining import basket as mb
from mining.cli import rules as rules_cli


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="mining")
    rules_cli.add_parser(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


def test_basket_format(tmp_path, capsys) -> None:
    src = tmp_path / "b.csv"
    src.write_text("milk,bread\nmilk,bread,butter\nmilk,butter\nbread\nmilk,bread,butter\n")
    out = tmp_path / "rules.csv"
    rc = _run(["rules", str(src), "--format", "basket", "--min-support", "0.4",
               "--min-confidence", "0.7", "--out", str(out)])
    assert rc == 0
    assert "5 rules" in capsys.readouterr().out
    rules = mb.rules_from_csv(out)
    assert {"antecedents", "consequents", "support", "confidence", "lift", "leverage",
            "conviction"} <= set(rules.columns)
    assert frozenset({"bread", "butter"}) in set(rules["antecedents"])


def test_transactions_format_with_columns_and_alias(tmp_path, capsys) -> None:
    src = tmp_path / "tx.csv"
    pd.DataFrame({
        "Invoice": ["o1", "o1", "o2", "o2", "o3"],
        "Item": ["a", "b", "a", "b", "a"],
        "Cust": ["c1", "c1", "c2", "c2", "c3"],
        "Date": ["2024-01-01"] * 5,
        "Qty": [1, 1, 1, 1, 1],
        "Price": [1.0, 2.0, 1.0, 2.0, 1.0],
    }).to_csv(src, index=False)
    out = tmp_path / "r.csv"
    rc = _run(["basket", str(src), "--columns",
               "Invoice=order_id,Item=product_id,Cust=customer_id,Date=timestamp,Qty=quantity,"
               "Price=unit_price", "--min-support", "0.5", "--min-confidence", "0.5",
               "--algorithm", "fpgrowth", "--out", str(out)])
    assert rc == 0
    rules = mb.rules_from_csv(out)
    got = dict(zip(rules["antecedents_str"] + ">" + rules["consequents_str"], rules["confidence"],
                   strict=True))
    assert got == pytest.approx({"b>a": 1.0, "a>b": 2 / 3})


def test_no_rules_is_a_hint_not_a_crash(tmp_path, capsys) -> None:
    src = tmp_path / "b.csv"
    src.write_text("a\nb\nc\n")
    rc = _run(["rules", str(src), "--format", "basket", "--min-support", "0.9",
               "--min-confidence", "0.5", "--out", str(tmp_path / "r.csv")])
    assert rc == 0
    assert "lower" in capsys.readouterr().err.lower()


def test_bad_support_is_a_usage_error(tmp_path) -> None:
    with pytest.raises(SystemExit):
        _run(["rules", "x.csv", "--min-support", "5", "--min-confidence", "0.5", "--out", "r"])


def test_names_are_the_default_and_ids_on_request(tmp_path) -> None:
    src = tmp_path / "named.csv"
    src.write_text("order_id,product_id,product_name\no1,p1,tent\no1,p2,gas\no2,p1,tent\n"
                   "o2,p2,gas\n")
    out = tmp_path / "r.csv"
    argv = ["rules", str(src), "--min-support", "0.5", "--min-confidence", "0.5", "--out",
            str(out)]
    assert _run(argv) == 0
    assert set(mb.rules_from_csv(out)["antecedents_str"]) == {"tent", "gas"}
    assert _run([*argv, "--names"]) == 0
    assert set(mb.rules_from_csv(out)["antecedents_str"]) == {"tent", "gas"}
    assert _run([*argv, "--ids"]) == 0
    assert set(mb.rules_from_csv(out)["antecedents_str"]) == {"p1", "p2"}
    with pytest.raises(SystemExit):
        _run([*argv, "--ids", "--names"])


def test_missing_columns_are_filled_with_a_note(tmp_path, capsys) -> None:
    src = tmp_path / "orders.csv"
    src.write_text("order_id,product_id\no1,a\no1,b\no2,a\no2,b\n")
    out = tmp_path / "r.csv"
    assert _run(["rules", str(src), "--min-support", "0.5", "--min-confidence", "0.5",
                 "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert ("note: no column customer_id (one customer per order), timestamp (a placeholder "
            "date), quantity (1), unit_price (0); rules do not need it.") in err
    assert "cleaning removed" not in err  # zero prices are kept when the price was filled
    assert len(mb.rules_from_csv(out)) == 2
