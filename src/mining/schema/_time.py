"""Timestamps: one reading for the whole column (format, day/month order), time zones and daylight-saving rules, pandas' date range."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from pandas.tseries.api import guess_datetime_format

from mining.errors import SchemaError
from mining.schema._messages import _examples, _rows, _warn

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
