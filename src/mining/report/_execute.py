"""Run one notebook: papermill in a headless kernel in the notebook's own folder, its failure
recorded (never raised), passwords kept out of every file, then HTML and its ``run.json``.

The kernel gets a password taken out of a URL parameter only in ``MINING_DB_PASSWORD``
(:mod:`mining.secrets`); a run that cannot write its output raises
:class:`~mining.report.WriteError`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import platform
import subprocess
import sys
import time
import weakref
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from mining.errors import MiningError, ParameterError
from mining.report._common import (
    FAILED,
    OK,
    RunTerminated,
    _is_write_error,
    _mining_version,
    _now_iso,
    _short,
    _write_error,
    _write_json,
)
from mining.report._config import _entry_name_problem
from mining.report._export import _export_html, notebook_outputs
from mining.report._fingerprint import _git_info, data_fingerprint
from mining.report._params import _check_timeout_arg, _prepare, _read_notebook
from mining.report._results import NotebookError, NotebookResult
from mining.secrets import PASSWORD_ENV, redact, split_password

__all__ = ["KERNEL_MPLBACKEND", "run_notebook"]

#: set by the runner when notebooks run side by side: the native threads each kernel may use
#: (OpenMP/BLAS), so that two kernels on two cores do not each start one thread per core
KERNEL_THREADS_ENV = "MINING_KERNEL_THREADS"

#: headless, and unlike "Agg" it still puts every figure into the notebook as an inline PNG
KERNEL_MPLBACKEND = "module://matplotlib_inline.backend_inline"


def _split_passwords(params: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
    """``params`` with the password taken out of every URL value, and that password.

    Raises ParameterError when two URLs carry different passwords (one variable holds one).
    """
    clean: dict[str, Any] = {}
    found: dict[str, str] = {}
    for key, value in params.items():
        if isinstance(value, str) and "://" in value:
            value, password = split_password(value)
            if password:
                found[key] = password
        clean[key] = value
    if len(set(found.values())) > 1:
        raise ParameterError(
            f"The parameters {', '.join(sorted(found))} hold URLs with different passwords; the "
            f"runner passes one password to the notebook (environment variable {PASSWORD_ENV}). "
            "Use one database user, or set PGPASSWORD / ~/.pgpass for the others."
        )
    return clean, next(iter(found.values()), None)


@contextlib.contextmanager
def _kernel_environment(password: str | None = None) -> Iterator[None]:
    """Headless matplotlib and no widgets in the kernel (it inherits os.environ); restored
    afterwards. ``MINING_UNATTENDED=1`` tells :mod:`mining.interactive` not to draw sliders.

    ``password`` (taken out of a URL parameter) goes to the kernel as ``MINING_DB_PASSWORD``,
    the only way it reaches the notebook; jupyter_client copies ``os.environ`` into the kernel
    process when it starts it. Without one, a ``MINING_DB_PASSWORD`` the user set is kept."""
    changes = {"MPLBACKEND": KERNEL_MPLBACKEND, "MINING_UNATTENDED": "1"}
    if password:
        changes[PASSWORD_ENV] = password
    old = {k: os.environ.get(k) for k in changes}
    os.environ.update(changes)
    try:
        yield
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _kernel_env(password: str | None, out: Path, output_env: str) -> dict[str, str]:
    """What one notebook's kernel gets on top of ``os.environ``: headless matplotlib, no widgets
    (``MINING_UNATTENDED=1``), its output folder (for the action lists) and, when one was taken out
    of a URL, the database password (``MINING_DB_PASSWORD``). Given to that kernel only, so
    notebooks run side by side without touching the runner's environment."""
    env = {"MPLBACKEND": KERNEL_MPLBACKEND, "MINING_UNATTENDED": "1", output_env: str(out)}
    threads = os.environ.get(KERNEL_THREADS_ENV)
    if threads and "OMP_NUM_THREADS" not in os.environ:
        env["OMP_NUM_THREADS"] = threads  # side by side: each kernel its share of the cores
    if password:
        env[PASSWORD_ENV] = password
    return env


