"""Step kernel of the connected assembly network (docs/model-description.md A2–A4), clock-driven.

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

Memory, not arithmetic, bounds this kernel at high rates (start of training, E ≈ 10 Hz and
I ≈ 27 Hz: per step ≈ 10 000 synaptic events in ≈ 280 segments and ≈ 1 600 post-synaptic I→E
updates at scattered places of a 40 MB synapse table). The layout and the order of the work serve
the memory system; none of it changes a value (bit-identical to one plain pass over the delays):

* targets are stored as uint16 when N ≤ 65 536 (``narrow_indices``), delay pointers as int32;
* at the start of step n, the segments arriving in step n with delay ≥ 1 (their spikes are
  already known) are listed in delivery order and prefetched (``_gather_arrivals``; prefetches
  are ``llvm.prefetch`` hints), so their cache misses overlap each other and the neuron pass. The
  delivery loops walk that list instead of chasing spike → pointer → segment, and renew the hint
  ``_AHEAD`` segments ahead (the neuron pass has evicted L1 by then);
* E sources touch only g_e, I sources only g_i and the I→E weights, so all E-source segments are
  delivered first and then all I-source ones: every g_e[q], g_i[q] and weight still receives its
  terms in the same order (delay, spike, synapse) as in one mixed pass;
* after the threshold, the kernel prefetches the delay pointers of the new spikes, the lists of
  incoming I→E synapses of the new E spikers and then the weights those lists point to (updated
  in phase 4), lists first so that their misses overlap.

The kernel's speed against Brian2 and the reference is measured by ``bench/`` (docs/benchmarks.md).

Decaying variables (g_e, g_i, H1, H2, x, r) are set to 0 once they fall below
``FLUSH_BELOW`` = 1e-300 (``decay``), so they never enter float64's subnormal range (below
2.2e-308) on their way to zero. Neurons silent for seconds hold such values, and some CPUs
execute arithmetic on them a hundred times more slowly: on an Intel Xeon, training GHP (10–15 %
of H1 and x subnormal at any time) ran 4× slower than the same kernel without them. No output
changes: every use of these variables adds them to, or multiplies them into a sum with, terms of
order 1e-3 or more, where 1e-300 is far below rounding, so spikes, weights and recorded
conductances are bit-identical with and without the flush (tests/test_network.py); only the
stored state of long-silent neurons reads 0 instead of a subnormal number.

Background input: N·n_sources independent Poisson sources of rate λ give, per step, a
Poisson(N·n_sources·λ·dt) total whose events go to uniformly drawn neurons — exactly independent
Poisson(n_sources·λ·dt) counts per neuron. (Brian2's PoissonInput draws Binomial(n_sources,
λ·dt) per neuron; the two differ by a variance factor 1 − λ·dt = 0.9998.) The targets of a step
are drawn in one vectorised pass over the counter-based SplitMix64 stream (``_draw_targets``),
the same numbers in the same order as one ``next_index`` call per event.
"""

import numpy as np
from numba import njit, uint64

from eiplast.engine._numba import divide_by

# Read hints also serve the I->E weights about to be written: write hints measured 8 % slower.
from eiplast.engine._numba import prefetch_read as _prefetch
from eiplast.engine.rng import GAMMA, mix64, sample_table

RULE_STATIC = 0
RULE_HEBB = 1
RULE_RATE = 2

_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53, as in rng.next_uniform
_LINE_BYTES = 64
_AHEAD = 8  # segments between a hint and the delivery that uses it
FLUSH_BELOW = 1e-300  # decaying variables below this become 0 (module docstring)
_R720 = 1.0 / 720.0


# Layout of the step kernel's ``consts`` array (float64; filled by eiplast.assembly.simulate): the
# index of every model constant, by name. Units: dt/C in 1/nS (dt in ms, C in pF), conductances nS,
# potentials mV, decays are factors over one step, k = 20/τ_stdp[ms] (A4), ρ Hz, the rate increment
# per E spike 1/(τ_r·N_E) in Hz.
C_DT_OVER_C = 0
C_G_LEAK = 1
C_G_LEAK_E_LEAK = 2
C_E_EXC = 3
C_E_INH = 4
C_DECAY_GE = 5
C_DECAY_GI = 6
C_DECAY_H1 = 7
C_DECAY_H2 = 8
C_DECAY_TRACE = 9
C_DECAY_RATE = 10
C_THETA0 = 11
C_THETA_MAX = 12
C_A2 = 13
C_E_LEAK = 14
C_REFRACTORY_STEPS = 15
C_BACKGROUND_WEIGHT = 16
C_ETA = 17
C_K_HEBB = 18
C_W_MAX = 19
C_RHO = 20
C_RATE_INCREMENT = 21
N_CONSTS = 22


