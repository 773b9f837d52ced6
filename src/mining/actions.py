"""Action lists a team takes away: CSV files and one formatted Excel workbook per notebook.

A notebook ends with :func:`save_action_lists`. Under the report runner the files go into the
notebook's folder of the run (the runner sets ``MINING_OUTPUT_DIR``)::

    <run>/<notebook>/lists/<list>.csv        one CSV per list, ids as text, UTF-8
    <run>/<notebook>/lists/columns.csv       list, column, meaning (the documented columns)
    <run>/<notebook>/<notebook>.xlsx         one sheet per list plus "columns", formatted

Interactively nothing is written unless you pass ``output_dir``; an existing file is never
overwritten (a :class:`~mining.errors.ParameterError` says so).
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from mining.errors import ParameterError
from mining.findings import ActionList
from mining.tables import column_kind

__all__ = ["ENV_OUTPUT_DIR", "ActionList", "SavedLists", "read_action_list", "save_action_lists"]

#: Environment variable the report runner sets to the notebook's output folder.
ENV_OUTPUT_DIR = "MINING_OUTPUT_DIR"

#: MIME type under which a notebook output carries the saved lists as JSON (read by the runner).
MIME_TYPE = "application/vnd.mining.lists+json"

_EXCEL_FORMATS = {"money": "#,##0.00", "percent": "0.0%", "count": "#,##0", "number": "0.00",
                  "date": "yyyy-mm-dd"}


@dataclass
class SavedLists:
    """What :func:`save_action_lists` wrote: ``folder`` (None when nothing was written),
    ``csv`` (list name -> path), ``xlsx`` (path or None), and the rows of each list."""

    notebook: str
    folder: Path | None
    csv: dict[str, Path]
    xlsx: Path | None
    rows: dict[str, int]
    descriptions: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        base = self.folder
        rel = (lambda p: str(Path(p).relative_to(base))) if base else str
        return {"notebook": self.notebook,
                "lists": [{"name": n, "csv": rel(p), "rows": self.rows[n],
                           "description": self.descriptions[n]} for n, p in self.csv.items()],
                "xlsx": rel(self.xlsx) if self.xlsx else None}

    def __str__(self) -> str:
        if self.folder is None:
            return ("Action lists not saved (no output folder): the report runner saves them "
                    "beside the report; interactively pass output_dir=... . Lists: "
                    + ", ".join(f"{n} ({r:,} rows)" for n, r in self.rows.items()))
        return "\n".join([f"Saved in {self.folder}:"]
                         + [f"  {p.relative_to(self.folder)}: {self.rows[n]:,} rows"
                            for n, p in self.csv.items()]
                         + ([f"  {self.xlsx.relative_to(self.folder)} (all lists)"]
                            if self.xlsx else []))

    def _repr_html_(self) -> str:
        esc = html.escape
        if self.folder is None:
            return f"<p>{esc(str(self))}</p>"
        items = "".join(
            f'<li><a href="{esc(str(p.relative_to(self.folder)))}">{esc(n)}.csv</a>: '
            f"{esc(self.descriptions[n])} ({self.rows[n]:,} rows)</li>"
            for n, p in self.csv.items())
        book = (f'<p>All lists in one workbook: <a href="{esc(self.xlsx.name)}">'
                f"{esc(self.xlsx.name)}</a></p>") if self.xlsx else ""
        return f'<div class="mining-lists"><p><b>Action lists to download</b></p><ul>{items}</ul>{book}</div>'

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {"text/plain": str(self), "text/html": self._repr_html_(),
                MIME_TYPE: self.to_dict()}


def _cell_writer(ws: Any, s: pd.Series, date_format: Any) -> tuple[Any, list[Any]]:
    """The typed xlsxwriter method for one column and its values (None = leave the cell empty)."""
    if pd.api.types.is_bool_dtype(s):
        return ws.write_boolean, [None if pd.isna(v) else bool(v) for v in s.astype(object)]
    if pd.api.types.is_datetime64_any_dtype(s):
        naive = s.dt.tz_localize(None) if getattr(s.dt, "tz", None) is not None else s
        values = [None if pd.isna(v) else v.to_pydatetime() for v in naive]
        return (lambda r, c, v: ws.write_datetime(r, c, v, date_format)), values
    if pd.api.types.is_numeric_dtype(s):
        values = s.astype("float64").tolist()
        return ws.write_number, [None if v != v or v in (float("inf"), float("-inf")) else v
                                 for v in values]
    return ws.write_string, [None if (v is None or (not isinstance(v, str) and pd.isna(v)))
                             else str(v) for v in s.astype(object)]


def _write_excel(path: Path, frames: dict[str, pd.DataFrame], about: pd.DataFrame) -> None:
    """One sheet per list in ``frames`` (bold frozen header, column widths, number formats by
    column kind, ids as text) and the "columns" sheet ``about`` (list, column, meaning).

    Written with xlsxwriter directly, one typed call per cell, rows streamed to disk
    (``constant_memory``: strings inline, no shared-string table). On the 25,000-row offer lists
    of notebooks 03 and 04 this is several times faster than ``DataFrame.to_excel``, whose
    per-cell formatting objects and shared strings took 5-8 s per workbook.
    """
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    try:
        formats = {kind: book.add_format({"num_format": fmt}) for kind, fmt in
                   {**_EXCEL_FORMATS, "text": "@"}.items()}
        header = book.add_format({"bold": True, "border": 1, "align": "center", "valign": "top"})
        date_format = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        for sheet, df in [*((name[:31], df) for name, df in frames.items()), ("columns", about)]:
            ws = book.add_worksheet(sheet)
            if df is about:
                for j, width in enumerate((24, 26, 90)):
                    ws.set_column(j, j, width)
            else:
                ws.freeze_panes(1, 0)
                for j, c in enumerate(df.columns):
                    kind = ("text" if isinstance(df[c].dtype, pd.StringDtype)
                            else column_kind(df, c))
                    width = max([len(str(c))] + [len(str(v)) for v in df[c].head(200)])
                    ws.set_column(j, j, min(60, max(8, width + 2)), formats.get(kind))
            ws.write_row(0, 0, [str(c) for c in df.columns], header)
            columns = [_cell_writer(ws, df[c], date_format) for c in df.columns]
            writers = [w for w, _ in columns]
            for i, row in enumerate(zip(*(v for _, v in columns), strict=True), start=1):
                for j, v in enumerate(row):
                    if v is not None:
                        writers[j](i, j, v)
    finally:
        book.close()


def save_action_lists(lists: Sequence[ActionList], *, notebook: str,
                      output_dir: str | os.PathLike[str] | None = None) -> SavedLists:
    """Write ``lists`` as CSV files and one Excel workbook (see the module docstring).

    Parameters
    ----------
    lists : sequence of ActionList
    notebook : str
        The notebook's name (``"05_churn"``): the workbook is ``<notebook>.xlsx``.
    output_dir : path, optional
        Folder to write into. Default: the ``MINING_OUTPUT_DIR`` environment variable (set by the
        report runner); when neither is set nothing is written and the result says so.

    Raises
    ------
    ParameterError
        Bad list names, undocumented columns, two lists with one name, or a file that exists.
    """
    lists = list(lists)
    if not lists:
        raise ParameterError("save_action_lists: give at least one ActionList.")
    frames = {a.name: a.check() for a in lists}
    if len(frames) != len(lists):
        raise ParameterError("save_action_lists: two lists share a name; names must differ.")
    target = output_dir if output_dir not in (None, "") else os.environ.get(ENV_OUTPUT_DIR, "")
    rows = {n: len(df) for n, df in frames.items()}
    descriptions = {a.name: a.description for a in lists}
    if not target:
        return SavedLists(notebook, None, {}, None, rows, descriptions)
    folder = Path(target).expanduser().resolve()
    csv_dir = folder / "lists"
    csv_paths = {n: csv_dir / f"{n}.csv" for n in frames}
    xlsx = folder / f"{notebook}.xlsx"
    exists = [p for p in [*csv_paths.values(), xlsx] if p.exists()]
    if exists:
        raise ParameterError(f"save_action_lists: {exists[0]} exists already; lists are never "
                             "overwritten. Choose another output_dir.")
    csv_dir.mkdir(parents=True, exist_ok=True)
    for n, df in frames.items():
        df.to_csv(csv_paths[n], index=False, encoding="utf-8")
    about = pd.DataFrame([{"list": a.name, "column": str(c), "meaning": a.columns[str(c)]}
                          for a in lists for c in frames[a.name].columns])
    about.to_csv(csv_dir / "columns.csv", index=False, encoding="utf-8")
    _write_excel(xlsx, frames, about)
    return SavedLists(notebook, folder, csv_paths, xlsx, rows, descriptions)


def read_action_list(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a saved list back with ids as text (``customer_id`` "007" stays "007")."""
    head = pd.read_csv(path, nrows=0)
    ids = {c: "string" for c in head.columns if str(c).endswith("_id")}
    return pd.read_csv(path, dtype=ids)
