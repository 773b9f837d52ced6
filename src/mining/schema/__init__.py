"""The transactions contract: validate a table against it and clean what can be cleaned.

One row per order line:

============  ==========================  ==================================================
column        dtype                       meaning
============  ==========================  ==================================================
customer_id   string                      who bought
order_id      string                      one basket / invoice / visit
timestamp     datetime64[ns], naive UTC   when the order was placed
product_id    string                      what was bought (SKU)
product_name  string, optional            readable name shown in rules and plots
category      string, optional            product group
quantity      float > 0                   units (returns are removed by cleaning)
unit_price    float >= 0                  price per unit; ``amount = quantity * unit_price``
============  ==========================  ==================================================

``validate_transactions`` coerces a table to these dtypes or raises one ``SchemaError`` listing
every problem. ``clean_transactions`` then removes rows that cannot be analysed (returns,
cancellations, missing ids, duplicates, bad prices) and counts each removal in a
``CleaningReport``; nothing is dropped without being counted.

How columns are read (one rule for every value of a column; what does not fit is a listed problem
with row labels, never re-guessed value by value):

- ``timestamp`` as text is read with ONE format: ``date_format=`` when given (it wins); otherwise
  the layout most values use: year first (ISO 8601 ``2024-01-05``, with or without a time, ``T``
  or space, fractions and an offset; ``/`` and ``.`` separators too), or day and month before the
  year (``01/02/2024``, ``1.2.24 8:26 PM``), whose order is ``dayfirst=`` when given, else read
  from the values: a first field above 12 means day first, a second field above 12 month first,
  both in one column is a problem. When every value fits both orders, day first (the
  international convention) is used and a ``DataWarning`` says how to choose (``dayfirst=False``,
  ``date_format=``, CLI ``--monthfirst`` / ``--date-format``). Any other text (``7 Jan 2024``)
  gets one format guessed by pandas and applied to all values. Two-digit years follow ``%y``
  (00-68 are 20xx). Times of day without a date and dates outside 1677-09-22..2262-04-10 are
  problems; numbers are not read as dates.
- Values with an offset (``+08:00``, ``Z``) are converted to UTC; values without one are local
  times in ``timezone=`` (UTC when None). A local time repeated when clocks go back is read as its
  first occurrence (daylight-saving time); one skipped when clocks go forward is moved to the
  first valid time (02:30 -> 03:00). Both are counted in a ``DataWarning``.
- Ids and names are text: strings stripped (empty is missing), integers in full, bytes decoded
  as UTF-8 (undecodable bytes are a problem), whole floats written as integers; for ids a float
  with a fraction, or one above what its type holds exactly (2**53 for float64), is a problem
  because its digits may be lost. Mixed columns (``1`` and ``"1"``) follow the same rules, so
  both are the id ``"1"``. Lists, dicts and arrays in any contract column are a problem.
"""


from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mining.errors import SchemaError, check_param
from mining.schema._messages import _examples, _rows
from mining.schema._text import ID_COLUMNS, _container_problem, _containers, _to_text
from mining.schema._time import DAYFIRST_DEFAULT as DAYFIRST_DEFAULT
from mining.schema._time import _to_timestamp

__all__ = [
    "ID_COLUMNS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "CleaningReport",
    "clean_transactions",
    "validate_transactions",
]

REQUIRED_COLUMNS: tuple[str, ...] = (
    "customer_id",
    "order_id",
    "timestamp",
    "product_id",
    "quantity",
    "unit_price",
)
OPTIONAL_COLUMNS: tuple[str, ...] = ("product_name", "category")
_TEXT_COLUMNS = ID_COLUMNS + OPTIONAL_COLUMNS
_NUMERIC_COLUMNS = ("quantity", "unit_price")


def _to_number(s: pd.Series, name: str, problems: list[str]) -> pd.Series:
    if pd.api.types.is_bool_dtype(s):
        problems.append(f"column {name!r} holds true/false values; it must hold numbers.")
        return pd.Series(np.nan, index=s.index)
    if pd.api.types.is_numeric_dtype(s):
        return s.astype("float64")
    text = s.astype("string").str.strip()
    blank = text.isna() | (text == "")
    num = pd.to_numeric(text.where(~blank), errors="coerce")
    bad = num.isna() & ~blank
    if bad.any():
        problems.append(
            f"column {name!r}: {_rows(bad, s.index)} are not numbers, e.g. {_examples(s[bad])}. "
            "If your file uses decimal commas, pass decimal=',' to load_transactions."
        )
    return num.astype("float64")


