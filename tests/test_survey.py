"""The survey: the demo's planted survey leaves the shop unchanged, and the survey contract's
reader gives one clear message per problem."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from mining import datasets
from mining.errors import InsufficientDataError, ParameterError, SchemaError
from mining.simulate import END, LOYALTY_TYPE_NAMES, START, simulate_shop
from mining.survey import (
    RATING_ATTRIBUTES,
    SCALES,
    SURVEY_COLUMNS,
    load_survey,
    rating_columns,
    survey_for,
    survey_summary,
    validate_survey,
)


def shop_digest(shop) -> str:
    """SHA-256 over the shop's data: raw transactions, customers and products (pandas row hashes
    with the index, plus column names and dtypes), the truth's series (row hashes), its tables
    (as CSV text) and its dicts (sorted items). Survey fields are deliberately left out."""
    h = hashlib.sha256()
    for df in (shop.raw_transactions, shop.customers, shop.products):
        h.update(pd.util.hash_pandas_object(df, index=True).to_numpy().tobytes())
        h.update(repr(list(df.columns)).encode())
        h.update(repr(list(df.dtypes.astype(str))).encode())
    t = shop.truth
    for name in ["segments", "churn_dates"]:
        h.update(pd.util.hash_pandas_object(getattr(t, name), index=True).to_numpy().tobytes())
    for name in ["segment_profiles", "cross_sell_rules", "sequences", "anomalous_customers",
                 "anomalous_orders"]:
        h.update(getattr(t, name).to_csv().encode())
    h.update(repr(sorted(t.dirty_lines.items())).encode())
    h.update(repr(sorted(t.params.items())).encode())
    return h.hexdigest()


# Computed with shop_digest(simulate_shop(n, random_state=0, survey=False)) (pandas 3.1.1, numpy
# 2.4.6); first on the code *before* the survey was added (issue 20), taken again when the demo
# shop was changed on purpose (issue 18 item 7; issue 21, the planted buying patterns): the
# survey must not change the shop.
DIGESTS_BEFORE_SURVEY = {
    60: "9cccce3e11ed00f43238622a5e1a0934ea023c3041ce2a85680abb401c217256",
    400: "dd691235f33ced2f14c7df87c5b46b9462daf4c42e075cb1be507e8305f23689",
    5000: "1a1b2f82a65f043cd8d5ccdc7b91a3d832fa978ca155286ab6be604ce4d12205",
}


@pytest.fixture(scope="module")
def shop():
    return simulate_shop(400, random_state=0)


@pytest.mark.parametrize("n", [60, 400])
def test_the_survey_leaves_the_shop_exactly_as_it_was(n):
    with_survey = simulate_shop(n, random_state=0)
    assert with_survey.survey is not None
    assert shop_digest(with_survey) == DIGESTS_BEFORE_SURVEY[n]
    without = simulate_shop(n, random_state=0, survey=False)
    assert without.survey is None and without.truth.attitude is None
    assert shop_digest(without) == DIGESTS_BEFORE_SURVEY[n]


@pytest.mark.slow
def test_the_default_demo_is_exactly_as_it_was():
    assert shop_digest(simulate_shop(5000, random_state=0)) == DIGESTS_BEFORE_SURVEY[5000]


def test_a_generator_is_not_advanced_by_the_survey():
    a, b = np.random.default_rng(3), np.random.default_rng(3)
    simulate_shop(60, random_state=a)
    simulate_shop(60, random_state=b, survey=False)
    assert a.random() == b.random()


def test_same_seed_same_survey_other_seed_other_survey(shop):
    again = simulate_shop(400, random_state=0)
    pd.testing.assert_frame_equal(shop.survey, again.survey)
    pd.testing.assert_series_equal(shop.truth.attitude, again.truth.attitude)
    pd.testing.assert_series_equal(shop.truth.loyalty_types, again.truth.loyalty_types)
    other = simulate_shop(400, random_state=1)
    assert not shop.survey[["satisfaction"]].reset_index(drop=True).equals(
        other.survey[["satisfaction"]].reset_index(drop=True))


def test_the_demo_survey_follows_the_contract_and_the_plan(shop):
    sv = shop.survey
    assert sv.columns.tolist() == list(SURVEY_COLUMNS)
    tx = shop.raw_transactions[shop.raw_transactions["status"] == "completed"]
    typed = validate_survey(sv, customers=tx["customer_id"].dropna().unique())
    assert len(typed) == len(sv)
    share = sv["customer_id"].nunique() / len(shop.truth.segments)
    assert 0.30 <= share <= 0.40
    assert sv["survey_date"].between(START, END - pd.Timedelta(days=1)).all()
    counts = sv["customer_id"].value_counts()
    assert counts.max() >= 2 and (counts >= 2).sum() >= 0.15 * len(counts)  # repeated answers
    assert not sv.duplicated(["customer_id", "survey_date"]).any()
    for col, (lo, hi) in SCALES.items():
        assert sv[col].between(lo, hi).all(), col
    # each answer is about one of the customer's own orders, 1-10 days before
    orders = tx.drop_duplicates("order_id").set_index("order_id")
    about = orders.loc[sv["order_id"]]
    assert (about["customer_id"].to_numpy() == sv["customer_id"].to_numpy()).all()
    lag = (sv["survey_date"].to_numpy() - about["timestamp"].dt.normalize().to_numpy())
    assert ((lag >= np.timedelta64(0, "D")) & (lag <= np.timedelta64(10, "D"))).all()
    # who answers depends on behaviour: respondents placed more orders than the others
    n_orders = tx.groupby("customer_id")["order_id"].nunique()
    answered = n_orders.index.isin(sv["customer_id"])
    assert n_orders[answered].median() > n_orders[~answered].median()


def test_the_truth_records_attitude_types_and_driver_weights(shop):
    t = shop.truth
    assert t.attitude.index.equals(t.segments.index)
    assert set(t.loyalty_types.unique()) == set(LOYALTY_TYPE_NAMES)
    loyal_behaviour = t.segments.isin(["champions", "regulars"])
    assert (t.loyalty_types[loyal_behaviour].isin(["loyal", "spurious"])).all()
    assert (t.loyalty_types[t.attitude > 0].isin(["loyal", "latent"])).all()
    assert t.driver_weights.index.tolist() == list(RATING_ATTRIBUTES)
    assert t.driver_weights.sum() == pytest.approx(1.0)
    assert t.driver_weights.idxmax() == "product_quality"
    assert "survey: planted loyalty types" in t.summary()


def test_load_demo_exposes_the_survey_and_other_datasets_have_none():
    ds = datasets.load("demo", n_customers=60, random_state=0)
    assert ds.survey is not None and ds.capabilities["survey"]
    assert "survey:" in ds.summary()
    ds.survey.loc[0, "satisfaction"] = -1  # a copy: the cache is untouched
    assert datasets.load("demo", n_customers=60, random_state=0).survey.loc[0, "satisfaction"] >= 1
    assert datasets.missing_requirements("demo", ["survey"]) == []
    assert "no customer survey" in datasets.missing_requirements("cdnow", ["survey"])[0]


# -- the contract's reader ------------------------------------------------------------------------

def _answers(**change) -> pd.DataFrame:
    df = pd.DataFrame({
        "customer_id": ["C1", "C2", "C3"],
        "survey_date": ["2025-03-01", "2025-03-02", "2025-03-05"],
        "satisfaction": [8, 6, 9],
        "recommend": [9, 5, 10],
        "delivery": [7, 4, 9],
    })
    for k, v in change.items():
        df[k] = v
    return df


def _problems(df: pd.DataFrame, **kwargs) -> str:
    with pytest.raises(SchemaError) as err:
        validate_survey(df, **kwargs)
    return str(err.value)


def test_a_valid_survey_is_typed_and_sorted():
    out = validate_survey(_answers(survey_date=["2025-03-09", "2025-03-02", "2025-03-05"]),
                          customers=["C1", "C2", "C3", "C4"])
    assert out["customer_id"].tolist() == ["C2", "C3", "C1"]
    assert out["satisfaction"].dtype == "float64"
    assert pd.api.types.is_datetime64_any_dtype(out["survey_date"])


def test_an_unknown_customer_is_named_with_its_row():
    msg = _problems(_answers(customer_id=["C1", "X9", "C3"]), customers=["C1", "C2", "C3"])
    assert "column 'customer_id'" in msg and "rows 1" in msg and "'X9'" in msg
    assert "not in the transactions" in msg


def test_a_rating_out_of_range_is_named_with_column_scale_and_row():
    msg = _problems(_answers(delivery=[7, 11, 0]))
    assert "column 'delivery'" in msg and "2 rows (rows 1, 2)" in msg and "scale 1-10" in msg
    msg = _problems(_answers(recommend=[9, 5.5, 10]))  # not a whole number
    assert "column 'recommend'" in msg and "rows 1" in msg


def test_a_duplicate_answer_is_named_with_its_rows():
    msg = _problems(_answers(customer_id=["C1", "C1", "C3"],
                             survey_date=["2025-03-01", "2025-03-01", "2025-03-05"]))
    assert "duplicate answers" in msg and "rows 0, 1" in msg and "'C1'" in msg


def test_a_non_numeric_rating_is_named():
    msg = _problems(_answers(satisfaction=["8", "very good", "9"]))
    assert "column 'satisfaction'" in msg and "not numbers" in msg and "'very good'" in msg


def test_missing_columns_bad_dates_and_every_problem_at_once():
    msg = _problems(_answers().drop(columns=["satisfaction"]))
    assert "['satisfaction'] are missing" in msg
    msg = _problems(_answers(survey_date=["2025-03-01", "someday", "2025-03-05"],
                             delivery=[7, 12, 9], customer_id=["C1", "", "C3"]))
    assert "3 problems" in msg and "'survey_date'" in msg and "'delivery'" in msg
    assert "are empty" in msg
    msg = _problems(_answers(satisfaction=[8, None, 9]))
    assert "overall satisfaction is required" in msg


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_load_survey_reads_files_and_maps_columns(tmp_path, suffix):
    df = _answers().rename(columns={"customer_id": "Kunde", "survey_date": "Datum"})
    df["Datum"] = ["01.03.2025", "02.03.2025", "05.03.2025"]
    path = tmp_path / f"survey{suffix}"
    if suffix == ".csv":
        df.to_csv(path, index=False)
    elif suffix == ".parquet":
        df.to_parquet(path, index=False)
    else:
        df.to_excel(path, index=False)
    out = load_survey(path, columns={"Kunde": "customer_id", "Datum": "survey_date"},
                      date_format="%d.%m.%Y", customers=["C1", "C2", "C3"])
    assert out["survey_date"].dt.day.tolist() == [1, 2, 5]
    assert out["customer_id"].tolist() == ["C1", "C2", "C3"]
    with pytest.raises(ParameterError, match="not survey columns"):
        load_survey(path, columns={"Kunde": "client"})
    with pytest.raises(SchemaError, match="does not have"):
        load_survey(path, columns={"Customer": "customer_id"})


def test_survey_for_reads_the_users_file_or_the_datas_own(tmp_path):
    from mining.inputs import open_inputs

    demo = open_inputs(dataset="demo", size="small", seed=0)
    assert survey_for(demo, "") is demo.survey
    own = tmp_path / "answers.csv"
    demo.survey.head(20).to_csv(own, index=False)
    mine = survey_for(demo, str(own))
    assert len(mine) == 20 and mine["customer_id"].isin(demo.transactions["customer_id"]).all()
    stranger = tmp_path / "stranger.csv"
    _answers().to_csv(stranger, index=False)  # customers C1..C3 never bought in the demo
    with pytest.raises(SchemaError, match="not in the transactions"):
        survey_for(demo, str(stranger))
    tx = tmp_path / "tx.csv"
    demo.transactions.head(200).to_csv(tx, index=False)
    source = open_inputs(source=str(tx))
    assert source.survey is None and source.capabilities["survey"] is False
    with pytest.raises(InsufficientDataError, match="no customer survey.*survey_source"):
        survey_for(source, "")


def test_survey_summary_and_rating_columns():
    sv = validate_survey(_answers(customer_id=["C1", "C1", "C2"]))
    assert survey_summary(sv, n_customers=4) == (
        "survey: 3 answers of 2 customers (50% of 4 customers), 2025-03-01 .. 2025-03-05; "
        "1 customer answered more than once")
    assert rating_columns(sv) == ["satisfaction", "recommend", "delivery"]
    with pytest.raises(ParameterError, match="survey_summary"):
        survey_summary(pd.DataFrame({"x": [1]}))
