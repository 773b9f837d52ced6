"""Key findings of an analysis as data: headline figures, a verdict and a recommendation.

Every analysis package has a ``findings(...)`` function that returns a :class:`Findings`. The
notebook shows it in the cell tagged ``headline`` (the report runner moves that cell to the top
of the exported report, and the run index shows the figures and the verdict of every notebook).

>>> f = Findings(
...     title="Customer value",
...     headline=[Headline("Revenue from the top 20% of customers", 0.62, "percent"),
...               Headline("Customers", 5000, "count"),
...               Headline("Expected value next 12 months", 123456.7, "money")],
...     verdict="Value is concentrated: a few customers carry the business.",
...     recommendation="Give class A customers a personal contact.",
... )
>>> [h.text(currency="EUR") for h in f.headline]
['62%', '5,000', 'EUR 123,457']
>>> f.to_dict()["headline"][0]["value"]
0.62
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from mining.errors import ParameterError

__all__ = ["KINDS", "MIME_TYPE", "ActionList", "Evidence", "Findings", "Headline", "format_value"]

#: The kinds of number a headline figure (or table column) can be, and how each is written.
KINDS = ("money", "percent", "count", "number", "ratio", "days", "text")

#: The MIME type under which a notebook output carries the findings as JSON (read by the runner).
MIME_TYPE = "application/vnd.mining.findings+json"


def format_value(value: Any, kind: str = "number", *, currency: str = "EUR",
                 decimals: int | None = None) -> str:
    """``value`` written for a business reader by its ``kind`` (see :data:`KINDS`).

    money: ``EUR 1,234`` (no decimals from 100 on, else 2); percent: a share 0.123 as ``12%``
    (``12.3%`` under 10%); count: ``1,234``; number: 3 significant digits (``0.873``, ``1,235``);
    ratio: ``1.75x``; days: ``12 days``; text: as given. NaN or None: an en dash.

    >>> format_value(1953919.54, "money"), format_value(13.190950), format_value(0.0412, "percent")
    ('EUR 1,953,920', '13.2', '4.1%')
    >>> format_value(float("nan"))
    '–'
    """
    if kind not in KINDS:
        raise ParameterError(f"format_value: kind must be one of {KINDS}. Got {kind!r} instead.")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if kind == "text" or isinstance(value, str):
        return str(value)
    x = float(value)
    if kind == "money":
        d = decimals if decimals is not None else (0 if abs(x) >= 100 else 2)
        sign = "-" if x < 0 else ""
        return f"{sign}{currency} {abs(x):,.{d}f}".strip()
    if kind == "percent":
        d = decimals if decimals is not None else (1 if abs(x) < 0.1 and x != 0 else 0)
        return f"{x:.{d}%}"
    if kind == "count":
        return f"{x:,.0f}"
    if kind == "ratio":
        return f"{x:,.{2 if decimals is None else decimals}f}x"
    if kind == "days":
        return f"{x:,.0f} days"
    if decimals is not None:
        return f"{x:,.{decimals}f}"
    if x == 0 or abs(x) >= 100:
        return f"{x:,.0f}"
    digits = max(0, 2 - int(math.floor(math.log10(abs(x)))))
    return f"{x:,.{digits}f}"


@dataclass(frozen=True)
class Headline:
    """One headline figure: ``label`` (what it is, in words), ``value`` and its ``kind``
    (:data:`KINDS`); ``note`` says where it comes from (the table or figure in the report)."""

    label: str
    value: Any
    kind: str = "number"
    note: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ParameterError(f"Headline {self.label!r}: kind must be one of {KINDS}. "
                                 f"Got {self.kind!r} instead.")

    def text(self, *, currency: str = "EUR") -> str:
        """The value as the report writes it."""
        return format_value(self.value, self.kind, currency=currency)


def _plain(value: Any) -> Any:
    """JSON-safe: numpy numbers to Python numbers, NaN to None."""
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


@dataclass
class Findings:
    """What an analysis found, for the top of its report and the run index.

    Attributes
    ----------
    title : str
        The analysis, e.g. ``"Churn prediction"``.
    headline : list of Headline
        3-5 figures that carry the result.
    verdict : str
        One or two sentences: what the evidence says, including when a method does not beat its
        baseline.
    recommendation : str
        One sentence: what to do.
    details : list of str
        Further sentences (comparisons with baselines, caveats), shown under the verdict.
    currency : str
        Currency code or symbol money figures are written in.
    """

    title: str
    headline: list[Headline]
    verdict: str
    recommendation: str
    details: list[str] = field(default_factory=list)
    currency: str = "EUR"

    def __post_init__(self) -> None:
        if not self.headline:
            raise ParameterError(f"Findings {self.title!r}: give at least one headline figure.")
        if not self.verdict.strip() or not self.recommendation.strip():
            raise ParameterError(f"Findings {self.title!r}: the verdict and the recommendation "
                                 "must say something.")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON: title, headline (label, value, kind, note, text), verdict,
        recommendation, details, currency."""
        out = asdict(self)
        out["headline"] = [
            {**{k: _plain(v) for k, v in asdict(h).items()}, "text": h.text(currency=self.currency)}
            for h in self.headline
        ]
        return out

    def __str__(self) -> str:
        figures = "\n".join(f"  {h.label}: {h.text(currency=self.currency)}" for h in self.headline)
        extra = "".join(f"\n  - {d}" for d in self.details)
        return (f"{self.title}\n{figures}\nVerdict: {self.verdict}{extra}\n"
                f"What to do: {self.recommendation}")

    def _repr_html_(self) -> str:
        esc = html.escape
        cards = "".join(
            f'<div class="mining-figure" style="display:inline-block;min-width:150px;'
            f'margin:4px 12px 4px 0;vertical-align:top"><div style="font-size:1.6em;'
            f'font-weight:600">{esc(h.text(currency=self.currency))}</div>'
            f'<div style="font-size:0.9em;color:#444">{esc(h.label)}</div></div>'
            for h in self.headline
        )
        details = "".join(f"<li>{esc(d)}</li>" for d in self.details)
        details = f'<ul style="margin:4px 0">{details}</ul>' if details else ""
        return (
            '<div class="mining-headline" style="border:2px solid #2a6f97;border-radius:6px;'
            'padding:10px 14px;margin:6px 0;background:#f3f8fb;text-align:left">'
            f'<div style="font-weight:700;margin-bottom:4px">Findings: {esc(self.title)}</div>'
            f"<div>{cards}</div>"
            f'<p style="margin:6px 0"><b>Verdict.</b> {esc(self.verdict)}</p>{details}'
            f'<p style="margin:6px 0"><b>What to do.</b> {esc(self.recommendation)}</p></div>'
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {
            "text/plain": str(self),
            "text/html": self._repr_html_(),
            MIME_TYPE: json.loads(json.dumps(self.to_dict(), default=str)),
        }


@dataclass(frozen=True)
class Evidence:
    """One table an analysis hands to the report as evidence (e.g. planted vs found), with its
    ``caption`` and the columns whose kind its names do not tell (``percent``, ``money``,
    ``count``; see :func:`mining.tables.column_kind`). Shown by :func:`mining.tables.show_tables`."""

    caption: str
    table: Any  # a pandas DataFrame (this module does not import pandas)
    percent: tuple[str, ...] = ()
    money: tuple[str, ...] = ()
    count: tuple[str, ...] = ()


#: An action list's name: it becomes a file name.
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,40}$")


