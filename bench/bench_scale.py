"""Benchmark: the table-building steps from tens of millions of order lines on one machine,
DuckDB (``engine="duckdb"``, reading the Parquet file where it lies) against pandas (reading the
file into memory) and Spark local mode, in the same run.

Steps (``--steps``):

- ``table``: the customer feature table, ``features.customer_table``;
- ``inputs`` (with ``--steps``): the data line and cleaning counts of
  ``open_inputs(source=path)`` against ``open_inputs(source=path, engine="duckdb")`` (counted
  where the file lies; the lines are not loaded);
- ``baskets``: the basket matrix + frequent itemsets at ``--min-support`` (default 0.1%):
  pandas ``frequent_itemsets(basket_matrix(pd.read_parquet(path)), algorithm="fast")`` against
  ``frequent_itemsets(path, algorithm="fast", engine="duckdb")`` (the baskets built in DuckDB,
  the same pyfim miner); Spark MLlib FPGrowth with ``--spark-baskets`` only (slow on 2 cores).

The synthetic shop and the peak-memory probe are those of ``bench_spark.py`` (Parquet, about 5
lines per order, 50 lines per customer). ``--format csv`` writes the same lines as a CSV file
(ISO dates) once and reads that instead: pandas with ``mining.io.load_transactions`` (read and
validated in memory), DuckDB where the file lies, each value checked by the same reading rule
(Spark is left out: it does not read CSV by the product's rules). Each engine runs in a fresh subprocess; printed: wall
seconds (reading included), lines per second, peak resident memory (GiB; for Spark with its
JVM), and whether the results agree: the customer tables by rows, ``n_orders`` and
``monetary_total`` sums; the itemsets by a digest of every (itemset, count) pair, which must be
identical. pandas is skipped above the lines it is predicted to fit (``--pandas-max-lines`` to
say), Spark with ``--no-spark`` or above ``--spark-max-lines``.

    .venv/bin/python bench/bench_scale.py --lines 5000000 20000000 --memory-limit 2.5GB
    .venv/bin/python bench/bench_scale.py --lines 100000000 --memory-limit 8GB --no-spark \\
        --steps table --pandas-max-lines 40000000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_spark

AS_OF = bench_spark.AS_OF
GIB = bench_spark.GIB


def _digest(itemsets) -> str:
    """sha256 of the sorted (itemset, count) pairs: equal digests, equal itemsets."""
    pairs = sorted(zip(itemsets["itemset_str"].tolist(), itemsets["count"].tolist(),
                       strict=True))
    return hashlib.sha256(repr(pairs).encode()).hexdigest()[:16]


def worker(step: str, engine: str, path: str, memory_limit: str, threads: int | None,
           driver_memory: str, min_support: float) -> dict:
    out: dict = {"step": step, "engine": engine}
    with bench_spark.PeakTree() as peak:
        t0 = time.perf_counter()
        from mining.basket import basket_matrix, frequent_itemsets
        from mining.features import customer_table

        spark = None
        if step == "inputs":  # the data line and cleaning counts of open_inputs
            from mining.inputs import open_inputs

            if engine == "duckdb":
                from mining.engines import duck

                duck.configure(memory_limit=memory_limit, threads=threads,
                               temp_directory="/tmp/mining_bench_duckdb_spill")
            data = open_inputs(source=path, engine=engine)
            line = data.summary().split("; engine ")[0]
            out["seconds"] = round(time.perf_counter() - t0, 1)
            out["check"] = [hashlib.sha256(line.encode()).hexdigest()[:16]]
            out["summary"] = line[:160]
            out["rows"] = data.to_dict()["rows"]
            own = max(peak.own, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
            out["peak_gib"] = round(max(peak.total, own) / GIB, 2)
            return out
        if engine == "pandas":
            import pandas as pd

            from mining.io import load_transactions

            tx = pd.read_parquet(path) if path.endswith(".parquet") else load_transactions(path)
            res = (customer_table(tx, as_of=AS_OF) if step == "table" else
                   frequent_itemsets(basket_matrix(tx), min_support=min_support,
                                     algorithm="fast"))
        elif engine == "duckdb":
            from mining.engines import duck

            duck.configure(memory_limit=memory_limit, threads=threads,
                           temp_directory="/tmp/mining_bench_duckdb_spill")
            res = (customer_table(path, as_of=AS_OF, engine="duckdb") if step == "table" else
                   frequent_itemsets(path, min_support=min_support, algorithm="fast",
                                     engine="duckdb"))
        else:
            from mining.engines import spark_session

            spark = spark_session("local[*]", app_name="bench-scale",
                                  config={"spark.driver.memory": driver_memory})
            res = (customer_table(path, as_of=AS_OF, engine="spark") if step == "table" else
                   frequent_itemsets(path, min_support=min_support, engine="spark"))
        out["seconds"] = round(time.perf_counter() - t0, 1)
        if spark is not None:
            spark.stop()
    out["rows"] = len(res)
    if step == "table":
        out["check"] = [len(res), int(res["n_orders"].sum()),
                        round(float(res["monetary_total"].sum()), 2)]
    else:
        out["check"] = [len(res), _digest(res)]
    own = max(peak.own, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    out["peak_gib"] = round(max(peak.total, own) / GIB, 2)
    return out


def run(step: str, engine: str, path: Path, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, __file__, "--worker", step, engine, str(path), "--memory-limit",
           args.memory_limit, "--driver-memory", args.driver_memory, "--min-support",
           str(args.min_support)]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return {"engine": engine, "failed": f"more than --timeout {args.timeout} s"}
    lines = [x for x in proc.stdout.splitlines() if x.startswith("{")]
    if proc.returncode != 0 or not lines:
        return {"engine": engine, "failed": (proc.stderr.strip() or "no output")[-400:]}
    return json.loads(lines[-1])


def _same(results: list[dict], step: str) -> bool | None:
    checks = [r["check"] for r in results if "check" in r]
    if len(checks) < 2:
        return None
    if step in ("baskets", "inputs"):
        return all(c == checks[0] for c in checks)
    rows = {c[0] for c in checks}
    orders = {c[1] for c in checks}
    money = [c[2] for c in checks]
    return len(rows) == 1 and len(orders) == 1 and \
        max(money) - min(money) <= 1e-6 * max(abs(m) for m in money)


def _as_csv(parquet: Path) -> Path:
    """The lines of ``parquet`` as a CSV file beside it (written once, by DuckDB)."""
    import duckdb

    out = parquet.with_suffix(".csv")
    if not out.exists():
        t = time.perf_counter()
        tmp = out.with_name(out.name + ".tmp")
        duckdb.sql(f"COPY (SELECT * FROM read_parquet('{parquet}')) TO '{tmp}' "
                   "(HEADER, DELIMITER ',')")
        tmp.rename(out)
        print(f"wrote {out.name} in {time.perf_counter() - t:.0f} s "
              f"({out.stat().st_size / 2**20:,.0f} MiB)", flush=True)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--lines", type=int, nargs="+", default=[5_000_000, 20_000_000])
    p.add_argument("--steps", nargs="+", default=["table", "baskets"],
                   choices=["table", "baskets", "inputs"])
    p.add_argument("--data", type=Path, default=Path("/tmp/mining_bench_spark"))
    p.add_argument("--format", choices=["parquet", "csv"], default="parquet",
                   help="read the lines from Parquet (default) or from a CSV file of them")
    p.add_argument("--memory-limit", default="3GB", help="DuckDB memory_limit")
    p.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: cores)")
    p.add_argument("--driver-memory", default="6g")
    p.add_argument("--min-support", type=float, default=0.001)
    p.add_argument("--pandas-max-lines", type=int, default=None)
    p.add_argument("--no-spark", action="store_true")
    p.add_argument("--spark-max-lines", type=int, default=None,
                   help="skip Spark above this many lines (it takes too long on 2 cores)")
    p.add_argument("--spark-baskets", action="store_true",
                   help="also Spark FPGrowth for the baskets step")
    p.add_argument("--timeout", type=int, default=3600)
    p.add_argument("--out", type=Path, default=None, help="also write the rows as JSON")
    p.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        print(json.dumps(worker(*args.worker, args.memory_limit, args.threads,
                                args.driver_memory, args.min_support)))
        return
    args.data.mkdir(parents=True, exist_ok=True)
    memory = bench_spark._mem_total()
    print(f"machine: {os.cpu_count()} cores, {memory / GIB:.1f} GiB; DuckDB memory_limit "
          f"{args.memory_limit}; load average {os.getloadavg()[0]:.2f}", flush=True)
    rows = []
    per_line: dict[str, float] = {}
    for n in sorted(args.lines):
        path = args.data / f"tx_{n}.parquet"
        if not path.exists():
            t = time.perf_counter()
            bench_spark.generate(path, n)
            print(f"generated {n:,} lines in {time.perf_counter() - t:.0f} s "
                  f"({path.stat().st_size / 2**20:,.0f} MiB)", flush=True)
        if args.format == "csv":
            path = _as_csv(path)
        for step in args.steps:
            engines = ["pandas", "duckdb"]
            if not args.no_spark and args.format == "parquet" and (
                    step == "table" or step == "baskets" and args.spark_baskets):
                engines.append("spark")
            row: dict = {"lines": n, "step": step, "load_before": round(os.getloadavg()[0], 2)}
            for engine in engines:
                limit = args.pandas_max_lines
                if engine == "pandas" and limit is None and step in per_line:
                    limit = int(0.8 * memory / per_line[step])
                if engine == "pandas" and limit is not None and n > limit:
                    row[engine] = {"skipped": f"predicted not to fit (limit {limit:,} lines)"}
                    continue
                if engine == "spark" and args.spark_max_lines and n > args.spark_max_lines:
                    row[engine] = {"skipped": f"would take too long (above "
                                              f"{args.spark_max_lines:,} lines)"}
                    continue
                row[engine] = run(step, engine, path, args)
                if engine == "pandas" and "peak_gib" in row[engine]:
                    per_line[step] = row[engine]["peak_gib"] * GIB / n
            row["same_result"] = _same([r for r in row.values() if isinstance(r, dict)], step)
            row["load"] = round(os.getloadavg()[0], 2)
            if "seconds" in row.get("pandas", {}) and "seconds" in row.get("duckdb", {}):
                # pandas seconds / DuckDB seconds, both measured in this run
                row["ratio"] = round(row["pandas"]["seconds"]
                                     / max(row["duckdb"]["seconds"], 0.1), 2)
            rows.append(row)
            print(json.dumps(row), flush=True)
    print(f"\n{'lines':>12} {'step':<8} {'engine':<7} {'seconds':>8} {'lines/s':>11} "
          f"{'peak GiB':>9}  same result")
    for row in rows:
        for engine in ("pandas", "duckdb", "spark"):
            r = row.get(engine)
            if r is None:
                continue
            if "seconds" in r:
                rate = row["lines"] / max(r["seconds"], 1e-9)
                print(f"{row['lines']:>12,} {row['step']:<8} {engine:<7} {r['seconds']:>8} "
                      f"{rate:>11,.0f} {r['peak_gib']:>9}  {row['same_result']}")
            else:
                print(f"{row['lines']:>12,} {row['step']:<8} {engine:<7} "
                      f"{r.get('skipped') or r.get('failed')}")
        base, duck_r = row.get("pandas", {}), row.get("duckdb", {})
        if "seconds" in base and "seconds" in duck_r:
            print(f"{'':>12} {row['step']:<8} duckdb vs pandas: "
                  f"{base['seconds'] / max(duck_r['seconds'], 0.1):.1f}x faster, "
                  f"{base['peak_gib'] / duck_r['peak_gib']:.1f}x less memory "
                  f"(load average {row['load_before']} before, {row['load']} after)")
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
