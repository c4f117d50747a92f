"""Benchmark our simulation core against Brian2 on the identical full-size network.

Every engine simulates the same stretch of biological time of the same connectivity (default the
full N_E 8000 / N_I 2000 / P 1000 network of ``ConnectivityParams()``) with I→E plasticity
``hebb`` (η = 1e-3), each in its own subprocess so that its peak RSS is its own:

* ``eiplast``: ``eiplast.assembly.simulate.simulate_network`` in ``.venv`` (numba, one thread);
* ``brian2_runtime``: Brian2 Cython runtime target, in ``.venv-brian2``;
* ``brian2_cpp_standalone``: Brian2 C++ standalone, one thread (no OpenMP), in ``.venv-brian2``.

The machine is shared, and our run (≈ 4 s) is ten times shorter than Brian2's, so a burst of
load during it would decide the ratio: ``eiplast`` runs ``--repeats`` times (default 3), before,
between and after the Brian2 engines, and its median run is reported (all repeats are kept in the
JSON).

Reported per engine: ``wall_s_per_sim_s`` (simulation loop only), ``compile_s`` (our first call
in a fresh process — numba compile or cache load — on a tiny network; Brian2's code generation
and compilation, with an empty Cython cache / a fresh standalone project), ``setup_s`` (reading
the network and building the engine's data structures), mean rates, and ``peak_rss_mb`` (the
simulating process: the child itself, or for C++ standalone the compiled program; the whole
process tree's peak, compilers included, is ``peak_rss_tree_mb``). ``speedup`` = peer wall /
our wall. Writes ``bench/results/core_vs_brian2.json`` and ``.md``::

    .venv/bin/python bench/bench_core.py --duration 5
    .venv/bin/python bench/bench_core.py --connectivity bench/work/trained_hebb.h5 --duration 10

Needs ``bench/setup_brian2_env.sh`` to have been run for the Brian2 engines.
"""

import argparse
import hashlib
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

BRIAN2_PYTHON = ROOT / ".venv-brian2" / "bin" / "python"
ENGINES = ("eiplast", "brian2_runtime", "brian2_cpp_standalone")


def run_eiplast_child(args):
    """Inside the child process: time our core and print a JSON summary."""
    t0 = time.perf_counter()
    import numba
    import numpy as np

    from eiplast.assembly.connectivity import (
        generate_connectivity,
        load_connectivity,
        save_connectivity,
    )
    from eiplast.assembly.params import (
        BackgroundParams,
        ConnectivityParams,
        NeuronParams,
        PlasticityParams,
        RunParams,
    )
    from eiplast.assembly.simulate import simulate_network

    plasticity = PlasticityParams(kind=args.rule, tau_stdp_ms=args.tau_stdp_ms)
    with tempfile.TemporaryDirectory(prefix="bench_eiplast_") as tmp:
        tmp = Path(tmp)
        # first call in this fresh process (numba compile or cache load), on a tiny network;
        # 0.5 s so that it spikes (a run without any spike is not the case being timed)
        t_first = time.perf_counter()
        tiny = generate_connectivity(ConnectivityParams(n_exc=80, n_inh=20, n_patterns=5, seed=1))
        save_connectivity(tiny, tmp / "tiny.h5")
        simulate_network(
            load_connectivity(tmp / "tiny.h5"), NeuronParams(), BackgroundParams(), plasticity,
            RunParams(duration_s=0.5, learning_rate=args.learning_rate, seed=1),
            tmp / "tiny_spikes.h5", progress=False,
        )  # fmt: skip
        compile_s = time.perf_counter() - t_first
        t_setup = time.perf_counter()
        network = load_connectivity(args.connectivity)
        setup_s = time.perf_counter() - t_setup
        run = RunParams(duration_s=args.duration, learning_rate=args.learning_rate,
                        seed=args.seed, chunk_s=10.0)  # fmt: skip
        t_call = time.perf_counter()
        summary = simulate_network(network, NeuronParams(), BackgroundParams(), plasticity, run,
                                   tmp / "spikes.h5", progress=False,
                                   threads=numba.get_num_threads())  # fmt: skip
        call_s = time.perf_counter() - t_call
        spikes_sha256 = hashlib.sha256((tmp / "spikes.h5").read_bytes()).hexdigest()
    result = {
        "run_s": summary["wall_s"],
        "call_s": call_s,
        "compile_s": compile_s,
        "setup_s": setup_s,
        "rate_exc_hz": summary["rate_exc_hz"],
        "rate_inh_hz": summary["rate_inh_hz"],
        "peak_rss_self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "total_s": time.perf_counter() - t0,
        "threads": numba.get_num_threads(),
        "spikes_sha256": spikes_sha256,
        "versions": {"numpy": np.__version__, "numba": numba.__version__},
    }
    Path(args.json_out).write_text(json.dumps(result, indent=1))


