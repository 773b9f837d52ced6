"""The parameters a notebook declares and the checks of the values given for them.

:func:`declared_parameters` reads the cell tagged ``parameters`` (papermill, completed with
``ast``); :func:`check_parameters` reports every unknown name and every value that cannot be
converted to the declared type at once, and converts text (the command line) to that type.
"""

from __future__ import annotations

import ast
import datetime as _dt
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from mining.errors import MiningError, ParameterError
from mining.report._common import _display_path, _suggest
from mining.secrets import redact

__all__ = ["check_parameters", "declared_parameters"]


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


#: Parameters naming a file of the user's: a relative path is read from where it was given.
PATH_PARAMETERS: tuple[str, ...] = ("source", "survey_source")


def _resolve_source(value: Any, base: Path) -> Any:
    """A relative ``source`` (or ``survey_source``) path that exists relative to ``base``
    becomes absolute."""
    if isinstance(value, str) and value and "://" not in value:
        p = Path(value).expanduser()
        if not p.is_absolute() and (base / p).exists():
            return str((base / p).resolve())
    return value


def _prepare(
    notebook: Path, parameters: Mapping[str, Any] | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(passed parameters checked and converted, final values of every declared parameter)."""
    passed = check_parameters(notebook, parameters)
    for name in PATH_PARAMETERS:
        if name in passed:
            passed[name] = _resolve_source(passed[name], Path.cwd())
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
