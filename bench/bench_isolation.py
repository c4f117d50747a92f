"""Isolation (perturbation) mode: eiplast vs Brian2 on the same isolated neurons.

Both engines run the reference's isolation-mode equations (docs/model-description.md A6; Brian2
method ``euler`` with the reference's equations, runtime/cython target) for the same neurons and the
same conductance statistics over a shortened schedule, and report nanoseconds of wall time per
neuron-step. eiplast is measured with 1 thread and with all cores; the full default schedule (10 000
neurons × 8004 s = 8.0e11 neuron-steps) is extrapolated from the all-core figure. Writes
``bench/results/isolation_vs_brian2_<cpu>.json`` (the LLVM CPU name).

    python bench/bench_isolation.py --neurons 10000 --seconds 8 --brian2-neurons 2000

The Brian2 model is ``brian2_isolated`` (imported by tests/test_vs_brian2.py, which compares the
two engines' responses on the perturbation schedule); ``--brian2-spikes IN OUT`` runs it on the
inputs of an ``.npz`` file and writes the spikes to another (run it with the Brian2 environment's
Python).
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
BRIAN2_PY = ROOT / ".venv-brian2" / "bin" / "python"


def example_stats(n, seed=0, mean_e_nS=(8.0, 14.0)):
    """Conductance statistics of ``n`` isolated neurons (nS; uniform in ranges typical of the
    connected network's neurons)."""
    rng = np.random.default_rng(seed)
    return dict(mean_e=rng.uniform(*mean_e_nS, n), mean_i=rng.uniform(20, 35, n),
                std_e=rng.uniform(1.5, 3.0, n), std_i=rng.uniform(3, 6, n),
                pearson_r=rng.uniform(0.2, 0.6, n))  # fmt: skip


def brian2_isolated(stats, g_ext_e, g_ext_i, duration_s, *, a1_mV, seed=None, step_s=0.1,
                    warm_ms=1.0, cache_dir=None):  # fmt: skip
    """The isolation-mode model (docs/model-description.md A6) in Brian2, ``euler``, runtime
    (Cython) target: the reference's equations for neurons with conductance statistics
    ``stats`` (nS; keys mean_e, mean_i, std_e, std_i, pearson_r), external conductances
    ``g_ext_e``/``g_ext_i`` (nS, one entry per ``step_s``) and threshold jumps ``a1_mV`` (per
    neuron). Runs ``warm_ms`` first (code generation and compilation, timed apart), then the
    rest of ``duration_s``.

    Returns (spike neuron index, spike step of dt = 0.1 ms, compile_s, run_s). Call it in the
    Brian2 environment, once per process.
    """
    import brian2 as b2
    from brian2 import ms, mV, nS, pF, second

    b2.prefs.codegen.target = "cython"
    if cache_dir is not None:
        b2.prefs.codegen.runtime.cython.cache_dir = str(cache_dir)
    b2.defaultclock.dt = 0.1 * ms
    if seed is not None:
        b2.seed(seed)
    gext = b2.TimedArray(np.asarray(g_ext_e) * nS, dt=step_s * second)
    gext_inh = b2.TimedArray(np.asarray(g_ext_i) * nS, dt=step_s * second)
    eqs = """
    dv/dt = (-gL*(v-EL) + Isyn) / C : volt (unless refractory)
    Isyn = -(ge + gext(t))*(v-Ee) - (gi + gext_inh(t))*(v-Ei) : amp
    dge/dt = (mu_e - ge) / taue + sigma_e * sqrt(2 / taue) * xi_e : siemens
    dgi/dt = (mu_i - gi) / taue + sigma_i*sqrt(2/taue)*(rho*xi_e + sqrt(1-rho**2)*xi_i) : siemens
    dH1/dt = -H1/tau_th1 : volt
    dH2/dt = -H2/tau_th2 : volt
    theta = basethr + H1 + H2 : volt
    a1 : volt
    mu_e : siemens
    mu_i : siemens
    sigma_e : siemens
    sigma_i : siemens
    rho : 1
    """
    ns = dict(gL=10*nS, EL=-80*mV, C=200*pF, Ee=0*mV, Ei=-80*mV, taue=6*ms, tau_th1=10*ms,
              tau_th2=200*ms, basethr=-55*mV, gext=gext, gext_inh=gext_inh)  # fmt: skip
    n = len(stats["mean_e"])
    g = b2.NeuronGroup(n, eqs, threshold="v > clip(theta, -100*mV, 0*mV)",
                       reset="v = EL\nH1 += a1\nH2 += 0.3*mV", refractory=2*ms, method="euler",
                       namespace=ns)  # fmt: skip
    g.mu_e = np.asarray(stats["mean_e"]) * nS
    g.mu_i = np.asarray(stats["mean_i"]) * nS
    g.sigma_e = np.asarray(stats["std_e"]) * nS
    g.sigma_i = np.asarray(stats["std_i"]) * nS
    g.rho = np.asarray(stats["pearson_r"])
    g.a1 = np.broadcast_to(np.asarray(a1_mV, dtype=float), (n,)) * mV
    g.v = -80 * mV + np.random.default_rng(seed).random(n) * 10 * mV
    mon = b2.SpikeMonitor(g)
    net = b2.Network(g, mon)
    t = time.perf_counter()
    net.run(warm_ms * ms)
    compile_s = time.perf_counter() - t
    t = time.perf_counter()
    net.run(duration_s * second - warm_ms * ms)
    run_s = time.perf_counter() - t
    step = np.rint(np.asarray(mon.t / ms) / 0.1).astype(np.int64)
    return np.asarray(mon.i[:], dtype=np.int64), step, compile_s, run_s


def brian2_spikes_file(inputs, output):
    """``brian2_isolated`` on the arrays of ``inputs`` (.npz: the ``stats`` keys, g_ext_e,
    g_ext_i, a1_mV, duration_s, seed, step_s); spikes and timings to ``output`` (.npz)."""
    d = np.load(inputs)
    stats = {k: d[k] for k in ("mean_e", "mean_i", "std_e", "std_i", "pearson_r")}
    neuron, step, compile_s, run_s = brian2_isolated(
        stats, d["g_ext_e"], d["g_ext_i"], float(d["duration_s"]), a1_mV=d["a1_mV"],
        seed=int(d["seed"]), step_s=float(d["step_s"]),
    )  # fmt: skip
    np.savez(output, neuron=neuron, step=step, compile_s=compile_s, run_s=run_s)


IMPORT_BENCH = f"""
import sys
sys.path.insert(0, {str(BENCH)!r})
import numpy as np
from bench_isolation import example_stats as stats
"""

OURS = (
    IMPORT_BENCH
    + """
import json, time, resource, numba
from eiplast.assembly.isolation import IsolationSimulator
from eiplast.assembly.perturbation import perturbation_schedule
n, seconds, threads = {n}, {seconds}, {threads}
numba.set_num_threads(threads)
sched = perturbation_schedule(n_repetitions=2)
s = stats(n)
sim = IsolationSimulator(np.arange(n), int(0.8 * n), np.zeros(int(0.8 * n)), s, sched, seed=1)
t = time.perf_counter(); sim.advance(10); compile_s = time.perf_counter() - t
steps = int(seconds * 10000)
t = time.perf_counter(); out = sim.advance(10 + steps); wall = time.perf_counter() - t
print(json.dumps({{"ns_per_neuron_step": wall / (n * steps) * 1e9, "wall_s": wall,
                   "compile_s": compile_s, "rate_hz": len(out[0]) / n / seconds,
                   "threads": threads,
                   "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""
)

BRIAN2 = (
    IMPORT_BENCH
    + """
import json, resource
from bench_isolation import brian2_isolated
from eiplast.assembly.perturbation import perturbation_schedule
n, seconds = {n}, {seconds}
ge_ext, gi_ext = perturbation_schedule(n_repetitions=2)
# 1 ms of code generation and compilation, then the timed run of `seconds`
neuron, _, compile_s, wall = brian2_isolated(stats(n), ge_ext, gi_ext, seconds + 0.001,
                                             a1_mV=2.0)
print(json.dumps({{"ns_per_neuron_step": wall / (n * seconds * 10000) * 1e9, "wall_s": wall,
                   "compile_s": compile_s, "rate_hz": len(neuron) / n / seconds,
                   "threads": 1,
                   "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""
)


def child(python, code):
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--brian2-spikes",
        nargs=2,
        metavar=("IN", "OUT"),
        help="only run brian2_isolated on the inputs IN (.npz) and write the spikes to OUT (.npz)",
    )
    parser.add_argument("--neurons", type=int, default=10000)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--brian2-neurons", type=int, default=2000)
    parser.add_argument("--brian2-seconds", type=float, default=4.0)
    parser.add_argument(
        "--output", default=None, help="default: bench/results/isolation_vs_brian2_<cpu>.json"
    )
    args = parser.parse_args()
    if args.brian2_spikes:
        brian2_spikes_file(*args.brian2_spikes)
        return
    from _machine import cpu_model

    cores = os.cpu_count()
    load_start = os.getloadavg()
    engines = {
        "eiplast_1_thread": child(
            sys.executable, OURS.format(n=args.neurons, seconds=args.seconds, threads=1)
        ),
        f"eiplast_{cores}_threads": child(
            sys.executable, OURS.format(n=args.neurons, seconds=args.seconds, threads=cores)
        ),
    }
    if BRIAN2_PY.exists():
        engines["brian2_runtime"] = child(
            BRIAN2_PY, BRIAN2.format(n=args.brian2_neurons, seconds=args.brian2_seconds)
        )
    full_steps = 10000 * 8004 * 10000
    ours_all = engines[f"eiplast_{cores}_threads"]["ns_per_neuron_step"]
    result = {
        "command": "python bench/bench_isolation.py " + " ".join(sys.argv[1:]),
        "engines": engines,
        "full_schedule_minutes_all_cores": ours_all * full_steps * 1e-9 / 60,
        "machine": {
            "platform": platform.platform(),
            "cpu": cpu_model(),
            "cpus": cores,
            "load_average_at_start": load_start,
        },
    }
    if "brian2_runtime" in engines:
        b2 = engines["brian2_runtime"]["ns_per_neuron_step"]
        result["speedup_1_thread"] = b2 / engines["eiplast_1_thread"]["ns_per_neuron_step"]
        result["speedup_all_cores"] = b2 / ours_all
        result["brian2_full_schedule_hours_1_core"] = b2 * full_steps * 1e-9 / 3600
    if args.output is None:
        import llvmlite.binding as llvm

        args.output = f"bench/results/isolation_vs_brian2_{llvm.get_host_cpu_name()}.json"
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
