"""Load transactions from files, databases or DataFrames and map user column names onto the contract.

Sources
-------
- CSV / TSV / TXT (optionally ``.gz``): encoding detected (UTF-8 with or without BOM, then GB18030,
  a superset of GBK, for Chinese Windows exports) unless given; delimiter sniffed among
  ``, ; TAB |`` unless given; decimal commas with ``decimal=","``.
- Parquet (``.parquet``, ``.pq``), Excel (``.xlsx``, ``.xlsm``, ``.xls``; ``sheet=``).
- SQL: a SQLAlchemy URL (``sqlite:///shop.db``, ``postgresql+psycopg://user@host/db``) with
  ``table=`` or ``query=``.
- A pandas DataFrame.

``load_transactions`` returns a validated (typed) table; call
:func:`mining.schema.clean_transactions` next to remove and count unusable lines.
"""

from __future__ import annotations

import csv
import difflib
import gzip
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from mining.errors import MiningError, SchemaError
from mining.schema import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, validate_transactions
from mining.sql import read_sql

__all__ = [
    "SUPPORTED_SUFFIXES",
    "SourceOptions",
    "is_sql_url",
    "load_transactions",
    "map_columns",
    "read_column_mapping",
    "read_table",
]

SUPPORTED_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz", ".parquet", ".pq", ".xlsx", ".xlsm", ".xls")
_CANONICAL = REQUIRED_COLUMNS + OPTIONAL_COLUMNS + ("status",)
_SQL_SCHEMES = ("sqlite", "postgresql", "postgres", "mysql", "mssql", "oracle", "duckdb")
_AUTO_ENCODINGS = ("utf-8-sig", "gb18030")


@dataclass(frozen=True)
class SourceOptions:
    """How to read one source; every field may also come from a mapping file."""

    columns: Mapping[str, str] | None = None
    date_format: str | None = None
    timezone: str | None = None
    sep: str | None = None
    encoding: str | None = None
    decimal: str = "."
    sheet: str | int = 0
    table: str | None = None
    query: str | None = None


def is_sql_url(source: object) -> bool:
    """True for a SQLAlchemy URL such as ``sqlite:///shop.db`` or ``postgresql://host/db``."""
    if not isinstance(source, str) or "://" not in source:
        return False
    scheme = source.split("://", 1)[0].split("+", 1)[0].lower()
    return scheme in _SQL_SCHEMES


