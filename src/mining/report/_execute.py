"""Run one notebook: papermill in a headless kernel in the notebook's own folder, its failure
recorded (never raised), passwords kept out of every file, then HTML and its ``run.json``.

The kernel gets a password taken out of a URL parameter only in ``MINING_DB_PASSWORD``
(:mod:`mining.secrets`); a run that cannot write its output raises
:class:`~mining.report.WriteError`.
"""

from __future__ import annotations

import ast
import contextlib
import logging
import os
import platform
import queue
import subprocess
import sys
import threading
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
    available_cores,
)
from mining.report._config import _entry_name_problem
from mining.report._export import _export_html, notebook_outputs
from mining.report._fingerprint import _git_info, data_fingerprint
from mining.report._params import _check_timeout_arg, _prepare, _read_notebook
from mining.report._results import NotebookError, NotebookResult
from mining.secrets import PASSWORD_ENV, redact, split_password

__all__ = ["KERNEL_MPLBACKEND", "N_JOBS_ENV", "run_notebook", "start_kernel"]

#: set by the runner when notebooks run side by side: the native threads each kernel may use
#: (OpenMP/BLAS), so that two kernels on two cores do not each start one thread per core
KERNEL_THREADS_ENV = "MINING_KERNEL_THREADS"

#: given to every kernel the runner starts (unless already set): the cores that notebook may
#: use, all of them when it runs alone (``mining run``, ``--jobs 1``), ``cores // jobs`` side by
#: side. Library code sizes its worker threads by it (the churn forest's ``n_jobs``)
N_JOBS_ENV = "MINING_N_JOBS"

#: held while the runner's own environment carries a notebook's database password (the data
#: line opened before the kernels run) and while a kernel's environment is put together, so a
#: kernel starting meanwhile never inherits another notebook's password
_ENVIRON_LOCK = threading.RLock()

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
    with _ENVIRON_LOCK if password else contextlib.nullcontext():
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
    if N_JOBS_ENV not in os.environ:
        env[N_JOBS_ENV] = threads or str(available_cores())
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
            with _ENVIRON_LOCK:  # not while the runner's environment holds another password
                cmd, kw = await super()._async_pre_start_kernel(**kw)
                if extra or "env" not in kw:
                    kw["env"] = {**(kw.get("env") or os.environ), **extra}
            if quiet:
                kw.setdefault("stderr", subprocess.DEVNULL)
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


#: the runner's papermill engine (:func:`_register_engine`)
_ENGINE = "mining"
#: seconds the warm-up imports may take before the kernel is given up and papermill starts its own
_WARM_UP_TIMEOUT = 120.0
#: seconds between two saves of the executed notebook while it runs (papermill saves it before
#: and after every cell: 80 saves of a 40-cell notebook, each a pure-Python JSON encoding of
#: the whole notebook with its figures, were 40% of the runner's CPU time in a report)
_SAVE_EVERY = 10.0


