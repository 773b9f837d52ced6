"""One way into the data: a built-in dataset or your own source, cleaned, with the analysis date
``as_of`` resolved and the rule that chose it said in words.

Every notebook's data cell is one call:

>>> from mining.inputs import open_inputs
>>> data = open_inputs(dataset="demo", size="small", seed=0)
>>> data.as_of
Timestamp('2026-01-01 00:00:00')
>>> data.as_of_rule
"the demo dataset's own date: the end of the simulated period, just after its last order on 2025-12-31"
>>> print(data.summary())  # doctest: +ELLIPSIS
demo: 16,145 lines, 2,654 orders, 400 customers, 170 products, 2024-01-06 .. 2025-12-31; cleaning removed 466 of 16,611 lines: 48 missing_customer_id, 240 cancelled_order, ...; as_of 2026-01-01, the demo dataset's own date: ...

Rules
-----
- ``source`` (a file, database URL or DataFrame) wins over ``dataset``; it is read with
  :func:`mining.io.load_transactions` and cleaned with :func:`mining.schema.clean_transactions`.
- ``as_of`` given: parsed with :func:`mining.errors.check_date` (garbage is a ``ParameterError``;
  a time-zone-aware value is converted to UTC, as the transactions are). Not given: a built-in
  dataset's own date, or for your own source the day after the last clean purchase. Either way
  :attr:`Inputs.as_of_rule` says which, and :meth:`Inputs.summary` prints it.
- No usable line left after cleaning (e.g. a file of returns only) is an
  :class:`~mining.errors.InsufficientDataError` that says what cleaning removed, and why.
- ``fill_missing=True`` (``source`` only; the ``mining rules`` and ``mining sequences`` commands
  use it) first fills the contract columns an analysis of baskets or sequences does not need, by
  the rules of :func:`fill_missing_columns`; :attr:`Inputs.filled` and :attr:`Inputs.notes` say
  what was filled.
- ``random_state`` seeds the demo data (an int, None or a ``numpy.random.Generator``, as
  :func:`mining.datasets.load` reads it). ``seed=`` is the same parameter under the notebooks' name and
  stays accepted without a warning: every notebook's parameter cell says ``seed``.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import os
import pickle
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mining import datasets
from mining.datasets import CAPABILITY_REASONS, Dataset
from mining.engines import check_engine
from mining.engines.duck_inputs import NotInDuckDB, duckdb_counts
from mining.errors import InsufficientDataError, ParameterError, check_date
from mining.io import (
    is_sql_url,
    load_transactions,
    read_source,
    typed_transactions,
)
from mining.io import source_options as io_source_options
from mining.params import RandomState
from mining.schema import CleaningReport, clean_transactions
from mining.secrets import redact
from mining.simulate import DemoTruth

__all__ = ["CACHE_ENV", "PLACEHOLDER_DATE", "Inputs", "fill_missing_columns", "open_inputs", "summarize"]

_OWNER = "open_inputs"
#: ``**source_options`` accepted, by the function they go to.
_LOAD_OPTIONS = tuple(p for p in inspect.signature(load_transactions).parameters
                      if p not in {"source", "columns"})
_CLEAN_OPTIONS = tuple(p for p in inspect.signature(clean_transactions).parameters
                       if p not in {"df", "date_format", "timezone"})


#: The date given to every line of an undated source by ``fill_missing_columns(undated=True)``.
PLACEHOLDER_DATE = pd.Timestamp("2000-01-01")


def fill_missing_columns(raw: pd.DataFrame, *,
                         undated: bool = False) -> tuple[pd.DataFrame, list[str]]:
    """Fill the contract columns that baskets and sequences do not need, saying what was filled.

    Applied to a read but not yet validated table (columns already mapped to the contract's
    names), before :func:`mining.schema.validate_transactions`. Each rule applies only when its
    column is missing:

    - ``customer_id`` from ``order_id``: one customer per order;
    - ``order_id`` from ``customer_id`` and ``timestamp``: one order per customer and timestamp
      (``"<customer>|<timestamp>"``);
    - ``timestamp`` with :data:`PLACEHOLDER_DATE`, only when ``undated`` (for analyses that
      ignore time, such as association rules);
    - ``quantity`` 1;
    - ``unit_price`` 0. Clean such a table with ``keep_zero_price=True`` (as
      ``open_inputs(fill_missing=True)`` does), or every line is removed as ``zero_price``.

    Parameters
    ----------
    raw : DataFrame
        The table as read, with contract column names.
    undated : bool
        Also fill a missing ``timestamp`` with the placeholder date.

    Returns
    -------
    (DataFrame, list of str)
        A copy with the filled columns added (``raw`` is not changed), and one description per
        filled column, in the order above, e.g. ``"quantity (1)"``; empty when nothing was filled.

    Examples
    --------
    >>> raw = pd.DataFrame({"order_id": ["o1", "o1"], "product_id": ["milk", "bread"]})
    >>> filled, fills = fill_missing_columns(raw, undated=True)
    >>> fills
    ['customer_id (one customer per order)', 'timestamp (a placeholder date)', 'quantity (1)', 'unit_price (0)']
    >>> filled.loc[0, "customer_id"], float(filled.loc[0, "quantity"]), float(filled.loc[0, "unit_price"])
    ('o1', 1.0, 0.0)
    """
    fills: list[str] = []
    out = raw
    if "customer_id" not in out.columns and "order_id" in out.columns:
        out = out.assign(customer_id=out["order_id"])
        fills.append("customer_id (one customer per order)")
    if "order_id" not in out.columns and {"customer_id", "timestamp"} <= set(out.columns):
        out = out.assign(order_id=out["customer_id"].astype(str) + "|"
                         + out["timestamp"].astype(str))
        fills.append("order_id (one order per customer and timestamp)")
    if undated and "timestamp" not in out.columns:
        out = out.assign(timestamp=PLACEHOLDER_DATE)
        fills.append("timestamp (a placeholder date)")
    if "quantity" not in out.columns:
        out = out.assign(quantity=1.0)
        fills.append("quantity (1)")
    if "unit_price" not in out.columns:
        out = out.assign(unit_price=0.0)
        fills.append("unit_price (0)")
    return out.copy() if out is raw else out, fills


def _day(ts: pd.Timestamp) -> str:
    """``2025-06-30``, or ``2025-06-29 16:00`` when the time of day matters."""
    return f"{ts:%Y-%m-%d}" if ts == ts.normalize() else f"{ts:%Y-%m-%d %H:%M}"


def _removed_text(cleaning: CleaningReport, *, meanings: bool = False) -> str:
    frame = cleaning.to_frame()
    frame = frame[frame["rows_removed"] > 0]
    if meanings:
        return ", ".join(f"{r.reason} ({r.rows_removed:,}: {r.meaning})"
                         for r in frame.itertuples())
    return ", ".join(f"{r.rows_removed:,} {r.reason}" for r in frame.itertuples())


def summarize(transactions: pd.DataFrame | None, cleaning: CleaningReport | None = None, *,
              name: str | None = None, as_of: pd.Timestamp | None = None,
              as_of_rule: str | None = None, dated: bool = True) -> str:
    """The one data line: lines, orders, customers, products, date range, what cleaning removed
    and the analysis date with its rule (each part only when given).

    ``summarize(tx)`` alone is the ``mining validate`` "Usable:" line.

    >>> tx = pd.DataFrame({"customer_id": ["c1", "c2"], "order_id": ["o1", "o2"],
    ...     "product_id": ["p1", "p1"], "timestamp": pd.to_datetime(["2025-01-02", "2025-03-04"])})
    >>> summarize(tx)
    '2 lines, 2 orders, 2 customers, 1 products, 2025-01-02 .. 2025-03-04'
    >>> summarize(tx.iloc[:0])
    'no lines left after cleaning'
    """
    return _summary_line(None if transactions is None else _facts_of(transactions), cleaning,
                         name=name, as_of=as_of, as_of_rule=as_of_rule, dated=dated)


def _facts_of(tx: pd.DataFrame) -> dict[str, Any]:
    """The counts of the data line: ``rows``, ``orders``, ``customers``, ``products``,
    ``first``, ``last`` (Timestamps, None without lines)."""
    return {"rows": len(tx), "orders": int(tx["order_id"].nunique()),
            "customers": int(tx["customer_id"].nunique()),
            "products": int(tx["product_id"].nunique()),
            "first": tx["timestamp"].min() if len(tx) else None,
            "last": tx["timestamp"].max() if len(tx) else None}


def _summary_line(facts: Mapping[str, Any] | None, cleaning: CleaningReport | None, *,
                  name: str | None, as_of: pd.Timestamp | None, as_of_rule: str | None,
                  dated: bool) -> str:
    """:func:`summarize` from the counts of :func:`_facts_of` (or DuckDB's, the same)."""
    if facts is None:
        body = "no order lines (a customer table)"
    elif not facts["rows"]:
        body = "no lines left after cleaning"
    else:
        first, last = facts["first"], facts["last"]
        body = (f"{facts['rows']:,} lines, {facts['orders']:,} orders, "
                f"{facts['customers']:,} customers, "
                f"{facts['products']:,} products, ")
        body += (f"{first:%Y-%m-%d} .. {last:%Y-%m-%d}" if dated
                 else f"no dates (placeholder {first:%Y-%m-%d})")
    parts = [f"{name}: {body}" if name else body]
    if cleaning is not None:
        text = f"cleaning removed {cleaning.n_removed:,} of {cleaning.rows_in:,} lines"
        if cleaning.n_removed:
            text += f": {_removed_text(cleaning)}"
        parts.append(text)
    if as_of is not None:
        parts.append(f"as_of {_day(as_of)}" + (f", {as_of_rule}" if as_of_rule else ""))
    return "; ".join(parts)


@dataclass
class Inputs:
    """The data an analysis reads, from a built-in dataset or your own source.

    Attributes
    ----------
    name : str
        The dataset's name, or your file's name (a database URL with its password hidden).
    transactions : DataFrame or None
        Clean order lines in the contract (see :mod:`mining.schema`); None for a customer table.
        Not cut at ``as_of``: each analysis reads only the lines before it.
    cleaning : CleaningReport or None
        What cleaning removed, by reason.
    as_of : Timestamp or None
        The analysis date (naive UTC); None only for a customer table without a given ``as_of``.
    as_of_rule : str
        How ``as_of`` was chosen, in words: ``"given"`` (``"given as 2025-06-30 08:00:00+08:00,
        converted to UTC"`` for a time-zone-aware date), ``"the day after the last clean purchase
        (2025-12-31)"`` (your own source), or ``"the demo dataset's own date: ..."``.
    customers : DataFrame or None
        Customer attributes (or a dataset's customer table) when the data have them.
    truth : DemoTruth or None
        What the simulator planted (demo only).
    capabilities : dict[str, bool]
        What the data support, as :data:`mining.datasets.CAPABILITY_REASONS` names them. A
        built-in dataset declares them; for your own source they are read off the clean lines
        (dates: more than one day; products: more than one product id; categories: a filled
        ``category`` column; prices: more than one unit price; no customer attributes or truth).
    source : str
        Where the data came from (passwords hidden).
    dataset : Dataset or None
        The built-in dataset behind these inputs (raw lines, products, description); None for
        your own source.
    filled : tuple of str
        The columns ``fill_missing=True`` filled, as :func:`fill_missing_columns` describes them
        (e.g. ``"quantity (1)"``); empty otherwise.
    notes : tuple of str
        Choices made while reading that the user should hear about, one sentence each (e.g.
        ``"no column quantity (1); sequences do not need it."``); empty when there were none.
    survey : DataFrame or None
        Customer survey answers in the :mod:`mining.survey` contract when the data have them
        (the demo does); None otherwise.
    engine : str
        The engine the analyses build their tables with (``open_inputs(engine=...)``), said in
        :meth:`summary` and :meth:`to_dict` when it is not ``"pandas"``.
    engine_note : str
        With ``engine="duckdb"`` and your own source: whether DuckDB counted the lines and the
        cleaning where the file lies (the lines are then read, by the pandas rules, only when
        ``transactions`` or ``cleaning`` is first used: see :attr:`loaded`), or why pandas read
        them at once.
    """

    name: str
    transactions: pd.DataFrame | None
    cleaning: CleaningReport | None
    as_of: pd.Timestamp | None
    as_of_rule: str
    customers: pd.DataFrame | None = None
    truth: DemoTruth | None = None
    capabilities: dict[str, bool] = field(default_factory=dict)
    source: str = ""
    dataset: Dataset | None = field(default=None, repr=False)
    filled: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    survey: pd.DataFrame | None = field(default=None, repr=False)
    engine: str = "pandas"
    engine_note: str = ""
    _facts: dict[str, Any] | None = field(default=None, repr=False, compare=False)
    _counts: CleaningReport | None = field(default=None, repr=False, compare=False)
    _loader: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        # engine="duckdb": the counts are DuckDB's; the lines are read and cleaned (by the
        # pandas rules, the same table) the first time `transactions` or `cleaning` is used
        if self.transactions is _LAZY:
            del self.__dict__["transactions"]
        if self.cleaning is _LAZY:
            del self.__dict__["cleaning"]

    def __getattr__(self, name: str) -> Any:
        loader = self.__dict__.get("_loader")
        if name in ("transactions", "cleaning") and loader is not None:
            tx, cleaning = loader()
            self.__dict__["transactions"], self.__dict__["cleaning"] = tx, cleaning
            return self.__dict__[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def loaded(self) -> bool:
        """False while the lines of a DuckDB-counted source are not read yet."""
        return "transactions" in self.__dict__

    def summary(self) -> str:
        """The one data line: name, lines, orders, customers, products, date range, what cleaning
        removed, and ``as_of`` with the rule that chose it (and the filled columns, if any);
        with ``engine="duckdb"`` also which engine counted the lines and builds the tables."""
        dated = bool(self.capabilities.get("timestamps", True))
        if self._facts is not None:
            line = _summary_line(self._facts, self._counts, name=self.name, as_of=self.as_of,
                                 as_of_rule=self.as_of_rule, dated=dated)
        else:
            line = summarize(self.transactions, self.cleaning, name=self.name, as_of=self.as_of,
                             as_of_rule=self.as_of_rule, dated=dated)
        line += f"; filled {', '.join(self.filled)}" if self.filled else ""
        if self.engine != "pandas":
            line += f"; engine {self.engine}" + (f" ({self.engine_note})" if self.engine_note
                                                  else "")
        return line

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON facts for run records and the report index: ``name``, ``rows``,
        ``orders``, ``customers``, ``products``, ``first``, ``last``, ``rows_in``, ``removed``
        (non-zero reasons), ``as_of``, ``as_of_rule``, ``filled`` when columns were filled,
        and ``engine`` / ``engine_note`` when the engine is not pandas."""
        out: dict[str, Any] = {"name": self.name}
        facts = self._facts
        if facts is None and self.transactions is not None:
            facts = _facts_of(self.transactions)
        if facts is None:
            out.update(rows=0, note="a customer table, no transactions")
        else:
            out.update(
                rows=facts["rows"], orders=facts["orders"], customers=facts["customers"],
                products=facts["products"],
                first=f"{facts['first']:%Y-%m-%d}" if facts["rows"] else None,
                last=f"{facts['last']:%Y-%m-%d}" if facts["rows"] else None,
            )
        cleaning = self._counts if self._facts is not None else self.cleaning
        if cleaning is not None:
            out["rows_in"] = cleaning.rows_in
            out["removed"] = {k: v for k, v in cleaning.removed.items() if v}
        out["as_of"] = None if self.as_of is None else self.as_of.isoformat()
        out["as_of_rule"] = self.as_of_rule
        if self.filled:
            out["filled"] = list(self.filled)
        if self.engine != "pandas":
            out["engine"] = self.engine
            if self.engine_note:
                out["engine_note"] = self.engine_note
        return out

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return "<pre>" + self.summary() + "</pre>"


def _given(value: object) -> bool:
    return not (value is None or (isinstance(value, str) and not value.strip()))


def _source_name(source: str | os.PathLike[str] | pd.DataFrame) -> tuple[str, str]:
    """(name, source description) with any password hidden."""
    if isinstance(source, pd.DataFrame):
        return "DataFrame", f"a DataFrame of {len(source):,} rows"
    text = redact(os.fspath(source))
    if is_sql_url(text):
        return text, text
    return Path(text).name or text, text


def _source_capabilities(tx: pd.DataFrame) -> dict[str, bool]:
    return {
        "transactions": True,
        "timestamps": bool(tx["timestamp"].dt.normalize().nunique() > 1),
        "products": bool(tx["product_id"].nunique() > 1),
        "categories": bool("category" in tx.columns and tx["category"].notna().any()),
        "prices": bool(tx["unit_price"].nunique() > 1),
        "customers": False,
        "truth": False,
        "customer_table": False,
        "survey": False,  # a transactions source has no survey (mining.survey.survey_for reads one)
    }


def _nothing_left(cleaning: CleaningReport, where: str) -> InsufficientDataError:
    if cleaning.rows_in == 0:
        return InsufficientDataError(f"no usable lines after cleaning: {where} has no lines.")
    return InsufficientDataError(
        f"no usable lines after cleaning: {cleaning.n_removed:,} of {cleaning.rows_in:,} removed "
        f"as {_removed_text(cleaning, meanings=True)}. Source: {where}. Nothing is left to "
        "analyse: check the export (e.g. a file of returns only), or see every removed line "
        "with `mining validate SOURCE`."
    )


def _split_options(options: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    unknown = sorted(set(options) - set(_LOAD_OPTIONS) - set(_CLEAN_OPTIONS))
    if unknown:
        raise ParameterError(
            f"open_inputs got unknown source option(s) {unknown}. Reading options: "
            f"{list(_LOAD_OPTIONS)}; cleaning options: {list(_CLEAN_OPTIONS)}."
        )
    load = {k: v for k, v in options.items() if k in _LOAD_OPTIONS}
    clean = {k: v for k, v in options.items() if k in _CLEAN_OPTIONS}
    return load, clean


def _resolve_as_of(as_of: object, default: pd.Timestamp | None, default_rule: str,
                   default_hint: str) -> tuple[pd.Timestamp | None, str]:
    if not _given(as_of):
        return default, default_rule
    when = check_date(as_of, "as_of", _OWNER,
                      f"Leave it empty to use {default_hint}." if default_hint else "")
    try:
        aware = pd.Timestamp(as_of).tzinfo is not None  # type: ignore[arg-type]
    except (TypeError, ValueError):  # pragma: no cover - check_date accepted it
        aware = False
    return when, (f"given as {as_of!s}, converted to UTC" if aware else "given")


def _load(has_source: bool, source: Any, dataset: str, size: str, random_state: RandomState,
          columns: Any, fill_missing: bool, undated: bool,
          source_options: Mapping[str, Any], engine: str = "pandas") -> tuple[Any, ...]:
    """Read (or generate) and clean the data, before ``as_of`` is resolved: (name, where,
    transactions, cleaning, customers, truth, capabilities, default as_of, its rule, dataset,
    filled columns, engine facts). With ``engine="duckdb"`` a Parquet or CSV file or a DuckDB
    table is counted by DuckDB
    where it lies (:func:`duckdb_counts`) and its lines are read only when used."""
    ds: Dataset | None = None
    filled: tuple[str, ...] = ()
    extra: dict[str, Any] = {"engine": engine}
    if has_source:
        name, where = _source_name(source)  # type: ignore[arg-type]
        load_opts, clean_opts = _split_options(dict(source_options))
        counted = None
        if engine == "duckdb":
            try:
                counted = duckdb_counts(source, columns, fill_missing, load_opts, clean_opts)
            except NotInDuckDB as why:
                extra["note"] = f"the lines read and cleaned by pandas: {why}"
        if counted is not None:
            facts, counts, caps = counted
            if not facts["rows"]:
                raise _nothing_left(counts, where)
            tx = cleaning = _LAZY
            extra.update(note="lines and cleaning counted by DuckDB where the file lies",
                         facts=facts, counts=counts,
                         loader=functools.partial(_read_clean, source, columns, fill_missing,
                                                  undated, dict(source_options)))
            last = facts["last"]
        else:
            tx, cleaning, filled = _read_clean(source, columns, fill_missing, undated,
                                               source_options, with_fills=True)
            if tx.empty:
                raise _nothing_left(cleaning, where)
            caps = _source_capabilities(tx)
            last = tx["timestamp"].max()
        default = last.normalize() + pd.Timedelta(days=1)
        default_rule = f"the day after the last clean purchase ({last:%Y-%m-%d})"
        customers = truth = None
    else:
        ds = datasets.load(dataset, size=size, random_state=random_state)
        name, where = ds.name, ds.source
        tx, cleaning, customers, truth = ds.transactions, ds.cleaning, ds.customers, ds.truth
        caps = dict(ds.capabilities)
        if tx is not None and tx.empty and cleaning is not None:  # pragma: no cover - built-ins have lines
            raise _nothing_left(cleaning, where)
        default = None if ds.as_of is None else pd.Timestamp(ds.as_of)
        default_rule = (f"the {ds.name} dataset's own date"
                        + (f": {ds.as_of_rule}" if ds.as_of_rule else "")
                        if default is not None else "no transactions: the data have no date")
    return (name, where, tx, cleaning, customers, truth, caps, default, default_rule, ds,
            tuple(filled), extra)


def _read_clean(source: Any, columns: Any, fill_missing: bool, undated: bool,
                source_options: Mapping[str, Any], *, with_fills: bool = False
                ) -> tuple[Any, ...]:
    """Read ``source`` and clean it with pandas: (transactions, cleaning report) and, with
    ``with_fills``, the filled columns. The loader of a DuckDB-counted source, too."""
    load_opts, clean_opts = _split_options(dict(source_options))
    opts = io_source_options(columns, **load_opts)
    raw = read_source(source, opts)  # type: ignore[arg-type]
    filled: list[str] = []
    if fill_missing:
        if "unit_price" not in raw.columns:  # filled with 0: zero prices are no error
            clean_opts["keep_zero_price"] = True
        raw, filled = fill_missing_columns(raw, undated=undated)
    tx, cleaning = clean_transactions(typed_transactions(raw, opts), **clean_opts)
    return (tx, cleaning, tuple(filled)) if with_fills else (tx, cleaning)


# -- engine="duckdb": the data line and the cleaning counts of a file, where it lies -----------

class _Lazy:
    """Transactions/cleaning not read yet (:class:`Inputs` reads them when first used); one
    object, kept through pickling (the inputs cache)."""

    def __reduce__(self) -> str:
        return "_LAZY"

    def __repr__(self) -> str:
        return "<not read yet>"


_LAZY = _Lazy()

#: Environment variable naming a folder where :func:`open_inputs` keeps what it read, so the
#: notebooks of one report run read and clean the data once (the runner sets and removes it).
CACHE_ENV = "MINING_INPUTS_CACHE"


def _cache_key(has_source: bool, source: Any, dataset: str, size: str, random_state: Any,
               columns: Any, fill_missing: bool, undated: bool,
               source_options: Mapping[str, Any], engine: str = "pandas") -> str | None:
    """A stamp of everything the read depends on; None when it cannot be cached (a DataFrame,
    fresh randomness, a Generator, or no cache folder set)."""
    if not os.environ.get(CACHE_ENV):
        return None
    if isinstance(source, pd.DataFrame) or random_state is None or \
            isinstance(random_state, np.random.Generator):
        return None
    if has_source:
        text = os.fspath(source)
        where: Any = text
        if not is_sql_url(text):
            p = Path(text).expanduser()
            try:
                st = p.stat()
            except OSError:
                return None
            where = (str(p.resolve()), st.st_size, st.st_mtime_ns)
        parts: Any = ("source", where, repr(columns), fill_missing, undated,
                      sorted((k, repr(v)) for k, v in source_options.items()))
    else:
        parts = ("dataset", dataset, size, repr(random_state))
    if engine != "pandas":
        parts = (*parts, engine)
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def _cached(key: str | None, read: Any) -> tuple[Any, ...]:
    """``read()``, kept in (and taken from) the cache folder under ``key`` (a pickle written
    atomically; the folder is the runner's own, inside the run folder, and removed by it)."""
    folder = os.environ.get(CACHE_ENV)
    if key is None or not folder:
        return read()
    path = Path(folder) / f"{key}.pickle"
    if path.is_file():
        try:
            with path.open("rb") as fh:
                return pickle.load(fh)
        except Exception:  # broad on purpose: a damaged cache is read again, never trusted
            pass
    loaded = read()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{key}.{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(loaded, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass  # a cache that cannot be written only costs time
    return loaded


def open_inputs(
    *,
    dataset: str = "demo",
    source: str | os.PathLike[str] | pd.DataFrame | None = "",
    as_of: str | pd.Timestamp | None = "",
    size: str = "default",
    random_state: RandomState = 0,
    seed: int | None = None,
    columns: Mapping[str, str] | str | os.PathLike[str] | None = None,
    requires: Sequence[str] = ("transactions",),
    fill_missing: bool = False,
    undated: bool = False,
    purpose: str | None = None,
    engine: str = "pandas",
    **source_options: Any,
) -> Inputs:
    """Open the data an analysis reads: a built-in dataset or your own source, cleaned, with
    ``as_of`` resolved.

    Parameters
    ----------
    dataset : str
        A built-in dataset (:func:`mining.datasets.names`); ignored when ``source`` is set.
    source : path, database URL or DataFrame, optional
        Your own transactions (see :func:`mining.io.load_transactions`); empty or None: use
        ``dataset``.
    as_of : str or Timestamp, optional
        The analysis date. Empty: the dataset's own date, or for a source the day after the last
        clean purchase. Parsed by :func:`mining.errors.check_date` (time zones -> UTC).
    size : {"default", "small"}
        Demo size.
    random_state : int, None or numpy.random.Generator
        Seed of the demo data (see :func:`mining.datasets.load`): the same int gives the same
        data, None fresh data, a Generator a seed drawn from it.
    seed : int, optional
        The same as ``random_state``, under the notebooks' parameter name; accepted without a
        deprecation warning. Giving both with different values is a ``ParameterError``.
    columns : dict or path, optional
        Your column names -> the contract's, or a mapping file (``source`` only).
    requires : sequence of str
        Capabilities the caller needs (names of :data:`mining.datasets.CAPABILITY_REASONS`);
        one the data lack is an ``InsufficientDataError`` with the reason. Default: order lines.
    fill_missing : bool
        ``source`` only: fill the columns baskets and sequences do not need before validating,
        as :func:`fill_missing_columns` says (zero prices are then kept when ``unit_price`` was
        filled). :attr:`Inputs.filled` lists the fills, :attr:`Inputs.notes` says them in words.
    undated : bool
        With ``fill_missing``: also fill a missing ``timestamp`` with :data:`PLACEHOLDER_DATE`
        (for analyses that ignore time).
    purpose : str, optional
        What the data are for, in the plural (``"association rules"``), for the fill note:
        ``"no column quantity (1); association rules do not need it."``
    **source_options
        ``source`` only: reading options of :func:`~mining.io.load_transactions` (``sep``,
        ``date_format``, ``timezone``, ``table``, ...) and cleaning options of
        :func:`~mining.schema.clean_transactions` (``cancelled_order_prefix``, ``not_after``, ...).
    engine : {"pandas", "duckdb", "spark"}
        The engine the analyses build their tables with (the notebooks' ``engine``
        parameter), said in :meth:`Inputs.summary`. ``"duckdb"`` with a Parquet file or
        folder, a CSV file or a DuckDB database (``table=`` / ``query=``) as the source: DuckDB
        counts the lines, orders, customers, products, dates and what cleaning removes (by
        reason) where the lines lie, by the same rules, without loading them; the lines are
        read and cleaned (by pandas: the same table) only when ``transactions`` or
        ``cleaning`` is first used. Where DuckDB cannot apply the same reading rules (an Excel
        file, a SQL database, a DataFrame, a Parquet folder partitioned by a contract column,
        column mapping, reading options other than a CSV file's ``sep``/``encoding``,
        ``fill_missing``, column types or text formats read otherwise, e.g. day-first dates,
        values the rules report as problems) the source is read and cleaned by pandas at
        once, as with ``"pandas"``, and
        the summary says why (:func:`duckdb_counts`).

    Returns
    -------
    Inputs

    Raises
    ------
    ParameterError
        A bad ``dataset``, ``size``, seed, ``as_of`` or option.
    SchemaError
        ``source`` breaks the transactions contract.
    InsufficientDataError
        No usable line after cleaning, no line before ``as_of``, or a capability in ``requires``
        the data lack.
    """
    if seed is not None:
        if isinstance(random_state, np.random.Generator) or random_state not in (0, seed):
            raise ParameterError(
                f"open_inputs got seed={seed!r} and random_state={random_state!r}; give one."
            )
        random_state = seed
    if (fill_missing or undated) and not (isinstance(source, pd.DataFrame) or _given(source)):
        raise ParameterError(
            f"open_inputs: fill_missing and undated apply to your own `source` only, not to the "
            f"built-in dataset {dataset!r}."
        )
    unknown = [r for r in requires if r not in CAPABILITY_REASONS]
    if unknown:
        raise ParameterError(
            f"The 'requires' parameter of {_OWNER} names unknown capabilities {unknown}; choose "
            f"from {sorted(CAPABILITY_REASONS)}."
        )
    has_source = isinstance(source, pd.DataFrame) or _given(source)
    if has_source and not isinstance(source, str | os.PathLike | pd.DataFrame):
        raise ParameterError(
            f"The 'source' parameter of {_OWNER} must be a file path, database URL or "
            f"DataFrame. Got {type(source).__name__} instead."
        )
    if not has_source and (source_options or columns is not None):
        given = sorted(source_options) + (["columns"] if columns is not None else [])
        raise ParameterError(
            f"open_inputs: {given} apply to your own `source` only, not to the built-in "
            f"dataset {dataset!r}."
        )
    engine = check_engine(engine, _OWNER)
    key = _cache_key(has_source, source, dataset, size, random_state, columns, fill_missing,
                     undated, source_options, engine)
    loaded = _cached(key, lambda: _load(has_source, source, dataset, size, random_state,
                                        columns, fill_missing, undated, source_options, engine))
    (name, where, tx, cleaning, customers, truth, caps, default, default_rule, ds,
     filled, extra) = loaded
    hint = f"{default_rule}, {_day(default)}" if default is not None else ""
    when, rule = _resolve_as_of(as_of, default, default_rule, hint)
    missing = [CAPABILITY_REASONS[r] for r in requires if not caps.get(r, False)]
    if missing:
        raise InsufficientDataError(
            f"{name} cannot serve this analysis: " + "; ".join(missing) + "."
        )
    facts = extra.get("facts")
    if facts is None and tx is not None and when is not None and _given(as_of):
        facts = _facts_of(tx)
    if facts is not None and when is not None and _given(as_of) and facts["rows"] and \
            not facts["first"] < when:
        raise InsufficientDataError(
            f"no purchases before as_of {_day(when)}: the data of {name} start on "
            f"{facts['first']:%Y-%m-%d}. Choose a later as_of, or leave it empty to use "
            f"{hint}."
        )
    notes = ()
    if filled:
        need = f"{purpose} do not need it" if purpose else "the analysis does not need it"
        notes = (f"no column {', '.join(filled)}; {need}.",)
    return Inputs(name=name, transactions=tx, cleaning=cleaning, as_of=when, as_of_rule=rule,
                  customers=customers, truth=truth, capabilities=caps, source=where, dataset=ds,
                  filled=tuple(filled), notes=notes, survey=getattr(ds, "survey", None),
                  engine=engine, engine_note=extra.get("note", ""), _facts=extra.get("facts"),
                  _counts=extra.get("counts"), _loader=extra.get("loader"))
