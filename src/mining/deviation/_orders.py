"""Unusual orders: amount, quantity, price and basket size against the customer and the product.

Each order (lines before ``as_of``) is measured in robust SDs (median / MAD; amounts, units and
prices on a log scale, line counts as they are) against

=================  ==========================================================================
check              reference
=================  ==========================================================================
amount_own         the customer's own orders (only with ``min_history`` orders or more)
lines_own          the customer's own orders: number of lines (basket size)
amount             all orders
lines              all orders: number of lines
quantity           the product's usual units per line (largest over the order's lines)
price              the product's usual unit price, both ways (largest over the lines): a 10x
                   price is an entry error, a tenth of it too
=================  ==========================================================================

Only *larger than usual* counts for amount, lines and quantity (a small order is not
suspicious); price counts both ways. The order's ``score`` is its largest deviation; flagged
by default when ``score > cut`` (6 robust SDs: orders are many, so the cut sits further out
than for customers), or by ``top_n`` / ``contamination``.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mining.deviation._explain import Z_CAP, flag_mask
from mining.deviation._series import _check_tx
from mining.errors import InsufficientDataError, check_param
from mining.params import check_as_of

__all__ = ["ORDER_CHECKS", "OrderDeviations", "order_deviations"]

#: The checks of :func:`order_deviations`, in the order they are reported.
ORDER_CHECKS: tuple[str, ...] = ("amount_own", "lines_own", "amount", "lines", "quantity",
                                 "price")
_MIN_SCALE = {"amount_own": 0.25, "lines_own": 1.0, "amount": 0.25, "lines": 1.0,
              "quantity": 0.25, "price": 0.1}
_WORDS = {
    "amount_own": "amount {v:,.2f} vs the customer's usual {t:,.2f}",
    "lines_own": "{v:.0f} lines vs the customer's usual {t:.0f}",
    "amount": "amount {v:,.2f} vs a typical order of {t:,.2f}",
    "lines": "{v:.0f} lines vs a typical order of {t:.0f}",
    "quantity": "{v:.0f} units of {p} vs the usual {t:.0f} per line",
    "price": "{p} at {v:,.2f} a unit vs the usual {t:,.2f}",
}


@dataclass(frozen=True)
class OrderDeviations:
    """Result of :func:`order_deviations`.

    Attributes
    ----------
    orders : DataFrame
        One row per order (index ``order_id``), most unusual first: ``customer_id``,
        ``timestamp``, ``amount``, ``n_lines``, ``quantity``, one ``z_<check>`` column per check
        (robust SDs; NaN when not judged), ``score`` (the largest), ``main_check``, ``flagged``,
        ``reasons`` (words).
    threshold : float
    rule : str
    params : dict
    """

    orders: pd.DataFrame
    threshold: float
    rule: str
    params: dict[str, object] = field(default_factory=dict)

    @property
    def flags(self) -> pd.DataFrame:
        """The flagged orders, most unusual first."""
        return self.orders[self.orders["flagged"]]

    def by_customer(self) -> pd.DataFrame:
        """Per customer: ``n_orders``, ``n_flagged_orders``, ``max_order_score``."""
        g = self.orders.groupby("customer_id")
        return pd.DataFrame({"n_orders": g.size(), "n_flagged_orders": g["flagged"].sum(),
                             "max_order_score": g["score"].max()})


def _group_z(x: np.ndarray, groups: np.ndarray, min_scale: float,
             min_size: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Robust z of x within groups (vectorised median / MAD); also the group medians."""
    s = pd.Series(x)
    g = pd.Series(groups)
    med = s.groupby(g).transform("median").to_numpy()
    dev = np.abs(x - med)
    mad = pd.Series(dev).groupby(g).transform("median").to_numpy() * 1.4826
    mean_ad = pd.Series(dev).groupby(g).transform("mean").to_numpy() * 1.2533
    size = g.groupby(g).transform("size").to_numpy()
    scale = np.where(mad > 0, mad, mean_ad)
    scale = np.fmax(scale, min_scale)
    with np.errstate(all="ignore"):
        z = np.clip((x - med) / scale, -Z_CAP, Z_CAP)
    z = np.where(size >= min_size, z, np.nan)
    return z, med


