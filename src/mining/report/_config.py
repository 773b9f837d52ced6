"""The report configuration (``notebooks/report.yaml``): find it, read it, check every key.

The format is described in ``reports/README.md``; every problem is a :class:`ConfigError` that
names the file, the key and (for a typo) the key meant. Entry names become folder names in the
run, so they are checked to stay inside the run folder and off its own files.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from mining.errors import MiningError
from mining.report._common import _suggest
from mining.report._params import PATH_PARAMETERS, _resolve_source

__all__ = ["DEFAULT_CONFIG", "ConfigError", "find_default_config", "load_config"]

DEFAULT_CONFIG = Path("notebooks") / "report.yaml"

_CONFIG_KEYS = ("title", "defaults", "timeout", "kernel", "notebooks", "out", "keep")
_ENTRY_KEYS = ("notebook", "name", "title", "parameters", "skip", "timeout", "requires")
#: folder/file names a config entry may not take (they are the run's own files)
_RESERVED_NAMES = {"run.json", "index", "index.html", "latest", "latest.html", "thumbnail.png"}
_ENTRY_NAME = re.compile(r"(?!\.)[\w.-]{1,100}")


class ConfigError(MiningError):
    """The report configuration file is missing, unreadable or has an unknown or invalid key."""


def find_default_config() -> Path:
    """``notebooks/report.yaml`` in the current folder, else the one of the source checkout."""
    here = Path.cwd() / DEFAULT_CONFIG
    if here.is_file():
        return here
    checkout = Path(__file__).resolve().parents[3] / DEFAULT_CONFIG
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


def _parameter_map(path: Path, where: str, value: Any, base: Path) -> dict[str, Any]:
    """``parameter: value`` pairs of the config; a relative ``source`` or ``survey_source`` that
    exists from the config's folder ``base`` becomes absolute."""
    value = value or {}
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: {where} must be a mapping of parameter: value.")
    params = {str(k): v for k, v in value.items()}
    for name in PATH_PARAMETERS:
        if name in params:
            params[name] = _resolve_source(params[name], base)
    return params


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

    defaults = _parameter_map(path, "'defaults'", raw.get("defaults"), base)
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
        params = _parameter_map(path, f"{where}.parameters", entry.get("parameters"), base)
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
