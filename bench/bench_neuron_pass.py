"""Where the time of the step kernel's neuron pass goes, on the machine at hand.

The pass of ``eiplast.assembly.network.run_steps`` over all neurons (phase 1) reads and writes seven
float64 state arrays per neuron and step (v, g_e, g_i, H1, H2, x and the refractory test), so
for the full network (10 000 neurons, ≈ 1 MB of state) it streams from L2, not L1. This script
times copies of that loop: four versions of the v update and one without the trace:

* ``kernel``: the kernel's exponential Euler, v_∞ + (v − v_∞)·exp_neg(dt·g_tot/C) (one vector
  division, in v_∞);
* ``division_free``: the same step written as v + dt/C · φ(x) · I(v), φ(x) = (1 − e^−x)/x by its
  Taylor polynomial of degree 8 (algebraically identical, no division; differs in rounding);
* ``floor``: a v update with no arithmetic to speak of, the cost of moving the state alone;
* ``divide_720``: the kernel's update with ``exp_neg``'s y/720 as a plain division, the earlier
  division form (the kernel divides by FMA, ``eiplast.engine._numba``: the same values with one
  vector division fewer; the state after 500 steps is compared);
* ``no_trace``: the kernel's update without the trace x, which a static run (η = 0) never reads:
  one of the seven state arrays less;
* ``float32``: the kernel's update with every state array and constant in float32 and the
  refractory clock as int32 (half the bytes per neuron-step, twice the vector lanes); not the
  model's precision, a measure of what narrower state would buy.

To see what a CPU without AVX-512 would run, compile for it: ``NUMBA_CPU_NAME=haswell`` (AVX2).

ns per neuron-step, median of ``--repeats`` interleaved runs, one thread::

    .venv/bin/python bench/bench_neuron_pass.py [--neurons 10000] [--steps 5000]
"""

import argparse
import json
import os
import platform
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import eiplast  # noqa: E402, F401  (before numba: it sets the vector width, eiplast/_vector_width.py)

# isort: split
import numpy as np  # noqa: E402
from _machine import cpu_model  # noqa: E402
from llvmlite import binding  # noqa: E402
from numba import njit  # noqa: E402

from eiplast.assembly.network import exp_neg  # noqa: E402

# the full network's constants at rest (dt = 0.1 ms, C = 200 pF, g_L = 10 nS; A2)
DT_OVER_C = 0.1 / 200.0
G_LEAK = 10.0
GL_EL = G_LEAK * -80.0
E_EXC, E_INH = 0.0, -80.0


@njit(cache=True, inline="always")
def _phi8(x):
    """(1 − e^−x)/x, Taylor polynomial of degree 8 (relative error 5e-10 at x = 0.5)."""
    return 1.0 - x * (0.5 - x * (1.0 / 6 - x * (1.0 / 24 - x * (1.0 / 120 - x * (
        1.0 / 720 - x * (1.0 / 5040 - x * (1.0 / 40320 - x * (1.0 / 362880.0))))))))  # fmt: skip


@njit(cache=True, inline="always")
def _v_kernel(v_old, ge, gi, g_tot):
    v_inf = (GL_EL + ge * E_EXC + gi * E_INH) / g_tot
    return v_inf + (v_old - v_inf) * exp_neg(DT_OVER_C * g_tot)


@njit(cache=True, inline="always")
def _v_division_free(v_old, ge, gi, g_tot):
    current = GL_EL + ge * E_EXC + gi * E_INH - g_tot * v_old
    return v_old + DT_OVER_C * _phi8(DT_OVER_C * g_tot) * current


@njit(cache=True, inline="always")
def _exp_neg_divide(x):
    """``exp_neg`` with its y/720 as a plain division (the earlier division form; same value)."""
    y = 0.125 * x
    p = 1.0 - y * (
        1.0 - y * (0.5 - y * (1.0 / 6.0 - y * (1.0 / 24.0 - y * (1.0 / 120.0 - y / 720.0))))
    )
    p = p * p
    p = p * p
    return p * p


@njit(cache=True, inline="always")
def _v_divide_720(v_old, ge, gi, g_tot):
    v_inf = (GL_EL + ge * E_EXC + gi * E_INH) / g_tot
    return v_inf + (v_old - v_inf) * _exp_neg_divide(DT_OVER_C * g_tot)


_F32 = np.float32
DT_OVER_C_32, G_LEAK_32, GL_EL_32 = _F32(DT_OVER_C), _F32(G_LEAK), _F32(GL_EL)
E_EXC_32, E_INH_32 = _F32(E_EXC), _F32(E_INH)


