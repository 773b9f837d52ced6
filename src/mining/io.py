"""Load transactions from files or DataFrames and map user column names onto the contract.

``load_transactions`` returns a validated (typed) table; call
:func:`mining.schema.clean_transactions` next to remove and count unusable lines.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from mining.errors import MiningError, SchemaError
from mining.schema import validate_transactions

__all__ = ["SUPPORTED_SUFFIXES", "load_transactions", "map_columns"]

SUPPORTED_SUFFIXES = (".csv", ".txt", ".tsv", ".csv.gz", ".parquet", ".pq")


def map_columns(df: pd.DataFrame, columns: Mapping[str, str] | None) -> pd.DataFrame:
    """Rename user columns to canonical names: ``columns={"Customer ID": "customer_id", ...}``.

    Raises ``SchemaError`` naming any mapped column the table does not have.
    """
    if not columns:
        return df
    absent = [src for src in columns if src not in df.columns]
    if absent:
        have = ", ".join(map(str, df.columns[:15]))
        raise SchemaError(
            [f"the column mapping names {', '.join(map(repr, absent))}, which the table does not have "
             f"(it has: {have}). Check spelling and capitals in columns={{...}}."]
        )
    return df.rename(columns=dict(columns))


def _read_file(path: Path, *, sep: str | None, encoding: str, decimal: str) -> pd.DataFrame:
    name = path.name.lower()
    if name.endswith((".parquet", ".pq")):
        return pd.read_parquet(path)
    if name.endswith((".csv", ".txt", ".tsv", ".csv.gz")):
        if sep is None:
            sep = "\t" if name.endswith(".tsv") else ","
        try:
            return pd.read_csv(path, sep=sep, encoding=encoding, decimal=decimal, dtype=str,
                               keep_default_na=False, na_values=[""])
        except pd.errors.EmptyDataError:
            raise SchemaError([f"the file {path} is empty: it has no header and no rows."]) from None
        except UnicodeDecodeError as exc:
            raise MiningError(
                f"Cannot read {path} as {encoding!r} text ({exc.reason} at byte {exc.start}). "
                "Pass encoding='gbk' (Chinese Windows exports) or encoding='latin-1'."
            ) from None
    raise MiningError(
        f"Cannot read {path}: unknown file type {path.suffix!r}. "
        f"Supported: {', '.join(SUPPORTED_SUFFIXES)}; or pass a DataFrame."
    )


def load_transactions(
    source: str | os.PathLike[str] | pd.DataFrame,
    *,
    columns: Mapping[str, str] | None = None,
    date_format: str | None = None,
    sep: str | None = None,
    encoding: str = "utf-8-sig",
    decimal: str = ".",
) -> pd.DataFrame:
    """Read transactions and return them typed to the contract (not yet cleaned).

    Parameters
    ----------
    source : path or DataFrame
        A CSV (``.csv``, ``.tsv``, ``.txt``, ``.csv.gz``) or Parquet file, or a DataFrame.
    columns : dict, optional
        Your column name -> canonical name, e.g. ``{"InvoiceNo": "order_id"}``.
    date_format : str, optional
        ``strftime`` format of the timestamp column when it is text, e.g. ``"%d-%m-%Y"``.
    sep, encoding, decimal
        CSV options: delimiter (default ``,``; ``\\t`` for ``.tsv``), text encoding (default
        UTF-8, with or without BOM), decimal mark (``","`` for European exports).

    Returns
    -------
    DataFrame
        See :func:`mining.schema.validate_transactions`.

    Examples
    --------
    >>> import pandas as pd
    >>> raw = pd.DataFrame({"Kunde": ["k1"], "Beleg": ["b1"], "Datum": ["2024-03-01"],
    ...                     "Artikel": ["a1"], "Menge": [1], "Preis": [9.5]})
    >>> tx = load_transactions(raw, columns={"Kunde": "customer_id", "Beleg": "order_id",
    ...     "Datum": "timestamp", "Artikel": "product_id", "Menge": "quantity", "Preis": "unit_price"})
    >>> list(tx.columns)
    ['customer_id', 'order_id', 'timestamp', 'product_id', 'quantity', 'unit_price']
    """
    if isinstance(source, pd.DataFrame):
        raw = source
    else:
        path = Path(source)
        if not path.exists():
            raise MiningError(f"No such file: {path}. Check the path (relative to {Path.cwd()}).")
        raw = _read_file(path, sep=sep, encoding=encoding, decimal=decimal)
        if decimal != ".":
            for col in ("quantity", "unit_price"):
                target = next((k for k, v in (columns or {}).items() if v == col), col)
                if target in raw.columns:
                    raw[target] = raw[target].str.replace(".", "", regex=False).str.replace(
                        decimal, ".", regex=False)
    return validate_transactions(map_columns(raw, columns), date_format=date_format)