def order_deviations(tx: pd.DataFrame, *, as_of: str | pd.Timestamp, min_history: int = 5,
                     contamination: float | None = None, top_n: int | None = None,
                     cut: float = 6.0, reason_z: float = 4.0) -> OrderDeviations:
    """Score every order against the customer's own history and the products' norms.

    Parameters
    ----------
    tx : DataFrame
        Transactions (contract columns; ``product_name`` is used in the reasons when present).
    as_of : str or Timestamp
        Only lines before it are read.
    min_history : int
        Orders a customer needs before their own history is a reference (``amount_own``,
        ``lines_own``).
    contamination, top_n : float, int, optional
        Flag that share of orders, or that many, highest first. Default: ``score > cut``.
    cut : float
        Robust SDs of the default cut.
    reason_z : float
        A check is named in the reasons when it exceeds this.

    Returns
    -------
    OrderDeviations

    >>> tx = pd.DataFrame({"customer_id": "a", "order_id": [str(i) for i in range(12)],
    ...     "timestamp": pd.date_range("2024-01-01", periods=12, freq="7D"),
    ...     "product_id": "p", "quantity": [1.0] * 10 + [2, 60], "unit_price": 2.0})
    >>> res = order_deviations(tx, as_of="2024-04-01")
    >>> res.flags.index.tolist(), res.flags["main_check"].tolist()
    (['11'], ['quantity'])
    """
    owner = "order_deviations"
    _check_tx(tx, ["customer_id", "order_id", "timestamp", "product_id", "quantity",
                   "unit_price"], owner)
    when = check_as_of(as_of, owner)
    check_param(isinstance(min_history, numbers.Integral) and not isinstance(min_history, bool)
                and min_history >= 2, "min_history", owner, "an integer >= 2", min_history)
    for name, v in (("cut", cut), ("reason_z", reason_z)):
        check_param(isinstance(v, numbers.Real) and not isinstance(v, bool) and v > 0, name,
                    owner, "a positive number", v)
    past = tx.loc[(tx["timestamp"] < when) & tx["customer_id"].notna()]
    if past.empty:
        raise InsufficientDataError(f"{owner}: no transaction line before as_of={when.date()}.")
    pid = past["product_id"].astype("string").to_numpy()
    names = (past["product_name"].astype("string").fillna(pd.Series(pid, index=past.index))
             .to_numpy() if "product_name" in past.columns else pid)
    q = past["quantity"].to_numpy(dtype="float64")
    p = past["unit_price"].to_numpy(dtype="float64")
    lines = pd.DataFrame({
        "order_id": past["order_id"].astype("string").to_numpy(),
        "customer_id": past["customer_id"].astype("string").to_numpy(),
        "timestamp": past["timestamp"].to_numpy(),
        "name": names, "q": q, "p": p, "amount": q * p,
    })
    zq, mq = _group_z(np.log1p(q), pid, _MIN_SCALE["quantity"])
    lines["zq"] = np.fmax(zq, 0.0)
    lines["mq"] = np.expm1(mq)
    zp, mp = _group_z(np.log1p(p), pid, _MIN_SCALE["price"])
    lines["zp"] = zp
    lines["mp"] = np.expm1(mp)
    g = lines.groupby("order_id", sort=False)
    orders = g.agg(customer_id=("customer_id", "first"), timestamp=("timestamp", "min"),
                   amount=("amount", "sum"), n_lines=("q", "size"), quantity=("q", "sum"))
    iq = lines.loc[g["zq"].idxmax().to_numpy()].set_index("order_id")
    ip = lines.assign(azp=np.abs(lines["zp"])).pipe(
        lambda d: d.loc[d.groupby("order_id", sort=False)["azp"].idxmax().to_numpy()]
    ).set_index("order_id")
    la = np.log1p(orders["amount"].to_numpy())
    ll = orders["n_lines"].to_numpy(dtype="float64")  # counts of lines: compared as they are
    z: dict[str, np.ndarray] = {}
    cust = orders["customer_id"].to_numpy()
    z["amount_own"], m_ao = _group_z(la, cust, _MIN_SCALE["amount_own"], int(min_history))
    z["lines_own"], m_lo = _group_z(ll, cust, _MIN_SCALE["lines_own"], int(min_history))
    ones = np.zeros(len(orders), dtype=int)
    z["amount"], m_a = _group_z(la, ones, _MIN_SCALE["amount"])
    z["lines"], m_l = _group_z(ll, ones, _MIN_SCALE["lines"])
    z["quantity"] = iq["zq"].reindex(orders.index).to_numpy()
    z["price"] = ip["zp"].reindex(orders.index).to_numpy()
    for k in ("amount_own", "lines_own", "amount", "lines"):
        z[k] = np.where(np.isnan(z[k]), np.nan, np.fmax(z[k], 0.0))
    Zm = np.column_stack([z[k] for k in ORDER_CHECKS])
    A = np.nan_to_num(np.abs(Zm), nan=-1.0)
    best = A.argmax(axis=1)
    score = A.max(axis=1).clip(min=0.0)
    out = orders.copy()
    for k in ORDER_CHECKS:
        out[f"z_{k}"] = z[k]
    out["score"] = score
    out["main_check"] = np.array(ORDER_CHECKS, dtype=object)[best]
    if top_n is None and contamination is None:
        mask = pd.Series(score > float(cut), index=out.index)
        threshold, rule = float(cut), f"largest check above {float(cut):g} robust SD"
    else:
        mask, threshold, rule = flag_mask(out["score"], contamination=contamination,
                                          top_n=top_n, owner=owner)
    out["flagged"] = mask.astype(bool)
    typical = {"amount_own": np.expm1(m_ao), "lines_own": m_lo, "amount": np.expm1(m_a),
               "lines": m_l}
    vals = {"amount_own": out["amount"].to_numpy(), "lines_own": out["n_lines"].to_numpy(),
            "amount": out["amount"].to_numpy(), "lines": out["n_lines"].to_numpy()}
    reasons = np.full(len(out), "", dtype=object)
    for i in np.flatnonzero(score > float(reason_z)):
        row = Zm[i]
        parts = []
        for j in np.argsort(-np.nan_to_num(np.abs(row), nan=-1.0)):
            k, zz = ORDER_CHECKS[j], row[j]
            if not np.isfinite(zz) or abs(zz) <= reason_z:
                continue
            if k == "quantity":
                src = iq.iloc[iq.index.get_loc(out.index[i])]
                text = _WORDS[k].format(v=src["q"], t=src["mq"], p=src["name"])
            elif k == "price":
                src = ip.iloc[ip.index.get_loc(out.index[i])]
                text = _WORDS[k].format(v=src["p"], t=src["mp"], p=src["name"])
            else:
                text = _WORDS[k].format(v=vals[k][i], t=typical[k][i])
            size = f">{Z_CAP:.0f}" if abs(zz) >= Z_CAP else f"{abs(zz):.1f}"
            parts.append(f"{text} ({size} robust SD {'above' if zz > 0 else 'below'})")
        reasons[i] = "; ".join(parts)
    out["reasons"] = reasons
    out = out.sort_values("score", ascending=False, kind="stable")
    out.index.name = "order_id"
    params = {"min_history": int(min_history), "contamination": contamination, "top_n": top_n,
              "cut": float(cut), "reason_z": float(reason_z)}
    return OrderDeviations(orders=out, threshold=threshold, rule=rule, params=params)
