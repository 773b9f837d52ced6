"""Ids, names and categories as text: one rule for every value of a column (containers, float ids, bytes)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from mining.schema._messages import _examples, _rows, _short

_CONTAINERS = (list, tuple, dict, set, frozenset, np.ndarray)

#: The id columns of the contract (exact text; float ids must be whole and exactly representable).
ID_COLUMNS: tuple[str, ...] = ("customer_id", "order_id", "product_id")


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
