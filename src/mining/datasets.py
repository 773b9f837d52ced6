"""Built-in datasets: the synthetic ``demo`` shop with planted truth, and real datasets that
installed packages ship (CDNOW, and teaching sets of the ``dmba`` package).

>>> from mining import datasets
>>> ds = datasets.load("demo", size="small", seed=0)
>>> ds.transactions.columns.tolist()[:4]
['customer_id', 'order_id', 'timestamp', 'product_id']

Every dataset says what it can support (``capabilities``); :func:`missing_requirements` turns a
notebook's needs into a readable reason to skip it (``mining report --dataset cdnow`` uses it).
No dataset is downloaded: each comes from this package or from a file inside an installed package.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from mining._real_datasets import REAL_DATASETS
from mining.errors import MiningError, ParameterError
from mining.schema import CleaningReport, clean_transactions
from mining.simulate import END, DemoTruth, simulate_shop

__all__ = [
    "CAPABILITY_REASONS",
    "Dataset",
    "SIZES",
    "available",
    "capabilities",
    "export",
    "load",
    "missing_requirements",
    "names",
]

SIZES: dict[str, int] = {"default": 5000, "small": 400}

_DEMO_CAPABILITIES = {
    "transactions": True, "timestamps": True, "products": True, "categories": True,
    "prices": True, "customers": True, "truth": True,
}

#: What each capability means when it is missing (the reason a notebook is skipped).
CAPABILITY_REASONS: dict[str, str] = {
    "transactions": "no order lines (a customer table only): this analysis reads transactions",
    "timestamps": "no purchase dates: recency, sequences and churn need dates",
    "products": "no product column: basket and sequence analysis need products",
    "categories": "no product categories",
    "prices": "no real prices: monetary value would be meaningless",
    "customers": "no customer attributes table",
    "truth": "no planted truth (real data): the planted-vs-found checks need the demo",
    "customer_table": "no customer table",
}

_REAL_EXTRA: dict[str, dict[str, object]] = {
    # dates that make sense as "today" for each real dataset (the day after the last purchase)
    "cdnow": {"as_of": pd.Timestamp("1998-07-01"), "prices": True, "categories": False},
    "cosmetics": {"prices": False, "categories": False},
    "catalog_cross_sell": {"prices": False, "categories": False},
}


@dataclass
class Dataset:
    """A built-in dataset in the workbench's shapes.

    Attributes
    ----------
    name, description, source, licence, notes : str
    transactions : DataFrame or None
        Clean order lines in the contract (``customer_id``, ``order_id``, ``timestamp``,
        ``product_id``, ``product_name``, ``category``, ``quantity``, ``unit_price``).
    raw_transactions : DataFrame or None
        The lines before cleaning (the demo keeps its planted dirt and a ``status`` column here).
    cleaning : CleaningReport or None
        What cleaning removed from ``raw_transactions``, by reason.
    customers : DataFrame or None
        One row per customer (attributes, or a ready customer table for the dmba sets).
    truth : DemoTruth or None
        What the simulator planted (demo only).
    as_of : Timestamp or None
        The analysis date that fits the data (the day after its last purchase; for undated
        basket sets the day after their placeholder date). None for customer tables.
    as_of_rule : str
        How ``as_of`` was chosen, in words (``mining.inputs.open_inputs`` quotes it).
    capabilities : dict[str, bool]
        What the data can support: transactions, timestamps, products, categories, prices,
        customers, truth, customer_table.
    """

    name: str
    description: str
    source: str
    licence: str
    transactions: pd.DataFrame | None
    raw_transactions: pd.DataFrame | None = None
    cleaning: CleaningReport | None = None
    customers: pd.DataFrame | None = None
    truth: DemoTruth | None = None
    as_of: pd.Timestamp | None = None
    capabilities: dict[str, bool] = field(default_factory=dict)
    products: pd.DataFrame | None = None
    notes: str = ""
    as_of_rule: str = ""

    def summary(self) -> str:
        """Name, source, size and capabilities in a few lines."""
        lines = [f"{self.name}: {self.description}", f"source: {self.source}",
                 f"licence: {self.licence}"]
        if self.transactions is not None:
            tx = self.transactions
            lines.append(
                f"{len(tx):,} order lines, {tx['order_id'].nunique():,} orders, "
                f"{tx['customer_id'].nunique():,} customers, {tx['product_id'].nunique():,} products"
                + (f", {tx['timestamp'].min():%Y-%m-%d} .. {tx['timestamp'].max():%Y-%m-%d}"
                   if self.capabilities.get("timestamps") else "")
            )
        if self.customers is not None:
            lines.append(f"customer table: {len(self.customers):,} rows x "
                         f"{self.customers.shape[1]} columns")
        if self.as_of is not None:
            lines.append(f"as_of: {self.as_of:%Y-%m-%d}"
                         + (f" ({self.as_of_rule})" if self.as_of_rule else ""))
        ok = [k for k, v in self.capabilities.items() if v]
        lines.append("supports: " + ", ".join(ok))
        if self.notes:
            lines.append(f"notes: {self.notes}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return "<pre>" + self.summary() + "</pre>"


@functools.lru_cache(maxsize=4)
def _demo(n_customers: int, seed: int) -> Dataset:
    shop = simulate_shop(n_customers, seed=seed)
    clean, report = clean_transactions(shop.raw_transactions)
    clean = clean.drop(columns=["status"])
    return Dataset(
        name="demo",
        description=f"Synthetic online grocery-and-home shop, {n_customers:,} customers over two "
        "years (2024-2025), with planted segments, cross-sell rules, purchase sequences, churn "
        "and anomalies recorded in `truth`.",
        source=f"mining.simulate.simulate_shop(n_customers={n_customers}, seed={seed})",
        licence="Generated data, free to use (MIT, like this package)",
        transactions=clean,
        raw_transactions=shop.raw_transactions,
        cleaning=report,
        customers=shop.customers,
        truth=shop.truth,
        as_of=END,
        capabilities=dict(_DEMO_CAPABILITIES),
        products=shop.products,
        notes="raw_transactions holds the planted dirt; transactions is the cleaned table.",
        as_of_rule="the end of the simulated period, just after its last order on "
        f"{clean['timestamp'].max():%Y-%m-%d}",
    )


@functools.lru_cache(maxsize=8)
def _real(name: str) -> Dataset:
    real = REAL_DATASETS[name]()
    extra = _REAL_EXTRA.get(name, {})
    caps = dict(real.capabilities)
    caps.setdefault("customer_table", False)
    caps["categories"] = bool(extra.get("categories", False))
    caps["prices"] = bool(extra.get("prices", False))
    caps["customers"] = real.customers is not None
    caps["truth"] = False
    clean = report = None
    as_of = extra.get("as_of")
    rule = ""
    if real.transactions is not None:
        clean, report = clean_transactions(real.transactions)
        last = clean["timestamp"].max()
        if as_of is None:  # the day after the last (or placeholder) date
            as_of = last.normalize() + pd.Timedelta(days=1)
            rule = (f"the day after its last purchase, {last:%Y-%m-%d}" if caps.get("timestamps")
                    else f"the day after its placeholder date {last:%Y-%m-%d}: it has no dates")
        else:
            rule = f"the end of its observation period, after its last purchase on {last:%Y-%m-%d}"
    return Dataset(
        name=real.name, description=real.description, source=real.source, licence=real.licence,
        transactions=clean, raw_transactions=real.transactions, cleaning=report,
        customers=real.customers, as_of=as_of,  # type: ignore[arg-type]
        capabilities=caps, notes=real.notes, as_of_rule=rule,
    )


def _copy(ds: Dataset) -> Dataset:
    """A copy whose tables the caller may change without touching the cache."""
    def cp(x: pd.DataFrame | None) -> pd.DataFrame | None:
        return None if x is None else x.copy()

    return Dataset(
        name=ds.name, description=ds.description, source=ds.source, licence=ds.licence,
        transactions=cp(ds.transactions), raw_transactions=cp(ds.raw_transactions),
        cleaning=ds.cleaning, customers=cp(ds.customers), truth=ds.truth, as_of=ds.as_of,
        capabilities=dict(ds.capabilities), products=cp(ds.products), notes=ds.notes,
        as_of_rule=ds.as_of_rule,
    )


def names() -> list[str]:
    """Names accepted by :func:`load`."""
    return ["demo", *REAL_DATASETS]


def load(name: str = "demo", *, size: str = "default", n_customers: int | None = None,
         seed: int = 0) -> Dataset:
    """Load a built-in dataset.

    Parameters
    ----------
    name : str
        ``"demo"`` (synthetic shop with planted truth) or a real dataset: ``"cdnow"``,
        ``"cosmetics"``, ``"catalog_cross_sell"``, ``"charles_book_club"``,
        ``"east_west_airlines"`` (see :func:`available`).
    size : {"default", "small"}
        Demo only: ``default`` is about 5,000 customers and 220,000 order lines; ``small`` about
        400 customers and 17,500 lines (tests and quick runs).
    n_customers : int, optional
        Demo only: overrides ``size``.
    seed : int
        Demo only: seed of the generator (same seed, same data).

    Returns
    -------
    Dataset

    See Also
    --------
    mining.inputs.open_inputs : a dataset *or* your own source, cleaned, with a resolved ``as_of``
        and its rule in words (what the notebooks call).
    """
    if not isinstance(name, str) or name not in names():
        raise ParameterError(
            f"The 'name' parameter of datasets.load must be one of {names()}. Got {name!r} "
            "instead. Use `mining datasets list` to see them, or load your own file with "
            "mining.io.load_transactions."
        )
    if size not in SIZES:
        raise ParameterError(
            f"The 'size' parameter of datasets.load must be one of {list(SIZES)}. Got {size!r} "
            "instead."
        )
    if name == "demo":
        n = SIZES[size] if n_customers is None else n_customers
        if not isinstance(n, int) or n < 50:
            raise ParameterError(
                f"The 'n_customers' parameter of datasets.load must be an integer >= 50. "
                f"Got {n!r} instead."
            )
        if not isinstance(seed, int) or seed < 0:
            raise ParameterError(
                f"The 'seed' parameter of datasets.load must be a non-negative integer. "
                f"Got {seed!r} instead."
            )
        return _copy(_demo(int(n), int(seed)))
    return _copy(_real(name))


def available() -> pd.DataFrame:
    """One row per built-in dataset: ``name``, ``description``, ``source``, ``licence``,
    ``supports`` (capabilities, comma-separated). Loads nothing but the demo's settings."""
    rows = [{
        "name": "demo",
        "description": "Synthetic shop with planted truth (segments, rules, sequences, churn, "
        "anomalies); sizes default (5,000 customers) and small (400).",
        "source": "mining.simulate (generated on load)",
        "licence": "MIT",
        "supports": ", ".join(k for k, v in _DEMO_CAPABILITIES.items() if v),
    }]
    for name in REAL_DATASETS:
        try:
            ds = _real(name)
        except MiningError as exc:  # a package is missing: list it with the reason
            rows.append({"name": name, "description": str(exc), "source": "", "licence": "",
                         "supports": ""})
            continue
        rows.append({"name": name, "description": ds.description, "source": ds.source,
                     "licence": ds.licence,
                     "supports": ", ".join(k for k, v in ds.capabilities.items() if v)})
    return pd.DataFrame(rows)


