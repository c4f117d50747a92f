"""The step kernel of ``network.run_steps`` on several threads, with the same results.

The neurons are split into ``k`` contiguous ranges (``thread_bounds``); thread t owns the state of
its range and every synapse that targets it (``partition_pointers``: the part of each
(source, delay) segment whose targets lie in the range — targets are sorted within a segment).
Every value is therefore computed by exactly one thread, from the same terms in the same order
as in the one-thread kernel: each g_e[q], g_i[q] and I→E weight receives its additions in the
order (background, stimulus, delay, spike, synapse), whatever ``k``. The spike files, weights and
states are byte-identical for every thread count (tests/test_threaded.py).

One parallel region per step. Region n runs, on each thread's range:

1. the second half of step n − 1: background and stimulus input, delayed arrivals (with the
   pre-synaptic I→E rule), the post-synaptic rule of the range's E spikers and their resets;
2. the first half of step n: the thread's share of step n's background targets (below), the
   state sample, the list of this thread's arrivals with delay ≥ 1 in step n (their spikes are
   known; prefetched now, delivered in region n + 1), the neuron pass.

Before region n one thread draws step n's background event count and stimulus counts; after it,
that thread collects the spikes of step n and updates the population-rate unit. The random
stream is consumed in ``run_steps``' order: the background targets of step n are the words
after its event count, and thread t computes the t-th k-th of them (the stream is
counter-based), sorted by owning range; every event adds the same weight, so the order in which
an owner adds them does not matter.

Where the time goes, and the speedup on two threads: docs/benchmarks.md, "Threads".

The post-synaptic rule of step n − 1 reads the trace of presynaptic I neurons owned by other
threads, which those threads reset and decay in the same region; it reads them from
``trace_snapshot[(n − 1) % 2]``, written by their owners right after the neuron pass of step
n − 1 (the value ``run_steps`` reads), instead.
"""

import numpy as np
from numba import njit, prange, uint64

from eiplast.assembly.network import (
    _AHEAD,
    C_A2,
    C_BACKGROUND_WEIGHT,
    C_DECAY_RATE,
    C_E_LEAK,
    C_ETA,
    C_K_HEBB,
    C_RATE_INCREMENT,
    C_RHO,
    C_W_MAX,
    RULE_STATIC,
    _collect,
    _count_exc,
    _draw_targets,
    _gather_arrivals,
    _inh_segment,
    _neuron_pass,
    _post_updates,
    _prefetch_post_updates,
    _prefetch_range,
    _prefetch_segment,
    _scatter,
    decay,
)
from eiplast.engine.rng import GAMMA, sample_table

_ALIGN = 64  # range bounds are multiples of this many neurons (whole cache lines of every array)


def thread_bounds(n_total, n_threads):
    """Bounds of ``n_threads`` contiguous neuron ranges (int64, length ``n_threads`` + 1):
    nearly equal sizes, inner bounds multiples of ``_ALIGN``."""
    if n_threads < 1:
        raise ValueError(f"n_threads must be >= 1, got {n_threads}")
    inner = [
        min(n_total, round(n_total * t / n_threads / _ALIGN) * _ALIGN) for t in range(1, n_threads)
    ]
    return np.array([0, *inner, n_total], dtype=np.int64)


@njit(cache=True, inline="always")
def _lower_bound(post, lo, hi, value):
    """First s in [lo, hi) with post[s] >= value (``post`` ascending there), or hi."""
    while lo < hi:
        mid = (lo + hi) >> 1
        if post[mid] < value:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True)
def partition_pointers(delay_ptr, post, bounds):
    """Each thread's part of every (source, delay) segment, shape (k, n, 3·n_delays), int32.

    For thread t, source i and delay d, its targets in [bounds[t], bounds[t + 1]) are the
    synapses ``[p[3d], p[3d + 2])`` with ``p = out[t, i]``; ``[p[3d], p[3d + 1])`` are E targets,
    ``[p[3d + 1], p[3d + 2])`` I targets. ``delay_ptr`` is ``network.delay_pointers``'s table.
    """
    k = bounds.shape[0] - 1
    n = delay_ptr.shape[0]
    n_delays = (delay_ptr.shape[1] - 1) // 2
    out = np.empty((k, n, 3 * n_delays), dtype=np.int32)
    for i in range(n):
        for d in range(n_delays):
            begin = delay_ptr[i, 2 * d]
            split = delay_ptr[i, 2 * d + 1]
            end = delay_ptr[i, 2 * d + 2]
            for t in range(k):
                a = _lower_bound(post, begin, end, bounds[t])
                b = _lower_bound(post, a, end, bounds[t + 1])
                out[t, i, 3 * d] = a
                out[t, i, 3 * d + 1] = min(max(split, a), b)
                out[t, i, 3 * d + 2] = b
    return out


@njit(cache=True, inline="always")
def _own_span(spikers, first, last, lo, hi):
    """[a, b): the entries of ascending ``spikers[first:last]`` in [lo, hi)."""
    a = first
    while a < last and spikers[a] < lo:
        a += 1
    b = a
    while b < last and spikers[b] < hi:
        b += 1
    return a, b