def _register_engine() -> str:
    """Register the runner's papermill engine :data:`_ENGINE` (once) and return its name.

    It is papermill's nbclient engine with two changes: a kernel manager passed as ``km=`` (a
    kernel :func:`start_kernel` started) is shut down and its client's channels closed when the
    notebook ends (papermill leaves that to whoever started the kernel); and the executed
    notebook is saved when the run starts, then at most every :data:`_SAVE_EVERY` seconds,
    and always when the run ends, also when it stops with an exception (a timeout, a dead
    kernel, Ctrl-C), so the file on disk shows the cell that was running. papermill writes the
    final notebook itself when the run succeeds or a cell fails."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines
    from papermill.log import logger
    from papermill.utils import merge_kwargs, remove_args

    if _ENGINE in getattr(papermill_engines, "_engines", {}):
        return _ENGINE

    class FewerSaves(NotebookExecutionManager):
        _forced = True  # the first save (when the run starts) always happens

        def save(self, force: bool = False, **kwargs: Any) -> None:
            if self.output_path and not (force or self._forced) and \
                    (self.now() - self.last_save_time).total_seconds() < _SAVE_EVERY:
                return
            self._forced = False
            super().save(**kwargs)

    class MiningEngine(NBClientEngine):
        @classmethod
        def execute_notebook(cls, nb: Any, kernel_name: str, output_path: str | None = None,
                             progress_bar: bool = True, log_output: bool = False,
                             autosave_cell_every: int = 30, **kwargs: Any) -> Any:
            nb_man = FewerSaves(nb, output_path=output_path, progress_bar=progress_bar,
                                log_output=log_output, autosave_cell_every=autosave_cell_every)
            nb_man.notebook_start()
            failed = True
            try:
                cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output,
                                             **kwargs)
                failed = False
            finally:
                nb_man.cleanup_pbar()
                nb_man.notebook_complete()
                if failed:
                    with contextlib.suppress(Exception):  # broad on purpose: the error matters
                        nb_man.save(force=True)
            return nb_man.nb

        @classmethod
        def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, log_output: bool = False,
                                     stdout_file: Any = None, stderr_file: Any = None,
                                     start_timeout: float = 60,
                                     execution_timeout: float | None = None,
                                     **kwargs: Any) -> Any:
            kwargs = remove_args(["input_path"], **kwargs)
            safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
            final_kwargs = merge_kwargs(
                safe_kwargs,
                timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
                startup_timeout=start_timeout, kernel_name=kernel_name, log=logger,
                log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file,
            )
            return PapermillNotebookClient(nb_man, **final_kwargs).execute(cleanup_kc=True)

    papermill_engines.register(_ENGINE, MiningEngine)
    return _ENGINE



def _quiet_dead_kernel_tasks() -> None:
    """On this thread's event loop (the one nbclient runs the kernel on), drop asyncio's "Task
    exception was never retrieved" report of a ``DeadKernelError``: when a run is stopped
    (Ctrl-C, SIGTERM) the cell's pending task fails later, while the kernel is shut down, and
    the notebook's stop is already recorded with its reason. Every other report is kept."""
    from jupyter_core.utils import ensure_event_loop
    from nbclient.exceptions import DeadKernelError

    loop = ensure_event_loop()

    def handler(loop: Any, context: dict[str, Any]) -> None:
        if isinstance(context.get("exception"), DeadKernelError):
            return
        loop.default_exception_handler(context)

    loop.set_exception_handler(handler)

def warm_up_imports(notebook: str | os.PathLike[str]) -> list[str]:
    """The import statements a kernel can run before the notebook starts: those of the code cells
    that hold nothing but imports (after the ``parameters`` cell), up to the first cell with
    other code. Statements as text, one import each (``from x import a, b`` stays one)."""
    try:
        nb = _read_notebook(Path(notebook))
    except MiningError:
        return []
    found: list[str] = []
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        if "parameters" in tags or "injected-parameters" in tags:
            continue
        try:
            tree = ast.parse(cell.get("source", ""))
        except SyntaxError:  # IPython magics and the like: stop here
            break
        if not tree.body:
            continue
        if not all(isinstance(node, ast.Import | ast.ImportFrom) for node in tree.body):
            break
        found += [ast.unparse(node) for node in tree.body
                  if not (isinstance(node, ast.ImportFrom)
                          and (node.level or node.module == "__future__"))]
    return list(dict.fromkeys(found))


def _warm_up_code(statements: list[str]) -> str:
    """Kernel code that runs ``statements`` in a namespace of its own (nothing is defined in the
    notebook's namespace; a failing import is left to the notebook's own cell to report)."""
    body = "".join(f"    try:\n        exec({stmt!r}, ns)\n    except Exception:\n"
                   "        pass\n" for stmt in statements)
    return (f"def _mining_warm_up():\n    ns = {{}}\n{body}\n"
            "_mining_warm_up()\ndel _mining_warm_up\n")


def _blocking_client(km: Any) -> Any:
    """A blocking client of ``km``'s kernel (as ``KernelManager.client`` builds its own)."""
    from jupyter_client.blocking import BlockingKernelClient

    info = dict(km.get_connection_info(session=True))
    for key in ("curve_publickey", "curve_secretkey"):
        if isinstance(info.get(key), str):
            info[key] = info[key].encode("ascii")
    return BlockingKernelClient(connection_file=km.connection_file, parent=km, **info)


