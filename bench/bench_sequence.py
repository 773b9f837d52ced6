"""Benchmark: mining.sequence.frequent_sequences against Spark MLlib PrefixSpan and `prefixspan`.

Data
  groceries  Kaggle Groceries members (../shared/datasets/groceries_members), one element per
             customer-day, 3,898 customers (skipped when the file is absent)
  synthetic  20,000 customers x ~10 orders of 1-4 distinct products (Zipf popularity over 1,000
             products), seed 0
Forms
  itemsets   elements are itemsets: this miner vs Spark (the `prefixspan` package cannot mine
             itemset elements)
  items      every element a single item (each customer's items flattened in time order):
             all three miners
Per (data, form, support) each miner runs in its own warm process (Spark session started and
numba kernels loaded before timing); the pattern sets are compared (same patterns, same
support counts) and the time ratios peer / this miner are printed (> 1: this miner is faster).
Peak memory: ``*_peak_mb`` is the peak resident set of the miner's process tree (the JVM
included) sampled every 5 ms during the run; ``*_delta_mb`` its rise over the level just before
the run (the JVM heap does not shrink between runs, so Spark's later deltas understate).

    .venv/bin/python bench/bench_sequence.py [--quick] [--timeout 120]

Results also go to bench/results/bench_sequence.csv (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
GROCERIES = REPO.parent / "shared" / "datasets" / "groceries_members" / "Groceries_dataset.csv"
SUPPORTS = {"groceries": (0.01, 0.005), "synthetic": (0.05, 0.02)}


# ---- data ------------------------------------------------------------------------------------
def synthetic(n_customers: int, *, n_products: int = 1000, mean_orders: float = 10.0,
              seed: int = 0) -> list[list[tuple[int, ...]]]:
    """Customers' orders of distinct products; popularity ~ 1 / rank (Zipf)."""
    rng = np.random.default_rng(seed)
    w = 1.0 / np.arange(1, n_products + 1)
    w /= w.sum()
    n_orders = 1 + rng.poisson(mean_orders - 1, n_customers)
    sizes = np.minimum(1 + rng.poisson(1.2, int(n_orders.sum())), 4)
    draws = rng.choice(n_products, size=(len(sizes), 4), p=w)
    seqs, o = [], 0
    for c in range(n_customers):
        seq = []
        for _ in range(n_orders[c]):
            seq.append(tuple(sorted(set(draws[o, : sizes[o]].tolist()))))
            o += 1
        seqs.append(seq)
    return seqs


def groceries() -> list[list[tuple[int, ...]]] | None:
    if not GROCERIES.exists():
        return None
    raw = pd.read_csv(GROCERIES, dtype=str)
    raw["t"] = pd.to_datetime(raw["Date"], format="%d-%m-%Y")
    code = {v: i for i, v in enumerate(sorted(raw["itemDescription"].unique()))}
    raw["i"] = raw["itemDescription"].map(code)
    raw = raw.drop_duplicates(["Member_number", "t", "i"]).sort_values(["Member_number", "t", "i"])
    seqs = []
    for _, g in raw.groupby("Member_number", sort=True):
        seqs.append([tuple(d["i"].tolist()) for _, d in g.groupby("t", sort=True)])
    return seqs


def flatten(seqs: list[list[tuple[int, ...]]]) -> list[list[tuple[int, ...]]]:
    return [[(x,) for el in s for x in el] for s in seqs]


# ---- workers ---------------------------------------------------------------------------------
class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout


class _PeakRSS:
    """Peak resident memory (MB) of this process and its children, sampled every 5 ms."""

    def __init__(self) -> None:
        import psutil

        self.proc = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _rss(self) -> int:
        total = 0
        for p in [self.proc, *self.proc.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except Exception:  # a child that just ended
                pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss())
            time.sleep(0.005)

    def __enter__(self):
        self.base = self._rss()
        self.peak = self.base
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())


def _canon(pattern) -> str:
    return " ".join("(" + " ".join(map(str, sorted(el))) + ")" for el in pattern)


