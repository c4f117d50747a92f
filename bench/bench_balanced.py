"""Benchmark our balanced-network core against the reference package at N = 5000.

Both engines simulate the same model — N = 5000 (4000 E, 1000 I, 1000 X), reference defaults,
correlated input c_x = 0.1, iSTDP on EI and II with η = 1.5e-5 (the reference's example script
``src/pbn_simulation.py``) — each for a stretch of simulated time (default ours 60 s, the
reference 10 s, ≈ 30 s of wall; both costs per simulated second are steady by then), each in its
own subprocess (so that its peak RSS is its own) and on one thread:

* ``eiplast``: ``eiplast.balanced.simulate_balanced`` in ``.venv`` (numba), the full chunked
  run with checkpoints, records and the final spike file;
* ``reference``: ``plastic_balanced_network`` 0.0.6 ``PlasticNeuralNetwork.simulate`` in
  ``.venv-pbn`` (dense numpy), through ``bench/balanced_reference.py``.

Reported per engine: ``wall_s_per_sim_s`` (the simulation call only), ``cpu_s_per_sim_s`` (its
process CPU time: the machine may be shared), ``setup_s`` (connectivity and input), our
``compile_s`` (first call in a fresh process — numba compile or cache load — on a tiny
network), mean rates and ``peak_rss_mb``; ``speedup`` = reference wall / our wall (and the
same for CPU time). Writes ``bench/results/balanced_vs_reference.json``::

    .venv/bin/python bench/bench_balanced.py --duration 60 --reference-duration 10

Needs ``bench/setup_balanced_reference_env.sh`` for the reference engine.
"""

import argparse
import json
import os
import platform
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _machine import OUR_PYTHON, ROOT, SINGLE_THREAD_ENV, cpu_model

PBN_PYTHON = ROOT / ".venv-pbn" / "bin" / "python"


def run_eiplast_child(args):
    """Inside the child process: time our core and print a JSON summary."""
    from eiplast.balanced import BalancedParams, generate_balanced_network, simulate_balanced

    settings = dict(c_x=args.cx, eta_ei=args.eta, eta_ii=args.eta, seed=args.seed, chunk_s=10.0)
    with tempfile.TemporaryDirectory(prefix="bench_balanced_") as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        tiny = BalancedParams(n=100, duration_s=0.2, **settings)
        simulate_balanced(tiny, tmp / "tiny.h5", progress=False)
        compile_s = time.perf_counter() - t0
        p = BalancedParams(n=args.n, duration_s=args.duration, **settings)
        t0 = time.perf_counter()
        network = generate_balanced_network(p)
        setup_s = time.perf_counter() - t0
        w0, c0 = time.perf_counter(), time.process_time()
        summary = simulate_balanced(p, tmp / "run.h5", network=network, progress=False)
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    return {
        "wall_s_per_sim_s": wall / args.duration,
        "cpu_s_per_sim_s": cpu / args.duration,
        "run_s": wall,
        "compile_s": compile_s,
        "setup_s": setup_s,
        "rate_exc_hz": summary["rate_exc_hz"],
        "rate_inh_hz": summary["rate_inh_hz"],
        "mean_weights_end": summary["mean_weights"],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "n_synapses": int(network.n_synapses),
    }


def _run_child(cmd):
    env = {**os.environ, **SINGLE_THREAD_ENV}
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"{shlex.join(cmd)} failed:\n{proc.stderr[-4000:]}")
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    summary["process_wall_s"] = time.perf_counter() - t0
    return summary


def run_engine(engine, args):
    load = os.getloadavg()[0]
    if engine == "eiplast":
        cmd = [str(OUR_PYTHON), __file__, "--child", "--n", str(args.n), "--duration",
               str(args.duration), "--eta", str(args.eta), "--cx", str(args.cx), "--seed",
               str(args.seed)]  # fmt: skip
        result = _run_child(cmd)
    else:
        if not PBN_PYTHON.exists():
            raise SystemExit(f"{PBN_PYTHON} missing: run bench/setup_balanced_reference_env.sh")
        with tempfile.TemporaryDirectory(prefix="bench_pbn_") as tmp:
            out = Path(tmp) / "ref.h5"
            cmd = [str(PBN_PYTHON), str(ROOT / "bench" / "balanced_reference.py"), "--n",
                   str(args.n), "--t-ms", str(int(round(args.duration * 1000))), "--cx",
                   str(args.cx), "--eta-ei", str(args.eta), "--eta-ii", str(args.eta),
                   "--seed", str(args.seed), "--out", str(out), "--json"]  # fmt: skip
            result = _run_child(cmd)
        result["run_s"] = result.pop("simulate_s")
    result["load_average_1min"] = [round(load, 2), round(os.getloadavg()[0], 2)]
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--duration", type=float, default=60.0, help="simulated seconds (ours)")
    parser.add_argument(
        "--reference-duration",
        type=float,
        default=10.0,
        help="simulated seconds for the reference (≈ 3 s wall each at N = 5000)",
    )
    parser.add_argument("--eta", type=float, default=1.5e-5, help="η of iSTDP on EI and II")
    parser.add_argument("--cx", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--engines", default="eiplast,reference")
    parser.add_argument("--output", default=str(ROOT / "bench/results/balanced_vs_reference.json"))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_eiplast_child(args)))
        return
    load_before = os.getloadavg()
    results = {}
    for engine in args.engines.split(","):
        engine_args = argparse.Namespace(**vars(args))
        if engine == "reference" and args.reference_duration:
            engine_args.duration = args.reference_duration
        results[engine] = run_engine(engine, engine_args)
        results[engine]["simulated_s"] = engine_args.duration
        print(f"[bench] {engine}: {json.dumps(results[engine])}", flush=True)
    speedup = {}
    if "eiplast" in results and "reference" in results:
        ours, ref = results["eiplast"], results["reference"]
        speedup = {
            "wall": ref["wall_s_per_sim_s"] / ours["wall_s_per_sim_s"],
            "cpu": ref["cpu_s_per_sim_s"] / ours["cpu_s_per_sim_s"],
        }
    result = {
        "engines": results,
        "speedup": speedup,
        "model": {
            "n": args.n,
            "c_x": args.cx,
            "eta_ei": args.eta,
            "eta_ii": args.eta,
            "seed": args.seed,
            "other": "reference defaults (p = 0.1, j as in the model description B, "
            "r_x = 10 Hz, dt 0.1 ms)",
        },
        "machine": {
            "platform": platform.platform(),
            "cpu": cpu_model(),
            "n_cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_at_start": [round(x, 2) for x in load_before],
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
            "threads": "one per engine (NUMBA_NUM_THREADS=1, OMP/BLAS threads 1)",
        },
        "command": shlex.join([".venv/bin/python", "bench/bench_balanced.py"] + sys.argv[1:]),
        "notes": (
            "wall_s_per_sim_s times the simulation call only (ours: simulate_balanced with "
            "chunked checkpoints, records and the final file; reference: "
            "PlasticNeuralNetwork.simulate); cpu_s_per_sim_s is the same call's process CPU "
            "time, less sensitive to other load on a shared machine."
        ),
    }
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result["speedup"]))


if __name__ == "__main__":
    main()