def _check_kernel(kernel_name: str) -> None:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(kernel_name)
    except NoSuchKernel:
        raise MiningError(
            f"Jupyter kernel {kernel_name!r} not found. Install it in this environment with "
            f"'{sys.executable} -m ipykernel install --sys-prefix --name {kernel_name}', "
            "or pass another kernel name (jupyter kernelspec list)."
        ) from None


#: kernel managers of the notebooks running now (to stop them when a parallel run is stopped)
_LIVE: weakref.WeakSet[Any] = weakref.WeakSet()


def kill_running_kernels() -> int:
    """Kill the kernel process of every notebook running now; the number killed. Used when a
    run with several notebooks at once is stopped (Ctrl-C, SIGTERM): each notebook then ends
    with an error the runner records as the interruption."""
    killed = 0
    for km in list(_LIVE):
        proc = getattr(getattr(km, "provisioner", None), "process", None)
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(OSError):
                proc.kill()
                killed += 1
    return killed


def _kernel_manager(env: Mapping[str, str] | None = None, *, quiet: bool = True,
                    cwd: str | None = None) -> Any:
    """A kernel manager that starts the kernel in ``cwd`` (the notebook's folder) with ``env``
    added to its environment (one notebook's own variables, e.g. ``MINING_OUTPUT_DIR``: nothing
    in ``os.environ`` and not the runner's working folder changes, so notebooks can run side by
    side; papermill's own ``cwd=`` changes the working folder of the whole process, which made
    a relative report folder of a parallel run land in another notebook's folder) and, when
    ``quiet``, with the kernel process's own stderr
    (internal logs such as the zmq traceback after a timed-out cell is cut off) going nowhere;
    the notebook's output still reaches the notebook, and failures are recorded from nbclient's
    errors."""
    from jupyter_client.manager import AsyncKernelManager

    extra = dict(env or {})

    class MiningKernelManager(AsyncKernelManager):
        async def _async_pre_start_kernel(self, **kw: Any) -> Any:
            _LIVE.add(self)
            cmd, kw = await super()._async_pre_start_kernel(**kw)
            if quiet:
                kw.setdefault("stderr", subprocess.DEVNULL)
            if extra:
                kw["env"] = {**(kw.get("env") or os.environ), **extra}
            if cwd:
                kw["cwd"] = cwd
            return cmd, kw

    return MiningKernelManager


def _client_options(progress: bool = False, env: Mapping[str, str] | None = None,
                    cwd: str | None = None) -> dict[str, Any]:
    """Extra options for nbclient: CurveZMQ transport encryption where the kernel supports it,
    and (unless ``progress``) a kernel whose process stderr is discarded.

    Without encryption recent ipykernels print "Kernel is running over TCP without encryption"
    on every start. ``auto`` only encrypts when the kernelspec declares support; older
    jupyter_client versions without the setting get no extra options.
    """
    options: dict[str, Any] = {"kernel_manager_class": _kernel_manager(env, quiet=not progress,
                                                                       cwd=cwd)}
    try:
        import zmq
        from jupyter_client.manager import KernelManager
        from traitlets.config import Config

        if "transport_encryption" in KernelManager.class_trait_names() and zmq.has("curve"):
            options["config"] = Config({"KernelManager": {"transport_encryption": "auto"}})
    except Exception:  # broad on purpose: the plain kernel manager works too
        return options
    return options


def _failing_cell(nb_path: Path) -> tuple[str | None, int | None]:
    """Source and number of the last cell that started, from papermill's cell metadata."""
    import nbformat

    try:
        nb = nbformat.read(str(nb_path), as_version=4)
    except Exception:  # broad on purpose: no notebook written yet
        return None, None
    last = None
    for i, cell in enumerate(nb.cells):
        meta = cell.get("metadata", {}).get("papermill", {})
        if cell.cell_type == "code" and meta.get("start_time"):
            last = (i, cell)
    if last is None:
        return None, None
    i, cell = last
    return _short(cell.source), cell.get("execution_count") or i


