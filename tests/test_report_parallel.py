"""Notebooks run side by side (``--jobs``): the same executed results as one after the other, a
failing notebook reported with its error while the others finish, the slowest cells recorded,
and the run's data opened once (the inputs cache)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from mining.cli import main
from mining.inputs import CACHE_ENV, open_inputs
from mining.report import complete_runs, run_report

TABLE = ("import pandas as pd\n"
         "from mining.inputs import open_inputs\n"
         "data = open_inputs(dataset='demo', size='small', seed=seed)\n"
         "pd.DataFrame({'rows': [len(data.transactions)], 'seed': [seed], 'n': [n]})")


def _notebook(path: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    params = nbformat.v4.new_code_cell("seed: int = 0\nn: int = 1")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, *(nbformat.v4.new_code_cell(c) for c in cells)]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def _config(tmp_path: Path) -> Path:
    nbs = [_notebook(tmp_path / "nb" / "a_first.ipynb", TABLE),
           _notebook(tmp_path / "nb" / "b_fails.ipynb", "import time\ntime.sleep(1)",
                     "raise ValueError('planted failure in b')"),
           _notebook(tmp_path / "nb" / "c_third.ipynb", TABLE, "print('third', n * 3)"),
           _notebook(tmp_path / "nb" / "d_fourth.ipynb", "print('fourth', n + seed)")]
    cfg = tmp_path / "report.yaml"
    cfg.write_text("defaults: {seed: 0, n: 7}\nnotebooks:\n" +
                   "".join(f"  - {p}\n" for p in nbs), encoding="utf-8")
    return cfg


def _outputs(run_dir: Path, name: str) -> list[str]:
    """The executed results of a notebook: text and HTML outputs of its cells (not timings)."""
    nb = nbformat.read(run_dir / name / f"{name}.ipynb", as_version=4)
    got = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if o.get("output_type") == "stream":
                got.append(o["text"])
            elif o.get("output_type") == "error":
                got.append(f"{o['ename']}: {o['evalue']}")
            else:
                data = o.get("data", {})
                got.append(data.get("text/html") or data.get("text/plain", ""))
    return got


@pytest.mark.slow
def test_parallel_run_gives_the_results_of_one_after_the_other(tmp_path, capsys):
    cfg = _config(tmp_path)
    serial = run_report(cfg, out=tmp_path / "serial", jobs=1)
    parallel = run_report(cfg, out=tmp_path / "parallel", jobs=3, profile=True)
    assert [r.name for r in parallel.results] == [r.name for r in serial.results] == \
        ["a_first", "b_fails", "c_third", "d_fourth"]
    assert [r.status for r in parallel.results] == ["ok", "failed", "ok", "ok"]
    for r in parallel.results:
        assert _outputs(parallel.run_dir, r.name) == _outputs(serial.run_dir, r.name), r.name
    failed = parallel.results[1]
    assert failed.error.type == "ValueError" and "planted failure in b" in failed.error.message
    index = (parallel.run_dir / "index.html").read_text(encoding="utf-8")
    assert "planted failure in b" in index
    record = json.loads((parallel.run_dir / "c_third" / "run.json").read_text())
    assert record["slowest_cells"] and record["slowest_cells"][0]["seconds"] >= 0
    assert not (parallel.run_dir / ".inputs-cache").exists()  # the run's cache is removed
    assert os.environ.get(CACHE_ENV) is None                   # and the environment restored


@pytest.mark.slow
def test_cli_jobs_exit_code_and_lines(tmp_path, capsys):
    cfg = _config(tmp_path)
    code = main(["report", "--config", str(cfg), "--out", str(tmp_path / "o"), "--jobs", "2",
                 "--profile"])
    out = capsys.readouterr()
    assert code == 1  # one notebook failed: the exit code says so, as with --jobs 1
    assert "[2/4] b_fails ... failed" in out.out and "[4/4] d_fourth ... ok" in out.out
    assert "b_fails: ValueError: planted failure in b" in out.err
    (run,) = complete_runs(tmp_path / "o")
    assert json.loads((run / "run.json").read_text())["counts"] == {
        "ok": 3, "failed": 1, "skipped": 0}
    assert main(["report", "--config", str(cfg), "--jobs", "0"]) == 2


def test_inputs_cache_reads_each_data_once_and_misses_on_change(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(cache))
    first = open_inputs(dataset="demo", size="small", seed=0)
    assert len(list(cache.glob("*.pickle"))) == 1
    again = open_inputs(dataset="demo", size="small", seed=0, as_of="2025-06-01")
    pd.testing.assert_frame_equal(first.transactions, again.transactions)
    assert again.as_of == pd.Timestamp("2025-06-01") and again.as_of_rule == "given"
    open_inputs(dataset="demo", size="small", seed=1)  # another seed is other data
    assert len(list(cache.glob("*.pickle"))) == 2
    # a source file: a changed file is read again, never served from the cache
    src = tmp_path / "tx.csv"
    tx = first.transactions.head(200).copy()
    tx.to_csv(src, index=False)
    a = open_inputs(source=src)
    tx2 = tx.iloc[:100]
    tx2.to_csv(src, index=False)
    os.utime(src, ns=(os.stat(src).st_atime_ns, os.stat(src).st_mtime_ns + 10_000_000))
    b = open_inputs(source=src)
    assert len(b.transactions) < len(a.transactions)
    # a damaged cache file is read again, not trusted
    for p in cache.glob("*.pickle"):
        p.write_bytes(b"not a pickle")
    assert len(open_inputs(dataset="demo", size="small", seed=0).transactions) == \
        len(first.transactions)


def test_the_slowest_notebook_of_the_last_complete_run_starts_first(tmp_path):
    from mining.report._plan import _Planned, start_order
    from mining.report._runs import previous_durations

    out = tmp_path / "reports"
    assert previous_durations(out) == {}
    old = out / "20261201-100000Z-demo"
    new = out / "20261201-110000Z-demo"
    broken = out / "20261201-120000Z-demo"
    for folder, seconds, extra in ((old, {"a": 1.0, "b": 50.0, "c": 2.0}, {}),
                                   (new, {"a": 3.0, "b": 9.0, "c": 30.0}, {}),
                                   (broken, {"a": 99.0}, {"interrupted": True})):
        folder.mkdir(parents=True)
        (folder / "run.json").write_text(json.dumps({
            "finished": f"2026-12-01T{folder.name[9:11]}:00:00+00:00", **extra,
            "notebooks": [{"name": n, "status": "ok", "duration_s": s}
                          for n, s in seconds.items()]}), encoding="utf-8")
    # the newest complete run counts (not the interrupted one after it, not the older one)
    assert previous_durations(out) == {"a": 3.0, "b": 9.0, "c": 30.0}
    items = [_Planned(name=n, notebook=tmp_path / f"{n}.ipynb", title=n, parameters={},
                      skip=None, timeout=60.0) for n in ("a", "b", "c", "d")]
    assert [i.name for i in start_order(items, previous_durations(out))] == ["d", "c", "b", "a"]
    assert [i.name for i in start_order(items, {})] == ["a", "b", "c", "d"]


def test_a_relative_report_folder_of_a_parallel_run_keeps_every_notebook(tmp_path, monkeypatch):
    """papermill's cwd= changes the working folder of the whole process: with notebooks side by
    side, a relative --out then landed some notebooks in the notebook folder. Each kernel must
    start in its notebook's folder and every output must be in the run folder."""
    slow = "import os, time\ntime.sleep(2)\nprint('cwd', os.getcwd())"
    nbs = [_notebook(tmp_path / "project" / "nb" / f"{name}.ipynb", slow)
           for name in ("a_one", "b_two", "c_three")]
    cfg = tmp_path / "project" / "report.yaml"
    cfg.write_text("notebooks:\n" + "".join(f"  - nb/{p.name}\n" for p in nbs), encoding="utf-8")
    monkeypatch.chdir(tmp_path / "project")
    run = run_report("report.yaml", out="reports", jobs=3)
    assert [r.status for r in run.results] == ["ok", "ok", "ok"]
    assert run.run_dir.parent == (tmp_path / "project" / "reports").absolute()
    for r in run.results:
        folder = run.run_dir / r.name
        for key in ("notebook", "html", "html_nocode", "run_json"):
            assert (folder / r.outputs[key]).is_file() if not Path(r.outputs[key]).is_absolute() \
                else Path(r.outputs[key]).is_file(), (r.name, key)
        assert f"cwd {tmp_path / 'project' / 'nb'}" in "".join(_outputs(run.run_dir, r.name))
    assert not (tmp_path / "project" / "nb" / "reports").exists()
    assert os.getcwd() == str(tmp_path / "project")


