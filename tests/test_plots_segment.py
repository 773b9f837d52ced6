"""Tests of mining.plots.segment: every figure draws, returns its Figure, and touches no globals."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from sklearn.datasets import make_blobs
from threadpoolctl import threadpool_limits

from mining import segment
from mining.errors import ParameterError
from mining.plots import segment as psegment

FEATURES = ["recency_days", "n_orders", "monetary_total", "share_toys"]


def blob_table(n: int = 150, seed: int = 0) -> pd.DataFrame:
    """make_blobs turned into a small customer feature table (three groups)."""
    pts, _ = make_blobs(n_samples=n, centers=[[0, 0, 0], [6, 6, 0], [0, 6, 6]], cluster_std=0.8,
                        random_state=seed)
    rng = np.random.default_rng(seed)
    toys = rng.uniform(0, 1, n)
    return pd.DataFrame({
        "recency_days": np.exp(pts[:, 0] / 2) * 10,
        "n_orders": np.round(np.exp(pts[:, 1] / 3)) + 1,
        "monetary_total": np.exp(pts[:, 2] / 2) * 50,
        "share_toys": toys,
        "share_food": 1 - toys,
    }, index=pd.Index([f"c{i}" for i in range(n)], name="customer_id"))


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    # small matrices: k-means' OpenMP threads only fight each other on a busy machine (10x slower)
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def fitted() -> tuple[segment.CustomerSegmenter, pd.DataFrame]:
    X = blob_table()
    return segment.CustomerSegmenter(k_range=(2, 5), features=FEATURES).fit(X), X


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_k_selection_panels_and_single_axis(fitted):
    seg, _ = fitted
    fig = psegment.plot_k_selection(seg.k_selection_)
    assert isinstance(fig, Figure)
    visible = [a for a in fig.axes if a.get_visible()]
    assert len(visible) == 4  # silhouette, CH, DB, inertia; no BIC for k-means
    chosen = seg.n_clusters_
    assert any(line.get_xdata()[0] == chosen for a in visible for line in a.lines
               if len(line.get_xdata()) == 2)  # the dashed chosen-k line
    fig2, ax = plt.subplots()
    assert psegment.plot_k_selection(seg.k_selection_, ax=ax) is fig2
    assert len(ax.lines) == 5  # four criteria + chosen k


def test_k_selection_gmm_shows_bic():
    X = blob_table()
    table = segment.choose_k(X, features=FEATURES, algorithm="gmm", k_range=(2, 4))
    fig = psegment.plot_k_selection(table)
    titles = [a.get_title() for a in fig.axes if a.get_visible()]
    assert any("BIC" in t for t in titles)


def test_segment_map_colours_each_segment(fitted):
    seg, X = fitted
    fig = psegment.plot_segment_map(seg, X)
    ax = fig.axes[0]
    assert len(ax.collections) == seg.n_clusters_
    assert sum(len(c.get_offsets()) for c in ax.collections) == len(X)
    assert "principal component" in ax.get_xlabel()
    # capped number of points, and colouring by another labelling (e.g. the planted truth)
    truth = pd.Series(np.where(X["recency_days"] > 50, "far", "near"), index=X.index)
    fig2 = psegment.plot_segment_map(seg, X, labels=truth, max_points=40)
    assert sum(len(c.get_offsets()) for c in fig2.axes[0].collections) == 40
    assert {t.get_text() for t in fig2.axes[0].get_legend().get_texts()} == {"far", "near"}
    # a single clustering feature: one component, drawn against a zero second axis
    one = segment.CustomerSegmenter(features=["recency_days"], n_clusters=2).fit(X)
    ax1 = psegment.plot_segment_map(one, X).axes[0]
    assert sum(len(c.get_offsets()) for c in ax1.collections) == len(X)
    assert "only one feature" in ax1.get_ylabel()


def test_heatmap_and_snake(fitted):
    seg, _ = fitted
    fig = psegment.plot_segment_heatmap(seg)
    img = fig.axes[0].images[0].get_array()
    assert img.shape == seg.description_.standardized.shape
    np.testing.assert_allclose(np.asarray(img), seg.description_.standardized.to_numpy())
    fig2 = psegment.plot_snake(seg.description_)
    assert len(fig2.axes[0].lines) == seg.n_clusters_ + 1  # one per segment + zero line


def test_sizes_bars_match_profile(fitted):
    seg, _ = fitted
    fig = psegment.plot_segment_sizes(seg)
    bars = fig.axes[0].patches
    assert len(bars) == 2 * seg.n_clusters_
    heights = sorted(round(b.get_height(), 6) for b in bars[: seg.n_clusters_])
    assert heights == sorted(round(100 * v, 6) for v in seg.profile_["share_customers"])
    fig2, ax = plt.subplots()
    assert psegment.plot_segment_sizes(seg.profile_, ax=ax) is fig2


def test_tree_and_stability(fitted):
    seg, X = fitted
    fig = psegment.plot_description_tree(seg)
    assert "reproduce" in fig.axes[0].get_title()
    res = segment.stability(X, segmenter=seg, n_bootstrap=4)
    fig2 = psegment.plot_stability(res)
    assert "mean ARI" in fig2.axes[0].get_legend().get_texts()[0].get_text()


def test_bad_inputs(fitted):
    seg, X = fitted
    with pytest.raises(ParameterError, match="choose_k"):
        psegment.plot_k_selection(X)
    with pytest.raises(ParameterError, match="fitted CustomerSegmenter"):
        psegment.plot_segment_heatmap(segment.CustomerSegmenter())
    with pytest.raises(ParameterError, match="fitted CustomerSegmenter"):
        psegment.plot_segment_map(segment.CustomerSegmenter(), X)
    with pytest.raises(ParameterError, match="stability"):
        psegment.plot_stability(0.9)


def test_plots_change_no_global_settings(fitted):
    seg, X = fitted
    before = dict(matplotlib.rcParams)
    n_figs = len(plt.get_fignums())
    fig, ax = plt.subplots()
    psegment.plot_segment_sizes(seg, ax=ax)
    psegment.plot_snake(seg, ax=ax)
    assert len(plt.get_fignums()) == n_figs + 1  # drew on ours, opened none
    after = dict(matplotlib.rcParams)
    assert {k for k in before if before[k] != after[k]} <= {"backend"}