def _mark_failed(nb_path: Path, error: NotebookError) -> None:
    """Put a visible error banner on top of an executed notebook papermill did not mark."""
    import nbformat

    try:
        nb = nbformat.read(str(nb_path), as_version=4)
    except Exception:  # broad on purpose: nothing written: nothing to mark
        return
    if any("papermill-error-cell-tag" in c.get("metadata", {}).get("tags", []) for c in nb.cells):
        return
    banner = nbformat.v4.new_markdown_cell(
        '<span style="color:red; font-size:1.2em"><b>This notebook failed:</b></span>\n\n'
        f"```\n{error.summary}\n```"
    )
    banner.metadata["tags"] = ["papermill-error-cell-tag", "mining-error"]
    nb.cells.insert(0, banner)
    nbformat.write(nb, str(nb_path))


class _QuietUnknownParameter(logging.Filter):
    """papermill warns "Passed unknown parameter" for names it cannot parse (``x: str | None``);
    the runner has already checked every name, so the warning would only mislead. nbclient's
    "Timeout waiting for execute reply" is recorded as the notebook's error instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not message.startswith(("Passed unknown parameter", "Timeout waiting for"))


class _Interrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM: ``signal``) during a notebook; carries the recorded (failed) result."""

    def __init__(self, result: NotebookResult, signal: str | None = None) -> None:
        super().__init__("interrupted")
        self.result = result
        self.signal = signal


def _scrub(path: Path, password: str | None) -> None:
    """Hide passwords the notebook itself printed in its outputs (``***``): every
    ``scheme://user:pw@`` / ``?password=`` form, and ``password`` as given or URL-quoted (belt
    and braces: the runner never puts a password into the notebook)."""
    if not path.is_file():
        return
    import nbformat

    forms = sorted({password, quote(password, safe=""), quote(password)} if password
                   and len(password) >= 4 else set(), key=len, reverse=True)
    nb = nbformat.read(str(path), as_version=4)
    changed = False

    def clean(value: Any) -> Any:
        nonlocal changed
        if isinstance(value, str):
            new = redact(value)
            for form in forms:
                new = new.replace(form, "***")
            changed = changed or new != value
            return new
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    for cell in nb.cells:
        cell.source = clean(cell.source)
        for output in cell.get("outputs", []):
            for key in ("text", "evalue", "traceback"):
                if key in output:
                    output[key] = clean(output[key])
            for mime, value in output.get("data", {}).items():
                if mime.startswith("text/") or mime.endswith("json"):
                    output["data"][mime] = clean(value)
    if changed:
        nbformat.write(nb, str(path))


def slowest_cells(nb_path: Path, n: int = 5) -> list[dict[str, Any]]:
    """The ``n`` code cells that took longest, from papermill's cell metadata: ``cell`` (index in
    the notebook), ``seconds`` and ``source`` (its first line). Empty when the notebook did not
    run. In every ``run.json`` (``slowest_cells``); ``--profile`` prints them."""
    try:
        nb = _read_notebook(nb_path)
    except Exception:  # broad on purpose: no profile is no reason to fail a run
        return []
    timed = []
    for i, cell in enumerate(nb.cells):
        seconds = cell.get("metadata", {}).get("papermill", {}).get("duration")
        if cell.get("cell_type") == "code" and isinstance(seconds, int | float):
            first = next((line for line in cell.get("source", "").splitlines() if line.strip()), "")
            timed.append({"cell": i, "seconds": round(float(seconds), 3),
                          "source": redact(first[:100])})
    return sorted(timed, key=lambda c: -c["seconds"])[:n]