def test_warm_up_imports_are_the_leading_import_cells(tmp_path):
    from mining.report._execute import _warm_up_code, warm_up_imports

    nb = _notebook(tmp_path / "w.ipynb",
                   "import os\nfrom json import dumps, loads  # two names\n",
                   "from . import nothing\nimport textwrap as tw",
                   "x = 1\nimport math",            # not only imports: the warm-up stops here
                   "import decimal")
    assert warm_up_imports(nb) == ["import os", "from json import dumps, loads",
                                   "import textwrap as tw"]
    code = _warm_up_code(warm_up_imports(nb) + ["import no_such_module_xyz"])
    ns: dict = {}
    exec(code, ns)  # a failing import is left to the notebook's own cell
    assert set(ns) == {"__builtins__"}  # nothing defined in the notebook's namespace


@pytest.mark.slow
def test_a_warm_kernel_gives_the_results_of_a_fresh_one(tmp_path):
    """The kernel started ahead (imports done while the runner opens the data) runs the cells as
    a fresh kernel does: same outputs, execution counts from 1, no trace of the warm-up in the
    namespace; a failing import is still the notebook's error, in its cell."""
    from mining.report import run_notebook
    from mining.report._execute import start_kernel

    nb = _notebook(tmp_path / "nb" / "warm.ipynb",
                   "import json\nimport textwrap",
                   "print(sorted(k for k in globals() if 'warm' in k or k == 'ns'))\n"
                   "print(json.dumps({'n': n, 'seed': seed}))")
    fresh = run_notebook(nb, tmp_path / "fresh", parameters={"n": 3}, git=None, name="fresh")
    kernel = start_kernel(nb, tmp_path / "warm")
    assert kernel is not None and kernel.has_kernel
    warm = run_notebook(nb, tmp_path / "warm", parameters={"n": 3}, git=None, kernel=kernel)
    assert not kernel.has_kernel  # shut down when the notebook ended
    assert fresh.status == warm.status == "ok"
    assert _outputs(tmp_path, "warm") == _outputs(tmp_path, "fresh") == \
        ['[]\n{"n": 3, "seed": 0}\n']
    counts = [c.get("execution_count") for c in nbformat.read(
        tmp_path / "warm" / "warm.ipynb", as_version=4).cells if c.cell_type == "code"]
    assert counts == [1, 2, 3, 4]  # the parameters, the injected ones, then the two cells
    assert "kernel_start" in warm.record["timings_s"]

    bad = _notebook(tmp_path / "nb" / "bad.ipynb", "import no_such_module_xyz", "print('no')")
    failed = run_notebook(bad, tmp_path / "bad", git=None,
                          kernel=start_kernel(bad, tmp_path / "bad"))
    assert failed.status == "failed" and failed.error.type == "ModuleNotFoundError"
    assert "no_such_module_xyz" in failed.error.cell_source


