"""Tests of mining.segment.hierarchical_clusters, distance_matrix and plots.plot_dendrogram.

The DMBA textbook's Utilities table (Shmueli et al., ch. 15: 22 utilities, 8 numeric columns,
z-scored with the sample standard deviation) against SciPy itself (``pdist``, ``linkage``,
``fcluster``, ``cophenet``) on the same standardised values; hand-made tiny tables for the cuts
and the error messages.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from scipy.cluster import hierarchy
from scipy.spatial import distance

from mining import plots, segment
from mining.errors import InsufficientDataError, ParameterError, SchemaError
from mining.plots import segment as psegment
from mining.segment import HierarchicalClusters, distance_matrix, hierarchical_clusters


@pytest.fixture(scope="module")
def utilities() -> pd.DataFrame:
    dmba = pytest.importorskip("dmba")
    df = dmba.load_data("Utilities.csv")
    df["Company"] = df["Company"].str.strip()  # the file pads some names with a space
    return df.set_index("Company")


def _z(df: pd.DataFrame) -> np.ndarray:
    """The book's normalisation: (x - mean) / std, pandas' sample standard deviation."""
    return ((df - df.mean()) / df.std()).to_numpy()


def _same_partition(a: pd.Series | np.ndarray, b: pd.Series | np.ndarray) -> bool:
    table = pd.crosstab(np.asarray(a), np.asarray(b))
    return bool(((table > 0).sum(axis=0) == 1).all() and ((table > 0).sum(axis=1) == 1).all())


def _members(labels: pd.Series) -> set[frozenset[str]]:
    return {frozenset(labels.index[labels == k]) for k in labels.unique()}


# --------------------------------------------------------------------------------------------
# distances
# --------------------------------------------------------------------------------------------


def test_utilities_table(utilities):
    assert utilities.shape == (22, 8)
    assert list(utilities.columns) == ["Fixed_charge", "RoR", "Cost", "Load_factor",
                                       "Demand_growth", "Sales", "Nuclear", "Fuel_Cost"]


@pytest.mark.parametrize("metric", ["euclidean", "sqeuclidean", "cityblock", "chebyshev",
                                    "cosine", "correlation"])
@pytest.mark.parametrize("standardize", [True, False])
def test_distance_matrix_is_scipys(utilities, metric, standardize):
    before = utilities.copy()
    d = distance_matrix(utilities, metric=metric, standardize=standardize)
    values = _z(utilities) if standardize else utilities.to_numpy(dtype="float64")
    want = distance.squareform(distance.pdist(values, metric=metric))
    np.testing.assert_allclose(d.to_numpy(), want, rtol=0, atol=1e-12)
    assert d.index.equals(utilities.index) and d.columns.equals(utilities.index)
    np.testing.assert_array_equal(np.diag(d.to_numpy()), 0.0)
    np.testing.assert_array_equal(d.to_numpy(), d.to_numpy().T)
    pd.testing.assert_frame_equal(utilities, before)  # input untouched


def test_distance_arizona_boston_as_in_the_book(utilities):
    d = distance_matrix(utilities)
    # all 8 columns z-scored: 3.096 (the book's 3.10); manhattan alias of cityblock
    assert d.loc["Arizona", "Boston"] == pytest.approx(3.0962, abs=5e-5)
    assert round(float(d.loc["Arizona", "Boston"]), 2) == 3.10
    manhattan = distance_matrix(utilities, metric="manhattan")
    pd.testing.assert_frame_equal(manhattan, distance_matrix(utilities, metric="cityblock"))
    raw = distance_matrix(utilities, standardize=False)
    # unstandardised, Sales (values in the thousands) swamps every other column
    assert raw.loc["Arizona", "Boston"] == pytest.approx(abs(9077 - 5088), rel=1e-3)


# --------------------------------------------------------------------------------------------
# the tree and its cuts against SciPy
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["single", "complete", "average", "ward"])
def test_tree_and_cuts_are_scipys(utilities, method):
    z = _z(utilities)
    condensed = distance.pdist(z)
    want_tree = hierarchy.linkage(condensed, method=method)
    result = hierarchical_clusters(utilities, linkage=method)
    assert isinstance(result, HierarchicalClusters) and result.labels is None
    np.testing.assert_allclose(result.linkage_matrix, want_tree, rtol=0, atol=1e-12)
    assert result.cophenetic_correlation == pytest.approx(
        hierarchy.cophenet(want_tree, condensed)[0], abs=1e-12)
    for k in range(1, 23):
        got = hierarchical_clusters(utilities, linkage=method, n_clusters=k)
        want = hierarchy.fcluster(want_tree, k, criterion="maxclust")
        assert _same_partition(got.labels, want), (method, k)
        assert got.n_clusters == len(set(want))
        assert _same_partition(result.cut(n_clusters=k), want)
        # cutting at the reported height by distance gives the same segments
        assert _same_partition(result.cut(distance_threshold=got.cut_height), want)
    for t in (1.0, 2.5, 3.5):
        want = hierarchy.fcluster(want_tree, t, criterion="distance")
        got = hierarchical_clusters(utilities, linkage=method, distance_threshold=t)
        assert _same_partition(got.labels, want) and got.cut_height == t


def test_six_clusters_single_and_average(utilities):
    """SciPy's (and so our) six segments on the book's normalised table."""
    single = hierarchical_clusters(utilities, n_clusters=6, linkage="single")
    assert _members(single.labels) == {
        frozenset({"Idaho", "Puget"}), frozenset({"Central"}), frozenset({"NY"}),
        frozenset({"Nevada"}), frozenset({"San Diego"}),
        frozenset(set(utilities.index) - {"Idaho", "Puget", "Central", "NY", "Nevada",
                                          "San Diego"})}
    average = hierarchical_clusters(utilities, n_clusters=6, linkage="average")
    assert _members(average.labels) == {
        frozenset({"Arizona", "Central", "Florida", "Kentucky", "Oklahoma", "Southern",
                   "Texas"}),
        frozenset({"Boston", "Commonwealth", "Madison", "Northern", "Virginia", "Wisconsin"}),
        frozenset({"Hawaiian", "New England", "Pacific", "United"}),
        frozenset({"Idaho", "Nevada", "Puget"}), frozenset({"NY"}), frozenset({"San Diego"})}
    # segments numbered by size, 0 the largest; ties by first row
    assert average.sizes.tolist() == [7, 6, 4, 3, 1, 1]
    assert average.labels["Arizona"] == 0 and average.labels["NY"] == 4
    assert average.labels.name == "segment" and average.labels.index.equals(utilities.index)
    assert single.sizes.tolist() == [16, 2, 1, 1, 1, 1]
    assert average.cophenetic_correlation > single.cophenetic_correlation
    assert "average" in repr(average) and "rows=22" in repr(average)


def test_other_metrics_match_scipy(utilities):
    z = _z(utilities)
    for metric in ("cityblock", "cosine", "chebyshev"):
        want = hierarchy.linkage(distance.pdist(z, metric=metric), method="average")
        got = hierarchical_clusters(utilities, linkage="average", metric=metric, n_clusters=4)
        np.testing.assert_allclose(got.linkage_matrix, want, rtol=0, atol=1e-12)
        assert got.metric == metric
    raw = hierarchical_clusters(utilities, linkage="complete", standardize=False)
    want = hierarchy.linkage(distance.pdist(utilities.to_numpy(dtype=float)), method="complete")
    np.testing.assert_allclose(raw.linkage_matrix, want, rtol=0, atol=1e-9)
    assert raw.standardized is False


def test_hand_worked_tiny_table():
    t = pd.DataFrame({"n_orders": [0.0, 1.0, 5.0, 6.0, 20.0], "basket_size_mean": 1.0},
                     index=pd.Index(list("abcde"), name="customer_id"))
    t["basket_size_mean"] = [1.0, 1.0, 1.0, 1.0, 2.0]
    r = hierarchical_clusters(t, linkage="single", standardize=False)
    # single linkage merges a-b (1), c-d (1), {a,b}-{c,d} (4), then e (sqrt(14^2 + 1))
    np.testing.assert_allclose(r.heights, [1.0, 1.0, 4.0, np.hypot(14.0, 1.0)])
    assert r.cut(n_clusters=2).tolist() == [0, 0, 0, 0, 1]
    assert r.cut(distance_threshold=2.0).tolist() == [0, 0, 1, 1, 2]
    c = hierarchical_clusters(t, linkage="complete", standardize=False, n_clusters=2)
    np.testing.assert_allclose(c.heights[2], 6.0)  # a to d
    assert c.cut_height == pytest.approx((6.0 + np.hypot(20.0, 1.0)) / 2)
    two = hierarchical_clusters(t.iloc[:2], n_clusters=1, standardize=False)
    assert two.labels.tolist() == [0, 0] and two.cophenetic_correlation == 1.0


# --------------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------------


def test_parameter_errors_name_the_parameter(utilities):
    with pytest.raises(ParameterError, match="'linkage' parameter of hierarchical_clusters"):
        hierarchical_clusters(utilities, linkage="centroid")
    with pytest.raises(ParameterError, match="'metric' parameter .* 'euclidean' with "
                                             "linkage='ward'"):
        hierarchical_clusters(utilities, linkage="ward", metric="cityblock")
    with pytest.raises(ParameterError, match="'metric' parameter of distance_matrix"):
        distance_matrix(utilities, metric="mahalanobis-ish")
    with pytest.raises(ParameterError, match="'n_clusters' parameter"):
        hierarchical_clusters(utilities, n_clusters=0)
    with pytest.raises(ParameterError, match="'n_clusters' parameter"):
        hierarchical_clusters(utilities, n_clusters=23)
    with pytest.raises(ParameterError, match="'distance_threshold' parameter"):
        hierarchical_clusters(utilities, distance_threshold=-1.0)
    with pytest.raises(ParameterError, match="either 'n_clusters' or 'distance_threshold'"):
        hierarchical_clusters(utilities, n_clusters=3, distance_threshold=2.0)
    with pytest.raises(ParameterError, match="needs 'n_clusters'"):
        hierarchical_clusters(utilities).cut()
    with pytest.raises(ParameterError, match="'standardize' parameter"):
        distance_matrix(utilities, standardize="yes")
    with pytest.raises(ParameterError, match="as a pandas DataFrame"):
        distance_matrix(utilities.to_numpy())


def test_table_problems_are_reported_together(utilities):
    bad = utilities.copy()
    bad["region"] = "west"
    bad.loc[["NY", "Texas"], "Sales"] = np.nan
    bad["Cost"] = 1.0
    with pytest.raises(SchemaError) as err:
        hierarchical_clusters(bad, n_clusters=3)
    msg = str(err.value)
    assert "column 'region' is not numeric" in msg
    assert "column 'Sales' has 2 missing or infinite values, in rows 'NY', 'Texas'" in msg
    assert "column 'Cost' is constant" in msg and "3 problems" in msg
    # a constant column is fine without standardising
    ok = utilities.assign(Cost=1.0)
    assert distance_matrix(ok, standardize=False).shape == (22, 22)
    flags = utilities.assign(big=utilities["Sales"] > 8000)
    with pytest.raises(SchemaError, match="column 'big' is not numeric"):
        distance_matrix(flags)
    twice = pd.concat([utilities, utilities.iloc[:1]])
    with pytest.raises(SchemaError, match="row labels 'Arizona' occur more than once"):
        distance_matrix(twice)
    with pytest.raises(InsufficientDataError, match="at least 2 rows"):
        hierarchical_clusters(utilities.iloc[:1])
    with pytest.raises(SchemaError, match="no columns"):
        distance_matrix(utilities[[]])


def test_size_limits(utilities, monkeypatch):
    from mining.segment import _hierarchy

    monkeypatch.setattr(_hierarchy, "HIERARCHY_MAX_CUSTOMERS", 10)
    monkeypatch.setattr(_hierarchy, "DISTANCE_MATRIX_MAX_CUSTOMERS", 10)
    with pytest.raises(ParameterError, match="22 rows is more than 10"):
        hierarchical_clusters(utilities)
    with pytest.raises(ParameterError, match="22 rows is more than 10"):
        distance_matrix(utilities)
    assert segment.HIERARCHY_MAX_CUSTOMERS == segment.WARD_MAX_CUSTOMERS


# --------------------------------------------------------------------------------------------
# the dendrogram
# --------------------------------------------------------------------------------------------


@pytest.fixture
def _guard(plot_guard):
    yield


@pytest.mark.usefixtures("_guard")
def test_dendrogram_draws_every_leaf(utilities):
    result = hierarchical_clusters(utilities, n_clusters=6, linkage="average")
    fig = psegment.plot_dendrogram(result)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    leaves = [t.get_text() for t in ax.get_xticklabels()]
    assert len(leaves) == 22 and sorted(leaves) == sorted(utilities.index)
    want_order = hierarchy.dendrogram(result.linkage_matrix, no_plot=True,
                                      labels=list(utilities.index))["ivl"]
    assert leaves == want_order
    assert "average linkage" in ax.get_title() and "standard deviations" in ax.get_ylabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["cut: 6 segments"]
    assert plots.plot_dendrogram is psegment.plot_dendrogram  # the lazy top-level name


@pytest.mark.usefixtures("_guard")
def test_dendrogram_on_given_axis_truncated_and_sideways(utilities):
    tree = hierarchical_clusters(utilities, linkage="single")
    fig, ax = plt.subplots()
    assert psegment.plot_dendrogram(tree, ax=ax) is fig
    assert ax.get_legend() is None  # no cut, no line
    short = psegment.plot_dendrogram(tree, max_leaves=8).axes[0]
    labels = [t.get_text() for t in short.get_xticklabels()]
    assert len(labels) == 8 and any(s.startswith("(") for s in labels)
    assert "last 8 of 22 rows" in short.get_title()
    side = psegment.plot_dendrogram(tree, orientation="left").axes[0]
    assert len(side.get_yticklabels()) == 22
    with pytest.raises(ParameterError, match="segment.hierarchical_clusters"):
        psegment.plot_dendrogram(distance_matrix(utilities))
    with pytest.raises(ParameterError, match="'max_leaves' parameter"):
        psegment.plot_dendrogram(tree, max_leaves=1)
    with pytest.raises(ParameterError, match="'orientation' parameter"):
        psegment.plot_dendrogram(tree, orientation="bottom")
