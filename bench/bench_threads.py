"""Strong scaling of the step kernel: the same run on 1, 2, … threads, side by side.

Runs ``bench_core.py``'s eiplast child (full network, ``simulate_network``, its spike file hashed)
with ``NUMBA_NUM_THREADS`` = each count of ``--threads``, interleaved over ``--repeats`` rounds,
and reports the median wall s per simulated s of each count, its speedup over one thread, and
whether every run wrote the same spike file bytes (the threads must not change any)::

    .venv/bin/python bench/bench_threads.py --duration 10
    .venv/bin/python bench/bench_threads.py --duration 10 \\
        --connectivity bench/work/trained_hebb.h5 --rule static
"""

import argparse
import json
import os
import platform
import shlex
import sys
import tempfile
from pathlib import Path

from _machine import ROOT, cpu_model
from bench_core import ensure_connectivity, run_engine
from llvmlite import binding


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connectivity", default=None,
                        help="connectivity file (default: the full P=1000 network)")  # fmt: skip
    parser.add_argument("--duration", type=float, default=10.0, help="simulated seconds")
    parser.add_argument("--rule", choices=("hebb", "rate", "static"), default="hebb")
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--tau-stdp-ms", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", default=None,
                        help="comma-separated thread counts (default: 1 … every CPU)")  # fmt: skip
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output", default=None, help="JSON file (default: print only)")
    args = parser.parse_args()
    counts = (
        [int(x) for x in args.threads.split(",")]
        if args.threads
        else list(range(1, os.cpu_count() + 1))
    )
    args.connectivity = ensure_connectivity(args.connectivity).resolve()
    load_before = os.getloadavg()
    runs = {k: [] for k in counts}
    with tempfile.TemporaryDirectory(prefix="bench_threads_") as tmp:
        for r in range(args.repeats):
            for k in counts:
                workdir = Path(tmp) / f"{r}_{k}"
                workdir.mkdir()
                runs[k].append(run_engine("eiplast", args, workdir, threads=k))
                print(f"[bench] {k} threads: {runs[k][-1]['wall_s_per_sim_s']:.4f} s/s", flush=True)
    median = {
        k: sorted(r["wall_s_per_sim_s"] for r in runs[k])[(len(runs[k]) - 1) // 2] for k in counts
    }
    hashes = {r["spikes_sha256"] for k in counts for r in runs[k]}
    try:
        rel = str(Path(args.connectivity).relative_to(ROOT))
    except ValueError:
        rel = str(args.connectivity)
    result = {
        "wall_s_per_sim_s": {str(k): median[k] for k in counts},
        "speedup_over_one_thread": {str(k): median[counts[0]] / median[k] for k in counts},
        "same_spike_file_bytes": len(hashes) == 1,
        "rate_exc_hz": runs[counts[0]][0]["rate_exc_hz"],
        "rate_inh_hz": runs[counts[0]][0]["rate_inh_hz"],
        "repeats": {str(k): [r["wall_s_per_sim_s"] for r in runs[k]] for k in counts},
        "duration_s": args.duration,
        "connectivity": rel,
        "rule": args.rule,
        "command": shlex.join(["python", "bench/bench_threads.py"] + sys.argv[1:]),
        "machine": {
            "platform": platform.platform(),
            "cpu": cpu_model(),
            "llvm_cpu": binding.get_host_cpu_name(),
            "n_cpus": os.cpu_count(),
            "load_average_at_start": [round(x, 2) for x in load_before],
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
    }
    text = json.dumps(result, indent=1) + "\n"
    if args.output:
        Path(args.output).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