def _run_child(cmd, env):
    """Run ``cmd``; return (exit code, peak RSS in MB of the child and its waited-for
    descendants, as reported by wait4)."""
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_maxrss / 1024.0


def run_engine(engine, args, workdir, threads=1):
    """One run of ``engine`` in a child process; ``threads``: numba threads of ``eiplast``."""
    env = {**os.environ, **SINGLE_THREAD_ENV, "NUMBA_NUM_THREADS": str(threads)}
    out = workdir / f"{engine}.json"
    if engine == "eiplast":
        cmd = [str(OUR_PYTHON), str(Path(__file__).resolve()), "--child-eiplast",
               "--json-out", str(out)] + _common_args(args)  # fmt: skip
    else:
        if not BRIAN2_PYTHON.exists():
            raise SystemExit(f"{BRIAN2_PYTHON} missing: run bench/setup_brian2_env.sh first")
        target = engine.removeprefix("brian2_")
        cmd = [
            str(BRIAN2_PYTHON), str(ROOT / "bench" / "brian2_reference.py"),
            "--connectivity", str(args.connectivity), "--duration", str(args.duration),
            "--rule", args.rule, "--learning-rate", str(args.learning_rate),
            "--tau-stdp-ms", str(args.tau_stdp_ms), "--seed", str(args.seed),
            "--target", target, "--summary-json", str(out),
            "--make-jobs", str(args.make_jobs),
        ]  # fmt: skip
        if target == "runtime":  # empty cache: compile_s is a cold compile
            cmd += ["--cython-cache-dir", str(workdir / "cython_cache")]
        else:
            cmd += ["--build-dir", str(workdir / "standalone")]
        if args.reference_extras:
            cmd.append("--reference-extras")
    print(f"[bench] {engine}: {shlex.join(cmd)}", flush=True)
    load_start = os.getloadavg()[0]
    t0 = time.perf_counter()
    code, tree_rss = _run_child(cmd, env)
    wall = time.perf_counter() - t0
    load_end = os.getloadavg()[0]
    if code != 0:
        raise SystemExit(f"[bench] {engine} failed with exit code {code}")
    child = json.loads(out.read_text())
    peak = child.get("binary_peak_rss_mb") or child["peak_rss_self_mb"]
    return {
        "wall_s_per_sim_s": child["run_s"] / args.duration,
        "run_s": child["run_s"],
        "compile_s": child["compile_s"],
        "setup_s": child["setup_s"],
        "rate_exc_hz": child["rate_exc_hz"],
        "rate_inh_hz": child["rate_inh_hz"],
        "peak_rss_mb": peak,
        "peak_rss_driver_mb": child["peak_rss_self_mb"],
        "peak_rss_tree_mb": tree_rss,
        "process_wall_s": wall,
        "load_average_1min": [round(load_start, 2), round(load_end, 2)],
        **({"run_binary_s": child["run_binary_s"]} if "run_binary_s" in child else {}),
        **({"spikes_sha256": child["spikes_sha256"]} if "spikes_sha256" in child else {}),
        **({"brian2_version": child["brian2_version"]} if "brian2_version" in child else {}),
    }