def read_column_mapping(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a mapping file (YAML or TOML) and return its settings.

    The file holds either a plain ``your_name: canonical_name`` mapping, or a ``columns:`` table
    plus any of ``date_format``, ``timezone``, ``sep``, ``encoding``, ``decimal``, ``sheet``,
    ``table``, ``query``. Example (YAML)::

        columns:
          Member_number: customer_id
          Date: timestamp
          itemDescription: product_id
        date_format: "%d-%m-%Y"
        timezone: Asia/Shanghai
    """
    p = Path(path)
    if not p.exists():
        raise MiningError(f"No such column-mapping file: {p}.")
    text = p.read_text(encoding="utf-8-sig")
    try:
        data = tomllib.loads(text) if p.suffix.lower() == ".toml" else yaml.safe_load(text)
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        raise MiningError(f"Cannot parse the column-mapping file {p}: {exc}") from None
    if not isinstance(data, dict):
        raise MiningError(f"The column-mapping file {p} must hold a mapping (name: canonical_name).")
    known = set(SourceOptions.__dataclass_fields__)
    if "columns" in data:
        unknown = set(data) - known
        if unknown:
            raise MiningError(
                f"The column-mapping file {p} has unknown keys {sorted(unknown)}; "
                f"allowed: {sorted(known)}."
            )
        return dict(data)
    return {"columns": data}


def _check_targets(columns: Mapping[str, str]) -> None:
    bad = [t for t in columns.values() if t not in _CANONICAL]
    if bad:
        hints = []
        for t in bad:
            close = difflib.get_close_matches(str(t), _CANONICAL, n=1)
            hints.append(f"{t!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise SchemaError(
            [f"the column mapping maps onto {', '.join(hints)}, which is not a contract column. "
             f"Map your columns onto: {', '.join(_CANONICAL)}."]
        )


def map_columns(df: pd.DataFrame, columns: Mapping[str, str] | None) -> pd.DataFrame:
    """Rename user columns to canonical names: ``columns={"Customer ID": "customer_id", ...}``.

    Raises ``SchemaError`` naming any mapped column the table does not have, or a target that is
    not a contract column.
    """
    if not columns:
        return df
    _check_targets(columns)
    absent = [src for src in columns if src not in df.columns]
    if absent:
        have = ", ".join(map(str, df.columns[:15]))
        raise SchemaError(
            [f"the column mapping names {', '.join(map(repr, absent))}, which the table does not have "
             f"(it has: {have}). Check spelling and capitals in columns={{...}}."]
        )
    clash = [c for c in columns.values() if c in df.columns and c not in columns]
    if clash:
        raise SchemaError(
            [f"the table already has column(s) {clash}; mapping another column onto them would "
             "make two columns with one name. Drop or rename one first."]
        )
    return df.rename(columns=dict(columns))


def _open_text(path: Path):
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")


def _detect_encoding(path: Path) -> str:
    with _open_text(path) as fh:
        head = fh.read(1 << 20)
    for enc in _AUTO_ENCODINGS:
        try:
            head.decode(enc)
            return enc
        except UnicodeDecodeError as exc:
            # a multi-byte character cut at the end of the sample is not a decoding failure
            if exc.start >= len(head) - 4:
                return enc
    raise MiningError(
        f"Cannot tell the text encoding of {path}: it is neither UTF-8 nor GBK/GB18030. "
        "Pass encoding='latin-1' (Western Windows exports) or the encoding your system used."
    )


def _sniff_sep(path: Path, encoding: str) -> str:
    with _open_text(path) as fh:
        sample = fh.read(64 * 1024).decode(encoding, errors="replace")
    try:
        return csv.Sniffer().sniff(sample.splitlines()[0] if sample else "", delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _read_csv(path: Path, opts: SourceOptions) -> pd.DataFrame:
    encoding = opts.encoding or _detect_encoding(path)
    sep = opts.sep or ("\t" if path.name.lower().endswith(".tsv") else _sniff_sep(path, encoding))
    try:
        df = pd.read_csv(path, sep=sep, encoding=encoding, dtype=str, keep_default_na=False,
                         na_values=[""], skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise SchemaError([f"the file {path} is empty: it has no header and no rows."]) from None
    except UnicodeDecodeError as exc:
        raise MiningError(
            f"Cannot read {path} as {encoding!r} text ({exc.reason} at byte {exc.start}). "
            "Pass encoding='gbk' (Chinese Windows exports) or encoding='latin-1'."
        ) from None
    except pd.errors.ParserError as exc:
        raise MiningError(
            f"Cannot split {path} into columns with delimiter {sep!r}: {exc}. "
            "Pass sep=';' (or the delimiter your file uses)."
        ) from None
    df.columns = [str(c).strip() for c in df.columns]
    if opts.decimal != ".":
        targets = {v: k for k, v in (opts.columns or {}).items()}
        for col in ("quantity", "unit_price"):
            src = targets.get(col, col)
            if src in df.columns:
                df[src] = (df[src].str.replace(".", "", regex=False)
                           .str.replace(opts.decimal, ".", regex=False))
    return df


def read_table(source: str | os.PathLike[str], opts: SourceOptions | None = None) -> pd.DataFrame:
    """Read a file or database table as it is (no mapping, no validation)."""
    opts = opts or SourceOptions()
    if is_sql_url(source):
        return read_sql(str(source), table=opts.table, query=opts.query)
    path = Path(source)
    if not path.exists():
        raise MiningError(f"No such file: {path}. Check the path (relative to {Path.cwd()}).")
    name = path.name.lower()
    if name.endswith((".parquet", ".pq")):
        return pd.read_parquet(path)
    if name.endswith((".xlsx", ".xlsm", ".xls")):
        try:
            return pd.read_excel(path, sheet_name=opts.sheet)
        except ValueError as exc:  # unknown sheet name / index
            raise MiningError(f"Cannot read sheet {opts.sheet!r} of {path}: {exc}") from None
    if name.endswith((".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".txt.gz")):
        return _read_csv(path, opts)
    raise MiningError(
        f"Cannot read {path}: unknown file type {path.suffix!r}. "
        f"Supported: {', '.join(SUPPORTED_SUFFIXES)}, a database URL, or a DataFrame."
    )


def load_transactions(
    source: str | os.PathLike[str] | pd.DataFrame,
    *,
    columns: Mapping[str, str] | str | os.PathLike[str] | None = None,
    date_format: str | None = None,
    timezone: str | None = None,
    sep: str | None = None,
    encoding: str | None = None,
    decimal: str = ".",
    sheet: str | int = 0,
    table: str | None = None,
    query: str | None = None,
) -> pd.DataFrame:
    """Read transactions and return them typed to the contract (not yet cleaned).

    Parameters
    ----------
    source : path, database URL or DataFrame
        CSV/TSV/TXT (optionally gzipped), Parquet, Excel, a SQLAlchemy URL with ``table`` or
        ``query``, or a DataFrame.
    columns : dict or path, optional
        Your column name -> canonical name, e.g. ``{"InvoiceNo": "order_id"}``, or the path of a
        YAML/TOML mapping file (see :func:`read_column_mapping`), which may also set the options
        below; explicit arguments win over the file.
    date_format : str, optional
        ``strftime`` format of the timestamp column when it is text, e.g. ``"%d-%m-%Y"``.
    timezone : str, optional
        Time zone of timestamps written without one (e.g. ``"Asia/Shanghai"``); they are converted
        to UTC. Values with an explicit offset are converted to UTC in any case.
    sep, encoding, decimal, sheet
        File options: delimiter (sniffed by default), text encoding (UTF-8, then GBK/GB18030,
        by default), decimal mark (``","`` for European exports), Excel sheet.
    table, query
        For a database URL: a table name or a SQL query (exactly one).

    Returns
    -------
    DataFrame
        See :func:`mining.schema.validate_transactions`.

    Examples
    --------
    >>> import pandas as pd
    >>> raw = pd.DataFrame({"Kunde": ["k1"], "Beleg": ["b1"], "Datum": ["2024-03-01"],
    ...                     "Artikel": ["a1"], "Menge": [1], "Preis": [9.5]})
    >>> tx = load_transactions(raw, columns={"Kunde": "customer_id", "Beleg": "order_id",
    ...     "Datum": "timestamp", "Artikel": "product_id", "Menge": "quantity", "Preis": "unit_price"})
    >>> list(tx.columns)
    ['customer_id', 'order_id', 'timestamp', 'product_id', 'quantity', 'unit_price']
    """
    settings: dict[str, Any] = {}
    if isinstance(columns, str | os.PathLike):
        settings = read_column_mapping(columns)
    elif columns is not None:
        settings = {"columns": dict(columns)}
    given = {"date_format": date_format, "timezone": timezone, "sep": sep, "encoding": encoding,
             "table": table, "query": query}
    settings.update({k: v for k, v in given.items() if v is not None})
    if decimal != ".":
        settings["decimal"] = decimal
    if sheet != 0:
        settings["sheet"] = sheet
    opts = SourceOptions(**settings)
    raw = source if isinstance(source, pd.DataFrame) else read_table(source, opts)
    return validate_transactions(
        map_columns(raw, opts.columns), date_format=opts.date_format, timezone=opts.timezone
    )
