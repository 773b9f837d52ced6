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

import os
import sys
import warnings
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pandas as pd
from pandas.tseries.api import guess_datetime_format

from mining.errors import DataWarning, SchemaError, check_param

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
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _rows(mask: np.ndarray | pd.Series, index: pd.Index) -> str:
    """Describe which rows a boolean mask selects: count and the first few row labels."""
    labels = list(index[np.asarray(mask, dtype=bool)])
    shown = ", ".join(str(x) for x in labels[:_MAX_ROWS_SHOWN])
    more = f" and {len(labels) - _MAX_ROWS_SHOWN} more" if len(labels) > _MAX_ROWS_SHOWN else ""
    return f"{len(labels)} row{'s' if len(labels) != 1 else ''} (rows {shown}{more})"


def _warn(message: str) -> None:
    """A ``DataWarning`` attributed to the first caller outside the mining package."""
    level, frame = 2, sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, DataWarning, stacklevel=level)


def _examples(values: pd.Series) -> str:
    try:
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            values = values.dt.tz_convert("UTC").dt.tz_localize(None)
        if values.dtype.kind == "M":  # numpy strings: Timestamp.__str__ fails outside year 1..9999
            uniq = [str(v).replace("T", " ") for v in
                    pd.unique(np.datetime_as_string(values.to_numpy(), unit="s"))[:3]]
        else:
            uniq = pd.unique(values.astype(str))[:3]
    except (TypeError, ValueError):  # pragma: no cover - exotic objects
        uniq = [str(v) for v in values.iloc[:3]]
    return ", ".join(_short(v) for v in uniq)


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- containers (lists, dicts, arrays) ------------------------------------------------------------

_CONTAINERS = (list, tuple, dict, set, frozenset, np.ndarray)


def _containers(s: pd.Series) -> np.ndarray:
    """Rows whose value is a list, dict, array or other container (never a valid single value)."""
    pa_type = getattr(s.dtype, "pyarrow_dtype", None)
    if pa_type is not None:
        import pyarrow as pa

        if pa.types.is_nested(pa_type):
            return s.notna().to_numpy(dtype=bool)
        return np.zeros(len(s), dtype=bool)
    if s.dtype != object or pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):
        return np.zeros(len(s), dtype=bool)
    return np.fromiter((isinstance(v, _CONTAINERS) for v in s), dtype=bool, count=len(s))


def _container_problem(s: pd.Series, name: str, mask: np.ndarray) -> str:
    kinds = sorted({type(v).__name__ for v in s[mask]}) or ["list"]
    return (
        f"column {name!r} holds {'/'.join(kinds)} values instead of single values in "
        f"{_rows(mask, s.index)}, e.g. {_short(s[mask].iloc[0])}. Each row is one order line with "
        f"one value per column: explode the lists into one row per value first "
        f"(df.explode({name!r})), or map a different column to {name!r}."
    )


# -- ids and names ---------------------------------------------------------------------------------


def _exact_limit(value_or_dtype: object) -> int:
    """Largest integer a float type holds exactly: 2**53 for float64, 2**24 for float32."""
    return 2 ** (np.finfo(value_or_dtype).nmant + 1)


