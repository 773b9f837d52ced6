"""Compare what the detectors flagged with what the demo simulator planted."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from mining.errors import ParameterError

__all__ = ["planted_vs_found"]


def planted_vs_found(found: Iterable[object] | pd.Index, planted: pd.DataFrame, *,
                     id_column: str = "customer_id") -> pd.DataFrame:
    """Recall per planted kind, and overall recall and precision, of a set of flagged ids.

    Parameters
    ----------
    found : iterable of ids
        What was flagged (e.g. ``result.flags.index``).
    planted : DataFrame
        The planted truth with ``id_column`` and ``kind`` (``ds.truth.anomalous_customers`` or
        ``ds.truth.anomalous_orders``).
    id_column : str
        ``customer_id`` or ``order_id``.

    Returns
    -------
    DataFrame indexed by ``kind`` plus a final ``all`` row: ``planted``, ``found`` (planted ones
    that were flagged), ``recall``; the ``all`` row also has ``flagged`` (everything flagged)
    and ``precision`` (share of flagged that were planted).

    >>> truth = pd.DataFrame({"customer_id": ["a", "b", "c"], "kind": ["x", "x", "y"]})
    >>> planted_vs_found(["a", "c", "z"], truth)[["planted", "found", "recall"]]
    ... # doctest: +NORMALIZE_WHITESPACE
          planted  found    recall
    kind
    x           2      1  0.500000
    y           1      1  1.000000
    all         3      2  0.666667
    """
    if not isinstance(planted, pd.DataFrame) or not {id_column, "kind"} <= set(planted.columns):
        raise ParameterError(
            f"The 'planted' parameter of planted_vs_found must be a DataFrame with columns "
            f"{id_column!r} and 'kind' (e.g. ds.truth.anomalous_customers). Got "
            f"{type(planted).__name__} instead.")
    flagged = {str(x) for x in found}
    ids = planted[id_column].astype(str)
    hit = ids.isin(flagged)
    table = pd.DataFrame({"planted": ids.groupby(planted["kind"]).size(),
                          "found": hit.groupby(planted["kind"]).sum()})
    table.index.name = "kind"
    table.loc["all"] = [len(ids), int(hit.sum())]
    table = table.astype(int)
    table["recall"] = table["found"] / table["planted"].where(table["planted"] > 0)
    table["flagged"] = np.nan
    table["precision"] = np.nan
    table.loc["all", "flagged"] = len(flagged)
    table.loc["all", "precision"] = (len(flagged & set(ids)) / len(flagged)) if flagged else np.nan
    return table