def capabilities(name: str) -> dict[str, bool]:
    """What dataset ``name`` supports (the demo without generating it)."""
    if name == "demo":
        return dict(_DEMO_CAPABILITIES)
    if name not in REAL_DATASETS:
        raise ParameterError(f"Unknown dataset {name!r}; choose one of {names()}.")
    return dict(_real(name).capabilities)


def missing_requirements(name: str, requires: list[str] | tuple[str, ...]) -> list[str]:
    """Readable reasons why dataset ``name`` cannot serve an analysis that ``requires`` these
    capabilities (empty list: it can)."""
    caps = capabilities(name)
    unknown = [r for r in requires if r not in CAPABILITY_REASONS]
    if unknown:
        raise ParameterError(
            f"Unknown requirement(s) {unknown}; choose from {sorted(CAPABILITY_REASONS)}."
        )
    return [CAPABILITY_REASONS[r] for r in requires if not caps.get(r, False)]


def export(name: str, path: str | Path, *, size: str = "default", n_customers: int | None = None,
           seed: int = 0, raw: bool = False) -> Path:
    """Write a dataset's transactions (or customer table when it has no transactions) to CSV or
    Parquet (by the file suffix); ``raw=True`` writes the lines before cleaning. Returns the path.

    ``data/sample_transactions.csv`` is ``export("demo", path, n_customers=60, seed=0)``."""
    ds = load(name, size=size, n_customers=n_customers, seed=seed)
    table = ds.raw_transactions if raw else ds.transactions
    index = False
    if table is None:
        table, index = ds.customers, True
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        table.to_parquet(path, index=index)
    elif path.suffix.lower() in {".csv", ".txt"}:
        table.to_csv(path, index=index)
    else:
        raise ParameterError(
            f"The 'path' parameter of datasets.export must end in .csv or .parquet. Got {str(path)!r}"
            " instead."
        )
    return path
