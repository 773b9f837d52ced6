"""What every plot module needs: a figure to draw on, checks of its input table, axis labels,
Chinese names where the font can draw them."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from mining.errors import InsufficientDataError, ParameterError, SchemaError, check_param

__all__ = ["as_frame", "can_draw_chinese", "finish_axes", "need_columns", "need_result",
           "need_table", "new_ax", "short", "use_chinese", "with_zh"]


def new_ax(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """The figure and axes to draw on: ``ax``'s own, or a new figure of ``figsize`` inches."""
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
        return fig, ax
    return ax.figure, ax


def as_frame(obj: object, owner: str, what: str) -> pd.DataFrame:
    """``obj`` if it is a DataFrame, else a ParameterError naming ``owner`` and ``what``."""
    if not isinstance(obj, pd.DataFrame):
        raise ParameterError(f"{owner} expects {what} as a DataFrame. "
                             f"Got {type(obj).__name__} instead.")
    return obj


def need_columns(df: Any, cols: Iterable[str], owner: str, what: str) -> pd.DataFrame:
    """Check ``df`` is a DataFrame with every column in ``cols``; one SchemaError lists all."""
    df = as_frame(df, owner, what)
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise SchemaError([f"column {c!r} is missing (needed by {owner})" for c in missing],
                          what=what)
    return df


def need_table(obj: object, cols: Iterable[str], message: str) -> pd.DataFrame:
    """``obj`` if it is a DataFrame with every column in ``cols``, else ``ParameterError(message)``.

    For figures of one analysis' own table, where the message names the function that makes it.
    """
    if not isinstance(obj, pd.DataFrame) or not set(cols) <= set(obj.columns):
        raise ParameterError(message)
    return obj


def need_result(obj: object, cls: type, owner: str, maker: str, unit: str) -> pd.DataFrame:
    """The ``table`` of ``obj``, an instance of ``cls`` made by ``maker`` (e.g.
    ``clv.period_purchases``): a ParameterError for anything else, an InsufficientDataError when
    the table has no ``unit`` ("rows", "days")."""
    if not isinstance(obj, cls):
        raise ParameterError(f"{owner} expects the result of {maker}. "
                             f"Got {type(obj).__name__} instead.")
    table = obj.table
    if len(table) == 0:
        raise InsufficientDataError(f"{owner}: the table has no {unit}.")
    return table


def finish_axes(ax: Axes, *, xlabel: str, ylabel: str, title: str, limit: float | None = None,
                legend: str | None = None) -> None:
    """Label ``ax``; with ``limit`` both axes run from 0 to it; with ``legend`` a small legend there.

    Parameters
    ----------
    ax : Axes
    xlabel, ylabel, title : str
    limit : float, optional
        Upper end of both axes (a square share-vs-share or probability plot), e.g. 1 or 100.
    legend : str, optional
        Legend location (``"lower right"``...), font size 8; None draws no legend.
    """
    if limit is not None:
        ax.set_xlim(0, limit)
        ax.set_ylim(0, limit)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if legend is not None:
        ax.legend(loc=legend, fontsize=8)


def short(text: object, width: int = 40) -> str:
    """``text`` cut to ``width`` characters with "..." (labels that must fit a figure)."""
    return textwrap.shorten(str(text), width=width, placeholder="...")


def can_draw_chinese() -> bool:
    """Whether matplotlib's current default font has Chinese glyphs (checked on 流)."""
    from matplotlib.font_manager import FontProperties, findfont, get_font

    try:
        font = get_font(findfont(FontProperties(), fallback_to_default=True))
        return bool(font.get_char_index(ord("流")))
    except (OSError, RuntimeError, ValueError):  # no usable font file: draw English only
        return False


def use_chinese(zh: Any, owner: str) -> bool:
    """The ``zh`` option of a plot (True, False or "auto") as a bool."""
    check_param(zh in (True, False, "auto"), "zh", owner,
                'True, False or "auto" (Chinese names when the font can draw them)', zh)
    return can_draw_chinese() if zh == "auto" else bool(zh)


def with_zh(name: str, zh_name: str | None, zh: bool, sep: str = " ") -> str:
    """``name`` with its Chinese name after ``sep`` when ``zh`` (and a Chinese name exists)."""
    return f"{name}{sep}{zh_name}" if zh and zh_name else name