@njit(cache=True, inline="always")
def exp_neg(x):
    """exp(−x) as (Taylor₆(x/8))⁸, with no libm call so the neuron loop vectorises.

    x = dt·g_tot/C is 0.005 at rest and 0.05 at g_tot = 100 nS; the relative error is below
    1e-11 for x ≤ 0.5 (g_tot ≤ 1000 nS), 1e-9 for x ≤ 1 and 1.2e-7 at x = 2. The term y/720 is
    ``divide_by``: the same value as the division, one vector division fewer per neuron-step."""
    y = 0.125 * x
    tail = 1.0 / 120.0 - divide_by(y, 720.0, _R720)
    p = 1.0 - y * (1.0 - y * (0.5 - y * (1.0 / 6.0 - y * (1.0 / 24.0 - y * tail))))
    p = p * p
    p = p * p
    return p * p


@njit(cache=True, inline="always")
def decay(x, factor):
    """x·factor, or 0 where |x·factor| < FLUSH_BELOW (``factor`` in (0, 1]; branch-free, so
    the neuron loop still vectorises)."""
    y = x * factor
    return y if abs(y) >= FLUSH_BELOW else 0.0


def narrow_indices(values, bound, smallest=np.uint16):
    """``values`` (all in [0, bound)) as ``smallest`` (uint16 or int32) if they fit, else int32,
    else int64. Few distinct types keep the number of compiled kernel variants small."""
    if smallest == np.uint16 and bound <= 2**16:
        return values.astype(np.uint16)
    if bound <= 2**31:
        return values.astype(np.int32)
    return values.astype(np.int64)


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
def delay_window(delay_ptr, n_exc):
    """Delays that carry any synapse: [first, last + 1) for E sources, then for I sources
    (an empty population gets [0, 0)). The kernel visits only these delays."""
    n_delays = (delay_ptr.shape[1] - 1) // 2
    window = np.array([n_delays, 0, n_delays, 0], dtype=np.int64)
    for i in range(delay_ptr.shape[0]):
        b = 0 if i < n_exc else 2
        for d in range(n_delays):
            if delay_ptr[i, 2 * d + 2] > delay_ptr[i, 2 * d]:
                window[b] = min(window[b], d)
                window[b + 1] = max(window[b + 1], d + 1)
    for b in (0, 2):
        if window[b] > window[b + 1]:
            window[b] = 0
            window[b + 1] = 0
    return window


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


