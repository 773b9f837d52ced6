"""DuckDB, the embedded analytical database, for the steps that build tables from order lines.

``engine="duckdb"`` runs those steps in DuckDB (a pip wheel, no server): the order lines are
scanned where they lie (a pandas DataFrame without a copy; a Parquet file or folder, a CSV file
or a DuckDB database table read out of core, see :mod:`mining.engines.duck_sources`) with
bounded memory, spilling to a temporary folder beyond :func:`configure`'s ``memory_limit``. The
steps: the customer table (:mod:`mining.features._duckdb`), the baskets
(:mod:`mining.basket._duckdb`), the customer sequences (:mod:`mining.sequence._duckdb`) and the
data line and cleaning counts of a file source (``mining.inputs.open_inputs(engine=
"duckdb")``, :mod:`mining.engines.duck_inputs`). The mining kernels (pyfim, numba) and the
models stay as they are: they get the DuckDB-built table in the compact form they work on.

A source that needs reading options (a database's table, a CSV file's delimiter) is given as
:func:`line_source`::

    customer_table(line_source("shop.duckdb", table="orders"), as_of=..., engine="duckdb")

>>> settings()["threads"] >= 1
True
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from mining.engines.duck_sources import (
    LineSource,
    NotInDuckDB,
    is_path_source,
    line_source,
    register_raw,
    typed_columns,
    typed_table,
)
from mining.errors import DataWarning, ParameterError, SchemaError
from mining.schema import REQUIRED_COLUMNS

__all__ = ["column_types", "columns_of", "configure", "connect", "duckdb_available", "is_path_source",
           "line_source",
           "relation_of", "settings"]

_SETTINGS: dict[str, Any] = {"memory_limit": "4GB", "threads": os.cpu_count() or 1,
                             "temp_directory": None}


def duckdb_available() -> bool:
    """True when the ``duckdb`` package can be imported."""
    import importlib.util

    return importlib.util.find_spec("duckdb") is not None


def configure(*, memory_limit: str | None = None, threads: int | None = None,
              temp_directory: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Set the DuckDB limits every later ``engine="duckdb"`` call uses; returns them.

    Parameters
    ----------
    memory_limit : str, optional
        Most memory DuckDB may hold, e.g. ``"8GB"`` (default ``"4GB"``); beyond it, operators
        spill to ``temp_directory``.
    threads : int, optional
        Worker threads (default: the number of cores).
    temp_directory : path, optional
        Where spilled data go (default: DuckDB's own, ``.tmp`` beside the database or in the
        working folder).
    """
    if memory_limit is not None:
        if not isinstance(memory_limit, str) or not memory_limit.strip()[:1].isdigit():
            raise ParameterError(f"configure: memory_limit must be a size such as '8GB'. "
                                 f"Got {memory_limit!r} instead.")
        _SETTINGS["memory_limit"] = memory_limit
    if threads is not None:
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise ParameterError(f"configure: threads must be a whole number >= 1. "
                                 f"Got {threads!r} instead.")
        _SETTINGS["threads"] = threads
    if temp_directory is not None:
        _SETTINGS["temp_directory"] = str(temp_directory)
    return settings()


def settings() -> dict[str, Any]:
    """The current DuckDB limits (``memory_limit``, ``threads``, ``temp_directory``)."""
    return dict(_SETTINGS)


@contextlib.contextmanager
def connect() -> Iterator[Any]:
    """A fresh in-memory DuckDB connection with the configured limits, closed afterwards."""
    try:
        import duckdb
    except ImportError:  # pragma: no cover - duckdb is a dependency
        raise ParameterError("engine='duckdb' needs the duckdb package: pip install duckdb") \
            from None
    # every query that needs an order says ORDER BY: without insertion order DuckDB streams
    # and spills more freely
    config = {"memory_limit": _SETTINGS["memory_limit"], "threads": int(_SETTINGS["threads"]),
              "preserve_insertion_order": False}
    if _SETTINGS["temp_directory"]:
        config["temp_directory"] = _SETTINGS["temp_directory"]
    con = duckdb.connect(":memory:", config=config)
    try:
        yield con
    finally:
        con.close()


def relation_of(con: Any, source: Any, owner: str, *, needed: tuple[str, ...]) -> str:
    """Register ``source`` in ``con`` as the view ``src`` and return its name, after checking
    the ``needed`` columns are there.

    ``source``: a pandas DataFrame (scanned without a copy); the path of a Parquet file or
    folder, or of a DuckDB database as a :func:`line_source` naming its table (as they lie,
    contract-typed); or the path of a CSV file (or a :func:`line_source` with its ``sep``),
    typed by the rules of :func:`mining.io.load_transactions` where DuckDB applies them to
    every value (:mod:`mining.engines.duck_sources`), parsed once into a temporary DuckDB
    table (held within ``memory_limit``, spilled to ``temp_directory`` beyond it). A CSV file they do not fit is read by
    :func:`~mining.io.load_transactions` (in memory, with a ``DataWarning`` saying why), so a
    bad value is the same ``SchemaError`` naming its column and rows.
    """
    if isinstance(source, pd.DataFrame):
        _register_frame(con, source)
    elif is_path_source(source):
        try:
            kind, types, _ = register_raw(con, source, owner)
            if kind != "csv":
                con.execute("CREATE OR REPLACE TEMP VIEW src AS SELECT * FROM raw")
            else:
                if any(c not in types for c in REQUIRED_COLUMNS):
                    raise NotInDuckDB("contract columns are missing")
                typed_table(con, *typed_columns(types, text=True))
        except NotInDuckDB as why:
            _register_frame(con, _read_with_pandas(source, why, owner))
    else:
        raise ParameterError(f"{owner} with engine='duckdb' expects a pandas DataFrame or the "
                             f"path of a Parquet, CSV or DuckDB file. Got "
                             f"{type(source).__name__} instead.")
    cols = columns_of(con)
    missing = [c for c in needed if c not in cols]
    if missing:
        raise SchemaError([f"column {c!r} is missing (needed by {owner})" for c in missing])
    return "src"


def _register_frame(con: Any, frame: pd.DataFrame) -> None:
    con.register("src_df", frame)
    con.execute("CREATE OR REPLACE TEMP VIEW src AS SELECT * FROM src_df")


def _read_with_pandas(source: Any, why: Exception, owner: str) -> pd.DataFrame:
    """A CSV file DuckDB cannot type by the same rules, read by pandas (which reports bad
    values with their column and rows), with a ``DataWarning`` saying why."""
    import dataclasses
    import warnings

    from mining.io import load_transactions

    path, opts = (source.path, source.options) if isinstance(source, LineSource) else (
        os.fspath(source), None)
    warnings.warn(f"{owner} (engine='duckdb'): {Path(path).name} is read into memory by "
                  f"pandas, not by DuckDB where it lies: {why}. Write it as Parquet (or fix "
                  "those values) for the out-of-core path.", DataWarning, stacklevel=4)
    return load_transactions(path, **(dataclasses.asdict(opts) if opts else {}))


def columns_of(con: Any, view: str = "src") -> list[str]:
    """The column names of ``view`` (default: the registered source)."""
    return [r[0] for r in con.execute(f"DESCRIBE {view}").fetchall()]


def column_types(con: Any, view: str = "src") -> dict[str, str]:
    """Column name -> DuckDB type name (``VARCHAR``, ``TIMESTAMP``, ...) of ``view``."""
    return {r[0]: r[1] for r in con.execute(f"DESCRIBE {view}").fetchall()}
