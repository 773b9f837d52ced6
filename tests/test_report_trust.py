"""Trust in unattended report runs: no password in any file, folder name or message; retention
never deletes the run it just made; disk and signal trouble are reported honestly; config entry
names stay inside the run folder; clear errors instead of tracebacks; the data stamp hashes rows.

The end-to-end tests run the tiny notebooks in tests/fixtures (or a two-cell notebook written
into tmp_path) with a real kernel.
"""

from __future__ import annotations

import builtins
import datetime as dt
import errno
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from mining import datasets
from mining.cli import main
from mining.errors import MiningError, ParameterError
from mining.report import (
    ConfigError,
    WriteError,
    check_parameters,
    clean_stale_partials,
    complete_runs,
    data_fingerprint,
    load_config,
    make_run_dir,
    prune_runs,
    run_label,
    run_lock,
    run_notebook,
    run_one,
    run_report,
)

FIXTURES = Path(__file__).parent / "fixtures"
OK_NB = FIXTURES / "params_ok.ipynb"
SLEEP_NB = FIXTURES / "sleeps.ipynb"
SECRET = "s3cret"
ROOT = Path(__file__).resolve().parents[1]


def _notebook(path: Path, parameters: str, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    first = nbformat.v4.new_code_cell(parameters)
    first.metadata["tags"] = ["parameters"]
    nb.cells = [first, *(nbformat.v4.new_code_cell(c) for c in cells)]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def _config(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _everything_under(folder: Path) -> list[tuple[Path, bytes]]:
    """Every file and folder below ``folder`` (the name of each, the bytes of files)."""
    found = []
    for p in folder.rglob("*"):
        found.append((p, p.read_bytes() if p.is_file() and not p.is_symlink() else b""))
    if (folder / "latest").is_symlink():
        found.append((folder / "latest", os.readlink(folder / "latest").encode()))
    return found


def _assert_no_secret(folder: Path, *texts: str) -> None:
    for path, data in _everything_under(folder):
        assert SECRET not in str(path.relative_to(folder)), path
        assert SECRET.encode() not in data, path
    for text in texts:
        assert SECRET not in text


# -- 1. passwords ------------------------------------------------------------------------------

# prints a digest of what reached the kernel (never the password itself), then fails the way a
# database driver does: with the full URL, password included, in its message
_SPY = """\
import hashlib, os
from mining.secrets import with_password
print("env-digest", hashlib.sha256(os.environ.get("MINING_DB_PASSWORD", "").encode()).hexdigest())
print("source-seen", source)
print("echo", os.environ.get("MINING_DB_PASSWORD"))
raise RuntimeError(f"could not connect to {with_password(source)}")
"""


@pytest.mark.slow
@pytest.mark.parametrize(("url", "password"), [
    (f"postgresql+psycopg://u:{SECRET}@127.0.0.1:9/db", SECRET),
    (f"postgresql://u:{SECRET}@x@127.0.0.1:9", f"{SECRET}@x"),  # '@' in it, no database path
    (f"postgresql://u@127.0.0.1:9/db?sslmode=disable&password={SECRET}", SECRET),
])
def test_a_password_in_a_source_url_reaches_only_the_kernel_environment(
        tmp_path, capsys, url, password):
    nb = _notebook(tmp_path / "nb" / "spy.ipynb", 'source: str = ""\n', _SPY)
    cfg = _config(tmp_path / "c.yaml", f"notebooks: [{nb}]\n")
    out = tmp_path / "out"
    code = main(["report", "--config", str(cfg), "--out", str(out), "-p", "source", url])
    captured = capsys.readouterr()
    assert code == 1  # the notebook failed (on purpose): honest
    (run_dir,) = complete_runs(out)
    _assert_no_secret(out, captured.out, captured.err)
    assert (out / "latest.html").is_file() and (run_dir / "index.html").is_file()
    executed = (run_dir / "spy" / "spy.ipynb").read_text(encoding="utf-8")
    digest = hashlib.sha256(password.encode()).hexdigest()
    assert f"env-digest {digest}" in executed  # the kernel got the password, in the env only
    assert "source-seen postgresql://u@127.0.0.1:9" in executed or \
        "source-seen postgresql+psycopg://u@127.0.0.1:9/db" in executed
    record = json.loads((run_dir / "spy" / "run.json").read_text())
    assert record["error"]["type"] == "RuntimeError" and "could not connect" in \
        record["error"]["message"]
    assert os.environ.get("MINING_DB_PASSWORD") is None  # the runner's environment is restored


def test_parameter_errors_never_print_the_password(tmp_path, capsys):
    url = f"postgresql://u:{SECRET}@db.example/shop"
    assert main(["run", str(OK_NB), "-p", "n", url, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "'n' parameter" in err and SECRET not in err
    assert "u:***@db.example" in err


def test_run_folder_label_of_a_url_without_database_path_has_no_password(tmp_path):
    for url in (f"postgresql://u:{SECRET}@host", f"postgresql://:{SECRET}@host/",
                f"postgresql://u:{SECRET}@x@host:5432"):
        label = run_label({"source": url}, "report")
        assert SECRET not in label and label == "host"
        assert SECRET not in make_run_dir(tmp_path, label).name


# -- 2. retention ------------------------------------------------------------------------------


def _fake_run(out: Path, name: str, finished: str | None, **extra) -> Path:
    path = out / name
    path.mkdir(parents=True)
    data = {"finished": finished, **extra} if finished else dict(extra)
    (path / "run.json").write_text(json.dumps(data))
    return path


def test_folder_names_are_utc_and_old_local_names_still_count(tmp_path):
    tz = dt.timezone(dt.timedelta(hours=2))
    new = make_run_dir(tmp_path, "demo", now=dt.datetime(2026, 12, 1, 22, 15, tzinfo=tz))
    assert new.name == "20261201-201500Z-demo"
    (new / "run.json").write_text(json.dumps({"finished": "2026-12-01T20:16:00+00:00"}))
    old = _fake_run(tmp_path, "20250101-000000-demo", None)  # old style, no finish time
    assert complete_runs(tmp_path) == [old, new]


def test_prune_orders_by_recorded_finish_time_not_by_folder_name(tmp_path):
    # the autumn DST hour / a skewed clock: this name sorts after the newer runs
    skewed = _fake_run(tmp_path, "20991231-000000-demo", "2026-01-01T00:00:00+00:00")
    a = _fake_run(tmp_path, "20260601-000000Z-demo", "2026-06-01T00:00:00+00:00")
    b = _fake_run(tmp_path, "20260701-000000Z-demo", "2026-07-01T00:00:00+00:00")
    assert prune_runs(tmp_path, 2) == [skewed]
    assert complete_runs(tmp_path) == [a, b]


def test_prune_counts_only_complete_runs_and_never_deletes_the_current_run(tmp_path):
    a = _fake_run(tmp_path, "20260101-000000Z-demo", "2026-01-01T00:00:00+00:00")
    b = _fake_run(tmp_path, "20260201-000000Z-demo", "2026-02-01T00:00:00+00:00")
    broken = _fake_run(tmp_path, "20260301-000000Z-demo", "2026-03-01T00:00:00+00:00",
                       interrupted=True)
    full = _fake_run(tmp_path, "20260302-000000Z-demo", "2026-03-02T00:00:00+00:00",
                     write_error="disk full")
    assert complete_runs(tmp_path) == [a, b]
    assert prune_runs(tmp_path, 2) == []  # the incomplete runs do not use up 'keep'
    assert broken.is_dir() and full.is_dir()
    # the clock went back: the run just made finished "before" the others; it stays
    current = _fake_run(tmp_path, "20250101-000000Z-demo", "2025-01-01T00:00:00+00:00")
    removed = prune_runs(tmp_path, 1, protect=[current])
    assert current.is_dir() and b.is_dir()  # the current run and the newest complete run
    assert a in removed and not a.exists()
    for keep in (0, -1):
        with pytest.raises(ParameterError, match=">= 1"):
            prune_runs(tmp_path, keep)


@pytest.mark.slow
def test_keep_never_deletes_the_run_it_just_made(tmp_path, capsys):
    out = tmp_path / "out"
    skewed = _fake_run(out, "20991231-000000-demo", "2020-01-01T00:00:00+00:00")
    cfg = _config(tmp_path / "c.yaml", f"defaults: {{dataset: demo}}\nnotebooks: [{OK_NB}]\n")
    assert main(["report", "--config", str(cfg), "--out", str(out), "--keep", "1"]) == 0
    (run_dir,) = complete_runs(out)
    assert run_dir.name.endswith("Z-demo") and not skewed.exists()
    assert (out / "latest").resolve() == run_dir.resolve()
    assert "removed 1 old run(s)" in capsys.readouterr().out


# -- 3. could not write, SIGTERM, kill -9 ------------------------------------------------------


def _two_notebook_config(tmp_path: Path) -> Path:
    return _config(tmp_path / "two.yaml", f"""\
        defaults: {{dataset: demo, seed: 0}}
        notebooks:
          - {{notebook: {OK_NB}, name: first}}
          - {{notebook: {OK_NB}, name: second}}
          - {{notebook: {OK_NB}, name: third}}
        """)


@pytest.mark.slow
def test_a_full_disk_is_reported_with_exit_code_3_and_keeps_what_finished(
        tmp_path, monkeypatch, capsys):
    real_write_text = Path.write_text

    def write_text(self, *args, **kw):  # the disk fills up while notebook "second" is exported
        if self.suffix == ".html" and self.name.startswith("second."):
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real_write_text(self, *args, **kw)

    monkeypatch.setattr(Path, "write_text", write_text)
    out = tmp_path / "out"
    # one after the other: the third is not started once the disk is full (with --jobs 2 it
    # would already be running beside the second, and finish)
    code = main(["report", "--config", str(_two_notebook_config(tmp_path)), "--out", str(out),
                 "--jobs", "1"])
    captured = capsys.readouterr()
    assert code == 3
    assert "error: Could not write the output of notebook second" in captured.err
    assert "No space left on device" in captured.err and "Traceback" not in captured.err
    assert not list(out.glob(".partial-*"))
    (run_dir,) = [p for p in out.iterdir() if p.name.endswith("Z-demo")]
    assert (run_dir / "first" / "first.nocode.html").is_file()  # what finished is kept
    data = json.loads((run_dir / "run.json").read_text())
    assert [n["status"] for n in data["notebooks"]] == ["ok", "failed", "skipped"]
    assert data["notebooks"][1]["error"]["type"] == "WriteError"
    assert "could not be written" in data["notebooks"][2]["skip_reason"]
    assert "No space left" in data["write_error"]
    assert complete_runs(out) == []  # not a complete run: not 'latest', not counted by --keep
    assert not (out / "latest").exists()


def _read_only(monkeypatch, root: Path) -> None:
    """Make every write below ``root`` fail as on a read-only mount (chmod does not stop root)."""
    root = str(root.resolve())

    def below(path) -> bool:
        try:
            return os.path.abspath(os.fsdecode(path)).startswith(root)
        except TypeError:
            return False

    def refuse(path):
        raise OSError(errno.EROFS, "Read-only file system", os.fsdecode(path))

    real_mkdir, real_open, real_os_open = os.mkdir, builtins.open, os.open

    def mkdir(path, *a, **kw):
        return refuse(path) if below(path) else real_mkdir(path, *a, **kw)

    def os_open(path, flags, *a, **kw):
        writing = flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND)
        return refuse(path) if writing and below(path) else real_os_open(path, flags, *a, **kw)

    def open_(file, mode="r", *a, **kw):
        if isinstance(file, (str, bytes, os.PathLike)) and set(mode) & set("wax+") and below(file):
            refuse(file)
        return real_open(file, mode, *a, **kw)

    monkeypatch.setattr(os, "mkdir", mkdir)
    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(builtins, "open", open_)


def test_a_read_only_out_folder_is_exit_code_3_with_a_clear_message(tmp_path, monkeypatch,
                                                                    capsys):
    out = tmp_path / "ro"
    out.mkdir()
    _read_only(monkeypatch, out)
    code = main(["run", str(OK_NB), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 3
    assert err.startswith("error: Could not write") and "Read-only file system" in err
    assert "Traceback" not in err
    with pytest.raises(WriteError, match="Read-only"):
        make_run_dir(out, "demo")
    assert list(out.iterdir()) == []


def _start_report(tmp_path: Path, out: Path, config: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen(
        [sys.executable, "-m", "mining", "report", "--config", str(config), "--out", str(out),
         *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
    )


def _wait_for(condition, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


@pytest.mark.slow
def test_sigterm_stops_the_run_in_order(tmp_path):
    cfg = _config(tmp_path / "c.yaml", f"""\
        notebooks:
          - {{notebook: {SLEEP_NB}, parameters: {{seconds: 60}}}}
          - {OK_NB}
        """)
    out = tmp_path / "out"
    proc = _start_report(tmp_path, out, cfg, "--jobs", "1")
    try:
        # papermill writes the executed notebook as soon as the kernel runs the cells
        _wait_for(lambda: any(out.glob(".partial-*/sleeps/sleeps.ipynb")))
        time.sleep(1.0)
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 143, stderr
    assert "stopped by SIGTERM" in stderr and "Traceback" not in stderr
    assert not list(out.glob(".partial-*"))
    (run_dir,) = [p for p in out.iterdir() if p.name.endswith("Z-fixtures") or
                  p.name[:8].isdigit()]
    data = json.loads((run_dir / "run.json").read_text())
    assert data["interrupted"] is True and data["stopped_by"] == "SIGTERM"
    assert [n["status"] for n in data["notebooks"]] == ["failed", "skipped"]
    assert "(interrupted)" in (run_dir / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_sigterm_stops_notebooks_running_side_by_side(tmp_path):
    cfg = _config(tmp_path / "c.yaml", f"""\
        notebooks:
          - {{notebook: {SLEEP_NB}, name: first, parameters: {{seconds: 60}}}}
          - {{notebook: {SLEEP_NB}, name: second, parameters: {{seconds: 60}}}}
          - {OK_NB}
        """)
    out = tmp_path / "out"
    proc = _start_report(tmp_path, out, cfg, "--jobs", "2")
    try:
        _wait_for(lambda: any(out.glob(".partial-*/first/first.ipynb"))
                  and any(out.glob(".partial-*/second/second.ipynb")))
        time.sleep(1.0)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert time.monotonic() - started < 30  # the 60-second cells did not run to their end
    assert proc.returncode == 143, stderr
    assert "Traceback" not in stderr
    assert not list(out.glob(".partial-*"))
    (run_dir,) = [p for p in out.iterdir() if p.name[:8].isdigit()]
    data = json.loads((run_dir / "run.json").read_text())
    assert data["interrupted"] is True and data["stopped_by"] == "SIGTERM"
    got = [(n["name"], n["status"]) for n in data["notebooks"]]
    assert got == [("first", "failed"), ("second", "failed"), ("params_ok", "skipped")]
    assert all(n["error"]["message"] == "stopped by SIGTERM" for n in data["notebooks"][:2])


def test_a_partial_folder_of_a_killed_run_is_marked_stale_by_the_next_run(tmp_path):
    out = tmp_path / "out"
    script = textwrap.dedent(f"""
        import time
        from mining.report import make_run_dir, run_lock
        with run_lock({str(out)!r}):
            make_run_dir({str(out)!r}, "demo", partial=True)
            print("ready", flush=True)
            time.sleep(120)
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            env=env)
    try:
        assert proc.stdout.readline().strip() == "ready"
        (partial,) = out.glob(".partial-*")
        # live: its lock is held, a second run is refused and its folder is never touched
        with pytest.raises(MiningError, match="Another report run"):
            with run_lock(out):
                pass
        assert clean_stale_partials(out) == [] and partial.is_dir()
        proc.send_signal(signal.SIGKILL)  # kill -9: no handler runs
        proc.wait(timeout=30)
    finally:
        proc.kill()
    assert partial.is_dir()
    lines: list[str] = []
    with run_lock(out):
        moved = clean_stale_partials(out, lines.append)
    assert [p.name for p in moved] == [".stale-" + partial.name[len(".partial-"):]]
    assert not partial.exists() and moved[0].is_dir()
    assert "is gone" in lines[0] and "marked unfinished run" in lines[0]


def test_a_partial_folder_of_a_live_process_is_left_alone(tmp_path):
    live = make_run_dir(tmp_path, "demo", partial=True)  # owned by this (live) process
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        other = tmp_path / ".partial-20260101-000000Z-other"
        other.mkdir()
        (other / ".owner").write_text(json.dumps({"pid": sleeper.pid,
                                                  "host": socket.gethostname()}))
        notes: list[str] = []
        assert clean_stale_partials(tmp_path, notes.append) == []
        assert live.is_dir() and other.is_dir()
        assert any("still running; left alone" in n for n in notes)
    finally:
        sleeper.kill()
        sleeper.wait()
    moved = clean_stale_partials(tmp_path)
    assert [p.name for p in moved] == [".stale-20260101-000000Z-other"] and live.is_dir()


# -- 4. config entry names ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["..", ".", "run.json", "index", "Index.html", "a/b", ".hidden",
                                  "../../etc", "a b"])
def test_entry_names_that_would_leave_or_overwrite_the_run_folder_are_errors(tmp_path, name):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(json.dumps({"notebooks": [{"notebook": str(OK_NB), "name": name}]}))
    with pytest.raises(ConfigError, match=r"notebooks\[0\].*params_ok.ipynb.*has the name"):
        load_config(cfg)


def test_ordinary_entry_names_are_fine(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(json.dumps({"notebooks": [{"notebook": str(OK_NB), "name": "01_value-v2.1"}]}))
    assert load_config(cfg)["notebooks"][0]["name"] == "01_value-v2.1"


# -- 5. clear errors ---------------------------------------------------------------------------


def test_a_config_that_is_not_utf8_is_a_clear_error(tmp_path, capsys):
    cfg = tmp_path / "c.yaml"
    cfg.write_bytes(b"title: caf\xe9\nnotebooks: [" + str(OK_NB).encode() + b"]\n")
    with pytest.raises(ConfigError, match=r"not UTF-8 text \(byte 0xe9 at position 10\)"):
        load_config(cfg)
    assert main(["report", "--config", str(cfg), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "not UTF-8" in err and "Traceback" not in err


@pytest.mark.slow
def test_a_cell_timeout_says_which_cell_and_how_to_raise_it(tmp_path, capfd):
    r = run_notebook(SLEEP_NB, tmp_path / "out", timeout=1)
    assert r.status == "failed" and r.error.type == "CellTimeoutError"
    assert r.error.message == (
        "cell 2 exceeded the timeout of 1 s; raise --timeout SECONDS (or 'timeout:' in the "
        "report config)"
    )
    time.sleep(0.5)
    err = capfd.readouterr().err
    assert "ZMQError" not in err and "Traceback" not in err and "Timeout waiting" not in err


@pytest.mark.parametrize(("option", "value"), [("--timeout", "0"), ("--timeout", "-1"),
                                               ("--keep", "0"), ("--keep", "-1"),
                                               ("--timeout", "nan")])
def test_timeout_and_keep_must_be_positive(tmp_path, capsys, option, value):
    assert main(["report", "--out", str(tmp_path), option, value]) == 2
    err = capsys.readouterr().err
    assert option in err and ("positive number of seconds" in err or ">= 1" in err)
    assert not any(tmp_path.iterdir())


def test_timeout_must_be_positive_in_the_python_api_too(tmp_path):
    for bad in (0, -1):
        with pytest.raises(ParameterError, match="positive number of seconds"):
            run_one(OK_NB, out=tmp_path, timeout=bad)
        with pytest.raises(ParameterError, match="positive number of seconds"):
            run_notebook(OK_NB, tmp_path, timeout=bad)
    assert not any(tmp_path.iterdir())


def test_a_broken_list_literal_is_an_error_not_a_split_string(tmp_path):
    nb = _notebook(tmp_path / "nb.ipynb", 'items: list[str] = ["x"]\nopts: dict = {}\n')
    with pytest.raises(ParameterError, match=r"'\[a,b' starts like a list literal but is not"):
        check_parameters(nb, {"items": "[a,b"})
    with pytest.raises(ParameterError, match=r"starts like a mapping literal"):
        check_parameters(nb, {"opts": "{k: 1"})
    assert check_parameters(nb, {"items": "a,b"}) == {"items": ["a", "b"]}
    assert check_parameters(nb, {"items": "[a, b]"}) == {"items": ["a", "b"]}


# -- 6. the data stamp hashes rows -------------------------------------------------------------


def _row_digest(frame: pd.DataFrame) -> str:
    return hashlib.sha256(
        pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes()).hexdigest()


def test_the_stamp_of_a_built_in_dataset_hashes_its_rows(tmp_path, monkeypatch):
    params = {"dataset": "demo", "size": "small", "seed": 0}
    rows = datasets.load("demo", size="small", random_state=0).transactions
    digest, text = data_fingerprint(params, tmp_path)
    assert digest == _row_digest(rows)
    assert f"sha256 of the {len(rows):,} clean rows" in text
    assert digest != hashlib.sha256(b"demo|size=small|seed=0").hexdigest()
    assert data_fingerprint({**params, "seed": 1}, tmp_path)[0] != digest
    real = datasets.load

    def changed_generator(*a, **kw):
        ds = real(*a, **kw)
        ds.transactions = ds.transactions.assign(quantity=ds.transactions["quantity"] + 1)
        return ds

    monkeypatch.setattr(datasets, "load", changed_generator)
    assert data_fingerprint(params, tmp_path)[0] != digest  # same name, new rows: new stamp


@pytest.mark.slow
def test_a_run_generates_each_dataset_once(tmp_path, monkeypatch):
    real = datasets.load
    calls: list[tuple] = []

    def counting(name, *, size="default", random_state=0, **kw):
        calls.append((name, size, random_state))
        return real(name, size="small", random_state=random_state, **kw)  # small: fast

    monkeypatch.setattr(datasets, "load", counting)
    cfg = _config(tmp_path / "c.yaml", f"""\
        defaults: {{dataset: demo, seed: 0}}
        notebooks:
          - {{notebook: {OK_NB}, name: first}}
          - {{notebook: {OK_NB}, name: second}}
        """)
    run = run_report(cfg, out=tmp_path / "out")
    assert run.ok
    assert calls == [("demo", "default", 0)]  # two notebooks: stamp and summary, one generation
    stamps = {json.loads((run.run_dir / n / "run.json").read_text())["data_sha256"]
              for n in ("first", "second")}
    assert len(stamps) == 1
