"""Run notebooks unattended (papermill), export HTML (nbconvert) and write a dated run index.

One run is one new folder, never reused::

    reports/<YYYYmmdd-HHMMSS>Z-<dataset>/         (UTC; suffix -2, -3... when two runs share a second)
        index.html                  one row per notebook: status, duration, parameters, links
        run.json                    the same as data: run metadata plus one record per notebook
        01_customer_value/
            01_customer_value.ipynb          the executed notebook (the record of the run)
            01_customer_value.html           HTML with code
            01_customer_value.nocode.html    HTML without code, for business readers
            run.json                         parameters, versions, git commit, data hash, timings

What the runner adds to papermill:

- a parameter the notebook does not declare is an error *before* anything runs (papermill only
  warns), and so is a notebook without a cell tagged ``parameters``;
- values given as text (command line) are converted to the declared type (``n: int = 3``);
- a failed notebook is recorded with its error (type, message, failing cell) and the other
  notebooks still run; a failed notebook never looks like it succeeded;
- the kernel runs headless (matplotlib's inline backend, never a GUI backend) in the notebook's
  own folder, so notebooks can use relative paths;
- a database password never reaches a file, folder name or message: it is taken out of every
  URL parameter before papermill injects it and handed to the kernel in the environment variable
  ``MINING_DB_PASSWORD`` (:mod:`mining.secrets`); every text written is passed through
  :func:`mining.secrets.redact`;
- a run that cannot write its output (full disk, read-only folder) stops with a
  :class:`WriteError` that says so, keeping what finished; SIGTERM stops a run in order like
  Ctrl-C; a ``.partial-*`` folder left by a killed run is renamed ``.stale-*`` by the next run.

The configuration file (``notebooks/report.yaml``) is described in ``reports/README.md``.
Heavy imports (papermill, nbconvert) happen inside the functions, so importing this module is
cheap and changes no global settings.
"""

from __future__ import annotations

import ast
import contextlib
import contextvars
import datetime as _dt
import difflib
import errno
import functools
import hashlib
import html
import json
import logging
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import yaml

from mining.errors import MiningError, ParameterError
from mining.secrets import PASSWORD_ENV, redact, split_password

__all__ = [
    "DEFAULT_CONFIG",
    "FAILED",
    "OK",
    "SKIPPED",
    "ConfigError",
    "RunTerminated",
    "WriteError",
    "NotebookError",
    "NotebookResult",
    "ReportRun",
    "check_parameters",
    "declared_parameters",
    "find_default_config",
    "load_config",
    "make_run_dir",
    "run_notebook",
    "run_one",
    "run_report",
    "write_index",
]

OK, FAILED, SKIPPED = "ok", "failed", "skipped"
DEFAULT_CONFIG = Path("notebooks") / "report.yaml"
#: headless, and unlike "Agg" it still puts every figure into the notebook as an inline PNG
KERNEL_MPLBACKEND = "module://matplotlib_inline.backend_inline"

_CONFIG_KEYS = ("title", "defaults", "timeout", "kernel", "notebooks", "out", "keep")
_ENTRY_KEYS = ("notebook", "name", "title", "parameters", "skip", "timeout", "requires")
_MAX_CELL_LINES = 12
_MAX_TEXT = 600
#: folder/file names a config entry may not take (they are the run's own files)
_RESERVED_NAMES = {"run.json", "index", "index.html", "latest", "latest.html", "thumbnail.png"}
_ENTRY_NAME = re.compile(r"(?!\.)[\w.-]{1,100}")
#: errno values that mean "the run's output could not be written"
_WRITE_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO, errno.EFBIG,
                 getattr(errno, "EDQUOT", errno.ENOSPC)}

Echo = Callable[..., Any]


class ConfigError(MiningError):
    """The report configuration file is missing, unreadable or has an unknown or invalid key."""


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


# --------------------------------------------------------------------------------------------
# results


@dataclass(frozen=True)
class NotebookError:
    """Why a notebook failed: exception type, message and the failing cell (shortened)."""

    type: str
    message: str
    cell_source: str | None = None
    cell_number: int | None = None  # execution count ("In [n]") when known, else cell position

    def __str__(self) -> str:
        where = f" at In [{self.cell_number}]" if self.cell_number is not None else ""
        text = f"{self.type}: {self.message}{where}" if self.message else f"{self.type}{where}"
        if self.cell_source:
            text += "\n--- failing cell ---\n" + self.cell_source
        return text

    @property
    def summary(self) -> str:
        """One line: ``ValueError: boom at In [3]``."""
        first = self.message.splitlines()[0] if self.message else ""
        where = f" at In [{self.cell_number}]" if self.cell_number is not None else ""
        return f"{self.type}: {first}{where}" if first else f"{self.type}{where}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "message": self.message,
            "cell_source": self.cell_source,
            "cell_number": self.cell_number,
        }


