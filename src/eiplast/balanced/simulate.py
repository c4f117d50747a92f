"""Run the plastic balanced network: ``BalancedSimulator`` and ``simulate_balanced``.

``BalancedSimulator`` holds the kernel's fixed inputs and the dynamic state and implements the
interface of ``eiplast.engine.chunked.run_chunked`` (``step``, ``advance``, ``dynamic``,
``load_dynamic``); ``simulate_balanced`` runs it chunk by chunk with checkpoints and writes one
spike file (docs/data-format.md) whose extra datasets hold the records (docs/balanced.md).

Random streams (``eiplast.engine.rng``, all fixed by ``params.seed`` / ``params.net_seed``): the
connectivity (one stream per presynaptic neuron), the initial voltages (numpy, uniform in
[V_reset, V_T] as the reference), the sampled neurons and synapses (numpy), and the external
layer (one SplitMix64 stream, saved in checkpoints).
"""

import hashlib
import json
from pathlib import Path

import numpy as np

from eiplast.balanced.connectivity import (
    BalancedNetwork,
    first_inh_target,
    generate_balanced_network,
    incoming_index,
)
from eiplast.balanced.kernel import (
    C_DT_OVER_C,
    C_E_L,
    C_G_L,
    C_G_L_DELTA_T,
    C_INV_DELTA_T,
    C_KICK_E,
    C_KICK_I,
    C_STIM_E,
    C_STIM_I,
    C_V_RE,
    C_V_T,
    C_V_TH,
    N_CONSTS,
    N_RULE_COEFS,
    R_HIGH,
    R_LOW,
    R_POST_SQUARE,
    R_SIGN,
    external_correlated,
    external_uncorrelated,
    first_mother_spike,
    frame_length,
    frame_tables,
    run_balanced,
)
from eiplast.balanced.params import CONNECTIONS, BalancedParams
from eiplast.engine import rng
from eiplast.engine.chunked import RunPlan, run_chunked
from eiplast.engine.formats import BALANCED_RECORDS
from eiplast.engine.h5io import atomic_h5, create_dataset, open_checked, read, set_attrs

_SALT_INITIAL = 201
_SALT_RECORD = 202
_SALT_EXTERNAL = 203
_SALT_OPTO = 204
LOOKAHEAD_SD = 10.0  # correlated input: mother spikes are expanded this many jitter s.d. early
UNCORRELATED_BELOW = 1e-5  # c_x below this is independent input, as in the reference
RECORD_PREFIX = "balanced_records_"


class RateExplosionError(RuntimeError):
    """The population rate exceeded ``max_rate_hz`` over a rate window; the run stopped."""


def rule_coefficients(params: BalancedParams):
    """(plastic (4,) int64, coef (4, 10)) for connections ee, ie, ei, ii (kernel's generic rule).

    Columns: a_pre, m_pre, α, a_post, m_post, d_post, s_post, w_low, w_high, σ; see ``kernel``
    for the update formulas and docs/balanced.md for each rule as the reference writes it."""
    p = params
    sq = p.sqrt_n
    plastic = np.zeros(4, dtype=np.int64)
    coef = np.zeros((4, N_RULE_COEFS))
    coef[:, R_LOW], coef[:, R_HIGH] = -np.inf, np.inf

    def alpha(rho_hz):
        return 2.0 * rho_hz / 1000.0 * p.tau_stdp_ms

    # EE Hebbian: pre  J −= η x_post J;  post  J += η x_pre J_max
    if p.eta_ee_hebb:
        coef[0, :6] = (0.0, -p.eta_ee_hebb, 0.0, p.eta_ee_hebb * p.jmax_ee / sq, 0.0, 0.0)
    # EE Kohonen: pre  J += β η x_post;  post  J −= η J
    elif p.eta_ee_koh:
        coef[0, :6] = (p.beta / sq * p.eta_ee_koh, 0.0, 0.0, 0.0, 0.0, -p.eta_ee_koh)
    # IE homeostatic: pre  J −= (η/J_norm)(x_post − α) J;  post  J −= (η/J_norm) x_pre J
    if p.eta_ie_homeo:
        k = p.eta_ie_homeo / (p.j_norm_ie / sq)
        coef[1, :6] = (0.0, -k, alpha(p.rho_ie_hz), 0.0, -k, 0.0)
    # IE Hebbian: pre  J −= η x_post J (MATLAB original, docs/model-description.md); the package
    # 0.0.6 writes J −= η x_post (J != 0), an additive depression: ie_hebb_depression="additive";
    # post  J += η x_pre J_max
    elif p.eta_ie_hebb:
        up = p.eta_ie_hebb * p.jmax_ie_hebb / sq
        if p.ie_hebb_depression == "multiplicative":
            coef[1, :6] = (0.0, -p.eta_ie_hebb, 0.0, up, 0.0, 0.0)
        else:
            coef[1, :6] = (-p.eta_ie_hebb, 0.0, 0.0, up, 0.0, 0.0)
    # EI and II iSTDP: as IE homeostatic with their own J_norm and target rate
    if p.eta_ei:
        k = p.eta_ei / (p.j_norm_ei / sq)
        coef[2, :6] = (0.0, -k, alpha(p.rho_ei_hz), 0.0, -k, 0.0)
    if p.eta_ii:
        k = p.eta_ii / (p.j_norm_ii / sq)
        coef[3, :6] = (0.0, -k, alpha(p.rho_ii_hz), 0.0, -k, 0.0)
    for c, name in enumerate(CONNECTIONS):
        plastic[c] = 1 if p.rule(name) else 0
        coef[c, R_SIGN] = SIGNS[name]
        if p.rule(name) in ("hard_hebb", "oja", "triplet"):
            _matlab_rule(coef[c], p, name, p.rule(name))
    return plastic, coef


