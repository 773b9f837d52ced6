"""Order lines where they lie, as DuckDB views read by the rules of the pandas readers.

The DuckDB steps read three kinds of files without loading them:

- **Parquet** (a file, or a folder of files with hive partitions): the columns keep their types;
- **CSV** (``.csv``, ``.tsv``, ``.txt``, optionally ``.gz``): every field is read as text and
  typed in DuckDB by a strict part of the rules of :func:`mining.io.load_transactions`, checked
  on every value of the column before anything is built (:func:`typed_columns`);
- a **DuckDB database** file (``shop.duckdb``, ``duckdb:///shop.duckdb``): ATTACHed read-only,
  one table (``table=``) or one checked ``SELECT`` (``query=``, :func:`mining.sql.check_query`).

One rule for a whole column: a CSV column is typed here only when every value fits the strict
rule (ISO dates such as ``2024-03-01 14:05:00``, numbers such as ``-12.5`` or ``1e3``, UTF-8
text). When one value does not, DuckDB does not guess: :class:`NotInDuckDB` says why, and the
caller reads the file with pandas, which reads formats the strict rule leaves out (day-first
dates, decimal commas, other encodings) or reports the bad values with their column and rows,
exactly as without DuckDB.

>>> kind_of("orders.csv.gz"), kind_of("lines/part.parquet"), kind_of("shop.duckdb")
('csv', 'parquet', 'duckdb')
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mining.errors import MiningError, ParameterError, SchemaError
from mining.io import SourceOptions, is_sql_url
from mining.sql import DUCKDB_SUFFIXES, quote_identifier

__all__ = ["CSV_SUFFIXES", "INTEGER_TYPES", "WHITESPACE", "WS", "LineSource", "NotInDuckDB",
           "failed_flags", "flag_columns", "is_path_source", "kind_of", "line_source", "q",
           "parquet_files", "partition_problem", "register_raw", "scan", "select_list",
           "sql_literal", "strip_sql", "typed_columns", "typed_table"]

CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".txt.gz")
PARQUET_SUFFIXES = (".parquet", ".pq")
#: What Python's str.strip() removes (the contract strips ids and names with it).
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
              "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
INTEGER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT",
                  "UINTEGER", "UBIGINT")
_NAIVE_TIMES = ("TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S")
TEXT_COLUMNS = ("customer_id", "order_id", "product_id", "product_name", "category")
# the strict CSV rules (RE2): an ISO date with an optional clock to the microsecond; a number
# with a decimal point and an optional exponent
_ISO = r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?"
_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"


class NotInDuckDB(Exception):
    """DuckDB cannot apply the same reading rule here; the message says why (pandas reads)."""


@dataclass(frozen=True)
class LineSource:
    """A file of order lines and how to read it (made by :func:`line_source`)."""

    path: str
    options: SourceOptions = field(default_factory=SourceOptions)


def is_path_source(source: Any) -> bool:
    """True for what the DuckDB steps read where it lies: a path, URL or :class:`LineSource`."""
    return isinstance(source, str | os.PathLike | LineSource)


def line_source(path: str | os.PathLike[str], *, table: str | None = None,
                query: str | None = None, sep: str | None = None,
                encoding: str | None = None) -> LineSource:
    """A source for the ``engine="duckdb"`` steps that needs reading options: the table (or
    query) of a DuckDB database, or the delimiter/encoding of a CSV file.

    >>> line_source("shop.duckdb", table="orders").options.table
    'orders'
    """
    from mining.io import source_options

    return LineSource(os.fspath(path), source_options(table=table, query=query, sep=sep,
                                                      encoding=encoding))


def sql_literal(text: str) -> str:
    """``text`` as a SQL string literal (a ``'`` inside doubled)."""
    return "'" + str(text).replace("'", "''") + "'"


q = quote_identifier  # the short name the SQL below is written with


WS = sql_literal(WHITESPACE)
# RE2 class of the same characters: a value is trimmed only when it starts or ends with one
# (DuckDB's trim with a character list is slow; this check is fast)
_WS_CLASS = "[" + "".join(f"\\x{{{ord(c):04x}}}" for c in WHITESPACE) + "]"


def strip_sql(expr: str) -> str:
    """SQL for ``expr`` stripped as Python's ``str.strip()`` strips (Unicode whitespace)."""
    return (f"CASE WHEN regexp_matches({expr}, '^{_WS_CLASS}|{_WS_CLASS}$') THEN "
            f"trim({expr}, {WS}) ELSE {expr} END")


def kind_of(source: Any) -> str | None:
    """``"parquet"``, ``"csv"`` or ``"duckdb"`` for a path (or URL) DuckDB reads, else None."""
    text = os.fspath(source) if isinstance(source, str | os.PathLike) else None
    if text is None:
        return None
    if is_sql_url(text):
        return "duckdb" if text.lower().startswith("duckdb:") else None
    name = Path(text).name.lower()
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    if name.endswith(PARQUET_SUFFIXES) or Path(text).expanduser().is_dir():
        return "parquet"
    if name.endswith(DUCKDB_SUFFIXES):
        return "duckdb"
    return None


def register_raw(con: Any, source: Any, owner: str) -> tuple[str, dict[str, str], set[str]]:
    """Register ``source`` (a path, URL or :class:`LineSource`) in ``con`` as the view ``raw``
    as it lies: ``(kind, column types, pandas index columns to leave out)``.

    Raises :class:`NotInDuckDB` where DuckDB would not read it as pandas does (a CSV file that
    is not UTF-8, say) and ``ParameterError`` / ``MiningError`` for what no reader takes.
    """
    opts = source.options if isinstance(source, LineSource) else SourceOptions()
    text = source.path if isinstance(source, LineSource) else os.fspath(source)
    kind = kind_of(text)
    if kind is None:
        raise ParameterError(
            f"{owner} with engine='duckdb' reads a Parquet file or folder, a CSV file or a "
            f"DuckDB database; {text!r} is none of them. Load other files (Excel, a SQL "
            "database) with mining.io.load_transactions and pass the DataFrame."
        )
    index_cols: set[str] = set()
    if kind == "duckdb":
        _attach(con, text, opts)
    else:
        path = Path(text).expanduser()
        if not path.exists():
            raise MiningError(f"No such file: {path}. Check the path (relative to "
                              f"{Path.cwd()}).")
        if kind == "parquet":
            files = parquet_files(path)
            if not files:
                raise MiningError(f"{path} is a folder that holds no .parquet files.")
            index_cols = _parquet_index_columns(Path(files[0]))
            con.read_parquet(files, hive_partitioning=True, union_by_name=True).create_view(
                "raw", replace=True)
        else:
            _csv_view(con, path, opts)
    types = {r[0]: r[1] for r in con.execute("DESCRIBE raw").fetchall()}
    return kind, {k: v for k, v in types.items() if k not in index_cols}, index_cols


def parquet_files(path: Path) -> list[str]:
    """The Parquet files of ``path``: itself, or those in the folder and its partition folders
    (names ending ``.parquet`` / ``.pq``; hidden ones, starting ``.`` or ``_``, left out as
    pyarrow leaves them out)."""
    if not path.is_dir():
        return [str(path)]
    return sorted(str(f) for f in path.rglob("*") if f.is_file()
                  and f.name.lower().endswith(PARQUET_SUFFIXES) and not _hidden(f, path))


def _hidden(file: Path, root: Path) -> bool:
    return any(part.startswith((".", "_")) for part in file.relative_to(root).parts)


#: Partition values DuckDB and pyarrow both read one-to-one: canonical integers, or names
#: that start with a letter (no dots, percent signs or dates, which the two type otherwise).
_PLAIN_VALUE = re.compile(r"(?:0|-?[1-9][0-9]*|[A-Za-z][A-Za-z0-9_ \-]*)")


def partition_problem(path: Path, contract: tuple[str, ...]) -> str | None:
    """Why DuckDB's reading of the Parquet folder ``path`` could differ from pandas' (which
    types the hive partition columns with pyarrow), or None: a file pandas reads and DuckDB
    does not, a partition named like a ``contract`` column, or values the two type apart."""
    files = [f for f in path.rglob("*") if f.is_file() and not _hidden(f, path)]
    other = [f.name for f in files if not f.name.lower().endswith(PARQUET_SUFFIXES)]
    if other:
        return f"the folder holds files that are not Parquet ({', '.join(sorted(other)[:3])})"
    keys: dict[str, set[str]] = {}
    for f in files:
        for part in f.relative_to(path).parts[:-1]:
            key, eq, value = part.partition("=")
            if eq:
                keys.setdefault(key, set()).add(value)
    named = sorted(k for k in keys if k in contract)
    if named:
        return f"the folder is partitioned by {named} (typed by pyarrow)"
    odd = sorted(k for k, values in keys.items()
                 if not all(_PLAIN_VALUE.fullmatch(v) for v in values))
    if odd:
        return f"partition values of {odd} that DuckDB and pyarrow type differently"
    return None


def _parquet_index_columns(path: Path) -> set[str]:
    import pyarrow.parquet as pq

    try:
        meta = pq.read_schema(path).pandas_metadata or {}
    except Exception:  # broad on purpose: pandas reports a damaged file in its own words
        raise NotInDuckDB("the file could not be read as Parquet") from None
    return {c for c in meta.get("index_columns", []) if isinstance(c, str)}


def _attach(con: Any, text: str, opts: SourceOptions) -> None:
    """The database ATTACHed read-only as ``userdb``; its table or query as the view ``raw``."""
    from mining.sql import check_query, duckdb_file, duckdb_table

    path = duckdb_file(text)
    if (opts.table is None) == (opts.query is None):
        raise ParameterError(
            f"Reading order lines from the DuckDB database {path.name} needs exactly one of "
            "table='orders' or query='SELECT ...' (engine='duckdb': "
            "mining.engines.duck.line_source(path, table='orders'); open_inputs: "
            "source_options={'table': 'orders'})."
        )
    try:
        con.execute(f"ATTACH {sql_literal(str(path))} AS userdb (READ_ONLY)")
    except Exception as exc:  # duckdb raises its own errors for a damaged or locked file
        raise MiningError(f"Cannot open {path} as a DuckDB database read-only: "
                          f"{str(exc).splitlines()[0]}") from None
    con.execute("USE userdb")
    if opts.table is not None:  # the table's full name, found as the pandas reader finds it
        con.execute(f"CREATE OR REPLACE TEMP VIEW raw AS SELECT * FROM "
                    f"{duckdb_table(con, opts.table, path)}")
    else:
        sql = check_query(opts.query, "duckdb")
        try:
            con.execute(f"CREATE OR REPLACE TEMP VIEW raw AS SELECT * FROM ({sql})")
        except Exception as exc:
            raise MiningError(f"The database query failed: {str(exc).splitlines()[0]}") \
                from None


def _csv_view(con: Any, path: Path, opts: SourceOptions) -> None:
    """A CSV file as the view ``raw`` of text columns, split as :func:`mining.io.load_transactions`
    splits it (the same delimiter, header names and quotes; UTF-8 text only)."""
    from mining.io import csv_header, csv_layout

    try:
        encoding, sep = csv_layout(path, opts, announce=False)  # pandas states a guess itself
        if encoding not in ("utf-8", "utf-8-sig"):
            raise NotInDuckDB(f"{encoding} text (DuckDB reads UTF-8 only)")
        names = csv_header(path, encoding, sep)
    except (MiningError, UnicodeError, csv.Error) as exc:
        if isinstance(exc, SchemaError):  # a repeated header name: the pandas reader's error
            raise
        raise NotInDuckDB(f"the file could not be read as UTF-8 CSV text ({exc})") from None
    if not names:
        raise NotInDuckDB("the file is empty")
    columns = "{" + ", ".join(f"{sql_literal(n)}: 'VARCHAR'" for n in names) + "}"
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW raw AS SELECT * FROM read_csv({sql_literal(str(path))}, "
        f"delim={sql_literal(sep)}, quote='\"', escape='\"', header=true, auto_detect=false, "
        f"columns={columns}, null_padding=true, strict_mode=true, encoding='utf-8', "
        "compression='auto')"
    )


def typed_columns(types: dict[str, str], text: bool
                  ) -> tuple[dict[str, str], list[tuple[str, str]], list[str]]:
    """How each contract column is typed in SQL: ``(column -> expression, checks, extra
    columns)``. A check is ``(SQL true for a line whose value pandas would read otherwise or
    report, why)``: :func:`typed_table` (or :func:`flag_columns` and :func:`failed_flags`) run them over every
    line.

    ``text=True`` (a CSV file, all text): ids, names and categories stripped as Python strips,
    empty is missing; ``timestamp`` only as ISO dates (``YYYY-MM-DD[ HH:MM[:SS[.ffffff]]]``, no
    time zone) that are real dates; ``quantity``/``unit_price`` only as decimal-point numbers.
    ``text=False`` (Parquet, a DuckDB table): the stored types, where they are those pandas
    reads the same way (text or integer ids, naive or UTC timestamps, float or integer numbers).
    Any other type is :class:`NotInDuckDB`.
    """
    exprs: dict[str, str] = {}
    checks: list[tuple[str, str]] = []
    for col in TEXT_COLUMNS:
        if col not in types:
            continue
        typ = types[col]
        if typ == "VARCHAR":
            exprs[col] = f"nullif({strip_sql(q(col))}, '')"
        elif typ in INTEGER_TYPES:
            exprs[col] = f"CAST({q(col)} AS VARCHAR)"
            # pandas reads integers with missing values as floats: exact only to 2**53
            checks.append((f"abs(CAST({q(col)} AS DOUBLE)) > 9007199254740992",
                           f"{col!r} holds integers beyond 2**53"))
        else:
            raise NotInDuckDB(f"column {col!r} is {typ}")
    typ = types["timestamp"]
    if text:
        raw = f"nullif({strip_sql(q('timestamp'))}, '')"
        ts = f"TRY_CAST({raw} AS TIMESTAMP)"
        checks.append((f"{raw} IS NOT NULL AND NOT regexp_full_match({raw}, "
                       f"{sql_literal(_ISO)})", "timestamps not written as ISO dates "
                       "(YYYY-MM-DD[ HH:MM[:SS]]) without a time zone"))
        checks.append((f"{raw} IS NOT NULL AND {ts} IS NULL",
                       "timestamps that are not real dates"))
    elif typ in _NAIVE_TIMES:
        ts = '"timestamp"'
    elif typ == "TIMESTAMP WITH TIME ZONE":
        ts = "timezone('UTC', \"timestamp\")"
    else:
        raise NotInDuckDB(f"column 'timestamp' is {typ} (read by the pandas date rules)")
    exprs["timestamp"] = (f"CASE WHEN {ts} >= TIMESTAMP '1677-09-22' AND {ts} < TIMESTAMP "
                          f"'2262-04-11' THEN CAST({ts} AS TIMESTAMP_NS) END")
    checks.append((f"{ts} < TIMESTAMP '1677-09-22' OR {ts} >= TIMESTAMP '2262-04-11'",
                   "timestamps outside the dates pandas can store"))
    for col in ("quantity", "unit_price"):
        typ = types[col]
        if text:
            raw = f"nullif({strip_sql(q(col))}, '')"
            checks.append((f"{raw} IS NOT NULL AND NOT regexp_full_match({raw}, "
                           f"{sql_literal(_NUMBER)})", f"{col!r} values that are not decimal-point "
                           "numbers"))
            exprs[col] = f"TRY_CAST({raw} AS DOUBLE)"
        elif typ in ("DOUBLE", "FLOAT", *INTEGER_TYPES):
            exprs[col] = f"CAST({q(col)} AS DOUBLE)"
        else:
            raise NotInDuckDB(f"column {col!r} is {typ}")
        checks.append((f"isinf({exprs[col]})", f"infinite values in {col!r}"))
    qty, price = exprs["quantity"], exprs["unit_price"]
    checks.append((f"NOT isinf({qty}) AND NOT isinf({price}) AND isinf({qty} * {price})",
                   "quantity x unit_price overflows"))
    extras = [c for c in types if c not in exprs]
    for col in extras:
        if any(t in types[col] for t in ("[]", "STRUCT", "MAP", "UNION")):
            raise NotInDuckDB(f"column {col!r} holds nested values ({types[col]})")
    if text:  # pandas skips the spaces after a delimiter (skipinitialspace), then a quote opens
        exprs.update({col: f"nullif(ltrim({q(col)}, ' '), '')" for col in extras})
        extras = []
        spaced = " OR ".join(f"regexp_matches({q(col)}, '^ +\"')" for col in types)
        checks.append((spaced, "a quoted field after spaces"))
    return exprs, checks, extras


def select_list(exprs: dict[str, str], extras: list[str]) -> str:
    """The SELECT list of the typed columns of :func:`typed_columns`, then the extra ones."""
    return ", ".join([f"{e} AS {q(c)}" for c, e in exprs.items()] + [q(c) for c in extras])


def flag_columns(checks: list[tuple[str, str]]) -> tuple[str, list[str]]:
    """The checks as one boolean column per check (``_check0``, ...): (SELECT list, names)."""
    names = [f"_check{i}" for i in range(len(checks))]
    return ", ".join(f"({c}) AS {n}" for (c, _), n in zip(checks, names, strict=True)), names


def failed_flags(con: Any, checks: list[tuple[str, str]], table: str) -> None:
    """:class:`NotInDuckDB` when a flag column of :func:`flag_columns` holds in ``table``."""
    _, names = flag_columns(checks)
    _raise_failed(con, checks, "SELECT " + ", ".join(f"bool_or({n})" for n in names)
                  + f" FROM {table}")


def typed_table(con: Any, exprs: dict[str, str], checks: list[tuple[str, str]],
                extras: list[str]) -> None:
    """The typed lines of ``raw`` as the view ``src`` over a temporary table, read in one scan
    with the checks (a CSV file is parsed once; the table spills beyond the memory limit)."""
    flags, names = flag_columns(checks)
    scan(con, f"CREATE OR REPLACE TEMP TABLE typed AS SELECT {select_list(exprs, extras)}, "
              f"{flags} FROM raw")
    try:
        failed_flags(con, checks, "typed")
    except NotInDuckDB:
        con.execute("DROP TABLE typed")
        raise
    con.execute(f"CREATE OR REPLACE TEMP VIEW src AS SELECT * EXCLUDE ({', '.join(names)}) "
                "FROM typed")


def scan(con: Any, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """``con.execute(sql).fetchall()``, where a DuckDB error while reading the lines (a CSV
    line with too many fields, text that is not UTF-8) is :class:`NotInDuckDB`: pandas reads
    the file and says it its way."""
    try:
        return con.execute(sql, params or {}).fetchall()
    except Exception as exc:  # broad on purpose: duckdb's CSV and conversion errors
        raise NotInDuckDB("DuckDB could not read every line (" + str(exc).splitlines()[0]
                          + ")") from None


def _raise_failed(con: Any, checks: list[tuple[str, str]], sql: str) -> None:
    if not checks:
        return
    row = scan(con, sql)[0]
    bad = [why for (_, why), hit in zip(checks, row, strict=True) if hit]
    if bad:
        raise NotInDuckDB("values the pandas rules report or read otherwise: " + "; ".join(bad))
