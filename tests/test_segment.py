"""Tests of mining.segment: clustering, choice of k, stability, concept description, assignment."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score
from threadpoolctl import threadpool_limits

from mining import segment
from mining.errors import (
    InsufficientDataError,
    MiningError,
    NotFittedError,
    ParameterError,
    SchemaError,
)
from mining.segment import CustomerSegmenter

# three planted groups whose concept is known by construction:
#   "champions": recent, many orders of full baskets at a normal price level;
#   "lapsed": long ago, few small baskets;
#   "newcomers": recent, new, few orders, cheap products bought in multiples, mostly toys
_SPECS = {
    "champions": dict(recency=10, orders=15, lines=5, units=1.3, price=9, tenure=600, toys=0.2),
    "lapsed": dict(recency=300, orders=2, lines=2, units=1.2, price=9, tenure=500, toys=0.1),
    "newcomers": dict(recency=15, orders=2, lines=3, units=2.5, price=7, tenure=30, toys=0.6),
}


def planted_table(n_per: int = 60, seed: int = 0, prefix: str = "c") -> tuple[pd.DataFrame,
                                                                                 pd.Series]:
    """A customer feature table (features.customer_table columns) with three planted groups."""
    rng = np.random.default_rng(seed)
    rows, truth = [], []
    for name, p in _SPECS.items():
        for _ in range(n_per):
            n_orders = float(max(1, rng.poisson(p["orders"])))
            n_lines = float(max(n_orders, round(n_orders * p["lines"] * rng.lognormal(0, 0.15))))
            quantity = n_lines * p["units"] * rng.lognormal(0, 0.1)
            total = quantity * p["price"] * rng.lognormal(0, 0.15)
            toys = rng.beta(p["toys"] * 20, (1 - p["toys"]) * 20)
            rows.append({
                "recency_days": p["recency"] * rng.lognormal(0, 0.3),
                "n_orders": n_orders,
                "n_lines": n_lines,
                "quantity_total": quantity,
                "monetary_total": total,
                "monetary_mean_order": total / n_orders,
                "basket_size_mean": n_lines / n_orders,
                "tenure_days": p["tenure"] * rng.lognormal(0, 0.2),
                "share_toys": toys,
                "share_food": 1 - toys,
            })
            truth.append(name)
    index = pd.Index([f"{prefix}{i:04d}" for i in range(len(rows))], name="customer_id")
    return pd.DataFrame(rows, index=index), pd.Series(truth, index=index, name="truth")


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    # small matrices: k-means' OpenMP threads only fight each other on a busy machine (10x slower)
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def planted() -> tuple[pd.DataFrame, pd.Series]:
    return planted_table()


@pytest.fixture(scope="module")
def fitted(planted) -> CustomerSegmenter:
    X, _ = planted
    return CustomerSegmenter().fit(X)


# ---------------------------------------------------------------- recovery, every algorithm


@pytest.mark.parametrize("algorithm", ["kmeans", "minibatch_kmeans", "gmm", "ward", "hdbscan"])
def test_every_algorithm_recovers_planted_groups(planted, algorithm):
    X, truth = planted
    n_clusters = None if algorithm == "hdbscan" else 3
    seg = CustomerSegmenter(algorithm=algorithm, n_clusters=n_clusters).fit(X)
    assert seg.n_clusters_ == 3
    # hdbscan leaves a few edge customers as noise (-1), which counts against it here
    assert adjusted_rand_score(truth, seg.labels_) > (0.9 if algorithm == "hdbscan" else 0.95)
    # new customers from the same groups go to the matching segments
    X_new, truth_new = planted_table(n_per=20, seed=1, prefix="new")
    assigned = segment.assign(seg, X_new)
    assert assigned.index.equals(X_new.index)
    assert adjusted_rand_score(truth_new, assigned) > 0.9


def test_default_chooses_k_and_recovers(fitted, planted):
    X, truth = planted
    assert fitted.n_clusters_ == 3
    assert adjusted_rand_score(truth, fitted.labels_) == pytest.approx(1.0)
    assert fitted.labels_.index.equals(X.index)
    assert fitted.labels_.name == "segment"
    # labels ordered by size: 0 is the largest
    sizes = fitted.labels_.value_counts().sort_index()
    assert list(sizes.index) == [0, 1, 2]
    assert sizes.is_monotonic_decreasing
    # predict on the fitted customers gives labels_ back (k-means: nearest centre)
    pd.testing.assert_series_equal(fitted.predict(X), fitted.labels_)
    pd.testing.assert_series_equal(fitted.fit_predict(X), fitted.labels_)


def test_fit_is_reproducible_and_does_not_mutate(planted):
    X, _ = planted
    before = X.copy()
    a = CustomerSegmenter(n_clusters=4, random_state=3).fit(X)
    b = CustomerSegmenter(n_clusters=4, random_state=3).fit(X)
    pd.testing.assert_frame_equal(X, before)
    pd.testing.assert_series_equal(a.labels_, b.labels_)
    pd.testing.assert_frame_equal(a.profile_, b.profile_)


def test_row_order_does_not_change_the_segments(planted):
    X, _ = planted
    shuffled = X.sample(frac=1.0, random_state=7)
    a = CustomerSegmenter(n_clusters=3).fit(X)
    b = CustomerSegmenter(n_clusters=3).fit(shuffled)
    pd.testing.assert_series_equal(a.labels_, b.labels_.reindex(X.index))
    pd.testing.assert_frame_equal(a.profile_, b.profile_)


def test_pipeline_logs_skewed_columns_and_is_reused_for_new_customers(fitted, planted):
    X, _ = planted
    assert "n_orders" in fitted.pipeline_.named_steps["log"].columns_  # counts are right-skewed
    explicit = CustomerSegmenter(n_clusters=3, features=["monetary_total", "share_toys"]).fit(X)
    logged = explicit.pipeline_.named_steps["log"].columns_
    assert "monetary_total" in logged  # money is right-skewed
    assert "share_toys" not in logged  # a share in [0, 1] here is not
    Z = fitted.transform(X)
    assert list(Z.columns) == fitted.features_
    np.testing.assert_allclose(Z.mean().to_numpy(), 0, atol=1e-9)
    np.testing.assert_allclose(Z.std(ddof=0).to_numpy(), 1, atol=1e-9)
    # transform of one customer equals its row in the full transform
    one = fitted.transform(X.iloc[[5]])
    np.testing.assert_allclose(one.to_numpy(), Z.iloc[[5]].to_numpy())


def test_log_features_options(planted):
    X, _ = planted
    none = CustomerSegmenter(n_clusters=3, log_features=None).fit(X)
    assert none.pipeline_.named_steps["log"].columns_ == []
    some = CustomerSegmenter(n_clusters=3, log_features=["n_orders"]).fit(X)
    assert some.pipeline_.named_steps["log"].columns_ == ["n_orders"]
    Xn = X.assign(spend_trend=np.linspace(-1, 1, len(X)))
    with pytest.raises(ParameterError, match="negative values.*spend_trend"):
        CustomerSegmenter(n_clusters=3, features=["recency_days", "spend_trend"],
                          log_features=["spend_trend"]).fit(Xn)


def test_missing_values_are_imputed(planted):
    X, truth = planted
    Xm = X.copy()
    Xm.iloc[::7, Xm.columns.get_loc("tenure_days")] = np.nan
    seg = CustomerSegmenter(n_clusters=3).fit(Xm)
    assert adjusted_rand_score(truth, seg.labels_) > 0.95
    assert seg.rules_["rule"].str.len().gt(0).all()


def test_default_features_and_dropped_constant(planted):
    X, _ = planted
    Xc = X.assign(basket_size_mean=3.0, note="x")  # a constant default feature, a text column
    seg = CustomerSegmenter(n_clusters=3).fit(Xc)
    assert seg.dropped_features_ == ["basket_size_mean"]
    assert seg.features_ == ["n_orders", "units_per_line", "mean_unit_price"]
    # the derived ratios come from the table's own columns, for fitted and new customers alike
    d = segment.derive_features(X)
    np.testing.assert_allclose(d["units_per_line"], X["quantity_total"] / X["n_lines"])
    np.testing.assert_allclose(d["mean_unit_price"], X["monetary_total"] / X["quantity_total"])
    assert "units_per_line" not in X.columns  # the input is not changed
    full = CustomerSegmenter(n_clusters=3).fit(X)
    assert full.features_ == list(segment.DEFAULT_FEATURES)
    assert list(full.transform(X).columns) == list(segment.DEFAULT_FEATURES)


def test_derived_features_by_hand():
    t = pd.DataFrame({"n_lines": [2.0, 0.0, 5.0], "quantity_total": [6.0, 0.0, 5.0],
                      "monetary_total": [12.0, 0.0, 100.0], "units_per_line": [9.0, 9.0, 9.0]},
                     index=pd.Index(["a", "b", "c"], name="customer_id"))
    d = segment.derive_features(t)
    assert d["units_per_line"].tolist() == [9.0, 9.0, 9.0]  # an existing column is kept
    assert d["mean_unit_price"].tolist()[0::2] == [2.0, 20.0]
    assert np.isnan(d.loc["b", "mean_unit_price"])  # zero units: no price level
    assert "mean_unit_price" not in segment.derive_features(t.drop(columns="quantity_total"))


def test_no_default_feature_in_table():
    X = pd.DataFrame({"a": np.arange(20.0)}, index=pd.Index([f"c{i}" for i in range(20)]))
    with pytest.raises(ParameterError, match="None of the default segmentation features"):
        CustomerSegmenter(n_clusters=2).fit(X)


# ---------------------------------------------------------------- choice of k


def test_choose_k_table_and_rule(planted):
    X, _ = planted
    selection = segment.choose_k(X, k_range=(2, 6))
    assert isinstance(selection, segment.KSelection)
    table = selection.table
    assert list(table.index) == [2, 3, 4, 5, 6]
    assert {"silhouette", "calinski_harabasz", "davies_bouldin", "inertia", "bic",
            "chosen"} <= set(table.columns)
    assert table["chosen"].sum() == 1
    assert table.index[table["chosen"]][0] == selection.k == 3
    assert table["bic"].isna().all()  # BIC only for mixtures
    assert table["inertia"].is_monotonic_decreasing
    assert "silhouette" in selection.rule
    assert selection.algorithm == "kmeans"
    assert "rule" not in table.attrs  # the rule is a documented attribute, not DataFrame.attrs
    # the documented rule holds: the k named by at least two of the three criteria
    votes = [table["silhouette"].idxmax(), table["calinski_harabasz"].idxmax(),
             table["davies_bouldin"].idxmin()]
    assert votes.count(table.index[table["chosen"]][0]) >= 2


def test_choose_k_gmm_uses_bic(planted):
    X, _ = planted
    selection = segment.choose_k(X, algorithm="gmm", k_range=(2, 4))
    table = selection.table
    assert table["bic"].notna().all()
    assert table.index[table["chosen"]][0] == selection.k == table["bic"].idxmin()
    assert "BIC" in selection.rule


def test_vote_rule_by_hand():
    table = pd.DataFrame(
        {"silhouette": [0.50, 0.49, 0.40], "calinski_harabasz": [100.0, 120.0, 90.0],
         "davies_bouldin": [0.9, 0.8, 1.2], "bic": [np.nan] * 3},
        index=pd.Index([2, 3, 4], name="k"),
    )
    # silhouette names 2, Calinski-Harabasz and Davies-Bouldin name 3: the majority wins
    assert segment.pick_k(table, "kmeans") == 3
    # all three differ: the silhouette's k wins
    table.loc[4, "davies_bouldin"] = 0.5
    table.loc[3, "davies_bouldin"] = 1.0
    table.loc[2, "calinski_harabasz"] = 100.0
    table.loc[3, "calinski_harabasz"] = 120.0
    assert segment.pick_k(table, "kmeans") == 2
    # silhouette and Davies-Bouldin agree against Calinski-Harabasz
    table.loc[2, "davies_bouldin"] = 0.4
    assert segment.pick_k(table, "kmeans") == 2
    # without silhouettes (a single segment everywhere) the smallest k
    table["silhouette"] = np.nan
    assert segment.pick_k(table, "kmeans") == 2


def test_class_and_function_share_the_k_table(fitted, planted):
    X, _ = planted
    selection = segment.choose_k(X)
    pd.testing.assert_frame_equal(selection.table, fitted.k_selection_.table)
    assert (selection.k, selection.rule) == (fitted.k_selection_.k, fitted.k_selection_.rule)
    assert fitted.k_selection_.k == fitted.n_clusters_


def test_k_selection_reads_like_the_old_table_for_one_release(fitted):
    import copy
    import pickle

    sel = fitted.k_selection_
    assert str(sel).startswith(f"k = {sel.k} of [2, 3")
    with pytest.warns(DeprecationWarning, match=r"use \.table"):
        assert sel["chosen"].sum() == 1
    with pytest.warns(DeprecationWarning):
        assert sel.attrs["rule"] == sel.rule
    with pytest.warns(DeprecationWarning):
        assert sel.index[sel.table["chosen"]][0] == sel.k
    with pytest.raises(AttributeError):
        _ = sel.no_such_column
    assert copy.deepcopy(sel).k == pickle.loads(pickle.dumps(sel)).k == sel.k


def test_fixed_k_has_no_selection_table(planted):
    X, _ = planted
    assert CustomerSegmenter(n_clusters=2).fit(X).k_selection_ is None


# ---------------------------------------------------------------- stability


def test_stability_of_real_segments_is_high(planted, fitted):
    X, _ = planted
    res = segment.stability(X, segmenter=fitted, n_bootstrap=6, random_state=1)
    assert res.n_clusters == 3
    assert len(res.pairs) == 15
    assert (res.pairs["n_common"] > 0).all()
    assert res.mean_ari > 0.95
    assert res.verdict == "highly stable"
    assert "mean ARI" in str(res)
    again = segment.stability(X, segmenter=fitted, n_bootstrap=6, random_state=1)
    assert again.mean_ari == res.mean_ari


def test_stability_of_arbitrary_cuts_is_lower(planted):
    # one round blob cut into 6 pieces: the cuts move between resamples
    pts, _ = make_blobs(n_samples=300, centers=1, n_features=2, random_state=0)
    X = pd.DataFrame(pts, columns=["a", "b"],
                     index=pd.Index([f"b{i}" for i in range(300)], name="customer_id"))
    seg = CustomerSegmenter(features=["a", "b"], n_clusters=6, log_features=None)
    res = segment.stability(X, segmenter=seg, n_bootstrap=6, random_state=0)
    Xp, _ = planted
    real = segment.stability(Xp, segmenter=CustomerSegmenter(n_clusters=3), n_bootstrap=6)
    assert res.mean_ari < real.mean_ari - 0.1


def test_stability_bad_parameters(planted):
    X, _ = planted
    with pytest.raises(ParameterError, match="'n_bootstrap'"):
        segment.stability(X, n_bootstrap=1)
    with pytest.raises(ParameterError, match="'segmenter'"):
        segment.stability(X, segmenter="kmeans")


# ---------------------------------------------------------------- concept description


def test_description_by_hand():
    # two obvious groups of 10 and 20 customers; numbers worked out by hand
    n1, n2 = 10, 20
    X = pd.DataFrame({
        "recency_days": [5.0] * n1 + [200.0] * n2,
        "n_orders": [10.0] * n1 + [1.0] * n2,
        "monetary_total": [1000.0] * n1 + [50.0] * n2,
        "monetary_mean_order": [100.0] * n1 + [80.0] * n2,
        "share_toys": [0.9] * n1 + [0.1] * n2,
        "share_food": [0.1] * n1 + [0.9] * n2,
    }, index=pd.Index([f"c{i}" for i in range(n1 + n2)], name="customer_id"))
    X.iloc[0, 0] = 6.0  # keep recency non-constant within the group
    labels = np.array([0] * n1 + [1] * n2)
    d = segment.describe_segments(X, labels)
    p = d.profile
    assert p["n_customers"].tolist() == [10, 20]
    assert p["share_customers"].tolist() == pytest.approx([1 / 3, 2 / 3])
    assert p["revenue"].tolist() == pytest.approx([10_000.0, 1_000.0])
    assert p["share_revenue"].tolist() == pytest.approx([10 / 11, 1 / 11])
    overall_orders = (10 * 10 + 20 * 1) / 30
    assert d.ratios.loc[0, "n_orders"] == pytest.approx(10 / overall_orders)
    assert d.means.loc[1, "monetary_total"] == pytest.approx(50.0)
    # spend mix: group 0 spends 90% on toys
    assert p.loc[0, "top_categories"] == "toys 90%, food 10%"
    assert p.loc[1, "top_categories"] == "food 90%, toys 10%"
    # names from the documented rule. Two groups of 1/3 and 2/3 sit sqrt(2) = 1.41 and
    # sqrt(1/2) = 0.71 sd from the mean on every column they split cleanly: group 0 is +1.41 on
    # orders and spend, a little less than 1.41 on recency (one recency differs); group 1 is -0.71
    # on orders and mean order value, a little less than 0.71 on recency
    assert p.loc[0, "name"] == "frequent high spenders"  # toys: 90% of spend, but 83% overall
    # group 1: every customer ordered once ("one-time", issue 18) and its total spend (-0.71)
    # is more extreme than any price signal, so it spends little rather than hunts bargains
    assert p.loc[1, "name"] == "one-time low spenders (food lovers)"  # 90% vs 17%
    # the tree separates them with one readable rule each; integer columns read as integers
    assert d.fidelity == 1.0
    assert len(d.rules) == 2
    assert all(" -> " in r for r in d.rules["rule"])
    assert d.rules["precision"].tolist() == [1.0, 1.0]
    assert d.rules["coverage"].tolist() == [1.0, 1.0]
    assert not d.rules["conditions"].str.contains(r"n_orders [<>]=? \d+\.5").any()
    # standardized means: (segment mean - overall mean) / overall std
    col = X["n_orders"]
    expected = (10 - col.mean()) / col.std(ddof=0)
    assert d.standardized.loc[0, "n_orders"] == pytest.approx(expected)


def test_integer_thresholds_read_as_integers():
    X = pd.DataFrame({"n_orders": [1.0, 2, 3, 2, 1, 8, 9, 10, 9, 8, 7, 9]},
                     index=pd.Index([f"c{i}" for i in range(12)], name="customer_id"))
    d = segment.describe_segments(X, [0] * 5 + [1] * 7, features=["n_orders"], revenue=None)
    assert set(d.rules["conditions"]) == {"n_orders <= 5", "n_orders >= 6"}  # split at 5 = (3 + 7) / 2
    assert d.profile["revenue"].isna().all()
    assert d.profile["top_categories"].eq("").all()


def test_rule_text_merges_bounds_on_one_column():
    def conditions(values: list[float], labels: list[int]) -> set[str]:
        X = pd.DataFrame({"x": values}, index=pd.Index([f"c{i}" for i in range(len(values))],
                                                       name="customer_id"))
        rules = segment.describe_segments(X, labels, features=["x"], revenue=None).rules
        return set(rules["conditions"])

    # the middle segment lies between two splits on the same column: one condition
    assert conditions([1, 2, 2.9, 3.1, 5, 7, 9.9, 10.1, 12, 14],
                      [0, 0, 0, 1, 1, 1, 1, 0, 0, 0]) == {"x <= 3", "3 < x <= 10", "x > 10"}
    # integer columns: whole-number bounds, and a single value reads "x = 3"
    assert conditions([1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 7, 8],
                      [0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]) == {"x <= 2", "3 <= x <= 6", "x >= 7"}
    assert conditions([1, 2, 3, 3, 4, 5, 1, 2, 4, 5],
                      [0, 0, 1, 1, 0, 0, 0, 0, 0, 0]) == {"x <= 2", "x = 3", "x >= 4"}
    # thousands get a separator
    assert conditions([1000.5, 1100.25, 1200.5, 1234, 1234, 1235, 1300.5, 1400.5, 1500.5, 1600.5],
                      [0] * 5 + [1] * 5) == {"x <= 1,234", "x > 1,234"}


def test_fitted_description_names_the_planted_groups(fitted, planted):
    X, truth = planted
    names = fitted.named_labels()
    crosstab = pd.crosstab(truth, names)
    found = crosstab.idxmax(axis=1).to_dict()
    assert found["champions"].endswith("high spenders")
    assert "frequent" in found["champions"]
    assert found["lapsed"].startswith("lapsed")
    # cheap products in multiples, mostly toys: the price level and units per line name them
    assert found["newcomers"] == "bulk bargain hunters (toys lovers)"
    assert len(set(fitted.segment_names_.values())) == 3
    assert fitted.fidelity_ > 0.95
    assert set(fitted.rules_["segment"]) == {0, 1, 2}
    assert fitted.profile_["share_customers"].sum() == pytest.approx(1.0)
    assert fitted.profile_["share_revenue"].sum() == pytest.approx(1.0)
    # newcomers are the toy buyers
    newcomers = fitted.labels_[truth == "newcomers"].mode()[0]
    assert fitted.profile_.loc[newcomers, "top_categories"].startswith("toys")


def test_names_are_unique_when_profiles_clash():
    z = pd.DataFrame({"recency_days": [2.0, 2.1, 2.2], "n_orders": [-0.9, -0.6, -0.9],
                      "monetary_total": [-1.0, -1.0, -1.0], "tenure_days": [0.0, -1.0, 0.0]},
                     index=[0, 1, 2])
    names = segment.name_segments(z, {0: None, 1: None, 2: "toys"},
                                   pd.Series({0: 30, 1: 20, 2: 10}))
    # 0 and 1 clash on "lapsed low spenders": each adds its next strongest adjective
    assert names == {0: "lapsed occasional low spenders", 1: "lapsed new low spenders",
                     2: "lapsed low spenders (toys lovers)"}
    # identical profiles with nothing left to tell them apart get numbers; the largest stays plain
    same = segment.name_segments(z.iloc[[0, 0]].set_axis([0, 1]), {}, pd.Series({0: 5, 1: 9}))
    assert same == {1: "lapsed occasional low spenders", 0: "lapsed occasional low spenders 2"}
    # the noun follows money: spend first, then order value
    one = pd.DataFrame({"monetary_total": [0.0, 0.0, 0.8], "monetary_mean_order": [-0.7, 0.9, 0]},
                       index=[0, 1, 2])
    assert segment.name_segments(one, {}, pd.Series({0: 3, 1: 2, 2: 1})) == {
        0: "bargain hunters", 1: "big-ticket buyers", 2: "high spenders"}
    # without money columns the two most extreme features make the noun
    other = pd.DataFrame({"a": [1.0, -1.0], "b": [-2.0, 0.1]}, index=[0, 1])
    assert segment.name_segments(other, {}, pd.Series({0: 1, 1: 1})) == {
        0: "customers with low b and high a", 1: "customers with low a and high b"}


@settings(max_examples=15, deadline=None)
@given(st.permutations([0, 1, 2]))
def test_relabelled_clusters_give_the_same_profile(perm):
    X, truth = planted_table(n_per=15, seed=2)
    codes = truth.map({"champions": 0, "lapsed": 1, "newcomers": 2})
    base = segment.describe_segments(X, codes)
    relab = segment.describe_segments(X, codes.map(dict(enumerate(perm))))
    for old in range(3):
        a = base.profile.loc[old]
        b = relab.profile.loc[perm[old]]
        pd.testing.assert_series_equal(a, b, check_names=False)
        pd.testing.assert_series_equal(base.ratios.loc[old], relab.ratios.loc[perm[old]],
                                       check_names=False)
    assert relab.fidelity == base.fidelity


# ---------------------------------------------------------------- hdbscan noise


def test_hdbscan_marks_far_outliers_as_noise(planted):
    X, _ = planted
    rng = np.random.default_rng(0)
    outliers = pd.DataFrame({c: X[c].max() * rng.uniform(3, 30, 4) for c in X.columns},
                            index=pd.Index([f"o{i}" for i in range(4)], name="customer_id"))
    outliers[["share_toys", "share_food"]] = 0.5
    Xo = pd.concat([X, outliers])
    seg = CustomerSegmenter(algorithm="hdbscan").fit(Xo)
    assert (seg.labels_.loc[outliers.index] == -1).all()
    assert seg.n_clusters_ == 3
    assert seg.segment_names_[-1] == "unassigned (noise)"
    assert -1 in seg.profile_.index


# ---------------------------------------------------------------- the demo shop's planted segments


def test_demo_planted_segments_are_recovered():
    # Default parameters on the default demo shop (5,000 customers, 5 planted segments), as the
    # issue asks. Measured adjusted Rand index: 0.873 (seed 0), 0.864 (seed 1), 0.862 (seed 2),
    # k = 5 chosen by the rule each time; a random forest trained on the truth reaches 0.96, so
    # the rest is customers whose short history looks like another segment's.
    from mining import datasets
    from mining.features import customer_table

    ds = datasets.load("demo", random_state=0)
    table = customer_table(ds.transactions, as_of=ds.as_of)
    seg = CustomerSegmenter().fit(table)
    truth = ds.truth.segments.reindex(table.index)
    assert truth.notna().all()
    assert seg.n_clusters_ == truth.nunique() == 5
    assert adjusted_rand_score(truth, seg.labels_) >= 0.8
    # each planted segment is mostly one found segment, and a different one each time
    majority = pd.crosstab(truth, seg.labels_).idxmax(axis=1)
    assert majority.is_unique
    # the old default (RFM, tenure, gaps and every category share) scores far lower
    old = ["recency_days", "n_orders", "monetary_total", "monetary_mean_order",
           "basket_size_mean", "tenure_days", "ipt_median_days",
           *[c for c in table.columns if c.startswith("share_")]]
    rfm = CustomerSegmenter(features=old, n_clusters=seg.n_clusters_).fit(table)
    assert adjusted_rand_score(truth, rfm.labels_) < adjusted_rand_score(truth, seg.labels_) - 0.1
    pd.testing.assert_series_equal(seg.assign(table.head(20)), seg.labels_.head(20))


# ---------------------------------------------------------------- bad parameters


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"n_clusters": 500}, r"'n_clusters'.*smaller than the number of customers \(180\)"),
        ({"n_clusters": 1}, r"'n_clusters'.*int >= 2"),
        ({"features": ["recency_days", "age"]}, r"not in the table: \['age'\]"),
        ({"features": []}, r"'features'"),
        ({"algorithm": "dbscan"}, r"'algorithm'.*'kmeans'"),
        ({"k_range": (2, 400)}, r"'k_range'.*only 180 customers"),
        ({"k_range": (5, 3)}, r"'k_range'.*k_min <= k_max"),
        ({"random_state": -1}, r"'random_state'"),
        ({"random_state": 1.5}, r"'random_state'"),
    ],
)
def test_bad_parameters_raise_clear_errors(planted, params, match):
    X, _ = planted
    with pytest.raises(ParameterError, match=match):
        CustomerSegmenter(**params).fit(X)


def test_random_state_takes_none_or_a_generator(planted):
    X, truth = planted
    a = CustomerSegmenter(n_clusters=3, random_state=np.random.default_rng(5)).fit(X)
    b = CustomerSegmenter(n_clusters=3, random_state=np.random.default_rng(5)).fit(X)
    pd.testing.assert_series_equal(a.labels_, b.labels_)
    fresh = CustomerSegmenter(n_clusters=3, random_state=None).fit(X)
    assert adjusted_rand_score(truth, fresh.labels_) > 0.95
    res = segment.stability(X, segmenter=a, n_bootstrap=3, random_state=np.random.default_rng(1))
    assert res.mean_ari > 0.9
    d = segment.describe_segments(X, a.labels_, random_state=np.random.default_rng(2))
    assert d.fidelity > 0.95


def test_constant_feature_named_explicitly(planted):
    X, _ = planted
    with pytest.raises(ParameterError, match=r"\['flat'\].*single value.*Remove them"):
        CustomerSegmenter(features=["recency_days", "flat"]).fit(X.assign(flat=1.0))


def test_non_numeric_feature(planted):
    X, _ = planted
    with pytest.raises(ParameterError, match="numeric"):
        CustomerSegmenter(features=["recency_days", "note"]).fit(X.assign(note="a"))


def test_too_few_customers(planted):
    X, _ = planted
    with pytest.raises(InsufficientDataError, match="at least 10 customers"):
        CustomerSegmenter(n_clusters=2).fit(X.head(5))


def test_not_a_dataframe_or_duplicate_ids(planted):
    X, _ = planted
    with pytest.raises(ParameterError, match="DataFrame"):
        CustomerSegmenter().fit(X.to_numpy())
    with pytest.raises(ParameterError, match="customer_id repeats"):
        CustomerSegmenter().fit(pd.concat([X, X.head(3)]))


def test_ward_refuses_huge_tables():
    n = segment.WARD_MAX_CUSTOMERS + 1  # refused before any clustering: cheap to check
    X = pd.DataFrame({"n_orders": np.arange(n, dtype=float) % 7},
                     index=pd.Index([f"c{i}" for i in range(n)], name="customer_id"))
    with pytest.raises(ParameterError, match="minibatch_kmeans"):
        CustomerSegmenter(algorithm="ward").fit(X)


def test_choose_k_refuses_hdbscan(planted):
    X, _ = planted
    with pytest.raises(ParameterError, match="finds the number of segments itself"):
        segment.choose_k(X, algorithm="hdbscan")


def test_predict_errors(fitted, planted):
    X, _ = planted
    with pytest.raises(NotFittedError, match="not fitted"):
        CustomerSegmenter().predict(X)
    with pytest.raises(NotFittedError, match="not fitted"):
        _ = CustomerSegmenter().profile_
    assert issubclass(NotFittedError, MiningError)
    with pytest.raises(SchemaError, match="'n_orders' is missing"):
        fitted.predict(X.drop(columns="n_orders"))
    with pytest.raises(ParameterError, match="'segmenter'"):
        segment.assign("not a model", X)


def test_spark_kmeans_is_an_estimator_without_spark():
    from sklearn.base import clone

    km = segment.SparkKMeans(4, n_init=2, random_state=3)
    assert km.get_params() == {"max_iter": 300, "n_clusters": 4, "n_init": 2,
                               "random_state": 3, "spark": None, "tol": 1e-4}
    assert clone(km.set_params(n_clusters=5)).n_clusters == 5
    with pytest.raises(NotFittedError, match="not fitted"):
        km.predict(np.zeros((2, 3)))


def test_describe_segments_bad_labels(planted):
    X, _ = planted
    with pytest.raises(ParameterError, match="one label per customer"):
        segment.describe_segments(X, [0, 1])
    with pytest.raises(ParameterError, match="no label"):
        segment.describe_segments(X, pd.Series([0, 1], index=X.index[:2]))


def test_errors_are_mining_errors():
    assert issubclass(ParameterError, MiningError)


def test_module_doctest():
    result = doctest.testmod(segment, verbose=False)
    assert result.failed == 0 and result.attempted > 0
    # the examples in the docstrings of the public functions (defined in the package's modules)
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner(verbose=False)
    for name in ("derive_features", "pick_k", "name_segments"):
        for test in finder.find(getattr(segment, name), name, globs={"pd": pd, "np": np, name: getattr(segment, name)}):
            runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
    assert runner.summarize(verbose=False).attempted >= 3


# ---------------------------------------------------------------- silhouettes of every k at once
@pytest.mark.parametrize("sample_size", [300, 120])
def test_silhouette_scores_equal_scikit_learns(sample_size):
    from sklearn.metrics import silhouette_score

    from mining.segment._choose_k import silhouette_scores

    Z, _ = make_blobs(n_samples=300, centers=4, n_features=3, random_state=1)
    rng = np.random.default_rng(0)
    labelings = [rng.integers(0, k, size=len(Z)) for k in (2, 3, 5)]
    labelings.append(np.where(labelings[1] == 1, 7, labelings[1]))  # codes 0, 2, 7
    ours = silhouette_scores(Z, labelings, sample_size=sample_size, random_state=3,
                             cells=1000)  # several blocks of distances
    theirs = [silhouette_score(Z, lab, sample_size=sample_size, random_state=3)
              for lab in labelings]
    assert ours == pytest.approx(theirs, abs=1e-12)


def test_silhouette_scores_refuse_a_single_segment():
    from mining.segment._choose_k import silhouette_scores

    Z, _ = make_blobs(n_samples=50, centers=2, random_state=0)
    with pytest.raises(ValueError, match="Number of labels is 1"):
        silhouette_scores(Z, [np.zeros(50, dtype=int)], sample_size=50, random_state=0)
    assert silhouette_scores(Z, [], sample_size=50, random_state=0) == []
