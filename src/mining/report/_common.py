"""What every part of the runner shares: the status words, the run's own exceptions
(:class:`WriteError`, :class:`RunTerminated`) and small text, time and JSON helpers."""

from __future__ import annotations

import datetime as _dt
import difflib
import errno
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mining.errors import MiningError
from mining.secrets import redact

__all__ = ["FAILED", "OK", "SKIPPED", "Echo", "RunTerminated", "WriteError"]

OK, FAILED, SKIPPED = "ok", "failed", "skipped"

Echo = Callable[..., Any]

_MAX_CELL_LINES = 12
_MAX_TEXT = 600
#: errno values that mean "the run's output could not be written"
_WRITE_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO, errno.EFBIG,
                 getattr(errno, "EDQUOT", errno.ENOSPC)}


class WriteError(MiningError):
    """The run's output could not be written (disk full, read-only or unwritable folder).

    ``mining report`` / ``mining run`` exit with code 3 for it. What finished is kept.
    """


class RunTerminated(KeyboardInterrupt):
    """The run was stopped by SIGTERM (``kill``, ``systemctl stop``); handled like Ctrl-C."""

    signal = "SIGTERM"


def _write_error(exc: OSError, what: str) -> WriteError:
    where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
    reason = exc.strerror or str(exc)
    hint = ("free some disk space" if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1))
            else "check the folder's permissions, or use another --out folder")
    return WriteError(redact(f"Could not write {what}{where}: {reason}. Nothing was overwritten; "
                             f"what finished is kept. To fix: {hint}, then run again."))


def _is_write_error(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and not isinstance(exc, TimeoutError) \
        and exc.errno in _WRITE_ERRNOS


def _suggest(name: str, names: list[str]) -> str:
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""


def available_cores() -> int:
    """The cores this process may use (its CPU affinity on Linux, else the machine's count)."""
    import os

    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return max(1, os.cpu_count() or 1)


def _now_iso() -> str:
    return _dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _json_default(obj: Any) -> Any:
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, (_dt.date, _dt.datetime)):
        return obj.isoformat()
    if isinstance(obj, set):
        return sorted(obj, key=str)
    return repr(obj)


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=_json_default) + "\n",
                    encoding="utf-8")


def _mining_version() -> str:
    from mining import __version__

    return __version__


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _short(text: str, *, lines: int = _MAX_CELL_LINES, chars: int = _MAX_TEXT) -> str:
    text = re.sub(r"\x1b\[[0-9;]*m", "", text or "").strip("\n")
    rows = text.splitlines()
    if len(rows) > lines:
        rows = [*rows[: lines - 1], f"... ({len(rows) - lines + 1} more lines)"]
    text = "\n".join(rows)
    return text if len(text) <= chars else text[: chars - 3] + "..."
