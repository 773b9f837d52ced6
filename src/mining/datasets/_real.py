"""Real datasets shipped by installed packages, converted to the contract or to a customer table.

Only files that an installed package ships are read (no network). Each loader of
:data:`REAL_DATASETS` returns a ``RealData`` record; :mod:`mining.datasets` wraps it into its
``Dataset``. :func:`load_cdnow_sample` (public as ``mining.datasets.load_cdnow_sample``) returns
the CDNOW 1/10 sample as contract transactions, the data of the published BG/NBD estimates.

- CDNOW (package ``lifetimes``): 69,659 purchases by 23,570 customers of the CDNOW online music
  store, 1997-01-01 .. 1998-06-30 (Fader & Hardie). One row per purchase with the number of CDs and
  the amount; there is no product column. Its 1/10 sample (2,357 customers) is
  :func:`load_cdnow_sample`.
- From ``dmba`` (companion of Shmueli et al., *Data Mining for Business Analytics*, Python ed.):
  Cosmetics (1,000 baskets x 14 cosmetics), CatalogCrossSell (4,998 customers x 9 catalogue
  divisions bought from), CharlesBookClub (4,000 customers with R, F, M and the response to a
  mailing), EastWestAirlinesCluster (3,999 frequent-flyer members for segmentation).
"""

from __future__ import annotations

import gzip
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from mining.errors import MiningError

__all__ = ["REAL_DATASETS", "RealData", "load_cdnow_sample", "package_file"]

# Placeholder date for basket datasets that record no time: analyses that need time are skipped.
UNDATED = pd.Timestamp("2000-01-01")


@dataclass
class RealData:
    """A real dataset in the workbench's shapes, with where it came from."""

    name: str
    description: str
    source: str
    licence: str
    transactions: pd.DataFrame | None
    customers: pd.DataFrame | None
    capabilities: dict[str, bool] = field(default_factory=dict)
    notes: str = ""


def package_file(package: str, relative: str) -> Path:
    """Path of a data file shipped inside an installed package, without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise MiningError(
            f"The dataset needs the package {package!r}, which is not installed. "
            f"Run `pip install {package}` (it is a dependency of mining: reinstall with make)."
        )
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.exists():
        raise MiningError(f"The package {package!r} is installed but has no file {relative!r}.")
    return path


def _read_dmba(name: str) -> pd.DataFrame:
    with gzip.open(package_file("dmba", f"csvFiles/{name}.csv.gz"), "rt", encoding="utf-8-sig") as fh:
        frame = pd.read_csv(fh)
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _one_hot_to_lines(frame: pd.DataFrame, id_col: str, prefix: str, category: str) -> pd.DataFrame:
    """Basket flags (one row per basket, one 0/1 column per item) to order lines."""
    items = [c for c in frame.columns if c != id_col]
    long = frame.melt(id_vars=[id_col], value_vars=items, var_name="product_name", value_name="flag")
    long = long[long["flag"] > 0].sort_values([id_col, "product_name"], kind="stable")
    ids = prefix + long[id_col].astype(str)
    return pd.DataFrame(
        {
            "customer_id": ids.to_numpy(),
            "order_id": ids.to_numpy(),
            "timestamp": UNDATED,
            "product_id": long["product_name"].str.strip().to_numpy(),
            "product_name": long["product_name"].str.strip().to_numpy(),
            "category": category,
            "quantity": 1.0,
            "unit_price": 1.0,
        }
    ).reset_index(drop=True)


def load_cdnow() -> RealData:
    path = package_file("lifetimes", "datasets/CDNOW_master.txt")
    raw = pd.read_csv(path, sep=r"\s+", header=0, dtype={0: str, 1: str},
                      names=["customer_id", "date", "n_cds", "amount"])
    raw = raw.reset_index(names="line")
    n_cds = raw["n_cds"].astype(float)
    tx = pd.DataFrame(
        {
            "customer_id": raw["customer_id"],
            "order_id": "CD" + raw["line"].astype(str).str.zfill(5),
            "timestamp": pd.to_datetime(raw["date"], format="%Y%m%d"),
            "product_id": "CD",
            "product_name": "CDs (not itemised)",
            "category": "Music",
            "quantity": n_cds,
            # the file gives the purchase amount; the contract wants a unit price
            "unit_price": raw["amount"] / n_cds.where(n_cds > 0),
        }
    )
    return RealData(
        name="cdnow",
        description="CDNOW online music store: 69,659 purchases by 23,570 customers who first bought "
        "in Q1 1997, followed to 1998-06-30; CDs per purchase and amount, no product detail.",
        source="Fader & Hardie, CDNOW_master.txt as shipped by the Python package lifetimes",
        licence="Research/teaching use as distributed by B. Hardie; lifetimes is MIT-licensed",
        transactions=tx,
        customers=None,
        capabilities={"transactions": True, "timestamps": True, "products": False},
        notes="Every purchase is one order of one pseudo-product 'CD'; unit_price = amount / CDs.",
    )


def load_cdnow_sample() -> pd.DataFrame:
    """The CDNOW 1/10 sample (2,357 customers, 6,919 purchases) as contract transactions.

    This is the sample behind the published BG/NBD and Gamma-Gamma estimates (Fader, Hardie and
    Lee 2005), read from ``datasets/CDNOW_sample.txt`` of the installed package ``lifetimes``
    without importing it. ``customer_id`` is the sample's own id (``"0001"`` ..); one line per
    purchase with ``quantity`` = CDs and ``unit_price`` = amount / CDs (so spend = amount); lines
    with no CDs (and amount 0) keep ``quantity`` 1 and ``unit_price`` 0.

    Raises
    ------
    MiningError
        The package ``lifetimes`` (a dependency of ``mining``) is not installed.
    """
    path = package_file("lifetimes", "datasets/CDNOW_sample.txt")
    raw = pd.read_csv(path, sep=r"\s+", header=None, dtype={0: str, 1: str},
                      names=["master_id", "customer_id", "date", "n_cds", "amount"])
    n_cds = raw["n_cds"].astype("float64")
    qty = n_cds.where(n_cds > 0, 1.0)
    return pd.DataFrame({
        "customer_id": raw["customer_id"].astype("string"),
        "order_id": pd.Series([f"S{i:05d}" for i in range(len(raw))], dtype="string"),
        "timestamp": pd.to_datetime(raw["date"].astype(str), format="%Y%m%d"),
        "product_id": pd.Series("CD", index=raw.index, dtype="string"),
        "product_name": pd.Series("CDs (not itemised)", index=raw.index, dtype="string"),
        "category": pd.Series("Music", index=raw.index, dtype="string"),
        "quantity": qty,
        "unit_price": raw["amount"].astype("float64") / qty,
    })


def _dmba_record(name: str, table: str, **fields: object) -> RealData:
    """The ``RealData`` of dmba's ``<table>.csv``: source and licence filled in, ``fields`` as given."""
    return RealData(
        name=name,
        source=f"dmba package (Shmueli et al., Data Mining for Business Analytics), {table}.csv",
        licence="Teaching data shipped with dmba (MIT-licensed package)",
        **fields,  # type: ignore[arg-type]
    )


