"""Benchmark: frequent itemsets + association rules, this package vs mlxtend vs pyfim.

Mines the FIMI retail baskets (88,162 baskets, 16,470 items) and the arules Groceries baskets
(9,835 baskets, 169 items) at several minimum supports, and prints for each: time (seconds)
and peak extra memory (MiB above the memory in use once the data is loaded) of

- ``mining``: ``frequent_itemsets(algorithm="fast")`` + ``association_rules`` (DataFrames with
  item names, all measures), input the sparse one-hot DataFrame of ``read_basket_file``;
- ``mlxtend``: plain ``apriori`` + ``association_rules`` on the same DataFrame, in a subprocess
  with a time cap (``timeout``; lower supports are then skipped); ``failed`` if it crashed;
- ``pyfim``: Borgelt's C FP-growth, ``fim.fpgrowth`` for the itemsets and again for the rules
  (``target="r"``, ``mode="o"``: rule support = support of both sides, as arules), input the
  baskets as lists of item labels (its natural form);

with the ratios to pyfim, and checks that the itemsets (sets and counts) and the rules
(antecedents, consequent, count) are exactly pyfim's. Timings are in-process, after loading,
best of ``--repeat`` runs (short ones: more, up to 2 s per tool); pyfim and mining run in
turns, so load from other processes hits both alike, and memory is measured in one extra run
(the sampler thread would slow Python code more than pyfim's C); the times of the itemsets step and the
rules step are shown too. Rules: confidence >= 0.5, one item on the right-hand side (as arules
and pyfim; mlxtend also makes longer right sides, so its rule count is larger). The printed
table ends with a note on what each timing covers.

Run: ``.venv/bin/python bench/bench_basket.py [--quick] [--mlxtend-timeout 30] [--out FILE]``
(a few minutes; ``--quick`` fewer supports). Needs pyfim (``pip install pyfim``) and the
public data under ``../shared/datasets`` (or ``--data DIR``).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "datasets"
DATASETS = {
    "retail": ("fimi_retail/retail.dat", " ", [0.01, 0.005, 0.002, 0.001, 0.0007]),
    "groceries": ("groceries_arules/groceries.csv", ",",
                  [0.01, 0.005, 0.002, 0.001, 0.0007, 0.0004]),
}
QUICK = {"retail": [0.005, 0.001, 0.0007], "groceries": [0.005, 0.001, 0.0004]}
CONF = 0.5
MIN_TIME, MAX_RUNS = 2.0, 25  # short runs are repeated up to MIN_TIME seconds


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakMemory:
    """Peak resident memory above the level at entry, sampled every 2 ms (C allocations too)."""

    def __enter__(self) -> PeakMemory:
        self.base = _rss()
        self.peak = self.base
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._poll, daemon=True)
        self._t.start()
        return self

    def _poll(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss())
            time.sleep(0.002)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, _rss())

    @property
    def mib(self) -> float:
        return (self.peak - self.base) / 2**20


def _load(name: str, data: Path):
    from mining.basket import read_basket_file

    rel, sep, _ = DATASETS[name]
    return read_basket_file(data / rel, sep=sep)


def _lists(name: str, data: Path) -> list[list[str]]:
    rel, sep, _ = DATASETS[name]
    lines = (data / rel).read_text().split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    if sep == " ":
        return [line.split() for line in lines]
    return [[x.strip() for x in line.split(sep) if x.strip()] for line in lines]


def _measure(fn, repeat: int):
    best_t, best_m, result = float("inf"), 0.0, None
    for _ in range(repeat):
        with PeakMemory() as mem:
            t0 = time.perf_counter()
            result = fn()
            t = time.perf_counter() - t0
        best_t = min(best_t, t)
        best_m = max(best_m, mem.mib)
    return best_t, best_m, result


def _run_steps(steps, memory: bool):
    """Run ``steps`` one after the other (each gets the previous result); per-step times and
    the total (s), peak extra memory (MiB, only with ``memory``), the results.

    The heap is collected first, so each run starts alike. Times are taken without the memory
    sampler: its thread takes the GIL while Python code runs, not while C code does, which
    would slow Python-heavy work more than pyfim's C on a busy machine.
    """
    gc.collect()
    out: list = []
    with PeakMemory() if memory else contextlib.nullcontext() as mem:
        t, cpu0 = [time.perf_counter()], time.process_time()
        for step in steps:
            out.append(step(*out[-1:]))
            t.append(time.perf_counter())
        cpu = time.process_time() - cpu0
    times = [t[i + 1] - t[i] for i in range(len(steps))] + [t[-1] - t[0], cpu]
    return times, (mem.mib if memory else 0.0), out


def _compare(tools: dict[str, list], repeat: int) -> dict[str, dict]:
    """Best time (per step and total) and peak memory of each tool, run in turns.

    Best of ``repeat`` runs each, more for short runs (until MIN_TIME s per tool, at most
    MAX_RUNS), in turns so that a load peak from other processes hits every tool; then one run
    each for the memory.
    """
    best = {k: [float("inf")] * (len(v) + 2) for k, v in tools.items()}
    runs, i = repeat, 0
    while i < runs:
        i += 1
        for name, steps in tools.items():
            times, _, out = _run_steps(steps, memory=False)
            del out
            best[name] = [min(x, y) for x, y in zip(best[name], times, strict=True)]
        if i == 1:
            slowest = max(max(b[-2] for b in best.values()), 1e-6)
            runs = max(repeat, min(MAX_RUNS, math.ceil(MIN_TIME / slowest)))
    res = {}
    for name, steps in tools.items():
        _, mib, out = _run_steps(steps, memory=True)
        res[name] = {"time": best[name][-2], "time_sets": best[name][0],
                     "time_rules": best[name][1], "cpu": best[name][-1], "mem": mib, "out": out}
    return res


def worker_fast(name: str, supports: list[float], data: Path, repeat: int) -> None:
    """mining and pyfim, in this process, one JSON line per (tool, support)."""
    import warnings

    import fim

    from mining import basket as mb

    baskets = _load(name, data)
    lists = _lists(name, data)
    n = len(baskets)
    for s in supports:
        c = mb.min_count_for(s, n)

        def our_sets(s=s):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", mb.NoItemsetsWarning)
                return mb.frequent_itemsets(baskets, min_support=s, algorithm="fast",
                                            progress=False)

        def our_rules(fi):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", mb.NoItemsetsWarning)
                return mb.association_rules(fi, min_threshold=CONF, progress=False)

        def their_sets(c=c):
            return fim.fpgrowth(lists, target="s", supp=-c, zmin=1, report="a")

        def their_rules(_sets, c=c):
            return fim.fpgrowth(lists, target="r", supp=-c, conf=CONF * 100, zmin=2,
                                report="abhc", mode="o")

        res = _compare({"pyfim": [their_sets, their_rules], "mining": [our_sets, our_rules]},
                       repeat)
        sets, rules = res["pyfim"].pop("out")
        fi, r = res["mining"].pop("out")
        same = dict(zip(fi["itemsets"], fi["count"], strict=True)) == {
            frozenset(k): v for k, v in sets}
        # rules: the same (antecedents, consequent, count) as pyfim's (head, body, count, ...)
        ours_r = set(zip(r["antecedents"], (next(iter(x)) for x in r["consequents"]),
                         r["count"].tolist(), strict=True))
        same_rules = len(r) == len(rules) and ours_r == {
            (frozenset(body), head, cnt) for head, body, cnt, *_ in rules}
        print(json.dumps({"dataset": name, "support": s, "tool": "pyfim", **res["pyfim"],
                          "itemsets": len(sets), "rules": len(rules)}), flush=True)
        print(json.dumps({"dataset": name, "support": s, "tool": "mining", **res["mining"],
                          "itemsets": len(fi), "rules": len(r), "same": same,
                          "same_rules": same_rules}), flush=True)
        del sets, rules, fi, r, res


def worker_mlxtend(name: str, support: float, data: Path) -> None:
    import warnings

    from mlxtend.frequent_patterns import apriori, association_rules

    from mining import basket as mb

    baskets = _load(name, data)
    lists = _lists(name, data)
    n = len(baskets)
    c = mb.min_count_for(support, n)

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fi = apriori(baskets, min_support=(c - 0.5) / n, use_colnames=True)
            r = association_rules(fi, num_itemsets=n, min_threshold=CONF) if len(fi) else fi
        return fi, r

    t, m, (fi, r) = _measure(run, 1)
    import fim

    ref = {frozenset(k): v for k, v in fim.fpgrowth(lists, target="s", supp=-c, report="a")}
    got = {s: round(x * n) for s, x in zip(fi["itemsets"], fi["support"], strict=True)}
    print(json.dumps({"dataset": name, "support": support, "tool": "mlxtend", "time": t,
                      "mem": m, "itemsets": len(fi), "rules": len(r), "same": got == ref}),
          flush=True)


def _spawn(args: list[str], timeout: float) -> tuple[list[dict], str | None]:
    cmd = [sys.executable, __file__, *args]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                           env={**os.environ, "PYTHONWARNINGS": "ignore"})
    except subprocess.TimeoutExpired:
        return [], "timeout"
    rows = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
    if p.returncode != 0 and not rows:
        tail = (p.stderr.strip().splitlines() or ["?"])[-1]
        return [], f"failed ({tail[:60]})"
    return rows, None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    ap.add_argument("--data", type=Path, default=DATA, help="folder of the public datasets")
    ap.add_argument("--quick", action="store_true", help="three supports per dataset")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement (best kept)")
    ap.add_argument("--mlxtend-timeout", type=float, default=30.0, metavar="S",
                    help="seconds mlxtend may take per support (then: timeout)")
    ap.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    ap.add_argument("--out", type=Path, help="also write the table (Markdown) here")
    a = ap.parse_args()
    if a.worker:
        kind, name, *rest = a.worker
        if kind == "fast":
            worker_fast(name, [float(x) for x in rest], a.data, a.repeat)
        else:
            worker_mlxtend(name, float(rest[0]), a.data)
        return 0
    for name in a.datasets:
        if not (a.data / DATASETS[name][0]).is_file():
            print(f"missing {a.data / DATASETS[name][0]}; pass --data DIR", file=sys.stderr)
            return 2
    results: dict[tuple[str, float, str], dict] = {}
    for name in a.datasets:
        supports = QUICK[name] if a.quick else DATASETS[name][2]
        print(f"[{name}] mining + pyfim at {supports} ...", file=sys.stderr, flush=True)
        rows, err = _spawn(["--worker", "fast", name, *map(str, supports), "--data", str(a.data),
                            "--repeat", str(a.repeat)], timeout=600)
        if err:
            print(f"  mining/pyfim worker {err}", file=sys.stderr)
        for r in rows:
            results[(r["dataset"], r["support"], r["tool"])] = r
        gave_up = None
        for s in supports:
            if gave_up:
                results[(name, s, "mlxtend")] = {"status": f"skipped ({gave_up} at higher support)"}
                continue
            print(f"[{name}] mlxtend at {s} (cap {a.mlxtend_timeout:.0f} s) ...", file=sys.stderr,
                  flush=True)
            rows, err = _spawn(["--worker", "mlxtend", name, str(s), "--data", str(a.data)],
                               timeout=a.mlxtend_timeout + 15)  # + start-up and loading
            if err:
                results[(name, s, "mlxtend")] = {"status": err}
                gave_up = err.split(" ")[0]
            for r in rows:
                if r["time"] > a.mlxtend_timeout:
                    r["status"] = "timeout"
                    gave_up = "timeout"
                results[(r["dataset"], r["support"], r["tool"])] = r
    table = _table(results, a)
    print(table)
    if a.out:
        a.out.write_text(table + "\n")
    bad = [k for k, v in results.items()
           if k[2] == "mining" and not (v.get("same", False) and v.get("same_rules", False))]
    return 1 if bad else 0


def _fmt_t(r: dict | None) -> str:
    if r is None:
        return "-"
    if "status" in r:
        return r["status"]
    return f"{r['time']:.2f}"


NOTE = """\
What each timing covers (seconds, in-process, after loading, best of --repeat runs, more for
short ones (up to 2 s per tool, 25 runs), taken in turns with the other tool, so a busy machine
slows both alike; heap collected before each run; no memory sampler running):
- pyfim = fim.fpgrowth itemsets (target "s", report "a") + fim.fpgrowth rules (target "r",
  mode "o", report "abhc"; it mines the itemsets again), on lists of item labels; its output:
  plain Python tuples (items, counts, confidence). In brackets: itemsets + rules.