@njit(cache=True, inline="always")
def _prefetch_range(arr, lo, hi):
    """Ask for every cache line of ``arr[lo:hi]``."""
    if hi > lo:
        for s in range(lo, hi, _LINE_BYTES // arr.itemsize):
            _prefetch(arr, s)
        _prefetch(arr, hi - 1)


@njit(cache=True, inline="always")
def _prefetch_segment(post, weight_nS, lo, hi):
    """Prefetch the synapses [lo, hi) (hi > lo): targets at 3 and weights at 4 evenly spaced
    points, which covers every line of segments up to 65 uint16 targets and 49 weights (the
    full network's segments hold 29 or 48 synapses on average). Fixed hints and no loop: the
    exit branch of a loop over 1–4 lines mispredicts, and covering every line with a loop
    measured 6–8 % slower overall."""
    _prefetch(post, lo)
    _prefetch(post, (lo + hi) // 2)
    _prefetch(post, hi - 1)
    third = (hi - 1 - lo) // 3
    _prefetch(weight_nS, lo)
    _prefetch(weight_nS, lo + third)
    _prefetch(weight_nS, hi - 1 - third)
    _prefetch(weight_nS, hi - 1)


@njit(cache=True, inline="always")
def _past_slot(slot, d, n_slots):
    past = slot - d
    return past + n_slots if past < 0 else past


@njit(cache=True, inline="always")
def _gather_arrivals(slot, window, hist_neuron, hist_count, hist_exc, ptr, stride, post, weight_nS,
                     seg_exc, seg_inh):  # fmt: skip
    """List the non-empty segments arriving in this step with delay ≥ 1 (their spikes are
    known), in delivery order, and prefetch them. E sources: rows (start, end) of ``seg_exc``;
    I sources: rows (start, start of I targets, end) of ``seg_inh``. Returns both counts.

    ``ptr[pre, stride·d + j]``, j = 0, 1, 2: start, start of I targets and end of the segment
    (pre, d): ``delay_pointers``' table (stride 2) or one thread's ``partition_pointers`` table
    (stride 3)."""
    n_slots = hist_count.shape[0]
    n_e = 0
    for d in range(max(window[0], 1), window[1]):
        past = _past_slot(slot, d, n_slots)
        for k in range(hist_exc[past]):
            pre = hist_neuron[past, k]
            e0 = ptr[pre, stride * d]
            end = ptr[pre, stride * d + 2]
            if end > e0:
                seg_exc[n_e, 0] = e0
                seg_exc[n_e, 1] = end
                n_e += 1
                _prefetch_segment(post, weight_nS, e0, end)
    n_i = 0
    for d in range(max(window[2], 1), window[3]):
        past = _past_slot(slot, d, n_slots)
        for k in range(hist_exc[past], hist_count[past]):
            pre = hist_neuron[past, k]
            e0 = ptr[pre, stride * d]
            end = ptr[pre, stride * d + 2]
            if end > e0:
                seg_inh[n_i, 0] = e0
                seg_inh[n_i, 1] = ptr[pre, stride * d + 1]
                seg_inh[n_i, 2] = end
                n_i += 1
                _prefetch_segment(post, weight_nS, e0, end)
    return n_e, n_i


@njit(cache=True, inline="always")
def _prefetch_post_updates(spikers, n_exc_spikers, ei_ptr, ei_syn, ei_pre, weight_nS):
    """Prefetch the incoming-synapse lists of this step's E spikers, then the I→E weights they
    point to. Asking for all lists first lets their misses overlap."""
    for k in range(n_exc_spikers):
        i = spikers[k]
        _prefetch_range(ei_syn, ei_ptr[i], ei_ptr[i + 1])
        _prefetch_range(ei_pre, ei_ptr[i], ei_ptr[i + 1])
    for k in range(n_exc_spikers):
        i = spikers[k]
        for a in range(ei_ptr[i], ei_ptr[i + 1]):
            _prefetch(weight_nS, ei_syn[a])


@njit(cache=True, inline="always")
def _draw_targets(word, n_events, n_total, targets):
    """``n_events`` uniform indices in [0, n_total): the values of ``n_events`` successive
    ``rng.next_index`` calls (SplitMix64 is counter-based, so the loop vectorises)."""
    for e in range(n_events):
        z = mix64(word + uint64(e + 1) * GAMMA)
        targets[e] = int((z >> uint64(11)) * _TO_UNIT * n_total)
    return word + uint64(n_events) * GAMMA


@njit(cache=True, inline="always")
def _scatter(g, post, weight_nS, lo, hi):
    for s in range(uint64(lo), uint64(hi)):
        g[post[s]] += weight_nS[s]


@njit(cache=True, inline="always")
def _inh_segment(e0, i0, end, post, weight_nS, g_i, trace, alpha_hebb, rule, hebb_step, rate_step,
                 w_max):  # fmt: skip
    """One I-source segment onto g_i: I→E targets [e0, i0) with the pre-synaptic rule, then
    I→I targets [i0, end)."""
    if rule == RULE_HEBB:
        for s in range(uint64(e0), uint64(i0)):
            q = post[s]
            w = weight_nS[s]
            g_i[q] += w
            w = w + hebb_step * (trace[q] - alpha_hebb[q])
            weight_nS[s] = min(max(w, 0.0), w_max)
    elif rule == RULE_RATE:
        for s in range(uint64(e0), uint64(i0)):
            q = post[s]
            g_i[q] += weight_nS[s]
            weight_nS[s] += rate_step * (trace[q] + 1.0)
    else:
        _scatter(g_i, post, weight_nS, e0, i0)
    _scatter(g_i, post, weight_nS, i0, end)


@njit(cache=True, inline="always")
def _post_updates(spikers, n_exc_spikers, ei_ptr, ei_syn, ei_pre, weight_nS, trace, rule,
                  hebb_step, rate_step, w_max):  # fmt: skip
    """Post-synaptic rule on the incoming I→E weights of this step's E spikers."""
    if rule == RULE_HEBB:
        for k in range(n_exc_spikers):
            i = spikers[k]
            for a in range(ei_ptr[i], ei_ptr[i + 1]):
                s = uint64(ei_syn[a])
                w = weight_nS[s] + hebb_step * trace[ei_pre[a]]
                weight_nS[s] = min(max(w, 0.0), w_max)
    elif rule == RULE_RATE:
        for k in range(n_exc_spikers):
            i = spikers[k]
            for a in range(ei_ptr[i], ei_ptr[i + 1]):
                weight_nS[uint64(ei_syn[a])] += rate_step * trace[ei_pre[a]]


@njit(cache=True, inline="always")
def _neuron_pass(n, consts, v, g_e, g_i, h1, h2, trace, last_spike, crossed):
    """Phase 1 of a step: integrate every neuron of the given arrays (the whole population, or
    one thread's slices of it: LLVM vectorises the loop over arrays that start at the range's
    first neuron, not over a range of the whole arrays) and mark threshold crossings."""
    dt_over_c = consts[C_DT_OVER_C]
    g_leak = consts[C_G_LEAK]
    gl_el = consts[C_G_LEAK_E_LEAK]
    e_exc = consts[C_E_EXC]
    e_inh = consts[C_E_INH]
    dec_ge = consts[C_DECAY_GE]
    dec_gi = consts[C_DECAY_GI]
    dec_h1 = consts[C_DECAY_H1]
    dec_h2 = consts[C_DECAY_H2]
    dec_x = consts[C_DECAY_TRACE]
    theta0 = consts[C_THETA0]
    theta_max = consts[C_THETA_MAX]
    ref_steps = int(consts[C_REFRACTORY_STEPS])
    for i in range(v.shape[0]):
        ge = g_e[i]
        gi = g_i[i]
        g_tot = g_leak + ge + gi
        v_inf = (gl_el + ge * e_exc + gi * e_inh) / g_tot
        v_old = v[i]
        v_new = v_inf + (v_old - v_inf) * exp_neg(dt_over_c * g_tot)
        free = n - last_spike[i] >= ref_steps
        v_new = v_new if free else v_old
        v[i] = v_new
        g_e[i] = decay(ge, dec_ge)
        g_i[i] = decay(gi, dec_gi)
        th1 = decay(h1[i], dec_h1)
        th2 = decay(h2[i], dec_h2)
        h1[i] = th1
        h2[i] = th2
        trace[i] = decay(trace[i], dec_x)
        crossed[i] = free & (v_new > min(theta0 + th1 + th2, theta_max))


@njit(cache=True, inline="always")
def _collect(crossed_words, crossed, spikers):
    """Indices of the crossings in increasing order (so E spikers come first); returns their
    number. Spikes are rare: whole words of 8 neurons are skipped at once."""
    n_spikes = 0
    for b in range(crossed_words.shape[0]):
        if crossed_words[b] != 0:
            for i in range(8 * b, 8 * b + 8):
                if crossed[i]:
                    spikers[n_spikes] = i
                    n_spikes += 1
    return n_spikes


@njit(cache=True, inline="always")
def _count_exc(spikers, count, n_exc):
    """Number of E neurons at the head of a spike list (E spikers are listed first)."""
    c = 0
    while c < count and spikers[c] < n_exc:
        c += 1
    return c


@njit(cache=True, error_model="numpy")
def run_steps(
    step_begin,
    step_end,
    n_exc,
    consts,
    a1_mV,
    alpha_hebb,
    delay_ptr,
    window,
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

    ``consts``: the model constants at the indices ``C_*`` of this module (``N_CONSTS`` of them).
    ``delay_ptr`` and ``window`` come from ``delay_pointers`` and ``delay_window``; ``post`` may
    be any integer type (``narrow_indices``).
    Returns (next step to simulate, number of spikes recorded, E spikes, I spikes).
    """
    dec_r = consts[C_DECAY_RATE]
    a2 = consts[C_A2]
    e_leak = consts[C_E_LEAK]
    bg_weight = consts[C_BACKGROUND_WEIGHT]
    eta = consts[C_ETA]
    k_hebb = consts[C_K_HEBB]
    w_max = consts[C_W_MAX]
    rho = consts[C_RHO]
    r_inc = consts[C_RATE_INCREMENT]

    n_total = v.shape[0]
    n_slots = hist_count.shape[0]
    capacity = spike_neuron.shape[0]
    word = rng_state[0]
    r = rate_unit[0]
    crossed_words = np.zeros((n_total + 7) // 8, dtype=np.uint64)
    crossed = crossed_words.view(np.bool_)  # threshold crossings, scanned 8 neurons at a time
    bg_target = np.empty(bg_cdf.shape[0], dtype=np.int64)
    hist_exc = np.empty(n_slots, dtype=np.int64)  # E spikers per slot (they come first)
    seg_exc = np.empty((n_slots * n_total, 2), dtype=np.int64)  # this step's arrivals
    seg_inh = np.empty((n_slots * n_total, 3), dtype=np.int64)
    for slot in range(n_slots):
        hist_exc[slot] = _count_exc(hist_neuron[slot], hist_count[slot], n_exc)
    plastic = rule != RULE_STATIC
    hebb_step = eta * k_hebb
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
        n_seg_exc, n_seg_inh = _gather_arrivals(slot, window, hist_neuron, hist_count, hist_exc,
                                                delay_ptr, 2, post, weight_nS, seg_exc,
                                                seg_inh)  # fmt: skip
        # 1. integrate (branch-free, vectorisable), then collect threshold crossings
        _neuron_pass(n, consts, v, g_e, g_i, h1, h2, trace, last_spike, crossed)
        spikers = hist_neuron[slot]
        n_spikes = _collect(crossed_words, crossed, spikers)
        hist_count[slot] = n_spikes
        n_exc_now = _count_exc(spikers, n_spikes, n_exc)
        hist_exc[slot] = n_exc_now
        for k in range(n_spikes):  # their delay pointers, read from now on
            _prefetch_range(delay_ptr[spikers[k]], 0, delay_ptr.shape[1])
        if plastic:
            _prefetch_post_updates(spikers, n_exc_now, ei_ptr, ei_syn, ei_pre, weight_nS)
        # the rate rule sees r as it was at the start of the step (Brian2 copies the summed
        # variable before the state update), then r decays
        rate_error = r - rho
        r = decay(r, dec_r)
        # 2. background and stimulus input onto g_e
        n_events, word = sample_table(word, bg_cdf)
        word = _draw_targets(word, n_events, n_total, bg_target)
        for e in range(n_events):
            g_e[bg_target[e]] += bg_weight
        for w in range(stim_begin.shape[0]):
            if stim_begin[w] <= n < stim_end[w]:
                for k in range(stim_ptr[w], stim_ptr[w + 1]):
                    n_stim, word = sample_table(word, stim_cdf)
                    g_e[stim_neurons[k]] += n_stim * bg_weight
        # 3. delayed arrivals, by increasing delay: E sources onto g_e, then I sources onto g_i
        # (disjoint targets); delay 0 comes from this step's spikers, delays ≥ 1 from the list
        rate_step = eta * rate_error
        if window[0] == 0:
            for k in range(n_exc_now):
                pre = spikers[k]
                _scatter(g_e, post, weight_nS, delay_ptr[pre, 0], delay_ptr[pre, 2])
        for j in range(n_seg_exc):
            if j + _AHEAD < n_seg_exc:  # back into L1 (the neuron pass evicted it)
                _prefetch_segment(post, weight_nS, seg_exc[j + _AHEAD, 0], seg_exc[j + _AHEAD, 1])
            _scatter(g_e, post, weight_nS, seg_exc[j, 0], seg_exc[j, 1])
        if window[2] == 0:
            for k in range(n_exc_now, n_spikes):
                pre = spikers[k]
                _inh_segment(delay_ptr[pre, 0], delay_ptr[pre, 1], delay_ptr[pre, 2], post,
                             weight_nS, g_i, trace, alpha_hebb, rule, hebb_step, rate_step,
                             w_max)  # fmt: skip
        for j in range(n_seg_inh):
            if j + _AHEAD < n_seg_inh:
                _prefetch_segment(post, weight_nS, seg_inh[j + _AHEAD, 0], seg_inh[j + _AHEAD, 2])
            _inh_segment(seg_inh[j, 0], seg_inh[j, 1], seg_inh[j, 2], post, weight_nS, g_i, trace,
                         alpha_hebb, rule, hebb_step, rate_step, w_max)  # fmt: skip
        # 4. postsynaptic updates of I→E weights
        _post_updates(spikers, n_exc_now, ei_ptr, ei_syn, ei_pre, weight_nS, trace, rule,
                      hebb_step, rate_step, w_max)  # fmt: skip
        # 5. resets and recording
        for k in range(n_spikes):
            i = spikers[k]
            v[i] = e_leak
            h1[i] += a1_mV[i]
            h2[i] += a2
            trace[i] += 1.0
            last_spike[i] = n
            spike_neuron[n_recorded] = i
            spike_step[n_recorded] = n
            n_recorded += 1
        for _ in range(n_exc_now):  # one addition per E spike, as in the reference
            r += r_inc
        n_exc_spikes += n_exc_now
        n_inh_spikes += n_spikes - n_exc_now
        n += 1
    rng_state[0] = word
    rate_unit[0] = r
    return n, n_recorded, n_exc_spikes, n_inh_spikes