def schedule(engines, repeats):
    """Run order: the ``eiplast`` repeats spread before, between and after the other engines."""
    others = [e for e in engines if e != "eiplast"]
    if "eiplast" not in engines:
        return others
    slots = [[] for _ in range(len(others) + 1)]
    for k in range(repeats):
        slots[round(k * len(others) / max(repeats - 1, 1))].append("eiplast")
    order = []
    for k, slot in enumerate(slots):
        order += slot
        if k < len(others):
            order.append(others[k])
    return order


def median_run(runs):
    """The run with the median wall time per simulated second (the lower one of the two middle
    runs for an even count), with every repeat's figure and load average attached."""
    ranked = sorted(runs, key=lambda r: r["wall_s_per_sim_s"])
    chosen = dict(ranked[(len(ranked) - 1) // 2])
    if len(runs) > 1:
        chosen["repeats_wall_s_per_sim_s"] = [r["wall_s_per_sim_s"] for r in runs]
        chosen["repeats_load_average_1min"] = [r["load_average_1min"] for r in runs]
        chosen["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
    return chosen


def _common_args(args):
    return [
        "--connectivity", str(args.connectivity), "--duration", str(args.duration),
        "--rule", args.rule, "--learning-rate", str(args.learning_rate),
        "--tau-stdp-ms", str(args.tau_stdp_ms), "--seed", str(args.seed),
    ]  # fmt: skip


def markdown_table(result):
    rows = [
        "| engine | wall s / sim s | speedup of eiplast | compile / first call s | setup s "
        "| E rate Hz | I rate Hz | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, e in result["engines"].items():
        speed = "1 (reference)" if name == "eiplast" else f"{result['speedup'].get(name, 0):.2f}×"
        rows.append(
            f"| {name} | {e['wall_s_per_sim_s']:.3f} | {speed} | {e['compile_s']:.1f} "
            f"| {e['setup_s']:.1f} | {e['rate_exc_hz']:.3f} | {e['rate_inh_hz']:.3f} "
            f"| {e['peak_rss_mb']:.0f} |"
        )
    return "\n".join(rows)


NOTES = """\
* wall s / sim s: the simulation loop only (ours: `simulate_network`'s loop including its per-chunk
  spike and checkpoint writes; Brian2: its own timer of the network loop, `device._last_run_time`).
* compile / first call: ours = first `simulate_network` call in the fresh process on a tiny
  network (numba cache load or compile); Brian2 runtime = Cython compilation of the run's code
  objects with an empty cache; Brian2 standalone = code generation + `make` of a fresh project.
* setup: reading the connectivity and building the engine's structures. For the Brian2 runtime
  target it includes compiling (empty cache) the code that sets variables and creates synapses.
* peak RSS: the simulating process (Brian2 standalone: the compiled program, measured by wait4).
* E/I rate: mean over the run. Random streams differ between our core and Brian2; Brian2's two
  targets use the same seed and produce identical spikes.
* The machine was shared (see the load average); timings of the three engines are sequential.
  eiplast runs several times (before, between and after the Brian2 engines) and its median run
  is the row above; every repeat is listed below the table.
"""


def write_markdown(result, path):
    """Write the table (and the notes defining its columns) for ``result``; return the table."""
    table = markdown_table(result)
    s = result["settings"]
    extras = " (Brian2: the reference's model as written)" if s.get("reference_extras") else ""
    header = (
        f"Core vs Brian2: {result['duration_s']:g} s of `{s['rule']}` plasticity "
        f"(η = {s['learning_rate']:g}) on `{result['connectivity']}`{extras}; "
        f"{result['machine']['cpu']}, {result['machine']['n_cpus']} cores, one thread per "
        f"engine; 1-min load average at start {result['machine']['load_average_at_start'][0]}."
        "\n\n"
    )
    ours = result["engines"].get("eiplast", {})
    repeats = ours.get("repeats_wall_s_per_sim_s")
    if repeats:
        loads = ", ".join(f"{x[0]:g}" for x in ours["repeats_load_average_1min"])
        table += (
            f"\n\neiplast repeats (wall s / sim s, in run order): "
            f"{', '.join(f'{x:.3f}' for x in repeats)}; 1-min load average at their start: {loads}."
        )
    Path(path).write_text(
        header + table + "\n\n" + NOTES + "\nCommand: `" + result["command"] + "`\n"
    )
    return table


def ensure_connectivity(path):
    if path is not None:
        return Path(path)
    default = ROOT / "bench" / "work" / "connectivity_P1000.h5"
    if not default.exists():
        from eiplast.assembly.connectivity import generate_connectivity, save_connectivity
        from eiplast.assembly.params import ConnectivityParams

        print(f"[bench] generating {default}", flush=True)
        save_connectivity(generate_connectivity(ConnectivityParams()), default)
    return default


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connectivity", default=None,
                        help="eiplast connectivity file (default: the full P=1000 network, "
                        "bench/work/connectivity_P1000.h5, generated if missing)")  # fmt: skip
    parser.add_argument("--duration", type=float, default=10.0, help="simulated seconds")
    parser.add_argument("--rule", choices=("hebb", "rate", "static"), default="hebb")
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--tau-stdp-ms", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--engines", default=",".join(ENGINES),
                        help=f"comma-separated subset of {ENGINES}")  # fmt: skip
    parser.add_argument("--repeats", type=int, default=3,
                        help="runs of eiplast, spread between the Brian2 engines; the median "
                        "is reported")  # fmt: skip
    parser.add_argument(
        "--make-jobs",
        type=int,
        default=1,
        help="parallel compile jobs for the C++ standalone project",
    )
    parser.add_argument("--reference-extras", action="store_true",
                        help="Brian2 engines run the reference's model as written (unused state "
                        "variables, per-neuron parameters)")  # fmt: skip
    parser.add_argument("--output", default=str(ROOT / "bench/results/core_vs_brian2.json"))
    parser.add_argument("--rewrite-md", metavar="JSON", default=None,
                        help="only rewrite the markdown of an existing result file")  # fmt: skip
    parser.add_argument("--child-eiplast", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json-out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_eiplast:
        run_eiplast_child(args)
        return
    if args.rewrite_md:
        result = json.loads(Path(args.rewrite_md).read_text())
        print(write_markdown(result, Path(args.rewrite_md).with_suffix(".md")))
        return
    args.connectivity = ensure_connectivity(args.connectivity).resolve()
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = sorted(set(engines) - set(ENGINES))
    if unknown:
        raise SystemExit(f"unknown engine(s) {unknown}; choose from {ENGINES}")
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench_core_") as tmp:
        runs = {}
        for k, engine in enumerate(schedule(engines, max(args.repeats, 1))):
            workdir = Path(tmp) / f"{k}_{engine}"
            workdir.mkdir()
            runs.setdefault(engine, []).append(run_engine(engine, args, workdir))
            print(f"[bench] {engine}: {json.dumps(runs[engine][-1])}", flush=True)
        results = {engine: median_run(runs[engine]) for engine in engines}
    ours = results.get("eiplast", {}).get("wall_s_per_sim_s")
    speedup = {
        name: results[name]["wall_s_per_sim_s"] / ours
        for name in results
        if name != "eiplast" and ours
    }
    try:
        rel = str(Path(args.connectivity).relative_to(ROOT))
    except ValueError:
        rel = str(args.connectivity)
    result = {
        "engines": results,
        "speedup": speedup,
        "duration_s": args.duration,
        "connectivity": rel,
        "machine": {
            "platform": platform.platform(),
            "cpu": cpu_model(),
            "n_cpus": os.cpu_count(),
            "load_average_at_start": [round(x, 2) for x in load_before],
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "command": shlex.join(["python", "bench/bench_core.py"] + sys.argv[1:]),
        "settings": {
            "rule": args.rule,
            "learning_rate": args.learning_rate,
            "tau_stdp_ms": args.tau_stdp_ms,
            "seed": args.seed,
            "reference_extras": args.reference_extras,
            "threads": "one per engine (NUMBA_NUM_THREADS=1, Brian2 openmp_threads=0)",
            "eiplast_repeats": max(args.repeats, 1),
        },
    }
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    table = write_markdown(result, out.with_suffix(".md"))
    print(table)


if __name__ == "__main__":
    main()
