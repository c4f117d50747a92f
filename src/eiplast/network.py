"""Step kernel of the connected assembly network (MODEL.md A2–A4), clock-driven.

One call advances the network over a range of steps and appends spikes to caller-owned buffers.
Within a step the order follows Brian2's schedule used by the reference (groups → thresholds →
synapses → resets):

1. every neuron integrates from the old conductances: v by exponential Euler (exact for frozen
   g over the step, skipped while refractory), g_e, g_i, H1, H2, x by their exact decay; a neuron
   spikes when it is not refractory and v > min(θ_0 + H1 + H2, θ_max);
2. background Poisson events and stimulus events are added to g_e;
3. every synapse whose delayed spike arrives in this step adds its weight to g_e (E source) or
   g_i (I source); arriving I→E spikes then update their weight (pre-synaptic rule), reading the
   postsynaptic trace before this step's resets;
4. E neurons that spiked update their incoming I→E weights (post-synaptic rule);
5. resets: v ← E_L, H1 += a1, H2 += a2, x += 1, the population-rate unit r += 1/(τ_r·N_E).

Delayed transmission keeps no per-target ring buffer: the spikes of the last D steps are kept, and
in step n the synapses of a neuron that spiked in step n−d with delay d are visited. Synapses are
stored sorted by (pre, delay, post), so each visit is one contiguous segment and all state lives
in arrays of N entries (cache resident).

Background input: N·n_sources independent Poisson sources of rate λ give, per step, a
Poisson(N·n_sources·λ·dt) total whose events go to uniformly drawn neurons — exactly independent
Poisson(n_sources·λ·dt) counts per neuron. (Brian2's PoissonInput draws Binomial(n_sources,
λ·dt) per neuron; the two differ by a variance factor 1 − λ·dt = 0.9998.)
"""

import numpy as np
from numba import njit

from .rng import next_index, sample_table

RULE_STATIC = 0
RULE_HEBB = 1
RULE_RATE = 2


@njit(cache=True, inline="always")
def exp_neg(x):
    """exp(−x) as (Taylor₆(x/8))⁸, with no libm call so the neuron loop vectorises.

    x = dt·g_tot/C is 0.005 at rest and 0.05 at g_tot = 100 nS; the relative error is below
    1e-11 for x ≤ 0.5 (g_tot ≤ 1000 nS), 1e-9 for x ≤ 1 and 1.2e-7 at x = 2."""
    y = 0.125 * x
    p = 1.0 - y * (
        1.0 - y * (0.5 - y * (1.0 / 6.0 - y * (1.0 / 24.0 - y * (1.0 / 120.0 - y / 720.0))))
    )
    p = p * p
    p = p * p
    return p * p


@njit(cache=True)
def delay_pointers(indptr, post, delay_steps, n_delays, n_exc):
    """Segment starts within every neuron's synapses (sorted by delay, then post).

    For neuron ``i`` and delay ``d``: E targets are ``ptr[i, 2d]:ptr[i, 2d+1]``, I targets
    ``ptr[i, 2d+1]:ptr[i, 2d+2]``; ``ptr[i, 2·n_delays] = indptr[i + 1]``.
    """
    n = len(indptr) - 1
    ptr = np.empty((n, 2 * n_delays + 1), dtype=np.int64)
    for i in range(n):
        s = indptr[i]
        end = indptr[i + 1]
        for d in range(n_delays):
            while s < end and delay_steps[s] < d:
                s += 1
            ptr[i, 2 * d] = s
            while s < end and delay_steps[s] == d and post[s] < n_exc:
                s += 1
            ptr[i, 2 * d + 1] = s
        ptr[i, 2 * n_delays] = end
    return ptr


