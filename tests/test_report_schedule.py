"""Scheduled runs: one run at a time per output folder, runs appear only when complete, old runs
are pruned, `latest` points to the newest, and the index shows data, thumbnails and reports."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import pytest

from mining.errors import MiningError
from mining.inputs import open_inputs
from mining.report import (
    complete_runs,
    data_key,
    data_summary,
    finalise_run_dir,
    load_config,
    make_run_dir,
    prune_runs,
    run_lock,
    run_report,
)

FIXTURES = Path(__file__).parent / "fixtures"
OK_NB = FIXTURES / "params_ok.ipynb"


def _fake_run(out: Path, name: str) -> Path:
    path = out / name
    path.mkdir(parents=True)
    (path / "run.json").write_text("{}")
    return path


def test_a_second_run_into_the_same_folder_is_refused_while_one_runs(tmp_path):
    with run_lock(tmp_path):
        with pytest.raises(MiningError, match=r"Another report run is writing to .*pid \d+"):
            with run_lock(tmp_path):
                pass
    with run_lock(tmp_path):  # released: the next run may go
        pass


def test_partial_folder_is_renamed_when_done_and_never_clashes(tmp_path):
    partial = make_run_dir(tmp_path, "demo", partial=True)
    assert partial.name.startswith(".partial-") and partial.name.endswith("-demo")
    assert complete_runs(tmp_path) == []  # hidden until finished
    (partial / "run.json").write_text("{}")
    final = finalise_run_dir(partial)
    assert final.name == partial.name[len(".partial-"):]
    assert complete_runs(tmp_path) == [final]


def test_prune_keeps_the_newest_complete_runs_only(tmp_path):
    old = [_fake_run(tmp_path, f"2025010{i}-000000-demo") for i in range(1, 5)]
    (tmp_path / "notes").mkdir()  # not a run: never touched
    (tmp_path / "20250109-000000-demo").mkdir()  # no run.json: unfinished, never touched
    removed = prune_runs(tmp_path, 2)
    assert removed == old[:2]
    assert complete_runs(tmp_path) == old[2:]
    assert (tmp_path / "notes").is_dir() and (tmp_path / "20250109-000000-demo").is_dir()


def test_config_out_and_keep_are_checked(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"out: runs\nkeep: 3\nnotebooks: [{OK_NB}]\n")
    loaded = load_config(cfg)
    assert loaded["keep"] == 3 and loaded["out"] == str(tmp_path / "runs")
    cfg.write_text(f"keep: 0\nnotebooks: [{OK_NB}]\n")
    with pytest.raises(MiningError, match="'keep' must be a whole number"):
        load_config(cfg)


def test_data_summary_of_the_demo_and_of_a_bad_source(tmp_path):
    params = {"dataset": "demo", "size": "small", "seed": 0}
    assert data_key(params) == "dataset=demo, size=small, seed=0"
    s = data_summary(params)
    assert s["customers"] == 400 and s["rows_in"] > s["rows"]
    assert s["removed"]["duplicate_line"] > 0
    bad = data_summary({"source": str(tmp_path / "missing.csv")})
    assert "error" in bad


def test_the_data_line_is_the_one_of_mining_inputs():
    params = {"dataset": "demo", "size": "small", "seed": 0}
    opened = open_inputs(dataset="demo", size="small", seed=0)
    assert data_summary(params) == {**opened.to_dict(), "summary": opened.summary()}
    dated = {**params, "as_of": "2025-06-30"}
    assert data_key(dated) == "dataset=demo, size=small, seed=0, as_of=2025-06-30"
    s = data_summary(dated)
    assert s["as_of"].startswith("2025-06-30") and s["as_of_rule"] == "given"
    assert s["summary"].endswith("as_of 2025-06-30, given")


def test_the_index_template_ships_with_the_package():
    assert resources.files("mining.report").joinpath("templates", "index.html.j2").is_file()


@pytest.mark.slow
def test_scheduled_runs_keep_latest_and_show_thumbnail_and_data(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"out: runs\nkeep: 1\ndefaults: {{dataset: demo}}\nnotebooks: [{OK_NB}]\n")
    first = run_report(cfg)
    out = tmp_path / "runs"
    assert first.run_dir.parent == out and not first.run_dir.name.startswith(".")
    assert (out / "latest").resolve() == first.run_dir.resolve()
    page = first.index.read_text(encoding="utf-8")
    assert 'class="thumb"' in page and (first.run_dir / "params_ok" / "thumbnail.png").is_file()
    assert 'class="dataline"' in page and "customers" in page  # the data line, once
    second = run_report(cfg)
    assert (out / "latest").resolve() == second.run_dir.resolve()
    assert complete_runs(out) == [second.run_dir]  # keep: 1 pruned the first
    assert not any(p.name.startswith(".partial-") for p in out.iterdir())
    assert "latest report" in (out / "latest.html").read_text()
    assert os.access(out / ".mining-report.lock", os.R_OK)