- mining = frequent_itemsets(algorithm="fast") (pyfim's miner on item codes, then the DataFrame:
  frozensets, labels, counts, supports) + association_rules (DataFrame: frozensets, labels,
  count and mlxtend's 12 measures), from the one-hot DataFrame. In brackets: itemsets + rules.
- mlxtend = apriori + association_rules (one run, in a subprocess, capped by --mlxtend-timeout).
- mining/pyfim = ratio of the total times (goal: <= 2x); CPU: the same with process CPU time
  (both tools are single-threaded; steadier than wall time on a shared machine). MiB: peak
  resident memory above the level before the call, from one more run of each (mlxtend: the
  timed run). "same": itemsets (sets and counts) and rules (antecedents, consequent,
  count) identical to pyfim's."""


def _table(results: dict, a: argparse.Namespace) -> str:
    head = ("| data | min support | itemsets | rules | pyfim s (sets + rules) | "
            "mining s (sets + rules) | mlxtend s | mining/pyfim | mining/pyfim CPU | "
            "mlxtend/pyfim | MiB pyfim | MiB mining | MiB mlxtend | same itemsets, rules |")
    lines = [head, "|" + "---|" * 14]
    for name in a.datasets:
        for s in (QUICK[name] if a.quick else DATASETS[name][2]):
            p = results.get((name, s, "pyfim"))
            o = results.get((name, s, "mining"))
            m = results.get((name, s, "mlxtend"))
            if not p or not o:
                lines.append(f"| {name} | {s:.2%} | - | - | - | - | {_fmt_t(m)} | | | | | | | |")
                continue
            m_ok = m is not None and "status" not in m
            ratio_m = f"{m['time'] / p['time']:.0f}x" if m_ok else "-"
            mem_m = f"{m['mem']:.0f}" if m_ok else "-"
            same = "yes" if o.get("same") else "NO"
            same += "; rules = pyfim's" if o.get("same_rules") else "; rules differ from pyfim"
            if m_ok:
                same += " (mlxtend too)" if m.get("same") else " (mlxtend NO)"
            lines.append(
                f"| {name} | {s:.2%} | {o['itemsets']:,} | {o['rules']:,} | {_split(p)} | "
                f"{_split(o)} | {_fmt_t(m)} | {o['time'] / p['time']:.2f}x | "
                f"{o['cpu'] / p['cpu']:.2f}x | {ratio_m} | "
                f"{p['mem']:.0f} | {o['mem']:.0f} | {mem_m} | {same} |")
    return "\n".join(lines) + "\n\n" + NOTE


def _split(r: dict) -> str:
    return f"{r['time']:.3f} ({r['time_sets']:.3f} + {r['time_rules']:.3f})"


if __name__ == "__main__":
    sys.exit(main())