def validate_transactions(
    df: pd.DataFrame,
    *,
    date_format: str | None = None,
    timezone: str | None = None,
    dayfirst: bool | None = None,
) -> pd.DataFrame:
    """Check a table against the transactions contract and return a typed copy.

    Parameters
    ----------
    df : DataFrame
        One row per order line with the canonical column names (map yours with
        ``io.load_transactions(..., columns={...})`` first).
    date_format : str, optional
        ``strftime`` format of ``timestamp`` when it is text (e.g. ``"%d-%m-%Y"``), used for every
        value; it wins over ``dayfirst``. By default one format is inferred from the whole column
        (see the module docstring). Time-zone aware values are converted to UTC and stored naive.
    timezone : str, optional
        Zone of timestamps written without one (e.g. ``"Asia/Shanghai"``); converted to UTC.
        Times repeated by a daylight-saving change are read as the first (daylight) occurrence,
        times skipped by one are moved forward to the first valid time; a ``DataWarning`` counts
        both.
    dayfirst : bool, optional
        Order of day/month/year text dates such as ``"01/02/2024"``: True reads day first,
        False month first. None (default) decides from the values (a first field above 12 means
        day first, a second field above 12 month first) and, when every value fits both, reads
        day first with a ``DataWarning``.

    Returns
    -------
    DataFrame
        The canonical columns (plus any extra columns, untouched) with ids as strings,
        ``timestamp`` as ``datetime64[ns]`` and ``quantity``/``unit_price`` as float64.
        Missing values are kept: :func:`clean_transactions` removes and counts them.

    Raises
    ------
    SchemaError
        Listing every problem at once: missing columns, unparsable or out-of-range dates, times
        without a date, dates in two day/month orders (with row labels), lists in a column, ids
        that are not whole numbers or too large for their float column, non-numeric quantities
        or prices.

    Warns
    -----
    DataWarning
        When a stated default was used: ambiguous day/month order, or local times at a
        daylight-saving change.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1], "order_id": ["A"], "timestamp": ["2024-01-05"],
    ...                    "product_id": ["P1"], "quantity": [2], "unit_price": [3.5]})
    >>> validate_transactions(tx).dtypes["timestamp"]
    dtype('<M8[ns]')
    """
    if not isinstance(df, pd.DataFrame):
        raise SchemaError([f"expected a pandas DataFrame, got {type(df).__name__}."])
    problems: list[str] = []
    dup_cols = df.columns[df.columns.duplicated()].unique().tolist()
    if dup_cols:
        raise SchemaError([f"column names appear twice: {dup_cols}. Rename or drop the copies."])
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        have = ", ".join(map(str, df.columns[:12])) or "no columns at all"
        problems.append(
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))} "
            f"(the table has: {have}). Rename them, or pass columns={{'your_name': "
            f"'{missing[0]}'}} to load_transactions."
        )
    check_param(dayfirst is None or isinstance(dayfirst, bool | np.bool_), "dayfirst",
                "validate_transactions", "True, False or None", dayfirst)
    out = df.copy()
    nested: set[str] = set()
    for col in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
        if col in out.columns:
            mask = _containers(out[col])
            if mask.any():
                problems.append(_container_problem(out[col], col, mask))
                nested.add(col)
    for col in _TEXT_COLUMNS:
        if col in out.columns and col not in nested:
            out[col] = _to_text(out[col], col, problems)
    if "timestamp" in out.columns and "timestamp" not in nested:
        out["timestamp"] = _to_timestamp(
            out["timestamp"], problems, date_format=date_format, timezone=timezone,
            dayfirst=None if dayfirst is None else bool(dayfirst),
        )
    for col in _NUMERIC_COLUMNS:
        if col in out.columns and col not in nested:
            out[col] = _to_number(out[col], col, problems)
            inf = np.isinf(out[col].to_numpy(dtype="float64", na_value=np.nan))
            if inf.any():
                problems.append(f"column {col!r}: {_rows(inf, out.index)} are infinite.")
    if "quantity" in out.columns and "unit_price" in out.columns and not problems:
        with np.errstate(over="ignore", invalid="ignore"):
            amount = out["quantity"].to_numpy() * out["unit_price"].to_numpy()
        over = np.isinf(amount)
        if over.any():
            problems.append(
                f"quantity x unit_price overflows for {_rows(over, out.index)}: "
                "check those values (a unit or decimal-mark mix-up?)."
            )
    if problems:
        raise SchemaError(problems)
    return out