def _stop_kernel(km: Any) -> None:
    from nbclient.util import run_sync

    with contextlib.suppress(Exception):  # broad on purpose: it is going away either way
        if km.has_kernel:
            run_sync(km.shutdown_kernel)(now=True)


def start_kernel(
    notebook: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    kernel_name: str = "python3",
    progress: bool = False,
    password: str | None = None,
) -> Any:
    """Start the kernel of one notebook ahead of :func:`run_notebook` (``kernel=``), with the
    notebook's own environment and folder, and let it run the notebook's imports
    (:func:`warm_up_imports`) while the runner does something else (opening the run's data).
    The notebook's cells then run exactly as in a fresh kernel; its import cell finds the
    modules loaded. Returns the kernel manager, or None when the kernel could not be started
    (then :func:`run_notebook` starts one as usual). Call it in the thread that runs the
    notebook: the kernel manager belongs to that thread's event loop."""
    from nbclient.util import run_sync

    from mining.actions import ENV_OUTPUT_DIR

    nb_path = Path(notebook).resolve()
    options = _client_options(progress, _kernel_env(password, Path(out_dir).resolve(),
                                                    ENV_OUTPUT_DIR), cwd=str(nb_path.parent))
    config = options.get("config")
    t0 = time.perf_counter()
    km = options["kernel_manager_class"](kernel_name=kernel_name,
                                         **({"config": config} if config is not None else {}))
    try:
        run_sync(km.start_kernel)(extra_arguments=["--HistoryManager.hist_file=:memory:"])
        statements = warm_up_imports(nb_path)
        if statements:
            kc = _blocking_client(km)
            kc.start_channels()
            try:
                kc.wait_for_ready(timeout=60)
                msg_id = kc.execute(_warm_up_code(statements), silent=True, store_history=False,
                                    allow_stdin=False)
                deadline = time.monotonic() + _WARM_UP_TIMEOUT
                while True:
                    try:
                        reply = kc.get_shell_msg(timeout=0.5)
                    except queue.Empty:
                        if time.monotonic() > deadline or not run_sync(km.is_alive)():
                            raise TimeoutError("the warm-up did not finish") from None
                        continue
                    if reply.get("parent_header", {}).get("msg_id") == msg_id:
                        break
            finally:
                kc.stop_channels()
    except KeyboardInterrupt:
        _stop_kernel(km)
        raise
    except Exception:  # broad on purpose: no warm kernel is no reason to fail; papermill starts one
        _stop_kernel(km)
        return None
    km.mining_start_seconds = time.perf_counter() - t0  # counted in the notebook's duration
    return km


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
    kernel: Any = None,
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
    kernel : kernel manager, optional
        A kernel :func:`start_kernel` started for this notebook (same folder, environment and
        ``password``); it runs the notebook and is shut down afterwards, also when the notebook
        cannot run. Default: papermill starts a fresh kernel.

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
    try:
        return _run_notebook(notebook, out_dir, parameters=parameters, kernel_name=kernel_name,
                             timeout=timeout, name=name, title=title, progress=progress, git=git,
                             password=password, kernel=kernel)
    finally:
        if kernel is not None:  # papermill shuts it down when it ran; not when it never did
            _stop_kernel(kernel)


def _run_notebook(notebook: str | os.PathLike[str], out_dir: str | os.PathLike[str], *,
                  parameters: Mapping[str, Any] | None, kernel_name: str, timeout: float,
                  name: str | None, title: str | None, progress: bool,
                  git: dict[str, Any] | None | bool, password: str | None,
                  kernel: Any) -> NotebookResult:
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
    _quiet_dead_kernel_tasks()
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
            engine_name=_register_engine(),
            **({"km": kernel} if kernel is not None else {}),
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
    t_kernel = float(getattr(kernel, "mining_start_seconds", 0.0) or 0.0)
    duration = time.perf_counter() - t0 + t_kernel

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
        "timings_s": {"execute": round(t_exec, 3), "export_html": round(t_export, 3),
                      **({"kernel_start": round(t_kernel, 3)} if kernel is not None else {})},
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
        timings={"execute": t_exec, "export_html": t_export,
                 **({"kernel_start": t_kernel} if kernel is not None else {})},
        record=record,
    )
    if interrupted is not None:
        raise _Interrupted(result, getattr(interrupted, "signal", None))
    return result