# strength = sign · J: +1 for E sources (ee, ie), −1 for I sources (ei, ii)
SIGNS = {"ee": 1.0, "ie": 1.0, "ei": -1.0, "ii": -1.0}


def _matlab_rule(row, p: BalancedParams, connection, rule):
    """Coefficients of the package's MATLAB-only rules (written there for E→E) on
    ``connection``, acting on the strength σJ (σ = ``SIGNS``): on an inhibitory connection the
    additive terms change sign and the bounds hold |J| (E→E: σ = 1, the scripts' formulas).

    * hard-bound Hebbian (BN_all_STDPs_triplet.m): pre  σJ −= η x_post [σJ > J_min];
      post σJ += η x_pre [J_min < σJ < J_max] (gates, not clipping: J may pass J_max once);
    * "Oja" (BN_Ojarule.m): pre  σJ += γ β η x_post;  post  J −= γ η x_pre J;
    * "triplet" (BN_all_STDPs_triplet.m, γ₁ = γ₂ = −1): pre  σJ += η v_θ x_post [σJ > 0];
      post σJ −= η x_pre² [σJ > 0], v_θ = θ τ_STDP (θ in kHz)."""
    sq, sign = p.sqrt_n, SIGNS[connection]
    eta = p.matlab_rule_rate(connection, rule)
    if rule == "hard_hebb":
        row[:6] = (-sign * eta, 0.0, 0.0, sign * eta, 0.0, 0.0)
        row[R_LOW] = getattr(p, f"jmin_{connection}_hard") / sq
        row[R_HIGH] = getattr(p, f"jmax_{connection}_hard") / sq
    elif rule == "oja":
        g = p.gamma_oja * eta
        row[:6] = (sign * g * p.beta_oja / sq, 0.0, 0.0, 0.0, -g, 0.0)
    else:
        v_theta = p.theta_triplet_hz / 1000.0 * p.tau_stdp_ms
        row[:6] = (sign * eta * v_theta, 0.0, 0.0, 0.0, 0.0, 0.0)
        row[R_POST_SQUARE], row[R_LOW] = -sign * eta, 0.0


def kernel_constants(params: BalancedParams):
    """Scalar constants of ``run_balanced`` (layout ``kernel.C_*``)."""
    p = params
    dt = p.dt_ms
    consts = np.empty(N_CONSTS)
    consts[C_DT_OVER_C] = dt / p.c_m
    consts[C_G_L] = p.g_l
    consts[C_E_L] = p.e_l_mV
    consts[C_V_T] = p.v_t_mV
    consts[C_INV_DELTA_T] = 1.0 / p.delta_t_mV
    consts[C_G_L_DELTA_T] = p.g_l * p.delta_t_mV
    consts[C_V_TH] = p.v_th_mV
    consts[C_V_RE] = p.v_re_mV
    # a recurrent spike adds J/τ before the step's decay (1 − dt/τ), as the reference
    consts[C_KICK_E] = (1.0 - dt / p.tau_e_ms) / p.tau_e_ms
    consts[C_KICK_I] = (1.0 - dt / p.tau_i_ms) / p.tau_i_ms
    consts[C_STIM_E] = p.sqrt_n * p.j_stim_e
    consts[C_STIM_I] = p.sqrt_n * p.j_stim_i
    return consts


