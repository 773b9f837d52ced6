"""Load transactions from files, databases or DataFrames and map user column names onto the contract.

Sources
-------
- CSV / TSV / TXT (optionally ``.gz``): encoding detected unless given (a byte-order mark, then
  UTF-8, then the most plausible of GB18030/cp1252/Latin-1, stated with a ``DataWarning``; see
  ``_detect_encoding``); delimiter sniffed among ``, ; TAB |`` unless given; numbers in another
  locale's format with ``decimal=","`` and ``thousands="."`` (values that do not fit the declared
  format are a ``SchemaError``, never reinterpreted). A header naming one column twice, or a row
  with more fields than the header, is a ``SchemaError``.
- Parquet (``.parquet``, ``.pq``, or a folder of Parquet files), Excel (``.xlsx``, ``.xlsm``,
  ``.xls``, read with calamine; a workbook with several sheets needs ``sheet=``).
- SQL: a SQLAlchemy URL (``sqlite:///shop.db``, ``postgresql+psycopg://user@host/db``) with
  ``table=`` or ``query=``.
- DuckDB: a database file (``shop.duckdb``, or ``duckdb:///shop.duckdb``) with ``table=`` or
  ``query=``, opened read-only with the duckdb package.
- A pandas DataFrame.

``load_transactions`` returns a validated (typed) table; call
:func:`mining.schema.clean_transactions` next to remove and count unusable lines.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import gzip
import os
import re
import tomllib
import unicodedata
import warnings
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from io import TextIOWrapper
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from mining.errors import DataWarning, MiningError, ParameterError, SchemaError
from mining.schema import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, validate_transactions
from mining.sql import DUCKDB_SUFFIXES, read_sql

__all__ = [
    "SUPPORTED_SUFFIXES",
    "SourceOptions",
    "csv_header",
    "csv_layout",
    "is_sql_url",
    "load_transactions",
    "map_columns",
    "read_column_mapping",
    "read_source",
    "read_table",
    "source_options",
    "typed_transactions",
]

SUPPORTED_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz", ".parquet", ".pq", ".xlsx", ".xlsm", ".xls",
                      *DUCKDB_SUFFIXES)
_CANONICAL = REQUIRED_COLUMNS + OPTIONAL_COLUMNS + ("status",)
_SQL_SCHEMES = ("sqlite", "postgresql", "postgres", "mysql", "mssql", "oracle", "duckdb")


@dataclass(frozen=True)
class SourceOptions:
    """How to read one source; every field may also come from a mapping file."""

    columns: Mapping[str, str] | None = None
    date_format: str | None = None
    timezone: str | None = None
    sep: str | None = None
    encoding: str | None = None
    decimal: str = "."
    thousands: str | None = None
    sheet: str | int | None = None
    table: str | None = None
    query: str | None = None
    dayfirst: bool | None = None


def is_sql_url(source: object) -> bool:
    """True for a SQLAlchemy URL such as ``sqlite:///shop.db`` or ``postgresql://host/db``."""
    if not isinstance(source, str) or "://" not in source:
        return False
    scheme = source.split("://", 1)[0].split("+", 1)[0].lower()
    return scheme in _SQL_SCHEMES