@njit(cache=True, error_model="numpy", parallel=True)
def run_steps_threaded(
    step_begin,
    step_end,
    n_exc,
    consts,
    a1_mV,
    alpha_hebb,
    bounds,
    part_ptr,
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
    """``network.run_steps`` on ``len(bounds) − 1`` neuron ranges in parallel; same arguments
    and results, with ``bounds`` (``thread_bounds``) and ``part_ptr`` (``partition_pointers``)
    in place of ``delay_ptr``."""
    e_leak = consts[C_E_LEAK]
    a2 = consts[C_A2]
    bg_weight = consts[C_BACKGROUND_WEIGHT]
    eta = consts[C_ETA]
    w_max = consts[C_W_MAX]
    rho = consts[C_RHO]
    r_inc = consts[C_RATE_INCREMENT]
    dec_r = consts[C_DECAY_RATE]
    hebb_step = eta * consts[C_K_HEBB]
    plastic = rule != RULE_STATIC

    k_threads = bounds.shape[0] - 1
    n_total = v.shape[0]
    n_slots = hist_count.shape[0]
    capacity = spike_neuron.shape[0]
    max_segments = n_slots * n_total
    word = rng_state[0]
    r = rate_unit[0]
    crossed_words = np.zeros((n_total + 7) // 8, dtype=np.uint64)
    crossed = crossed_words.view(np.bool_)
    hist_exc = np.empty(n_slots, dtype=np.int64)
    for slot in range(n_slots):
        hist_exc[slot] = _count_exc(hist_neuron[slot], hist_count[slot], n_exc)
    # per thread and step parity: its arrivals (E rows: start, end; I rows: start, I start, end)
    seg_exc = np.empty((k_threads, 2, max_segments, 2), dtype=np.int64)
    seg_inh = np.empty((k_threads, 2, max_segments, 3), dtype=np.int64)
    n_seg = np.zeros((k_threads, 2, 2), dtype=np.int64)
    # background events per step parity: drawn by thread src for owner dst, (2, src, dst, event)
    bg_bucket = np.empty((2, k_threads, k_threads, bg_cdf.shape[0]), dtype=np.int32)
    bg_count = np.zeros((2, k_threads, k_threads), dtype=np.int64)
    bg_scratch = np.empty((k_threads, bg_cdf.shape[0]), dtype=np.int64)
    stim_add = np.zeros((2, stim_neurons.shape[0]))  # nS per listed neuron, per step parity
    bg_events = 0
    bg_word = word
    trace_snapshot = np.empty((2, n_total))
    rate_step = 0.0  # of the previous step, for its second half in the next region
    n_spikes = 0
    n_exc_now = 0
    n_exc_spikes = 0
    n_inh_spikes = 0
    pending = False  # the second half of step n − 1 is still to run
    n = step_begin
    while True:
        forward = n < step_end and capacity - n_recorded >= n_total
        if not forward and not pending:
            break
        prev = n - 1
        prev_slot = prev % n_slots
        slot = n % n_slots
        if forward:  # the draws of step n, in run_steps' stream order
            bg_events, word = sample_table(word, bg_cdf)
            bg_word = word
            word = word + uint64(bg_events) * GAMMA
            for window_s in range(stim_begin.shape[0]):
                if stim_begin[window_s] <= n < stim_end[window_s]:
                    for k_stim in range(stim_ptr[window_s], stim_ptr[window_s + 1]):
                        n_stim, word = sample_table(word, stim_cdf)
                        stim_add[n & 1, k_stim] = n_stim * bg_weight
        for t in prange(k_threads):
            lo = bounds[t]
            hi = bounds[t + 1]
            part = part_ptr[t]
            if pending:
                own_seg_exc = seg_exc[t, prev & 1]
                own_seg_inh = seg_inh[t, prev & 1]
                # ask for what this region reads at scattered places: the pointer rows of the
                # previous step's spikers (read by this step's list) and the I→E weights their
                # post-synaptic rule updates
                spikers = hist_neuron[prev_slot]
                for s in range(n_spikes):
                    _prefetch_range(part[spikers[s]], 0, part.shape[1])
                own_a, own_b = _own_span(spikers, 0, n_exc_now, lo, hi)
                if plastic:
                    _prefetch_post_updates(spikers[own_a:], own_b - own_a, ei_ptr, ei_syn, ei_pre,
                                           weight_nS)  # fmt: skip
                # background events onto this range (drawn by every thread, one region earlier;
                # they all add the same weight, so their order does not matter), then stimulus
                for src in range(k_threads):
                    own_events = bg_bucket[prev & 1, src, t]
                    for e in range(bg_count[prev & 1, src, t]):
                        g_e[own_events[e]] += bg_weight
                for window_s in range(stim_begin.shape[0]):
                    if stim_begin[window_s] <= prev < stim_end[window_s]:
                        for k_stim in range(stim_ptr[window_s], stim_ptr[window_s + 1]):
                            q = stim_neurons[k_stim]
                            if lo <= q < hi:
                                g_e[q] += stim_add[prev & 1, k_stim]
                # delayed arrivals: E sources, then I sources (delay 0, then the list)
                if window[0] == 0:
                    for s in range(n_exc_now):
                        pre = spikers[s]
                        _scatter(g_e, post, weight_nS, part[pre, 0], part[pre, 2])
                count = n_seg[t, prev & 1, 0]
                for j in range(count):
                    if j + _AHEAD < count:
                        a = own_seg_exc[j + _AHEAD, 0]
                        b = own_seg_exc[j + _AHEAD, 1]
                        _prefetch_segment(post, weight_nS, a, b)
                    _scatter(g_e, post, weight_nS, own_seg_exc[j, 0], own_seg_exc[j, 1])
                if window[2] == 0:
                    for s in range(n_exc_now, n_spikes):
                        pre = spikers[s]
                        _inh_segment(part[pre, 0], part[pre, 1], part[pre, 2], post, weight_nS,
                                     g_i, trace, alpha_hebb, rule, hebb_step, rate_step,
                                     w_max)  # fmt: skip
                count = n_seg[t, prev & 1, 1]
                for j in range(count):
                    if j + _AHEAD < count:
                        a = own_seg_inh[j + _AHEAD, 0]
                        b = own_seg_inh[j + _AHEAD, 2]
                        _prefetch_segment(post, weight_nS, a, b)
                    _inh_segment(own_seg_inh[j, 0], own_seg_inh[j, 1], own_seg_inh[j, 2], post,
                                 weight_nS, g_i, trace, alpha_hebb, rule, hebb_step, rate_step,
                                 w_max)  # fmt: skip
                # post-synaptic rule of this range's E spikers, then resets of its spikers
                _post_updates(spikers[own_a:], own_b - own_a, ei_ptr, ei_syn, ei_pre, weight_nS,
                              trace_snapshot[prev & 1], rule, hebb_step, rate_step,
                              w_max)  # fmt: skip
                a, b = _own_span(spikers, 0, n_spikes, lo, hi)
                for s in range(a, b):
                    i = spikers[s]
                    v[i] = e_leak
                    h1[i] += a1_mV[i]
                    h2[i] += a2
                    trace[i] += 1.0
                    last_spike[i] = prev
            if forward:
                # this thread's share of step n's background events, sorted by owner
                e_lo = bg_events * t // k_threads
                e_hi = bg_events * (t + 1) // k_threads
                drawn = bg_scratch[t]
                _draw_targets(bg_word + uint64(e_lo) * GAMMA, e_hi - e_lo, n_total, drawn)
                for owner in range(k_threads):
                    bucket = bg_bucket[n & 1, t, owner]
                    owner_lo = bounds[owner]
                    owner_hi = bounds[owner + 1]
                    kept = 0
                    for e in range(e_hi - e_lo):  # branch-free compaction
                        q = drawn[e]
                        bucket[kept] = q
                        kept += (q >= owner_lo) & (q < owner_hi)
                    bg_count[n & 1, t, owner] = kept
                if state_every > 0 and n % state_every == 0:
                    row = n // state_every - state_first_row
                    for i in range(lo, hi):
                        state_ge[row, i] = g_e[i]
                        state_gi[row, i] = g_i[i]
                n_e, n_i = _gather_arrivals(slot, window, hist_neuron, hist_count, hist_exc, part,
                                            3, post, weight_nS, seg_exc[t, n & 1],
                                            seg_inh[t, n & 1])  # fmt: skip
                n_seg[t, n & 1, 0] = n_e
                n_seg[t, n & 1, 1] = n_i
                _neuron_pass(n, consts, v[lo:hi], g_e[lo:hi], g_i[lo:hi], h1[lo:hi], h2[lo:hi],
                             trace[lo:hi], last_spike[lo:hi], crossed[lo:hi])  # fmt: skip
                inh_lo = max(lo, n_exc)
                if plastic and inh_lo < hi:
                    trace_snapshot[n & 1, inh_lo:hi] = trace[inh_lo:hi]
        if not forward:
            break
        # between regions: the spikes of step n
        new_spikers = hist_neuron[slot]
        n_spikes = _collect(crossed_words, crossed, new_spikers)
        hist_count[slot] = n_spikes
        n_exc_now = _count_exc(new_spikers, n_spikes, n_exc)
        hist_exc[slot] = n_exc_now
        for k_new in range(n_spikes):
            spike_neuron[n_recorded] = new_spikers[k_new]
            spike_step[n_recorded] = n
            n_recorded += 1
        rate_step = eta * (r - rho)
        r = decay(r, dec_r)
        for _ in range(n_exc_now):
            r += r_inc
        n_exc_spikes += n_exc_now
        n_inh_spikes += n_spikes - n_exc_now
        pending = True
        n += 1
    rng_state[0] = word
    rate_unit[0] = r
    return n, n_recorded, n_exc_spikes, n_inh_spikes