def decay_factors(params: BalancedParams):
    """Forward-Euler decay per step of I_e, I_i, I_x and the traces (rows of the frames)."""
    p = params
    return [1.0 - p.dt_ms / tau for tau in (p.tau_e_ms, p.tau_i_ms, p.tau_x_ms, p.tau_stdp_ms)]


def _uniform_weights(network, masks, plastic, x_kick):
    """(6,) common weight of each static block ee, ie, ei, ii and common J_x/τ_x of ex, ix, or
    NaN where the values differ (or the block is plastic): the kernel then skips the weights."""
    out = np.full(6, np.nan)
    for c, name in enumerate(CONNECTIONS):
        w = network.weight[masks[name]]
        if not plastic[c] and len(w) and np.all(w == w[0]):
            out[c] = w[0]
    post_exc = network.x_post < network.n_exc
    for c, mask in ((4, post_exc), (5, ~post_exc)):
        k = x_kick[mask]
        if len(k) and np.all(k == k[0]):
            out[c] = k[0]
    return out


def _sample_records(params, network, masks):
    """Sampled neurons (n_record E, then n_record I) and synapses per connection type."""
    sel = np.random.default_rng([params.seed, _SALT_RECORD])
    n_exc, n_total = network.n_exc, network.n_total
    e = np.sort(sel.choice(n_exc, size=min(params.n_record, n_exc), replace=False))
    i = np.sort(sel.choice(n_total - n_exc, size=min(params.n_record, n_total - n_exc),
                           replace=False)) + n_exc  # fmt: skip
    neurons = np.concatenate([e, i]).astype(np.int64)
    syn, ptr = [], [0]
    for name in CONNECTIONS:
        pool = np.flatnonzero(masks[name])
        take = np.sort(
            sel.choice(pool, size=min(params.n_record_weights, len(pool)), replace=False)
        )
        syn.append(take.astype(np.int64))
        ptr.append(ptr[-1] + len(take))
    return neurons, np.concatenate(syn), np.array(ptr, dtype=np.int64)


def _growing(fn, estimate):
    """Call ``fn(capacity)`` until it returns a count ≥ 0, doubling the capacity."""
    capacity = max(int(estimate), 1024)
    while True:
        result = fn(capacity)
        if result is not None:
            return result
        capacity *= 2


