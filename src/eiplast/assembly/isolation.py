"""Isolation (perturbation) mode, docs/model-description.md A6: disconnected neurons driven by
correlated OU conductances and a schedule of small extra conductance pulses (the schedule is
``eiplast.analysis.sensitivity.perturbation_schedule``, shared with the analysis that reads it).

Per neuron, with that neuron's robust conductance statistics (μ_e, μ_i, σ_e, σ_i, r):

    dg_e = (μ_e − g_e)/τ dt + σ_e √(2/τ) dW_e
    dg_i = (μ_i − g_i)/τ dt + σ_i √(2/τ) (r dW_e + √(1−r²) dW_i)
    C dv/dt = −g_L (v − E_L) − (g_e + g_ext,e(t)) (v − E_e) − (g_i + g_ext,i(t)) (v − E_i)

As in the reference (Brian2 method ``euler`` in isolation mode) every variable, v and the
threshold components included, takes an Euler–Maruyama step from the old values; g_e and g_i
start at 0 (the initial silent block of the schedule covers the transient). Thresholds, reset and
refractoriness are those of the connected network; H1 and H2 of long-silent neurons are set to 0
instead of turning subnormal (``network.decay``; spikes unchanged).

Random numbers: every neuron owns a stream fixed by (seed, global neuron index), from which it
draws one word per step, turned into (dW_e, dW_i) by the Box–Muller transform in float32
(``rng.box_muller_block``, vectorised across a tile of neurons), so any subset of neurons
simulated alone spikes exactly as in the whole population. Float32 normals (relative precision
6e-8, |z| ≤ 6.66) are far finer than anything the OU conductances resolve, and the transform
is the larger part of the kernel's cost (docs/model.md).
"""

import hashlib
import json
from dataclasses import asdict

import numpy as np
from numba import njit, prange

from eiplast.assembly.network import decay
from eiplast.assembly.params import NeuronParams, ParameterError
from eiplast.engine import rng
from eiplast.engine.chunked import RunPlan, run_chunked

_SALT_ISOLATION = 11
_SALT_INITIAL = 12
_TILE = 256
# correlation time of the OU conductances that drive isolated neurons (ms; A6, = τ_e)
OU_TAU_MS = 6.0


# Layout of the isolation kernel's ``consts`` array (float64): the index of every constant, by
# name. dt/C in 1/nS, conductances nS, potentials mV, dt/τ_OU and the Euler factors 1 − dt/τ of
# H1 and H2 dimensionless.
I_DT_OVER_C = 0
I_G_LEAK = 1
I_E_LEAK = 2
I_E_EXC = 3
I_E_INH = 4
I_DT_OVER_TAU_OU = 5
I_EULER_H1 = 6
I_EULER_H2 = 7
I_THETA0 = 8
I_THETA_MAX = 9
I_A2 = 10
I_REFRACTORY_STEPS = 11
N_CONSTS = 12


