"""512-bit vectors and the FMA division: the two stages that are most of the reproduction's CPU.

Times, one thread, in interleaved child processes, the two kernels that take 80 % of the
end-to-end run's CPU (docs/reproduction.md): the spontaneous stage (static network from a
trained network file, ``eiplast.stages.run_network_stage``, I/O included) and the isolation
kernel of the perturbation runs (10 000 neurons with synthetic conductance statistics). Three
variants:

* ``before``: the source tree ``--baseline-src`` (e.g. a ``git worktree`` of the commit before
  the change): 256-bit vectors, ``exp_neg`` dividing by 720;
* ``narrow``: this checkout with ``EIPLAST_WIDE_VECTORS=0`` (FMA division, 256-bit vectors);
* ``wide``: this checkout as it runs by default (FMA division, 512-bit vectors on AVX-512).

Every variant must produce the same spikes (a hash of the output is compared); the script
reports CPU seconds per simulated second (spontaneous) and ns per neuron-step (isolation),
medians over ``--repeats`` (and over the ``--concurrent`` copies run at once, as the workflow
runs one job per core), and their ratios to ``before``::

    git worktree add /tmp/before <commit>
    .venv/bin/python bench/bench_vector_width.py --baseline-src /tmp/before/src \\
        --network <output_dir>/networks/trained_hebb_P1000_r0.h5
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _machine import ROOT, SINGLE_THREAD_ENV, cpu_model

SPONTANEOUS = """
import hashlib, json, os, sys, time
from eiplast.stages import run_network_stage
import h5py, numba, numpy as np
network, seconds, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
run = dict(duration_s=1.0, learning_rate=0.0, seed=3, chunk_s=1.0)
run_network_stage(network, out + ".warm.h5", run=run, progress=False)
run.update(duration_s=seconds, chunk_s=seconds)
cpu = time.process_time()
run_network_stage(network, out, run=run, progress=False)
cpu = time.process_time() - cpu
digest = hashlib.sha1()
with h5py.File(out) as f:
    f.visititems(lambda name, obj: digest.update(np.asarray(obj[()]).tobytes())
                 if isinstance(obj, h5py.Dataset) else None)
print(json.dumps({"cpu_s_per_s": cpu / seconds, "hash": digest.hexdigest(),
                  "features": numba.core.config.CPU_FEATURES}))
"""

ISOLATION = """
import hashlib, json, sys, time
from eiplast.assembly.perturbation import perturbation_schedule
from eiplast.assembly.isolation import IsolationSimulator
import numba, numpy as np
n, seconds = 10000, float(sys.argv[1])
rng = np.random.default_rng(0)
stats = dict(mean_e=rng.uniform(8, 14, n), mean_i=rng.uniform(20, 35, n),
             std_e=rng.uniform(1.5, 3.0, n), std_i=rng.uniform(3, 6, n),
             pearson_r=rng.uniform(0.2, 0.6, n))
sim = IsolationSimulator(np.arange(n), 8000, np.zeros(8000), stats,
                         perturbation_schedule(n_repetitions=2), seed=1)
sim.advance(10)
steps = int(seconds * 10000)
cpu = time.process_time()
neurons, spike_steps = sim.advance(10 + steps)[:2]
cpu = time.process_time() - cpu
print(json.dumps({"ns_per_neuron_step": cpu / (n * steps) * 1e9,
                  "hash": hashlib.sha1(neurons.tobytes() + spike_steps.tobytes()).hexdigest(),
                  "features": numba.core.config.CPU_FEATURES}))
"""


def run_children(code, arg_lists, src, extra_env, cache_dir):
    """Run ``code`` once per argument list, all at the same time; their JSON results."""
    env = {k: v for k, v in os.environ.items() if "CPU_FEATURES" not in k and k != "NUMBA_CPU_NAME"}
    env.update(SINGLE_THREAD_ENV, PYTHONPATH=str(src), NUMBA_CACHE_DIR=str(cache_dir), **extra_env)
    children = [
        subprocess.Popen(
            [sys.executable, "-c", code, *map(str, args)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in arg_lists
    ]
    results = []
    for child in children:
        out, err = child.communicate()
        if child.returncode:
            raise RuntimeError(err[-3000:])
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline-src", required=True, help="src/ of the tree to compare with")
    parser.add_argument("--network", required=True, help="a trained network file of the workflow")
    parser.add_argument("--spontaneous-seconds", type=float, default=40.0)
    parser.add_argument("--isolation-seconds", type=float, default=3.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--concurrent",
        type=int,
        default=1,
        help="copies of each measurement run at once (the workflow runs one job per core)",
    )
    parser.add_argument("--output", default=str(ROOT / "bench/results/vector_width.json"))
    args = parser.parse_args()
    variants = {
        "before": (Path(args.baseline_src).resolve(), {}),
        "narrow": (ROOT / "src", {"EIPLAST_WIDE_VECTORS": "0"}),
        "wide": (ROOT / "src", {}),
    }
    load_start = os.getloadavg()
    runs = {name: {"spontaneous": [], "isolation": []} for name in variants}
    with tempfile.TemporaryDirectory() as tmp:
        for repeat in range(args.repeats + 1):  # the first round compiles and is not kept
            for name, (src, extra_env) in variants.items():
                cache = Path(tmp) / f"cache_{name}"
                copies = range(args.concurrent)
                spont = run_children(
                    SPONTANEOUS,
                    [
                        [
                            args.network,
                            args.spontaneous_seconds,
                            Path(tmp) / f"{name}_{repeat}_{k}.h5",
                        ]
                        for k in copies
                    ],
                    src,
                    extra_env,
                    cache,
                )
                iso = run_children(
                    ISOLATION, [[args.isolation_seconds] for _ in copies], src, extra_env, cache
                )
                print(
                    name,
                    repeat,
                    [r["cpu_s_per_s"] for r in spont],
                    [r["ns_per_neuron_step"] for r in iso],
                    flush=True,
                )
                if repeat:
                    runs[name]["spontaneous"].extend(spont)
                    runs[name]["isolation"].extend(iso)
    summary = {}
    for name, kinds in runs.items():
        summary[name] = {
            "spontaneous_cpu_s_per_s": statistics.median(
                r["cpu_s_per_s"] for r in kinds["spontaneous"]
            ),
            "isolation_ns_per_neuron_step": statistics.median(
                r["ns_per_neuron_step"] for r in kinds["isolation"]
            ),
            "numba_cpu_features_tail": (kinds["isolation"][0]["features"] or "host default")[-24:],
        }
    for name in summary:
        for key in ("spontaneous_cpu_s_per_s", "isolation_ns_per_neuron_step"):
            summary[name][key.split("_")[0] + "_speedup_vs_before"] = (
                summary["before"][key] / summary[name][key]
            )
    hashes = {
        kind: {r["hash"] for kinds in runs.values() for r in kinds[kind]}
        for kind in ("spontaneous", "isolation")
    }
    result = {
        "command": "python bench/bench_vector_width.py " + " ".join(sys.argv[1:]),
        "summary": summary,
        "outputs_identical": {kind: len(h) == 1 for kind, h in hashes.items()},
        "runs": runs,
        "machine": {
            "cpu": cpu_model(),
            "cpus": os.cpu_count(),
            "load_average_at_start": load_start,
        },
    }
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(result, indent=1))
    print(json.dumps({k: result[k] for k in ("summary", "outputs_identical")}, indent=1))
    if not all(result["outputs_identical"].values()):
        sys.exit("outputs differ between the variants")


if __name__ == "__main__":
    main()
