"""The demo generator is frozen: every table ``datasets.load("demo")`` and ``simulate_shop`` return
is byte for byte what the generator gave when the digests were taken.

The golden digests below were computed with :func:`table_digests` on the generator as it was at
commit 5ba82b1 (pandas 3.1.1, numpy 2.4.6), before any speed-up, and taken again when the demo
was changed on purpose (issue 18, item 7: price taste within categories, rare durable goods,
planted sequences not started in a first order; issue 21: returning lapsers, partial decliners,
up-buyers and cross-buyers planted after the anomalies); a speed-up that changes a single value, dtype,
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
                 "driver_weights", "returning_lapsers", "partial_decliners", "up_buyers",
                 "cross_buyers", "signup_dates"]
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


# Golden digests of the generator (issue 21 version): per case, the first
# 12 hex digits of each table's digest, in the order of table_digests, joined by dots.
LOAD_GOLDEN: dict[tuple[str, str, int], str] = {
    ('load', 'small', 0): "7804dfcd24d3.5bf4d15fdf8e.adb7769af688.5c25f9a9c8d9.580c3f85d336.cffc00f947dc.efe2e3874435.d4a8e1708b61.c6c9b6c12ee3.87c75d0c201b.c9674eb1e9b4.90f6bb86470a.83bb4dce135f.a2a7a4d209db.71aa1d4f3761.0ebda80e22c1.86cbf1b56e4a.dcea7a9bb19c.e4ac7d31dca9.a42528a398c0.acd586b3b1df.3deeb89bdd67.654628265a53.4f3361c624a8.dc8809cc10d4.dd59c30144c6",
    ('load', 'small', 1): "6449567f7462.d988485d0373.fdb923791810.5c25f9a9c8d9.458b568f3177.367c9e384dfa.dbaba4104d8d.83913b63bc21.ffa9a8e46b02.87c75d0c201b.c9674eb1e9b4.90f6bb86470a.37931182415d.c113a1cb47d9.598b4677daed.c7d5aa46f6ba.c6a0a8b2dddf.dcea7a9bb19c.5202b6d12a04.d50847b09612.f9dcc56385b3.c01228ff06e2.bfe664a4451f.810daf20ab44.dd838bb5243d.ef7f56161a43",
    ('load', 'default', 0): "6aa451321adf.d249266c1927.5d22140e406f.5c25f9a9c8d9.bb8974fcc655.2694b2423db1.ae00627980fd.31679aefdc2c.2918877baee2.87c75d0c201b.c9674eb1e9b4.90f6bb86470a.2361915ca6eb.7ef72a1e61e5.70e077ee07f4.25f399859c34.373b76c994e9.dcea7a9bb19c.f056f730b5ea.d8d1bc4df63a.6c05986275a1.eb9e9d35e985.3281baca40cf.ee3734923253.279b753bb56b.0a3c74911604",
    ('load', 'default', 1): "753ab5b37d08.d3a3e6aa70c7.e32b61aab6be.5c25f9a9c8d9.726fcc151330.95d0f1ae20ee.39ff350a0f2e.7e04206a9358.3c36bbeaadef.87c75d0c201b.c9674eb1e9b4.90f6bb86470a.6f63206870cc.b507b9d509c8.91347b804538.e7abe80b6593.47d4beed0a1e.dcea7a9bb19c.448e675008fd.f03b1c7d51bd.6ef6819908ec.71ba9a905fd5.5c0ddc5adfac.dec53b6acfcc.30cf6d6a7335.eee1bcfc2426",
    ('load', '60', 0): "59ba8961df85.d10bb042fb0b.9c35bd7f147f.5c25f9a9c8d9.366fd464603f.e7910f443d8a.dbcf02c99094.b282013fedec.673118453ce5.87c75d0c201b.c9674eb1e9b4.90f6bb86470a.334214106bc7.86a10fe25dfb.2838fca5f0dc.fcad1c3304e6.a1691ec5fc82.dcea7a9bb19c.a994cf1993a6.a8831fd6c9b6.71a33f407627.80bb0f7d7815.1a153f2735a0.1b53acd81b53.a72f9be01133.3c285f39ff88",
}
SHOP_GOLDEN: dict[tuple[str, str, int], str] = {
    ('shop', '60-generator-5', 5): "c9c91853a11c.3329fccf8638.5c25f9a9c8d9.638d962461c7.4b156106ceff.87c75d0c201b.c9674eb1e9b4.90f6bb86470a.765dd62492d2.423ee5883a57.18b7120fefe3.0eed52c3acbc.ed33ca77801a.dcea7a9bb19c.dff281235ce6.809485f9cea3.19cda3b04d14.6080e18838a0.0eb5e5b358ce.9fb3ba21c028.1fb1ea7dda8f.513b74203f84",
    ('shop', '400-no-survey', 1): "d988485d0373.fdb923791810.5c25f9a9c8d9.None.ffa9a8e46b02.87c75d0c201b.c9674eb1e9b4.90f6bb86470a.37931182415d.c113a1cb47d9.598b4677daed.None.None.None.5202b6d12a04.d50847b09612.f9dcc56385b3.c01228ff06e2.bfe664a4451f.810daf20ab44.dd838bb5243d.4f53cda18c2b",
    ('shop', '120-anomalies-0.05', 2): "de2efe801fc5.43246cc9498d.5c25f9a9c8d9.58c069d7acb9.02997db4782f.87c75d0c201b.c9674eb1e9b4.90f6bb86470a.e57f11c2a7db.299b79a8eecc.6e51f900369e.9e407e583502.39574dc08d82.dcea7a9bb19c.077e4ed33edd.a20520c2d5b6.34bf92709623.d30b27e6188d.83185a61b1db.d981ebece56c.7293e353e912.dda589ee41d0",
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