def _shown(nb_path: Path) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The findings and the saved action lists the executed notebook showed (the last of each),
    for ``run.json`` and the index; None when it showed none (or did not run)."""
    from mining.actions import MIME_TYPE as LISTS
    from mining.findings import MIME_TYPE as FINDINGS

    if not nb_path.is_file():
        return None, None
    found = notebook_outputs(nb_path, FINDINGS)
    lists = notebook_outputs(nb_path, LISTS)
    return (redact(found[-1]) if found else None), (redact(lists[-1]) if lists else None)


def run_notebook(
    notebook: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    parameters: Mapping[str, Any] | None = None,
    kernel_name: str = "python3",
    timeout: float = 600,
    name: str | None = None,
    title: str | None = None,
    progress: bool = False,
    git: dict[str, Any] | None | bool = True,
    password: str | None = None,
) -> NotebookResult:
    """Execute one notebook with papermill, export it to HTML twice and write its ``run.json``.

    Parameters are checked first (see :func:`check_parameters`); nothing is created when they are
    wrong. A failure inside the notebook does not raise: it is returned as ``status="failed"``
    with its error, and the executed notebook (with the traceback) and HTML are still written.

    Parameters
    ----------
    notebook : path
        The notebook to run. The kernel runs in its folder (relative paths work).
    out_dir : path
        Folder for ``<name>.ipynb``, ``<name>.html``, ``<name>.nocode.html`` and ``run.json``
        (created if needed).
    parameters : mapping, optional
        Values for parameters the notebook declares; text is converted to the declared type.
        A relative ``source`` path that exists from the current folder is made absolute.
    kernel_name : str, default "python3"
        Jupyter kernel (the environment's ipykernel).
    timeout : float, default 600
        Seconds each cell may run before the notebook fails.
    name, title : str, optional
        File stem of the outputs (default: the notebook's stem) and title shown in HTML.
    progress : bool, default False
        Show papermill's progress bar and log the notebook's output while it runs.
    git : dict, None or True
        Provenance of the working tree; True (default) asks git, a dict/None is used as given.
    password : str, optional
        Database password for the kernel's ``MINING_DB_PASSWORD``. A password inside a URL
        parameter (``postgresql://u:pw@host/db``) is taken out automatically: the notebook gets
        the URL without it and the password in that variable only.

    Returns
    -------
    NotebookResult

    Raises
    ------
    ParameterError
        Undeclared parameter, unconvertible value, or no ``parameters`` cell.
    MiningError
        Notebook file or kernel not found.
    WriteError
        The outputs could not be written (full disk, read-only folder).
    """
    nb_path = Path(notebook).resolve()
    if not nb_path.is_file():
        raise MiningError(f"Notebook {notebook} not found.")
    timeout = _check_timeout_arg(timeout)
    passed, final = _prepare(nb_path, parameters)
    passed, found = _split_passwords(passed)
    final, _ = _split_passwords(final)
    password = password or found
    _check_kernel(kernel_name)
    name = name or nb_path.stem
    problem = _entry_name_problem(name)
    if problem:
        raise ParameterError(f"The output name {name!r} {problem}.")
    title = title or name
    out = Path(out_dir).resolve()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if _is_write_error(exc):
            raise _write_error(exc, f"the folder for {name}") from None
        raise
    paths = {
        "notebook": out / f"{name}.ipynb",
        "html": out / f"{name}.html",
        "html_nocode": out / f"{name}.nocode.html",
        "run_json": out / "run.json",
    }
    git_info = _git_info(nb_path.parent) if git is True else (git or None)

    import papermill
    from papermill.exceptions import PapermillExecutionError

    from mining.actions import ENV_OUTPUT_DIR

    started = _now_iso()
    t0 = time.perf_counter()
    error: NotebookError | None = None
    interrupted: KeyboardInterrupt | None = None
    quiet = _QuietUnknownParameter()
    pm_logger = logging.getLogger("papermill")
    pm_logger.addFilter(quiet)
    write_failure: OSError | None = None
    try:
        papermill.execute_notebook(
            str(nb_path),
            str(paths["notebook"]),
            parameters=passed,
            kernel_name=kernel_name,
            progress_bar=progress,
            log_output=progress,
            execution_timeout=timeout,  # no cwd=: papermill would chdir the whole process
            **_client_options(progress, _kernel_env(password, out, ENV_OUTPUT_DIR),
                              cwd=str(nb_path.parent)),
        )
    except PapermillExecutionError as exc:
        error = NotebookError(
            type=exc.ename,
            message=redact(_short(str(exc.evalue), lines=6)),
            cell_source=redact(_short(exc.source)),
            cell_number=exc.exec_count,
        )
    except KeyboardInterrupt as exc:
        interrupted = exc
        cell, number = _failing_cell(paths["notebook"])
        why = ("stopped by SIGTERM" if isinstance(exc, RunTerminated)
               else "interrupted by the user")
        error = NotebookError(type(exc).__name__, why, redact(cell), number)
    except Exception as exc:  # broad on purpose: timeouts, dead kernels...: record, never crash the run
        cell, number = _failing_cell(paths["notebook"])
        message = str(exc).split("\nHere is a preview", 1)[0]
        if type(exc).__name__ == "CellTimeoutError":
            where = f"cell {number}" if number is not None else "a cell"
            message = (
                f"{where} exceeded the timeout of {timeout:g} s; raise --timeout SECONDS "
                "(or 'timeout:' in the report config)"
            )
        elif _is_write_error(exc):
            write_failure = exc  # type: ignore[assignment]
            message = f"could not write the executed notebook: {exc.strerror}"  # type: ignore[attr-defined]
        error = NotebookError(type(exc).__name__, redact(_short(message, lines=6)), redact(cell),
                              number)
    finally:
        pm_logger.removeFilter(quiet)
    t_exec = time.perf_counter() - t0

    t1 = time.perf_counter()
    if paths["notebook"].is_file() and write_failure is None:
        try:
            _scrub(paths["notebook"], password)
            if error is not None:
                _mark_failed(paths["notebook"], error)
            _export_html(paths["notebook"], paths["html"], paths["html_nocode"], title=title,
                         source_dir=nb_path.parent)
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # broad on purpose: a failed export fails the notebook, not the run
            if _is_write_error(exc):
                write_failure = exc  # type: ignore[assignment]
            if error is None:
                error = NotebookError(f"HTML export: {type(exc).__name__}",
                                      redact(_short(str(exc))))
    t_export = time.perf_counter() - t1
    duration = time.perf_counter() - t0

    findings, lists = _shown(paths["notebook"])
    slowest = slowest_cells(paths["notebook"])
    data_hash, data_text = data_fingerprint(final, nb_path.parent)
    status = OK if error is None else FAILED
    seed = final.get("seed", final.get("random_state"))
    outputs = {k: p for k, p in paths.items() if k != "run_json" and p.is_file()}
    outputs["run_json"] = paths["run_json"]
    record = {
        "name": name,
        "title": title,
        "notebook": str(nb_path),
        "status": status,
        "parameters": redact(final),
        "passed_parameters": redact(passed),
        "mining_version": _mining_version(),
        "git": git_info,
        "data_sha256": data_hash,
        "data": data_text,
        "seed": seed,
        "started": started,
        "finished": _now_iso(),
        "duration_s": round(duration, 3),
        "timings_s": {"execute": round(t_exec, 3), "export_html": round(t_export, 3)},
        "slowest_cells": slowest,
        "error": error.to_dict() if error else None,
        "kernel": kernel_name,
        "python": platform.python_version(),
        "outputs": {k: p.name for k, p in outputs.items()},
        "findings": findings,
        "lists": lists,
    }
    if write_failure is None:
        try:
            _write_json(paths["run_json"], record)
        except OSError as exc:
            if not _is_write_error(exc):
                raise
            write_failure = exc
    if write_failure is not None:
        raise _write_error(write_failure, f"the output of notebook {name}")
    result = NotebookResult(
        name=name,
        status=status,
        duration_s=duration,
        parameters=final,
        outputs=outputs,
        error=error,
        title=title,
        notebook=nb_path,
        passed=passed,
        started=record["started"],
        finished=record["finished"],
        timings={"execute": t_exec, "export_html": t_export},
        record=record,
    )
    if interrupted is not None:
        raise _Interrupted(result, getattr(interrupted, "signal", None))
    return result
