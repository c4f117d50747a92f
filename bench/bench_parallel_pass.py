"""Does a numba parallel region per simulation step pay for the neuron pass?

The step kernel advances 10 000 steps per simulated second, each step a pass over all neurons
(≈ 1.3 ns per neuron-step on one thread, ``bench/bench_neuron_pass.py``: ≈ 13 µs per step at
N = 10 000). Splitting that pass over threads with ``prange`` starts a parallel region in every
step; this script measures whether what the threads save exceeds what starting them costs, as
ns per neuron-step (median of ``--repeats`` interleaved runs):

* ``serial``: the pass of ``bench_neuron_pass`` (its ``kernel`` variant) in blocks, one thread;
* ``prange_T``: the same pass with the neuron loop as ``prange`` inside the step loop, on T
  threads (a new parallel region per step; every neuron's update is independent, so the state
  after the run equals the serial one, which the script checks);
* ``empty_region_T``: a step loop whose parallel region does nothing: the launch cost alone
  (reported per step, in µs).

    .venv/bin/python bench/bench_parallel_pass.py [--neurons 10000] [--steps 5000]
"""

import argparse
import json
import os
import platform
import time

# every core, set before numba is imported (bench_neuron_pass would otherwise pin one thread)
os.environ.setdefault("NUMBA_NUM_THREADS", str(os.cpu_count()))

import eiplast  # noqa: E402, F401  (before numba: it sets the vector width)

# isort: split
import numba  # noqa: E402
import numpy as np  # noqa: E402
from _machine import cpu_model  # noqa: E402
from bench_neuron_pass import G_LEAK, _state, _v_kernel  # noqa: E402
from llvmlite import binding  # noqa: E402
from numba import njit, prange  # noqa: E402

_BLOCK = 512  # neurons per parallel chunk (whole cache lines of every array)


def _make_pass(parallel):
    """The neuron pass of ``bench_neuron_pass`` (``kernel``) over blocks of ``_BLOCK`` neurons;
    with ``parallel`` the blocks are a ``prange`` (without it, ``prange`` is ``range``). Each
    block works on slices of the arrays: indexing the whole arrays from a computed start keeps
    LLVM from vectorising the inner loop (5× slower)."""

    @njit(error_model="numpy", parallel=parallel)
    def neuron_pass(n_steps, v, g_e, g_i, h1, h2, trace, last_spike, crossed):
        n_total = v.shape[0]
        n_blocks = (n_total + _BLOCK - 1) // _BLOCK
        for n in range(n_steps):
            for b in prange(n_blocks):
                lo = b * _BLOCK
                hi = min(lo + _BLOCK, n_total)
                vb, geb, gib = v[lo:hi], g_e[lo:hi], g_i[lo:hi]
                h1b, h2b, xb = h1[lo:hi], h2[lo:hi], trace[lo:hi]
                lastb, crossedb = last_spike[lo:hi], crossed[lo:hi]
                for i in range(hi - lo):
                    ge = geb[i]
                    gi = gib[i]
                    g_tot = G_LEAK + ge + gi
                    v_old = vb[i]
                    v_new = _v_kernel(v_old, ge, gi, g_tot)
                    free = n - lastb[i] >= 20
                    v_new = v_new if free else v_old
                    vb[i] = v_new
                    geb[i] = ge * 0.98 + 0.01
                    gib[i] = gi * 0.99 + 0.02
                    th1 = h1b[i] * 0.99
                    th2 = h2b[i] * 0.9995
                    h1b[i] = th1
                    h2b[i] = th2
                    xb[i] *= 0.995
                    crossedb[i] = free & (v_new > min(-55.0 + th1 + th2, 0.0))

    return neuron_pass


serial_pass = _make_pass(parallel=False)
parallel_pass = _make_pass(parallel=True)


@njit(parallel=True)
def empty_regions(n_steps, out):
    for _ in range(n_steps):
        for t in prange(out.shape[0]):
            out[t] += 1.0


def _timed(fn, steps, neurons):
    state = _state(neurons)
    t0 = time.perf_counter()
    fn(steps, *state)
    return (time.perf_counter() - t0) / (steps * neurons) * 1e9, state


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--neurons", type=int, default=10000)
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    thread_counts = list(range(1, numba.config.NUMBA_NUM_THREADS + 1))
    serial_pass(2, *_state(64))
    parallel_pass(2, *_state(64))
    empty_regions(2, np.zeros(max(thread_counts)))
    times = {"serial": []}
    times.update({f"prange_{t}": [] for t in thread_counts})
    launch_us = {f"empty_region_{t}": [] for t in thread_counts}
    same_state = True
    for _ in range(args.repeats):
        ns, reference = _timed(serial_pass, args.steps, args.neurons)
        times["serial"].append(ns)
        for t in thread_counts:
            numba.set_num_threads(t)
            ns, state = _timed(parallel_pass, args.steps, args.neurons)
            times[f"prange_{t}"].append(ns)
            same_state &= all(np.array_equal(a, b) for a, b in zip(reference, state, strict=True))
            t0 = time.perf_counter()
            empty_regions(args.steps, np.zeros(t))
            launch_us[f"empty_region_{t}"].append((time.perf_counter() - t0) / args.steps * 1e6)
    result = {
        "ns_per_neuron_step": {name: float(np.median(v)) for name, v in times.items()},
        "us_per_empty_region": {name: float(np.median(v)) for name, v in launch_us.items()},
        "state_equals_serial": bool(same_state),
        "repeats": {**times, **launch_us},
        "neurons": args.neurons,
        "steps": args.steps,
        "threading_layer": numba.threading_layer(),
        "machine": {
            "platform": platform.platform(),
            "cpu": cpu_model(),
            "llvm_cpu": binding.get_host_cpu_name(),
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg(),
        },
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