_REASONS: dict[str, str] = {
    "missing_customer_id": "no customer_id: the line cannot be tied to a customer",
    "missing_order_id": "no order_id: the line cannot be put in a basket",
    "missing_product_id": "no product_id: nothing to analyse",
    "missing_timestamp": "no timestamp: the line cannot be placed in time",
    "missing_quantity_or_price": "quantity or unit_price is empty",
    "cancelled_order": "the order was cancelled (status column or cancelled-order id prefix)",
    "return_negative_quantity": "negative quantity: a return or correction, not a purchase",
    "zero_quantity": "quantity is 0: nothing was bought",
    "negative_price": "unit_price below 0: a refund or data-entry error",
    "zero_price": "unit_price is 0: free items and samples would distort monetary value",
    "future_timestamp": "timestamp after the not_after date given to cleaning (clock or export error)",
    "duplicate_line": "exact copy of an earlier line (same values in every column)",
}


@dataclass
class CleaningReport:
    """What :func:`clean_transactions` removed, by reason.

    Attributes
    ----------
    rows_in, rows_out : int
        Lines before and after cleaning.
    removed : dict[str, int]
        Lines removed per reason, in the order the rules are applied; every reason is listed,
        zeros included, so a reader sees what was checked. A line is counted under the first
        reason that applies.
    removed_rows : DataFrame
        The removed lines themselves, with a ``reason`` column, so nothing is lost.
    """

    rows_in: int
    rows_out: int
    removed: dict[str, int]
    removed_rows: pd.DataFrame = field(repr=False)

    @property
    def n_removed(self) -> int:
        """Total lines removed."""
        return self.rows_in - self.rows_out

    def to_frame(self) -> pd.DataFrame:
        """One row per reason: ``reason``, ``rows_removed``, ``share`` (of rows_in), ``meaning``."""
        frame = pd.DataFrame(
            {
                "reason": list(self.removed),
                "rows_removed": list(self.removed.values()),
                "meaning": [_REASONS[r] for r in self.removed],
            }
        )
        frame.insert(2, "share", frame["rows_removed"] / max(self.rows_in, 1))
        return frame

    def __str__(self) -> str:
        lines = [f"Cleaning: {self.rows_in:,} lines in, {self.rows_out:,} kept, {self.n_removed:,} removed"]
        for reason, n in self.removed.items():
            if n:
                lines.append(f"  {n:>8,}  {reason}: {_REASONS[reason]}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        caption = f"{self.rows_in:,} lines in, {self.rows_out:,} kept, {self.n_removed:,} removed"
        return f"<p><b>Cleaning</b>: {caption}</p>" + self.to_frame().to_html(index=False)

    def to_dict(self) -> dict[str, object]:
        """Plain-JSON summary (for run records)."""
        return {"rows_in": self.rows_in, "rows_out": self.rows_out, "removed": dict(self.removed)}


def clean_transactions(
    df: pd.DataFrame,
    *,
    cancelled_order_prefix: str | None = None,
    status_column: str | None = "status",
    cancelled_statuses: tuple[str, ...] = ("cancelled", "canceled", "returned", "refunded"),
    keep_zero_price: bool = False,
    not_after: str | pd.Timestamp | None = None,
    date_format: str | None = None,
    timezone: str | None = None,
    dayfirst: bool | None = None,
) -> tuple[pd.DataFrame, CleaningReport]:
    """Remove lines that cannot be analysed and count each removal.

    Rules, applied in this order (a line is counted under the first that applies):
    missing customer/order/product id, missing timestamp, missing quantity or price, cancelled
    order (``status_column`` value in ``cancelled_statuses``, or ``order_id`` starting with
    ``cancelled_order_prefix`` as in the UCI Online Retail "C" invoices; the whole order is
    removed), negative quantity (returns), zero quantity, negative price, zero price (unless
    ``keep_zero_price``), timestamp after ``not_after`` (when given), exact duplicate lines (the
    first copy is kept).

    Parameters
    ----------
    df : DataFrame
        Transactions; validated first with :func:`validate_transactions`.
    cancelled_order_prefix : str, optional
        Order ids starting with this text are cancellations (``"C"`` for UCI Online Retail).
    status_column : str, optional
        Name of an order-status column, if the export has one.
    cancelled_statuses : tuple of str
        Values of ``status_column`` (case-insensitive) that mark a cancelled line.
    keep_zero_price : bool
        Keep lines priced 0 (free samples) instead of removing them.
    not_after : str or Timestamp, optional
        Lines stamped later than this (e.g. the export date) are removed as ``future_timestamp``.
    date_format, timezone, dayfirst
        Passed to :func:`validate_transactions`.

    Returns
    -------
    (DataFrame, CleaningReport)
        Clean transactions sorted by ``timestamp``, ``order_id`` (stable), index reset, and the
        report of what was removed.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["c1", "c1", None], "order_id": ["o1", "o1", "o2"],
    ...     "timestamp": ["2024-01-05"] * 3, "product_id": ["p1", "p1", "p2"],
    ...     "quantity": [1, 1, 1], "unit_price": [2.0, 2.0, 3.0]})
    >>> clean, report = clean_transactions(tx)
    >>> len(clean), report.removed["duplicate_line"], report.removed["missing_customer_id"]
    (1, 1, 1)
    """
    tx = validate_transactions(df, date_format=date_format, timezone=timezone, dayfirst=dayfirst)
    rows_in = len(tx)
    reason = pd.Series(pd.NA, index=tx.index, dtype="string")

    def flag(name: str, mask: pd.Series) -> None:
        hit = mask.fillna(False).astype(bool) & reason.isna()
        reason[hit] = name

    flag("missing_customer_id", tx["customer_id"].isna())
    flag("missing_order_id", tx["order_id"].isna())
    flag("missing_product_id", tx["product_id"].isna())
    flag("missing_timestamp", tx["timestamp"].isna())
    flag("missing_quantity_or_price", tx["quantity"].isna() | tx["unit_price"].isna())
    cancelled = pd.Series(False, index=tx.index)
    if status_column and status_column in tx.columns:
        status = tx[status_column].astype("string").str.strip().str.lower()
        cancelled |= status.isin([s.lower() for s in cancelled_statuses]).fillna(False)
    if cancelled_order_prefix:
        cancelled |= tx["order_id"].str.startswith(cancelled_order_prefix).fillna(False)
    flag("cancelled_order", cancelled)
    flag("return_negative_quantity", tx["quantity"] < 0)
    flag("zero_quantity", tx["quantity"] == 0)
    flag("negative_price", tx["unit_price"] < 0)
    flag("zero_price", (tx["unit_price"] == 0) & (not keep_zero_price))
    if not_after is not None:
        flag("future_timestamp", tx["timestamp"] > pd.Timestamp(not_after))
    # duplicates among the lines that survived the rules above
    alive = reason.isna()
    dup = pd.Series(False, index=tx.index)
    dup[alive] = tx.loc[alive].duplicated(keep="first")
    flag("duplicate_line", dup)

    removed = {name: int((reason == name).sum()) for name in _REASONS}
    removed_rows = tx.loc[reason.notna()].assign(reason=reason[reason.notna()])
    clean = (
        tx.loc[reason.isna()]
        .sort_values(["timestamp", "order_id"], kind="stable")
        .reset_index(drop=True)
    )
    report = CleaningReport(
        rows_in=rows_in, rows_out=len(clean), removed=removed, removed_rows=removed_rows
    )
    return clean, report
