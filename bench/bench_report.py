"""Benchmark: the whole scheduled report as the product runs it, against the plain way.

Two runs of the same notebooks (``notebooks/report.yaml``) on the same data, in this process's
environment:

- **product**: ``mining report`` as a user runs it (notebooks side by side, ``--jobs`` = cores;
  the data read and cleaned once for the run; in-process HTML export), timed end to end;
  per-notebook times come from each notebook's ``run.json`` (wall time while sharing the cores);
- **anchor** (the named peer): the plain way, papermill one notebook after the other
  (``papermill NB OUT -p ...``), then ``jupyter nbconvert --to html`` on each executed notebook.

Prints per-notebook and total wall times of both, the ratio anchor / product, the machine's load
average before and after (a busy machine slows both), and whether every notebook succeeded.

Usage::

    python bench/bench_report.py                   # default demo
    python bench/bench_report.py --size small
    python bench/bench_report.py --skip-anchor     # product only
    python bench/bench_report.py --alone           # also each notebook alone (mining run)
    python bench/bench_report.py --skip-product --skip-anchor --alone --only 05_churn
                                                   # one notebook alone, nothing else

Per-notebook product times include the kernel's start (the runner starts the first kernels and
runs their imports while it opens the data: ``kernel_start`` in each ``run.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _notebooks(config: Path) -> list[tuple[str, Path, dict]]:
    cfg = yaml.safe_load(config.read_text(encoding="utf-8"))
    out = []
    for entry in cfg["notebooks"]:
        nb = (config.parent / entry["notebook"]).resolve()
        if entry.get("skip"):
            continue
        params = {**(cfg.get("defaults") or {}), **(entry.get("parameters") or {})}
        out.append((entry.get("name") or nb.stem, nb, params))
    return out


def run_product(out: Path, size: str, extra: list[str]) -> tuple[float, dict[str, float], int]:
    """``mining report`` end to end; returns (wall s, per-notebook s, exit code)."""
    cmd = [str(BIN / "mining"), "report", "--size", size, "--out", str(out), *extra]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode:
        print(proc.stdout[-2000:], proc.stderr[-2000:], sep="\n")
    per: dict[str, float] = {}
    runs = [p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")]
    for run in runs:
        for meta in sorted(run.glob("*/run.json")):
            data = json.loads(meta.read_text(encoding="utf-8"))
            per[meta.parent.name] = float(data.get("duration_s") or 0.0)
    return wall, per, proc.returncode


def run_alone(out: Path, notebooks: list[tuple[str, Path, dict]], size: str) -> dict[str, float]:
    """Each notebook alone with ``mining run`` (a teacher running one in class): wall s each."""
    per: dict[str, float] = {}
    for name, nb, _params in notebooks:
        t0 = time.perf_counter()
        proc = subprocess.run([str(BIN / "mining"), "run", str(nb), "-p", "size", size,
                               "--out", str(out / name)], cwd=ROOT, capture_output=True, text=True)
        per[name] = time.perf_counter() - t0
        if proc.returncode:
            print(f"{name} alone failed:", proc.stderr[-1000:])
    return per


def run_anchor(out: Path, notebooks: list[tuple[str, Path, dict]], size: str) -> tuple[float, dict[str, float], int]:
    """papermill one after the other, then nbconvert --to html on each."""
    per: dict[str, float] = {}
    failed = 0
    start = time.perf_counter()
    executed = []
    for name, nb, params in notebooks:
        params = {**params, "size": size}
        target = out / f"{name}.ipynb"
        args = [str(BIN / "papermill"), str(nb), str(target), "--cwd", str(nb.parent), "-k", "python3"]
        for key, value in params.items():
            args += ["-p", key, str(value)]
        t0 = time.perf_counter()
        proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, "MINING_UNATTENDED": "1"})
        per[name] = time.perf_counter() - t0
        failed += proc.returncode != 0
        executed.append((name, target))
    for name, target in executed:
        t0 = time.perf_counter()
        subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", str(target)],
                       cwd=ROOT, capture_output=True, text=True)
        per[name] += time.perf_counter() - t0
    return time.perf_counter() - start, per, failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="default", choices=["default", "small"])
    parser.add_argument("--config", default=str(ROOT / "notebooks" / "report.yaml"))
    parser.add_argument("--skip-anchor", action="store_true")
    parser.add_argument("--alone", action="store_true",
                        help="also time each notebook alone with `mining run`")
    parser.add_argument("--product-args", default="", help="extra arguments for mining report")
    parser.add_argument("--skip-product", action="store_true",
                        help="do not run the whole report (e.g. with --alone --only NAME)")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="only this notebook (repeatable) for --alone and the anchor")
    args = parser.parse_args()
    notebooks = _notebooks(Path(args.config))
    if args.only:
        unknown = sorted(set(args.only) - {name for name, _nb, _p in notebooks})
        if unknown:
            parser.error(f"--only: unknown notebook(s) {unknown}; the config lists "
                         f"{[name for name, _nb, _p in notebooks]}")
        notebooks = [n for n in notebooks if n[0] in args.only]
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, "
          f"load average before: {os.getloadavg()[0]:.2f}")
    tmp = Path(tempfile.mkdtemp(prefix="bench-report-"))
    try:
        wall_p, per_p, rc_p = (0.0, {}, 0)
        if not args.skip_product:
            wall_p, per_p, rc_p = run_product(tmp / "product", args.size,
                                              args.product_args.split())
            print(f"product (mining report): {wall_p:.1f} s wall, exit {rc_p}")
        wall_a, per_a, failed_a = (0.0, {}, 0)
        if not args.skip_anchor:
            (tmp / "anchor").mkdir()
            wall_a, per_a, failed_a = run_anchor(tmp / "anchor", notebooks, args.size)
            print(f"anchor (papermill + nbconvert, one after the other): {wall_a:.1f} s wall, "
                  f"{failed_a} failed")
        per_1 = run_alone(tmp / "alone", notebooks, args.size) if args.alone else {}

        def cell(v: float | None) -> str:
            return f"{v:.1f}" if v is not None else "-"

        print(f"\n{'notebook':<24}{'product s':>11}{'anchor s':>11}{'alone s':>11}")
        for name, _nb, _params in notebooks:
            print(f"{name:<24}{cell(per_p.get(name)):>11}{cell(per_a.get(name)):>11}"
                  f"{cell(per_1.get(name)):>11}")
        print(f"{'total (wall)':<24}{(wall_p or float('nan')):>11.1f}"
              f"{(wall_a or float('nan')):>11.1f}")
        if wall_a and wall_p:
            print(f"ratio anchor / product: {wall_a / wall_p:.2f}x")
        if per_p:
            print(f"slowest notebook in the product run (sharing the cores): "
                  f"{max(per_p.values()):.1f} s")
        if per_1:
            print(f"slowest notebook alone (mining run): {max(per_1.values()):.1f} s")
        print(f"load average after: {os.getloadavg()[0]:.2f}")
        return 0 if rc_p == 0 and failed_a == 0 else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
