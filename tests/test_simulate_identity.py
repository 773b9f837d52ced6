"""The demo generator is frozen: every table ``datasets.load("demo")`` and ``simulate_shop`` return
is byte for byte what the generator gave when the digests were taken.

The golden digests below were computed with :func:`table_digests` on the generator as it was at
commit 5ba82b1 (pandas 3.1.1, numpy 2.4.6), before any speed-up, and taken again when the demo
was changed on purpose (issue 18, item 7: price taste within categories, rare durable goods,
planted sequences not started in a first order); a speed-up that changes a single value, dtype,
column name or index label of any table fails here and names the table. A deliberate change of
the demo regenerates them with ``table_digests`` (and says so in its commit)."""

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


# Golden digests of the generator (issue 18 item 7 version): per case, the first
# 12 hex digits of each table's digest, in the order of table_digests, joined by dots.
LOAD_GOLDEN: dict[tuple[str, str, int], str] = {
    ('load', 'small', 0): "a0a4b908dcea.f11824eed827.f6f40e9385c4.5c25f9a9c8d9.4b49f3871ebb.2fd0effed012.d802636d3ae9.d4a8e1708b61.c6c9b6c12ee3.87c75d0c201b.c9674eb1e9b4.90f6bb86470a.f5085fcda802.a2a7a4d209db.fb869affd7c9.c55c981ad104.86cbf1b56e4a.dcea7a9bb19c.397f20534e68.dc8809cc10d4.53892be53c72",
    ('load', 'small', 1): "1080b1fe51a2.c045830ebe8b.556e2b566dbb.5c25f9a9c8d9.27c49a0c6f7c.ed86736a9a4c.481e6160c43f.83913b63bc21.ffa9a8e46b02.87c75d0c201b.c9674eb1e9b4.90f6bb86470a.b11f1f014d23.c113a1cb47d9.08660b8046a0.bb5b8e2b3c87.b39b77b6b135.dcea7a9bb19c.4d425b0c3e05.dd838bb5243d.ce176f665677",
    ('load', 'default', 0): "4a3a75f4fc06.0ca1d0d657d8.1c0ed456a47e.5c25f9a9c8d9.8ee44ea6fea5.7519d1f923b2.fbdaa025a6cf.31679aefdc2c.2918877baee2.87c75d0c201b.c9674eb1e9b4.90f6bb86470a.8acd51096649.7ef72a1e61e5.adc59791d4b6.0bb6f4a2019a.e6e2db3df6d1.dcea7a9bb19c.c5d3c29ba72a.279b753bb56b.63a2760c8efd",
    ('load', 'default', 1): "17efb4087860.9d46f3b6e6ea.e1bfef769a89.5c25f9a9c8d9.1bb13a249bce.a4a022274b6c.881711b95d0b.7e04206a9358.3c36bbeaadef.87c75d0c201b.c9674eb1e9b4.90f6bb86470a.c779a1c85b53.b507b9d509c8.658febe6ddc7.9afe2475e662.d14c5e63e6b5.dcea7a9bb19c.7236c2b764ff.30cf6d6a7335.035e4274e228",
    ('load', '60', 0): "a18101e533e0.134b16d97bf0.537478d0f856.5c25f9a9c8d9.5a2026b151a6.23fd8a1f065d.6942dfe6ac30.b282013fedec.673118453ce5.87c75d0c201b.c9674eb1e9b4.90f6bb86470a.334214106bc7.86a10fe25dfb.f7e3d3fe0b8c.fcad1c3304e6.a1691ec5fc82.dcea7a9bb19c.7e7babf042c2.a72f9be01133.1c6c32530ffd",
}
SHOP_GOLDEN: dict[tuple[str, str, int], str] = {
    ('shop', '60-generator-5', 5): "a706e434c1cf.5981a56638cc.5c25f9a9c8d9.5010b385327b.4b156106ceff.87c75d0c201b.c9674eb1e9b4.90f6bb86470a.37def9b5b58b.423ee5883a57.b23aff913a5d.0eed52c3acbc.ed33ca77801a.dcea7a9bb19c.4e61a3e9aa1d.1fb1ea7dda8f.e3fe22de47bf",
    ('shop', '400-no-survey', 1): "c045830ebe8b.556e2b566dbb.5c25f9a9c8d9.None.ffa9a8e46b02.87c75d0c201b.c9674eb1e9b4.90f6bb86470a.b11f1f014d23.c113a1cb47d9.08660b8046a0.None.None.None.4d425b0c3e05.dd838bb5243d.4f53cda18c2b",
    ('shop', '120-anomalies-0.05', 2): "dfc0a14fa2f1.5600d353108d.5c25f9a9c8d9.f358414e6a89.02997db4782f.87c75d0c201b.c9674eb1e9b4.90f6bb86470a.d7f3c46449b2.299b79a8eecc.f424e23e1e40.33bfb9ae8403.39574dc08d82.dcea7a9bb19c.8eab626b147e.7293e353e912.5acda85d59f8",
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