@dataclass
class NotebookResult:
    """What happened to one notebook.

    Attributes
    ----------
    name : str
        Short name (the notebook's file stem unless the config gives ``name``); also the name of
        its folder in the run.
    status : str
        ``"ok"``, ``"failed"`` or ``"skipped"``.
    duration_s : float
        Wall time in seconds: kernel start, execution and HTML export.
    parameters : dict
        Final value of every declared parameter (notebook default unless passed).
    outputs : dict of str to Path
        ``notebook`` (executed .ipynb), ``html``, ``html_nocode``, ``run_json``; only files that exist.
    error : NotebookError or None
        Why it failed (``None`` when ok or skipped).
    """

    name: str
    status: str
    duration_s: float
    parameters: dict[str, Any]
    outputs: dict[str, Path] = field(default_factory=dict)
    error: NotebookError | None = None
    title: str = ""
    notebook: Path | None = None
    passed: dict[str, Any] = field(default_factory=dict)
    skip_reason: str | None = None
    started: str | None = None
    finished: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    record: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == OK

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record (the per-notebook ``run.json`` when the notebook ran)."""
        if self.record:
            return dict(self.record)
        return {
            "name": self.name,
            "title": self.title,
            "notebook": str(self.notebook) if self.notebook else None,
            "status": self.status,
            "skip_reason": self.skip_reason,
            "parameters": redact(self.parameters),
            "passed_parameters": redact(self.passed),
            "duration_s": round(self.duration_s, 3),
            "error": self.error.to_dict() if self.error else None,
            "outputs": {k: str(v) for k, v in self.outputs.items()},
        }


@dataclass
class ReportRun:
    """One run of the runner: its folder, one result per notebook and the run metadata."""

    run_dir: Path
    results: list[NotebookResult]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no notebook failed (skipped notebooks do not count as failures)."""
        return not self.failed

    @property
    def failed(self) -> list[NotebookResult]:
        return [r for r in self.results if r.status == FAILED]

    @property
    def index(self) -> Path:
        return self.run_dir / "index.html"

    @property
    def duration_s(self) -> float:
        return float(self.meta.get("duration_s", sum(r.duration_s for r in self.results)))

    def summary(self) -> str:
        """``3 notebooks: 2 ok, 1 failed in 41.2 s -> reports/.../index.html``."""
        n = len(self.results)
        counts = [f"{sum(r.status == OK for r in self.results)} ok"]
        counts.append(f"{len(self.failed)} failed")
        n_skipped = sum(r.status == SKIPPED for r in self.results)
        if n_skipped:
            counts.append(f"{n_skipped} skipped")
        return (
            f"{n} notebook{'s' if n != 1 else ''}: {', '.join(counts)} "
            f"in {self.duration_s:.1f} s -> {_display_path(self.index)}"
        )


# --------------------------------------------------------------------------------------------
# parameters


def _read_notebook(notebook: Path) -> Any:
    import nbformat

    try:
        return nbformat.read(str(notebook), as_version=4)
    except FileNotFoundError:
        raise MiningError(f"Notebook {notebook} not found.") from None
    except Exception as exc:  # nbformat raises several kinds for a broken file
        raise MiningError(f"Cannot read notebook {notebook}: {exc}") from exc


def _parameters_cell(nb: Any) -> Any | None:
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            return cell
    return None


