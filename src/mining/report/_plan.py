"""Run several notebooks as one run: the plan (every parameter checked before anything
runs), one new run folder, one index, SIGTERM handled like Ctrl-C; :func:`run_report` (a
config) and :func:`run_one` (one notebook)."""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import signal
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mining.errors import MiningError, ParameterError
from mining.report._common import (
    FAILED,
    SKIPPED,
    Echo,
    RunTerminated,
    WriteError,
    _is_write_error,
    _mining_version,
    _now_iso,
    _suggest,
    _write_error,
    _write_json,
    available_cores,
)
from mining.report._config import _entry_name_problem, find_default_config, load_config
from mining.report._execute import (
    KERNEL_THREADS_ENV,
    _check_kernel,
    _Interrupted,
    _kernel_environment,
    _split_passwords,
    _stop_kernel,
    kill_running_kernels,
    run_notebook,
    start_kernel,
)
from mining.report._export import _add_thumbnail
from mining.report._fingerprint import _git_info, _inputs_cache, data_key, data_summary
from mining.report._index import write_index
from mining.report._params import (
    _check_timeout_arg,
    _prepare,
    _resolve_source,
    check_parameters,
    declared_parameters,
)
from mining.report._results import NotebookError, NotebookResult, ReportRun
from mining.report._runs import (
    _PARTIAL,
    _point_latest,
    clean_stale_partials,
    finalise_run_dir,
    make_run_dir,
    previous_durations,
    prune_runs,
    run_label,
    run_lock,
)
from mining.secrets import redact

__all__ = ["run_one", "run_report"]


def _check_dataset_name(params: Mapping[str, Any]) -> None:
    """An unknown built-in ``dataset`` (when no ``source`` is given) is an error before any
    notebook runs, naming the datasets there are."""
    name = params.get("dataset")
    if params.get("source") or name in (None, ""):
        return
    from mining import datasets

    if str(name) not in datasets.names():
        raise ParameterError(
            f"Unknown dataset {name!r}; built-in datasets: {', '.join(datasets.names())} "
            "(`mining datasets list` describes them), or pass -p source FILE for your own data."
        )


def _unsupported(params: dict[str, Any], requires: list[str]) -> str | None:
    """Why a built-in dataset cannot serve a notebook that ``requires`` these capabilities
    (``None``: it can, or the notebook reads the user's own ``source``). A ``survey`` is met by
    the notebook's ``survey_source`` parameter; a ``source`` alone never carries one."""
    if "survey" in requires and params.get("survey_source"):
        requires = [r for r in requires if r != "survey"]  # the user's own survey file
    if "survey" in requires and params.get("source"):
        return ("your source has no customer survey (satisfaction and loyalty answers): pass "
                "one with -p survey_source FILE (the contract is in data/README.md)")
    if not requires or params.get("source") or not params.get("dataset"):
        return None
    from mining import datasets

    name = str(params["dataset"])
    if name not in datasets.names():
        return None  # the notebook's own check reports the unknown name
    reasons = datasets.missing_requirements(name, requires)
    return f"dataset {name!r} has {'; '.join(reasons)}" if reasons else None


@dataclass
class _Planned:
    name: str
    title: str
    notebook: Path
    parameters: dict[str, Any]
    skip: str | None
    timeout: float
    password: str | None = field(default=None, repr=False)


@contextlib.contextmanager
def _sigterm_stops_the_run() -> Iterator[None]:
    """While a run goes, SIGTERM raises :class:`RunTerminated` (a KeyboardInterrupt), so the run
    stops in order: the notebook is marked interrupted, the index of what finished is written.
    Only in the main thread (signal handlers cannot be installed elsewhere)."""
    import threading

    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM ends the process at once
        raise RunTerminated("stopped by SIGTERM")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def default_jobs() -> int:
    """Notebooks run at once by default: the cores this process may use."""
    return available_cores()


def _check_jobs(jobs: Any) -> int:
    if jobs is None:
        return default_jobs()
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ParameterError(f"jobs must be a whole number of notebooks >= 1 (1: one after the "
                             f"other). Got {jobs!r} instead.")
    return jobs


