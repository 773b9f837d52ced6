"""The report runner: parameter checks, config loading, run folders, index, end-to-end runs.

The end-to-end tests execute the tiny notebooks in tests/fixtures with a real kernel (about two
seconds each) and are marked slow; each kernel run is shared by the tests that read its outputs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from pathlib import Path

import nbformat
import pytest

from mining import __version__
from mining.errors import MiningError, ParameterError
from mining.report import (
    FAILED,
    OK,
    SKIPPED,
    ConfigError,
    NotebookError,
    NotebookResult,
    check_parameters,
    declared_parameters,
    load_config,
    make_run_dir,
    run_notebook,
    run_report,
    write_index,
)

FIXTURES = Path(__file__).parent / "fixtures"
OK_NB = FIXTURES / "params_ok.ipynb"
FAIL_NB = FIXTURES / "fails.ipynb"
SLEEP_NB = FIXTURES / "sleeps.ipynb"
NO_PARAMS_NB = FIXTURES / "no_parameters.ipynb"
CONFIG = FIXTURES / "report.yaml"
SOURCE = FIXTURES / "source.txt"
CODE_MARKER = "code-marker-7f3a"


def _notebook(tmp_path: Path, parameters_source: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    cell = nbformat.v4.new_code_cell(parameters_source)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, str(path))
    return path


def _hrefs(index: Path) -> list[str]:
    return re.findall(r'href="([^"]+)"', index.read_text(encoding="utf-8"))


# -- declared parameters and type conversion (no kernel) --------------------------------------


def test_declared_parameters_include_annotations_papermill_cannot_parse():
    declared = declared_parameters(OK_NB)
    assert list(declared)[:2] == ["n", "name"]
    assert set(declared) == {"n", "name", "ratio", "flag", "source", "dataset", "seed"}
    assert declared["n"]["inferred_type_name"] == "int"
    assert declared["n"]["default"] == "3"
    # papermill's regex does not read `source: str | None = None`; the runner does
    assert declared["source"]["inferred_type_name"] == "str | None"


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("n", "5", 5),
        ("n", " 12 ", 12),
        ("ratio", "2", 2.0),
        ("ratio", "1e-3", 0.001),
        ("flag", "yes", True),
        ("flag", "False", False),
        ("flag", "0", False),
        ("name", "007", "007"),  # declared str: kept as text, not read as a number
        ("source", "none", None),  # str | None accepts none/null
        ("source", "data.csv", "data.csv"),
        ("dataset", "2024-01-01", "2024-01-01"),
    ],
)
def test_command_line_text_is_converted_to_the_declared_type(name, text, expected):
    out = check_parameters(OK_NB, {name: text})
    assert out == {name: expected}
    assert type(out[name]) is type(expected)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [("ratio", 1, 1.0), ("n", 5.0, 5), ("name", 5, "5"), ("dataset", dt.date(2024, 1, 2), "2024-01-02")],
)
def test_typed_values_from_yaml_are_converted(name, value, expected):
    out = check_parameters(OK_NB, {name: value})
    assert out == {name: expected}
    assert type(out[name]) is type(expected)


@pytest.mark.parametrize(
    ("name", "value"),
    [("n", "abc"), ("n", "5.5"), ("n", 5.5), ("n", True), ("flag", "maybe"), ("flag", 1),
     ("ratio", "x"), ("n", None)],
)
def test_values_of_the_wrong_type_are_errors(name, value):
    with pytest.raises(ParameterError) as info:
        check_parameters(OK_NB, {name: value})
    msg = str(info.value)
    assert f"'{name}' parameter of notebook" in msg
    assert "params_ok.ipynb" in msg
    assert repr(value) in msg


def test_untyped_and_list_parameters_follow_the_default(tmp_path):
    nb = _notebook(tmp_path, "k = 2\nlabel = 'a'\ncats: list[str] = []\nopt = None\n")
    out = check_parameters(nb, {"k": "3", "label": "4", "cats": "a, b", "opt": "7"})
    assert out == {"k": 3, "label": "4", "cats": ["a", "b"], "opt": 7}
    assert check_parameters(nb, {"cats": "[x, y]"}) == {"cats": ["x", "y"]}
    with pytest.raises(ParameterError, match="'k' parameter"):
        check_parameters(nb, {"k": "three"})


def test_unknown_parameter_names_the_notebook_the_declared_names_and_a_close_match():
    with pytest.raises(ParameterError) as info:
        check_parameters(OK_NB, {"nn": "5"})
    msg = str(info.value)
    assert "'nn'" in msg
    assert "params_ok.ipynb" in msg
    assert "Did you mean 'n'?" in msg
    assert "dataset, flag, n, name, ratio, seed, source" in msg


def test_every_parameter_problem_is_reported_at_once():
    with pytest.raises(ParameterError) as info:
        check_parameters(OK_NB, {"nn": 1, "ratio": "x", "n": "2"})
    msg = str(info.value)
    assert "'nn'" in msg and "'ratio' parameter" in msg
    assert "'n' parameter" not in msg


def test_notebook_without_parameters_cell_is_an_error():
    with pytest.raises(ParameterError, match="no cell tagged 'parameters'"):
        check_parameters(NO_PARAMS_NB, {})
    assert isinstance(ParameterError("x"), MiningError)


def test_unknown_parameter_fails_before_any_output_is_created(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(ParameterError, match="'nn'"):
        run_notebook(OK_NB, out, parameters={"nn": 1})
    assert not out.exists()
    with pytest.raises(ParameterError):
        run_notebook(NO_PARAMS_NB, out)
    assert not out.exists()


def test_missing_notebook_is_a_clear_error(tmp_path):
    with pytest.raises(MiningError, match="nope.ipynb not found"):
        run_notebook(tmp_path / "nope.ipynb", tmp_path / "out")


def test_run_report_checks_parameters_before_creating_the_run_folder(tmp_path):
    out = tmp_path / "reports"
    with pytest.raises(ParameterError) as info:
        run_report(CONFIG, out=out, overrides={"nam": "y"})
    assert "'nam'" in str(info.value) and "Did you mean 'name'?" in str(info.value)
    with pytest.raises(ParameterError, match="'flag' parameter"):
        run_report(CONFIG, out=out, overrides={"flag": "maybe"})
    with pytest.raises(ParameterError, match="'size'"):
        run_report(CONFIG, out=out, size="small")  # no fixture notebook declares size
    assert not out.exists()


# -- configuration ----------------------------------------------------------------------------


def test_load_config_reads_the_fixture():
    cfg = load_config(CONFIG)
    assert cfg["title"] == "Fixture report"
    assert cfg["defaults"] == {"dataset": "demo", "seed": 0}
    assert cfg["timeout"] == 600
    assert [e["name"] for e in cfg["notebooks"]] == ["params_ok", "fails"]
    first = cfg["notebooks"][0]
    assert first["notebook"] == OK_NB.resolve()
    assert first["title"] == "Works"
    assert first["parameters"] == {"n": 4}
    assert first["skip"] is None


def test_default_config_lists_customer_value_with_shared_defaults(repo_root):
    cfg = load_config(repo_root / "notebooks" / "report.yaml", check_files=False)
    assert cfg["notebooks"][0]["notebook"].name == "01_customer_value.ipynb"
    assert set(cfg["defaults"]) == {"dataset", "size", "seed", "engine"}


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cfg.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("notebooks: [a.ipynb\n  - x: [", r"invalid YAML at line \d+, column \d+"),
        ("- a\n- b\n", "expected a mapping"),
        ("notebook:\n  - x.ipynb\n", r"unknown key 'notebook' in the top level\. Did you mean 'notebooks'\?"),
        ("notebooks:\n  - notebook: NB\n    params: {n: 1}\n",
         r"unknown key 'params' in notebooks\[0\]\. Did you mean 'parameters'\?"),
        ("notebooks: []\n", "non-empty list"),
        ("notebooks:\n  - notebook: missing.ipynb\n", r"notebooks\[0\]\.notebook: missing\.ipynb not found"),
        ("notebooks:\n  - NB\n  - NB\n", "same name 'params_ok'"),
        ("timeout: -1\nnotebooks: [NB]\n", "'timeout' must be a positive number"),
        ("defaults: [1]\nnotebooks: [NB]\n", "'defaults' must be a mapping"),
    ],
)
def test_config_errors_name_the_file_and_the_key(tmp_path, text, expected):
    path = _write(tmp_path, text.replace("NB", str(OK_NB)))
    with pytest.raises(ConfigError, match=expected) as info:
        load_config(path)
    assert str(path) in str(info.value)


def test_missing_config_names_the_file(tmp_path):
    with pytest.raises(ConfigError, match=r"nothere\.yaml not found"):
        load_config(tmp_path / "nothere.yaml")
    with pytest.raises(ConfigError, match="not found"):
        run_report(tmp_path / "nothere.yaml", out=tmp_path)


# -- run folder and index (no kernel) ---------------------------------------------------------


def test_run_folders_never_clash_even_in_the_same_second(tmp_path):
    now = dt.datetime(2025, 3, 4, 5, 6, 7)
    first = make_run_dir(tmp_path / "reports", "demo", now=now)
    second = make_run_dir(tmp_path / "reports", "demo", now=now)
    third = make_run_dir(tmp_path / "reports", "demo", now=now)
    assert first.name == "20250304-050607Z-demo"  # UTC
    assert second.name == "20250304-050607Z-demo-2"
    assert third.name == "20250304-050607Z-demo-3"
    assert all(p.is_dir() for p in (first, second, third))
    assert make_run_dir(tmp_path, "../my data.csv", now=now).parent == tmp_path


def test_write_index_escapes_text_and_shows_errors(tmp_path):
    run_dir = tmp_path / "run"
    (run_dir / "a").mkdir(parents=True)
    html_file = run_dir / "a" / "a.html"
    html_file.write_text("<html></html>")
    results = [
        NotebookResult(name="a", status=OK, duration_s=1.25, parameters={"q": "<x>", "k": None},
                       outputs={"html": html_file}, title="A & <b>B</b>", passed={"q": "<x>"}),
        NotebookResult(name="b", status=FAILED, duration_s=0.5, parameters={},
                       error=NotebookError("KeyError", "'col' <missing>", "df['col']", 3)),
        NotebookResult(name="c", status=SKIPPED, duration_s=0.0, parameters={},
                       skip_reason="not ready"),
    ]
    meta = {"dataset": "demo", "git": {"commit": "abcdef1234567890", "dirty": True},
            "started": "2025-01-01T00:00:00", "duration_s": 2.0}
    index = write_index(run_dir, results, meta)
    page = index.read_text(encoding="utf-8")
    assert "A &amp; &lt;b&gt;B&lt;/b&gt;" in page
    assert "<b>B</b>" not in page
    assert "&lt;x&gt;" in page
    assert '<pre class="error">KeyError: &#39;col&#39; &lt;missing&gt; at In [3]' in page
    assert "df[&#39;col&#39;]" in page
    assert 'class="status failed"' in page and 'class="status skipped"' in page
    assert "not ready" in page
    assert "abcdef123456 (uncommitted changes)" in page
    assert "3 notebooks: 1 ok, 1 failed, 1 skipped" in page
    assert _hrefs(index) == ["a/a.html", "a/a.html"]  # the title and the "with code" link
    data = json.loads((run_dir / "run.json").read_text())
    assert [n["status"] for n in data["notebooks"]] == [OK, FAILED, SKIPPED]
    assert data["notebooks"][1]["error"]["type"] == "KeyError"
    assert data["counts"] == {OK: 1, FAILED: 1, SKIPPED: 1}
    assert data["mining_version"] == __version__


# -- end to end: real kernels ------------------------------------------------------------------


@pytest.fixture(scope="module")
def ok_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("ok") / "out"
    before = os.environ.get("MPLBACKEND")
    result = run_notebook(OK_NB, out, parameters={"n": "5", "source": str(SOURCE)})
    assert os.environ.get("MPLBACKEND") == before  # the caller's environment is restored
    return result


@pytest.mark.slow
def test_run_notebook_writes_executed_notebook_html_and_run_json(ok_run):
    r = ok_run
    assert r.status == OK and r.ok and r.error is None
    assert r.parameters["n"] == 5 and r.passed == {"n": 5, "source": str(SOURCE.resolve())}
    for key in ("notebook", "html", "html_nocode", "run_json"):
        assert r.outputs[key].is_file(), key
    nb = nbformat.read(str(r.outputs["notebook"]), as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "hello x n=5 ratio=0.5 flag=False" in text
    assert f"cwd {FIXTURES.resolve()}" in text  # runs in the notebook's folder
    assert "source says hello from a fixture file" in text
    assert "backend module://matplotlib_inline.backend_inline" in text  # headless
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if "image/png" in o.get("data", {})]
    assert len(images) == 1


@pytest.mark.slow
def test_html_without_code_hides_inputs_but_keeps_outputs(ok_run):
    with_code = ok_run.outputs["html"].read_text(encoding="utf-8")
    no_code = ok_run.outputs["html_nocode"].read_text(encoding="utf-8")
    assert CODE_MARKER in with_code
    assert CODE_MARKER not in no_code
    assert "n: int = 3" not in no_code  # parameters cell
    for page in (with_code, no_code):
        assert "hello x n=5" in page
        assert "data:image/png;base64," in page  # figure embedded, page is standalone
        assert "A figure" in page  # markdown kept


@pytest.mark.slow
def test_run_json_records_provenance(ok_run):
    rec = json.loads(ok_run.outputs["run_json"].read_text())
    assert rec["notebook"] == str(OK_NB.resolve())
    assert rec["status"] == OK and rec["error"] is None
    assert rec["parameters"]["n"] == 5 and rec["parameters"]["name"] == "x"
    assert rec["mining_version"] == __version__
    assert "git" in rec and (rec["git"] is None or len(rec["git"]["commit"]) == 40)
    assert rec["data_sha256"] == hashlib.sha256(SOURCE.read_bytes()).hexdigest()
    assert "sha256 of the file" in rec["data"]
    assert rec["seed"] == 0
    started = dt.datetime.fromisoformat(rec["started"])
    finished = dt.datetime.fromisoformat(rec["finished"])
    assert started <= finished
    assert rec["duration_s"] > 0
    assert set(rec["timings_s"]) == {"execute", "export_html"}
    assert rec["python"].count(".") == 2


@pytest.fixture(scope="module")
def failed_run(tmp_path_factory):
    return run_notebook(FAIL_NB, tmp_path_factory.mktemp("fail") / "out")


@pytest.mark.slow
def test_failure_is_recorded_with_type_message_and_cell(failed_run):
    r = failed_run
    assert r.status == FAILED and not r.ok
    assert r.error.type == "ValueError"
    assert r.error.message == "boom 2"
    assert "fail-marker" in r.error.cell_source
    assert "boom 2" in r.error.summary
    rec = json.loads(r.outputs["run_json"].read_text())
    assert rec["status"] == FAILED
    assert rec["error"]["type"] == "ValueError"
    # the executed notebook (with its traceback) and its HTML are kept for diagnosis
    assert r.outputs["notebook"].is_file() and r.outputs["html"].is_file()
    assert "boom 2" in r.outputs["html"].read_text(encoding="utf-8")
    # built-in dataset: the hash is of its rows (report_trust tests the exact value)
    assert rec["data_sha256"] != hashlib.sha256(b"demo|size=None|seed=None").hexdigest()
    assert "built-in dataset 'demo'" in rec["data"] and "clean rows" in rec["data"]


@pytest.mark.slow
def test_cell_timeout_fails_the_notebook_and_marks_it(tmp_path):
    r = run_notebook(SLEEP_NB, tmp_path / "out", timeout=1)
    assert r.status == FAILED
    assert r.error.type == "CellTimeoutError"
    assert "time.sleep(seconds)" in r.error.cell_source
    assert r.duration_s < 25
    nb = nbformat.read(str(r.outputs["notebook"]), as_version=4)
    assert "mining-error" in nb.cells[0].metadata.get("tags", [])


@pytest.fixture(scope="module")
def report_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    lines: list[str] = []

    def echo(text="", end="\n", flush=False):
        lines.append(text + end)

    run = run_report(CONFIG, out=out, overrides={"name": "yy"}, echo=echo)
    return run, out, "".join(lines)


@pytest.mark.slow
def test_run_report_runs_every_notebook_and_reports_failure(report_run):
    run, out, printed = report_run
    assert run.run_dir.parent == out
    assert re.fullmatch(r"\d{8}-\d{6}Z-demo", run.run_dir.name)
    assert [r.name for r in run.results] == ["params_ok", "fails"]
    assert [r.status for r in run.results] == [OK, FAILED]
    assert not run.ok and [r.name for r in run.failed] == ["fails"]
    ok_result = run.results[0]
    # config defaults < entry parameters < overrides; only declared names are passed
    assert ok_result.passed == {"dataset": "demo", "seed": 0, "n": 4, "name": "yy"}
    assert run.results[1].passed == {"dataset": "demo"}
    assert "[1/2] params_ok ... ok (" in printed
    assert "[2/2] fails ... failed (" in printed
    assert re.match(r"2 notebooks: 1 ok, 1 failed in \d+\.\d s -> .*index\.html$", run.summary())


@pytest.mark.slow
def test_index_lists_each_notebook_and_its_links_resolve(report_run):
    run, _, _ = report_run
    page = run.index.read_text(encoding="utf-8")
    assert "Works" in page and "Fails on purpose" in page
    assert 'class="status ok"' in page and 'class="status failed"' in page
    assert '<pre class="error">ValueError: boom 2' in page
    hrefs = _hrefs(run.index)
    assert len(set(hrefs)) == 8  # 4 files per notebook (the title links to the report too)
    for href in hrefs:
        assert (run.run_dir / href).is_file(), href
    data = json.loads((run.run_dir / "run.json").read_text())
    assert [n["name"] for n in data["notebooks"]] == ["params_ok", "fails"]
    assert data["counts"] == {OK: 1, FAILED: 1, SKIPPED: 0}
    assert data["run_id"] == run.run_dir.name


@pytest.mark.slow
def test_a_second_run_gets_a_new_folder_and_skips_what_the_config_skips(report_run, tmp_path):
    run, out, _ = report_run
    config = tmp_path / "second.yaml"
    config.write_text(
        f"defaults: {{dataset: demo}}\nnotebooks:\n  - notebook: {OK_NB}\n"
        f"  - notebook: {FAIL_NB}\n    skip: not today\n",
        encoding="utf-8",
    )
    before = (run.run_dir / "index.html").read_bytes()
    second = run_report(config, out=out)
    assert second.run_dir != run.run_dir and second.run_dir.parent == out
    assert (run.run_dir / "index.html").read_bytes() == before
    assert [r.status for r in second.results] == [OK, SKIPPED]
    assert second.ok
    assert "not today" in second.index.read_text(encoding="utf-8")
