"""The run's index: ``index.html`` (the Jinja2 template ``templates/index.html.j2``, autoescaped)
with one row per notebook (status, duration, parameters, data line, key figure, links) and the
run-level ``run.json``."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from mining.report._common import FAILED, OK, SKIPPED, _mining_version, _write_json
from mining.report._fingerprint import data_key
from mining.report._results import NotebookResult
from mining.secrets import redact

__all__ = ["write_index"]

TEMPLATE = "index.html.j2"


@functools.cache
def _environment() -> Any:
    """The Jinja2 environment of the package's templates (Jinja2 comes with nbconvert)."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("mining.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _fmt_value(value: Any) -> str:
    if isinstance(value, str):
        return repr(value) if value == "" else value
    return repr(value)


def _href(run_dir: Path, path: Path) -> str:
    """``path`` relative to the run folder, URL-quoted (absolute ``file://`` when outside)."""
    try:
        rel = Path(path).resolve().relative_to(run_dir.resolve()).as_posix()
    except ValueError:
        rel = Path(path).resolve().as_uri()
    return quote(rel)


def _data_line(data: Mapping[str, Any]) -> str:
    """The index's data line: the summary of :func:`~mining.report.data_summary`, else why
    there is none."""
    return redact(str(data.get("summary") or data.get("error") or data.get("note") or ""))


def _row(run_dir: Path, r: NotebookResult, data: Mapping[str, Any]) -> dict[str, Any]:
    """What the template shows of one notebook (plain text: the template escapes it)."""
    def existing(key: str) -> Path | None:
        path = r.outputs.get(key)
        return Path(path) if path is not None and Path(path).is_file() else None

    links = [(_href(run_dir, path), text) for key, text in (
        ("html_nocode", "report"), ("html", "with code"), ("notebook", "notebook (.ipynb)"),
        ("run_json", "run.json")) if (path := existing(key)) is not None]
    target = r.outputs.get("html_nocode") or r.outputs.get("html")
    thumbnail = existing("thumbnail")
    found = data.get(data_key(r.parameters) or "")
    record = r.record or {}
    findings = record.get("findings") if r.status == OK else None
    lists = record.get("lists") or {}
    folder = Path(r.outputs["run_json"]).parent if r.outputs.get("run_json") else None
    downloads = []
    if folder is not None:
        for item in lists.get("lists") or []:
            path = folder / str(item.get("csv", ""))
            if path.is_file():
                downloads.append((_href(run_dir, path), f"{item.get('name')}.csv",
                                  f"{item.get('rows', 0):,} rows: {item.get('description', '')}"))
        if lists.get("xlsx") and (folder / str(lists["xlsx"])).is_file():
            downloads.append((_href(run_dir, folder / str(lists["xlsx"])),
                              str(lists["xlsx"]), "every list in one Excel workbook"))
    return {
        "name": r.name,
        "title": r.title or r.name,
        "href": _href(run_dir, Path(target)) if target is not None and Path(target).is_file()
        else None,
        "notebook": r.notebook.name if r.notebook else None,
        "data": _data_line(found) if found else None,
        "thumbnail": _href(run_dir, thumbnail) if thumbnail is not None else None,
        "thumbnail_href": _href(run_dir, Path(target)) if target is not None else None,
        "error": str(r.error) if r.error is not None else None,
        "skip_reason": r.skip_reason if r.status == SKIPPED else None,
        "status": r.status,
        "duration": f"{r.duration_s:.1f} s" if r.status != SKIPPED else "-",
        "parameters": [(k, _fmt_value(v), k in r.passed) for k, v in redact(r.parameters).items()],
        "links": links,
        "findings": _findings_view(findings),
        "downloads": downloads,
    }


def _findings_view(findings: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The headline figures (text, label), verdict and recommendation a notebook showed."""
    if not isinstance(findings, Mapping):
        return None
    figures = [(str(h.get("text", "")), str(h.get("label", "")))
               for h in findings.get("headline") or [] if isinstance(h, Mapping)]
    return {"figures": figures, "verdict": str(findings.get("verdict") or ""),
            "recommendation": str(findings.get("recommendation") or "")}


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
        ``python``, ``config``, ``overrides``; ``data`` maps :func:`~mining.report.data_key`
        to :func:`~mining.report.data_summary` (the data line of each row).

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
    header = [(k, v) for k, v in (
        ("dataset", meta.get("dataset")),
        ("run", meta.get("run_id")),
        ("started", meta.get("started")),
        ("duration", f"{meta['duration_s']:.1f} s" if "duration_s" in meta else None),
        ("mining", meta.get("mining_version")),
        ("git", git_text),
        ("python", meta.get("python")),
    ) if v not in (None, "")]
    summary = f"{len(results)} notebooks: {n_ok} ok, {n_failed} failed" + (
        f", {n_skipped} skipped" if n_skipped else ""
    )
    if meta.get("interrupted"):
        summary += " (interrupted)"
    data = meta.get("data") or {}
    lines = list(dict.fromkeys(_data_line(d) for d in data.values() if _data_line(d)))
    rows = [_row(run_dir, r, data) for r in results]
    if len(lines) == 1:  # one data line for the whole run: said once, in the header
        for row in rows:
            if row["data"] == lines[0]:
                row["data"] = None
    page = _environment().get_template(TEMPLATE).render(
        title=str(meta.get("title") or "mining report"),
        run_id=meta.get("run_id"),
        header=header,
        summary=summary,
        rows=rows,
        data_lines=lines if len(lines) == 1 else [],
    )
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