@pytest.mark.slow
def test_each_kernel_is_told_its_cores(tmp_path, monkeypatch):
    """MINING_N_JOBS: every core for a notebook run alone or one after the other, cores // jobs
    side by side (the churn forest sizes its threads by it)."""
    from mining.report import run_one
    from mining.report._common import available_cores

    monkeypatch.delenv("MINING_N_JOBS", raising=False)
    show = "import os\nprint('jobs', os.environ['MINING_N_JOBS'])"
    nbs = [_notebook(tmp_path / "nb" / f"{name}.ipynb", show) for name in ("a_one", "b_two")]
    cfg = tmp_path / "report.yaml"
    cfg.write_text("notebooks:\n" + "".join(f"  - {p}\n" for p in nbs), encoding="utf-8")
    cores = available_cores()
    alone = run_one(nbs[0], out=tmp_path / "alone")
    assert _outputs(alone.run_dir, "a_one") == [f"jobs {cores}\n"]
    serial = run_report(cfg, out=tmp_path / "serial", jobs=1)
    assert _outputs(serial.run_dir, "b_two") == [f"jobs {cores}\n"]
    parallel = run_report(cfg, out=tmp_path / "parallel", jobs=2)
    assert [r.status for r in parallel.results] == ["ok", "ok"]
    for r in parallel.results:
        assert _outputs(parallel.run_dir, r.name) == [f"jobs {max(1, cores // 2)}\n"]
    assert os.environ.get("MINING_N_JOBS") is None  # the runner's own environment is unchanged


def test_a_first_run_starts_the_notebooks_expected_to_be_slowest(tmp_path):
    from mining.report._plan import EXPECTED_SECONDS, _Planned, start_order

    names = ["01_customer_value", "05_churn", "my_own", "08_loyalty_satisfaction"]
    items = [_Planned(name=n, notebook=tmp_path / f"{n}.ipynb", title=n, parameters={},
                      skip=None, timeout=60.0) for n in names]
    # no history: the expected seconds order the built-in notebooks; an unknown one first
    assert [i.name for i in start_order(items, {}, EXPECTED_SECONDS)] == \
        ["my_own", "05_churn", "01_customer_value", "08_loyalty_satisfaction"]
    # history wins over the guess
    assert [i.name for i in start_order(items, {"08_loyalty_satisfaction": 99.0, "my_own": 1.0},
                                        EXPECTED_SECONDS)][:2] == \
        ["08_loyalty_satisfaction", "05_churn"]
    assert max(EXPECTED_SECONDS, key=EXPECTED_SECONDS.get) == "05_churn"