def _dmba_baskets(name: str, table: str, frame: pd.DataFrame, id_column: str, prefix: str,
                  category: str, *, description: str, notes: str) -> RealData:
    """A dmba one-hot basket table as undated, unpriced transactions (no customer table)."""
    return _dmba_record(
        name, table,
        description=description,
        transactions=_one_hot_to_lines(frame, id_column, prefix, category),
        customers=None,
        capabilities={"transactions": True, "timestamps": False, "products": True},
        notes=notes,
    )


def load_cosmetics() -> RealData:
    return _dmba_baskets(
        "cosmetics", "Cosmetics", _read_dmba("Cosmetics"), "Trans.", "T", "Cosmetics",
        description="1,000 cosmetics-store baskets x 14 products (bought / not bought).",
        notes="Anonymous baskets: each basket is its own 'customer'; no dates, no prices "
        "(dated 2000-01-01, unit_price 1 as placeholders).",
    )


def load_catalog_cross_sell() -> RealData:
    frame = _read_dmba("CatalogCrossSell")
    frame.columns = [c.replace(" Division", "") for c in frame.columns]
    return _dmba_baskets(
        "catalog_cross_sell", "CatalogCrossSell", frame, "Customer Number", "K",
        "Catalogue division",
        description="4,998 catalogue customers x 9 divisions they bought from (cross-selling).",
        notes="One basket per customer (the divisions ever bought from); no dates, no prices.",
    )


def load_charles_book_club() -> RealData:
    frame = _read_dmba("CharlesBookClub")
    customers = pd.DataFrame(
        {
            "customer_id": frame["ID#"].astype(str),
            "recency_months": frame["R"],
            "n_purchases": frame["F"],
            "monetary_total": frame["M"].astype(float),
            "months_since_first_purchase": frame["FirstPurch"],
            "gender_female": frame["Gender"],
            "bought_florence": frame["Florence"],
        }
    ).set_index("customer_id")
    for col in ["ChildBks", "YouthBks", "CookBks", "DoItYBks", "RefBks", "ArtBks", "GeogBks",
                "ItalCook", "ItalAtlas", "ItalArt"]:
        customers[f"n_{col.lower()}"] = frame[col].to_numpy()
    return _dmba_record(
        "charles_book_club", "CharlesBookClub",
        description="4,000 book-club members with recency (months), frequency, monetary value, "
        "book categories bought and whether they bought 'The Art History of Florence' when mailed.",
        transactions=None,
        customers=customers,
        capabilities={"transactions": False, "customer_table": True, "response": True},
        notes="A customer table (RFM and response), not transactions.",
    )


def load_east_west_airlines() -> RealData:
    frame = _read_dmba("EastWestAirlinesCluster")
    frame = frame.rename(columns={"ID#": "customer_id", "Award?": "award"})
    frame["customer_id"] = frame["customer_id"].astype(str)
    customers = frame.set_index("customer_id")
    customers.columns = [c.lower() for c in customers.columns]
    return _dmba_record(
        "east_west_airlines", "EastWestAirlinesCluster",
        description="3,999 frequent-flyer members: miles balance, bonus miles, flights, tenure; "
        "the textbook's segmentation case.",
        transactions=None,
        customers=customers,
        capabilities={"transactions": False, "customer_table": True},
        notes="A customer table for segmentation, not transactions.",
    )


REAL_DATASETS: dict[str, Callable[[], RealData]] = {
    "cdnow": load_cdnow,
    "cosmetics": load_cosmetics,
    "catalog_cross_sell": load_catalog_cross_sell,
    "charles_book_club": load_charles_book_club,
    "east_west_airlines": load_east_west_airlines,
}