def worker(miner: str, data_path: str, jobs: list[tuple[str, str, float]], timeout: float,
           out_dir: str) -> None:
    """Run the jobs (dataset, form, support) for one miner; one JSON line per job."""
    with open(data_path, "rb") as fh:
        data = pickle.load(fh)
    signal.signal(signal.SIGALRM, _alarm)
    if miner == "mining":
        from mining.sequence import SequenceDatabase, frequent_sequences

        t0 = time.perf_counter()
        frequent_sequences([[(1,), (2,)], [(1, 2)]], min_support=1)  # load the compiled kernels
        warm = time.perf_counter() - t0
        dbs = {key: SequenceDatabase.from_sequences(seqs) for key, seqs in data.items()}

        def run(key, support):
            res = frequent_sequences(dbs[key], min_support=support)
            return res, len(res)

        def patterns(res):
            return {_canon(p): int(c) for p, c in zip(res["pattern"], res["support_count"],
                                                      strict=True)}
    elif miner == "spark":
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        from pyspark.ml.fpm import PrefixSpan as SparkPrefixSpan
        from pyspark.sql import SparkSession

        t0 = time.perf_counter()
        spark = (SparkSession.builder.master("local[2]").appName("bench_sequence")
                 .config("spark.ui.enabled", "false").config("spark.driver.memory", "4g")
                 .config("spark.ui.showConsoleProgress", "false").getOrCreate())
        spark.sparkContext.setLogLevel("ERROR")
        frames = {}
        for key, seqs in data.items():
            df = spark.createDataFrame([([list(el) for el in s],) for s in seqs],
                                       "sequence array<array<int>>")
            frames[key] = df.cache()
            frames[key].count()
        SparkPrefixSpan(minSupport=0.5).findFrequentSequentialPatterns(frames[key]).count()
        warm = time.perf_counter() - t0

        def run(key, support):
            rows = SparkPrefixSpan(minSupport=support, maxPatternLength=10_000).\
                findFrequentSequentialPatterns(frames[key]).collect()
            return rows, len(rows)

        def patterns(rows):
            return {_canon(r.sequence): int(r.freq) for r in rows}
    elif miner == "prefixspan":
        from prefixspan import PrefixSpan

        warm = 0.0
        lists = {key: [[el[0] for el in s] for s in seqs] for key, seqs in data.items()
                 if key.endswith("/items")}

        def run(key, support):
            min_count = max(1, math.ceil(support * len(lists[key]) - 1e-9))
            res = PrefixSpan(lists[key]).frequent(min_count)
            return res, len(res)

        def patterns(res):
            return {_canon([(x,) for x in p]): int(c) for c, p in res}
    else:
        raise SystemExit(f"unknown miner {miner}")
    print(json.dumps({"miner": miner, "warmup_s": warm}), flush=True)
    for j, (dataset, form, support) in enumerate(jobs):
        key = f"{dataset}/{form}"
        row = {"miner": miner, "dataset": dataset, "form": form, "support": support}
        try:
            with _PeakRSS() as mem:
                signal.alarm(int(math.ceil(timeout)))
                t0 = time.perf_counter()
                try:
                    res, n = run(key, support)
                finally:
                    signal.alarm(0)
                row["seconds"] = time.perf_counter() - t0
            row.update(n_patterns=n, peak_rss_mb=mem.peak / 2**20,
                       peak_rss_increase_mb=(mem.peak - mem.base) / 2**20)
            path = Path(out_dir) / f"{miner}-{j}.pkl"
            with open(path, "wb") as fh:
                pickle.dump(patterns(res), fh)
            row["patterns_file"] = str(path)
        except _Timeout:
            row.update(seconds=math.inf, timed_out=True)
            if miner == "spark":
                spark.sparkContext.cancelAllJobs()
        print(json.dumps(row), flush=True)