@dataclass
class ActionList:
    """One list: ``name`` (file stem, lower case), the ``table`` (its index, e.g.
    ``customer_id``, becomes the first column), what it is for (``description``) and the meaning
    of each column (``columns``; every column of the saved table must be documented)."""

    name: str
    table: Any  # a pandas DataFrame
    description: str
    columns: Mapping[str, str] = field(default_factory=dict)

    def frame(self) -> Any:
        """The table as saved (a DataFrame): the index as column(s), id columns as text."""
        import pandas as pd

        df = self.table
        if not isinstance(df, pd.DataFrame):
            raise ParameterError(f"Action list {self.name!r}: the table must be a DataFrame. "
                                 f"Got {type(df).__name__} instead.")
        named = [n for n in df.index.names if n is not None]
        if named:
            df = df.reset_index()
        for c in df.columns:
            if str(c).endswith("_id") or str(c) in ("customer_id", "order_id", "product_id"):
                df[c] = df[c].astype("string")
            elif df[c].dtype == object:
                df[c] = df[c].map(_text_of)
        return df

    def check(self) -> Any:
        if not _NAME.match(self.name):
            raise ParameterError(f"Action list name {self.name!r}: use lower-case letters, digits, "
                                 "'_' or '-' (it becomes a file name).")
        df = self.frame()
        missing = [str(c) for c in df.columns if str(c) not in self.columns]
        if missing:
            raise ParameterError(f"Action list {self.name!r}: document the columns {missing} "
                                 "in `columns` (column -> meaning).")
        return df


def _text_of(v: Any) -> Any:
    if isinstance(v, frozenset | set):
        return ", ".join(sorted(map(str, v)))
    if isinstance(v, list | tuple):
        return ", ".join(map(str, v))
    return v