@njit(cache=True)
def incoming_ei(indptr, post, n_exc):
    """For every E neuron, its incoming I→E synapses: (ptr, synapse index, presynaptic neuron)."""
    n = len(indptr) - 1
    count = np.zeros(n_exc + 1, dtype=np.int64)
    for pre in range(n_exc, n):
        for s in range(indptr[pre], indptr[pre + 1]):
            if post[s] < n_exc:
                count[post[s] + 1] += 1
    for i in range(n_exc):
        count[i + 1] += count[i]
    fill = count[:-1].copy()
    syn = np.empty(count[-1], dtype=np.int32)
    pre_of = np.empty(count[-1], dtype=np.int32)
    for pre in range(n_exc, n):
        for s in range(indptr[pre], indptr[pre + 1]):
            q = post[s]
            if q < n_exc:
                syn[fill[q]] = s
                pre_of[fill[q]] = pre
                fill[q] += 1
    return count, syn, pre_of


@njit(cache=True, error_model="numpy")
def run_steps(
    step_begin,
    step_end,
    n_exc,
    consts,
    a1_mV,
    alpha_hebb,
    delay_ptr,
    post,
    weight_nS,
    ei_ptr,
    ei_syn,
    ei_pre,
    v,
    g_e,
    g_i,
    h1,
    h2,
    trace,
    last_spike,
    rate_unit,
    rng_state,
    hist_neuron,
    hist_count,
    bg_cdf,
    stim_begin,
    stim_end,
    stim_ptr,
    stim_neurons,
    stim_cdf,
    rule,
    spike_neuron,
    spike_step,
    n_recorded,
    state_every,
    state_first_row,
    state_ge,
    state_gi,
):
    """Advance steps ``step_begin`` … ``step_end − 1``; stop early if the spike buffers fill.

    ``consts`` holds, in order: dt/C (1/nS), g_L, g_L·E_L, E_e, E_i, decay of g_e, g_i, H1, H2, x
    and r over one step, θ_0, θ_max, a2, E_L, refractory steps, background weight, learning rate
    η, hebb factor k = 20/τ_stdp[ms], w_max, target rate ρ (rate rule), r increment per E spike.
    Returns (next step to simulate, number of spikes recorded, E spikes, I spikes).
    """
    dt_over_c = consts[0]
    g_leak = consts[1]
    gl_el = consts[2]
    e_exc = consts[3]
    e_inh = consts[4]
    dec_ge = consts[5]
    dec_gi = consts[6]
    dec_h1 = consts[7]
    dec_h2 = consts[8]
    dec_x = consts[9]
    dec_r = consts[10]
    theta0 = consts[11]
    theta_max = consts[12]
    a2 = consts[13]
    e_leak = consts[14]
    ref_steps = int(consts[15])
    bg_weight = consts[16]
    eta = consts[17]
    k_hebb = consts[18]
    w_max = consts[19]
    rho = consts[20]
    r_inc = consts[21]

    n_total = v.shape[0]
    n_slots = hist_count.shape[0]
    n_delays = (delay_ptr.shape[1] - 1) // 2
    capacity = spike_neuron.shape[0]
    word = rng_state[0]
    r = rate_unit[0]
    crossed = np.zeros(n_total, dtype=np.bool_)
    n_exc_spikes = 0
    n_inh_spikes = 0
    n = step_begin
    while n < step_end:
        if capacity - n_recorded < n_total:
            break
        if state_every > 0 and n % state_every == 0:
            row = n // state_every - state_first_row
            for i in range(n_total):
                state_ge[row, i] = g_e[i]
                state_gi[row, i] = g_i[i]
        slot = n % n_slots
        # 1. integrate (branch-free, vectorisable), then collect threshold crossings
        for i in range(n_total):
            ge = g_e[i]
            gi = g_i[i]
            g_tot = g_leak + ge + gi
            v_inf = (gl_el + ge * e_exc + gi * e_inh) / g_tot
            v_old = v[i]
            v_new = v_inf + (v_old - v_inf) * exp_neg(dt_over_c * g_tot)
            free = n - last_spike[i] >= ref_steps
            v_new = v_new if free else v_old
            v[i] = v_new
            g_e[i] = ge * dec_ge
            g_i[i] = gi * dec_gi
            th1 = h1[i] * dec_h1
            th2 = h2[i] * dec_h2
            h1[i] = th1
            h2[i] = th2
            trace[i] *= dec_x
            crossed[i] = free & (v_new > min(theta0 + th1 + th2, theta_max))
        n_spikes = 0
        for i in range(n_total):
            if crossed[i]:
                hist_neuron[slot, n_spikes] = i
                n_spikes += 1
        hist_count[slot] = n_spikes
        # the rate rule sees r as it was at the start of the step (Brian2 copies the summed
        # variable before the state update), then r decays
        rate_error = r - rho
        r *= dec_r
        # 2. background and stimulus input onto g_e
        n_events, word = sample_table(word, bg_cdf)
        for _ in range(n_events):
            target, word = next_index(word, n_total)
            g_e[target] += bg_weight
        for w in range(stim_begin.shape[0]):
            if stim_begin[w] <= n < stim_end[w]:
                for k in range(stim_ptr[w], stim_ptr[w + 1]):
                    n_stim, word = sample_table(word, stim_cdf)
                    g_e[stim_neurons[k]] += n_stim * bg_weight
        # 3. delayed arrivals: segment [e0, i0) reaches E neurons, [i0, end) I neurons
        hebb_step = eta * k_hebb
        rate_step = eta * rate_error
        for d in range(n_delays):
            past = (slot - d + n_slots) % n_slots
            for k in range(hist_count[past]):
                pre = hist_neuron[past, k]
                e0 = delay_ptr[pre, 2 * d]
                i0 = delay_ptr[pre, 2 * d + 1]
                end = delay_ptr[pre, 2 * d + 2]
                if pre < n_exc:
                    for s in range(e0, end):
                        g_e[post[s]] += weight_nS[s]
                    continue
                if rule == 1:
                    for s in range(e0, i0):
                        q = post[s]
                        w = weight_nS[s]
                        g_i[q] += w
                        w = w + hebb_step * (trace[q] - alpha_hebb[q])
                        weight_nS[s] = min(max(w, 0.0), w_max)
                elif rule == 2:
                    for s in range(e0, i0):
                        q = post[s]
                        g_i[q] += weight_nS[s]
                        weight_nS[s] += rate_step * (trace[q] + 1.0)
                else:
                    for s in range(e0, i0):
                        g_i[post[s]] += weight_nS[s]
                for s in range(i0, end):
                    g_i[post[s]] += weight_nS[s]
        # 4. postsynaptic updates of I→E weights (E spikers come first in the spike list)
        if rule == 1:
            for k in range(n_spikes):
                i = hist_neuron[slot, k]
                if i >= n_exc:
                    break
                for a in range(ei_ptr[i], ei_ptr[i + 1]):
                    s = ei_syn[a]
                    w = weight_nS[s] + hebb_step * trace[ei_pre[a]]
                    weight_nS[s] = min(max(w, 0.0), w_max)
        elif rule == 2:
            for k in range(n_spikes):
                i = hist_neuron[slot, k]
                if i >= n_exc:
                    break
                for a in range(ei_ptr[i], ei_ptr[i + 1]):
                    weight_nS[ei_syn[a]] += rate_step * trace[ei_pre[a]]
        # 5. resets and recording
        for k in range(n_spikes):
            i = hist_neuron[slot, k]
            v[i] = e_leak
            h1[i] += a1_mV[i]
            h2[i] += a2
            trace[i] += 1.0
            last_spike[i] = n
            spike_neuron[n_recorded] = i
            spike_step[n_recorded] = n
            n_recorded += 1
            if i < n_exc:
                r += r_inc
                n_exc_spikes += 1
            else:
                n_inh_spikes += 1
        n += 1
    rng_state[0] = word
    rate_unit[0] = r
    return n, n_recorded, n_exc_spikes, n_inh_spikes