def _execute_plan(plan: list[_Planned], *, out: str | os.PathLike[str], echo: Echo | None,
                  keep: int | None = None, **settings: Any) -> ReportRun:
    """Check the kernel and ``keep``, take the out folder's lock, then run the plan
    (:func:`_execute_locked`, which gets ``settings``: label, meta, kernel_name, progress,
    fail_fast)."""
    _check_kernel(settings["kernel_name"])
    if keep is not None and (isinstance(keep, bool) or not isinstance(keep, int) or keep < 1):
        raise ParameterError(f"keep must be a whole number of runs >= 1. Got {keep!r} instead.")
    say = (lambda text, **kw: echo(redact(text), **kw)) if echo else None
    out = Path(out).expanduser().absolute()  # never read again relative to a working folder
    with run_lock(out), _sigterm_stops_the_run(), _inputs_cache():
        clean_stale_partials(out, say)
        return _execute_locked(plan, out=Path(out), echo=say, keep=keep, **settings)


def _move_outputs(results: list[NotebookResult], old: Path, new: Path) -> None:
    """Point result paths at the renamed run folder."""
    for r in results:
        for key, path in list(r.outputs.items()):
            try:
                r.outputs[key] = new / Path(path).relative_to(old)
            except ValueError:
                pass


def _skipped(item: _Planned, reason: str) -> NotebookResult:
    return NotebookResult(
        name=item.name, status=SKIPPED, duration_s=0.0, parameters=dict(item.parameters),
        title=item.title, notebook=item.notebook, passed=dict(item.parameters),
        skip_reason=reason,
    )


