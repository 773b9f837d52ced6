"""The run folders in an output folder: new UTC-named folders, the lock that keeps one run
at a time, ``.partial-*`` folders of runs in progress (``.stale-*`` once their process is gone),
the complete runs, retention (``keep``) and the ``latest`` link.

A run writes into ``<out>/.partial-<YYYYmmdd-HHMMSS>Z-<dataset>`` and is renamed to its final
name when done, so a half-written run never looks complete.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import html
import json
import os
import re
import shutil
import socket
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from mining.errors import MiningError, ParameterError
from mining.report._common import Echo, _is_write_error, _now_iso, _write_error
from mining.secrets import redact, split_password

__all__ = ["clean_stale_partials", "complete_runs", "finalise_run_dir", "make_run_dir",
           "prune_runs", "run_label", "run_lock"]

_RUN_NAME = re.compile(r"^(?P<stamp>\d{8}-\d{6})(?P<utc>Z?)-")
_PARTIAL = ".partial-"
_STALE = ".stale-"
_OWNER = ".owner"
_LOCK_NAME = ".mining-report.lock"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._-")[:60] or "run"


def make_run_dir(
    out: str | os.PathLike[str], label: str, *, now: _dt.datetime | None = None,
    partial: bool = False,
) -> Path:
    """Create ``<out>/<YYYYmmdd-HHMMSS>Z-<label>/`` atomically and return it.

    The time is UTC (``Z``), so names sort in time order whatever the local clock's time zone or
    daylight saving time; a naive ``now`` is taken as UTC.

    With ``partial=True`` the folder is ``<out>/.partial-<name>`` and holds ``.owner`` (pid, host,
    start): a run writes there and is renamed to its final name when done, so a half-written run
    never looks complete, and a later run can tell a live run's folder from one left by a killed
    run (:func:`clean_stale_partials`).

    ``os.mkdir`` either creates the folder or fails, so two runs never share one: when the name
    exists (two runs in the same second) the suffix ``-2``, ``-3``... is tried.

    Raises
    ------
    WriteError
        ``out`` cannot be written (read-only, full, no permission).
    """
    now = now or _dt.datetime.now(_dt.UTC)
    if now.tzinfo is not None:
        now = now.astimezone(_dt.UTC)
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        base = f"{now:%Y%m%d-%H%M%S}Z-{_slug(redact(label))}"
        for i in range(1, 10_000):
            name = base if i == 1 else f"{base}-{i}"
            candidate = out / (f"{_PARTIAL}{name}" if partial else name)
            if partial and (out / name).exists():
                continue
            try:
                os.mkdir(candidate)
            except FileExistsError:
                continue
            if partial:
                (candidate / _OWNER).write_text(
                    json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                "started": _now_iso()}) + "\n", encoding="utf-8")
            return candidate
    except OSError as exc:
        if _is_write_error(exc):
            raise _write_error(exc, "the run folder in " + str(out)) from None
        raise
    raise MiningError(f"Cannot create a new run folder in {out}: too many runs named {base}.")




@contextlib.contextmanager
def run_lock(out: str | os.PathLike[str]) -> Iterator[None]:
    """Hold ``<out>/.mining-report.lock`` while a run writes into ``out``.

    A second run into the same folder (an overlapping cron job) fails at once with a clear
    error instead of racing the first. The lock is an OS file lock (the ``filelock`` package:
    ``flock`` on Linux/macOS, ``msvcrt`` on Windows), released by the OS even if the process dies.
    """
    from filelock import FileLock, Timeout

    out = Path(out)
    path = out / _LOCK_NAME
    lock = FileLock(str(path), timeout=0)
    try:
        out.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except Timeout:
        try:
            holder = path.read_text(encoding="utf-8").strip() or "another process"
        except OSError:
            holder = "another process"
        raise MiningError(
            f"Another report run is writing to {out} ({holder}). Wait until it finishes, or "
            "use another --out folder. (The lock is released when that process ends.)"
        ) from None
    except OSError as exc:
        if _is_write_error(exc):
            raise _write_error(exc, f"the lock file {path}") from None
        raise
    try:
        with contextlib.suppress(OSError):  # who holds it: for the message above; best effort
            with open(path, "r+", encoding="utf-8") as fh:
                fh.truncate()
                fh.write(f"pid {os.getpid()} since {_now_iso()}")
        yield
    finally:
        lock.release()


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, another user's
        return True
    except OSError:  # pragma: no cover - Windows without the process
        return False
    return True


def _partial_owner_gone(folder: Path) -> tuple[bool, str]:
    """(stale?, why) for a ``.partial-*`` folder; call only while holding the out folder's lock."""
    try:
        owner = json.loads((folder / _OWNER).read_text(encoding="utf-8"))
        pid, host = int(owner["pid"]), str(owner.get("host", ""))
    except (OSError, ValueError, KeyError, TypeError):
        return True, "no owner record, left by an older or killed run"
    if host and host != socket.gethostname():
        return False, f"written by process {pid} on another host ({host}); left alone"
    if pid == os.getpid() or _pid_alive(pid):
        return False, f"process {pid} is still running; left alone"
    return True, f"process {pid} is gone"


