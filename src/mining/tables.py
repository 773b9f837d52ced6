"""One table formatter for every table a report shows.

:func:`show_table` rounds each column by its meaning (money with a currency, percentages,
counts with thousands separators, dates as days), left-aligns text and never cuts it, shows at
most ``max_rows`` rows and says how many more are in the saved list. :func:`summary_table` is the
readable replacement for ``DataFrame.describe()``.

The kind of a column is read from its name (:func:`column_kind`); pass ``money=``,
``percent=``, ``count=`` or ``text=`` to say it yourself.

>>> import pandas as pd
>>> df = pd.DataFrame({"customer_id": ["007", "012"], "revenue": [1953919.54, 12.5],
...                    "churn_probability": [0.4213, 0.05], "lift": [1.23456, 3.0]})
>>> [column_kind(df, c) for c in df.columns]
['text', 'money', 'percent', 'number']
>>> cells = formatted(df)
>>> cells.iloc[0].tolist()
['007', 'EUR 1,953,920', '42%', '1.23']
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mining.errors import ParameterError
from mining.findings import Evidence, format_value

__all__ = ["MAX_DECIMALS", "NO_TRUTH", "Tables", "column_kind", "formatted", "show_table", "show_tables",
           "summary_table"]

#: No number cell a report shows has more decimals than this.
MAX_DECIMALS = 2

_MONEY = re.compile(r"(revenue|monetary|amount|spend|price|cost|clv|_value$|^value|value_at_risk|"
                    r"expected_return|campaign_return|profit|margin_eur|basket_value|sales)")
_PERCENT = re.compile(r"(share|_rate$|^rate|support$|confidence|precision|recall|coverage|hit_rate|"
                      r"^p_|proba|probability|churn_prob|_pct$|^pct|fidelity|accuracy|success)")
_COUNT = re.compile(r"(^n_|_count$|^count$|^count_|orders$|customers$|^rank$|_rank$|lines$)")
_NOT_MONEY = re.compile(r"(p_value|pvalue|_score$|^score)")
_SHARE_FIRST = re.compile(r"(share|_pct$|^pct|_rate$)")
_AVERAGE = re.compile(r"(_mean$|_avg$|^mean_|^avg_|_median$|per_)")


def column_kind(df: pd.DataFrame, column: Any) -> str:
    """The kind (:data:`mining.findings.KINDS` or ``"date"``) of ``df[column]``, read from its
    dtype and name: dates; text; money (revenue, value, clv, amount...); percent (share, rate,
    support, confidence, probability, ``p_...``); count (integers, ``n_...``); else number."""
    s = df[column]
    name = str(column).lower()
    if pd.api.types.is_datetime64_any_dtype(s):
        return "date"
    if pd.api.types.is_bool_dtype(s):
        return "text"
    if not pd.api.types.is_numeric_dtype(s):
        return "text"
    if _SHARE_FIRST.search(name) and not _NOT_MONEY.search(name):
        return "percent"  # revenue_share, share_revenue: a share of money is a share
    if _MONEY.search(name) and not _NOT_MONEY.search(name):
        return "money"
    if _PERCENT.search(name) and not _NOT_MONEY.search(name):
        return "percent"
    if pd.api.types.is_integer_dtype(s):
        return "count"
    if _COUNT.search(name) and not _AVERAGE.search(name):
        values = s.dropna().to_numpy(dtype="float64")
        if values.size == 0 or (values == values.round()).all():
            return "count"
    return "number"


def _kinds(df: pd.DataFrame, overrides: dict[str, Iterable[Any]]) -> dict[Any, str]:
    kinds = {c: column_kind(df, c) for c in df.columns}
    for kind, cols in overrides.items():
        for c in cols:
            if c not in df.columns:
                raise ParameterError(f"show_table: {kind}= names column {c!r}, which the table "
                                     f"does not have; it has {list(df.columns)}.")
            kinds[c] = kind
    return kinds


def _cell(value: Any, kind: str, currency: str, decimals: int) -> str:
    if value is None or (not isinstance(value, str | list | tuple | frozenset | set | dict)
                         and pd.isna(value)):
        return "–"
    if kind == "date":
        ts = pd.Timestamp(value)
        return f"{ts:%Y-%m-%d}" if ts == ts.normalize() else f"{ts:%Y-%m-%d %H:%M}"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, frozenset | set | list | tuple):
        return ", ".join(str(v) for v in sorted(value, key=str)) if isinstance(
            value, frozenset | set) else ", ".join(str(v) for v in value)
    if kind == "text" or isinstance(value, str):
        return str(value)
    if kind == "number":
        return f"{float(value):,.{decimals}f}"
    return format_value(value, kind, currency=currency,
                        decimals=None if kind != "money" else None)


def formatted(df: pd.DataFrame, *, currency: str = "EUR", decimals: int = MAX_DECIMALS,
              money: Sequence[Any] = (), percent: Sequence[Any] = (), count: Sequence[Any] = (),
              text: Sequence[Any] = (), number: Sequence[Any] = ()) -> pd.DataFrame:
    """``df`` with every cell written as text the report way (same index and columns)."""
    if not isinstance(df, pd.DataFrame):
        raise ParameterError(f"formatted expects a DataFrame. Got {type(df).__name__} instead.")
    if not 0 <= decimals <= MAX_DECIMALS + 1:
        raise ParameterError(f"decimals must be 0..{MAX_DECIMALS + 1}. Got {decimals!r}.")
    kinds = _kinds(df, {"money": money, "percent": percent, "count": count, "text": text,
                        "number": number})
    out = pd.DataFrame(index=df.index)
    for c in df.columns:
        out[c] = [_cell(v, kinds[c], currency, decimals) for v in df[c]]
    return out


@dataclass
class ReportTable:
    """A formatted table for a notebook output: HTML with numbers right-aligned, text
    left-aligned and never cut, at most ``max_rows`` rows and a note of the rest.

    ``cells`` holds the written cells, ``kinds`` each column's kind, ``n_total`` the rows of the
    whole table, ``more_in`` where the rest is (e.g. the CSV's name)."""

    cells: pd.DataFrame
    kinds: dict[Any, str]
    n_total: int
    caption: str = ""
    more_in: str = ""
    index: bool = True

    def _note(self) -> str:
        rest = self.n_total - len(self.cells)
        if rest <= 0:
            return ""
        where = f" in {self.more_in}" if self.more_in else ""
        return f"{rest:,} more rows{where}."

    def __repr__(self) -> str:
        text = self.cells.to_string(index=self.index)
        note = self._note()
        return (f"{self.caption}\n" if self.caption else "") + text + (f"\n{note}" if note else "")

    def _repr_html_(self) -> str:
        esc = html.escape
        left = "text-align:left;white-space:normal"
        right = "text-align:right;white-space:nowrap"
        names = [esc(str(n)) for n in (self.cells.index.names if self.index else [])]
        head_index = "".join(f'<th style="{left}">{n if n != "None" else ""}</th>'
                             for n in names)
        head = head_index + "".join(
            f'<th style="{left if self.kinds.get(c) in ("text", "date") else right}">'
            f"{esc(str(c))}</th>" for c in self.cells.columns)
        rows = []
        for idx, row in self.cells.iterrows():
            keys = idx if isinstance(idx, tuple) else (idx,)
            cells = "".join(f'<th style="{left}">{esc(str(k))}</th>' for k in keys) \
                if self.index else ""
            cells += "".join(
                f'<td style="{left if self.kinds.get(c) in ("text", "date") else right}">'
                f"{esc(str(v))}</td>" for c, v in row.items())
            rows.append(f"<tr>{cells}</tr>")
        caption = f"<caption style='text-align:left'>{esc(self.caption)}</caption>" \
            if self.caption else ""
        note = self._note()
        note = f'<p class="mining-more" style="font-size:0.9em">{esc(note)}</p>' if note else ""
        return (f'<table class="mining-table dataframe">{caption}<thead><tr>{head}</tr></thead>'
                f"<tbody>{''.join(rows)}</tbody></table>{note}")


@dataclass
class Tables:
    """Several report tables shown as one output, or ``message`` when there are none (e.g.
    "No planted truth: this is real data."). ``data`` keeps the unformatted frames by name for
    later cells (findings, plots).

    >>> import pandas as pd
    >>> t = Tables([show_table(pd.DataFrame({"n_customers": [3]}), caption="A", index=False)],
    ...            data={"a": pd.DataFrame({"n_customers": [3]})})
    >>> print(t)
    A
    n_customers
              3
    >>> print(Tables([], message="No planted truth: this is real data."))
    No planted truth: this is real data.
    """

    tables: list[ReportTable]
    message: str = ""
    data: dict[str, pd.DataFrame] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.tables)

    def __repr__(self) -> str:
        if not self.tables:
            return self.message
        return "\n\n".join(repr(t) for t in self.tables)

    def _repr_html_(self) -> str:
        if not self.tables:
            return f"<p>{html.escape(self.message)}</p>"
        return "".join(t._repr_html_() for t in self.tables)