def _to_text(s: pd.Series, name: str, problems: list[str]) -> pd.Series:
    """Ids and names as strings, by one rule for every value of the column.

    Strings are stripped (empty means missing); integers are written in full; bytes are decoded as
    UTF-8; floats must be whole numbers no larger than the float type holds exactly (2**53 for
    float64) and are written as integers, so ``12346.0`` becomes ``"12346"``. For the id columns a
    float with a fractional part, an infinity or one beyond that limit is a problem (its digits
    may already be lost); for names and categories it is written as Python writes it. A column
    mixing ints, floats, bytes and strings is read value by value with these same rules, so
    ``1`` and ``"1"`` are the same id.
    """
    strict = name in ID_COLUMNS
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    if pd.api.types.is_float_dtype(s):
        values = s.to_numpy(dtype="float64", na_value=np.nan)
        limit = _exact_limit(getattr(s.dtype, "numpy_dtype", s.dtype))
        present = ~np.isnan(values)
        with np.errstate(invalid="ignore"):
            whole = present & np.isfinite(values) & (np.mod(values, 1) == 0)
            exact = whole & (np.abs(values) <= limit)
        if strict:
            _float_id_problems(s, name, present & ~whole, whole & ~exact, limit, problems)
            if (present & ~exact).any():
                return pd.Series(pd.NA, index=s.index, dtype="string")
        if not (present & ~exact).any():
            return pd.Series(values, index=s.index).astype("Int64").astype("string")
        s = s.astype(object)  # a name or category: written value by value below
    elif s.dtype != object:
        return _strip(s.astype("string"))
    elif pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):
        return _strip(s.astype("string"))
    texts: list[object] = []
    fraction: list[bool] = []
    too_large: list[bool] = []
    not_utf8: list[bool] = []
    for v in s:
        text, frac, large, undecodable = _value_text(v, strict)
        texts.append(text)
        fraction.append(frac)
        too_large.append(large)
        not_utf8.append(undecodable)
    bad_utf8 = np.array(not_utf8, dtype=bool)
    if bad_utf8.any():
        problems.append(
            f"column {name!r} holds bytes that are not valid UTF-8 text in "
            f"{_rows(bad_utf8, s.index)}, e.g. {_short(s[bad_utf8].iloc[0])}. Bytes are decoded "
            f"as UTF-8; decode the column yourself first (e.g. df[{name!r}].str.decode('latin-1'))."
        )
    if strict:
        _float_id_problems(s, name, np.array(fraction, dtype=bool), np.array(too_large, dtype=bool),
                           _exact_limit(np.float64), problems)
    return _strip(pd.Series(texts, index=s.index, dtype="string"))


def _value_text(v: object, strict: bool) -> tuple[object, bool, bool, bool]:
    """(text or NA, has a fraction, too large to be exact, undecodable bytes) of one id value."""
    if isinstance(v, str):
        return v, False, False, False
    if isinstance(v, bytes | bytearray | memoryview):
        try:
            return bytes(v).decode("utf-8"), False, False, False
        except UnicodeDecodeError:
            return pd.NA, False, False, True
    if isinstance(v, bool | np.bool_):
        return str(bool(v)), False, False, False
    if isinstance(v, int | np.integer):
        return str(int(v)), False, False, False
    if v is None or v is pd.NA or v is pd.NaT:
        return pd.NA, False, False, False
    if isinstance(v, float | np.floating):
        if np.isnan(v):
            return pd.NA, False, False, False
        if not np.isfinite(v) or v % 1 != 0:
            return (pd.NA if strict else repr(float(v))), True, False, False
        if abs(v) > _exact_limit(type(v)):
            return (pd.NA if strict else repr(float(v))), False, True, False
        return str(int(v)), False, False, False
    if isinstance(v, Decimal):
        if v.is_nan():
            return pd.NA, False, False, False
        if not v.is_finite() or v % 1 != 0:
            return (pd.NA if strict else str(v)), True, False, False
        return str(int(v)), False, False, False
    return str(v), False, False, False


def _float_id_problems(s: pd.Series, name: str, fraction: np.ndarray, too_large: np.ndarray,
                       limit: int, problems: list[str]) -> None:
    if fraction.any():
        problems.append(
            f"column {name!r}: {_rows(fraction, s.index)} hold numbers that are not whole, e.g. "
            f"{_examples(s[fraction])}, which cannot be ids. Fix those values, or store the column "
            "as text in the source if those are the real ids."
        )
    if too_large.any():
        problems.append(
            f"column {name!r}: {_rows(too_large, s.index)} hold ids stored as floating-point "
            f"numbers above {limit:,} (2**{limit.bit_length() - 1}), e.g. {_examples(s[too_large])}; "
            "a float cannot hold an id that large exactly, so digits may already be lost. Store "
            "the column as text (or as an integer column) in the source and load it again."
        )


