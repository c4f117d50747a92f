"""Step kernel of the plastic balanced network (docs/model-description.md Part B) and its input
generators.

One step ``n`` covers the reference's time ``(n+1)·dt`` (``total_time[n]``) and follows the order
of ``PlasticNeuralNetwork.simulate``:

1. external spikes due in this step: ``I_x += J_x/τ_x`` (X spike at time t is due in the step
   with ``n·dt < t ≤ (n+1)·dt``, as the reference's ``sx[0] <= total_time[i]``);
2. forward Euler for every neuron, ``V += dt/C (I_stim + I_e + I_i + I_x + g_L(E_L − V)
   + g_L Δ_T exp((V − V_T)/Δ_T))``; a neuron spikes when ``V ≥ V_th``; no refractory period
   (the reference has none);
3. each spike of a neuron adds J/τ_e (E source) or J/τ_i (I source) to its targets' current
   with the weights *before* this step's plasticity; then the presynaptic-spike rules update the
   spiking neuron's outgoing synapses, reading the targets' traces x;
4. postsynaptic-spike rules update the incoming synapses of every spiking neuron (after all
   presynaptic updates, so a synapse whose two ends both spiked gets pre then post);
5. x += 1 for spikers, then currents and traces decay by forward Euler,
   ``I ← I (1 − dt/τ)``, ``x ← x (1 − dt/τ_STDP)``; records see V = V_th for spikers, then
   V ← V_reset.

Rearrangements, exact in real arithmetic, that let the neuron pass run as one vectorised loop
(measured equal to the reference spike for spike, tests/test_balanced_reference.py):

* decaying frames — every current and trace decays by the same factor d in every neuron, so it
  is stored as s with true value s·d^m within frames of L steps (``run_balanced``); the decay
  of a step is a change of phase, the pass only loads the currents, a recurrent spike adds
  ``J (1 − dt/τ)/τ`` divided by the phase (the reference adds J/τ, then decays);
* the trace decay that closes step n is the phase change at the start of step n + 1, so the
  stored traces hold x *before* the last step's decay (``BalancedSimulator.true_state``);
* ``exp`` is a polynomial (``exp_eif``, relative error < 1.3e-14 near threshold), because
  libm's does not vectorise; fused multiply-adds are allowed (``fastmath={"contract"}``).

Plasticity (per connection type c = ee, ie, ei, ii; target population first) in one generic
form with per-type coefficients (``rule_coefficients`` in ``simulate``)::

    presynaptic spike of k onto q:  w ← w + a_pre·x_q + m_pre·(x_q − α)·w        if σw > w_low
    postsynaptic spike of q from k: w ← w + a_post·x_k + s_post·x_k² + m_post·x_k·w + d_post·w
                                                                          if w_low < σw < w_high

Adding the zero terms is exact, so each rule's arithmetic is that of its own formula; the gates
(w_low = −∞, w_high = +∞ for every rule but the hard-bound Hebbian and the "triplet" rule of the
package's MATLAB scripts) hold a weight where its rule's indicator factors are 0. They compare
the strength σw (σ = +1 for E sources, −1 for I sources), so bounds are magnitudes on every
connection; σw with σ = +1 is w exactly.
"""

import math

import numpy as np
from numba import njit

from eiplast.engine import rng
from eiplast.engine._numba import prefetch_write as _prefetch

# Prefetch use: the kernel asks for the rows (targets, weights) of the next spiker before
# scattering the current one, and for the targets of the next step's external spikes after the
# neuron pass. Prefetching the scattered weights of the postsynaptic updates (ahead in the loop
# or before the scatter) measured slower: the out-of-order core already overlaps those
# independent loads, and the extra requests crowd out the scatter's own.


# consts layout (built by simulate.kernel_constants)
C_DT_OVER_C = 0
C_G_L = 1
C_E_L = 2
C_V_T = 3
C_INV_DELTA_T = 4
C_G_L_DELTA_T = 5
C_V_TH = 6
C_V_RE = 7
C_KICK_E = 8
C_KICK_I = 9
C_STIM_E = 10
C_STIM_I = 11
N_CONSTS = 12