def clean_stale_partials(out: str | os.PathLike[str], echo: Echo | None = None) -> list[Path]:
    """Rename ``.partial-*`` folders left by killed runs (``kill -9``, power loss) to ``.stale-*``.

    A partial folder is stale when its owner process is dead (the out folder's lock, held by the
    caller, proves no run of this folder is live). A partial folder of a live process is never
    touched. Nothing is deleted: a stale folder keeps what the killed run wrote, for diagnosis;
    remove ``.stale-*`` folders when you no longer need them. Returns the new paths.
    """
    out = Path(out)
    moved: list[Path] = []
    if not out.is_dir():
        return moved
    for folder in sorted(out.iterdir()):
        if not (folder.name.startswith(_PARTIAL) and folder.is_dir()):
            continue
        stale, why = _partial_owner_gone(folder)
        if not stale:
            if echo:
                echo(f"note: {folder.name}: {why}")
            continue
        name = folder.name[len(_PARTIAL):]
        for i in range(1, 1000):
            target = out / f"{_STALE}{name}{'' if i == 1 else f'-{i}'}"
            if target.exists():
                continue
            try:
                os.rename(folder, target)
            except OSError:
                break
            moved.append(target)
            if echo:
                echo(f"marked unfinished run {folder.name} as {target.name} ({why}); "
                     "delete it when no longer needed")
            break
    return moved


def finalise_run_dir(partial: str | os.PathLike[str]) -> Path:
    """Rename a finished run's ``<out>/.partial-<name>`` folder (:func:`make_run_dir` with
    ``partial=True``) to ``<out>/<name>`` (``-2``, ``-3``... when that exists) and return it.

    Its ``.owner`` record goes; from now on the folder is a run that :func:`complete_runs`
    lists once it holds a complete ``run.json``.
    """
    partial = Path(partial)
    name = partial.name[len(_PARTIAL):]
    for i in range(1, 10_000):
        final = partial.parent / (name if i == 1 else f"{name}-{i}")
        if final.exists():
            continue
        with contextlib.suppress(OSError):
            (partial / _OWNER).unlink()
        os.rename(partial, final)
        return final
    raise MiningError(f"Cannot name the finished run {name} in {partial.parent}.")


def _parse_time(text: Any) -> _dt.datetime | None:
    if not isinstance(text, str):
        return None
    try:
        when = _dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo else when.astimezone()  # naive: local time


def _run_record(folder: Path) -> tuple[bool, _dt.datetime]:
    """(complete?, finish time) of a run folder; the time falls back to the folder's name
    (old names without ``Z`` are local time), then to its run.json's modification time."""
    try:
        data = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    complete = isinstance(data, dict) and not data.get("interrupted") \
        and not data.get("write_error")
    when = _parse_time(data.get("finished")) if isinstance(data, dict) else None
    if when is None:
        m = _RUN_NAME.match(folder.name)
        if m:
            naive = _dt.datetime.strptime(m.group("stamp"), "%Y%m%d-%H%M%S")
            when = naive.replace(tzinfo=_dt.UTC) if m.group("utc") else naive.astimezone()
    if when is None:
        try:
            when = _dt.datetime.fromtimestamp((folder / "run.json").stat().st_mtime,
                                              _dt.UTC)
        except OSError:
            when = _dt.datetime.fromtimestamp(0, _dt.UTC)
    return complete, when


def _run_folders(out: Path) -> list[tuple[_dt.datetime, str, bool, Path]]:
    if not out.is_dir():
        return []
    found = []
    for p in out.iterdir():
        if p.is_dir() and _RUN_NAME.match(p.name) and (p / "run.json").is_file():
            complete, when = _run_record(p)
            found.append((when, p.name, complete, p))
    return sorted(found)


