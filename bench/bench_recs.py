"""Hit rates of every recommendation strategy against popularity on the test period.

Cross-selling (notebook 03, ``mining.basket.compare_strategies``) and next purchase (notebook
04, ``mining.sequence.compare_strategies``), on the default demo and on the Kaggle Groceries
customers data (``../shared/datasets/groceries_members``; the product never reads it). The
default strategy is chosen on a validation period before the test period.

    .venv/bin/python bench/bench_recs.py [--skip-demo] [--skip-groceries]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from mining import basket
from mining import sequence as sq
from mining.inputs import open_inputs

GROCERIES = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "groceries_members" \
    / "Groceries_dataset.csv"


def groceries() -> pd.DataFrame:
    """The Kaggle Groceries customers data as transactions: a basket is (member, date)."""
    g = pd.read_csv(GROCERIES, dtype={"Member_number": str})
    ts = pd.to_datetime(g["Date"], format="%d-%m-%Y")
    return pd.DataFrame({"customer_id": g["Member_number"],
                         "order_id": g["Member_number"] + "-" + g["Date"], "timestamp": ts,
                         "product_id": g["itemDescription"], "product_name": g["itemDescription"]})


def show(title: str, comparison, seconds: float) -> None:
    print(f"\n== {title} ({seconds:.1f} s) ==")
    cols = ["validation_hit_rate", "test_hit_rate", "points_vs_popularity", "chosen"]
    print(comparison.table[cols].round(3).to_string())
    print("\n".join(comparison.sentences()))


def run(name: str, tx: pd.DataFrame, *, basket_opts: dict, seq_opts: dict) -> None:
    t = time.perf_counter()
    c = basket.compare_strategies(tx, k=5, **basket_opts)
    show(f"{name}: cross-sell offers (03)", c, time.perf_counter() - t)
    as_of = tx["timestamp"].max().normalize() + pd.Timedelta(days=1)
    split, h = sq.holdout_window(tx, as_of=as_of)
    t = time.perf_counter()
    c = sq.compare_strategies(tx, split_date=split, horizon_days=h, k=5, **seq_opts)
    show(f"{name}: next purchase (04), test {split:%Y-%m-%d} + {h} days", c,
         time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--skip-demo", action="store_true")
    ap.add_argument("--skip-groceries", action="store_true")
    args = ap.parse_args()
    if not args.skip_demo:
        d = open_inputs(dataset="demo", size="default", seed=0)
        tx = d.transactions[d.transactions["timestamp"] < d.as_of]
        run("demo", tx, basket_opts={"min_support": 0.005, "min_confidence": 0.3, "max_len": 3,
                                     "prune_redundant": True, "significance": 0.05},
            seq_opts={"min_support": 0.03, "max_len": 2})
    if not args.skip_groceries:
        if not GROCERIES.exists():
            print(f"Groceries data not found at {GROCERIES}: skipped.")
            return
        run("groceries", groceries(),
            basket_opts={"min_support": 0.001, "min_confidence": 0.05, "max_len": 3,
                         "prune_redundant": True, "significance": None},
            seq_opts={"min_support": 0.01, "max_len": 2})


if __name__ == "__main__":
    main()
