"""Benchmark: ``datasets.load("demo")`` (generation + cleaning) with today's demo generator against
the previous one, in the same run.

The peer is the generator as it was before it was made faster: ``src/mining/simulate/__init__.py``
at commit ``5ba82b1``, read with ``git show`` into a throw-away module (it uses the same survey
module, which did not change). ``mining.datasets`` is pointed at one generator or the other and its
cache cleared before every load, so each timing covers a full ``datasets.load("demo", size=...)``:
generation, cleaning and the copies it hands out. The two run in turns (old, new, old, new, ...)
so load from other processes hits both alike; the best of ``--repeat`` runs is shown, wall clock
and CPU time of this process (``time.process_time``), with the ratio old / new. Before timing,
it checks that both give exactly the same tables (row hashes of every table, as
``tests/test_simulate_identity.py`` does).

Run: ``.venv/bin/python bench/bench_simulate.py [--repeat 5] [--sizes default small]``
(about a minute; needs git and the repository's history).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]
PEER_COMMIT = "5ba82b1"
PEER_PATH = "src/mining/simulate/__init__.py"

sys.path.insert(0, str(REPO / "tests"))

import mining.datasets as datasets  # noqa: E402 - after the path set-up
from mining.simulate import simulate_shop  # noqa: E402


def load_peer() -> ModuleType:
    """The generator at ``PEER_COMMIT``, as a module of its own (``mining_simulate_peer``)."""
    try:
        source = subprocess.run(["git", "show", f"{PEER_COMMIT}:{PEER_PATH}"], cwd=REPO,
                                check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise SystemExit(f"cannot read the peer generator {PEER_COMMIT}:{PEER_PATH} with git "
                         f"({exc}); run this from a clone with its history") from exc
    spec = importlib.util.spec_from_loader("mining_simulate_peer", loader=None)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[module.__name__] = module
    exec(compile(source, f"{PEER_COMMIT}:{PEER_PATH}", "exec"), module.__dict__)  # the peer, from git
    return module


def timed_load(generator: Callable, size: str) -> tuple[float, float, datasets.Dataset]:
    """Wall and CPU seconds of one uncached ``datasets.load("demo", size=size)`` made with
    ``generator`` (the dataset too)."""
    saved = datasets.simulate_shop
    datasets.simulate_shop = generator
    datasets._demo_dataset.cache_clear()
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        ds = datasets.load("demo", size=size)
        return time.perf_counter() - wall, time.process_time() - cpu, ds
    finally:
        datasets.simulate_shop = saved
        datasets._demo_dataset.cache_clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each (best is shown)")
    parser.add_argument("--sizes", nargs="+", default=["default", "small"],
                        choices=sorted(datasets.SIZES))
    args = parser.parse_args()
    from test_simulate_identity import table_digests

    peer = load_peer()
    generators = {"previous (5ba82b1)": peer.simulate_shop, "current": simulate_shop}
    print(f"datasets.load('demo'): generation + cleaning, best of {args.repeat}; "
          f"{os.cpu_count()} cores, load average before: {os.getloadavg()[0]:.2f}")
    print(f"{'size':<8} {'generator':<20} {'wall s':>8} {'cpu s':>8}")
    for size in args.sizes:
        digests = {name: table_digests(timed_load(gen, size)[2]) for name, gen in
                   generators.items()}
        same = digests["current"] == digests["previous (5ba82b1)"]
        best: dict[str, tuple[float, float]] = {}
        for _ in range(args.repeat):
            for name, gen in generators.items():
                wall, cpu, _ = timed_load(gen, size)
                w, c = best.get(name, (float("inf"), float("inf")))
                best[name] = (min(w, wall), min(c, cpu))
        for name, (wall, cpu) in best.items():
            print(f"{size:<8} {name:<20} {wall:8.3f} {cpu:8.3f}")
        (old_w, old_c), (new_w, new_c) = best["previous (5ba82b1)"], best["current"]
        print(f"{size:<8} {'ratio previous/current':<20} {old_w / new_w:7.2f}x {old_c / new_c:7.2f}x"
              f"   identical tables: {'yes' if same else 'NO'}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