def complete_runs(out: str | os.PathLike[str]) -> list[Path]:
    """Finished, complete run folders in ``out``, oldest first (by the finish time in run.json).

    Interrupted runs and runs that could not write all their output are not complete. Both
    folder name styles count: ``20261201-201500Z-demo`` (UTC) and older ``20261201-201500-demo``.
    """
    return [p for _, _, complete, p in _run_folders(Path(out)) if complete]


def previous_durations(out: str | os.PathLike[str]) -> dict[str, float]:
    """Seconds each notebook took in the newest complete run in ``out`` (name -> duration_s of
    its run.json; empty when there is none or it cannot be read). The runner starts the
    slowest notebooks first with it, so a long one does not start last and hold up the end."""
    runs = complete_runs(out)
    if not runs:
        return {}
    try:
        data = json.loads((runs[-1] / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    found: dict[str, float] = {}
    for nb in data.get("notebooks", []) if isinstance(data, dict) else []:
        if isinstance(nb, dict) and isinstance(nb.get("name"), str) \
                and isinstance(nb.get("duration_s"), int | float) and nb.get("status") == "ok":
            found[nb["name"]] = float(nb["duration_s"])
    return found


def prune_runs(out: str | os.PathLike[str], keep: int, *,
               protect: tuple[Path, ...] | list[Path] = ()) -> list[Path]:
    """Delete all but the newest ``keep`` complete runs in ``out``; return what was deleted.

    Only complete runs count, ordered by the finish time recorded in their run.json (not by
    folder name, so a clock change cannot make an old run look new). Never deleted: the newest
    complete run, any folder in ``protect`` (the run just made), folders that are not runs, and
    incomplete runs newer than the oldest run kept (older incomplete runs go with the old runs).

    Raises
    ------
    ParameterError
        ``keep`` is not a whole number >= 1.
    """
    if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
        raise ParameterError(f"keep must be a whole number of runs >= 1. Got {keep!r} instead.")
    folders = _run_folders(Path(out))
    complete = [f for f in folders if f[2]]
    if not complete:
        return []
    kept = complete[-keep:]
    oldest_kept = kept[0][0]
    safe = {Path(p).resolve() for p in protect} | {complete[-1][3].resolve()}
    safe |= {f[3].resolve() for f in kept}
    removed: list[Path] = []
    for when, _, is_complete, path in folders:
        if path.resolve() in safe or (not is_complete and when >= oldest_kept):
            continue
        if is_complete or when < oldest_kept:
            shutil.rmtree(path)
            removed.append(path)
    return removed


def _point_latest(out: Path, run_dir: Path) -> None:
    """``<out>/latest`` (a symbolic link) and ``<out>/latest.html`` (a redirect) -> run_dir."""
    tmp = out / f".latest-{os.getpid()}"
    try:
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(run_dir.name, tmp, target_is_directory=True)
        os.replace(tmp, out / "latest")
    except OSError:  # pragma: no cover - no symlinks (some Windows set-ups): latest.html remains
        pass
    name = redact(run_dir.name)
    href = quote(f"{run_dir.name}/index.html")
    tmp_html = out / f".latest-{os.getpid()}.html"
    tmp_html.write_text(
        f'<!DOCTYPE html><meta charset="utf-8"><meta http-equiv="refresh" content="0; url={href}">'
        f'<title>latest report</title><a href="{href}">latest report: {html.escape(name)}</a>\n',
        encoding="utf-8",
    )
    os.replace(tmp_html, out / "latest.html")


def run_label(params: Mapping[str, Any], fallback: str = "report") -> str:
    """The data part of a run folder's name: the database of a ``source`` URL (never its
    password), the stem of a ``source`` file, else the ``dataset``, else ``fallback``.

    Examples
    --------
    >>> run_label({"source": "postgresql://u:pw@db.example/shop"})
    'shop'
    >>> run_label({"dataset": "demo"}), run_label({}, "01_customer_value")
    ('demo', '01_customer_value')
    """
    source = params.get("source")
    if source not in (None, ""):
        text = str(source)
        if "://" in text:
            try:
                parts = urlsplit(split_password(text)[0])
            except ValueError:
                return fallback
            database = parts.path.rstrip("/").rsplit("/", 1)[-1]
            return database or parts.hostname or parts.scheme or fallback
        return Path(text).name.split(".")[0] or fallback
    dataset = params.get("dataset")
    return str(dataset) if dataset not in (None, "") else fallback