# rows of the frame tables (decay factor powers, see ``frame_tables``)
F_E = 0
F_I = 1
F_X = 2
F_TRACE = 3

# coefficient columns of the generic plasticity rule
R_PRE_ADD = 0
R_PRE_MUL = 1
R_ALPHA = 2
R_POST_ADD = 3
R_POST_MUL = 4
R_POST_DECAY = 5
R_POST_SQUARE = 6
R_LOW = 7
R_HIGH = 8
R_SIGN = 9
N_RULE_COEFS = 10

EXP_FLOOR = -40.0
_FAST = {"contract"}  # fused multiply-add only: no reassociation, no NaN/inf assumptions


@njit(cache=True, inline="always")
def exp_eif(y):
    """exp(max(y, −40)) as (Taylor₁₀(y/64))⁶⁴, with no libm call so the loop vectorises.

    Relative error below 1.3e-14 for |y| ≤ 8 (the EIF's range near threshold: y ≤ (V_th −
    V_T)/Δ_T = 5 by default), absolute error below 3e-18 for y < −8 (where the EIF term
    g_L Δ_T e^y is negligible); below −40 the term (< 3e-19 mV/ms) is that of −40. Every
    coefficient is a constant factor: a division (``z / 3628800``) does not pipeline and cost
    the neuron pass ≈ 15 % (same values: the last term is below the rounding of the sum)."""
    z = max(y, EXP_FLOOR) * 0.015625
    p = 1.0 + z * (1.0 + z * (0.5 + z * (1.0 / 6.0 + z * (1.0 / 24.0 + z * (1.0 / 120.0 + z * (
        1.0 / 720.0 + z * (1.0 / 5040.0 + z * (1.0 / 40320.0 + z * (
            1.0 / 362880.0 + z * (1.0 / 3628800.0))))))))))  # fmt: skip
    p = p * p
    p = p * p
    p = p * p
    p = p * p
    p = p * p
    return p * p


