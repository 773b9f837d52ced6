"""Message helpers of the schema package: which rows, example values, warnings at the caller."""

from __future__ import annotations

import os
import sys
import warnings

import numpy as np
import pandas as pd

from mining.errors import DataWarning

_MAX_ROWS_SHOWN = 5
# warnings point at the first caller outside the mining package (src/mining/)
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


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