def _execute_locked(
    plan: list[_Planned],
    *,
    out: Path,
    label: str,
    meta: dict[str, Any],
    kernel_name: str,
    progress: bool,
    fail_fast: bool,
    echo: Echo | None,
    keep: int | None,
    jobs: int = 1,
    profile: bool = False,
) -> ReportRun:
    from mining.inputs import CACHE_ENV

    started = _now_iso()
    t0 = time.perf_counter()
    work_dir = make_run_dir(out, label, partial=True)
    git_info = _git_info(plan[0].notebook.parent) if plan else None
    meta = {
        **meta,
        "run_id": work_dir.name[len(_PARTIAL):],
        "dataset": redact(label),
        "started": started,
        "mining_version": _mining_version(),
        "git": git_info,
        "python": platform.python_version(),
        "kernel": kernel_name,
    }
    results: list[NotebookResult] = []
    summaries: dict[str, dict[str, Any]] = {}

    def finish() -> ReportRun:
        meta["finished"] = _now_iso()
        meta["duration_s"] = round(time.perf_counter() - t0, 3)
        meta["data"] = dict(summaries)
        run_dir = work_dir
        try:
            write_index(work_dir, results, meta)
            run_dir = finalise_run_dir(work_dir)
        except OSError as exc:
            if not _is_write_error(exc):
                raise
            first = meta.get("write_error")
            meta["write_error"] = str(_write_error(exc, "the run's index"))
            if first:
                meta["write_error"] = f"{first}\n{meta['write_error']}"
            meta["write_error"] += f" The unfinished run stays in {work_dir}."
        _move_outputs(results, work_dir, run_dir)
        if not meta.get("interrupted") and not meta.get("write_error"):
            _point_latest(out, run_dir)
            if keep:
                removed = prune_runs(out, keep, protect=[run_dir])
                if removed and echo:
                    echo(f"removed {len(removed)} old run(s), keeping the newest {keep}")
        return ReportRun(run_dir=run_dir, results=results, meta=meta)

    run_dir = work_dir
    cache = work_dir / INPUTS_CACHE_FOLDER
    previous_cache = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = str(cache)  # kernels inherit it: each data read and cleaned once
    n_run = sum(item.skip is None for item in plan)
    side_by_side = min(jobs, n_run) if jobs > 1 and n_run > 1 else 1
    previous_threads = os.environ.get(KERNEL_THREADS_ENV)
    if side_by_side > 1:
        os.environ[KERNEL_THREADS_ENV] = str(max(1, default_jobs() // side_by_side))
    try:
        # the data is opened while the first kernels start and import their modules; no cell
        # runs before it is ready (the notebooks then read it from the cache)
        data = _DataOpening(plan, summaries)
        if side_by_side > 1:
            _run_parallel(plan, results, run_dir=run_dir, jobs=jobs, kernel_name=kernel_name,
                          progress=progress, fail_fast=fail_fast, echo=echo, meta=meta,
                          git_info=git_info, profile=profile,
                          previous=previous_durations(out), data=data)
        else:
            _run_in_order(plan, results, run_dir=run_dir, kernel_name=kernel_name,
                          progress=progress, fail_fast=fail_fast, echo=echo, meta=meta,
                          git_info=git_info, profile=profile, data=data)
        data.wait()  # every notebook skipped: the data line still belongs in the index
    except KeyboardInterrupt as exc:
        if getattr(exc, "signal", None):
            meta["stopped_by"] = exc.signal  # type: ignore[attr-defined]
        done = {r.name for r in results}
        for rest in plan:
            if rest.name not in done:
                results.append(_skipped(rest, "run interrupted"))
        results.sort(key=lambda r: [p.name for p in plan].index(r.name))
        if echo:
            echo("interrupted")
        meta["interrupted"] = True
        _restore_env(CACHE_ENV, previous_cache)
        _restore_env(KERNEL_THREADS_ENV, previous_threads)
        shutil.rmtree(cache, ignore_errors=True)
        with contextlib.suppress(OSError):
            finish()
        raise
    _restore_env(CACHE_ENV, previous_cache)
    _restore_env(KERNEL_THREADS_ENV, previous_threads)
    shutil.rmtree(cache, ignore_errors=True)
    return finish()


#: the run's cache of opened data (removed when the run ends)
INPUTS_CACHE_FOLDER = ".inputs-cache"


def _restore_env(key: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(key, None)
    else:
        os.environ[key] = value


class _Cancelled(Exception):
    """The run stopped while a notebook waited for the run's data (it is recorded as skipped)."""


class _DataOpening:
    """:func:`_open_data_once` in a thread of its own, started at once; :meth:`wait` until it is
    done (it re-raises what the opening raised, other than the MiningErrors it leaves to the
    notebooks; :class:`_Cancelled` after :meth:`cancel`). The kernels of the first notebooks
    start meanwhile."""

    def __init__(self, plan: list[_Planned], summaries: dict[str, dict[str, Any]]) -> None:
        self._done = threading.Event()
        self._error: BaseException | None = None
        self._cancelled = False

        def work() -> None:
            try:
                _open_data_once(plan, summaries)
            except BaseException as exc:  # broad on purpose: re-raised by wait()
                self._error = exc
            finally:
                self._done.set()

        if any(item.skip is None for item in plan):
            threading.Thread(target=work, name="mining-open-data", daemon=True).start()
        else:
            self._done.set()

    def wait(self) -> None:
        while not self._done.wait(timeout=0.5):  # a timeout keeps Ctrl-C working
            if self._cancelled:
                break
        if self._cancelled:
            raise _Cancelled("run interrupted")
        if self._error is not None:
            raise self._error

    def cancel(self) -> None:
        """Let every notebook still waiting for the data give up (the run is stopping)."""
        self._cancelled = True


def _open_data_once(plan: list[_Planned], summaries: dict[str, dict[str, Any]]) -> None:
    """Open each notebook's data once, before any cell runs (:class:`_DataOpening` runs it while
    the first kernels start): the data line of the index, and (with ``MINING_INPUTS_CACHE`` set)
    the cleaned tables every notebook then reads."""
    for item in plan:
        if item.skip:
            continue
        try:
            final = _prepare(item.notebook, item.parameters)[1]
        except MiningError:
            continue  # the notebook's own run reports it
        final, _ = _split_passwords(final)
        key = data_key(final)
        if key and key not in summaries:
            with _kernel_environment(item.password):
                summaries[key] = data_summary(final)


def _run_item(item: _Planned, run_dir: Path, *, kernel_name: str, progress: bool,
              git_info: Any, data: _DataOpening | None = None) -> tuple[NotebookResult, str | None]:
    """Run one planned notebook: its result, and the write error that stops the run (if any).

    With ``data`` (the run's data being opened), the notebook's kernel starts and imports the
    notebook's modules first (:func:`start_kernel`); its cells run once the data is ready."""
    kernel = None
    if data is not None:
        kernel = start_kernel(item.notebook, run_dir / item.name, kernel_name=kernel_name,
                              progress=progress, password=item.password)
        try:
            data.wait()
        except BaseException:
            if kernel is not None:
                _stop_kernel(kernel)
            raise
    try:
        result = run_notebook(
            item.notebook, run_dir / item.name, parameters=item.parameters,
            kernel_name=kernel_name, timeout=item.timeout, name=item.name,
            title=item.title, progress=progress, git=git_info, password=item.password,
            kernel=kernel,
        )
    except WriteError as exc:
        folder = run_dir / item.name
        files = {"notebook": folder / f"{item.name}.ipynb",
                 "html": folder / f"{item.name}.html",
                 "html_nocode": folder / f"{item.name}.nocode.html"}
        return NotebookResult(
            name=item.name, status=FAILED, duration_s=0.0,
            parameters=dict(item.parameters), title=item.title, notebook=item.notebook,
            passed=dict(item.parameters),
            outputs={k: v for k, v in files.items() if v.is_file()},
            error=NotebookError("WriteError", str(exc)),
        ), str(exc)
    _add_thumbnail(result, run_dir / item.name)
    return result, None


def _result_line(result: NotebookResult, *, profile: bool) -> str:
    line = f"{result.status} ({result.duration_s:.1f} s)"
    if result.error is not None:
        line += f": {result.error.summary}"
    if profile:
        for cell in (result.record or {}).get("slowest_cells") or []:
            line += f"\n    {cell['seconds']:6.1f} s  cell {cell['cell']}: {cell['source']}"
    return line


def _run_in_order(plan: list[_Planned], results: list[NotebookResult], *, run_dir: Path,
                  kernel_name: str, progress: bool, fail_fast: bool, echo: Echo | None,
                  meta: dict[str, Any], git_info: Any, profile: bool,
                  data: _DataOpening | None = None) -> None:
    """One notebook after the other (``--jobs 1``): ``[i/n] name ... ok (12.3 s)``."""
    n = len(plan)
    stop_reason: str | None = None
    for i, item in enumerate(plan, start=1):
        head = f"[{i}/{n}] {item.name} ..."
        reason = item.skip or stop_reason
        if reason:
            results.append(_skipped(item, reason))
            if echo:
                echo(f"{head} skipped ({reason})")
            continue
        if echo:
            echo(head if progress else f"{head} ",
                 **({} if progress else {"end": "", "flush": True}))
        try:
            result, write_error = _run_item(item, run_dir, kernel_name=kernel_name,
                                            progress=progress, git_info=git_info, data=data)
        except _Interrupted as exc:
            results.append(exc.result)
            raise
        if write_error:
            meta["write_error"] = write_error
            stop_reason = "not run: the run's output could not be written"
        results.append(result)
        if echo:
            prefix = f"{item.name}: " if progress else ""
            echo(prefix + _result_line(result, profile=profile))
        if fail_fast and result.status == FAILED and stop_reason is None:
            stop_reason = f"after {item.name} failed (--fail-fast)"


def _mark_interrupted(result: NotebookResult, error: NotebookError) -> None:
    """Record a notebook whose kernel the runner killed as interrupted (not as a dead kernel),
    in the result and in its ``run.json``."""
    result.status = FAILED
    result.error = error
    if result.record:
        result.record.update(status=FAILED, error=error.to_dict())
        path = result.outputs.get("run_json")
        if path is not None and Path(path).is_file():
            with contextlib.suppress(OSError):
                _write_json(Path(path), result.record)


#: seconds each built-in notebook took in a report on the default demo (``--jobs 2`` on two
#: cores), for a run that has no history yet (a first run, a fresh clone, a new --out folder):
#: the slowest start first there too. A notebook not listed here counts as the slowest.
EXPECTED_SECONDS: dict[str, float] = {
    "05_churn": 14.0,
    "04_sequences": 10.5,
    "02_segmentation": 7.5,
    "06_deviation": 7.0,
    "03_cross_selling": 7.0,
    "07_lifetime_value": 7.0,
    "01_customer_value": 4.5,
    "08_loyalty_satisfaction": 4.5,
}


def start_order(items: list[_Planned], previous: Mapping[str, float],
                expected: Mapping[str, float] | None = None) -> list[_Planned]:
    """``items`` slowest first by ``previous`` (seconds per name, from the last complete run),
    for names it lacks by ``expected`` (a prior guess such as :data:`EXPECTED_SECONDS`); names
    neither knows count as the slowest; ties in the given order."""
    guess = {**(expected or {}), **previous}
    return sorted(items, key=lambda item: -guess.get(item.name, float("inf")))


def _run_parallel(plan: list[_Planned], results: list[NotebookResult], *, run_dir: Path,
                  jobs: int, kernel_name: str, progress: bool, fail_fast: bool,
                  echo: Echo | None, meta: dict[str, Any], git_info: Any,
                  profile: bool, previous: Mapping[str, float] | None = None,
                  data: _DataOpening | None = None) -> None:
    """Up to ``jobs`` notebooks at once (each its own kernel process and environment); the line
    ``[i/n] name ... ok (12.3 s)`` as each one ends; results in the plan's order. A failure never
    stops the others (``fail_fast``: notebooks not started yet are skipped). Ctrl-C or SIGTERM
    kill the running kernels, record those notebooks as interrupted and re-raise.

    They start slowest first by ``previous`` (name -> seconds in the last complete run), for
    notebooks it does not know by :data:`EXPECTED_SECONDS` (the built-in notebooks on the demo);
    notebooks neither knows first, then in the plan's order. So the longest one does not start
    last and hold up the end of the run, also in a first run without history."""
    from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

    n = len(plan)
    order = {item.name: i for i, item in enumerate(plan, start=1)}
    by_name: dict[str, NotebookResult] = {}
    waiting = start_order([item for item in plan if not item.skip], previous or {},
                          EXPECTED_SECONDS)
    for item in plan:
        if item.skip:
            by_name[item.name] = _skipped(item, item.skip)
            if echo:
                echo(f"[{order[item.name]}/{n}] {item.name} ... skipped ({item.skip})")
    stop_reason: str | None = None
    running: dict[Future[tuple[NotebookResult, str | None]], _Planned] = {}
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="mining-notebook")

    def start_next() -> None:
        while waiting and len(running) < jobs and stop_reason is None:
            item = waiting.pop(0)
            running[pool.submit(_run_item, item, run_dir, kernel_name=kernel_name,
                                progress=progress, git_info=git_info, data=data)] = item

    def collect(done: set[Future[tuple[NotebookResult, str | None]]]) -> None:
        nonlocal stop_reason
        for future in done:
            item = running.pop(future)
            try:
                result, write_error = future.result()
            except _Interrupted as exc:
                result, write_error = exc.result, None
            except Exception as exc:  # broad on purpose: a crash of one never stops the others
                result = NotebookResult(
                    name=item.name, status=FAILED, duration_s=0.0,
                    parameters=dict(item.parameters), title=item.title,
                    notebook=item.notebook, passed=dict(item.parameters),
                    error=NotebookError(type(exc).__name__, redact(str(exc))))
                write_error = None
            by_name[item.name] = result
            if write_error:
                meta["write_error"] = write_error
                stop_reason = "not run: the run's output could not be written"
            if echo:
                echo(f"[{order[item.name]}/{n}] {item.name} ... "
                     + _result_line(result, profile=profile))
            if fail_fast and result.status == FAILED and stop_reason is None:
                stop_reason = f"after {item.name} failed (--fail-fast)"

    try:
        start_next()
        while running:
            done, _ = wait(set(running), return_when=FIRST_COMPLETED)
            collect(done)
            start_next()
        for item in waiting:
            by_name[item.name] = _skipped(item, stop_reason or "not run")
            if echo:
                echo(f"[{order[item.name]}/{n}] {item.name} ... skipped ({stop_reason})")
    except KeyboardInterrupt as exc:
        why = ("stopped by SIGTERM" if isinstance(exc, RunTerminated)
               else "interrupted by the user")
        if data is not None:
            data.cancel()  # notebooks still waiting for the data give up
        kill_running_kernels()
        done, _ = wait(set(running))
        for future in done:
            item = running.pop(future)
            try:
                result = future.result()[0]
            except _Interrupted as inner:
                result = inner.result
            except Exception:  # broad on purpose: the interruption is what is recorded
                result = _skipped(item, "run interrupted")
            if result.status != SKIPPED:
                _mark_interrupted(result, NotebookError(
                    type(exc).__name__, why, result.error.cell_source if result.error else None,
                    result.error.cell_number if result.error else None))
            by_name[item.name] = result
        results.extend(by_name[item.name] for item in plan if item.name in by_name)
        pool.shutdown(wait=True)
        raise
    pool.shutdown(wait=True)
    results.extend(by_name[item.name] for item in plan)


def run_report(
    config: str | os.PathLike[str] | None = None,
    *,
    dataset: str | None = None,
    size: str | None = None,
    out: str | os.PathLike[str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    keep: int | None = None,
    timeout: float | None = None,
    kernel_name: str | None = None,
    progress: bool = False,
    fail_fast: bool = False,
    echo: Echo | None = None,
    jobs: int | None = None,
    profile: bool = False,
) -> ReportRun:
    """Run every notebook a config lists into a new run folder and write its index.

    Parameter precedence, lowest first: the notebook's own defaults, the config's ``defaults``
    (given only to notebooks that declare them), the entry's ``parameters`` (must be declared),
    then ``dataset``/``size`` and ``overrides`` (given to every notebook that declares them).
    Every notebook's parameters are checked before anything runs.

    Parameters
    ----------
    config : path, optional
        YAML config (default: :func:`find_default_config`).
    dataset, size : str, optional
        Override the ``dataset`` and ``size`` parameters.
    out : path, optional
        Parent folder of the run folder ``<YYYYmmdd-HHMMSS>Z-<dataset>`` (default: the config's
        ``out``, else ``reports``). The run is written to ``.partial-<name>`` and renamed when
        done; ``<out>/latest`` and ``<out>/latest.html`` then point to it. A lock file stops a
        second run into the same folder while one is running.
    keep : int, optional
        Keep only the newest ``keep`` complete runs in ``out`` (>= 1; default: the config's
        ``keep``, else all); see :func:`prune_runs`. Never deletes the run just made.
    overrides : mapping, optional
        More parameters (``-p NAME VALUE``); text is converted per notebook.
    timeout : float, optional
        Seconds per cell (default: the config's ``timeout``, else 600).
    kernel_name : str, optional
        Jupyter kernel (default: the config's ``kernel``, else python3).
    progress : bool, default False
        papermill progress bar and notebook output while running.
    fail_fast : bool, default False
        After the first failure, skip the remaining notebooks.
    echo : callable, optional
        ``print``-like function for progress lines (``[1/3] name ... ok (12.3 s)``).
    jobs : int, optional
        Notebooks run at once (each in its own kernel); default: the number of cores
        (:func:`default_jobs`); 1 runs them one after the other. The results, the index and the
        exit code do not depend on it.
    profile : bool, default False
        Echo the slowest cells of each notebook (they are in every ``run.json`` as
        ``slowest_cells`` anyway).

    Before any cell runs, the runner opens each notebook's data once (the data line of the
    index) and keeps the cleaned tables in ``<run>/.inputs-cache`` (``MINING_INPUTS_CACHE``), so
    the notebooks do not each generate and clean the same data; the folder is removed at the end.
    Meanwhile the first kernels start and run their notebooks' imports. Each kernel is told the
    cores it may use (``MINING_N_JOBS``: all of them with ``jobs=1``, ``cores // jobs`` side by
    side); without history in ``out``, the built-in notebooks start slowest first by
    :data:`EXPECTED_SECONDS`.

    Returns
    -------
    ReportRun
        ``run_dir``, ``results`` and ``ok`` (False when any notebook failed).

    Raises
    ------
    ConfigError, ParameterError
        Before anything runs: bad config, a parameter no notebook (or this entry's notebook)
        declares, a value of the wrong type, a timeout <= 0, keep < 1.
    WriteError
        ``out`` cannot be written at all (read-only, no permission). A write failure during the
        run does not raise: the run is returned with ``meta["write_error"]`` set.
    RunTerminated, KeyboardInterrupt
        SIGTERM or Ctrl-C; the index of what finished is written first.
    """
    cfg_path = Path(config) if config is not None else find_default_config()
    cfg = load_config(cfg_path)
    cli: dict[str, Any] = {}
    if dataset is not None:
        cli["dataset"] = dataset
    if size is not None:
        cli["size"] = size
    cli.update(overrides or {})
    if "source" in cli:
        cli["source"] = _resolve_source(cli["source"], Path.cwd())
    if timeout is not None:
        timeout = _check_timeout_arg(timeout)
    jobs = _check_jobs(jobs)
    _check_dataset_name({**cfg["defaults"], **cli})

    declared: dict[str, set[str]] = {}
    errors: list[str] = []
    for entry in cfg["notebooks"]:
        try:
            declared[entry["name"]] = set(declared_parameters(entry["notebook"]))
        except MiningError as exc:
            if entry["skip"] is None:
                errors.append(str(exc))
    everything = set().union(*declared.values()) if declared else set()
    for origin, params in (("the config's 'defaults'", cfg["defaults"]),
                           ("the command line", cli)):
        for key in params:
            if key not in everything:
                errors.append(
                    f"Parameter {key!r} from {origin} is declared by none of the notebooks in "
                    f"{cfg_path}.{_suggest(key, sorted(everything))} "
                    f"Declared: {', '.join(sorted(everything)) or '(none)'}."
                )
    plan: list[_Planned] = []
    for entry in cfg["notebooks"]:
        names = declared.get(entry["name"], set())
        params = {k: v for k, v in cfg["defaults"].items() if k in names}
        params.update(entry["parameters"])
        params.update({k: v for k, v in cli.items() if k in names})
        if entry["skip"] is None:
            entry["skip"] = _unsupported(params, entry.get("requires", []))
        if entry["skip"] is None:
            try:
                params = check_parameters(entry["notebook"], params)
            except ParameterError as exc:
                errors.append(str(exc))
        password: str | None = None
        try:
            params, password = _split_passwords(params)
        except ParameterError as exc:
            errors.append(str(exc))
        plan.append(_Planned(
            name=entry["name"], title=entry["title"], notebook=entry["notebook"],
            parameters=params, skip=entry["skip"],
            timeout=timeout if timeout is not None else entry["timeout"], password=password,
        ))
    if errors:
        raise ParameterError(redact("\n".join(dict.fromkeys(errors))))

    label_params, _ = _split_passwords({**cfg["defaults"], **cli})
    meta = {
        "title": cfg["title"],
        "config": str(cfg_path.resolve()),
        "overrides": redact(_split_passwords(cli)[0]),
    }
    return _execute_plan(
        plan, out=out if out is not None else (cfg["out"] or "reports"),
        label=run_label(label_params, "report"), meta=meta,
        kernel_name=kernel_name or cfg["kernel"], progress=progress, fail_fast=fail_fast,
        echo=echo, keep=keep if keep is not None else cfg["keep"], jobs=jobs, profile=profile,
    )


def run_one(
    notebook: str | os.PathLike[str],
    *,
    parameters: Mapping[str, Any] | None = None,
    out: str | os.PathLike[str] = "reports",
    timeout: float = 600,
    kernel_name: str = "python3",
    progress: bool = False,
    echo: Echo | None = None,
    profile: bool = False,
) -> ReportRun:
    """Run one notebook into a new run folder with an index of one (``mining run``).

    Same layout and checks as :func:`run_report`; the folder is named after the notebook's
    ``dataset`` (or ``source``) parameter, else the notebook's name.
    """
    nb_path = Path(notebook).resolve()
    if not nb_path.is_file():
        raise MiningError(f"Notebook {notebook} not found.")
    timeout = _check_timeout_arg(timeout)
    problem = _entry_name_problem(nb_path.stem)
    if problem:
        raise ParameterError(f"Notebook {nb_path.name}: its name {nb_path.stem!r} {problem}; "
                             "rename the file.")
    passed, final = _prepare(nb_path, parameters)
    passed, password = _split_passwords(passed)
    final, _ = _split_passwords(final)
    plan = [_Planned(name=nb_path.stem, title=nb_path.stem, notebook=nb_path, parameters=passed,
                     skip=None, timeout=timeout, password=password)]
    meta = {"title": f"mining run {nb_path.name}", "config": None, "overrides": redact(passed)}
    return _execute_plan(
        plan, out=out, label=run_label(final, nb_path.stem), meta=meta, kernel_name=kernel_name,
        progress=progress, fail_fast=False, echo=echo, profile=profile,
    )