def frame_length(decays, cap=1024):
    """Steps per frame: at most ``cap``, and short enough that no decay factor's power
    underflows (d**L > 1e-250). The frame length changes how values round, so the logarithm is
    the C library's (``math.log``), the same on every CPU (``eiplast/libm.py``)."""
    worst = min(decays)
    if not 0.0 < worst < 1.0:
        raise ValueError(f"decay factors must lie in (0, 1), got {decays}")
    return int(max(1, min(cap, 575.0 // -math.log(worst))))


def frame_tables(decays, length):
    """(powers, inverse powers), each (len(decays), length + 1): row r holds d_r**m,
    m = 0 … length, computed by repeated multiplication (the same values in every run)."""
    g = np.ones((len(decays), length + 1))
    for m in range(1, length + 1):
        g[:, m] = g[:, m - 1] * np.asarray(decays)
    return g, 1.0 / g


@njit(cache=True, inline="always", fastmath=_FAST)
def pre_rule(w, x_post, a_pre, m_pre, alpha):
    return w + a_pre * x_post + m_pre * (x_post - alpha) * w


@njit(cache=True, inline="always", fastmath=_FAST)
def post_rule(w, x_pre, a_post, m_post, d_post, s_post):
    return w + a_post * x_pre + s_post * x_pre * x_pre + m_post * x_pre * w + d_post * w


# Index arrays reach the kernel as unsigned views (uint32 / uint64) and loops run over slices
# from 0: numba then emits no negative-index wraparound, which otherwise blocks vectorisation of
# the neuron pass (4× slower) and costs ~30 % in the scatter loops.


@njit(cache=True, inline="always", fastmath=_FAST)
def _scatter_pre(s0, s1, post, weight, target, kick, trace, x_scale, plastic, coef, c, uniform):
    """Spike of one neuron onto its block-c targets ``post[s0:s1]``; presynaptic rule if c is
    plastic. A static block whose synapses all have one weight (``uniform[c]``, NaN otherwise)
    adds that weight without reading the weight array (a third of the memory traffic)."""
    targets = post[s0:s1]
    if plastic[c]:
        weights = weight[s0:s1]
        a_pre = coef[c, R_PRE_ADD]
        m_pre = coef[c, R_PRE_MUL]
        alpha = coef[c, R_ALPHA]
        low = coef[c, R_LOW]
        sign = coef[c, R_SIGN]
        for j in range(targets.shape[0]):
            q = targets[j]
            w = weights[j]
            target[q] += w * kick
            updated = pre_rule(w, trace[q] * x_scale, a_pre, m_pre, alpha)
            weights[j] = updated if sign * w > low else w
    elif uniform[c] == uniform[c]:
        add = uniform[c] * kick
        for j in range(targets.shape[0]):
            target[targets[j]] += add
    else:
        weights = weight[s0:s1]
        for j in range(targets.shape[0]):
            target[targets[j]] += weights[j] * kick


@njit(cache=True, inline="always")
def _presynaptic(k, n_exc, indptr, mid, post, weight, s_e, s_i, kick_e, kick_i, trace, x_scale,
                 plastic, coef, uniform):  # fmt: skip
    """Spike of neuron k: input to its E targets (block ee or ei) and I targets (ie or ii), each
    followed by that block's presynaptic rule. E = index < n_exc everywhere: the package tests
    ``Ispike <= Ne`` (and ``> Ne`` for I postsynaptic rules), so its neuron Ne, the first I
    neuron, feeds I_e with τ_e and gets the EE/IE presynaptic rules on its I→E/I→I synapses.
    Not reproduced."""
    if k < n_exc:
        target, kick, c = s_e, kick_e, 0
    else:
        target, kick, c = s_i, kick_i, 2
    sm = mid[k]
    _scatter_pre(indptr[k], sm, post, weight, target, kick, trace, x_scale, plastic, coef, c,
                 uniform)  # fmt: skip
    _scatter_pre(sm, indptr[k + 1], post, weight, target, kick, trace, x_scale, plastic, coef,
                 c + 1, uniform)  # fmt: skip


@njit(cache=True, inline="always", fastmath=_FAST)
def _post_updates(b0, b1, in_syn, in_pre, weight, trace, x_scale, coef, c):
    """Postsynaptic rule of block c on the incoming synapses ``in_syn[b0:b1]``."""
    a_post = coef[c, R_POST_ADD]
    m_post = coef[c, R_POST_MUL]
    d_post = coef[c, R_POST_DECAY]
    s_post = coef[c, R_POST_SQUARE]
    low = coef[c, R_LOW]
    high = coef[c, R_HIGH]
    sign = coef[c, R_SIGN]
    syn = in_syn[b0:b1]
    pre = in_pre[b0:b1]
    for j in range(syn.shape[0]):
        s = syn[j]
        w = weight[s]
        updated = post_rule(w, trace[pre[j]] * x_scale, a_post, m_post, d_post, s_post)
        weight[s] = updated if low < sign * w < high else w


@njit(cache=True, inline="always")
def _postsynaptic(q, n_exc, in_ptr, in_mid, in_syn, in_pre, weight, trace, x_scale, plastic,
                  coef):  # fmt: skip
    """Spike of neuron q: the postsynaptic rules of its plastic incoming blocks, from E sources
    (ee onto an E neuron, ie onto an I neuron) then from I sources (ei, ii)."""
    c = 0 if q < n_exc else 1
    if plastic[c]:
        _post_updates(in_ptr[q], in_mid[q], in_syn, in_pre, weight, trace, x_scale, coef, c)
    if plastic[c + 2]:
        _post_updates(in_mid[q], in_ptr[q + 1], in_syn, in_pre, weight, trace, x_scale, coef,
                      c + 2)  # fmt: skip


@njit(cache=True, inline="always")
def _prefetch_outgoing(k, n_exc, indptr, mid, post, weight, plastic, uniform):
    """Ask for neuron k's targets (and the weights its scatter reads) ahead of ``_presynaptic``:
    one request per cache line (16 indices, 8 weights)."""
    c = 0 if k < n_exc else 2
    s0, sm, s1 = indptr[k], mid[k], indptr[k + 1]
    for j in range(s0, s1, 16):
        _prefetch(post, j)
    for b, lo, hi in ((c, s0, sm), (c + 1, sm, s1)):
        if plastic[b] or uniform[b] != uniform[b]:
            for j in range(lo, hi, 8):
                _prefetch(weight, j)


@njit(cache=True, inline="always")
def _prefetch_external(k, x_indptr, x_post):
    """Ask for the targets of X neuron k (delivered in the next step)."""
    for j in range(x_indptr[k], x_indptr[k + 1], 16):
        _prefetch(x_post, j)


@njit(cache=True, inline="always", fastmath=_FAST)
def _euler_pass(stim, g_e, g_i, g_x, consts, v, s_e, s_i, s_x, crossed):
    """One population (arrays are its slices)."""
    dt_over_c = consts[C_DT_OVER_C]
    g_l = consts[C_G_L]
    e_l = consts[C_E_L]
    v_t = consts[C_V_T]
    inv_delta_t = consts[C_INV_DELTA_T]
    g_l_delta_t = consts[C_G_L_DELTA_T]
    v_th = consts[C_V_TH]
    for i in range(v.shape[0]):
        v_old = v[i]
        drive = stim + s_e[i] * g_e + s_i[i] * g_i + s_x[i] * g_x
        spike_term = g_l_delta_t * exp_eif((v_old - v_t) * inv_delta_t)
        v_new = v_old + dt_over_c * (drive + g_l * (e_l - v_old) + spike_term)
        v[i] = v_new
        crossed[i] = np.uint8(v_new >= v_th)


@njit(cache=True, error_model="numpy", fastmath=_FAST)
def run_balanced(
    step_begin,
    step_end,
    n_exc,
    consts,
    frame_g,
    frame_ginv,
    indptr,
    mid,
    post,
    weight,
    in_ptr,
    in_mid,
    in_syn,
    in_pre,
    x_indptr,
    x_mid,
    x_post,
    x_kick,
    uniform,
    ev_ptr,
    ev_neuron,
    ev_step0,
    plastic,
    coef,
    stim_start_step,
    v,
    s_e,
    s_i,
    s_x,
    s_trace,
    spike_neuron,
    spike_step,
    n_recorded,
    rec_every,
    rec_neurons,
    rec_syn,
    rec_acc,
    rec_acc_w,
    rec_out,
    rec_out_w,
    row,
    window_steps,
    window_counts,
    max_window_spikes,
):
    """Advance steps ``step_begin`` … ``step_end − 1``; stop early if the spike buffers fill.

    Decaying frames: the currents and traces decay by the same factor in every neuron, so they
    are stored as ``s`` with true value ``s · d^m`` (m = n mod L, L = ``frame_g.shape[1] − 1``,
    the phase after step n's decay being m + 1); additions are divided by ``d^(m+1)``, and at
    the end of every step n with (n+1) a multiple of L all ``s`` are multiplied by ``d^L`` (then
    ``s`` equals the true value). Exact in real arithmetic; the neuron pass then loads the
    currents without storing them. Frame boundaries are absolute steps, so results do not
    depend on how a run is split into calls. ``frame_g``/``frame_ginv``: ``frame_tables``.

    External events of step n are ``ev_neuron[ev_ptr[n − ev_step0]:ev_ptr[n − ev_step0 + 1]]``;
    ``x_mid[k]`` is X neuron k's first synapse onto an I neuron, ``x_kick`` = J_x/τ_x.
    ``uniform`` (6,): the common weight of each static block ee, ie, ei, ii, or J_x/τ_x of ex,
    ix, when all its synapses share it (NaN otherwise); such blocks skip the weight array.
    ``plastic[c]`` (int, c = ee, ie, ei, ii) switches the rule with coefficients ``coef[c]``.
    Records: every step adds the true I_e, I_i, I_x, V of ``rec_neurons`` to ``rec_acc`` (4,
    n_rec) and the weights ``weight[rec_syn]`` to ``rec_acc_w``; after each step n with (n+1) a
    multiple of ``rec_every`` their mean is written to row ``row`` of ``rec_out``/``rec_out_w``.
    Rate guard: E and I spikes are counted in ``window_counts`` over windows of
    ``window_steps`` steps (aligned on multiples); a window with more than
    ``max_window_spikes`` spikes stops the run with status 1 (its counts left in place).

    Returns (next step, spikes recorded, E spikes, I spikes, next record row, status).
    """
    v_th = consts[C_V_TH]
    v_re = consts[C_V_RE]
    kick_e = consts[C_KICK_E]
    kick_i = consts[C_KICK_I]
    stim_e = consts[C_STIM_E]
    stim_i = consts[C_STIM_I]
    frame = frame_g.shape[1] - 1

    n_total = v.shape[0]
    n_rec = rec_neurons.shape[0]
    n_rec_w = rec_syn.shape[0]
    capacity = spike_neuron.shape[0]
    n_words = (n_total + 7) // 8
    crossed = np.zeros(8 * n_words, dtype=np.uint8)
    crossed_words = crossed.view(np.uint64)
    spikers = np.empty(n_total, dtype=np.uint32)
    any_post = plastic[0] != 0 or plastic[1] != 0 or plastic[2] != 0 or plastic[3] != 0
    n_exc_spikes = 0
    n_inh_spikes = 0
    status = 0
    n = step_begin
    while n < step_end:
        if capacity - n_recorded < n_total:
            break
        m = n % frame
        ge0 = frame_g[F_E, m]
        gi0 = frame_g[F_I, m]
        gx0 = frame_g[F_X, m]
        ge1 = frame_g[F_E, m + 1]
        gi1 = frame_g[F_I, m + 1]
        gx1 = frame_g[F_X, m + 1]
        x_scale = frame_g[F_TRACE, m + 1]
        # 1. external spikes due in this step (before this step's decay: phase m)
        e = n - ev_step0
        kick_x = frame_ginv[F_X, m]
        for a in range(ev_ptr[e], ev_ptr[e + 1]):
            k = ev_neuron[a]
            for c, lo, hi in ((4, x_indptr[k], x_mid[k]), (5, x_mid[k], x_indptr[k + 1])):
                targets = x_post[lo:hi]
                if uniform[c] == uniform[c]:
                    add = uniform[c] * kick_x
                    for j in range(targets.shape[0]):
                        s_x[targets[j]] += add
                else:
                    kicks = x_kick[lo:hi]
                    for j in range(targets.shape[0]):
                        s_x[targets[j]] += kicks[j] * kick_x
        # 2. every neuron: forward Euler and threshold (vectorised; the decay is the phase)
        stim_on = 1.0 if n >= stim_start_step else 0.0
        _euler_pass(stim_on * stim_e, ge0, gi0, gx0, consts, v[:n_exc], s_e[:n_exc],
                    s_i[:n_exc], s_x[:n_exc], crossed[:n_exc])  # fmt: skip
        _euler_pass(stim_on * stim_i, ge0, gi0, gx0, consts, v[n_exc:], s_e[n_exc:],
                    s_i[n_exc:], s_x[n_exc:], crossed[n_exc:n_total])  # fmt: skip
        # the targets of the next step's external spikes are requested now (latency hidden)
        if n + 1 < step_end:
            for a in range(ev_ptr[e + 1], ev_ptr[e + 2]):
                _prefetch_external(ev_neuron[a], x_indptr, x_post)
        n_spikes = 0
        for w in range(n_words):
            if crossed_words[w] != 0:
                for i in range(8 * w, 8 * w + 8):
                    if crossed[i]:
                        spikers[n_spikes] = np.uint32(i)
                        n_spikes += 1
        # 3. recurrent input (weights before this step's plasticity) and presynaptic rules; the
        # rows of the next spiker are requested before each scatter, which hides their latency
        ke = kick_e * frame_ginv[F_E, m + 1]
        ki = kick_i * frame_ginv[F_I, m + 1]
        if n_spikes > 0:
            _prefetch_outgoing(spikers[0], n_exc, indptr, mid, post, weight, plastic, uniform)
        for a in range(n_spikes):
            k = spikers[a]
            if a + 1 < n_spikes:
                _prefetch_outgoing(spikers[a + 1], n_exc, indptr, mid, post, weight, plastic,
                                   uniform)  # fmt: skip
            _presynaptic(k, n_exc, indptr, mid, post, weight, s_e, s_i, ke, ki, s_trace, x_scale,
                         plastic, coef, uniform)  # fmt: skip
        # 4. postsynaptic rules on the incoming synapses of every spiker
        if any_post:
            for a in range(n_spikes):
                _postsynaptic(spikers[a], n_exc, in_ptr, in_mid, in_syn, in_pre, weight, s_trace,
                              x_scale, plastic, coef)  # fmt: skip
        # 5. traces, spike record, V = V_th for the records
        x_inc = frame_ginv[F_TRACE, m + 1]
        n_e_step = 0
        for a in range(n_spikes):
            k = spikers[a]
            s_trace[k] += x_inc
            v[k] = v_th
            spike_neuron[n_recorded] = k
            spike_step[n_recorded] = n
            n_recorded += 1
            if k < n_exc:
                n_e_step += 1
        n_exc_spikes += n_e_step
        n_inh_spikes += n_spikes - n_e_step
        for r in range(n_rec):
            q = rec_neurons[r]
            rec_acc[0, r] += s_e[q] * ge1
            rec_acc[1, r] += s_i[q] * gi1
            rec_acc[2, r] += s_x[q] * gx1
            rec_acc[3, r] += v[q]
        for r in range(n_rec_w):
            rec_acc_w[r] += weight[rec_syn[r]]
        for a in range(n_spikes):
            v[spikers[a]] = v_re
        if (n + 1) % rec_every == 0:
            inv = 1.0 / rec_every
            for r in range(n_rec):
                for c in range(4):
                    rec_out[row, c, r] = rec_acc[c, r] * inv
                    rec_acc[c, r] = 0.0
            for r in range(n_rec_w):
                rec_out_w[row, r] = rec_acc_w[r] * inv
                rec_acc_w[r] = 0.0
            row += 1
        # end of a frame: bring the stored values to true values
        if m + 1 == frame:
            for i in range(n_total):
                s_e[i] *= ge1
                s_i[i] *= gi1
                s_x[i] *= gx1
                s_trace[i] *= x_scale
        # rate guard
        window_counts[0] += n_e_step
        window_counts[1] += n_spikes - n_e_step
        n += 1
        if n % window_steps == 0:
            if window_counts[0] + window_counts[1] > max_window_spikes:
                status = 1
                break
            window_counts[0] = 0
            window_counts[1] = 0
    return n, n_recorded, n_exc_spikes, n_inh_spikes, row, status


@njit(cache=True, error_model="numpy")
def replay_plasticity(
    n_steps,
    spike_ptr,
    spike_neurons,
    n_exc,
    indptr,
    mid,
    post,
    weight,
    in_ptr,
    in_mid,
    in_syn,
    in_pre,
    plastic,
    coef,
    trace,
    dec_trace,
):
    """Apply the plasticity rules (steps 3–5 of ``run_balanced``, same helpers, same order) to
    given spike trains: the spikers of step n are ``spike_neurons[spike_ptr[n]:spike_ptr[n+1]]``
    (ascending). ``trace`` and ``weight`` are updated in place; ``trace`` ends, as in the kernel,
    before the decay of the last step."""
    dummy = np.zeros(len(indptr) - 1)
    uniform = np.full(6, np.nan)
    for n in range(n_steps):
        for i in range(trace.shape[0]):
            trace[i] *= dec_trace
        for a in range(spike_ptr[n], spike_ptr[n + 1]):
            _presynaptic(spike_neurons[a], n_exc, indptr, mid, post, weight, dummy, dummy, 0.0,
                         0.0, trace, 1.0, plastic, coef, uniform)  # fmt: skip
        for a in range(spike_ptr[n], spike_ptr[n + 1]):
            _postsynaptic(spike_neurons[a], n_exc, in_ptr, in_mid, in_syn, in_pre, weight, trace,
                          1.0, plastic, coef)  # fmt: skip
        for a in range(spike_ptr[n], spike_ptr[n + 1]):
            trace[spike_neurons[a]] += 1.0


# --------------------------------------------------------------------------------------------
# external layer X


@njit(cache=True)
def external_uncorrelated(step_begin, step_end, n_ext, cdf, word_state, out_step, out_neuron):
    """Independent Poisson X neurons: per step a Poisson(N_x·r_x·dt) total (table ``cdf``), each
    event to a uniformly drawn X neuron — exactly independent Poisson counts per neuron and
    step. Writes events in step order; returns their number, or −1 (state untouched) when the
    buffers are too small."""
    # every X neuron fires: the package draws neuron indices with randint(1, Nx), so its X
    # neuron 0 never fires (and, in the correlated case, loops over j = 1 … Nx−1)
    word = word_state[0]
    capacity = out_step.shape[0]
    m = 0
    for n in range(step_begin, step_end):
        count, word = rng.sample_table(word, cdf)
        if m + count > capacity:
            return -1
        for _ in range(count):
            k, word = rng.next_index(word, n_ext)
            out_step[m] = n
            out_neuron[m] = k
            m += 1
    word_state[0] = word
    return m


@njit(cache=True)
def mother_processing_step(t_ms, dt_ms, lookahead_ms):
    """Step at which a mother spike at ``t_ms`` is expanded into its copies: the first step
    whose end reaches t − lookahead."""
    return max(0, int(math.ceil((t_ms - lookahead_ms) / dt_ms)) - 1)


@njit(cache=True)
def external_correlated(
    step_end,
    dt_ms,
    t_end_ms,
    lookahead_ms,
    mother_rate_per_ms,
    c_x,
    n_ext,
    jitter_ms,
    word_state,
    t_next_state,
    out_step,
    out_neuron,
    zig_x,
    zig_ratio,
):
    """Correlated X neurons (reference ``ffwd_spikes`` with c_x > 0, streamed).

    A mother Poisson process of rate r_x/c_x on (0, T); every X neuron keeps each mother spike
    with probability c_x (geometric skipping over the neurons, exact Bernoulli) and moves its
    copy by a Gaussian jitter of s.d. ``jitter_ms``; copies outside (0, T) are dropped. Copy at
    t is due in step ⌈t/dt⌉ − 1. Mother spikes are expanded in time order when their
    processing step (``mother_processing_step``) is below ``step_end``; a copy earlier than
    that step (jitter below −lookahead, probability < 1e-23 at 10 s.d.) is delivered in it.
    The random sequence and the copies do not depend on how a run is split into calls.

    ``t_next_state[0]`` is the next mother spike not yet expanded (≥ T when none is left).
    Returns the number of copies written (any step ≥ the processing step), or −1 (state
    untouched) when the buffers are too small.
    """
    word = word_state[0]
    t = t_next_state[0]
    capacity = out_step.shape[0]
    m = 0
    log_q = math.log1p(-c_x) if c_x < 1.0 else -1.0
    while t < t_end_ms:
        p = mother_processing_step(t, dt_ms, lookahead_ms)
        if p >= step_end:
            break
        if m + n_ext > capacity:
            return -1
        j = -1
        while True:
            if c_x >= 1.0:
                j += 1
            else:
                u, word = rng.next_uniform(word)
                j += 1 + int(math.floor(math.log(1.0 - u) / log_q))
            if j >= n_ext:
                break
            z, word = rng.next_normal(word, zig_x, zig_ratio)
            tc = t + jitter_ms * z
            if tc <= 0.0 or tc >= t_end_ms:
                continue
            d = int(math.ceil(tc / dt_ms)) - 1
            out_step[m] = max(d, p)
            out_neuron[m] = j
            m += 1
        u, word = rng.next_uniform(word)
        t += -math.log(1.0 - u) / mother_rate_per_ms
    word_state[0] = word
    t_next_state[0] = t
    return m


@njit(cache=True)
def first_mother_spike(word_state, mother_rate_per_ms):
    """Time of the first mother spike (exponential waiting time from 0)."""
    u, word = rng.next_uniform(word_state[0])
    word_state[0] = word
    return -math.log(1.0 - u) / mother_rate_per_ms
