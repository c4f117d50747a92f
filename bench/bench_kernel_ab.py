"""A/B of the balanced-network kernel of this checkout against another checkout's, in one run.

Both engines simulate the plastic network of ``bench_balanced.py`` (N = 5000, c_x = 0.1, iSTDP
on EI and II with η = 1.5e-5) for ``--duration`` simulated seconds on one thread, each run in
its own subprocess with ``PYTHONPATH`` set to the checkout's ``src`` (numba caches stay apart),
in alternation (A, B, A, B, …) so that a shared machine's load falls on both alike. Reported
per run: process CPU s and wall s per simulated second, and the mean CPU ratio B / A::

    git worktree add /tmp/base <commit>
    .venv/bin/python bench/bench_kernel_ab.py --base /tmp/base --duration 8 --pairs 2
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from _machine import OUR_PYTHON, ROOT, SINGLE_THREAD_ENV, cpu_model

RUN = """
import json, sys, tempfile, time
from eiplast.balanced.params import BalancedParams
from eiplast.balanced.simulate import simulate_balanced
warm = BalancedParams(n=200, duration_s=0.05, eta_ei=1e-5)
simulate_balanced(warm, tempfile.mktemp(suffix=".h5"), progress=False)
p = BalancedParams(n=5000, c_x=0.1, eta_ei=1.5e-5, eta_ii=1.5e-5, seed=1,
                   duration_s=float(sys.argv[1]))
cpu, wall = time.process_time(), time.perf_counter()
simulate_balanced(p, tempfile.mktemp(suffix=".h5"), progress=False)
print(json.dumps({"cpu_s_per_sim_s": (time.process_time() - cpu) / p.duration_s,
                  "wall_s_per_sim_s": (time.perf_counter() - wall) / p.duration_s}))
"""


def run_once(src: Path, duration: float) -> dict:
    env = {**os.environ, **SINGLE_THREAD_ENV, "PYTHONPATH": str(src)}
    out = subprocess.run([str(OUR_PYTHON), "-c", RUN, str(duration)], env=env, check=True,
                         capture_output=True, text=True)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="checkout B (its src/ is used)")
    parser.add_argument("--duration", type=float, default=8.0, help="simulated s per run")
    parser.add_argument("--pairs", type=int, default=2, help="A/B pairs")
    args = parser.parse_args(argv)
    engines = {"this checkout (A)": ROOT / "src", "base (B)": args.base.resolve() / "src"}
    runs = {name: [] for name in engines}
    for _ in range(args.pairs):
        for name, src in engines.items():
            runs[name].append(run_once(src, args.duration))
    a, b = (runs[name] for name in engines)
    ratio = sum(r["cpu_s_per_sim_s"] for r in b) / sum(r["cpu_s_per_sim_s"] for r in a)
    print(json.dumps({"cpu": cpu_model(), "runs": runs, "cpu_ratio_b_over_a": ratio}, indent=2))


if __name__ == "__main__":
    sys.exit(main())