def _ast_parameters(source: str) -> dict[str, dict[str, str]]:
    """Assignments in a parameters cell, read with ``ast`` (sees ``x: str | None = None`` too)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    found: dict[str, dict[str, str]] = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            default = ast.get_source_segment(source, node.value) if node.value else ""
            found[node.target.id] = {
                "name": node.target.id,
                "inferred_type_name": ast.unparse(node.annotation),
                "default": default or "None",
                "help": "",
            }
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = {
                        "name": target.id,
                        "inferred_type_name": "None",
                        "default": ast.get_source_segment(source, node.value) or "",
                        "help": "",
                    }
    return found


def declared_parameters(notebook: str | os.PathLike[str]) -> dict[str, dict[str, str]]:
    """Parameters a notebook declares in its cell tagged ``parameters``.

    Uses ``papermill.inspect_notebook`` and adds what it cannot parse (it misses annotations such
    as ``str | None``), read from the same cell with ``ast``.

    Returns
    -------
    dict
        ``name -> {"name", "inferred_type_name", "default", "help"}``; ``default`` is the source
        text of the default value (``'3'``, ``'"x"'``), ``inferred_type_name`` is ``"None"`` when
        the assignment has no annotation.

    Raises
    ------
    ParameterError
        The notebook has no cell tagged ``parameters``.
    """
    path = Path(notebook)
    nb = _read_notebook(path)
    cell = _parameters_cell(nb)
    if cell is None:
        raise ParameterError(
            f"Notebook {_display_path(path)} has no cell tagged 'parameters', so the runner cannot pass it "
            "parameters. Put the settings (dataset, seed, ...) in its first code cell and tag that "
            "cell 'parameters' (JupyterLab: property inspector > Cell Tags)."
        )
    declared: dict[str, dict[str, str]] = {}
    try:
        import papermill

        declared = {k: dict(v) for k, v in papermill.inspect_notebook(str(path)).items()}
    except Exception:  # broad on purpose: e.g. no kernelspec in metadata; ast below still reads the cell
        declared = {}
    for name, info in _ast_parameters(cell.source).items():
        if name not in declared or declared[name].get("inferred_type_name") == "None":
            declared[name] = {**info, "help": declared.get(name, {}).get("help", "")}
    return declared


def _literal(source: str) -> tuple[bool, Any]:
    try:
        return True, ast.literal_eval(source)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False, None


_BASE_TYPES = {"int", "float", "str", "bool", "list", "dict", "tuple", "set"}


def _parse_type(type_name: str, default_src: str) -> tuple[str | None, bool]:
    """Return (base type or None when unknown, accepts None)."""
    t = (type_name or "None").replace(" ", "")
    t = t.strip("'\"")
    nullable = False
    m = re.fullmatch(r"(?:typing\.)?Optional\[(.+)\]", t)
    if m:
        t, nullable = m.group(1), True
    parts = [p for p in t.split("|") if p]
    if len(parts) > 1:
        nullable = nullable or "None" in parts
        parts = [p for p in parts if p != "None"]
        t = parts[0] if len(parts) == 1 else "None"
    base = re.sub(r"\[.*\]$", "", t).split(".")[-1].lower()
    if base in _BASE_TYPES:
        return base, nullable
    # no (usable) annotation: infer from the default value
    ok, value = _literal(default_src)
    if ok:
        if value is None:
            return None, True
        for name, kind in (("bool", bool), ("int", int), ("float", float), ("str", str),
                           ("list", list), ("dict", dict), ("tuple", tuple)):
            if isinstance(value, kind):
                return name, nullable
    return None, True


_TRUE = {"true", "yes", "on", "1", "y"}
_FALSE = {"false", "no", "off", "0", "n"}
_NULL = {"none", "null", "~"}
_ARTICLE = {"int": "an int", "float": "a float", "str": "a string", "bool": "a bool (true/false)",
            "list": "a list", "dict": "a mapping", "tuple": "a list", "set": "a list"}


class _Bad(Exception):
    """A value that cannot be converted; ``args[0]`` (optional) says why."""


def _convert(value: Any, base: str | None, nullable: bool) -> Any:
    """Convert one value to the declared type; raise _Bad when it cannot be."""
    if value is None:
        if nullable or base is None:
            return None
        raise _Bad
    if isinstance(value, str):
        text = value.strip()
        if nullable and text.lower() in _NULL:
            return None
        if base == "str":
            return value
        if base == "int":
            try:
                return int(text)
            except ValueError:
                raise _Bad from None
        if base == "float":
            try:
                return float(text)
            except ValueError:
                raise _Bad from None
        if base == "bool":
            if text.lower() in _TRUE:
                return True
            if text.lower() in _FALSE:
                return False
            raise _Bad
        broken = False
        try:
            parsed = yaml.safe_load(text) if text else value
        except yaml.YAMLError:
            parsed, broken = value, True
        if base in ("list", "tuple", "set", "dict") and text[:1] in "[{" and text and (
                broken or isinstance(parsed, str)):
            close = "]" if text[0] == "[" else "}"
            raise _Bad(
                f"{text!r} starts like a {'list' if close == ']' else 'mapping'} literal but is "
                f"not a valid one (missing {close!r} or a stray bracket?); write it as "
                + ("[a, b] or a,b" if close == "]" else "{key: value}")
            )
        if base is None:
            return parsed if isinstance(parsed, (int, float, bool, list, dict)) else value
        if isinstance(parsed, str) and base in ("list", "tuple", "set"):
            return [part.strip() for part in text.split(",") if part.strip()]  # a,b,c
        if isinstance(parsed, str):
            raise _Bad
        return _convert(parsed, base, nullable)
    # already typed (YAML config or Python call)
    if isinstance(value, (_dt.date, _dt.datetime)) and base in ("str", None):
        return value.isoformat()
    if base is None:
        return value
    if base == "bool":
        if isinstance(value, bool):
            return value
        raise _Bad
    if isinstance(value, bool):
        raise _Bad
    if base == "int":
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise _Bad
    if base == "float":
        if isinstance(value, (int, float)):
            return float(value)
        raise _Bad
    if base == "str":
        if isinstance(value, (int, float)):
            return str(value)
        raise _Bad
    if base == "dict":
        if isinstance(value, Mapping):
            return dict(value)
        raise _Bad
    if base in ("list", "tuple", "set"):
        if isinstance(value, (list, tuple, set)):
            return list(value)
        raise _Bad
    return value


def _suggest(name: str, names: list[str]) -> str:
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""


def check_parameters(
    notebook: str | os.PathLike[str], parameters: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Check parameters against the ones the notebook declares, and convert their types.

    Every problem is reported at once. Values given as text (``"5"`` from the command line) are
    converted to the declared type: ``int``, ``float``, ``bool`` (true/false/yes/no/1/0), ``str``
    (kept as given), ``list``/``dict`` (YAML text such as ``[a, b]``); ``none``/``null`` for an
    ``Optional``/``X | None`` parameter. Without an annotation the type of the default is used.

    Parameters
    ----------
    notebook : path
        The notebook (its cell tagged ``parameters`` declares the names).
    parameters : mapping
        Name -> value (text or already typed).

    Returns
    -------
    dict
        The same names with converted values.

    Raises
    ------
    ParameterError
        A name the notebook does not declare (with a close-match suggestion and the declared
        names), a value that cannot be converted, or a notebook without a ``parameters`` cell.

    Examples
    --------
    >>> check_parameters("tests/fixtures/params_ok.ipynb", {"n": "5"})  # doctest: +SKIP
    {'n': 5}
    """
    declared = declared_parameters(notebook)
    shown = _display_path(Path(notebook))
    problems: list[str] = []
    out: dict[str, Any] = {}
    names = sorted(declared)
    for name, value in (parameters or {}).items():
        if name not in declared:
            problems.append(
                f"Notebook {shown} does not declare a parameter {name!r}.{_suggest(name, names)} "
                f"It declares: {', '.join(names) or '(none)'}."
            )
            continue
        info = declared[name]
        base, nullable = _parse_type(info["inferred_type_name"], info["default"])
        try:
            out[name] = _convert(value, base, nullable)
        except _Bad as bad:
            expected = _ARTICLE.get(base or "", "a literal value")
            if nullable and base:
                expected += " or none"
            why = f" {bad.args[0]}." if bad.args else ""
            problems.append(redact(
                f"The {name!r} parameter of notebook {shown} must be {expected} "
                f"(declared: {name}: {info['inferred_type_name']} = {info['default']}). "
                f"Got {value!r} instead.{why}"
            ))
    if problems:
        raise ParameterError("\n".join(problems))
    return out