def _strip(out: pd.Series) -> pd.Series:
    out = out.str.strip()
    out[(out == "").fillna(False)] = pd.NA
    return out


# -- timestamps ------------------------------------------------------------------------------------

#: Day/month order used when every value of a day/month/year column fits both readings.
DAYFIRST_DEFAULT = True
_OFFSET = r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|UTC|[+-]\d{2}(?::?\d{2})?)$"
_CLOCK = (
    r"(?:(?:T|\s+)(?P<H>\d{1,2}):(?P<Mi>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<F>\d{1,9}))?)?"
    r"(?:\s*(?P<P>[AaPp])\.?[Mm]\.?)?(?:\s*(?P<Z>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?))?)?"
)
_LAYOUTS = {  # RE2 syntax (pyarrow): both separators are captured and must be equal
    "ymd": rf"^(?P<Y>\d{{4}})(?P<s1>[-/.])(?P<A>\d{{1,2}})(?P<s2>[-/.])(?P<B>\d{{1,2}}){_CLOCK}$",
    "dm_y": rf"^(?P<A>\d{{1,2}})(?P<s1>[-/.])(?P<B>\d{{1,2}})(?P<s2>[-/.])(?P<Y>\d{{4}}|\d{{2}}){_CLOCK}$",
}
_TIME_ONLY = (r"^\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s*[AaPp]\.?[Mm]\.?)?"
              r"(?:\s*(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?))?$")
# one day inside pandas' datetime64[ns] range, so a time-zone shift cannot overflow
_LOW, _HIGH = pd.Timestamp("1677-09-22"), pd.Timestamp("2262-04-11")
_OVERRIDE = ("pass dayfirst=True or dayfirst=False (CLI --dayfirst / --monthfirst), or "
             "date_format='%d/%m/%Y' (CLI --date-format)")