def read_column_mapping(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a mapping file (YAML or TOML) and return its settings.

    The file holds either a plain ``your_name: canonical_name`` mapping, or a ``columns:`` table
    plus any of ``date_format``, ``timezone``, ``dayfirst``, ``sep``, ``encoding``, ``decimal``,
    ``thousands``, ``sheet``, ``table``, ``query``. Example (YAML)::

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


# -- text files: opening, encoding, delimiter --------------------------------------------------

_HEAD_BYTES = 1 << 20
_BOMS = (  # longest first: the UTF-32 LE BOM starts with the UTF-16 LE one
    (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"),
)
_UTF8 = ("utf-8", "utf-8-sig")


def _is_gz(path: Path) -> bool:
    return path.name.lower().endswith(".gz")


def _open_bytes(path: Path):
    return gzip.open(path, "rb") if _is_gz(path) else open(path, "rb")


def _gzip_error(path: Path, exc: BaseException) -> MiningError:
    return MiningError(
        f"Cannot decompress {path}: it is not a complete gzip file ({exc}). It may be truncated "
        "(an interrupted download or copy): check it with `gzip -t`, fetch it again, or give the "
        "uncompressed file."
    )


def _read_head(path: Path, size: int = _HEAD_BYTES) -> bytes:
    try:
        with _open_bytes(path) as fh:
            return fh.read(size)
    except (OSError, EOFError, zlib.error) as exc:
        if _is_gz(path):
            raise _gzip_error(path, exc) from None
        raise MiningError(f"Cannot read {path}: {exc}.") from None


def _check_encoding_name(encoding: str, owner: str = "load_transactions") -> str:
    """The codec's canonical name, or a ``ParameterError`` naming the option."""
    try:
        return codecs.lookup(encoding).name
    except (LookupError, TypeError):
        raise ParameterError(
            f"The 'encoding' parameter of {owner} (--encoding) must be a text encoding Python "
            f"knows, such as 'utf-8', 'gbk', 'cp1252', 'latin-1' or 'utf-16'. Got {encoding!r} "
            "instead. Leave it out to have the encoding detected."
        ) from None


def _decode(head: bytes, encoding: str, truncated: bool) -> str | None:
    """``head`` decoded strictly; a character cut by the sample's end is not a failure."""
    try:
        return head.decode(encoding)
    except UnicodeDecodeError as exc:
        if truncated and exc.start >= len(head) - 4:
            try:
                return head[: exc.start].decode(encoding)
            except UnicodeDecodeError:
                return None
        return None


def _utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when every other byte is NUL (mostly-ASCII UTF-16 text)."""
    pairs = len(head) // 2
    if pairs < 2:
        return None
    even, odd = head[0 : 2 * pairs : 2], head[1 : 2 * pairs : 2]
    if odd.count(0) > 0.4 * pairs and even.count(0) < 0.05 * pairs:
        return "utf-16-le"
    if even.count(0) > 0.4 * pairs and odd.count(0) < 0.05 * pairs:
        return "utf-16-be"
    return None


def _not_text(path: Path, why: str) -> MiningError:
    return MiningError(
        f"{path} does not look like a text (CSV) file: {why}. Is it a Parquet or Excel file with "
        "the wrong name ending, or a compressed file without '.gz'? Give it its real suffix, or "
        "export the table as CSV."
    )


def _sniff_line(line: str) -> str:
    try:
        return csv.Sniffer().sniff(line, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _field_count(line: str, sep: str) -> int:
    try:
        return len(next(csv.reader([line], delimiter=sep), []))
    except csv.Error:
        return -1


def _run_penalty(text: str, encoding: str) -> int:
    """How implausible the non-ASCII characters of ``text`` are as ``encoding``'s reading.

    Read as a Chinese encoding, an isolated CJK character between two Latin letters ("M黮ler":
    a Latin-1 "ü" that swallowed the next letter) or one outside GBK is implausible. Read as a
    Western code page, runs of three or more non-ASCII characters ("Å£ÄÌ", Chinese bytes) are.
    Control characters are implausible in every reading.
    """
    penalty = sum(1 for ch in text if unicodedata.category(ch) in ("Cc", "Co", "Cn")
                  and ch not in "\t\r\n") * 3
    penalty += text.count("\ufffd") * 3
    chinese = encoding in ("gb18030", "gbk", "gb2312")
    for m in _NON_ASCII.finditer(text):
        run, a, b = m.group(), m.start(), m.end()
        if chinese:
            left = text[a - 1] if a else ""
            right = text[b] if b < len(text) else ""
            if len(run) == 1 and left.isascii() and left.isalpha() and right.isascii() and right.isalpha():
                penalty += 2
            for ch in run:
                try:
                    ch.encode("gbk")
                except UnicodeEncodeError:
                    penalty += 2
        elif len(run) == 2:
            penalty += 1
        elif len(run) >= 3:
            penalty += len(run)
    return penalty


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_GUESSES = ("gb18030", "cp1252", "latin-1")


def _detect_encoding(path: Path, sep: str | None = None) -> str:
    """The encoding of a text file, stated with a ``DataWarning`` when it is not UTF-8.

    Rule: a byte-order mark decides (UTF-8, UTF-16, UTF-32); else NUL bytes every other byte mean
    UTF-16 without a mark; else strict UTF-8 when the first MiB decodes as UTF-8; else the
    reading among GB18030 (a superset of GBK), cp1252 and Latin-1 that (1) decodes, (2) gives
    the header's field count on the most lines for the delimiter, (3) has the fewest implausible
    characters (see ``_run_penalty``), in that order; ties go to the earlier one.
    """
    head = _read_head(path)
    truncated = len(head) == _HEAD_BYTES
    for bom, enc in _BOMS:
        if head.startswith(bom):
            return enc if enc in _UTF8 else _announce(path, enc, "it starts with a byte-order mark")
    utf16 = _utf16_without_bom(head)
    if utf16:
        return _announce(path, utf16, "every other byte is NUL")
    if b"\x00" in head:
        raise _not_text(path, "it holds NUL bytes")
    controls = sum(head.count(bytes([c])) for c in range(32) if c not in (9, 10, 13))
    if head and controls > 0.01 * len(head):
        raise _not_text(path, f"{controls} of its first {len(head)} bytes are control codes")
    if _decode(head, "utf-8", truncated) is not None:
        return "utf-8-sig"  # reads plain UTF-8 too
    lines = head.split(b"\n")
    if truncated:
        lines = lines[:-1]
    first, rest = (lines[0], [ln for ln in lines[1:] if not ln.isascii()][:5000]) if lines else (b"", [])
    scores = []
    for order, enc in enumerate(_GUESSES):
        text = _decode(head, enc, truncated)
        if text is None:
            continue
        header = first.decode(enc, errors="replace")
        delim = sep or _sniff_line(header)
        width = _field_count(header, delim)
        decoded = [ln.decode(enc, errors="replace") for ln in rest]
        mismatched = sum(_field_count(ln, delim) != width for ln in decoded)
        penalty = _run_penalty(header + "\n" + "\n".join(decoded), enc)
        scores.append((mismatched, penalty, order, enc))
    mismatched, penalty, _, enc = min(scores)  # latin-1 always decodes
    if enc == "latin-1" and penalty > len(head) // 50:
        raise _not_text(path, "it decodes neither as UTF-8 nor GB18030 nor cp1252, and as "
                        "Latin-1 it is mostly control characters")
    tried = ", ".join(e for *_, e in sorted(scores, key=lambda s: s[2]))
    return _announce(path, enc, f"it is not UTF-8; of {tried} this reading keeps the header's "
                     "field count on the most lines and has the most plausible characters")


def _announce(path: Path, encoding: str, why: str) -> str:
    warnings.warn(
        f"{path}: read as {encoding} text ({why}). If names look garbled, pass the right "
        "encoding with encoding='...' (CLI: --encoding ...), e.g. 'cp1252' for Western Windows "
        "exports or 'gbk' for Chinese ones.",
        DataWarning, stacklevel=4,
    )
    return encoding


def _sniff_sep(path: Path, encoding: str) -> str:
    try:
        with _open_bytes(path) as fh:
            sample = fh.read(64 * 1024).decode(encoding, errors="replace")
    except (OSError, EOFError, zlib.error) as exc:
        raise _gzip_error(path, exc) from None
    lines = sample.lstrip("\ufeff").splitlines()
    return _sniff_line(lines[0]) if lines else ","


def _header_names(values: list[Any], path: Path, what: str) -> list[str]:
    """Header cells as column names; a name used twice is a ``SchemaError`` (never renamed)."""
    names = ["" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v).strip()
             for v in values]
    names = [n or f"Unnamed: {i}" for i, n in enumerate(names)]
    seen: dict[str, list[int]] = {}
    for i, n in enumerate(names):
        seen.setdefault(n, []).append(i + 1)
    dup = {n: pos for n, pos in seen.items() if len(pos) > 1}
    if dup:
        raise SchemaError([
            f"the header of {what} names column {n!r} {len(pos)} times (columns "
            f"{', '.join(map(str, pos))}). Rename or delete the copies so each name is used once; "
            "which copy holds the data cannot be guessed." for n, pos in dup.items()
        ])
    return names


_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def csv_layout(path: str | os.PathLike[str], opts: SourceOptions | None = None, *,
               announce: bool = True) -> tuple[str, str]:
    """The ``(encoding, delimiter)`` :func:`load_transactions` reads the CSV file ``path``
    with: the given ones, else detected (see ``_detect_encoding``) and sniffed (a ``.tsv``
    file is tab-separated). ``announce=False`` leaves out the ``DataWarning`` that states a
    guessed encoding."""
    path, opts = Path(path), opts or SourceOptions()
    if opts.encoding:
        encoding = _check_encoding_name(opts.encoding)
        head = _read_head(path, 4096)
        if encoding in ("utf-16", "utf-32") and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
            # no byte-order mark: the byte order comes from where the NUL bytes are
            encoding = (_utf16_without_bom(head) or encoding) if encoding == "utf-16" else encoding
        if encoding.startswith(("utf-16", "utf-32")):
            if head and b"\x00" not in head:
                raise MiningError(
                    f"{path} is not {opts.encoding} text (encoding={opts.encoding!r}): it has no "
                    "NUL bytes, which UTF-16/UTF-32 text always has. Leave encoding out to detect "
                    "it, or pass encoding='utf-8' (or the encoding your system used)."
                )
        elif b"\x00" in head and not encoding.startswith("utf-"):
            raise _not_text(path, "it holds NUL bytes")
    else:
        with warnings.catch_warnings():
            if not announce:
                warnings.simplefilter("ignore", DataWarning)
            encoding = _detect_encoding(path, opts.sep)
    sep = opts.sep or ("\t" if path.name.lower().removesuffix(".gz").endswith(".tsv")
                       else _sniff_sep(path, encoding))
    return encoding, sep


def csv_header(path: str | os.PathLike[str], encoding: str, sep: str) -> list[str]:
    """The column names of the CSV file's first record, named as :func:`load_transactions`
    names them (stripped, ``Unnamed: i`` when blank; a name used twice is a ``SchemaError``).
    Empty when the file has no header."""
    path = Path(path)
    try:
        with _open_bytes(path) as fh:
            text = TextIOWrapper(fh, encoding=encoding, newline="")
            first = next(csv.reader(text, delimiter=sep, skipinitialspace=True), None)
    except (OSError, EOFError, zlib.error) as exc:
        raise _gzip_error(path, exc) if _is_gz(path) else MiningError(
            f"Cannot read {path}: {exc}.") from None
    return _header_names(first, path, str(path)) if first else []


def _read_csv(path: Path, opts: SourceOptions) -> pd.DataFrame:
    encoding, sep = csv_layout(path, opts)
    try:
        df = pd.read_csv(path, sep=sep, encoding=encoding, dtype=str, keep_default_na=False,
                         na_values=[""], skipinitialspace=True, header=None)
    except pd.errors.EmptyDataError:
        raise SchemaError([f"the file {path} is empty: it has no header and no rows."]) from None
    except UnicodeError as exc:
        where = f" at byte {exc.start}" if isinstance(exc, UnicodeDecodeError) else ""
        reason = getattr(exc, "reason", str(exc))
        raise MiningError(
            f"Cannot read {path} as {encoding!r} text ({reason}{where}). Leave encoding out to "
            "have it detected, or pass encoding='gbk' (Chinese Windows exports), 'cp1252' "
            "(Western Windows exports) or 'utf-16'."
        ) from None
    except pd.errors.ParserError as exc:
        m = _FIELDS.search(str(exc))
        if m:
            width, line, saw = m.groups()
            raise SchemaError([
                f"line {line} of {path} has {saw} fields but the header has {width} (split at "
                f"{sep!r}); it is the first such line. A value holding the delimiter must be "
                "quoted (\"a, b\"); if the file uses another delimiter pass sep=';' (--sep)."
            ]) from None
        raise MiningError(
            f"Cannot split {path} into columns with delimiter {sep!r}: {exc}. "
            "Pass sep=';' (or the delimiter your file uses), or check the quotes."
        ) from None
    except (OSError, EOFError, zlib.error) as exc:
        if _is_gz(path):
            raise _gzip_error(path, exc) from None
        raise MiningError(f"Cannot read {path}: {exc}.") from None
    if df.empty:
        raise SchemaError([f"the file {path} is empty: it has no header and no rows."])
    names = _header_names(df.iloc[0].tolist(), path, str(path))
    df = df.iloc[1:].reset_index(drop=True)
    df.columns = names
    return df


# -- numbers written with a declared decimal mark / thousands separator -------------------------

_NUMERIC = ("quantity", "unit_price")


def _check_number_format(decimal: str, thousands: str | None) -> None:
    for name, value in (("decimal", decimal), ("thousands", thousands)):
        if value is None and name == "thousands":
            continue
        if not isinstance(value, str) or len(value) != 1 or value.isalnum() or value in "+-":
            raise ParameterError(
                f"The {name!r} parameter of load_transactions (--{name}) must be one character "
                f"such as ',' or '.', not a digit, letter or sign. Got {value!r} instead."
            )
    if thousands == decimal:
        raise ParameterError(
            f"The 'thousands' and 'decimal' parameters of load_transactions are both {decimal!r}; "
            "they must differ (e.g. decimal=',' thousands='.' for 1.234,5)."
        )


def _number_regex(decimal: str, thousands: str | None) -> str:
    d = re.escape(decimal)
    whole = r"\d+" if thousands is None else rf"(?:\d{{1,3}}(?:{re.escape(thousands)}\d{{3}})+|\d+)"
    return rf"[+-]?(?:{whole}(?:{d}\d*)?|{d}\d+)(?:[eE][+-]?\d+)?"


def _parse_numbers(df: pd.DataFrame, opts: SourceOptions, sources: Mapping[str, str]) -> pd.DataFrame:
    """Text quantities and prices read with the declared decimal mark and thousands separator.

    One rule per column: every text value must match the declared format (``1.234,5`` with
    ``decimal=","``, ``thousands="."``; digits without separators always fit); anything else,
    e.g. ``189.0`` with ``decimal=","`` and no ``thousands="."``, or ``1.2.3``, is a
    ``SchemaError`` naming the column and rows. Values that are already numbers stay as they are.
    """
    if opts.decimal == "." and opts.thousands is None:
        return df
    pattern = _number_regex(opts.decimal, opts.thousands)
    problems, out = [], df.copy()
    for col in _NUMERIC:
        if col not in out.columns or pd.api.types.is_numeric_dtype(out[col]):
            continue
        s = out[col]
        is_text = s.map(lambda v: isinstance(v, str)).astype(bool)
        text = s[is_text].astype(str).str.strip()
        blank = text == ""
        ok = text.str.fullmatch(pattern).astype(bool) | blank
        if not ok.all():
            bad = ok.index[~ok.to_numpy()]
            shown = ", ".join(map(str, bad[:10])) + (f" and {len(bad) - 10} more" if len(bad) > 10 else "")
            named = f"column {col!r}" + (f" (your {sources[col]!r})" if sources.get(col, col) != col else "")
            examples = ", ".join(repr(v) for v in pd.unique(text[~ok].to_numpy())[:3])
            grouping = (f"thousands grouped by {opts.thousands!r}" if opts.thousands is not None
                        else "no thousands separator")
            problems.append(
                f"{named}: {len(bad)} row{'s' if len(bad) != 1 else ''} (rows {shown}) do not fit "
                f"the declared number format (decimal mark {opts.decimal!r}, {grouping}), e.g. "
                f"{examples}. Fix those values, or declare the format the file uses: "
                "decimal=',' thousands='.' for 1.234,5; decimal='.' thousands=',' for 1,234.5 "
                "(CLI: --decimal, --thousands); if it uses decimal points, leave decimal out."
            )
            continue
        plain = text.where(~blank)
        if opts.thousands is not None:
            plain = plain.str.replace(opts.thousands, "", regex=False)
        plain = plain.str.replace(opts.decimal, ".", regex=False)
        values = s.astype(object).copy()
        values[is_text] = pd.to_numeric(plain, errors="coerce").to_numpy()
        out[col] = values
    if problems:
        raise SchemaError(problems)
    return out


# -- other sources -----------------------------------------------------------------------------


def _read_parquet(path: Path) -> pd.DataFrame:
    if path.is_dir() and not any(p.suffix.lower() in (".parquet", ".pq") for p in path.rglob("*")):
        raise MiningError(
            f"{path} is a folder, not a file, and holds no .parquet files. Give a transactions "
            "file (CSV, Parquet, Excel) or a folder of Parquet files (a Parquet dataset)."
        )
    try:
        return pd.read_parquet(path, engine="pyarrow")
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ... for damaged files
        raise MiningError(
            f"Cannot read {path} as Parquet ({type(exc).__name__}: {str(exc).splitlines()[0]}). "
            "The file may be truncated or not Parquet at all: write it again, or export CSV."
        ) from None


def _read_excel(path: Path, opts: SourceOptions) -> pd.DataFrame:
    """One sheet of a workbook (.xlsx, .xlsm, .xls) with pandas' calamine engine.

    A workbook with several sheets needs ``sheet=`` (name or number): reading the first one
    silently could analyse the wrong table, so it is an error listing the sheet names.
    """
    try:
        book = pd.ExcelFile(path, engine="calamine")
    except Exception as exc:  # calamine raises its own CalamineError for damaged files
        raise MiningError(
            f"Cannot open {path} as an Excel workbook ({type(exc).__name__}: {exc}). Check that "
            "it opens in Excel and that the suffix matches (.xls, .xlsx); or export it as CSV."
        ) from None
    with book:
        names = [str(n) for n in book.sheet_names]
        sheet = opts.sheet
        listed = ", ".join(map(repr, names))
        if sheet is None:
            if len(names) > 1:
                raise MiningError(
                    f"{path} has {len(names)} sheets ({listed}); say which holds the "
                    f"transactions: sheet={names[0]!r} or a number from 0 (CLI: --sheet NAME)."
                )
            sheet = 0
        if (isinstance(sheet, int) and not 0 <= sheet < len(names)) or (
                isinstance(sheet, str) and sheet not in names):
            raise MiningError(f"Cannot read sheet {sheet!r} of {path}: it has the sheets {listed} "
                              f"(numbers 0 to {len(names) - 1}).")
        try:
            first = pd.read_excel(book, sheet_name=sheet, header=None, nrows=1)
            df = pd.read_excel(book, sheet_name=sheet)
        except Exception as exc:
            raise MiningError(f"Cannot read sheet {sheet!r} of {path}: {exc}") from None
    if first.empty:
        return df
    df.columns = _header_names(first.iloc[0].tolist(), path, f"sheet {sheet!r} of {path}")
    return df


def read_table(source: str | os.PathLike[str], opts: SourceOptions | None = None) -> pd.DataFrame:
    """Read a file, Parquet folder or database table as it is (no mapping, no validation).

    A database URL, or a DuckDB file (``shop.duckdb`` / ``shop.ddb``), is read with ``table=``
    or ``query=`` of ``opts`` (:func:`mining.sql.read_sql`).
    """
    opts = opts or SourceOptions()
    if is_sql_url(source) or os.fspath(source).lower().endswith(DUCKDB_SUFFIXES):
        return read_sql(os.fspath(source), table=opts.table, query=opts.query)
    path = Path(source)
    if not path.exists():
        raise MiningError(f"No such file: {path}. Check the path (relative to {Path.cwd()}).")
    name = path.name.lower()
    if path.is_dir() or name.endswith((".parquet", ".pq")):
        return _read_parquet(path)
    if path.stat().st_size == 0:
        raise SchemaError([f"the file {path} is empty: it has no header and no rows."])
    if name.endswith((".xlsx", ".xlsm", ".xls")):
        return _read_excel(path, opts)
    if name.endswith((".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".txt.gz")):
        return _read_csv(path, opts)
    raise MiningError(
        f"Cannot read {path}: unknown file type {path.suffix!r}. "
        f"Supported: {', '.join(SUPPORTED_SUFFIXES)}, a database URL, or a DataFrame."
    )


def source_options(columns: Mapping[str, str] | str | os.PathLike[str] | None = None,
                   **given: Any) -> SourceOptions:
    """Options from a mapping (or mapping file) plus explicit values; explicit ones win.

    ``given`` holds the other :class:`SourceOptions` fields; ``None`` means "not given" (and, for
    ``decimal``, ``"."`` too). The encoding and number format are checked here.
    """
    settings: dict[str, Any] = {}
    if isinstance(columns, str | os.PathLike):
        settings = read_column_mapping(columns)
    elif columns is not None:
        settings = {"columns": dict(columns)}
    if given.get("decimal") == ".":
        given = {**given, "decimal": None}
    unknown = set(given) - set(SourceOptions.__dataclass_fields__)
    if unknown:  # pragma: no cover - a programming error
        raise TypeError(f"unknown source options {sorted(unknown)}")
    settings.update({k: v for k, v in given.items() if v is not None})
    opts = SourceOptions(**settings)
    if opts.encoding is not None:
        _check_encoding_name(opts.encoding)
    _check_number_format(opts.decimal, opts.thousands)
    if opts.dayfirst not in (None, True, False):
        raise ParameterError(f"The 'dayfirst' parameter of load_transactions must be True, False "
                             f"or None (infer). Got {opts.dayfirst!r} instead.")
    return opts


def read_source(source: str | os.PathLike[str] | pd.DataFrame, opts: SourceOptions) -> pd.DataFrame:
    """Read ``source``, map its columns and read numbers in the declared format (not validated)."""
    raw = source if isinstance(source, pd.DataFrame) else read_table(source, opts)
    mapped = map_columns(raw, opts.columns)
    sources = {v: k for k, v in (opts.columns or {}).items()}
    return _parse_numbers(mapped, opts, sources)


def typed_transactions(df: pd.DataFrame, opts: SourceOptions) -> pd.DataFrame:
    """:func:`mining.schema.validate_transactions` with the date options of ``opts``."""
    extra = {} if opts.dayfirst is None else {"dayfirst": opts.dayfirst}
    return validate_transactions(df, date_format=opts.date_format, timezone=opts.timezone, **extra)


def load_transactions(
    source: str | os.PathLike[str] | pd.DataFrame,
    *,
    columns: Mapping[str, str] | str | os.PathLike[str] | None = None,
    date_format: str | None = None,
    timezone: str | None = None,
    dayfirst: bool | None = None,
    sep: str | None = None,
    encoding: str | None = None,
    decimal: str = ".",
    thousands: str | None = None,
    sheet: str | int | None = None,
    table: str | None = None,
    query: str | None = None,
) -> pd.DataFrame:
    """Read transactions and return them typed to the contract (not yet cleaned).

    Parameters
    ----------
    source : path, database URL or DataFrame
        CSV/TSV/TXT (optionally gzipped), Parquet (file or folder), Excel, a SQLAlchemy URL or
        a DuckDB file (``shop.duckdb``) with ``table`` or ``query``, or a DataFrame.
    columns : dict or path, optional
        Your column name -> canonical name, e.g. ``{"InvoiceNo": "order_id"}``, or the path of a
        YAML/TOML mapping file (see :func:`read_column_mapping`), which may also set the options
        below; explicit arguments win over the file.
    date_format : str, optional
        ``strftime`` format of the timestamp column when it is text, e.g. ``"%d-%m-%Y"``.
    timezone : str, optional
        Time zone of timestamps written without one (e.g. ``"Asia/Shanghai"``); they are converted
        to UTC. Values with an explicit offset are converted to UTC in any case.
    dayfirst : bool, optional
        Order of day and month in dates such as ``03/04/2024``: True (3 April), False (4 March);
        None leaves it to :func:`mining.schema.validate_transactions`.
    sep, encoding, sheet
        File options: delimiter (sniffed by default), text encoding (detected by default, see
        the module docstring), Excel sheet (name or number; needed when the workbook has
        several sheets).
    decimal, thousands
        How ``quantity`` and ``unit_price`` write numbers: ``decimal=","`` and ``thousands="."``
        for ``1.234,5``; ``thousands=","`` for ``1,234.5``. A text value that does not fit is a
        ``SchemaError`` (``189.0`` with ``decimal=","`` unless ``thousands="."``).
    table, query
        For a database URL or DuckDB file: a table name or a SQL query (exactly one).

    Returns
    -------
    DataFrame
        See :func:`mining.schema.validate_transactions`.

    Examples
    --------
    >>> import pandas as pd
    >>> raw = pd.DataFrame({"Kunde": ["k1"], "Beleg": ["b1"], "Datum": ["2024-03-01"],
    ...                     "Artikel": ["a1"], "Menge": ["1"], "Preis": ["1.234,5"]})
    >>> tx = load_transactions(raw, columns={"Kunde": "customer_id", "Beleg": "order_id",
    ...     "Datum": "timestamp", "Artikel": "product_id", "Menge": "quantity", "Preis": "unit_price"},
    ...     decimal=",", thousands=".")
    >>> list(tx.columns), float(tx["unit_price"].iloc[0])
    (['customer_id', 'order_id', 'timestamp', 'product_id', 'quantity', 'unit_price'], 1234.5)
    """
    opts = source_options(columns, date_format=date_format, timezone=timezone, dayfirst=dayfirst,
                          sep=sep, encoding=encoding, decimal=decimal, thousands=thousands,
                          sheet=sheet, table=table, query=query)
    return typed_transactions(read_source(source, opts), opts)