def _default_values(declared: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    """The notebook's own default values (literal ones; others as their source text)."""
    values: dict[str, Any] = {}
    for name, info in declared.items():
        ok, value = _literal(info["default"])
        values[name] = value if ok else info["default"]
    return values


# --------------------------------------------------------------------------------------------
# configuration


def find_default_config() -> Path:
    """``notebooks/report.yaml`` in the current folder, else the one of the source checkout."""
    here = Path.cwd() / DEFAULT_CONFIG
    if here.is_file():
        return here
    checkout = Path(__file__).resolve().parents[2] / DEFAULT_CONFIG
    if checkout.is_file():
        return checkout
    raise ConfigError(
        f"No report config: neither {here} nor {checkout} exists. Pass --config FILE "
        "(format: reports/README.md)."
    )


def _entry_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a notebook's folder in a run (None: it can)."""
    if not _ENTRY_NAME.fullmatch(name):
        return ("is not a safe folder name (only letters, digits, '_', '-' and '.', not starting "
                "with '.', at most 100 characters)")
    if name.lower() in _RESERVED_NAMES:
        return f"is reserved for the run's own files ({', '.join(sorted(_RESERVED_NAMES))})"
    return None


def _unknown_key(path: Path, where: str, key: Any, allowed: tuple[str, ...]) -> ConfigError:
    hint = _suggest(str(key), list(allowed))
    return ConfigError(
        f"{path}: unknown key {key!r} in {where}.{hint} Allowed keys: {', '.join(allowed)}."
    )


def _check_timeout(path: Path, where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ConfigError(f"{path}: {where} must be a positive number of seconds. Got {value!r} instead.")
    return float(value)


def _resolve_source(value: Any, base: Path) -> Any:
    """A relative ``source`` path that exists relative to ``base`` becomes absolute."""
    if isinstance(value, str) and value and "://" not in value:
        p = Path(value).expanduser()
        if not p.is_absolute() and (base / p).exists():
            return str((base / p).resolve())
    return value


def load_config(path: str | os.PathLike[str], *, check_files: bool = True) -> dict[str, Any]:
    """Read a report configuration (YAML) and check every key.

    Parameters
    ----------
    path : path
        The YAML file; notebook paths in it are relative to its folder.
    check_files : bool, default True
        Also check that every listed notebook exists.

    Returns
    -------
    dict
        ``{"path": Path, "title": str, "defaults": dict, "timeout": float, "kernel": str,
        "notebooks": [{"notebook": Path (absolute), "name", "title", "parameters": dict,
        "skip": str | None, "timeout": float}]}``.

    Raises
    ------
    ConfigError
        Missing file, invalid YAML (with line and column), unknown key (with a suggestion),
        wrong kind of value, duplicate notebook name, missing notebook file.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"Report config {path} not found. Pass --config FILE, or create it "
            "(format: reports/README.md)."
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"Report config {path} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at "
            f"position {exc.start}). Save it as UTF-8 (most editors: 'Save with encoding')."
        ) from None
    except OSError as exc:
        raise ConfigError(f"Cannot read report config {path}: {exc}") from exc
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}: invalid YAML{where}: {problem}") from None
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{path}: expected a mapping with keys {', '.join(_CONFIG_KEYS)}; "
            f"got {type(raw).__name__}."
        )
    for key in raw:
        if key not in _CONFIG_KEYS:
            raise _unknown_key(path, "the top level", key, _CONFIG_KEYS)
    base = path.resolve().parent

    defaults = raw.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise ConfigError(f"{path}: 'defaults' must be a mapping of parameter: value.")
    defaults = {str(k): v for k, v in defaults.items()}
    if "source" in defaults:
        defaults["source"] = _resolve_source(defaults["source"], base)
    timeout = _check_timeout(path, "'timeout'", raw.get("timeout", 600))
    kernel = raw.get("kernel", "python3")
    if not isinstance(kernel, str) or not kernel:
        raise ConfigError(f"{path}: 'kernel' must be a kernel name such as python3.")

    entries = raw.get("notebooks")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: 'notebooks' must be a non-empty list of notebook entries.")
    notebooks: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(entries):
        where = f"notebooks[{i}]"
        if isinstance(entry, str):
            entry = {"notebook": entry}
        if not isinstance(entry, dict):
            raise ConfigError(f"{path}: {where} must be a mapping with a 'notebook' key.")
        for key in entry:
            if key not in _ENTRY_KEYS:
                raise _unknown_key(path, where, key, _ENTRY_KEYS)
        rel = entry.get("notebook")
        if not isinstance(rel, str) or not rel:
            raise ConfigError(f"{path}: {where} needs 'notebook': a path relative to {base}.")
        nb_path = (base / rel).resolve()
        if check_files and not nb_path.is_file():
            raise ConfigError(
                f"{path}: {where}.notebook: {rel} not found (looked for {nb_path}; paths are "
                "relative to the config file's folder)."
            )
        name = str(entry.get("name") or Path(rel).stem)
        problem = _entry_name_problem(name)
        if problem:
            raise ConfigError(
                f"{path}: {where} ({rel}) has the name {name!r}, which {problem}. Give it a "
                "'name': letters, digits, '_', '-' or '.' (not first), used as its folder in the run."
            )
        if name in seen:
            raise ConfigError(
                f"{path}: {where} has the same name {name!r} as notebooks[{seen[name]}]; give one "
                "of them a different 'name'."
            )
        seen[name] = i
        params = entry.get("parameters") or {}
        if not isinstance(params, dict):
            raise ConfigError(f"{path}: {where}.parameters must be a mapping of parameter: value.")
        params = {str(k): v for k, v in params.items()}
        if "source" in params:
            params["source"] = _resolve_source(params["source"], base)
        skip = entry.get("skip")
        if skip is True:
            skip = "skipped in the config"
        elif skip in (None, False):
            skip = None
        else:
            skip = str(skip)
        requires = entry.get("requires") or []
        if isinstance(requires, str):
            requires = [requires]
        if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
            raise ConfigError(f"{path}: {where}.requires must be a list of capability names.")
        notebooks.append({
            "notebook": nb_path,
            "name": name,
            "requires": list(requires),
            "title": str(entry.get("title") or name),
            "parameters": params,
            "skip": skip,
            "timeout": _check_timeout(path, f"{where}.timeout", entry.get("timeout", timeout)),
        })
    keep = raw.get("keep")
    if keep is not None and (isinstance(keep, bool) or not isinstance(keep, int) or keep < 1):
        raise ConfigError(f"{path}: 'keep' must be a whole number of runs >= 1. Got {keep!r}.")
    out_root = raw.get("out")
    if out_root is not None:
        if not isinstance(out_root, str) or not out_root:
            raise ConfigError(f"{path}: 'out' must be a folder path.")
        out_root = str((base / out_root).resolve()) if not Path(out_root).is_absolute() else out_root
    return {
        "out": out_root,
        "keep": keep,
        "path": path,
        "title": str(raw.get("title") or "mining report"),
        "defaults": defaults,
        "timeout": timeout,
        "kernel": kernel,
        "notebooks": notebooks,
    }


# --------------------------------------------------------------------------------------------
# run folder, provenance


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
    (``None``: it can, or the notebook reads the user's own ``source``)."""
    if not requires or params.get("source") or not params.get("dataset"):
        return None
    from mining import datasets

    name = str(params["dataset"])
    if name not in datasets.names():
        return None  # the notebook's own check reports the unknown name
    reasons = datasets.missing_requirements(name, requires)
    return f"dataset {name!r} has {'; '.join(reasons)}" if reasons else None


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


_RUN_NAME = re.compile(r"^(?P<stamp>\d{8}-\d{6})(?P<utc>Z?)-")
_PARTIAL = ".partial-"
_STALE = ".stale-"
_OWNER = ".owner"
_LOCK_NAME = ".mining-report.lock"


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


def _finalise_run_dir(partial: Path) -> Path:
    """Rename ``<out>/.partial-<name>`` to ``<out>/<name>`` (a suffix if that exists)."""
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


def _git_info(where: Path) -> dict[str, Any] | None:
    """Commit and dirty flag of the git working tree holding ``where``; None if not available."""
    try:
        head = subprocess.run(
            ["git", "-C", str(where), "rev-parse", "HEAD"],
            capture_output=True, text=True, timeout=10, check=False,
        )
        if head.returncode != 0:
            return None
        status = subprocess.run(
            ["git", "-C", str(where), "status", "--porcelain"],
            capture_output=True, text=True, timeout=10, check=False,
        )
        return {
            "commit": head.stdout.strip(),
            "dirty": bool(status.stdout.strip()) if status.returncode == 0 else None,
        }
    except Exception:  # broad on purpose: no git, timeouts...: provenance is best effort, never fatal
        return None


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


#: datasets generated during the current run, by (name, size, seed): one generation per run
_DATASETS: contextvars.ContextVar[dict[tuple[str, str, int], Any] | None] = contextvars.ContextVar(
    "mining_report_datasets", default=None)


def _dataset_args(params: Mapping[str, Any]) -> tuple[str, str, int]:
    """(name, size, seed) as the notebooks' convention reads them (size default, seed 0)."""
    size = params.get("size")
    seed = params.get("seed")
    return (str(params.get("dataset")), str(size) if size not in (None, "") else "default",
            int(seed) if isinstance(seed, int) and not isinstance(seed, bool) else 0)


def _load_dataset(params: Mapping[str, Any]) -> Any:
    """``mining.datasets.load`` for these parameters, generated once per run (cached)."""
    from mining import datasets

    key = _dataset_args(params)
    cache = _DATASETS.get()
    if cache is not None and key in cache:
        return cache[key]
    name, size, seed = key
    ds = datasets.load(name, size=size, seed=seed)
    if cache is not None:
        cache[key] = ds
    return ds


@contextlib.contextmanager
def _dataset_cache() -> Iterator[None]:
    token = _DATASETS.set({})
    try:
        yield
    finally:
        _DATASETS.reset(token)


def _data_fingerprint(params: Mapping[str, Any], workdir: Path) -> tuple[str | None, str]:
    """(sha256, description) of the notebook's input data."""
    source = params.get("source")
    if source not in (None, ""):
        text = str(source)
        if "://" in text:
            text = split_password(text)[0]
            digest = hashlib.sha256(text.encode()).hexdigest()
            return digest, (f"database {redact(text)}: sha256 of the URL string (without its "
                            "password), not of the rows")
        p = Path(text).expanduser()
        if not p.is_absolute():
            p = workdir / p
        if p.is_file():
            return _sha256_file(p), f"file {p} ({p.stat().st_size} bytes): sha256 of the file"
        return None, f"source {text} not found from {workdir}: not hashed"
    if "dataset" in params:
        import pandas as pd

        name, size, seed = _dataset_args(params)
        what = f"built-in dataset {name!r} (size={size}, seed={seed})"
        try:
            ds = _load_dataset(params)
        except Exception as exc:  # broad on purpose: an unknown name is the notebook's error
            return None, redact(f"{what} could not be loaded ({type(exc).__name__}: {exc}): not hashed")
        table, kind = ds.transactions, "clean rows"
        if table is None:
            table, kind = ds.customers, "customer rows"
        if table is None:
            return None, f"{what}: no table to hash"
        digest = hashlib.sha256(
            pd.util.hash_pandas_object(table, index=True).to_numpy().tobytes()
        ).hexdigest()
        return digest, f"{what}: sha256 of the {len(table):,} {kind} (pandas row hashes)"
    return None, "no 'source' or 'dataset' parameter: input not hashed"


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


# --------------------------------------------------------------------------------------------
# running one notebook


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


@functools.cache
def _quiet_kernel_manager() -> Any:
    """A kernel manager whose kernel process writes its own stderr (internal logs such as the
    zmq traceback after a timed-out cell is cut off) nowhere; the notebook's output still
    reaches the notebook, and failures are recorded from nbclient's errors."""
    from jupyter_client.manager import AsyncKernelManager

    class QuietKernelManager(AsyncKernelManager):
        async def _async_pre_start_kernel(self, **kw: Any) -> Any:
            cmd, kw = await super()._async_pre_start_kernel(**kw)
            kw.setdefault("stderr", subprocess.DEVNULL)
            return cmd, kw

    return QuietKernelManager


def _client_options(progress: bool = False) -> dict[str, Any]:
    """Extra options for nbclient: CurveZMQ transport encryption where the kernel supports it,
    and (unless ``progress``) a kernel whose process stderr is discarded.

    Without encryption recent ipykernels print "Kernel is running over TCP without encryption"
    on every start. ``auto`` only encrypts when the kernelspec declares support; older
    jupyter_client versions without the setting get no extra options.
    """
    options: dict[str, Any] = {}
    try:
        if not progress:
            options["kernel_manager_class"] = _quiet_kernel_manager()
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


@functools.cache
def _exporters() -> tuple[Any, Any]:
    """(HTML with code, HTML without code); built once, reused (template loading is slow)."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    full = HTMLExporter(embed_images=True)
    lean = HTMLExporter(
        embed_images=True,
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    # the parameters cells have no output: without code they would be empty boxes
    remove = TagRemovePreprocessor(
        remove_cell_tags={"parameters", "injected-parameters"}, enabled=True
    )
    lean.register_preprocessor(remove, enabled=True)
    return full, lean


def _export_html(nb_path: Path, html_path: Path, nocode_path: Path, *, title: str,
                 source_dir: Path) -> None:
    import nbformat

    nb = nbformat.read(str(nb_path), as_version=4)
    full, lean = _exporters()
    for exporter, target in ((full, html_path), (lean, nocode_path)):
        resources = {"metadata": {"name": title, "path": str(source_dir)}}
        body, _ = exporter.from_notebook_node(nb, resources=resources)
        target.write_text(body, encoding="utf-8")


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


def _prepare(
    notebook: Path, parameters: Mapping[str, Any] | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(passed parameters checked and converted, final values of every declared parameter)."""
    passed = check_parameters(notebook, parameters)
    if "source" in passed:
        passed["source"] = _resolve_source(passed["source"], Path.cwd())
    final = _default_values(declared_parameters(notebook))
    final.update(passed)
    return passed, final


def _check_timeout_arg(timeout: Any) -> float:
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ParameterError(
            f"The timeout must be a positive number of seconds per cell (e.g. 600). "
            f"Got {timeout!r} instead."
        )
    return float(timeout)


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

    started = _now_iso()
    t0 = time.perf_counter()
    error: NotebookError | None = None
    interrupted: KeyboardInterrupt | None = None
    quiet = _QuietUnknownParameter()
    pm_logger = logging.getLogger("papermill")
    pm_logger.addFilter(quiet)
    write_failure: OSError | None = None
    try:
        with _kernel_environment(password):
            papermill.execute_notebook(
                str(nb_path),
                str(paths["notebook"]),
                parameters=passed,
                kernel_name=kernel_name,
                progress_bar=progress,
                log_output=progress,
                cwd=str(nb_path.parent),
                execution_timeout=timeout,
                **_client_options(progress),
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

    data_hash, data_text = _data_fingerprint(final, nb_path.parent)
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
        "error": error.to_dict() if error else None,
        "kernel": kernel_name,
        "python": platform.python_version(),
        "outputs": {k: p.name for k, p in outputs.items()},
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


# --------------------------------------------------------------------------------------------
# reports: several notebooks, one run folder, one index


@dataclass
class _Planned:
    name: str
    title: str
    notebook: Path
    parameters: dict[str, Any]
    skip: str | None
    timeout: float
    password: str | None = field(default=None, repr=False)


def _label(params: Mapping[str, Any], fallback: str) -> str:
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


def _execute_plan(
    plan: list[_Planned],
    *,
    out: str | os.PathLike[str],
    label: str,
    meta: dict[str, Any],
    kernel_name: str,
    progress: bool,
    fail_fast: bool,
    echo: Echo | None,
    keep: int | None = None,
) -> ReportRun:
    _check_kernel(kernel_name)
    if keep is not None and (isinstance(keep, bool) or not isinstance(keep, int) or keep < 1):
        raise ParameterError(f"keep must be a whole number of runs >= 1. Got {keep!r} instead.")
    say = (lambda text, **kw: echo(redact(text), **kw)) if echo else None
    with run_lock(out), _sigterm_stops_the_run(), _dataset_cache():
        clean_stale_partials(out, say)
        return _execute_locked(plan, out=Path(out), label=label, meta=meta,
                               kernel_name=kernel_name, progress=progress, fail_fast=fail_fast,
                               echo=say, keep=keep)


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
) -> ReportRun:
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
    n = len(plan)
    summaries: dict[str, dict[str, Any]] = {}

    def finish() -> ReportRun:
        meta["finished"] = _now_iso()
        meta["duration_s"] = round(time.perf_counter() - t0, 3)
        meta["data"] = summaries
        run_dir = work_dir
        try:
            write_index(work_dir, results, meta)
            run_dir = _finalise_run_dir(work_dir)
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
    stop_reason: str | None = None
    i = 0
    try:
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
                with _kernel_environment(item.password):
                    result = run_notebook(
                        item.notebook, run_dir / item.name, parameters=item.parameters,
                        kernel_name=kernel_name, timeout=item.timeout, name=item.name,
                        title=item.title, progress=progress, git=git_info,
                        password=item.password,
                    )
                    key = data_key(item.parameters)
                    if key and key not in summaries:
                        summaries[key] = data_summary(item.parameters)
            except WriteError as exc:
                folder = run_dir / item.name
                files = {"notebook": folder / f"{item.name}.ipynb",
                         "html": folder / f"{item.name}.html",
                         "html_nocode": folder / f"{item.name}.nocode.html"}
                result = NotebookResult(
                    name=item.name, status=FAILED, duration_s=0.0,
                    parameters=dict(item.parameters), title=item.title, notebook=item.notebook,
                    passed=dict(item.parameters),
                    outputs={k: v for k, v in files.items() if v.is_file()},
                    error=NotebookError("WriteError", str(exc)),
                )
                meta["write_error"] = str(exc)
                stop_reason = "not run: the run's output could not be written"
            except _Interrupted as exc:
                results.append(exc.result)
                raise
            results.append(result)
            _add_thumbnail(result, run_dir / item.name)
            if echo:
                prefix = f"{item.name}: " if progress else ""
                line = f"{prefix}{result.status} ({result.duration_s:.1f} s)"
                if result.error is not None:
                    line += f": {result.error.summary}"
                echo(line)
            if fail_fast and result.status == FAILED and stop_reason is None:
                stop_reason = f"after {item.name} failed (--fail-fast)"
    except KeyboardInterrupt as exc:
        if getattr(exc, "signal", None):
            meta["stopped_by"] = exc.signal  # type: ignore[attr-defined]
        done = {r.name for r in results}
        for rest in plan:
            if rest.name not in done:
                results.append(_skipped(rest, "run interrupted"))
        if echo:
            echo("interrupted")
        meta["interrupted"] = True
        with contextlib.suppress(OSError):
            finish()
        raise
    return finish()


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
        label=_label(label_params, "report"), meta=meta,
        kernel_name=kernel_name or cfg["kernel"], progress=progress, fail_fast=fail_fast,
        echo=echo, keep=keep if keep is not None else cfg["keep"],
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
        plan, out=out, label=_label(final, nb_path.stem), meta=meta, kernel_name=kernel_name,
        progress=progress, fail_fast=False, echo=echo,
    )


# --------------------------------------------------------------------------------------------
# data summary and thumbnails for the index


def data_key(params: Mapping[str, Any]) -> str | None:
    """Which data a notebook read: ``source`` if given, else ``dataset`` with size and seed."""
    if params.get("source"):
        return f"source={redact(params['source'])}"
    if params.get("dataset"):
        return (f"dataset={params['dataset']}, size={params.get('size', 'default')}, "
                f"seed={params.get('seed', 0)}")
    return None


def data_summary(params: Mapping[str, Any]) -> dict[str, Any]:
    """Rows, customers, orders, date range and the cleaning counts of the data a notebook read.

    Computed in the runner (not in the notebook) from the same parameters, so the index shows it
    for every notebook; a data problem is reported as ``error`` instead of failing the run.
    """
    try:
        from mining.io import load_transactions
        from mining.schema import clean_transactions

        if params.get("source"):
            tx, cleaning = clean_transactions(load_transactions(params["source"]))
        else:
            ds = _load_dataset(params)
            tx, cleaning = ds.transactions, ds.cleaning
        if tx is None:
            return {"rows": 0, "note": "a customer table, no transactions"}
        out: dict[str, Any] = {
            "rows": len(tx), "customers": int(tx["customer_id"].nunique()),
            "orders": int(tx["order_id"].nunique()),
            "first": f"{tx['timestamp'].min():%Y-%m-%d}" if len(tx) else None,
            "last": f"{tx['timestamp'].max():%Y-%m-%d}" if len(tx) else None,
        }
        if cleaning is not None:
            out["rows_in"] = cleaning.rows_in
            out["removed"] = {k: v for k, v in cleaning.removed.items() if v}
        return out
    except Exception as exc:  # broad on purpose: shown in the index, never fails the run
        return {"error": redact(f"{type(exc).__name__}: {exc}")}


def _add_thumbnail(result: NotebookResult, folder: Path, *, width: int = 320) -> None:
    """Save the notebook's key figure as ``thumbnail.png`` beside it.

    The key figure is the first image of a cell tagged ``key-figure``, else the first image.
    """
    path = result.outputs.get("notebook")
    if path is None or not Path(path).is_file():
        return
    try:
        import base64

        nb = _read_notebook(Path(path))
        images: list[tuple[bool, str]] = []
        for cell in nb.cells:
            if cell.get("cell_type") != "code":
                continue
            key = "key-figure" in cell.get("metadata", {}).get("tags", [])
            for o in cell.get("outputs", []):
                png = o.get("data", {}).get("image/png")
                if png:
                    images.append((key, png))
        if not images:
            return
        png = next((p for k, p in images if k), images[0][1])
        import io

        from matplotlib.figure import Figure  # no pyplot: the runner changes no global state
        from matplotlib.image import imread

        img = imread(io.BytesIO(base64.b64decode(png)), format="png")
        h, w = img.shape[:2]
        fig = Figure(figsize=(width / 100, width / 100 * h / w), dpi=100)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.imshow(img)
        ax.axis("off")
        target = folder / "thumbnail.png"
        fig.savefig(target, dpi=100)
        result.outputs["thumbnail"] = target
    except Exception:
        return


# --------------------------------------------------------------------------------------------
# index

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", "PingFang SC", sans-serif;
       margin: 2em auto; max-width: 1100px; color: #222; padding: 0 1em; }
h1 { font-size: 1.5em; margin-bottom: .2em; }
.meta { color: #555; font-size: .92em; margin-bottom: 1.5em; }
.meta { display: flex; flex-wrap: wrap; gap: .3em 1.5em; }
.meta span { white-space: nowrap; }
.summary { font-size: 1.05em; margin: 1em 0; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .5em .6em; border-bottom: 1px solid #ddd; }
th { background: #f4f4f4; }
td.num { text-align: right; white-space: nowrap; }
.status { font-weight: bold; padding: .1em .5em; border-radius: .3em; color: #fff; }
.ok { background: #2e7d32; } .failed { background: #c62828; } .skipped { background: #757575; }
code { font-size: .88em; background: #f6f6f6; padding: 0 .2em; }
ul.params { margin: 0; padding-left: 0; } ul.params li { list-style: none; color: #777; }
ul.params li.passed { color: #222; font-weight: bold; }
.links a { margin-right: .8em; white-space: nowrap; }
pre.error { background: #fdecea; border-left: 4px solid #c62828; padding: .6em; margin: .3em 0 0;
            white-space: pre-wrap; font-size: .85em; max-height: 20em; overflow: auto; }
.small { color: #777; font-size: .85em; }
img.thumb { display: block; max-width: 240px; margin-top: .4em; border: 1px solid #ddd; }
"""


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _fmt_value(value: Any) -> str:
    if isinstance(value, str):
        return repr(value) if value == "" else value
    return repr(value)


def _link(run_dir: Path, path: Path | None, text: str) -> str:
    if path is None or not Path(path).is_file():
        return ""
    try:
        rel = Path(path).resolve().relative_to(run_dir.resolve()).as_posix()
    except ValueError:
        rel = Path(path).resolve().as_uri()
    return f'<a href="{_esc(quote(rel))}">{_esc(text)}</a>'


def _rel(run_dir: Path, path: Path) -> str:
    try:
        rel = Path(path).resolve().relative_to(run_dir.resolve()).as_posix()
    except ValueError:
        rel = Path(path).resolve().as_uri()
    return quote(rel)


def _data_text(data: Mapping[str, Any]) -> str:
    if "error" in data:
        return f"data: {data['error']}"
    if "customers" not in data:
        return f"data: {data.get('note', '')}"
    text = (f"data: {data['rows']:,} lines, {data['orders']:,} orders, "
            f"{data['customers']:,} customers, {data['first']} .. {data['last']}")
    removed = data.get("removed") or {}
    if "rows_in" in data:
        text += (f"; cleaning removed {data['rows_in'] - data['rows']:,} of {data['rows_in']:,}"
                 + (" (" + ", ".join(f"{k} {v:,}" for k, v in removed.items()) + ")"
                    if removed else ""))
    return text


def write_index(
    run_dir: str | os.PathLike[str],
    results: list[NotebookResult],
    meta: Mapping[str, Any],
) -> Path:
    """Write ``index.html`` (a standalone page) and the run-level ``run.json`` into ``run_dir``.

    Parameters
    ----------
    run_dir : path
        The run folder; links are relative to it.
    results : list of NotebookResult
        One row each, in order.
    meta : mapping
        Shown in the header when present: ``title``, ``dataset``, ``run_id``, ``started``,
        ``finished``, ``duration_s``, ``mining_version``, ``git`` (``{"commit", "dirty"}``),
        ``python``, ``config``, ``overrides``.

    Returns
    -------
    Path
        The ``index.html`` written.
    """
    run_dir = Path(run_dir)
    meta = dict(meta)
    meta.setdefault("run_id", run_dir.name)
    meta.setdefault("mining_version", _mining_version())
    n_ok = sum(r.status == OK for r in results)
    n_failed = sum(r.status == FAILED for r in results)
    n_skipped = sum(r.status == SKIPPED for r in results)

    git = meta.get("git")
    if isinstance(git, dict) and git.get("commit"):
        git_text = git["commit"][:12] + (" (uncommitted changes)" if git.get("dirty") else "")
    else:
        git_text = "not a git checkout"
    header_items = [
        ("dataset", meta.get("dataset")),
        ("run", meta.get("run_id")),
        ("started", meta.get("started")),
        ("duration", f"{meta['duration_s']:.1f} s" if "duration_s" in meta else None),
        ("mining", meta.get("mining_version")),
        ("git", git_text),
        ("python", meta.get("python")),
    ]
    header = "".join(
        f"<span><b>{_esc(k)}</b> {_esc(v)}</span>" for k, v in header_items if v not in (None, "")
    )
    rows: list[str] = []
    for i, r in enumerate(results, start=1):
        params = "".join(
            f'<li{" class=passed" if k in r.passed else ""}><code>{_esc(k)}</code> = '
            f"<code>{_esc(_fmt_value(v))}</code></li>"
            for k, v in redact(r.parameters).items()
        )
        links = " ".join(x for x in (
            _link(run_dir, r.outputs.get("html_nocode"), "report"),
            _link(run_dir, r.outputs.get("html"), "with code"),
            _link(run_dir, r.outputs.get("notebook"), "notebook (.ipynb)"),
            _link(run_dir, r.outputs.get("run_json"), "run.json"),
        ) if x)
        detail = ""
        if r.error is not None:
            detail = f'<pre class="error">{_esc(str(r.error))}</pre>'
        elif r.status == SKIPPED and r.skip_reason:
            detail = f'<div class="small">{_esc(r.skip_reason)}</div>'
        source = f'<div class="small">{_esc(r.notebook.name)}</div>' if r.notebook else ""
        data = (meta.get("data") or {}).get(data_key(r.parameters) or "")
        if data:
            source += f'<div class="small data">{_esc(_data_text(data))}</div>'
        thumb = r.outputs.get("thumbnail")
        target = r.outputs.get("html_nocode") or r.outputs.get("html")
        if thumb is not None and Path(thumb).is_file():
            img = (f'<img class="thumb" src="{_esc(_rel(run_dir, Path(thumb)))}" '
                   f'alt="key figure of {_esc(r.name)}">')
            source += (f'<a href="{_esc(_rel(run_dir, Path(target)))}">{img}</a>'
                       if target else img)
        name = _esc(r.title or r.name)
        if target is not None and Path(target).is_file():
            name = f'<a href="{_esc(_rel(run_dir, Path(target)))}">{name}</a>'
        duration = f"{r.duration_s:.1f} s" if r.status != SKIPPED else "-"
        rows.append(
            f'<tr id="{_esc(r.name)}"><td class="num">{i}</td>'
            f"<td><b>{name}</b>{source}{detail}</td>"
            f'<td><span class="status {_esc(r.status)}">{_esc(r.status)}</span></td>'
            f'<td class="num">{_esc(duration)}</td>'
            f'<td><ul class="params">{params}</ul></td>'
            f'<td class="links">{links}</td></tr>'
        )
    title = str(meta.get("title") or "mining report")
    summary = f"{len(results)} notebooks: {n_ok} ok, {n_failed} failed" + (
        f", {n_skipped} skipped" if n_skipped else ""
    )
    if meta.get("interrupted"):
        summary += " (interrupted)"
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_esc(title)} - {_esc(meta.get("run_id"))}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>{_esc(title)}</h1>
<div class="meta">{header}</div>
<p class="summary">{_esc(summary)}</p>
<table>
<thead><tr><th>#</th><th>Notebook</th><th>Status</th><th>Duration</th><th>Parameters</th>
<th>Links</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
<p class="small">Parameters in bold were set by the config or the command line, the others are
the notebook's defaults. "report" is the HTML without code, for readers of the results; "with code"
shows every step; the executed notebook and run.json are the record of the run.</p>
</body>
</html>
"""
    index = run_dir / "index.html"
    index.write_text(page, encoding="utf-8")
    _write_json(run_dir / "run.json", {
        **{k: redact(v) for k, v in meta.items()},
        "counts": {OK: n_ok, FAILED: n_failed, SKIPPED: n_skipped},
        "notebooks": [
            {**r.to_dict(), "folder": r.name} for r in results
        ],
    })
    return index