class BalancedSimulator:
    """Balanced network state and kernel inputs; the simulator interface of ``run_chunked``.

    ``network``: a ``BalancedNetwork`` (default: generated from ``params``). ``v0``: initial
    voltages (default uniform in [V_reset, V_T]). ``external``: fixed external spikes
    ``(steps, x_neurons)`` replacing the generated X layer (used to replay the reference's input).
    ``records_dir``: where each ``advance`` writes its record rows (``simulate_balanced`` uses the
    run's parts folder); None keeps them in memory (``records()``).
    """

    def __init__(self, params: BalancedParams, network=None, *, v0=None, external=None,
                 records_dir=None):  # fmt: skip
        p = params
        self.params = p
        net = network if network is not None else generate_balanced_network(p)
        if (net.n_exc, net.n_inh) != (p.n_exc, p.n_inh):
            raise ValueError(
                f"network has {net.n_exc} E / {net.n_inh} I neurons, params give "
                f"{p.n_exc} / {p.n_inh} (n={p.n}, frac_exc={p.frac_exc})"
            )
        self.network = net
        n = net.n_total
        self.mid = net.mid()
        self.masks = net.connection_masks()
        self.plastic, self.coef = rule_coefficients(p)
        if self.plastic.any():
            in_ptr, in_mid, in_syn, in_pre = incoming_index(net.indptr, net.post, net.n_exc)
        else:
            in_ptr, in_mid = np.zeros(n + 1, np.int64), np.zeros(n, np.int64)
            in_syn, in_pre = np.zeros(0, np.int64), np.zeros(0, np.int32)
        # unsigned index arrays for the kernel (see kernel: no wraparound code); synapse indices
        # in 32 bits when they fit (less memory traffic in the postsynaptic updates)
        syn_type = np.uint32 if net.n_synapses < 2**32 else np.uint64
        self.incoming = (in_ptr, in_mid, in_syn.astype(syn_type), in_pre.view(np.uint32))
        self.consts = kernel_constants(p)
        decays = decay_factors(p)
        self.frame = frame_length(decays)
        self.frame_g, self.frame_ginv = frame_tables(decays, self.frame)
        self.x_kick = net.x_weight / p.tau_x_ms
        self.x_mid = first_inh_target(net.x_indptr, net.x_post, net.n_exc)
        self.uniform = _uniform_weights(net, self.masks, self.plastic, self.x_kick)
        # √N·j_stim from stim_start_ms on; the package builds Istim = 0 and then sets
        # Istim[t > T/2] = 0, so its jestim/jistim never act
        self.stim_start_step = int(round(p.stim_start_ms / p.dt_ms))
        self.rec_neurons, self.rec_syn, self.rec_syn_ptr = _sample_records(p, net, self.masks)
        # only the sampled synapses of plastic connections are read every step; the others
        # keep their initial weight, which is their bin mean
        kinds = np.repeat(np.arange(len(CONNECTIONS)), np.diff(self.rec_syn_ptr))
        self.rec_moving = self.plastic[kinds].astype(bool)
        self.rec_syn_moving = self.rec_syn[self.rec_moving]
        self.rec_every = p.record_every_steps
        self.window_steps = max(1, int(round(p.rate_window_ms / p.dt_ms)))
        self.max_window_spikes = p.max_rate_hz * n * self.window_steps * p.dt_ms / 1000.0
        self.records_dir = Path(records_dir) if records_dir is not None else None
        self._memory_records = []
        self.step = 0
        self.stop_reason = ""  # set when the run ended early (on_explosion="stop")
        # external layer
        self.external = None
        if external is not None:
            steps = np.asarray(external[0], dtype=np.int64)
            neurons = np.asarray(external[1], dtype=np.int32)
            order = np.lexsort((neurons, steps))
            self.external = (steps[order], neurons[order])
            if len(steps) and (neurons.min() < 0 or neurons.max() >= net.n_ext):
                raise ValueError(f"external neurons must lie in [0, {net.n_ext})")
        rate_per_ms = p.rate_x_hz / 1000.0
        self.correlated = (
            self.external is None and p.c_x >= UNCORRELATED_BELOW and rate_per_ms > 0
            and net.n_ext > 0
        )  # fmt: skip
        self.x_cdf = rng.poisson_inverse_table(net.n_ext * rate_per_ms * p.dt_ms)
        # the stimulation layer: independent Poisson neurons in [opto_start, opto_stop)
        self.opto_steps = (int(round(p.opto_start_s * 1000.0 / p.dt_ms)),
                           int(round(p.opto_stop_s * 1000.0 / p.dt_ms)))  # fmt: skip
        self.opto_cdf = rng.poisson_inverse_table(net.n_opto * p.opto_rate_hz / 1000.0 * p.dt_ms)
        # dynamic state
        init = np.random.default_rng([p.seed, _SALT_INITIAL])
        if v0 is None:
            v0 = p.v_re_mV + init.random(n) * (p.v_t_mV - p.v_re_mV)
        v0 = np.array(v0, dtype=np.float64)
        if v0.shape != (n,):
            raise ValueError(f"v0 must have shape ({n},), got {v0.shape}")
        word = rng.single_stream(p.seed, _SALT_EXTERNAL)
        t_next = np.array([np.inf])
        if self.correlated:
            t_next[0] = first_mother_spike(word, rate_per_ms / p.c_x)
        self.state = {
            "v": v0,
            # currents and traces in decaying frames (kernel.run_balanced): see true_state()
            "s_e": np.zeros(n),
            "s_i": np.zeros(n),
            "s_x": np.zeros(n),
            "s_trace": np.zeros(n),
            "weight": net.weight.copy(),
            "rec_acc": np.zeros((4, len(self.rec_neurons))),
            "rec_acc_w": np.zeros(len(self.rec_syn_moving)),
            "window_counts": np.zeros(2, dtype=np.int64),
            "x_word": word,
            "x_t_next": t_next,
            "x_pending_step": np.zeros(0, dtype=np.int64),
            "x_pending_neuron": np.zeros(0, dtype=np.int32),
            "opto_word": rng.single_stream(p.seed, _SALT_OPTO),
        }

    # external input ------------------------------------------------------------------------
    def external_events(self, begin, end):
        """X spikes of steps [begin, end) as (ev_ptr, ev_neuron): the neurons of step n are
        ``ev_neuron[ev_ptr[n − begin]:ev_ptr[n − begin + 1]]`` (a fixed order). Advances the input
        stream: ``advance`` calls it once per chunk, consecutively; call it directly only on a
        simulator used for nothing else (input statistics)."""
        p, st = self.params, self.state
        n_ext = self.network.n_ext
        span = end - begin
        mean = n_ext * p.rate_x_hz / 1000.0 * p.dt_ms * span
        if self.external is not None:
            steps, neurons = self.external
            lo, hi = np.searchsorted(steps, [begin, end])
            steps, neurons = steps[lo:hi], neurons[lo:hi]
        elif not self.correlated:
            if n_ext == 0 or mean == 0:
                steps, neurons = np.zeros(0, np.int64), np.zeros(0, np.int32)
            else:

                def attempt(capacity):
                    out_s = np.empty(capacity, np.int64)
                    out_n = np.empty(capacity, np.int32)
                    m = external_uncorrelated(
                        begin, end, n_ext, self.x_cdf, st["x_word"], out_s, out_n
                    )
                    return None if m < 0 else (out_s[:m], out_n[:m])

                steps, neurons = _growing(attempt, mean + 10 * np.sqrt(mean) + 64)
        else:
            t_end = p.n_steps * p.dt_ms

            def attempt(capacity):
                out_s = np.empty(capacity, np.int64)
                out_n = np.empty(capacity, np.int32)
                m = external_correlated(
                    end, p.dt_ms, t_end, LOOKAHEAD_SD * p.tau_jitter_ms,
                    p.rate_x_hz / 1000.0 / p.c_x, p.c_x, n_ext, p.tau_jitter_ms,
                    st["x_word"], st["x_t_next"], out_s, out_n, rng.ZIG_X, rng.ZIG_RATIO,
                )  # fmt: skip
                return None if m < 0 else (out_s[:m], out_n[:m])

            new_s, new_n = _growing(attempt, 1.5 * mean + 2 * n_ext + 1024)
            all_s = np.concatenate([st["x_pending_step"], new_s])
            all_n = np.concatenate([st["x_pending_neuron"], new_n])
            due = all_s < end
            st["x_pending_step"], st["x_pending_neuron"] = all_s[~due], all_n[~due]
            steps, neurons = all_s[due], all_n[due]
            order = np.lexsort((neurons, steps))
            steps, neurons = steps[order], neurons[order]
        steps, neurons = self._with_opto_events(begin, end, steps, neurons)
        ev_ptr = np.searchsorted(steps, np.arange(begin, end + 1)).astype(np.int64)
        return ev_ptr, np.ascontiguousarray(neurons, dtype=np.int32)

    def _with_opto_events(self, begin, end, steps, neurons):
        """The X events of [begin, end) merged with the stimulation layer's (neurons
        n_ext … n_ext + n_opto − 1, independent Poisson at opto_rate_hz in the window only):
        ordered by step, within a step X's events in their order, then the layer's."""
        lo, hi = max(begin, self.opto_steps[0]), min(end, self.opto_steps[1])
        n_opto = self.network.n_opto
        if n_opto == 0 or hi <= lo:
            return steps, neurons
        mean = n_opto * self.params.opto_rate_hz / 1000.0 * self.params.dt_ms * (hi - lo)

        def attempt(capacity):
            out_s = np.empty(capacity, np.int64)
            out_n = np.empty(capacity, np.int32)
            m = external_uncorrelated(lo, hi, n_opto, self.opto_cdf, self.state["opto_word"],
                                      out_s, out_n)  # fmt: skip
            return None if m < 0 else (out_s[:m], out_n[:m])

        o_steps, o_neurons = _growing(attempt, mean + 10 * np.sqrt(mean) + 64)
        steps = np.concatenate([np.asarray(steps, np.int64), o_steps])
        neurons = np.concatenate([np.asarray(neurons, np.int32),
                                  o_neurons + np.int32(self.network.n_ext)])  # fmt: skip
        order = np.argsort(steps, kind="stable")
        return steps[order], neurons[order]

    # run_chunked interface ----------------------------------------------------------------
    def advance(self, step_end, state_every=0):
        """Simulate steps ``self.step`` … ``step_end − 1``.

        Returns (spike neurons, spike steps, E spikes, I spikes, empty, empty) as
        ``run_chunked`` expects; the balanced network records its own currents (``state_every``
        must be 0). When a rate window exceeds ``max_rate_hz`` it raises
        ``RateExplosionError`` (``on_explosion="error"``) or ends at that window's last step and
        sets ``stop_reason`` (``"stop"``; ``run_chunked`` then ends the run there).
        """
        if state_every:
            raise ValueError("the balanced simulator records currents itself; use state_every=0")
        st, net = self.state, self.network
        n = net.n_total
        begin = self.step
        ev_ptr, ev_neuron = self.external_events(begin, step_end)
        rows = step_end // self.rec_every - begin // self.rec_every
        rec_out = np.empty((rows, 4, len(self.rec_neurons)))
        rec_out_w = np.empty((rows, len(self.rec_syn_moving)))
        row = 0
        capacity = max(4 * n, min(2**22, int((step_end - begin) * n * 0.003) + 2 * n))
        spike_neuron = np.empty(capacity, dtype=np.int32)
        spike_step = np.empty(capacity, dtype=np.int64)
        neurons, steps = [], []
        n_e_total = n_i_total = 0
        status = 0
        while self.step < step_end:
            self.step, n_rec, n_e, n_i, row, status = run_balanced(
                self.step, step_end, net.n_exc, self.consts, self.frame_g, self.frame_ginv,
                net.indptr, self.mid, net.post.view(np.uint32), st["weight"], *self.incoming,
                net.x_indptr, self.x_mid, net.x_post.view(np.uint32), self.x_kick, self.uniform,
                ev_ptr,
                ev_neuron.view(np.uint32), begin, self.plastic, self.coef,
                self.stim_start_step, st["v"], st["s_e"], st["s_i"], st["s_x"], st["s_trace"],
                spike_neuron, spike_step,
                0, self.rec_every, self.rec_neurons.view(np.uint64),
                self.rec_syn_moving.view(np.uint64),
                st["rec_acc"],
                st["rec_acc_w"], rec_out, rec_out_w, row, self.window_steps,
                st["window_counts"], self.max_window_spikes,
            )  # fmt: skip
            neurons.append(spike_neuron[:n_rec].copy())
            steps.append(spike_step[:n_rec].copy())
            n_e_total += n_e
            n_i_total += n_i
            if status:
                break
        if status:
            message = self._explosion_message()
            if self.params.on_explosion == "error":
                raise RateExplosionError(
                    f"{message} Output up to {begin * self.params.dt_ms / 1000.0:.3f} s is kept "
                    "(checkpoint and segments)."
                )
            self.stop_reason = message
        self._store_records(begin, self.step, rec_out[:row], rec_out_w[:row])
        empty = np.zeros((0, n), dtype=np.float32)
        return (
            np.concatenate(neurons) if neurons else np.zeros(0, np.int32),
            np.concatenate(steps) if steps else np.zeros(0, np.int64),
            n_e_total,
            n_i_total,
            empty,
            empty,
        )

    def _explosion_message(self):
        p, net = self.params, self.network
        counts = self.state["window_counts"]
        window_s = self.window_steps * p.dt_ms / 1000.0
        t1 = self.step * p.dt_ms / 1000.0
        rate = counts.sum() / (net.n_total * window_s)
        rate_e = counts[0] / (net.n_exc * window_s)
        rate_i = counts[1] / (net.n_inh * window_s)
        return (
            f"population rate {rate:.1f} Hz (E {rate_e:.1f} Hz, I {rate_i:.1f} Hz) over "
            f"{t1 - window_s:.3f}–{t1:.3f} s exceeds max_rate_hz={p.max_rate_hz}: the network's "
            f"activity exploded and the run was stopped."
        )

    def dynamic(self):
        """Every array that changes during a run (what a checkpoint saves); currents and traces
        are frame-relative (``true_state`` gives their values)."""
        return dict(self.state)

    def true_state(self):
        """V, I_e, I_i, I_x and the traces x after the last simulated step.

        ``trace`` is x before that step's closing decay (the kernel applies it at the start of
        the next step): the reference's x at that time is ``trace · (1 − dt/τ_STDP)``."""
        st = self.state
        g = self.frame_g[:, self.step % self.frame]
        return {
            "v": st["v"].copy(),
            "i_e": st["s_e"] * g[0],
            "i_i": st["s_i"] * g[1],
            "i_x": st["s_x"] * g[2],
            "trace": st["s_trace"] * g[3],
            "weight": st["weight"].copy(),
        }

    def load_dynamic(self, arrays):
        """Restore the arrays of ``dynamic``; drop record files from after ``self.step``."""
        self.state = {name: np.asarray(arrays[name]) for name in self.state}
        for name in ("x_pending_step", "x_pending_neuron"):
            self.state[name] = np.atleast_1d(self.state[name])
        if self.records_dir is not None and self.records_dir.exists():
            for path in self.records_dir.glob(f"{RECORD_PREFIX}*.h5"):
                if int(path.stem[len(RECORD_PREFIX) :]) >= self.step:
                    path.unlink()

    # records -----------------------------------------------------------------------------
    def _store_records(self, begin, end, rows_n, rows_moving):
        rows_w = np.empty((len(rows_moving), len(self.rec_syn)))
        rows_w[:, self.rec_moving] = rows_moving
        rows_w[:, ~self.rec_moving] = self.network.weight[self.rec_syn[~self.rec_moving]]
        first_row = begin // self.rec_every
        if self.records_dir is None:
            self._memory_records.append((first_row, rows_n, rows_w))
            return
        path = self.records_dir / f"{RECORD_PREFIX}{begin:013d}.h5"
        with atomic_h5(path, BALANCED_RECORDS) as f:
            set_attrs(f, step_begin=begin, step_end=end, first_row=first_row)
            # files hold float32 (means of float64 sums); in-memory records stay float64
            create_dataset(f, "neurons", data=rows_n.astype(np.float32))
            create_dataset(f, "weights", data=rows_w.astype(np.float32))

    def _gather_rows(self):
        if self.records_dir is None:
            parts = sorted(self._memory_records, key=lambda t: t[0])
        else:
            parts = []
            for path in sorted(self.records_dir.glob(f"{RECORD_PREFIX}*.h5")):
                with open_checked(
                    path, BALANCED_RECORDS, ("neurons", "weights"), ("first_row",)
                ) as f:
                    parts.append(
                        (int(f.attrs["first_row"]), read(f["neurons"]), read(f["weights"]))
                    )
        n_rec, n_w = len(self.rec_neurons), len(self.rec_syn)
        dtype = np.float64 if self.records_dir is None else np.float32
        rows_n = [x[1] for x in parts] or [np.zeros((0, 4, n_rec), dtype)]
        rows_w = [x[2] for x in parts] or [np.zeros((0, n_w), dtype)]
        return np.concatenate(rows_n), np.concatenate(rows_w)

    def records(self):
        """Binned records so far: dict of name → array (names as in the output file, without
        the ``balanced/records/`` prefix). Currents and V: (bins, sampled neurons); weights in
        the paper's units j = J·√N: (bins, sampled synapses) per connection type."""
        p, net = self.params, self.network
        rows_n, rows_w = self._gather_rows()
        n_rows = rows_n.shape[0]
        out = {
            "time_ms": (np.arange(n_rows) + 1) * self.rec_every * p.dt_ms,
            "neurons": self.rec_neurons,
            "i_e": rows_n[:, 0, :],
            "i_i": rows_n[:, 1, :],
            "i_x": rows_n[:, 2, :],
            "v": rows_n[:, 3, :],
        }
        pre = net.presynaptic()
        for c, name in enumerate(CONNECTIONS):
            a, b = self.rec_syn_ptr[c], self.rec_syn_ptr[c + 1]
            syn = self.rec_syn[a:b]
            out[f"weight_{name}"] = rows_w[:, a:b] * rows_w.dtype.type(p.sqrt_n)
            out[f"synapse_{name}"] = np.stack([net.post[syn], pre[syn]], axis=1).astype(np.int32)
        return out

    def mean_weights(self):
        """Current mean weight per connection type in the paper's units (j = J·√N)."""
        w = self.state["weight"]
        return {
            name: float(w[mask].mean() * self.params.sqrt_n) if mask.any() else float("nan")
            for name, mask in self.masks.items()
        }


