"""The survey contract: customer satisfaction and loyalty answers keyed by ``customer_id``.

One row is one answer of one customer on one date (a customer may answer several times: the last
answer is the *transactional* satisfaction 交易型满意, all answers together the *cumulative* one
累积型满意). The demo shop's survey (:func:`mining.simulate.simulate_shop`) follows it, and
:func:`load_survey` reads and validates a user's own file (CSV/TSV, Parquet, Excel, SQL or a
DataFrame, read with :func:`mining.io.read_table`).

==================  ========  ========  ======================================================
column              scale     required  meaning
==================  ========  ========  ======================================================
customer_id         text      yes       who answered (the transactions' ``customer_id``)
survey_date         date      yes       when the answer was given (naive, like ``timestamp``)
satisfaction        1-10      yes       overall satisfaction (ACSI style: 1 very dissatisfied)
repurchase_intent   0-10      no        how likely the customer buys again
recommend           0-10      no        how likely they recommend the shop (NPS question)
delivery            1-10      no        rating of delivery (speed, reliability)
price               1-10      no        rating of price / value for money
product_quality     1-10      no        rating of product quality
service             1-10      no        rating of customer service
website             1-10      no        rating of the website / app
order_id            text      no        the order the answer is about (transactional survey)
==================  ========  ========  ======================================================

Empty answers (a skipped question) are allowed in the optional columns and read as NaN; any other
column is passed through. Problems raise one :class:`mining.errors.SchemaError` listing each
problem with its column and rows: unknown customers (given ``customers``), ratings out of their
scale or not numbers, unparsable dates, and duplicate answers (same customer, same date).

>>> import pandas as pd
>>> s = load_survey(pd.DataFrame({"customer_id": ["a"], "survey_date": ["2025-03-01"],
...                               "satisfaction": [8]}))
>>> s.loc[0, "satisfaction"], str(s.loc[0, "survey_date"].date())
(np.float64(8.0), '2025-03-01')
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from mining.errors import InsufficientDataError, ParameterError, SchemaError

__all__ = [
    "ATTITUDE_COLUMNS",
    "RATING_ATTRIBUTES",
    "SCALES",
    "SURVEY_COLUMNS",
    "load_survey",
    "rating_columns",
    "survey_for",
    "survey_summary",
    "validate_survey",
]

#: The service attributes rated in the survey (the drivers of overall satisfaction).
RATING_ATTRIBUTES: tuple[str, ...] = ("delivery", "price", "product_quality", "service", "website")

#: The attitudinal answers (overall satisfaction, intent to repurchase, likelihood to recommend).
ATTITUDE_COLUMNS: tuple[str, ...] = ("satisfaction", "repurchase_intent", "recommend")

#: (lowest, highest) allowed answer of every rating column.
SCALES: dict[str, tuple[int, int]] = {
    "satisfaction": (1, 10), "repurchase_intent": (0, 10), "recommend": (0, 10),
    **{a: (1, 10) for a in RATING_ATTRIBUTES},
}

REQUIRED: tuple[str, ...] = ("customer_id", "survey_date", "satisfaction")

#: Every contract column, in the order :func:`validate_survey` returns them.
SURVEY_COLUMNS: tuple[str, ...] = ("customer_id", "survey_date", "order_id", *ATTITUDE_COLUMNS,
                                   *RATING_ATTRIBUTES)

_SHOWN = 5


def _rows(mask: pd.Series | np.ndarray, index: pd.Index) -> str:
    labels = list(index[np.asarray(mask, dtype=bool)])
    shown = ", ".join(str(x) for x in labels[:_SHOWN])
    more = f" and {len(labels) - _SHOWN} more" if len(labels) > _SHOWN else ""
    return f"{len(labels)} row{'s' if len(labels) != 1 else ''} (rows {shown}{more})"


def _examples(values: pd.Series) -> str:
    return ", ".join(repr(v) for v in pd.unique(values.astype(str))[:3])


def _text(s: pd.Series) -> pd.Series:
    out = s.astype("string").str.strip()
    return out.mask(out == "")


def _unreadable(problems: list[str], col: str, raw: pd.Series, text: pd.Series,
                parsed: pd.Series, what: str, hint: str) -> None:
    """Add a problem for the rows of ``col`` whose ``text`` is given but did not parse."""
    bad = text.notna() & parsed.isna()
    if bad.any():
        problems.append(f"column {col!r}: {_rows(bad, raw.index)} are not {what}, e.g. "
                        f"{_examples(raw[bad])}. {hint}")


def validate_survey(df: pd.DataFrame, *, customers: Iterable[object] | None = None,
                    date_format: str | None = None) -> pd.DataFrame:
    """``df`` checked against the survey contract and typed; every problem at once.

    Parameters
    ----------
    df : DataFrame
        Survey answers with the contract's column names (see the module docstring).
    customers : iterable of customer ids, optional
        The customers known from the transactions (e.g. ``tx["customer_id"].unique()``): an answer
        of anybody else is a problem.
    date_format : str, optional
        ``strftime`` format of ``survey_date`` (e.g. ``"%d.%m.%Y"``); inferred when None.

    Returns
    -------
    DataFrame
        The contract columns present (``customer_id`` and ``order_id`` as string,
        ``survey_date`` as datetime64, the ratings as float64 with NaN for skipped questions),
        then any other columns, sorted by ``survey_date`` and ``customer_id`` with a fresh index.

    Raises
    ------
    SchemaError
        Naming each column and the rows (the table's row labels: file line = label + 2 with a
        header line) of: a missing required column, an empty customer id, an unknown customer, an
        unparsable or empty date, a non-numeric rating, a rating outside its scale, a duplicate
        answer (same customer and same date).
    """
    if not isinstance(df, pd.DataFrame):
        raise ParameterError(f"validate_survey expects a DataFrame. Got {type(df).__name__} "
                             "instead; read a file with load_survey.")
    problems: list[str] = []
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        have = ", ".join(map(str, list(df.columns)[:15]))
        problems.append(f"required column(s) {missing} are missing (the table has: {have}). Pass "
                        "columns={'your name': 'customer_id', ...} to load_survey to map yours.")
        raise SchemaError(problems, what="survey")
    out = df.copy()
    out.index = pd.RangeIndex(len(out)) if not isinstance(df.index, pd.RangeIndex) else df.index
    cid = _text(out["customer_id"])
    blank = cid.isna()
    if blank.any():
        problems.append(f"column 'customer_id': {_rows(blank, out.index)} are empty; every answer "
                        "needs the customer who gave it.")
    if customers is not None:
        known = pd.Index(pd.Series(list(customers), dtype="object").astype(str).str.strip())
        unknown = ~blank & ~cid.isin(known)
        if unknown.any():
            problems.append(
                f"column 'customer_id': {_rows(unknown, out.index)} name customers that are not "
                f"in the transactions, e.g. {_examples(cid[unknown])}. Check the ids match the "
                "transactions' customer_id (same spelling, leading zeros), or drop those answers.")
    out["customer_id"] = cid
    if "order_id" in out.columns:
        out["order_id"] = _text(out["order_id"])
    raw_date = out["survey_date"]
    if pd.api.types.is_datetime64_any_dtype(raw_date):
        when = raw_date
        if isinstance(when.dtype, pd.DatetimeTZDtype):
            when = when.dt.tz_convert("UTC").dt.tz_localize(None)
    else:
        text = _text(raw_date)
        when = pd.to_datetime(text, format=date_format, errors="coerce")
        _unreadable(problems, "survey_date", raw_date, text, when, "dates",
                    "Write dates as 2025-06-30 or pass date_format='%d.%m.%Y' (your format) to "
                    "load_survey.")
    empty = when.isna() & (raw_date.isna() | (raw_date.astype("string").str.strip() == ""))
    if empty.any():
        problems.append(f"column 'survey_date': {_rows(empty, out.index)} are empty; every answer "
                        "needs the date it was given.")
    out["survey_date"] = pd.to_datetime(when).astype("datetime64[ns]")
    for col, (lo, hi) in SCALES.items():
        if col not in out.columns:
            continue
        s = out[col]
        if pd.api.types.is_bool_dtype(s):
            problems.append(f"column {col!r} holds true/false values; it must hold ratings "
                            f"{lo}-{hi}.")
            continue
        if pd.api.types.is_numeric_dtype(s):
            num = s.astype("float64")
        else:
            text = _text(s)
            num = pd.to_numeric(text, errors="coerce").astype("float64")
            _unreadable(problems, col, s, text, num, "numbers",
                        f"Ratings are numbers {lo}-{hi}; recode answer texts (e.g. 'very good') "
                        "to their scale points, and leave skipped questions empty.")
        outside = num.notna() & ((num < lo) | (num > hi) | (num != np.round(num)))
        if outside.any():
            problems.append(
                f"column {col!r}: {_rows(outside, out.index)} are outside the scale {lo}-{hi} "
                f"(whole numbers), e.g. {_examples(num[outside])}. Rescale them to {lo}-{hi} first "
                "(e.g. a 1-5 rating x to 1 + (x - 1) * 9 / 4, rounded).")
        blank_answer = s.isna() | (s.astype("string").str.strip() == "").fillna(True)
        if col in REQUIRED and blank_answer.any():
            problems.append(f"column {col!r}: {_rows(blank_answer, out.index)} are empty; "
                            "overall satisfaction is required in every answer.")
        out[col] = num
    dup = cid.notna() & out["survey_date"].notna() & out.duplicated(["customer_id", "survey_date"],
                                                                     keep=False)
    if dup.any():
        problems.append(
            f"columns 'customer_id' and 'survey_date': {_rows(dup, out.index)} are duplicate "
            f"answers (the same customer on the same date), e.g. {_examples(cid[dup])}. Keep one "
            "answer per customer and date (e.g. drop_duplicates(['customer_id', 'survey_date'], "
            "keep='last')).")
    if problems:
        raise SchemaError(problems, what="survey")
    cols = [c for c in SURVEY_COLUMNS if c in out.columns]
    cols += [c for c in out.columns if c not in cols]
    return out[cols].sort_values(["survey_date", "customer_id"], kind="stable").reset_index(
        drop=True)


def load_survey(source: str | os.PathLike[str] | pd.DataFrame, *,
                customers: Iterable[object] | None = None,
                columns: Mapping[str, str] | None = None, date_format: str | None = None,
                sheet: str | int | None = None, table: str | None = None,
                query: str | None = None) -> pd.DataFrame:
    """Read a survey file (CSV/TSV/TXT, Parquet, Excel, a SQL URL with ``table=``/``query=``, or
    a DataFrame), rename ``columns`` (``{"their name": "satisfaction", ...}``) and validate it.

    ``customers`` (the transactions' customer ids) makes an answer of an unknown customer a
    problem; see :func:`validate_survey` for the result and the errors.
    """
    from mining.io import SourceOptions, read_table  # lazy: keeps `import mining.simulate` light

    raw = source if isinstance(source, pd.DataFrame) else read_table(
        source, SourceOptions(sheet=sheet, table=table, query=query))
    if columns:
        absent = [c for c in columns if c not in raw.columns]
        if absent:
            raise SchemaError([f"the column mapping names {absent}, which the survey does not "
                               f"have (it has: {', '.join(map(str, raw.columns[:15]))})."],
                              what="survey")
        wrong = [t for t in columns.values() if t not in SURVEY_COLUMNS]
        if wrong:
            raise ParameterError(f"The 'columns' parameter of load_survey maps onto {wrong}, "
                                 f"which are not survey columns; choose from {list(SURVEY_COLUMNS)}.")
        raw = raw.rename(columns=dict(columns))
    return validate_survey(raw, customers=customers, date_format=date_format)


def survey_for(data: Any, survey_source: str | os.PathLike[str] | pd.DataFrame | None = "",
               **options: Any) -> pd.DataFrame:
    """The survey that goes with ``data`` (a :class:`mining.inputs.Inputs`): your own
    ``survey_source`` read with :func:`load_survey` (its customers checked against the
    transactions' ``customer_id``; ``options`` as there), or else the data's own survey (the demo
    has one).

    Raises
    ------
    InsufficientDataError
        No ``survey_source`` and the data carry no survey: the message says how to bring one.
    SchemaError
        ``survey_source`` breaks the contract (see :func:`validate_survey`).
    """
    given = isinstance(survey_source, pd.DataFrame) or (
        survey_source is not None and str(survey_source).strip() != "")
    if given:
        tx = getattr(data, "transactions", None)
        customers = None if tx is None else tx["customer_id"].unique()
        return load_survey(survey_source, customers=customers, **options)  # type: ignore[arg-type]
    own = getattr(data, "survey", None)
    if own is None:
        name = getattr(data, "name", "the data")
        raise InsufficientDataError(
            f"{name} has no customer survey (satisfaction and loyalty answers), so loyalty types "
            "and satisfaction drivers cannot be computed. Bring your own survey keyed by "
            "customer_id (the contract is in data/README.md): survey_source=FILE here, "
            "`-p survey_source FILE` in a report.")
    return own


def survey_summary(survey: pd.DataFrame, *, n_customers: int | None = None) -> str:
    """The survey in one line: answers, customers (and their share of ``n_customers``, e.g. the
    customers who bought), the dates, and how many customers answered more than once."""
    if not isinstance(survey, pd.DataFrame) or not {"customer_id", "survey_date"} <= set(
            survey.columns):
        raise ParameterError("survey_summary expects a survey in the contract (customer_id, "
                             "survey_date, ...); read your file with load_survey.")
    per = survey["customer_id"].value_counts()
    share = f" ({len(per) / n_customers:.0%} of {n_customers:,} customers)" if n_customers else ""
    when = (f", {survey['survey_date'].min():%Y-%m-%d} .. {survey['survey_date'].max():%Y-%m-%d}"
            if len(survey) else "")
    again = int((per >= 2).sum())
    return (f"survey: {len(survey):,} answers of {len(per):,} customers{share}{when}; "
            f"{again:,} customer{'s' if again != 1 else ''} answered more than once")


def rating_columns(survey: pd.DataFrame) -> list[str]:
    """The contract's rating columns (:data:`SCALES`: satisfaction, intent, recommend and the
    attribute ratings) that ``survey`` has, in contract order; e.g. to show them as whole
    numbers (``show_table(survey, count=rating_columns(survey))``: ``price`` is a rating here,
    not money)."""
    return [c for c in SURVEY_COLUMNS if c in SCALES and c in getattr(survey, "columns", [])]
