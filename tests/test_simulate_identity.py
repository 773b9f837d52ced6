"""The demo generator is frozen: every table ``datasets.load("demo")`` and ``simulate_shop`` return
is byte for byte what the generator gave before it was made faster.

The golden digests below were computed with :func:`table_digests` on the generator as it was at
commit 5ba82b1 (pandas 3.1.1, numpy 2.4.6), before any speed-up; a speed-up that changes a single
value, dtype, column name or index label of any table fails here and names the table."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from mining import datasets
from mining.simulate import simulate_shop


def _frame_digest(obj: pd.DataFrame | pd.Series) -> str:
    """SHA-256 (first 16 hex digits) of pandas row hashes with the index, plus the column names,
    the dtypes and the index name(s) and dtype: any changed value, type or label changes it."""
    h = hashlib.sha256()
    h.update(pd.util.hash_pandas_object(obj, index=True).to_numpy().tobytes())
    if isinstance(obj, pd.DataFrame):
        h.update(repr(list(obj.columns)).encode())
        h.update(repr(list(obj.dtypes.astype(str))).encode())
        h.update(obj.to_csv().encode())  # tuples and mixed objects exactly, not only their hash
    else:
        h.update(repr((obj.name, str(obj.dtype))).encode())
    h.update(repr((list(obj.index.names), str(obj.index.dtype), len(obj))).encode())
    return h.hexdigest()[:16]


def _value_digest(value: object) -> str:
    """Digest of a dict (sorted items) or any other value (its repr)."""
    text = repr(sorted(value.items())) if isinstance(value, dict) else repr(value)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


_TRUTH_TABLES = ["segments", "segment_profiles", "cross_sell_rules", "sequences", "churn_dates",
                 "anomalous_customers", "anomalous_orders", "attitude", "loyalty_types",
                 "driver_weights"]
_TRUTH_VALUES = ["dirty_lines", "params", "survey_params"]


def table_digests(ds: datasets.Dataset | None = None, shop=None) -> dict[str, str]:
    """One digest per table of a loaded demo ``ds`` (clean and raw lines, customers, products,
    survey, the cleaning report, every truth table and dict) or of a ``simulate_shop`` result."""
    if ds is not None:
        tables = {"transactions": ds.transactions, "raw_transactions": ds.raw_transactions,
                  "customers": ds.customers, "products": ds.products, "survey": ds.survey,
                  "removed_rows": ds.cleaning.removed_rows}
        values = {"cleaning": (ds.cleaning.rows_in, ds.cleaning.rows_out, ds.cleaning.removed),
                  "as_of": (ds.as_of, ds.as_of_rule, ds.description, ds.source)}
        truth = ds.truth
    else:
        tables = {"raw_transactions": shop.raw_transactions, "customers": shop.customers,
                  "products": shop.products, "survey": shop.survey}
        values = {}
        truth = shop.truth
    out = {name: _frame_digest(t) if t is not None else "None" for name, t in tables.items()}
    out.update({name: _value_digest(v) for name, v in values.items()})
    for name in _TRUTH_TABLES:
        t = getattr(truth, name)
        out[f"truth.{name}"] = _frame_digest(t) if t is not None else "None"
    out.update({f"truth.{name}": _value_digest(getattr(truth, name)) for name in _TRUTH_VALUES})
    return out


# Golden digests of the generator at commit 5ba82b1 (before the speed-up): per case, the first
# 12 hex digits of each table's digest, in the order of table_digests, joined by dots.
LOAD_GOLDEN: dict[tuple[str, str, int], str] = {
    ('load', 'small', 0): "feab2859e5e6.7d5e1264a18e.e64d26d923e3.7b1368316091.9e06af978d9b.54cbe0f807de.8d0488605b15.d4a8e1708b61.c6c9b6c12ee3.d65da2978e6c.033fe73c8e9c.4d144b065df9.f5085fcda802.708f2916e38f.65b19f543de9.c55c981ad104.86cbf1b56e4a.dcea7a9bb19c.9049faca102b.dc8809cc10d4.c2a9ef0757cb",
    ('load', 'small', 1): "c8230a9c381c.7b45233a2ff9.4eae31d9c67a.7b1368316091.6e4d973b7489.ecd43e7a15da.655fed142f90.83913b63bc21.ffa9a8e46b02.d65da2978e6c.033fe73c8e9c.4d144b065df9.b11f1f014d23.53e9fe833cae.472b84345816.bb5b8e2b3c87.b39b77b6b135.dcea7a9bb19c.e40c827cfdae.dd838bb5243d.3e3ee396f11d",
    ('load', 'default', 0): "bc7d37b228f7.90538343fc73.a0d7f01a65f5.7b1368316091.9b9fc5df7135.1eae76ac242f.70b90fe6f10b.31679aefdc2c.2918877baee2.d65da2978e6c.033fe73c8e9c.4d144b065df9.8acd51096649.022d6fb776b5.a96764ebd3ce.0bb6f4a2019a.e6e2db3df6d1.dcea7a9bb19c.84c1225c4aea.279b753bb56b.35486cdc27cd",
    ('load', 'default', 1): "b88fd3cc7c38.9dcdcba31c7e.8423187c524f.7b1368316091.ed29ea734503.d6e0456a1529.decae310a83e.7e04206a9358.3c36bbeaadef.d65da2978e6c.033fe73c8e9c.4d144b065df9.c779a1c85b53.896970789f39.ee4f8888ebda.9afe2475e662.d14c5e63e6b5.dcea7a9bb19c.31acea7bd4fa.30cf6d6a7335.001bdb6be086",
    ('load', '60', 0): "5af8e638750b.7ca07426f4dd.0d8619b7c152.7b1368316091.a7363e49c238.71d1e1d8255f.cc591ccf33a6.b282013fedec.673118453ce5.d65da2978e6c.033fe73c8e9c.4d144b065df9.334214106bc7.44c0e88d751e.e7890dfd9dca.fcad1c3304e6.a1691ec5fc82.dcea7a9bb19c.71f7744f3667.a72f9be01133.509cd9d62a21",
}
SHOP_GOLDEN: dict[tuple[str, str, int], str] = {
    ('shop', '60-generator-5', 5): "709292393375.e4a7b6844ea9.7b1368316091.b3911d9bb12b.4b156106ceff.d65da2978e6c.033fe73c8e9c.4d144b065df9.37def9b5b58b.51058817d368.270ad5f1001b.0eed52c3acbc.ed33ca77801a.dcea7a9bb19c.d9ae6cf68c38.1fb1ea7dda8f.eaf2c69d7e4f",
    ('shop', '400-no-survey', 1): "7b45233a2ff9.4eae31d9c67a.7b1368316091.None.ffa9a8e46b02.d65da2978e6c.033fe73c8e9c.4d144b065df9.b11f1f014d23.53e9fe833cae.472b84345816.None.None.None.e40c827cfdae.dd838bb5243d.4f53cda18c2b",
    ('shop', '120-anomalies-0.05', 2): "dc690f8ab09b.35dca89b175c.7b1368316091.ad478f8125cc.02997db4782f.d65da2978e6c.033fe73c8e9c.4d144b065df9.d7f3c46449b2.bd38dcd5832e.142e5bd256c5.33bfb9ae8403.39574dc08d82.dcea7a9bb19c.f7682523fa94.7293e353e912.c879bf0ee74e",
}


def _assert_same(found: dict[str, str], key: tuple[str, str, int]) -> None:
    golden = (LOAD_GOLDEN | SHOP_GOLDEN)[key].split(".")
    assert len(golden) == len(found), f"{key}: other tables than before: {list(found)}"
    changed = [name for (name, digest), old in zip(found.items(), golden, strict=True)
               if digest[:12] != old]
    assert not changed, f"{key}: these tables differ from the frozen generator: {changed}"


@pytest.mark.parametrize("seed", [0, 1])
def test_the_small_demo_is_exactly_as_it_was(seed):
    _assert_same(table_digests(datasets.load("demo", size="small", random_state=seed)),
                 ("load", "small", seed))


def test_the_smallest_demo_is_exactly_as_it_was():
    _assert_same(table_digests(datasets.load("demo", n_customers=60, random_state=0)),
                 ("load", "60", 0))


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_the_default_demo_is_exactly_as_it_was(seed):
    _assert_same(table_digests(datasets.load("demo", random_state=seed)),
                 ("load", "default", seed))


def test_a_shop_from_a_generator_is_exactly_as_it_was():
    shop = simulate_shop(60, random_state=np.random.default_rng(5))
    _assert_same(table_digests(shop=shop), ("shop", "60-generator-5", 5))


def test_a_shop_without_survey_is_exactly_as_it_was():
    shop = simulate_shop(400, random_state=1, survey=False)
    _assert_same(table_digests(shop=shop), ("shop", "400-no-survey", 1))


def test_a_shop_with_many_anomalies_is_exactly_as_it_was():
    shop = simulate_shop(120, random_state=2, anomaly_share=0.05)
    _assert_same(table_digests(shop=shop), ("shop", "120-anomalies-0.05", 2))


def test_the_digest_sees_a_single_changed_value():
    ds = datasets.load("demo", n_customers=60, random_state=0)
    before = table_digests(ds)
    ds.transactions.loc[ds.transactions.index[5], "unit_price"] += 0.01
    ds.survey["satisfaction"] = ds.survey["satisfaction"].astype("int32")  # same values, new dtype
    after = table_digests(ds)
    assert [k for k in before if before[k] != after[k]] == ["transactions", "survey"]