@njit(cache=True, inline="always")
def _exp_neg_32(x):
    """``exp_neg`` in float32 (Taylor₅(x/8))⁸ (float32's precision needs one term less)."""
    y = _F32(0.125) * x
    p = _F32(1.0) - y * (_F32(1.0) - y * (_F32(0.5) - y * (_F32(1.0 / 6.0) - y * (
        _F32(1.0 / 24.0) - y * _F32(1.0 / 120.0)))))  # fmt: skip
    p = p * p
    p = p * p
    return p * p


@njit(cache=True, inline="always")
def _v_float32(v_old, ge, gi, g_tot):
    v_inf = (GL_EL_32 + ge * E_EXC_32 + gi * E_INH_32) / g_tot
    return v_inf + (v_old - v_inf) * _exp_neg_32(DT_OVER_C_32 * g_tot)


@njit(cache=True, inline="always")
def _v_floor(v_old, ge, gi, g_tot):
    return v_old + 1e-3 * (g_tot - v_old)


def _make_pass(v_update, with_trace=True, real=np.float64):
    """The neuron pass with ``v_update``; ``real`` is the type of the state and constants."""
    g_leak, theta0, theta_max = real(G_LEAK), real(-55.0), real(0.0)
    decay_e, decay_i, decay_h1, decay_h2 = real(0.98), real(0.99), real(0.99), real(0.9995)
    input_e, input_i, decay_trace = real(0.01), real(0.02), real(0.995)

    @njit(error_model="numpy")  # a closure over ``v_update``: compiled per process, not cached
    def neuron_pass(n_steps, v, g_e, g_i, h1, h2, trace, last_spike, crossed):
        for n in range(n_steps):
            for i in range(v.shape[0]):
                ge = g_e[i]
                gi = g_i[i]
                g_tot = g_leak + ge + gi
                v_old = v[i]
                v_new = v_update(v_old, ge, gi, g_tot)
                free = n - last_spike[i] >= 20
                v_new = v_new if free else v_old
                v[i] = v_new
                g_e[i] = ge * decay_e + input_e  # decay plus a steady input: g stays O(1–10) nS
                g_i[i] = gi * decay_i + input_i
                th1 = h1[i] * decay_h1
                th2 = h2[i] * decay_h2
                h1[i] = th1
                h2[i] = th2
                if with_trace:  # a compile-time constant: the branch is not in the loop
                    trace[i] *= decay_trace
                crossed[i] = free & (v_new > min(theta0 + th1 + th2, theta_max))

    return neuron_pass


VARIANTS = {
    "kernel": _make_pass(_v_kernel),
    "division_free": _make_pass(_v_division_free),
    "floor": _make_pass(_v_floor),
    "divide_720": _make_pass(_v_divide_720),
    "no_trace": _make_pass(_v_kernel, with_trace=False),
    "float32": _make_pass(_v_float32, real=np.float32),
}


def _state(n, real=np.float64, clock=np.int64):
    rng = np.random.default_rng(0)
    return (rng.uniform(-80, -60, n).astype(real), rng.uniform(0, 10, n).astype(real),
            rng.uniform(0, 30, n).astype(real), np.zeros(n, real), np.zeros(n, real),
            np.zeros(n, real), np.full(n, -100, dtype=clock),
            np.zeros(n, dtype=np.bool_))  # fmt: skip


def _state_of(name, n):
    return _state(n, np.float32, np.int32) if name == "float32" else _state(n)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--neurons", type=int, default=10000)
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    times = {name: [] for name in VARIANTS}
    for name, neuron_pass in VARIANTS.items():
        neuron_pass(2, *_state_of(name, args.neurons))  # compile
    for _ in range(args.repeats):
        for name, neuron_pass in VARIANTS.items():
            state = _state_of(name, args.neurons)
            t0 = time.perf_counter()
            neuron_pass(args.steps, *state)
            times[name].append((time.perf_counter() - t0) / (args.steps * args.neurons) * 1e9)
    kernel_state, divide_state = _state(args.neurons), _state(args.neurons)
    VARIANTS["kernel"](500, *kernel_state)
    VARIANTS["divide_720"](500, *divide_state)
    result = {
        "ns_per_neuron_step": {name: float(np.median(t)) for name, t in times.items()},
        "divide_720_state_equals_kernel_after_500_steps": all(
            np.array_equal(a, b) for a, b in zip(kernel_state, divide_state, strict=True)
        ),
        "repeats": times,
        "neurons": args.neurons,
        "steps": args.steps,
        "machine": {
            "platform": platform.platform(),
            "cpu": cpu_model(),
            "llvm_cpu": binding.get_host_cpu_name(),
            "compiled_for": os.environ.get("NUMBA_CPU_NAME", "host"),
            "numba_cpu_features": os.environ.get("NUMBA_CPU_FEATURES", ""),
            "load_average": os.getloadavg(),
        },
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