def show_table(df: pd.DataFrame, *, max_rows: int = 20, currency: str = "EUR",
               decimals: int = MAX_DECIMALS, caption: str = "", more_in: str = "",
               index: bool = True, money: Sequence[Any] = (), percent: Sequence[Any] = (),
               count: Sequence[Any] = (), text: Sequence[Any] = (),
               number: Sequence[Any] = ()) -> ReportTable:
    """``df`` as a report table: the first ``max_rows`` rows, each column written by its kind.

    Parameters
    ----------
    df : DataFrame
    max_rows : int, default 20
        Rows shown; the rest are counted under the table ("120 more rows in customers.csv").
    currency : str, default "EUR"
        Written before money figures.
    decimals : int, default 2
        Decimals of plain numbers (percentages and money have their own rule).
    caption, more_in : str
        A caption above the table; where the full list is (e.g. the CSV's name).
    index : bool, default True
        Show the index (e.g. ``customer_id``).
    money, percent, count, text, number : column names
        Say the kind of these columns instead of reading it from their names.
    """
    if not isinstance(max_rows, int) or isinstance(max_rows, bool) or max_rows < 1:
        raise ParameterError(f"show_table: max_rows must be a whole number >= 1. Got {max_rows!r}.")
    overrides = {"money": money, "percent": percent, "count": count, "text": text,
                 "number": number}
    head = df.head(max_rows)
    cells = formatted(head, currency=currency, decimals=decimals, **overrides)
    return ReportTable(cells, _kinds(head, overrides), n_total=len(df), caption=caption,
                       more_in=more_in, index=index)


