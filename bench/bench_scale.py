"""Benchmark: the customer feature table from tens of millions of order lines on one machine,
DuckDB (``engine="duckdb"``, reading the Parquet file where it lies) against pandas (reading the
file into memory) and Spark local mode, in the same run.

The synthetic shop and the peak-memory probe are those of ``bench_spark.py`` (Parquet, about 5
lines per order, 50 lines per customer). Each engine runs in a fresh subprocess; printed: wall
seconds (reading included), lines per second, peak resident memory (GiB; for Spark with its
JVM), and whether the tables agree (row counts and the sum of ``monetary_total``). pandas is
skipped above the lines it is predicted to fit (``--pandas-max-lines`` to say), Spark with
``--no-spark``.

    .venv/bin/python bench/bench_scale.py --lines 5000000 20000000
    .venv/bin/python bench/bench_scale.py --lines 100000000 --memory-limit 8GB --no-spark
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_spark

AS_OF = bench_spark.AS_OF
GIB = bench_spark.GIB


def worker(engine: str, path: str, memory_limit: str, threads: int | None,
           driver_memory: str) -> dict:
    out: dict = {"engine": engine}
    with bench_spark.PeakTree() as peak:
        t0 = time.perf_counter()
        from mining.features import customer_table

        if engine == "pandas":
            import pandas as pd

            res = customer_table(pd.read_parquet(path), as_of=AS_OF)
        elif engine == "duckdb":
            from mining.engines import duck

            duck.configure(memory_limit=memory_limit, threads=threads,
                           temp_directory="/tmp/mining_bench_duckdb_spill")
            res = customer_table(path, as_of=AS_OF, engine="duckdb")
        else:
            from mining.engines import spark_session

            spark = spark_session("local[*]", app_name="bench-scale",
                                  config={"spark.driver.memory": driver_memory})
            res = customer_table(path, as_of=AS_OF, engine="spark")
            spark.stop()
        out["seconds"] = round(time.perf_counter() - t0, 1)
    out["rows"] = len(res)
    out["monetary_sum"] = round(float(res["monetary_total"].sum()), 2)
    own = max(peak.own, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    out["peak_gib"] = round(max(peak.total, own) / GIB, 2)
    return out


def run(engine: str, path: Path, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, __file__, "--worker", engine, str(path), "--memory-limit",
           args.memory_limit, "--driver-memory", args.driver_memory]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
    lines = [x for x in proc.stdout.splitlines() if x.startswith("{")]
    if proc.returncode != 0 or not lines:
        return {"engine": engine, "failed": (proc.stderr.strip() or "no output")[-400:]}
    return json.loads(lines[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--lines", type=int, nargs="+", default=[5_000_000, 20_000_000])
    p.add_argument("--data", type=Path, default=Path("/tmp/mining_bench_spark"))
    p.add_argument("--memory-limit", default="3GB", help="DuckDB memory_limit")
    p.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: cores)")
    p.add_argument("--driver-memory", default="6g")
    p.add_argument("--pandas-max-lines", type=int, default=None)
    p.add_argument("--no-spark", action="store_true")
    p.add_argument("--timeout", type=int, default=3600)
    p.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        print(json.dumps(worker(*args.worker, args.memory_limit, args.threads,
                                args.driver_memory)))
        return
    args.data.mkdir(parents=True, exist_ok=True)
    memory = bench_spark._mem_total()
    print(f"machine: {bench_spark.os.cpu_count()} cores, {memory / GIB:.1f} GiB; DuckDB "
          f"memory_limit {args.memory_limit}; load average {bench_spark.os.getloadavg()[0]:.2f}")
    engines = ["pandas", "duckdb"] + ([] if args.no_spark else ["spark"])
    rows = []
    per_line = None
    for n in sorted(args.lines):
        path = args.data / f"tx_{n}.parquet"
        if not path.exists():
            t = time.perf_counter()
            bench_spark.generate(path, n)
            print(f"generated {n:,} lines in {time.perf_counter() - t:.0f} s")
        row: dict = {"lines": n}
        for engine in engines:
            limit = args.pandas_max_lines
            if engine == "pandas" and limit is None and per_line:
                limit = int(0.8 * memory / per_line)
            if engine == "pandas" and limit is not None and n > limit:
                row[engine] = {"skipped": f"predicted not to fit (limit {limit:,} lines)"}
                continue
            row[engine] = run(engine, path, args)
            if engine == "pandas" and "peak_gib" in row[engine]:
                per_line = row[engine]["peak_gib"] * GIB / n
        got = [(r["rows"], r["monetary_sum"]) for r in row.values()
               if isinstance(r, dict) and "rows" in r]
        row["same_result"] = len({g[0] for g in got}) == 1 and \
            max(g[1] for g in got) - min(g[1] for g in got) <= 1e-6 * max(g[1] for g in got)
        rows.append(row)
        print(json.dumps(row))
    print(f"\n{'lines':>12} {'engine':<7} {'seconds':>8} {'lines/s':>11} {'peak GiB':>9}")
    for row in rows:
        for engine in engines:
            r = row.get(engine, {})
            if "seconds" in r:
                rate = row["lines"] / max(r["seconds"], 1e-9)
                print(f"{row['lines']:>12,} {engine:<7} {r['seconds']:>8} {rate:>11,.0f} "
                      f"{r['peak_gib']:>9}")
            else:
                print(f"{row['lines']:>12,} {engine:<7} {r.get('skipped') or r.get('failed')}")
        base, duck_r = row.get("pandas", {}), row.get("duckdb", {})
        if "seconds" in base and "seconds" in duck_r:
            print(f"{'':>12} duckdb vs pandas: {base['seconds'] / duck_r['seconds']:.1f}x faster,"
                  f" {base['peak_gib'] / duck_r['peak_gib']:.1f}x less memory; same table: "
                  f"{row['same_result']}")


if __name__ == "__main__":
    main()
