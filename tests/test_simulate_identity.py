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
    ('load', 'small', 0): "64625f095526.c15499ba2010.3014b1d0b921.7b1368316091.0847612bd0bf.04a14604c7c0.7dc3db0162d8.d4a8e1708b61.c6c9b6c12ee3.87c75d0c201b.033fe73c8e9c.4d144b065df9.f5085fcda802.4b8ea4160a59.1df1ba4a7cf7.c55c981ad104.86cbf1b56e4a.dcea7a9bb19c.119cf7d9210f.dc8809cc10d4.b4ad47f77eee",
    ('load', 'small', 1): "5269fe5e98fe.daf48f80aabd.ed1870461327.7b1368316091.cd05bdea177b.22152f95e7d2.394d363260cc.83913b63bc21.ffa9a8e46b02.87c75d0c201b.033fe73c8e9c.4d144b065df9.b11f1f014d23.41bb80d4a3c2.3698ed876485.bb5b8e2b3c87.b39b77b6b135.dcea7a9bb19c.4f626477b7e6.dd838bb5243d.6136d62f9d76",
    ('load', 'default', 0): "000a7c79c839.ee1cce2f1176.d84597fdf413.7b1368316091.80be468aa37f.eea415d8fc78.3bfb7f625805.31679aefdc2c.2918877baee2.87c75d0c201b.033fe73c8e9c.4d144b065df9.8acd51096649.c66617c8e887.83d96381b71c.0bb6f4a2019a.e6e2db3df6d1.dcea7a9bb19c.e4c3194a114b.279b753bb56b.77544e961060",
    ('load', 'default', 1): "a3bde05e1e5e.f08b0459dff5.c84cded58e77.7b1368316091.6118b544494a.6e5fa94dd988.59f2f2c133ef.7e04206a9358.3c36bbeaadef.87c75d0c201b.033fe73c8e9c.4d144b065df9.c779a1c85b53.bec4180da9f6.dfba25c94a81.9afe2475e662.d14c5e63e6b5.dcea7a9bb19c.952fae1f5135.30cf6d6a7335.a8de32464444",
    ('load', '60', 0): "9555cf25dcca.ed9756fef836.5727811d5401.7b1368316091.318b0f084ba9.7f09726f495e.35a11a426bee.b282013fedec.673118453ce5.87c75d0c201b.033fe73c8e9c.4d144b065df9.334214106bc7.bbda83b4f0f5.3a41493e2466.fcad1c3304e6.a1691ec5fc82.dcea7a9bb19c.2cd0760b4a71.a72f9be01133.7af061ef9508",
}
SHOP_GOLDEN: dict[tuple[str, str, int], str] = {
    ('shop', '60-generator-5', 5): "fcf7cb7b6d3b.107a16347e8a.7b1368316091.ee3080170cfb.4b156106ceff.87c75d0c201b.033fe73c8e9c.4d144b065df9.37def9b5b58b.74f10cc109e6.b769fcaed7a5.0eed52c3acbc.ed33ca77801a.dcea7a9bb19c.323552513b3e.1fb1ea7dda8f.7a7ffe28b4e9",
    ('shop', '400-no-survey', 1): "daf48f80aabd.ed1870461327.7b1368316091.None.ffa9a8e46b02.87c75d0c201b.033fe73c8e9c.4d144b065df9.b11f1f014d23.41bb80d4a3c2.3698ed876485.None.None.None.4f626477b7e6.dd838bb5243d.4f53cda18c2b",
    ('shop', '120-anomalies-0.05', 2): "e71e1bee7402.f396d497ccbf.7b1368316091.2fff354f97d2.02997db4782f.87c75d0c201b.033fe73c8e9c.4d144b065df9.d7f3c46449b2.3cabc2f7f111.5759a706ebf6.33bfb9ae8403.39574dc08d82.dcea7a9bb19c.79ee4faa9d0a.7293e353e912.e13b7a00660c",
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