def _in_range(parsed: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Naive datetimes of any unit as datetime64[ns]; values outside the storable range -> NaT."""
    if parsed.dtype.kind != "M":  # all-NaT object result
        parsed = parsed.astype("datetime64[us]")
    out_of_range = (parsed.notna() & ((parsed < _LOW) | (parsed >= _HIGH))).to_numpy(dtype=bool)
    return parsed.mask(out_of_range).astype("datetime64[ns]"), out_of_range


def _range_problem(original: pd.Series, mask: np.ndarray) -> str:
    return (
        f"column 'timestamp': {_rows(mask, original.index)} lie outside the dates pandas can "
        f"store ({_LOW.date()} to {(_HIGH - pd.Timedelta(days=1)).date()}), e.g. "
        f"{_examples(original[mask])}. Such dates are usually placeholders for 'unknown' or "
        "'never': blank them (cleaning then counts them as missing_timestamp) or fix them."
    )


def _check_zone(timezone: str | None) -> None:
    if timezone is None:
        return
    try:
        pd.Timestamp("2000-01-01").tz_localize(timezone)
    except Exception as exc:  # unknown zone name: pytz/zoneinfo raise different types
        raise SchemaError([f"unknown time zone {timezone!r} ({exc}); use a name like 'Asia/Shanghai'."]) from None


def _localize(naive: pd.Series, timezone: str | None) -> pd.Series:
    """Local wall-clock times in ``timezone`` -> naive UTC, with a stated rule for clock changes.

    A time that occurs twice (the hour repeated when clocks go back, e.g. 02:30 on 2024-10-27
    in Europe/Berlin) is read as its first occurrence, daylight-saving time; a time that does not
    exist (the hour skipped when clocks go forward) is moved forward to the first valid time
    (02:30 -> 03:00). Either case emits a ``DataWarning`` that counts the rows.
    """
    if timezone is None or naive.empty:
        return naive
    codes, uniques = pd.factorize(naive)  # each distinct time once; NaT gets code -1
    if len(uniques) == 0:
        return naive
    local = pd.Series(uniques)
    first = np.ones(len(local), dtype=bool)  # True = daylight-saving time = first occurrence
    repeated = local.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="shift_forward")
    skipped = local.dt.tz_localize(timezone, ambiguous=first, nonexistent="NaT")
    present = codes >= 0
    repeated_rows = repeated.isna().to_numpy()[codes] & present
    skipped_rows = skipped.isna().to_numpy()[codes] & present & ~repeated_rows
    if repeated_rows.any():
        _warn(
            f"column 'timestamp': {_rows(repeated_rows, naive.index)} fall in the hour that occurs "
            f"twice when clocks go back in {timezone}, e.g. {_examples(naive[repeated_rows])}; each "
            "is read as its first occurrence (daylight-saving time). Write such values with their "
            "UTC offset to choose the second.")
    if skipped_rows.any():
        _warn(
            f"column 'timestamp': {_rows(skipped_rows, naive.index)} fall in the hour skipped when "
            f"clocks go forward in {timezone}, e.g. {_examples(naive[skipped_rows])}; such times do "
            "not exist there and are moved forward to the first valid time (02:30 -> 03:00).")
    utc = local.dt.tz_localize(timezone, ambiguous=first, nonexistent="shift_forward")
    utc = utc.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
    values = np.where(present, utc[codes], np.datetime64("NaT", "ns"))
    return pd.Series(values, index=naive.index, dtype="datetime64[ns]")


def _extract(values: pd.Series, pattern: str) -> tuple[np.ndarray, dict[str, object]]:
    """Rows matching ``pattern`` (RE2, vectorised by pyarrow) and its named groups (pyarrow arrays)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    found = pc.extract_regex(pa.array(values.to_numpy(dtype=object), type=pa.string()), pattern)
    fields = {found.type.field(i).name: pc.struct_field(found, [i])
              for i in range(found.type.num_fields)}
    matched = found.is_valid().to_numpy(zero_copy_only=False)
    if "s1" in fields:
        same = pc.equal(fields["s1"], fields["s2"]).fill_null(False)
        matched &= same.to_numpy(zero_copy_only=False)
    return matched, fields


def _numbers(field: object, fill: int = 0) -> np.ndarray:
    """A pyarrow string array of digits as int64, ``fill`` where empty or null."""
    import pyarrow as pa
    import pyarrow.compute as pc

    empty = pc.equal(field, "").fill_null(True)
    ints = pc.cast(pc.if_else(empty, pa.scalar("0"), field), pa.int64())
    out = ints.to_numpy(zero_copy_only=False).astype("int64")
    out[empty.to_numpy(zero_copy_only=False)] = fill
    return out


def _texts(field: object) -> np.ndarray:
    return np.asarray(field.fill_null("").to_numpy(zero_copy_only=False), dtype=object)


_DAY_NS = 86_400 * 10**9


def _assemble(fields: dict[str, object], fits: np.ndarray, order: str
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Numeric date parts -> (datetime64[ns] naive or UTC, aware mask, out-of-range mask).

    ``order`` says what the two short fields are: ``"ymd"`` (year first, then month, day),
    ``"dmy"`` or ``"mdy"`` (year last). Impossible dates (31 February, hour 25) are NaT. Two-digit
    years follow strptime's ``%y``: 00-68 are 2000-2068, 69-99 are 1969-1999.
    """
    import pyarrow.compute as pc

    a, b, year = _numbers(fields["A"]), _numbers(fields["B"]), _numbers(fields["Y"])
    two_digit = (pc.utf8_length(fields["Y"]).fill_null(0).to_numpy(zero_copy_only=False) == 2)
    year = np.where(two_digit, np.where(year < 69, 2000 + year, 1900 + year), year)
    month, day = (b, a) if order == "dmy" else (a, b)
    hour, minute, second = _numbers(fields["H"]), _numbers(fields["Mi"]), _numbers(fields["S"])
    frac = _numbers(pc.utf8_rpad(fields["F"].fill_null(""), 9, "0"))
    meridiem = np.char.upper(_texts(fields["P"]).astype(str))
    valid = fits & (month >= 1) & (month <= 12) & (day >= 1) & (minute <= 59) & (second <= 59)
    has_meridiem = meridiem != ""
    valid &= np.where(has_meridiem, (hour >= 1) & (hour <= 12), hour <= 23)
    hour = np.where(has_meridiem, hour % 12 + np.where(meridiem == "P", 12, 0), hour)
    zones = _texts(fields["Z"])
    aware = fits & (zones != "")
    offset = np.zeros(len(zones), dtype="int64")  # minutes east of UTC
    for zone in set(zones[aware]):
        if zone in ("Z", "UTC", "GMT"):
            minutes = 0
        else:
            hh, mm = int(zone[1:3]), int(zone[-2:]) if len(zone) > 3 else 0
            minutes = (hh * 60 + mm) * (1 if zone[0] == "+" else -1)
            if hh > 14 or mm > 59:
                valid &= zones != zone
        offset[zones == zone] = minutes
    safe_month = np.where(valid, month, 1)
    months = ((np.where(valid, year, 1970) - 1970) * 12 + safe_month - 1).astype("datetime64[M]")
    first = months.astype("datetime64[D]").astype("int64")
    days_in_month = (months + 1).astype("datetime64[D]").astype("int64") - first
    valid &= day <= days_in_month
    days = first + np.where(valid, day, 1) - 1
    low, high = (np.datetime64(t.date(), "D").astype("int64") for t in (_LOW, _HIGH))
    in_range = (days >= low) & (days < high)
    ok = valid & in_range
    nanos = (np.where(ok, days, 0) * _DAY_NS + hour * 3_600 * 10**9 + minute * 60 * 10**9
             + second * 10**9 + frac - offset * 60 * 10**9)
    result = np.where(ok, nanos, np.iinfo("int64").min).view("datetime64[ns]")  # min is NaT
    return result, aware, valid & ~in_range


def _choose_order(first: np.ndarray, second: np.ndarray, fits: np.ndarray, codes: np.ndarray,
                  index: pd.Index, original: pd.Series, dayfirst: bool | None,
                  problems: list[str]) -> str | None:
    """Day/month order of a day/month/year column: given, read from the values, or the default."""
    if dayfirst is not None:
        return "dmy" if dayfirst else "mdy"
    inside = fits[codes]
    day_first = (first > 12)[codes] & inside
    month_first = (second > 12)[codes] & inside
    if day_first.any() and month_first.any():
        problems.append(
            f"column 'timestamp' mixes day-first dates ({_rows(day_first, index)}, e.g. "
            f"{_examples(original[day_first])}) and month-first dates ({_rows(month_first, index)},"
            f" e.g. {_examples(original[month_first])}), so no single day/month order reads them "
            "all. Check the source, fix the rows in the minority, and pass date_format='%d/%m/%Y' "
            "or '%m/%d/%Y' (CLI --date-format) to state the order."
        )
        return None
    if day_first.any():
        return "dmy"
    if month_first.any():
        return "mdy"
    reading = "day first (01/02/2024 is 1 February 2024)" if DAYFIRST_DEFAULT else \
        "month first (01/02/2024 is 2 January 2024)"
    _warn(
        f"column 'timestamp': no day is above 12 in its day/month/year dates (e.g. "
        f"{_examples(original[inside])}), so they fit both orders; read {reading}, the "
        f"international convention. To choose, {_OVERRIDE}.")
    return "dmy" if DAYFIRST_DEFAULT else "mdy"


def _guess_format(values: pd.Series, dayfirst: bool | None) -> str | None:
    """One ``strftime`` format for text dates in no numeric layout (e.g. ``"7 Jan 2024"``).

    pandas guesses a format from a value, reading numbers day first or month first; the guesses
    of the first values are tried on every value. A format that reads them all wins; when both
    orders read them all, ``dayfirst`` (or the default, with a ``DataWarning``) decides.
    """
    orders = [True, False] if dayfirst is None else [dayfirst]
    candidates: dict[str, bool] = {}
    for value in values[:20]:
        for order in orders:
            fmt = guess_datetime_format(value, dayfirst=order)
            if fmt is not None and not 0 <= fmt.find("%Y") < fmt.find("%d") < fmt.find("%m"):
                candidates.setdefault(fmt, order)  # "%Y-%d-%m" (year, day, month) is refused
        if candidates:
            break
    if len(candidates) <= 1:
        return next(iter(candidates), None)
    read = {fmt: pd.to_datetime(values, format=fmt, errors="coerce").notna().sum()
            for fmt in candidates}
    best = max(read.values())
    winners = [fmt for fmt, n in read.items() if n == best]
    if len(winners) == 1:
        return winners[0]
    fmt = next(f for f in winners if candidates[f] == DAYFIRST_DEFAULT)
    _warn(
        f"column 'timestamp': its dates (e.g. {_examples(values)}) fit both {winners[0]!r} and "
        f"{winners[1]!r}; read {fmt!r} ({'day' if DAYFIRST_DEFAULT else 'month'} first, the "
        f"default). To choose, "
        f"{_OVERRIDE}.")
    return fmt


def _parse_text(text: pd.Series, original: pd.Series, problems: list[str], *,
                date_format: str | None, dayfirst: bool | None, timezone: str | None) -> pd.Series:
    """Parse non-blank text timestamps with ONE format for the whole column (see module doc)."""
    index = text.index
    out = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    if text.empty:
        return out
    codes, uniques = pd.factorize(text.to_numpy(dtype=object))
    uniq = pd.Series(uniques, dtype=object).astype(str).astype(object)
    n = len(uniq)
    clock_only, _ = _extract(uniq, _TIME_ONLY)
    if clock_only[codes].any():
        rows = clock_only[codes]
        problems.append(
            f"column 'timestamp' holds times of day without a date in {_rows(rows, index)}, e.g. "
            f"{_examples(original[rows])}. A time alone cannot be placed in time: "
            "combine it with the date column first (e.g. df['timestamp'] = df['date'].astype(str) "
            "+ ' ' + df['time'].astype(str)) or map the date column to 'timestamp'."
        )
    parsed = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    aware = np.zeros(n, dtype=bool)
    fits = ~clock_only  # unique values in the column's format
    out_of_range = np.zeros(n, dtype=bool)
    pieces: list[tuple[np.ndarray, bool]] = []
    fmt: str | None = date_format
    if date_format is not None:
        desc = f"date_format={date_format!r}"
        aware = uniq.str.contains(_OFFSET, regex=True).to_numpy(dtype=bool) & fits
        pieces = [(aware, True), (fits & ~aware, False)]
    else:
        layout = np.full(n, "other", dtype=object)
        extracted = {}
        for name, pattern in _LAYOUTS.items():
            hit, fields = _extract(uniq, pattern)
            layout[hit & fits & (layout == "other")] = name
            extracted[name] = fields
        layout[clock_only] = "time"
        row_layouts = pd.Series(layout[codes])
        counts = row_layouts[row_layouts != "time"].value_counts(sort=False)  # in order of appearance
        if counts.empty:
            return out
        chosen = counts.idxmax()  # the layout most values use (a tie: the first to appear)
        fits = layout == chosen
        if chosen == "other":
            fmt = _guess_format(uniq[fits], dayfirst)
            if fmt is None:
                desc = "no known date format fits them"
                fits[:] = False
            else:
                desc = f"format {fmt!r}, inferred from the values"
                aware = fits & ("%z" in fmt)
                pieces = [(aware, True), (fits & ~aware, False)]
        else:
            fields = extracted[chosen]
            order: str | None = "ymd"
            if chosen == "dm_y":
                order = _choose_order(_numbers(fields["A"]), _numbers(fields["B"]), fits, codes,
                                      index, original, dayfirst, problems)
            if order is None:
                return out
            desc = {"ymd": "year-month-day (ISO 8601)", "dmy": "day/month/year",
                    "mdy": "month/day/year"}[order]
            parsed, aware, out_of_range = _assemble(fields, fits, order)
    for mask, utc in pieces:
        if not mask.any():
            continue
        with warnings.catch_warnings():  # date_format='mixed' is the caller's explicit choice
            warnings.simplefilter("ignore", UserWarning)
            values = pd.to_datetime(pd.Series(uniq[mask].to_numpy()), errors="coerce", utc=utc,
                                    format=fmt)
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            values = values.dt.tz_convert("UTC").dt.tz_localize(None)
        values, outside = _in_range(values)
        parsed[mask] = values.to_numpy()
        out_of_range[mask] = outside
    rows_outside = out_of_range[codes]
    if rows_outside.any():
        problems.append(_range_problem(original, rows_outside))
    naive_rows = (~aware[codes]) & fits[codes]
    if aware[codes].any() and naive_rows.any() and timezone is None:
        problems.append(
            f"column 'timestamp' mixes values with a time zone (e.g. "
            f"{_examples(original[aware[codes]])}) and without one "
            f"({_rows(naive_rows, index)}, e.g. {_examples(original[naive_rows])}). "
            "Pass timezone='Asia/Shanghai' (the zone of the values without one)."
        )
    out[:] = parsed[codes]
    if naive_rows.any():
        out[naive_rows] = _localize(out[naive_rows], timezone).to_numpy()
    bad = (out.isna().to_numpy() & ~clock_only[codes] & ~rows_outside)
    if bad.any():
        problems.append(
            f"column 'timestamp': {_rows(bad, index)} cannot be read as a date in the column's "
            f"format ({desc}), e.g. {_examples(original[bad])}. Fix those values, or "
            "pass date_format= (CLI --date-format) if the column uses another format."
        )
    return out


def _to_timestamp(
    s: pd.Series, problems: list[str], *, date_format: str | None, timezone: str | None,
    dayfirst: bool | None = None,
) -> pd.Series:
    """Parse to naive UTC datetime64[ns]; unparsable non-empty values become a listed problem.

    Values with an explicit offset (``+08:00``, ``Z``) are converted to UTC; values without one
    are taken to be in ``timezone`` (UTC when None). A column that mixes both without a
    ``timezone`` is a problem, because the naive values' zone is unknown. Text is read with one
    format for the whole column (see the module docstring).
    """
    _check_zone(timezone)
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        values, outside = _in_range(s.dt.tz_convert("UTC").dt.tz_localize(None))
        if outside.any():
            problems.append(_range_problem(s, outside))
        return values
    if s.dtype.kind == "M":
        values, outside = _in_range(s)
        if outside.any():
            problems.append(_range_problem(s, outside))
        return _localize(values, timezone)
    if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
        present = s.notna().to_numpy(dtype=bool)
        if present.any():
            problems.append(
                f"column 'timestamp' holds numbers, not dates ({_rows(present, s.index)}, e.g. "
                f"{_examples(s[present])}). If they are Unix times, convert them first, e.g. "
                "df['timestamp'] = pd.to_datetime(df['timestamp'], unit='s')."
            )
        return pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    if s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) in ("bytes", "mixed"):
        s = s.map(lambda v: bytes(v).decode("utf-8", "replace") if isinstance(v, bytes | bytearray) else v)
    text = s.astype("string").str.strip()
    blank = (text.isna() | (text == "")).fillna(True).to_numpy(dtype=bool)
    try:
        parsed = _parse_text(text[~blank], s[~blank], problems, date_format=date_format,
                             dayfirst=dayfirst, timezone=timezone)
    except (ValueError, TypeError) as exc:  # e.g. a format string that does not apply at all
        if date_format is None:
            raise
        problems.append(
            f"column 'timestamp': could not be read as dates ({exc}). "
            "Pass date_format='%d-%m-%Y' (or your format) to load_transactions."
        )
        return pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    out[~blank] = parsed.to_numpy()
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
