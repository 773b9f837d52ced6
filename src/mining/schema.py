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
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mining.errors import SchemaError

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
ID_COLUMNS: tuple[str, ...] = ("customer_id", "order_id", "product_id")
_TEXT_COLUMNS = ID_COLUMNS + OPTIONAL_COLUMNS
_NUMERIC_COLUMNS = ("quantity", "unit_price")
_MAX_ROWS_SHOWN = 5


def _rows(mask: np.ndarray | pd.Series, index: pd.Index) -> str:
    """Describe which rows a boolean mask selects: count and the first few row labels."""
    labels = list(index[np.asarray(mask, dtype=bool)])
    shown = ", ".join(str(x) for x in labels[:_MAX_ROWS_SHOWN])
    more = f" and {len(labels) - _MAX_ROWS_SHOWN} more" if len(labels) > _MAX_ROWS_SHOWN else ""
    return f"{len(labels)} row{'s' if len(labels) != 1 else ''} (rows {shown}{more})"


def _examples(values: pd.Series) -> str:
    uniq = pd.unique(values.astype(str))[:3]
    return ", ".join(repr(v) for v in uniq)


def _to_text(s: pd.Series) -> pd.Series:
    """Ids and names as strings; missing stays missing; integral floats lose their '.0'."""
    if pd.api.types.is_float_dtype(s):
        finite = s.dropna()
        if len(finite) and np.all(np.mod(finite, 1) == 0):
            s = s.astype("Int64")
    out = s.astype("string").str.strip()
    out[(out == "").fillna(False)] = pd.NA
    return out


_OFFSET = r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|UTC|[+-]\d{2}(?::?\d{2})?)$"


def _parse_dates(s: pd.Series, *, date_format: str | None, utc: bool) -> pd.Series:
    """pd.to_datetime with the inferred format first, then value by value for rows it misses."""
    with warnings.catch_warnings():  # local: "could not infer format" is handled by the retry
        warnings.simplefilter("ignore", UserWarning)
        parsed = pd.to_datetime(s, errors="coerce", utc=utc, format=date_format)
        retry = parsed.isna() & s.notna()
        if retry.any() and date_format is None:
            parsed[retry] = pd.to_datetime(s[retry], errors="coerce", utc=utc, format="mixed")
    return parsed


def _localize(naive: pd.Series, timezone: str | None) -> pd.Series:
    if timezone is None:
        return naive
    try:
        aware = naive.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="shift_forward")
    except Exception as exc:  # unknown zone name: pytz/zoneinfo raise different types
        raise SchemaError([f"unknown time zone {timezone!r} ({exc}); use a name like 'Asia/Shanghai'."]) from None
    return aware.dt.tz_convert("UTC").dt.tz_localize(None)


def _to_timestamp(
    s: pd.Series, problems: list[str], *, date_format: str | None, timezone: str | None
) -> pd.Series:
    """Parse to naive UTC datetime64[ns]; unparsable non-empty values become a listed problem.

    Values with an explicit offset (``+08:00``, ``Z``) are converted to UTC; values without one
    are taken to be in ``timezone`` (UTC when None). A column that mixes both without a
    ``timezone`` is a problem, because the naive values' zone is unknown.
    """
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        return s.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[ns]")
    if pd.api.types.is_datetime64_any_dtype(s):
        return _localize(s.astype("datetime64[ns]"), timezone)
    text = s.astype("string").str.strip()
    blank = (text.isna() | (text == "")).fillna(True).astype(bool)
    text = text.where(~blank)
    aware = text.str.contains(_OFFSET, regex=True).fillna(False).astype(bool) & ~blank
    naive = ~aware & ~blank
    if aware.any() and naive.any() and timezone is None:
        problems.append(
            f"column 'timestamp' mixes values with a time zone (e.g. {_examples(s[aware])}) and "
            f"without one ({_rows(naive, s.index)}, e.g. {_examples(s[naive])}). "
            "Pass timezone='Asia/Shanghai' (the zone of the values without one)."
        )
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    try:
        if aware.any():
            out[aware] = _parse_dates(text[aware], date_format=date_format, utc=True).dt.tz_localize(None)
        if naive.any():
            parsed = _parse_dates(text[naive], date_format=date_format, utc=False)
            if isinstance(parsed.dtype, pd.DatetimeTZDtype):  # pragma: no cover - defensive
                parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
            out[naive] = _localize(parsed, timezone)
    except (ValueError, TypeError) as exc:  # e.g. a format string that does not apply at all
        problems.append(
            f"column 'timestamp': could not be read as dates ({exc}). "
            "Pass date_format='%d-%m-%Y' (or your format) to load_transactions."
        )
        return out
    bad = out.isna() & ~blank
    if bad.any():
        problems.append(
            f"column 'timestamp': {_rows(bad, s.index)} cannot be read as a date, "
            f"e.g. {_examples(s[bad])}. Fix those values or pass date_format= to load_transactions."
        )
    return out


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
    df: pd.DataFrame, *, date_format: str | None = None, timezone: str | None = None
) -> pd.DataFrame:
    """Check a table against the transactions contract and return a typed copy.

    Parameters
    ----------
    df : DataFrame
        One row per order line with the canonical column names (map yours with
        ``io.load_transactions(..., columns={...})`` first).
    date_format : str, optional
        ``strftime`` format of ``timestamp`` when it is text (e.g. ``"%d-%m-%Y"``); by default
        pandas infers it. Time-zone aware values are converted to UTC and stored naive.
    timezone : str, optional
        Zone of timestamps written without one (e.g. ``"Asia/Shanghai"``); converted to UTC.

    Returns
    -------
    DataFrame
        The canonical columns (plus any extra columns, untouched) with ids as strings,
        ``timestamp`` as ``datetime64[ns]`` and ``quantity``/``unit_price`` as float64.
        Missing values are kept: :func:`clean_transactions` removes and counts them.

    Raises
    ------
    SchemaError
        Listing every problem at once: missing columns, unparsable dates (with row labels),
        non-numeric quantities or prices.

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
    out = df.copy()
    for col in _TEXT_COLUMNS:
        if col in out.columns:
            out[col] = _to_text(out[col])
    if "timestamp" in out.columns:
        out["timestamp"] = _to_timestamp(
            out["timestamp"], problems, date_format=date_format, timezone=timezone
        )
    for col in _NUMERIC_COLUMNS:
        if col in out.columns:
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
    date_format, timezone
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
    tx = validate_transactions(df, date_format=date_format, timezone=timezone)
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