# ---- driver ----------------------------------------------------------------------------------
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="2,000 synthetic customers")
    ap.add_argument("--customers", type=int, default=20_000)
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per peer run")
    ap.add_argument("--no-spark", action="store_true")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    ap.add_argument("--jobs", help=argparse.SUPPRESS)
    ap.add_argument("--outdir", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.data, json.loads(args.jobs), args.timeout, args.outdir)
        return 0

    n_cust = 2_000 if args.quick else args.customers
    data: dict[str, list] = {}
    g = groceries()
    if g is None:
        print(f"note: {GROCERIES} not found; Groceries skipped")
    else:
        data["groceries/itemsets"], data["groceries/items"] = g, flatten(g)
    s = synthetic(n_cust)
    data["synthetic/itemsets"], data["synthetic/items"] = s, flatten(s)
    for key, seqs in data.items():
        n_el = sum(len(x) for x in seqs)
        n_it = sum(len(el) for x in seqs for el in x)
        print(f"{key:22s} {len(seqs):>7,} customers {n_el:>9,} elements {n_it:>9,} items")

    jobs = [(key.split("/")[0], key.split("/")[1], sup) for key in data
            for sup in SUPPORTS[key.split("/")[0]]]
    miners = {"mining": jobs, "prefixspan": [j for j in jobs if j[1] == "items"]}
    if not args.no_spark:
        try:
            import pyspark  # noqa: F401

            miners["spark"] = jobs
        except ImportError:
            print("note: pyspark not installed; Spark skipped")
    rows, warm = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        data_path = Path(tmp) / "data.pkl"
        with open(data_path, "wb") as fh:
            pickle.dump(data, fh)
        # Spark shares one warm session for all its runs (its start takes ~20 s); the others get
        # a fresh process per run so that each peak-memory figure is its own
        batches: list[tuple[str, list]] = []
        for m, js in miners.items():
            if m == "spark":
                batches.append((m, js))
            else:
                batches.extend((m, [j]) for j in js)
        for b, (miner, mjobs) in enumerate(batches):
            cmd = [sys.executable, __file__, "--worker", miner, "--data", str(data_path),
                   "--jobs", json.dumps(mjobs), "--timeout", str(args.timeout), "--outdir",
                   str(Path(tmp) / f"b{b}")]
            (Path(tmp) / f"b{b}").mkdir()
            print(f"running {miner} {' '.join(f'{d}/{f}@{s}' for d, f, s in mjobs)} ...",
                  flush=True)
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True,
                                      timeout=args.timeout * (len(mjobs) + 1) + 120)
                out, err = proc.stdout, proc.stderr
            except subprocess.TimeoutExpired as exc:
                out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
                err = "worker timed out"
            lines = [json.loads(x) for x in out.splitlines() if x.startswith("{")]
            if not lines:
                print(f"  {miner} failed: {err.strip().splitlines()[-1:] }")
                continue
            warm[miner] = lines[0]["warmup_s"]
            rows.extend(lines[1:])
        for r in rows:
            f = r.pop("patterns_file", None)
            if f:
                with open(f, "rb") as fh:
                    r["_patterns"] = pickle.load(fh)
    df = pd.DataFrame(rows)
    ours = df[df["miner"] == "mining"].set_index(["dataset", "form", "support"])
    table = []
    for (dataset, form, support), o in ours.iterrows():
        line = {"data": dataset, "form": form, "support": support,
                "patterns": o["n_patterns"], "mining_s": o["seconds"],
                "mining_peak_mb": o["peak_rss_mb"], "mining_delta_mb": o["peak_rss_increase_mb"]}
        for peer in ("spark", "prefixspan"):
            p = df[(df["miner"] == peer) & (df["dataset"] == dataset) & (df["form"] == form)
                   & (df["support"] == support)]
            if p.empty:
                continue
            p = p.iloc[0]
            line[f"{peer}_s"] = p["seconds"]
            line[f"{peer}_peak_mb"] = p.get("peak_rss_mb", np.nan)
            line[f"{peer}_delta_mb"] = p.get("peak_rss_increase_mb", np.nan)
            line[f"{peer}_ratio"] = p["seconds"] / o["seconds"]
            same = isinstance(p.get("_patterns"), dict) and p["_patterns"] == o["_patterns"]
            line[f"{peer}_same"] = "yes" if same else ("timeout" if p.get("timed_out") is True
                                                       else "NO")
        table.append(line)
    res = pd.DataFrame(table)
    print()
    print("warm-up (not in the timings): " + ", ".join(f"{k} {v:.1f}s" for k, v in warm.items()))
    with pd.option_context("display.width", 200, "display.max_columns", 30,
                           "display.float_format", "{:.3g}".format):
        print(res.to_string(index=False))
    out = HERE / "results" / "bench_sequence.csv"
    out.parent.mkdir(exist_ok=True)
    res.to_csv(out, index=False)
    print(f"\nratio = peer seconds / mining seconds (> 1: mining is faster); saved {out}")
    bad = [c for c in res.columns if c.endswith("_same") and (res[c] == "NO").any()]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