#: What :func:`show_tables` says when an analysis has no planted-vs-found evidence.
NO_TRUTH = "No planted truth for these data (only the demo data have it): nothing to check against."


def show_tables(evidence: Sequence[Evidence] | None, *, message: str = NO_TRUTH,
                currency: str = "EUR", max_rows: int = 20) -> Tables:
    """Each :class:`~mining.findings.Evidence` as a report table (:func:`show_table`), all in
    one output; ``message`` when there is none (``evidence`` empty or None; by default
    :data:`NO_TRUTH`, as the planted-vs-found evidence of real data is empty). ``data`` of the
    result holds the frames by caption."""
    items = list(evidence or [])
    bad = [type(e).__name__ for e in items if not isinstance(e, Evidence)]
    if bad:
        raise ParameterError(f"show_tables: give mining.findings.Evidence items. Got {bad}.")
    return Tables([show_table(e.table, caption=e.caption, currency=currency, max_rows=max_rows,
                              percent=[c for c in e.percent if c in e.table.columns],
                              money=[c for c in e.money if c in e.table.columns],
                              count=[c for c in e.count if c in e.table.columns])
                   for e in items],
                  message=message, data={e.caption: e.table for e in items})


def summary_table(df: pd.DataFrame, columns: Sequence[Any] | None = None, *,
                  currency: str = "EUR") -> ReportTable:
    """The readable ``describe()``: one row per numeric column (median, mean, 10th and 90th
    percentile, min, max), each written in the column's own kind; dates give first and last."""
    if not isinstance(df, pd.DataFrame):
        raise ParameterError(f"summary_table expects a DataFrame. Got {type(df).__name__}.")
    cols = list(columns) if columns is not None else list(df.columns)
    rows: dict[Any, dict[str, str]] = {}
    for c in cols:
        kind = column_kind(df, c)
        s = df[c].dropna()
        if kind == "text" or s.empty:
            continue
        if kind == "date":
            rows[c] = {"median": f"{s.median():%Y-%m-%d}", "mean": "", "p10": "", "p90": "",
                       "min": f"{s.min():%Y-%m-%d}", "max": f"{s.max():%Y-%m-%d}"}
            continue
        k = "number" if kind == "count" else kind
        stats = {"median": s.median(), "mean": s.mean(), "p10": s.quantile(0.1),
                 "p90": s.quantile(0.9), "min": s.min(), "max": s.max()}
        rows[c] = {name: (_cell(v, k, currency, 1 if kind == "count" else MAX_DECIMALS))
                   for name, v in stats.items()}
    cells = pd.DataFrame.from_dict(rows, orient="index")
    cells.index.name = "column"
    return ReportTable(cells, {c: "number" for c in cells.columns}, n_total=len(cells))
