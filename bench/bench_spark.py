"""Benchmark: pandas vs Spark local mode for the customer feature table and itemset mining.

Generates a synthetic shop as Parquet (``--lines`` order lines, about 5 lines per order, 50
lines per customer, 5,000 products with skewed popularity, 20 categories, two years), then
runs each of

- ``table``: ``features.customer_table`` (pandas, reading the Parquet file with pandas) vs
  ``customer_table(path, engine="spark")`` (Spark reading the same Parquet file);
- ``itemsets``: ``basket_matrix`` + ``frequent_itemsets(algorithm="fast")`` (pandas + pyfim)
  vs ``frequent_itemsets(path, engine="spark")`` (Spark MLlib FPGrowth), at ``--min-support``;

in a fresh subprocess each, and prints wall time (seconds, including reading the file and, for
Spark, starting the session) and peak memory (GiB, resident: the Python process, plus for
Spark the JVM it starts). It checks that both engines give the same result (row counts and
itemset counts), and extrapolates, from the pandas peak per line, the number of lines at which
pandas no longer fits in this machine's memory.

Run (a few minutes at 5 million lines on 2 cores)::

    PYTHONPATH=... .venv/bin/python bench/bench_spark.py --lines 5000000
    .venv/bin/python bench/bench_spark.py --lines 1000000 5000000 --out bench_spark.json

Tens of millions of lines: ``--lines 20000000 50000000`` (the Parquet files are about 25 MB per
million lines; generation is chunked, so it needs little memory). Give Spark more memory with
``--driver-memory 16g``; pandas is skipped above ``--pandas-max-lines`` (default: the lines it
is predicted to fit, from the smaller runs), so a run never swaps the machine to death.
On a cluster, point ``--master`` at it (``spark://host:7077``) and ``--data`` at shared storage.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
AS_OF = "2026-01-01"
GIB = 1024**3


def _mem_total() -> int:
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    return 0


# -- data ---------------------------------------------------------------------------------------


def generate(path: Path, n_lines: int, *, seed: int = 0, chunk: int = 2_000_000) -> None:
    """Write ``n_lines`` synthetic order lines to ``path`` (Parquet, microsecond timestamps)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    n_products, n_categories = 5_000, 20
    popularity = 1.0 / np.arange(1, n_products + 1) ** 1.1
    popularity /= popularity.sum()
    category_of = rng.integers(0, n_categories, n_products)
    price_of = np.round(rng.lognormal(1.5, 0.8, n_products), 2)
    cats = np.array([f"Category {i:02d}" for i in range(n_categories)], dtype=object)
    names = np.array([f"Product {i:05d}" for i in range(n_products)], dtype=object)
    pids = np.array([f"P{i:05d}" for i in range(n_products)], dtype=object)
    start = np.datetime64("2024-01-01T00:00:00", "us")
    span_us = 2 * 365 * 86_400 * 10**6
    writer = None
    order_base, done = 0, 0
    n_customers = max(1, n_lines // 50)
    try:
        while done < n_lines:
            m = min(chunk, n_lines - done)
            sizes = rng.integers(1, 10, m // 5 + 2)  # about 5 lines per order
            sizes = sizes[np.cumsum(sizes) <= m]
            if sizes.sum() < m:
                sizes = np.r_[sizes, m - sizes.sum()]
            n_orders = len(sizes)
            order = np.repeat(np.arange(order_base, order_base + n_orders), sizes)
            cust = rng.integers(0, n_customers, n_orders)[order - order_base]
            ts = (start + rng.integers(0, span_us, n_orders).astype("timedelta64[us]"))[
                order - order_base]
            prod = rng.choice(n_products, size=m, p=popularity)
            # a planted cross-sell: product 7 pulls product 11 into the same order
            pulled = (prod == 7) & (rng.random(m) < 0.6)
            prod = np.where(np.r_[False, pulled[:-1]] & (order == np.r_[-1, order[:-1]]), 11,
                            prod)
            table = pa.table({
                "customer_id": pa.array([f"C{c:08d}" for c in cust.tolist()]),
                "order_id": pa.array([f"O{o:010d}" for o in order.tolist()]),
                "timestamp": pa.array(ts, type=pa.timestamp("us")),
                "product_id": pa.array(pids[prod].tolist()),
                "product_name": pa.array(names[prod].tolist()),
                "category": pa.array(cats[category_of[prod]].tolist()),
                "quantity": pa.array(rng.integers(1, 4, m).astype("float64")),
                "unit_price": pa.array(price_of[prod]),
            })
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table, row_group_size=1_000_000)
            done += m
            order_base += n_orders
    finally:
        if writer is not None:
            writer.close()


# -- one measurement per subprocess ---------------------------------------------------------------


def _tree_rss() -> tuple[int, int]:
    """(resident bytes of this process, of all its descendants: the Spark JVM)."""
    page = os.sysconf("SC_PAGE_SIZE")
    parent: dict[int, int] = {}
    rss: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{d}/statm") as f:
                rss[int(d)] = int(f.read().split()[1]) * page
            parent[int(d)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    me = os.getpid()
    kids, frontier = set(), {me}
    while frontier:
        frontier = {p for p, pp in parent.items() if pp in frontier and p not in kids}
        kids |= frontier
    return rss.get(me, 0), sum(rss.get(k, 0) for k in kids)


class PeakTree:
    """Peak resident memory of this process and, separately, of its children (0.2 s samples)."""

    def __enter__(self) -> PeakTree:
        self.own = self.children = self.total = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._poll, daemon=True)
        self._t.start()
        return self

    def _poll(self) -> None:
        while not self._stop.is_set():
            own, kids = _tree_rss()
            self.own, self.children = max(self.own, own), max(self.children, kids)
            self.total = max(self.total, own + kids)
            self._stop.wait(0.2)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()


def worker(task: str, engine: str, path: str, min_support: float, master: str,
           driver_memory: str) -> dict:
    out: dict = {"task": task, "engine": engine}
    with PeakTree() as peak:
        t0 = time.perf_counter()
        if engine == "pandas":
            import pandas as pd

            tx = pd.read_parquet(path)
            if task == "table":
                from mining.features import customer_table

                res = customer_table(tx, as_of=AS_OF)
            else:
                from mining.basket import basket_matrix, frequent_itemsets

                res = frequent_itemsets(basket_matrix(tx), min_support=min_support,
                                        algorithm="fast")
        else:
            from mining.basket import frequent_itemsets
            from mining.engines import spark_session
            from mining.features import customer_table

            # the engine="spark" functions use the session started here (the active one)
            spark = spark_session(master, app_name=f"bench-{task}",
                                  config={"spark.driver.memory": driver_memory})
            if task == "table":
                res = customer_table(str(path), as_of=AS_OF, engine="spark")
            else:
                res = frequent_itemsets(str(path), min_support=min_support, engine="spark")
        out["seconds"] = round(time.perf_counter() - t0, 1)
        if engine == "spark":
            spark.stop()
    out["rows"] = len(res)
    if task == "itemsets":
        out["pairs"] = int((res["length"] == 2).sum())
    own = max(peak.own, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    out["peak_gib"] = round(max(peak.total, own) / GIB, 2)
    out["peak_python_gib"] = round(own / GIB, 2)
    if engine == "spark":
        out["peak_jvm_gib"] = round(peak.children / GIB, 2)
    return out


def run_one(task: str, engine: str, path: Path, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, __file__, "--worker", task, engine, str(path),
           "--min-support", str(args.min_support), "--master", args.master,
           "--driver-memory", args.driver_memory]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
    lines = [x for x in proc.stdout.splitlines() if x.startswith("{")]
    if proc.returncode != 0 or not lines:
        return {"task": task, "engine": engine, "failed": proc.stderr.strip()[-400:]}
    return json.loads(lines[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--lines", type=int, nargs="+", default=[5_000_000],
                   help="order lines of the synthetic data (one run per size)")
    p.add_argument("--data", type=Path, default=Path("/tmp/mining_bench_spark"),
                   help="folder for the generated Parquet files (kept for re-runs)")
    p.add_argument("--min-support", type=float, default=0.001)
    p.add_argument("--master", default="local[*]")
    p.add_argument("--driver-memory", default="6g")
    p.add_argument("--pandas-max-lines", type=int, default=None,
                   help="skip pandas above this many lines (default: predicted to fit)")
    p.add_argument("--tasks", nargs="+", default=["table", "itemsets"])
    p.add_argument("--timeout", type=int, default=1800)
    p.add_argument("--out", type=Path, default=None, help="also write the results as JSON")
    p.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        task, engine, path = args.worker
        print(json.dumps(worker(task, engine, path, args.min_support, args.master,
                                args.driver_memory)))
        return

    args.data.mkdir(parents=True, exist_ok=True)
    memory = _mem_total()
    print(f"machine: {os.cpu_count()} cores, {memory / GIB:.1f} GiB memory; Spark {args.master}, "
          f"driver memory {args.driver_memory}; min_support {args.min_support}")
    results = []
    per_line: dict[str, float] = {}
    first: dict[str, tuple[int, float]] = {}

    def data(n: int) -> Path:
        path = args.data / f"tx_{n}.parquet"
        if not path.exists():
            t = time.perf_counter()
            generate(path, n)
            print(f"generated {n:,} lines in {time.perf_counter() - t:.0f} s "
                  f"({path.stat().st_size / 2**20:.0f} MiB Parquet)")
        return path

    # pandas' memory per line: the slope between a quarter of the smallest size and each size
    small = max(1, min(args.lines) // 4)
    for task in args.tasks:
        r = run_one(task, "pandas", data(small), args)
        if "peak_gib" in r:
            first[task] = (small, r["peak_gib"] * GIB)
    for n in sorted(args.lines):
        path = data(n)
        for task in args.tasks:
            row: dict = {"lines": n, "task": task}
            limit = args.pandas_max_lines
            if limit is None and task in per_line:
                limit = int(0.8 * memory / per_line[task])
            if limit is not None and n > limit:
                row["pandas"] = {"skipped": f"predicted not to fit (limit {limit:,} lines)"}
            else:
                row["pandas"] = run_one(task, "pandas", path, args)
                if "peak_gib" in row["pandas"] and task in first:
                    n0, m0 = first[task]
                    slope = (row["pandas"]["peak_gib"] * GIB - m0) / (n - n0)
                    per_line[task] = slope
                    row["pandas_fits_up_to_lines"] = int((memory - m0) / slope + n0)
            row["spark"] = run_one(task, "spark", path, args)
            a, b = row["pandas"], row["spark"]
            if "rows" in a and "rows" in b:
                row["same_result"] = a["rows"] == b["rows"] and a.get("pairs") == b.get("pairs")
            results.append(row)
            print(json.dumps(row))
    print()
    print(f"{'lines':>12} {'task':<9} {'pandas s':>9} {'pandas GiB':>10} {'spark s':>8} "
          f"{'spark GiB':>9} {'(jvm)':>6}  same")
    for r in results:
        a, b = r["pandas"], r["spark"]
        print(f"{r['lines']:>12,} {r['task']:<9} {a.get('seconds', '-'):>9} "
              f"{a.get('peak_gib', '-'):>10} {b.get('seconds', '-'):>8} "
              f"{b.get('peak_gib', '-'):>9} {b.get('peak_jvm_gib', '-'):>6}  "
              f"{r.get('same_result', '-')}")
    for task, bpl in per_line.items():
        n0, m0 = first[task]
        print(f"pandas {task}: about {bpl:.0f} bytes more peak memory per line, so (linear "
              f"extrapolation) it stops fitting in {memory / GIB:.0f} GiB at about "
              f"{((memory - m0) / bpl + n0) / 1e6:.0f} million lines; Spark's memory is bounded "
              "by its settings (it spills to disk), not by the data.")
    if args.out:
        args.out.write_text(json.dumps({"results": results, "bytes_per_line": per_line},
                                       indent=2))


if __name__ == "__main__":
    main()