def signature(params: BalancedParams, network=None, v0=None, external=None):
    """Hash of everything that determines a run's output (not the chunk length)."""
    h = hashlib.sha256()
    settings = {k: v for k, v in params.to_dict().items() if k != "chunk_s"}
    h.update(json.dumps(settings, sort_keys=True, default=str).encode())
    arrays = []
    if network is not None:
        arrays += [network.indptr, network.post, network.weight, network.x_indptr,
                   network.x_post, network.x_weight]  # fmt: skip
    if v0 is not None:
        arrays.append(np.asarray(v0, dtype=np.float64))
    if external is not None:
        arrays += [np.asarray(external[0], np.int64), np.asarray(external[1], np.int32)]
    for arr in arrays:
        h.update(np.ascontiguousarray(arr).tobytes())
        h.update(b"|")
    return h.hexdigest()


def simulate_balanced(
    params: BalancedParams,
    output_path,
    *,
    network: BalancedNetwork | None = None,
    v0=None,
    external=None,
    stage="",
    progress=True,
    stop_after_chunks=None,
):
    """Simulate ``params.duration_s`` and write the spike file ``output_path``.

    The file (kind ``eiplast.spikes``) also holds ``balanced/records/*`` (binned currents and V
    of sampled neurons, sampled weights per connection type) and, with ``params.save_weights``,
    the final weights ``balanced/final/*``; see docs/balanced.md. ``network``, ``v0`` and
    ``external`` override the generated connectivity, initial voltages and X input (tests,
    replay of the reference's). A checkpoint beside the output makes a killed run resume
    bit-identically; ``stop_after_chunks`` stops early (returns None) to emulate that.
    Returns a dict of summary figures (mean rates, final mean weights, wall time).
    """
    p = params
    output_path = Path(output_path)
    parts_dir = output_path.with_name(output_path.name + ".parts")
    sim = BalancedSimulator(p, network, v0=v0, external=external, records_dir=parts_dir)
    sig = signature(p, network, v0, external)
    attrs = {
        "n_exc": p.n_exc,
        "n_inh": p.n_inh,
        "n_ext": sim.network.n_ext,
        "dt_ms": p.dt_ms,
        "seed": p.seed,
        "stage": stage,
        "signature": sig,
        "model": "balanced",
        "balanced_params": json.dumps(p.to_dict(), sort_keys=True),
    }

    def finish():
        extra = {}
        for name, data in sim.records().items():
            extra[f"balanced/records/{name}"] = data
        if p.save_weights:
            extra["balanced/final/indptr"] = sim.network.indptr
            extra["balanced/final/post"] = sim.network.post
            extra["balanced/final/weight"] = sim.state["weight"]
        return extra

    chunk_steps = max(1, int(round(p.chunk_s * 1000.0 / p.dt_ms)))
    plan = RunPlan(p.n_steps, chunk_steps, p.n_exc, p.n_inh, p.dt_ms)
    result = run_chunked(sim, plan, output_path, signature=sig, attrs=attrs,
                         stage=stage or "balanced", progress=progress,
                         stop_after_chunks=stop_after_chunks, on_finish=finish)  # fmt: skip
    if result is None:
        return None
    duration_s = sim.step * p.dt_ms / 1000.0  # before duration_s when the run was stopped
    return {
        "rate_exc_hz": result.exc_spikes / (p.n_exc * duration_s),
        "rate_inh_hz": result.inh_spikes / (p.n_inh * duration_s),
        "mean_weights": sim.mean_weights(),
        "wall_s": result.wall_s,
        "simulated_s": duration_s,
        "stop_reason": sim.stop_reason,
    }


def run_balanced_stage(config, output, *, stage="", progress=True):
    """Workflow entry point: a plain config dict (``BalancedParams`` fields) in, the spike file
    ``output`` out (every parameter validated before any work). Returns the summary dict of
    ``simulate_balanced``."""
    return simulate_balanced(
        BalancedParams.from_dict(config), output, stage=stage, progress=progress
    )
