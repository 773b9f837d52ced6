"""The `mining` command line: exit codes, messages, subcommand structure."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mining import __version__
from mining.cli import build_parser, main

FIXTURES = Path(__file__).parent / "fixtures"
OK_NB = FIXTURES / "params_ok.ipynb"
CONFIG = FIXTURES / "report.yaml"


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"mining {__version__}"


def test_no_command_prints_help_and_fails(capsys):
    assert main([]) == 2
    assert "report" in capsys.readouterr().err


def test_usage_error_returns_argparse_code(capsys):
    assert main(["report", "--size", "huge"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_every_subcommand_has_a_handler():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    assert {"report", "run"} <= set(sub.choices)
    for name, subparser in sub.choices.items():
        assert callable(subparser.get_default("func")), name


def test_python_dash_m_mining_works():
    out = subprocess.run([sys.executable, "-m", "mining", "--version"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"mining {__version__}"


def test_unknown_parameter_is_a_clear_error_without_traceback(tmp_path, capsys):
    code = main(["run", str(OK_NB), "-p", "nn", "5", "--out", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ")
    assert "'nn'" in err and "Did you mean 'n'?" in err and "params_ok.ipynb" in err
    assert "Traceback" not in err
    assert not (tmp_path / "r").exists()


def test_bad_value_and_missing_config_exit_2(tmp_path, capsys):
    assert main(["run", str(OK_NB), "-p", "n", "five", "--out", str(tmp_path)]) == 2
    assert "'n' parameter" in capsys.readouterr().err
    assert main(["report", "--config", str(tmp_path / "none.yaml"), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Report config") and "none.yaml not found" in err


@pytest.mark.slow
def test_run_one_notebook(tmp_path, capsys):
    assert main(["run", str(OK_NB), "-p", "n", "5", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "[1/1] params_ok ... ok (" in out
    assert "1 notebook: 1 ok, 0 failed in " in out
    (run_dir,) = [p for p in tmp_path.iterdir() if not p.name.startswith((".", "latest"))]
    assert run_dir.name.endswith("-demo")  # named after the notebook's dataset parameter
    assert (tmp_path / "latest").resolve() == run_dir.resolve()
    assert (run_dir / "index.html").is_file()
    assert (run_dir / "params_ok" / "params_ok.nocode.html").is_file()


@pytest.mark.slow
def test_report_with_a_failing_notebook_exits_1_and_names_it(tmp_path, capsys):
    assert main(["report", "--config", str(CONFIG), "--out", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert "[2/2] fails ... failed (" in captured.out
    assert "2 notebooks: 1 ok, 1 failed in " in captured.out
    assert "index.html" in captured.out
    assert "failed: fails" in captured.err
    assert "ValueError: boom 2" in captured.err


def test_glossary_lists_terms_in_both_languages(capsys):
    assert main(["glossary"]) == 0
    out = capsys.readouterr().out
    for text in ("RFM analysis (RFM 分析)", "churn (客户流失)", "deviation detection (偏差检测)"):
        assert text in out
    assert main(["glossary", "流失"]) == 0
    assert capsys.readouterr().out.startswith("churn (客户流失)")
    assert main(["glossary", "no-such-term"]) == 1
