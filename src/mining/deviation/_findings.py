"""What the deviation report leads with and hands over: the findings (headline figures, a
verdict in words), small tables instead of printed dicts and lists (main reasons, order checks,
seasonal factors, planted vs found) and the review lists (flagged customers, flagged orders,
silent-churn candidates) with the meaning of every column.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from mining.deviation._customers import CustomerDeviations
from mining.deviation._orders import OrderDeviations
from mining.deviation._planted import planted_vs_found
from mining.deviation._series import SeriesDeviations
from mining.errors import ParameterError
from mining.findings import ActionList, Evidence, Findings, Headline

__all__ = ["FEATURE_LABEL", "FEATURE_MEANING", "ORDER_CHECK_MEANING", "action_lists",
           "customer_flag_list", "findings", "main_reason_table", "order_check_table",
           "order_flag_list", "planted_by_kind", "planted_evidence", "planted_scorecard", "seasonal_table", "series_status_table",
           "silent_churn_list"]

#: What a customer feature means when it is the main reason of a flag.
FEATURE_MEANING: dict[str, str] = {
    "n_orders": "many more orders than usual",
    "monetary_mean_order": "much larger orders than usual (order value)",
    "basket_size_mean": "much larger baskets than usual (products per order)",
    "units_per_line": "buys in bulk: many units of each product (possible reseller)",
    "burst_orders": "many orders within 24 hours (possible bot, script or fraud run)",
    "spend_peak_ratio": "a spending spike: one month far above the usual orders",
    "monetary_total": "much higher total spend than usual",
    "recency_days": "a much longer time since the last order than usual",
}
#: The same in two or three words (figure labels).
FEATURE_LABEL: dict[str, str] = {
    "n_orders": "many orders", "monetary_mean_order": "large orders",
    "basket_size_mean": "large baskets", "units_per_line": "bulk buying",
    "burst_orders": "order bursts", "spend_peak_ratio": "spending spike",
    "monetary_total": "high spend", "recency_days": "long absence",
    "(combination)": "unusual combination",
}
#: What each order check means.
ORDER_CHECK_MEANING: dict[str, str] = {
    "amount_own": "amount far above the customer's own usual order",
    "lines_own": "far more lines than the customer's own usual order",
    "amount": "amount far above the usual order of all customers",
    "lines": "far more lines than the usual order of all customers",
    "quantity": "units of a product far above its usual units per line (bulk or entry error)",
    "price": "unit price far from the product's usual price (entry error?)",
}


def _main_reason(codes: Any) -> str:
    codes = list(codes) if codes is not None else []
    return str(codes[0]).split(":")[0] if codes else ""


def main_reason_table(flags: pd.DataFrame) -> pd.DataFrame:
    """How many flagged customers have each main reason (the feature of their first reason),
    with its meaning in words, most common first; "(combination)" for flags that no single
    feature explains.

    >>> f = pd.DataFrame({"reason_codes": [("units_per_line:+9",), ("units_per_line:+7",), ()]})
    >>> main_reason_table(f).to_dict("list")  # doctest: +NORMALIZE_WHITESPACE
    {'main_reason': ['units_per_line', '(combination)'],
     'label': ['bulk buying', 'unusual combination'],
     'meaning': ['buys in bulk: many units of each product (possible reseller)',
                 'an unusual combination of features, none extreme alone'],
     'customers': [2, 1], 'share': [0.6666666666666666, 0.3333333333333333]}
    """
    if not isinstance(flags, pd.DataFrame) or "reason_codes" not in flags:
        raise ParameterError("main_reason_table expects the flags of a CustomerDeviations "
                             "(with a reason_codes column).")
    main = flags["reason_codes"].map(_main_reason).replace("", "(combination)")
    counts = main.value_counts()
    meaning = {**FEATURE_MEANING,
               "(combination)": "an unusual combination of features, none extreme alone"}
    return pd.DataFrame({
        "main_reason": counts.index.astype(str),
        "label": [FEATURE_LABEL.get(k, k) for k in counts.index],
        "meaning": [meaning.get(k, f"{k} far above usual") for k in counts.index],
        "customers": counts.to_numpy().astype(int),
        "share": (counts / max(len(flags), 1)).to_numpy(),
    })


def order_check_table(orders: OrderDeviations) -> pd.DataFrame:
    """The flagged orders by the check that flagged them (``main_check``): meaning, orders and
    their total amount, most common first."""
    if not isinstance(orders, OrderDeviations):
        raise ParameterError(f"order_check_table expects an OrderDeviations. Got "
                             f"{type(orders).__name__}.")
    f = orders.flags
    g = f.groupby("main_check")
    out = pd.DataFrame({"orders": g.size(), "amount": g["amount"].sum()})
    out = out.sort_values("orders", ascending=False)
    out.insert(0, "meaning", [ORDER_CHECK_MEANING.get(k, k) for k in out.index])
    out.index.name = "main_check"
    return out.reset_index()


def seasonal_table(breaks: SeriesDeviations) -> pd.DataFrame:
    """The monthly seasonal factors of a series result as a one-row table (months as columns;
    1.00 = an average month, 1.17 = 17% above it).

    >>> r = SeriesDeviations(weeks=pd.DataFrame(), summary=pd.DataFrame(),
    ...                      seasonal=pd.Series([0.9, 1.1], index=[1, 2]))
    >>> seasonal_table(r).columns.tolist()
    ['Jan', 'Feb']
    """
    s = breaks.seasonal
    cols = [calendar.month_abbr[int(m)] if str(m).isdigit() else str(m) for m in s.index]
    return pd.DataFrame([s.to_numpy(dtype=float)],
                        index=pd.Index(["seasonal factor"], name="month"), columns=cols)


_STATUS_MEANING = {
    "ok": "long enough to be judged",
    "too short": "too few weeks (or orders) to judge",
}


def series_status_table(breaks: SeriesDeviations) -> pd.DataFrame:
    """How many series were judged and why the others were not: ``status``, ``series``,
    ``meaning``.

    >>> s = pd.DataFrame({"status": ["ok", "ok", "too short"]})
    >>> series_status_table(SeriesDeviations(weeks=pd.DataFrame(), summary=s,
    ...                     seasonal=pd.Series()))["series"].tolist()
    [2, 1]
    """
    counts = breaks.summary["status"].value_counts()
    return pd.DataFrame({"status": counts.index.astype(str),
                         "series": counts.to_numpy().astype(int),
                         "meaning": [_STATUS_MEANING.get(str(k), str(k)) for k in counts.index]})


def planted_scorecard(found: Mapping[str, Iterable[Any]], planted: pd.DataFrame, *,
                      id_column: str = "customer_id") -> pd.DataFrame:
    """Recall and precision of several flag sets against the planted anomalies, one row each.

    Parameters
    ----------
    found : mapping of setting name -> flagged ids
        e.g. ``{"default cut": res.flags.index, "top 1%": top_scored(res.scores)}``.
    planted : DataFrame
        The planted truth (``id_column`` and ``kind``).

    Returns
    -------
    DataFrame indexed by ``setting``: ``planted``, ``flagged``, ``found`` (planted ones
    flagged), ``recall``, ``precision``.

    >>> truth = pd.DataFrame({"customer_id": ["a", "b"], "kind": ["x", "y"]})
    >>> planted_scorecard({"cut": ["a", "z"]}, truth).loc["cut"].tolist()
    [2.0, 2.0, 1.0, 0.5, 0.5]
    """
    rows = {}
    for name, ids in found.items():
        t = planted_vs_found(ids, planted, id_column=id_column)
        rows[name] = {"planted": int(t.loc["all", "planted"]),
                      "flagged": int(t.loc["all", "flagged"]),
                      "found": int(t.loc["all", "found"]),
                      "recall": float(t.loc["all", "recall"]),
                      "precision": float(t.loc["all", "precision"])}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "setting"
    return out


def planted_by_kind(found: Mapping[str, Iterable[Any]], planted: pd.DataFrame, *,
                    id_column: str = "customer_id") -> pd.DataFrame:
    """Planted anomalies by kind and how many of each every flag set found (no empty columns).

    Returns a DataFrame indexed by ``kind``: ``planted`` and one ``found: <setting>`` column per
    flag set.

    >>> truth = pd.DataFrame({"customer_id": ["a", "b", "c"], "kind": ["x", "x", "y"]})
    >>> planted_by_kind({"cut": ["a"]}, truth).to_dict("list")
    {'planted': [2, 1], 'found: cut': [1, 0]}
    """
    out = None
    for name, ids in found.items():
        t = planted_vs_found(ids, planted, id_column=id_column).drop(index="all")
        if out is None:
            out = t[["planted"]].astype(int).copy()
        out[f"found: {name}"] = t["found"].astype(int)
    if out is None:
        raise ParameterError("planted_by_kind: give at least one flag set.")
    return out


_CUSTOMER_LIST_COLUMNS = {
    "customer_id": "customer identifier (text, as in the data)",
    "rank": "1 = the most unusual customer",
    "score": "combined deviation score, in robust standard deviations above the typical "
             "customer (flagged above the rule stated in the report)",
    "segment": "the RFM segment the customer was compared with (peer group)",
    "main_reason": "the feature that deviates most (see the main-reason table of the report)",
    "reasons": "every deviating feature in words, strongest first",
    "n_orders": "orders placed before the cutoff",
    "monetary_mean_order": "mean order value",
    "n_flagged_orders": "orders of this customer flagged as unusual",
}


def customer_flag_list(result: CustomerDeviations, *, orders: OrderDeviations | None = None,
                       currency: str = "EUR") -> tuple[pd.DataFrame, dict[str, str]]:
    """The flagged customers to review, and the meaning of each column.

    Returns the list indexed by ``customer_id`` (text), most unusual first: ``rank``,
    ``score``, ``segment`` (with peer groups), ``main_reason``, ``reasons``, ``n_orders`` and
    ``monetary_mean_order`` (when the features have them), ``n_flagged_orders`` (with
    ``orders``); and column -> meaning for every column.
    """
    if not isinstance(result, CustomerDeviations):
        raise ParameterError(f"customer_flag_list expects a CustomerDeviations. Got "
                             f"{type(result).__name__}.")
    f = result.flags
    cols = ["rank", "score"] + (["segment"] if "segment" in f else [])
    out = f[cols].copy()
    out["main_reason"] = f["reason_codes"].map(_main_reason).replace("", "(combination)")
    out["reasons"] = f["reasons"]
    extra = [c for c in ("n_orders", "monetary_mean_order") if c in result.values]
    out = out.join(result.values[extra])
    if orders is not None:
        per = orders.by_customer()["n_flagged_orders"]
        per.index = per.index.astype(str)
        out.index = out.index.astype(str)
        out["n_flagged_orders"] = per.reindex(out.index).fillna(0).astype(int)
    out.index = out.index.astype(str)
    out.index.name = "customer_id"
    meaning = {c: _CUSTOMER_LIST_COLUMNS[c] for c in ["customer_id", *out.columns]}
    meaning["monetary_mean_order"] += f" ({currency})" if "monetary_mean_order" in out else ""
    return out, meaning


_ORDER_LIST_COLUMNS = {
    "order_id": "order identifier (text, as in the data)",
    "customer_id": "customer who placed the order (text)",
    "timestamp": "date and time of the order",
    "amount": "order amount",
    "n_lines": "order lines (distinct products)",
    "score": "the largest check, in robust standard deviations (flagged above the rule in the "
             "report)",
    "main_check": "the check that flagged it (see the order-check table of the report)",
    "reasons": "every check that deviates, in words",
}


def order_flag_list(orders: OrderDeviations, *,
                    currency: str = "EUR") -> tuple[pd.DataFrame, dict[str, str]]:
    """The flagged orders to review (most unusual first, indexed by ``order_id`` as text) and
    the meaning of each column: ``customer_id``, ``timestamp``, ``amount``, ``n_lines``,
    ``score``, ``main_check``, ``reasons``."""
    if not isinstance(orders, OrderDeviations):
        raise ParameterError(f"order_flag_list expects an OrderDeviations. Got "
                             f"{type(orders).__name__}.")
    cols = ["customer_id", "timestamp", "amount", "n_lines", "score", "main_check", "reasons"]
    out = orders.flags[cols].copy()
    out["customer_id"] = out["customer_id"].astype(str)
    out.index = out.index.astype(str)
    out.index.name = "order_id"
    meaning = dict(_ORDER_LIST_COLUMNS)
    meaning["amount"] += f" ({currency})"
    return out, meaning


_SILENT_COLUMNS = {
    "customer_id": "customer identifier (text, as in the data)",
    "n_orders": "orders placed before the cutoff",
    "drop_start": "first week of the sustained drop in weekly spend",
    "drop_ratio": "spend level since the drop as a share of the level before (0 = stopped)",
    "reason": "the drop (and any earlier breaks) in words",
}


def silent_churn_list(silent: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """The silent-churn candidates (:func:`~mining.deviation.silent_churn`) as a list for the
    retention team, steepest drop first, and the meaning of each column."""
    need = {"n_orders", "drop_start", "drop_ratio", "reason"}
    if not isinstance(silent, pd.DataFrame) or not need <= set(silent.columns):
        raise ParameterError("silent_churn_list expects the table of deviation.silent_churn.")
    out = silent[["n_orders", "drop_start", "drop_ratio", "reason"]].copy()
    out.index = out.index.astype(str)
    out.index.name = "customer_id"
    return out, dict(_SILENT_COLUMNS)


def _pct(x: float) -> str:
    return f"{x:.1%}" if 0 < abs(x) < 0.1 else f"{x:.0%}"


def findings(customers: CustomerDeviations, orders: OrderDeviations | None = None, *,
             silent: pd.DataFrame | None = None,
             planted_customers: pd.DataFrame | None = None,
             planted_orders: pd.DataFrame | None = None,
             currency: str = "EUR") -> Findings:
    """The key findings of deviation detection: what to review, and why.

    Parameters
    ----------
    customers : CustomerDeviations
        :func:`~mining.deviation.detect_customers` (its flags and reasons).
    orders : OrderDeviations, optional
        :func:`~mining.deviation.order_deviations`.
    silent : DataFrame, optional
        :func:`~mining.deviation.silent_churn` candidates.
    planted_customers, planted_orders : DataFrame, optional
        The demo's planted anomalies (``truth.anomalous_customers`` / ``anomalous_orders``):
        recall and precision go into the details (never the headline, which must read the same
        on real data).
    currency : str, default "EUR"

    Returns
    -------
    Findings
        Headline: customers flagged (count and share), orders flagged and their amount,
        silent-churn candidates. Verdict: what stands out and the commonest reason; when
        nothing passes the cut, that the data hold no outliers by this rule.
    """
    if not isinstance(customers, CustomerDeviations):
        raise ParameterError(f"deviation.findings expects a CustomerDeviations first. Got "
                             f"{type(customers).__name__}.")
    flags = customers.flags
    n_all = len(customers.scores)
    n = len(flags)
    share = n / n_all if n_all else 0.0
    headline = [Headline("Unusual customers to review", n, "count", "table of flagged customers"),
                Headline("Share of all customers flagged", share, "percent",
                         "table of flagged customers")]
    n_orders = None
    if orders is not None:
        of = orders.flags
        n_orders = len(of)
        headline.append(Headline("Unusual orders to review", n_orders, "count",
                                 "table of flagged orders"))
        headline.append(Headline("Amount in the flagged orders", float(of["amount"].sum()),
                                 "money", "order-check table"))
    if silent is not None:
        headline.append(Headline("Silent-churn candidates (spend fell, no goodbye)", len(silent),
                                 "count", "silent-churn table"))

    reasons = main_reason_table(flags) if n else None
    if n:
        top = reasons.iloc[0]
        top_words = (FEATURE_MEANING.get(top["main_reason"], top["main_reason"])
                     if top["main_reason"] != "(combination)"
                     else "an unusual combination of features")
        verdict = (f"{n:,} of {n_all:,} customers ({_pct(share)}) behave unlike the rest; the "
                   f"commonest reason is {top_words} ({top['customers']} of {n:,}).")
    else:
        verdict = (f"No customer stands out beyond the cut ({customers.rule}): on these "
                   "features the customers look alike.")
    if n_orders:
        checks = order_check_table(orders)
        verdict += (f" {n_orders:,} orders lie far outside their customer's or product's norm, "
                    f"most for: {checks.iloc[0]['meaning']}.")
    elif orders is not None:
        verdict += " No order lies far outside its norm."
    if n or n_orders:
        recommendation = ("Have someone review the flagged customers and orders, top of the "
                          "lists first, before acting: a flag is a question, not a verdict")
    else:
        recommendation = ("Nothing to review now; rerun after the next data load, or use top_n "
                          "to look at the most unusual customers anyway")
    if silent is not None and len(silent):
        recommendation += (f"; pass the {len(silent):,} silent-churn candidates to the retention "
                           "team")
    recommendation += "."

    details = [f"Customers: {customers.rule}."]
    if orders is not None:
        details.append(f"Orders: {orders.rule}; {n_orders:,} of {len(orders.orders):,} orders "
                       "flagged.")
    if n_orders:
        of = orders.flags
        own = of["customer_id"].astype(str).isin(flags.index.astype(str))
        details.append(f"{int(own.sum()):,} of the {n_orders:,} flagged orders belong to the "
                       f"{n:,} flagged customers (their unusual behaviour shows in single "
                       "orders too).")
    if planted_customers is not None:
        t = planted_vs_found(flags.index, planted_customers)
        details.append(
            f"Planted vs found (demo truth), customers: {int(t.loc['all', 'found'])} of "
            f"{int(t.loc['all', 'planted'])} planted unusual customers flagged (recall "
            f"{t.loc['all', 'recall']:.2f}); {_pct(float(t.loc['all', 'precision']))} of the "
            f"flags are planted ones (precision {t.loc['all', 'precision']:.2f}); the other flags "
            "can be genuinely unusual customers the simulator did not plan.")
    if planted_orders is not None and orders is not None:
        t = planted_vs_found(orders.flags.index, planted_orders, id_column="order_id")
        prec = float(t.loc["all", "precision"]) if n_orders else float("nan")
        per = (round(1 / prec) if np.isfinite(prec) and prec > 0 else None)
        head = (f"Planted vs found (demo truth), orders: {int(t.loc['all', 'found'])} of "
                f"{int(t.loc['all', 'planted'])} planted errors and bulk orders flagged (recall "
                f"{t.loc['all', 'recall']:.2f})")
        if per is None:
            details.append(head + "; none of the order flags is a planted one.")
        elif prec < 0.5:
            of = orders.flags
            other = of[~of.index.astype(str).isin(planted_orders["order_id"].astype(str))]
            by_planted = (int(other["customer_id"].astype(str).isin(
                planted_customers["customer_id"].astype(str)).sum())
                if planted_customers is not None else None)
            whose = (f" ({by_planted} of these {len(other)} are orders of the planted unusual "
                     "customers, e.g. a reseller's bulk orders)" if by_planted else "")
            details.append(head + f", but precision is low ({prec:.2f}): about 1 order flag in "
                           f"{per} is a planted error, bulk line or giant basket; the rest are "
                           f"real orders that are large for their customer or product{whose}. "
                           "A reviewer should expect to clear most order flags quickly and work "
                           "down the list by score.")
        else:
            details.append(head + f"; precision {prec:.2f}: most order flags are planted ones.")
    return Findings(title="Deviation detection", headline=headline[:5], verdict=verdict,
                    recommendation=recommendation, details=details, currency=currency)


def planted_evidence(customers: CustomerDeviations, orders: OrderDeviations | None, truth: Any, *,
                     top_share: float = 0.01) -> list[Evidence]:
    """What the detectors flagged against what the demo planted (``truth.anomalous_customers``,
    ``truth.anomalous_orders``): the scorecard and the kinds found, for the default cut and the
    ``top_share`` highest customer scores, then for the orders. Empty for real data."""
    from mining.deviation._summaries import top_scored

    planted_c = getattr(truth, "anomalous_customers", None)
    if planted_c is None:
        return []
    sets = {"default cut": customers.flags.index,
            f"top {top_share:.0%} of scores": top_scored(customers.scores, share=top_share)}
    out = [Evidence("Customers: planted vs flagged", planted_scorecard(sets, planted_c)),
           Evidence("Customers: planted kinds found", planted_by_kind(sets, planted_c))]
    planted_o = getattr(truth, "anomalous_orders", None)
    if orders is not None and planted_o is not None:
        order_sets = {"default cut": orders.flags.index}
        out += [Evidence("Orders: planted vs flagged",
                         planted_scorecard(order_sets, planted_o, id_column="order_id")),
                Evidence("Orders: planted kinds found",
                         planted_by_kind(order_sets, planted_o, id_column="order_id"))]
    return out


def action_lists(customers: CustomerDeviations, orders: OrderDeviations | None = None,
                 silent: pd.DataFrame | None = None, *, currency: str = "EUR") -> list[ActionList]:
    """The review lists of notebook 06 for :func:`mining.actions.save_action_lists`:
    ``flagged_customers`` (:func:`customer_flag_list`), ``flagged_orders``
    (:func:`order_flag_list`, with ``orders``) and ``silent_churn`` (:func:`silent_churn_list`,
    with ``silent``)."""
    table, columns = customer_flag_list(customers, orders=orders, currency=currency)
    out = [ActionList("flagged_customers", table, "unusual customers to review, most unusual "
                      "first, with score and reasons", columns)]
    if orders is not None:
        table, columns = order_flag_list(orders, currency=currency)
        out.append(ActionList("flagged_orders", table, "unusual orders to review (bulk, price "
                              "errors, giant baskets), with reasons", columns))
    if silent is not None:
        table, columns = silent_churn_list(silent)
        out.append(ActionList("silent_churn", table, "regular customers whose spending fell away "
                              "in the last 26 weeks (for the retention team)", columns))
    return out