@njit(cache=True, parallel=True, error_model="numpy")
def run_isolated(
    step_end,
    consts,
    a1_mV,
    mu_e,
    mu_i,
    noise_e,
    noise_i_common,
    noise_i_private,
    g_ext_e,
    g_ext_i,
    steps_per_bin,
    v,
    g_e,
    g_i,
    h1,
    h2,
    last_spike,
    words,
    tile_size,
    spike_local,
    spike_step,
    tile_count,
    tile_step,
):
    """Advance every tile of neurons from its ``tile_step`` towards ``step_end``, in parallel.

    A tile stops early when its spike buffer cannot hold another step; ``tile_step[t]`` is where
    it stopped, and the caller calls again (the tiles are independent).

    ``noise_e = σ_e√(2dt/τ)``, ``noise_i_common = σ_i√(2dt/τ)·r``,
    ``noise_i_private = σ_i√(2dt/τ)·√(1−r²)``. Spikes of tile t go to
    ``spike_local[t, :tile_count[t]]`` (index within the tile) and ``spike_step``.
    ``consts``: the model constants at the indices ``I_*`` of this module.
    """
    dt_over_c = consts[I_DT_OVER_C]
    g_leak = consts[I_G_LEAK]
    e_leak = consts[I_E_LEAK]
    e_exc = consts[I_E_EXC]
    e_inh = consts[I_E_INH]
    dt_over_tau = consts[I_DT_OVER_TAU_OU]
    fac_h1 = consts[I_EULER_H1]
    fac_h2 = consts[I_EULER_H2]
    theta0 = consts[I_THETA0]
    theta_max = consts[I_THETA_MAX]
    a2 = consts[I_A2]
    ref_steps = int(consts[I_REFRACTORY_STEPS])
    n = v.shape[0]
    n_tiles = (n + tile_size - 1) // tile_size
    capacity = spike_step.shape[1]
    for t in prange(n_tiles):
        lo = t * tile_size
        hi = min(n, lo + tile_size)
        width = hi - lo
        u1 = np.empty(width, dtype=np.float32)
        u2 = np.empty(width, dtype=np.float32)
        z1 = np.empty(width, dtype=np.float32)
        z2 = np.empty(width, dtype=np.float32)
        crossed = np.zeros(width, dtype=np.bool_)
        tile_words = words[lo:hi]
        tv, tge, tgi = v[lo:hi], g_e[lo:hi], g_i[lo:hi]
        th1, th2, tlast = h1[lo:hi], h2[lo:hi], last_spike[lo:hi]
        tmu_e, tmu_i, ta1 = mu_e[lo:hi], mu_i[lo:hi], a1_mV[lo:hi]
        tn_e, tn_ic, tn_ip = noise_e[lo:hi], noise_i_common[lo:hi], noise_i_private[lo:hi]
        count = 0
        step = tile_step[t]
        while step < step_end and capacity - count >= width:
            ext_e = g_ext_e[step // steps_per_bin]
            ext_i = g_ext_i[step // steps_per_bin]
            rng.box_muller_block(tile_words, u1, u2, z1, z2)
            for k in range(width):
                ge = tge[k]
                gi = tgi[k]
                v_old = tv[k]
                dv = dt_over_c * (
                    -g_leak * (v_old - e_leak)
                    - (ge + ext_e) * (v_old - e_exc)
                    - (gi + ext_i) * (v_old - e_inh)
                )
                free = step - tlast[k] >= ref_steps
                v_new = v_old + dv if free else v_old
                tv[k] = v_new
                tge[k] = ge + dt_over_tau * (tmu_e[k] - ge) + tn_e[k] * z1[k]
                tgi[k] = gi + dt_over_tau * (tmu_i[k] - gi) + tn_ic[k] * z1[k] + tn_ip[k] * z2[k]
                a = decay(th1[k], fac_h1)
                b = decay(th2[k], fac_h2)
                th1[k] = a
                th2[k] = b
                crossed[k] = free & (v_new > min(theta0 + a + b, theta_max))
            for k in range(width):
                if crossed[k]:
                    tv[k] = e_leak
                    th1[k] += ta1[k]
                    th2[k] += a2
                    tlast[k] = step
                    spike_local[t, count] = k
                    spike_step[t, count] = step
                    count += 1
            step += 1
        tile_step[t] = step
        tile_count[t] = count


def ou_noise_amplitudes(stats, dt_ms, tau_ms):
    """The OU drive of every isolated neuron from its conductance statistics (A6): per step
    g_e ← g_e + dt/τ (μ_e − g_e) + s_e z₁ and g_i ← g_i + dt/τ (μ_i − g_i) + s_ic z₁ + s_ip z₂
    (z standard normal), with s_e = σ_e √(2 dt/τ), s_ic = r σ_i √(2 dt/τ) and
    s_ip = √(1 − r²) σ_i √(2 dt/τ). Returns (μ_e, μ_i, s_e, s_ic, s_ip); a NaN correlation
    (constant g) is taken as 0."""
    r = np.nan_to_num(np.asarray(stats["pearson_r"], dtype=np.float64), nan=0.0)
    r = np.clip(r, -1.0, 1.0)
    scale = np.sqrt(2.0 * dt_ms / tau_ms)
    std_e = np.nan_to_num(np.asarray(stats["std_e"], dtype=np.float64))
    std_i = np.nan_to_num(np.asarray(stats["std_i"], dtype=np.float64))
    for name, arr in (("std_e", std_e), ("std_i", std_i)):
        if np.any(arr < 0):
            raise ParameterError(f"conductance statistics: negative {name} for some neurons")
    return (
        np.asarray(stats["mean_e"], dtype=np.float64),
        np.asarray(stats["mean_i"], dtype=np.float64),
        std_e * scale,
        std_i * scale * r,
        std_i * scale * np.sqrt(1.0 - r * r),
    )


class IsolationSimulator:
    """Isolated neurons ``neuron_ids`` (global indices) with their statistics and schedule."""

    def __init__(
        self,
        neuron_ids,
        n_exc,
        exc_alpha,
        stats,
        schedule,
        seed,
        neuron=None,
        dt_ms=0.1,
        tau_ou_ms=OU_TAU_MS,
        step_s=0.1,
    ):
        neuron = neuron or NeuronParams()
        self.neuron_ids = np.asarray(neuron_ids, dtype=np.int64)
        n = len(self.neuron_ids)
        values = {
            I_DT_OVER_C: dt_ms / neuron.c_pF,
            I_G_LEAK: neuron.g_leak_nS,
            I_E_LEAK: neuron.e_leak_mV,
            I_E_EXC: neuron.e_exc_mV,
            I_E_INH: neuron.e_inh_mV,
            I_DT_OVER_TAU_OU: dt_ms / tau_ou_ms,
            I_EULER_H1: 1.0 - dt_ms / neuron.tau_h1_ms,
            I_EULER_H2: 1.0 - dt_ms / neuron.tau_h2_ms,
            I_THETA0: neuron.theta0_mV,
            I_THETA_MAX: neuron.theta_max_mV,
            I_A2: neuron.a2_mV,
            I_REFRACTORY_STEPS: round(neuron.refractory_ms / dt_ms),
        }
        self.consts = np.array([values[i] for i in range(N_CONSTS)], dtype=np.float64)
        self.a1_mV = np.full(n, neuron.a1_mV)
        is_exc = self.neuron_ids < n_exc
        self.a1_mV[is_exc] += (
            neuron.a1_alpha_scale_mV * np.asarray(exc_alpha)[self.neuron_ids[is_exc]]
        )
        self.mu_e, self.mu_i, self.noise_e, self.noise_i_common, self.noise_i_private = (
            ou_noise_amplitudes(stats, dt_ms, tau_ou_ms)
        )
        self.g_ext_e, self.g_ext_i = (np.asarray(a, dtype=np.float64) for a in schedule)
        self.steps_per_bin = round(step_s * 1000.0 / dt_ms)
        self.n_steps = len(self.g_ext_e) * self.steps_per_bin
        self.ref_steps = int(self.consts[I_REFRACTORY_STEPS])
        self.is_exc = is_exc
        self.n_exc_local = int(is_exc.sum())
        words = rng.neuron_streams(seed, self.neuron_ids, _SALT_ISOLATION)
        v0 = np.empty(n)
        for k, gid in enumerate(self.neuron_ids):
            u, _ = rng.next_uniform(rng.neuron_streams(seed, [gid], _SALT_INITIAL)[0])
            v0[k] = neuron.e_leak_mV + u * neuron.v_init_span_mV
        self.state = {
            "v": v0,
            "g_e": np.zeros(n),
            "g_i": np.zeros(n),
            "h1": np.zeros(n),
            "h2": np.zeros(n),
            "last_spike": np.full(n, -(2**40), dtype=np.int64),
            "words": words,
        }
        self.step = 0

    def dynamic(self):
        return dict(self.state)

    def load_dynamic(self, arrays):
        self.state = {name: arrays[name] for name in self.state}

    def advance(self, step_end, state_every=0):
        n = len(self.neuron_ids)
        n_tiles = max(1, -(-n // _TILE))
        span = step_end - self.step
        capacity = min(_TILE * (span // max(self.ref_steps, 1) + 1), 2**17)
        spike_local = np.empty((n_tiles, capacity), dtype=np.int32)
        spike_step = np.empty((n_tiles, capacity), dtype=np.int64)
        tile_count = np.zeros(n_tiles, dtype=np.int64)
        tile_step = np.full(n_tiles, self.step, dtype=np.int64)
        st = self.state
        local, steps = [], []
        while tile_step.min() < step_end:
            run_isolated(
                step_end, self.consts, self.a1_mV, self.mu_e, self.mu_i, self.noise_e,
                self.noise_i_common, self.noise_i_private, self.g_ext_e, self.g_ext_i,
                self.steps_per_bin, st["v"], st["g_e"], st["g_i"], st["h1"], st["h2"],
                st["last_spike"], st["words"], _TILE, spike_local, spike_step, tile_count,
                tile_step,
            )  # fmt: skip
            for t in range(n_tiles):
                local.append(spike_local[t, : tile_count[t]] + t * _TILE)
                steps.append(spike_step[t, : tile_count[t]].copy())
        self.step = step_end
        local = np.concatenate(local)
        steps = np.concatenate(steps)
        neurons = self.neuron_ids[local].astype(np.int32)
        order = np.lexsort((neurons, steps))
        neurons, steps = neurons[order], steps[order]
        n_exc_spikes = int(np.count_nonzero(self.is_exc[local]))
        empty = np.empty((0, n), dtype=np.float32)
        return neurons, steps, n_exc_spikes, len(local) - n_exc_spikes, empty, empty


def simulate_isolated(
    neuron_ids,
    n_exc,
    n_inh,
    exc_alpha,
    stats,
    schedule,
    output_path,
    *,
    seed,
    neuron=None,
    chunk_s=100.0,
    dt_ms=0.1,
    step_s=0.1,
    stage="perturbation",
    progress=True,
    stop_after_chunks=None,
):
    """Run isolated neurons through ``schedule`` and write their spikes (global indices)."""
    neuron = neuron or NeuronParams()
    sim = IsolationSimulator(
        neuron_ids, n_exc, exc_alpha, stats, schedule, seed, neuron, dt_ms, step_s=step_s
    )
    h = hashlib.sha256()
    for arr in (sim.neuron_ids, sim.a1_mV, sim.mu_e, sim.mu_i, sim.noise_e, sim.noise_i_common,
                sim.noise_i_private, sim.g_ext_e, sim.g_ext_i):  # fmt: skip
        h.update(np.ascontiguousarray(arr).tobytes())
    h.update(json.dumps({"neuron": asdict(neuron), "seed": seed, "dt": dt_ms}).encode())
    attrs = {
        "n_exc": n_exc,
        "n_inh": n_inh,
        "dt_ms": dt_ms,
        "seed": seed,
        "stage": stage,
        "signature": h.hexdigest(),
        "neuron_ids_first": int(sim.neuron_ids[0]) if len(sim.neuron_ids) else -1,
        "n_neurons_simulated": len(sim.neuron_ids),
    }
    n_inh_local = len(sim.neuron_ids) - sim.n_exc_local
    chunk_steps = max(1, round(chunk_s * 1000.0 / dt_ms))
    plan = RunPlan(sim.n_steps, chunk_steps, sim.n_exc_local, n_inh_local, dt_ms)
    return run_chunked(sim, plan, output_path, signature=attrs["signature"], attrs=attrs,
                       stage=stage, progress=progress, stop_after_chunks=stop_after_chunks,
                       on_finish=lambda: {"neurons/ids": sim.neuron_ids})  # fmt: skip
