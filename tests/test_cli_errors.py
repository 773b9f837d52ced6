"""Every `mining` subcommand answers bad input with exit code 2 and one `error:` message.

Called through ``mining.cli.main`` (the real parser and error handling), with capsys: no
traceback, the message on stderr names what to fix.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mining.cli import main

SAMPLE = str(Path(__file__).resolve().parents[1] / "data" / "sample_transactions.csv")


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, str]:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    header_only = tmp_path / "header_only.csv"
    header_only.write_text("customer_id,order_id,timestamp,product_id,product_name,category,"
                           "quantity,unit_price\n")
    garbage = tmp_path / "garbage.csv"
    garbage.write_text("a;b\n1;2\n")
    spmf_bad = tmp_path / "bad.spmf"
    spmf_bad.write_text("1 -1 x -1 -2\n")
    nb_dir = tmp_path / "nb"
    nb_dir.mkdir()
    return {"empty": str(empty), "header_only": str(header_only), "garbage": str(garbage),
            "spmf_bad": str(spmf_bad), "missing": str(tmp_path / "nope.csv"),
            "out": str(tmp_path / "out.csv"), "dir": str(nb_dir),
            "missing_nb": str(tmp_path / "nope.ipynb"), "tmp": str(tmp_path)}


def _seq(*extra: str) -> list[str]:
    return ["sequences", SAMPLE, "--min-support", "0.2", "--max-len", "2", "--out", "{out}",
            *extra]


def _rules(*extra: str) -> list[str]:
    return ["rules", SAMPLE, "--min-support", "0.05", "--min-confidence", "0.5", "--out",
            "{out}", *extra]


CASES = [
    # validate
    pytest.param(["validate", "{missing}"], "nope.csv", id="validate-missing-file"),
    pytest.param(["validate", "{empty}"], "", id="validate-empty-file"),
    pytest.param(["validate", "{garbage}"], "", id="validate-no-contract-columns"),
    pytest.param(["validate", SAMPLE, "--not-after", "garbage"], "--not-after",
                 id="validate-not-after-garbage"),
    # rules
    pytest.param(["rules", "{missing}", "--min-support", "0.1", "--min-confidence", "0.5",
                  "--out", "{out}"], "nope.csv", id="rules-missing-file"),
    pytest.param(["rules", "{empty}", "--min-support", "0.1", "--min-confidence", "0.5",
                  "--out", "{out}"], "", id="rules-empty-file"),
    pytest.param(["rules", "{header_only}", "--min-support", "0.1", "--min-confidence", "0.5",
                  "--out", "{out}"], "", id="rules-header-only"),
    pytest.param(["rules", SAMPLE, "--min-support", "abc", "--min-confidence", "0.5",
                  "--out", "{out}"], "--min-support", id="rules-support-abc"),
    pytest.param(["rules", SAMPLE, "--min-support", "-1", "--min-confidence", "0.5",
                  "--out", "{out}"], "--min-support", id="rules-support-negative"),
    pytest.param(["rules", SAMPLE, "--min-support", "2", "--min-confidence", "0.5",
                  "--out", "{out}"], "--min-support", id="rules-support-2"),
    pytest.param(["rules", SAMPLE, "--min-support", "nan", "--min-confidence", "0.5",
                  "--out", "{out}"], "--min-support", id="rules-support-nan"),
    pytest.param(["rules", SAMPLE, "--min-support", "0.05", "--min-confidence", "1.5",
                  "--out", "{out}"], "--min-confidence", id="rules-confidence-1.5"),
    pytest.param(_rules("--max-len", "0"), "--max-len", id="rules-max-len-0"),
    pytest.param(_rules("--max-itemsets", "0"), "--max-itemsets", id="rules-max-itemsets-0"),
    pytest.param(_rules("--time-budget", "-3"), "--time-budget", id="rules-time-budget-neg"),
    pytest.param(_rules("--level", "brand"), "--level", id="rules-unknown-level"),
    pytest.param(_rules("--max-rules", "0"), "max_rules", id="rules-max-rules-0"),
    pytest.param(_rules("--significance", "5"), "significance", id="rules-significance-5"),
    pytest.param(["rules", SAMPLE, "--min-support", "1e-9", "--min-confidence", "0.5",
                  "--out", "{out}"], "--max-itemsets", id="rules-support-tiny-budget"),
    pytest.param(_rules("--out", "{tmp}/no/such/dir/r.csv"), "Cannot write",
                 id="rules-unwritable-out"),
    # sequences
    pytest.param(["sequences", "{missing}", "--min-support", "0.1", "--out", "{out}"],
                 "nope.csv", id="sequences-missing-file"),
    pytest.param(["sequences", "{empty}", "--min-support", "0.1", "--out", "{out}"], "",
                 id="sequences-empty-file"),
    pytest.param(["sequences", "{header_only}", "--min-support", "0.1", "--out", "{out}"], "",
                 id="sequences-header-only"),
    pytest.param(["sequences", SAMPLE, "--min-support", "abc", "--out", "{out}"],
                 "--min-support", id="sequences-support-abc"),
    pytest.param(["sequences", SAMPLE, "--min-support", "-1", "--out", "{out}"],
                 "--min-support", id="sequences-support-negative"),
    pytest.param(["sequences", SAMPLE, "--min-support", "2.5", "--out", "{out}"],
                 "--min-support", id="sequences-support-2.5"),
    pytest.param(["sequences", SAMPLE, "--min-support", "0", "--out", "{out}"],
                 "--min-support", id="sequences-support-0"),
    pytest.param(_seq("--max-len", "0"), "--max-len", id="sequences-max-len-0"),
    pytest.param(_seq("--max-len", "two"), "--max-len", id="sequences-max-len-two"),
    pytest.param(_seq("--max-patterns", "0"), "--max-patterns", id="sequences-max-patterns-0"),
    pytest.param(_seq("--time-budget", "abc"), "--time-budget", id="sequences-time-budget-abc"),
    pytest.param(_seq("--min-gap", "-1"), "--min-gap", id="sequences-min-gap-negative"),
    pytest.param(_seq("--min-gap", "5", "--max-gap", "1"), "max_gap",
                 id="sequences-max-gap-below-min-gap"),
    pytest.param(_seq("--level", "brand"), "--level", id="sequences-unknown-level"),
    pytest.param(_seq("--element", "week"), "--element", id="sequences-unknown-element"),
    pytest.param(_seq("--as-of", "garbage"), "--as-of", id="sequences-as-of-garbage"),
    pytest.param(_seq("--as-of", "1990-01-01"), "as_of", id="sequences-as-of-before-data"),
    pytest.param(["sequences", "{spmf_bad}", "--format", "spmf", "--min-support", "1",
                  "--out", "{out}"], "SPMF line 1", id="sequences-bad-spmf"),
    pytest.param(["sequences", "{missing}", "--format", "spmf", "--min-support", "1",
                  "--out", "{out}"], "nope.csv", id="sequences-missing-spmf"),
    pytest.param(["sequences", "{dir}", "--format", "spmf", "--min-support", "1",
                  "--out", "{out}"], "SPMF", id="sequences-spmf-is-a-folder"),
    pytest.param(["sequences", SAMPLE, "--level", "category", "--element", "day",
                  "--min-support", "0.1", "--out", "{out}"], "--max-len",
                 id="sequences-explosion-budget"),
    pytest.param(_seq("--out", "{tmp}/no/such/dir/p.csv"), "Cannot write",
                 id="sequences-unwritable-out"),
    # datasets
    pytest.param(["datasets", "show", "no-such-dataset"], "no-such-dataset",
                 id="datasets-show-unknown"),
    pytest.param(["datasets", "export", "no-such-dataset", "{out}"], "no-such-dataset",
                 id="datasets-export-unknown"),
    pytest.param(["datasets", "export", "demo", "{tmp}/x.xlsx", "--size", "small"], ".parquet",
                 id="datasets-export-bad-suffix"),
    pytest.param(["datasets", "export", "demo", "{out}", "--n-customers", "-5"], "n_customers",
                 id="datasets-export-negative-customers"),
    pytest.param(["datasets", "export", "demo", "{tmp}/no/such/dir/x.csv", "--size", "small"],
                 "", id="datasets-export-unwritable"),
    pytest.param(["datasets", "show", "demo", "--seed", "abc"], "--seed",
                 id="datasets-show-seed-abc"),
    pytest.param(["datasets"], "", id="datasets-no-action"),
    # glossary
    pytest.param(["glossary", "--nonsense"], "", id="glossary-unknown-option"),
    # run
    pytest.param(["run", "{missing_nb}", "--out", "{tmp}"], "nope.ipynb", id="run-missing-notebook"),
    pytest.param(["run", "{empty}", "--out", "{tmp}"], "", id="run-not-a-notebook"),
    pytest.param(["run", "{missing_nb}", "--timeout", "abc"], "--timeout", id="run-timeout-abc"),
    # report
    pytest.param(["report", "--config", "{missing}", "--out", "{tmp}"], "nope.csv",
                 id="report-missing-config"),
    pytest.param(["report", "--dataset", "no-such-dataset", "--out", "{tmp}"], "no-such-dataset",
                 id="report-unknown-dataset"),
    pytest.param(["report", "--keep", "abc"], "--keep", id="report-keep-abc"),
    pytest.param(["report", "--config", "{empty}", "--out", "{tmp}"], "",
                 id="report-empty-config"),
]


@pytest.mark.parametrize(("argv", "needle"), CASES)
def test_bad_input_exits_2_with_one_error_line(argv, needle, files, capsys):
    args = [a.format(**files) for a in argv]
    code = main(args)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert "error:" in err
    assert needle.format(**files) in err
    # one message, not a dump: argparse's usage block may precede it, then a few lines at most
    lines = err.strip().splitlines()
    first = next(i for i, line in enumerate(lines) if "error:" in line)
    assert len(lines) - first <= 6, err
    assert sum("error:" in line for line in lines) == 1, err


def test_glossary_unknown_word_is_not_an_error(capsys):
    assert main(["glossary", "zzzz-not-a-term"]) == 1
    err = capsys.readouterr().err
    assert "No glossary term" in err and "Traceback" not in err


def test_as_of_with_time_zone_is_converted_to_utc(tmp_path, capsys):
    """2025-01-01T00:00+08:00 is 2024-12-31 16:00 UTC: a line at 20:00 UTC that day is after
    the cutoff, one at 10:00 before it; no error."""
    src = tmp_path / "tx.csv"
    pd.DataFrame({
        "customer_id": ["A", "A", "B", "B"],
        "order_id": ["1", "2", "3", "4"],
        "timestamp": ["2024-12-01 10:00", "2024-12-31 10:00", "2024-12-01 10:00",
                      "2024-12-31 20:00"],
        "product_id": ["x", "y", "x", "y"],
        "quantity": [1, 1, 1, 1],
        "unit_price": [1.0, 1.0, 1.0, 1.0],
    }).to_csv(src, index=False)
    out = tmp_path / "p.csv"
    code = main(["sequences", str(src), "--min-support", "1", "--as-of",
                 "2025-01-01T00:00+08:00", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    patterns = pd.read_csv(out).set_index("pattern")["support_count"]
    # A bought x then y before the cutoff; B's y came after it
    assert patterns["<(x) (y)>"] == 1
    assert patterns["<(x)>"] == 2
    assert patterns["<(y)>"] == 1
