"""Unit tests of the connected-network kernel against independent computations."""

import dataclasses
import filecmp
import math

import h5py
import numpy as np
import pytest
from scipy.integrate import solve_ivp

from eiplast.assembly.connectivity import load_connectivity, network_from_synapses
from eiplast.assembly.network import FLUSH_BELOW, decay
from eiplast.assembly.params import (
    BackgroundParams,
    NeuronParams,
    ParameterError,
    PlasticityParams,
    RunParams,
    Stimulus,
)
from eiplast.assembly.simulate import NetworkSimulator, simulate_network
from eiplast.engine import chunked, rng

DT = 0.1
QUIET = BackgroundParams(n_sources=0)

# Model constants restated from docs/model-description.md (A2 neuron, A3 inputs, A4 plasticity),
# so that the tests below check the simulator's constants instead of reusing them.
C_PF, G_L, E_L, E_E, E_I = 200.0, 10.0, -80.0, 0.0, -80.0  # pF, nS, mV, mV, mV
TAU_E, TAU_I, TAU_H1, TAU_H2 = 6.0, 6.0, 10.0, 200.0  # ms
THETA0, THETA_MAX, A1_0, S_ALPHA, A2, T_REF = -55.0, 0.0, 2.0, 0.25, 0.3, 2.0  # mV, ms
W_BG, RATE_BG = 0.3, 2.0  # nS per background event, Hz per source
RHO_HZ, W_MAX, TAU_RATE_S = 3.0, 100.0, 10.0  # target rate, hebb clip, population-rate unit


def _sim(net, neuron=None, background=QUIET, plasticity=None, run=None):
    return NetworkSimulator(
        net,
        neuron or NeuronParams(),
        background,
        plasticity or PlasticityParams(kind="static"),
        run or RunParams(duration_s=1.0),
    )


def _empty(n_exc, n_inh):
    return network_from_synapses(n_exc, n_inh, [], [], [], [])


def test_membrane_matches_ode_solution():
    sim = _sim(_empty(1, 1), NeuronParams(theta0_mV=100.0, theta_max_mV=100.0))
    p = NeuronParams()
    sim.state["v"][0] = -70.0
    sim.state["g_e"][0] = 30.0
    sim.state["g_i"][0] = 10.0
    steps = 300
    v = np.empty(steps + 1)
    v[0] = -70.0
    for k in range(steps):
        sim.advance(k + 1)
        v[k + 1] = sim.state["v"][0]

    def rhs(t, y):
        ge = 30.0 * np.exp(-t / p.tau_exc_ms)
        gi = 10.0 * np.exp(-t / p.tau_inh_ms)
        i_syn = -p.g_leak_nS * (y[0] - p.e_leak_mV) - ge * (y[0] - p.e_exc_mV)
        return [(i_syn - gi * (y[0] - p.e_inh_mV)) / p.c_pF]

    t = np.arange(steps + 1) * DT
    exact = solve_ivp(rhs, (0, t[-1]), [-70.0], t_eval=t, rtol=1e-10, atol=1e-10).y[0]
    # exponential Euler (the reference's method) freezes g over a step: a first-order error of
    # about dt/2 of conductance lag, here ~0.14 mV at its largest, shrinking as g decays
    err = np.abs(v - exact)
    assert err.max() < 0.2
    assert err[-1] < 0.08

    # the same scheme written out independently: equal to rounding
    ref = np.empty(steps + 1)
    ref[0] = -70.0
    for k in range(steps):
        ge = 30.0 * np.exp(-k * DT / p.tau_exc_ms)
        gi = 10.0 * np.exp(-k * DT / p.tau_inh_ms)
        g_tot = p.g_leak_nS + ge + gi
        v_inf = (p.g_leak_nS * p.e_leak_mV + ge * p.e_exc_mV + gi * p.e_inh_mV) / g_tot
        ref[k + 1] = v_inf + (ref[k] - v_inf) * np.exp(-DT * g_tot / p.c_pF)
    assert np.allclose(v, ref, rtol=0, atol=1e-9)


def test_spike_reset_threshold_jumps_and_refractoriness():
    net = network_from_synapses(1, 1, [], [], [], [], exc_alpha=np.array([1.2]))
    sim = _sim(net)
    sim.state["v"][0] = -50.0  # above theta0 = -55 mV
    neurons, steps, *_ = sim.advance(1)
    assert list(neurons) == [0] and list(steps) == [0]
    assert sim.state["v"][0] == -80.0
    assert np.isclose(sim.state["h1"][0], 2.0 + 0.25 * 1.2)
    assert np.isclose(sim.state["h2"][0], 0.3)
    assert sim.state["trace"][0] == 1.0
    # strong drive during the 2 ms refractory period: v held at E_L, no spike
    for k in range(1, 20):
        sim.state["g_e"][0] = 500.0
        neurons, *_ = sim.advance(k + 1)
        assert len(neurons) == 0
        assert sim.state["v"][0] == -80.0
    sim.state["g_e"][0] = 500.0
    sim.advance(21)
    assert sim.state["v"][0] > -80.0


@pytest.mark.parametrize(("delay", "source"), [(13, 0), (0, 1), (20, 1), (30, 0), (0, 0)])
def test_delayed_transmission_timing(delay, source):
    target = 1 - source
    net = network_from_synapses(1, 1, [source], [target], [2.0], [delay])
    sim = _sim(net)
    sim.state["v"][source] = -50.0
    *_, ge, gi = sim.advance(delay + 5, state_every=1)
    g = ge if source == 0 else gi
    trace = g[:, target]
    # the spike of step 0 arrives in step `delay`, visible from the start of step delay + 1
    assert np.all(trace[: delay + 1] == 0.0)
    assert np.isclose(trace[delay + 1], 2.0)
    assert np.isclose(trace[delay + 2], 2.0 * np.exp(-DT / 6.0))


def _exp_neg(x):
    y = 0.125 * x
    p = 1.0 - y * (
        1.0 - y * (0.5 - y * (1.0 / 6.0 - y * (1.0 / 24.0 - y * (1.0 / 120.0 - y / 720.0))))
    )
    return ((p * p) ** 2) ** 2


def _decayed(x, factor, flush):
    """x·factor, with values below FLUSH_BELOW set to 0 if ``flush`` (as the kernel does)."""
    y = x * factor
    return np.where(np.abs(y) < FLUSH_BELOW, 0.0, y) if flush else y


def _reference_run(sim, n_steps, *, kind, eta, tau_rate_s, n_sources, tau_stdp=20.0, flush=True):
    """The step of eiplast.assembly.network written as one plain pass (numpy + Python loops): delays
    in increasing order, spikes of a step in increasing neuron order, synapses in stored order.
    Every model constant comes from docs/model-description.md (the module constants above) and the
    run's settings passed here, none from ``sim``: only its initial state, weights and network are
    used. ``flush=False`` lets decaying variables turn subnormal instead of setting them to 0.
    Returns (spike list, final weights); the simulator's state arrays are advanced in place."""
    net = sim.network
    n_exc, n = net.n_exc, net.n_total
    dt_over_c, g_leak, gl_el, e_exc, e_inh = DT / C_PF, G_L, G_L * E_L, E_E, E_I
    # exact decay over one step, exp(−dt/τ) (A2, A3; the C library's exp, as docs/model.md says)
    dec_ge, dec_gi = math.exp(-DT / TAU_E), math.exp(-DT / TAU_I)
    dec_h1, dec_h2 = math.exp(-DT / TAU_H1), math.exp(-DT / TAU_H2)
    dec_x, dec_r = math.exp(-DT / tau_stdp), math.exp(-DT / (tau_rate_s * 1000.0))
    theta0, theta_max, a2, e_leak = THETA0, THETA_MAX, A2, E_L
    ref_steps, bg_weight = round(T_REF / DT), W_BG
    k_hebb, w_max, rho = 20.0 / tau_stdp, W_MAX, RHO_HZ  # A4: κ = η·20/τ_stdp[ms]
    r_inc = 1.0 / (tau_rate_s * n_exc)  # A3: r += 1/(τ_r·N_E) per E spike
    alpha_hebb = 2.0 * RHO_HZ * tau_stdp / 1000.0  # A4: α = 2ρτ_stdp, τ in s
    a1 = np.full(n, A1_0)
    a1[:n_exc] += S_ALPHA * net.exc_alpha  # A2: a1 = a1_0 + s_α·exc_alpha for E neurons
    rule = {"hebb": 1, "rate": 2, "static": 0}[kind] if eta > 0 else 0
    # A3: n_bg Poisson sources of λ_bg per neuron, i.e. Poisson(N·n_bg·λ_bg·dt) events a step
    bg_cdf = rng.poisson_inverse_table(n * n_sources * RATE_BG * DT / 1000.0)
    st = sim.state
    v, g_e, g_i, h1, h2 = st["v"], st["g_e"], st["g_i"], st["h1"], st["h2"]
    trace, last_spike = st["trace"], st["last_spike"]
    word, r = st["rng_state"][0], st["rate_unit"][0]
    w = sim.weight_nS
    pre_of = net.presynaptic()
    by_pre_delay = {}
    for s in range(net.n_synapses):
        by_pre_delay.setdefault((pre_of[s], net.delay_steps[s]), []).append(s)
    incoming = {i: [s for s in range(net.n_synapses) if net.post[s] == i and pre_of[s] >= n_exc]
                for i in range(n_exc)}  # fmt: skip
    spikes_at, out = {}, []
    for step in range(n_steps):
        ge, gi = g_e.copy(), g_i.copy()
        g_tot = g_leak + ge + gi
        v_inf = (gl_el + ge * e_exc + gi * e_inh) / g_tot
        free = step - last_spike >= ref_steps
        v[:] = np.where(free, v_inf + (v - v_inf) * _exp_neg(dt_over_c * g_tot), v)
        g_e[:], g_i[:] = _decayed(ge, dec_ge, flush), _decayed(gi, dec_gi, flush)
        h1[:] = _decayed(h1, dec_h1, flush)
        h2[:] = _decayed(h2, dec_h2, flush)
        trace[:] = _decayed(trace, dec_x, flush)
        spikers = np.flatnonzero(free & (v > np.minimum(theta0 + h1 + h2, theta_max)))
        spikes_at[step] = spikers
        rate_step = eta * (r - rho)
        r = float(_decayed(r, dec_r, flush))
        n_events, word = rng.sample_table(np.uint64(word), bg_cdf)
        for _ in range(n_events):
            target, word = rng.next_index(np.uint64(word), n)
            g_e[target] += bg_weight
        for d in range(int(net.delay_steps.max()) + 1):
            for pre in spikes_at.get(step - d, []):
                for s in by_pre_delay.get((pre, d), []):
                    q = net.post[s]
                    if pre < n_exc:
                        g_e[q] += w[s]
                        continue
                    g_i[q] += w[s]
                    if q < n_exc and rule == 1:
                        x = float(w[s]) + eta * k_hebb * (trace[q] - alpha_hebb)
                        w[s] = min(max(x, 0.0), w_max)
                    elif q < n_exc and rule == 2:
                        w[s] = float(w[s]) + rate_step * (trace[q] + 1.0)
        for i in spikers[spikers < n_exc]:
            for s in incoming[i]:
                if rule == 1:
                    x = float(w[s]) + eta * k_hebb * trace[pre_of[s]]
                    w[s] = min(max(x, 0.0), w_max)
                elif rule == 2:
                    w[s] = float(w[s]) + rate_step * trace[pre_of[s]]
        for i in spikers:
            v[i] = e_leak
            h1[i] += a1[i]
            h2[i] += a2
            trace[i] += 1.0
            last_spike[i] = step
            out.append((step, i))
            if i < n_exc:
                r += r_inc
    st["rng_state"][0], st["rate_unit"][0] = word, r
    return out, w


@pytest.mark.parametrize("kind", ["hebb", "rate", "static"])
def test_kernel_matches_plain_reference_loop(kind, random_network):
    """Bit for bit: the kernel's split E/I delivery, segment lists, narrow index types,
    background draw and prefetching change nothing against one plain pass, and the plain pass
    takes its constants from the model description, so a wrong constant in the simulator
    (a decay factor, a threshold jump, the refractory period, α) fails here too. (κ = 20/τ_stdp
    is 1 at τ_stdp = 20 ms: test_slhp_rule_by_hand_reaches_both_bounds checks it.)"""
    net = random_network()
    plasticity = PlasticityParams(kind=kind, tau_rate_s=0.05)
    run = RunParams(duration_s=1.0, learning_rate=0.05, seed=7)
    background = BackgroundParams(n_sources=1500)
    fast = _sim(net, background=background, plasticity=plasticity, run=run)
    slow = _sim(net, background=background, plasticity=plasticity, run=run)
    n_steps = 2000
    neurons, steps, *_ = fast.advance(n_steps)
    ref, w_ref = _reference_run(slow, n_steps, kind=kind, eta=0.05, tau_rate_s=0.05, n_sources=1500)
    assert len(ref) > 150
    assert list(zip(steps.tolist(), neurons.tolist(), strict=True)) == ref
    assert np.array_equal(fast.weight_nS, w_ref)
    if kind != "static":
        assert not np.array_equal(w_ref, net.weight_nS)
    for name in ("v", "g_e", "g_i", "h1", "h2", "trace", "rate_unit", "rng_state"):
        assert np.array_equal(fast.state[name], slow.state[name]), name


def test_decay_flushes_below_the_subnormal_range():
    assert decay(3.0, 0.5) == 1.5
    assert decay(-3.0, 0.5) == -1.5
    assert decay(1.5 * FLUSH_BELOW, 0.5) == 0.0
    assert decay(-1.5 * FLUSH_BELOW, 0.5) == 0.0
    assert decay(4.0 * FLUSH_BELOW, 0.5) == 2.0 * FLUSH_BELOW
    assert FLUSH_BELOW * 0.5 > np.finfo(np.float64).tiny  # a decay step cannot land in it


@pytest.mark.parametrize("kind", ["hebb", "rate"])
def test_flushing_decayed_state_changes_no_output(kind, random_network):
    """Neurons that stay silent let H1, H2 and x decay through float64's subnormal range; the
    kernel sets them to 0 instead. Against the plain loop *without* that flush, spikes, weights
    and v are bit-identical, and the state differs only where the plain loop holds a subnormal
    number (there the kernel holds 0)."""
    net = random_network()
    plasticity = PlasticityParams(kind=kind, tau_rate_s=0.05)
    run = RunParams(duration_s=1.0, learning_rate=0.05, seed=7)
    background = BackgroundParams(n_sources=1050)  # 30 of the 50 neurons spike in 0.2 s
    fast = _sim(net, background=background, plasticity=plasticity, run=run)
    slow = _sim(net, background=background, plasticity=plasticity, run=run)
    for sim in (fast, slow):  # near the bottom of the normal range: subnormal in ≤ 700 steps
        sim.state["h1"][:] = 1e-306
        sim.state["trace"][:] = 1e-306
        sim.state["h2"][:] = 3e-308
    n_steps = 2000
    neurons, steps, *_ = fast.advance(n_steps)
    ref, w_ref = _reference_run(
        slow, n_steps, kind=kind, eta=0.05, tau_rate_s=0.05, n_sources=1050, flush=False
    )
    assert len(ref) > 20
    assert list(zip(steps.tolist(), neurons.tolist(), strict=True)) == ref
    assert np.array_equal(fast.weight_nS, w_ref)
    assert not np.array_equal(w_ref, net.weight_nS)
    assert np.array_equal(fast.state["v"], slow.state["v"])
    tiny = np.finfo(np.float64).tiny
    for name in ("h1", "h2", "trace"):
        ours, plain = fast.state[name], slow.state[name]
        plain_subnormal = (plain != 0) & (np.abs(plain) < tiny)
        assert plain_subnormal.any(), name  # the case the flush is for did occur
        assert np.all((ours == plain) | ((ours == 0) & plain_subnormal)), name
        assert not np.any((ours != 0) & (np.abs(ours) < tiny)), name


def test_index_widths_do_not_change_results(small_network):
    """uint16 targets / int32 pointers (the default here) and int32 / int64 give the same run."""
    run = RunParams(duration_s=0.3, learning_rate=1e-2, seed=3)
    sims = [NetworkSimulator(small_network, NeuronParams(), BackgroundParams(),
                             PlasticityParams(kind="hebb"), run) for _ in range(2)]  # fmt: skip
    assert sims[0].post.dtype == np.uint16 and sims[0].delay_ptr.dtype == np.int32
    sims[1].post = small_network.post.astype(np.int32)
    sims[1].delay_ptr = sims[1].delay_ptr.astype(np.int64)
    a, b = (sim.advance(3000) for sim in sims)
    assert len(a[0]) > 1000
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert np.array_equal(sims[0].weight_nS, sims[1].weight_nS)


def test_background_is_independent_poisson_per_neuron():
    neuron = NeuronParams(theta0_mV=100.0, theta_max_mV=100.0)
    sim = _sim(_empty(150, 50), neuron, BackgroundParams())
    *_, ge, _ = sim.advance(4001, state_every=1)
    decay = np.exp(-DT / 6.0)
    counts = (ge[1:].astype(np.float64) - ge[:-1] * decay) / 0.3
    assert np.allclose(counts, np.round(counts), atol=1e-3)
    counts = np.round(counts)
    lam = 1000 * 2.0 * DT / 1000.0  # 0.2 events per neuron and step
    n = counts.size
    assert abs(counts.mean() - lam) < 5 * np.sqrt(lam / n)
    assert abs(counts.var() / lam - 1) < 0.03
    per_neuron = counts.mean(axis=0)
    assert abs(per_neuron[:150].mean() - per_neuron[150:].mean()) < 0.01
    corr = np.corrcoef(counts[:, :20].T)
    assert np.max(np.abs(corr[np.triu_indices(20, 1)])) < 0.1


def _expected_trace(spike_steps, n, tau_ms):
    """Trace value at step n after the decay, before that step's resets."""
    return sum(np.exp(-(n - k) * DT / tau_ms) for k in spike_steps if k < n)


def _drive(sim, forced, n_steps):
    """Force spikes at the given {step: [neurons]} by lifting v above threshold."""
    for step in range(n_steps):
        for i in forced.get(step, []):
            sim.state["v"][i] = -50.0
        sim.advance(step + 1)


@pytest.mark.parametrize("kind", ["hebb", "rate"])
def test_ie_plasticity_on_handmade_spike_trains(kind):
    delay, w0, eta, tau = 3, 1.0, 0.01, 20.0
    net = network_from_synapses(1, 1, [1], [0], [w0], [delay])
    plasticity = PlasticityParams(kind=kind, tau_stdp_ms=tau, target_rate_hz=3.0, tau_rate_s=0.05)
    sim = _sim(net, plasticity=plasticity, run=RunParams(duration_s=1.0, learning_rate=eta))
    inh_spikes = [10, 50, 100, 300]
    exc_spikes = [20, 53, 305]  # 53: the I spike of step 50 arrives in the same step
    forced = {}
    for s in inh_spikes:
        forced.setdefault(s, []).append(1)
    for s in exc_spikes:
        forced.setdefault(s, []).append(0)
    _drive(sim, forced, 400)

    k_hebb, alpha = 20.0 / tau, 2 * 3.0 * tau / 1000.0
    r_inc, tau_rate_ms = 1.0 / (0.05 * 1), 50.0
    w = w0
    for n in range(400):
        x_post = _expected_trace(exc_spikes, n, tau)
        x_pre = _expected_trace(inh_spikes, n, tau)
        # the rule reads r as it stood at the start of step n (before its decay in step n)
        r = r_inc * _expected_trace(exc_spikes, n, tau_rate_ms) * np.exp(DT / tau_rate_ms)
        if n - delay in inh_spikes:
            if kind == "hebb":
                w = min(max(w + eta * k_hebb * (x_post - alpha), 0.0), 100.0)
            else:
                w += eta * (r - 3.0) * (x_post + 1.0)
        if n in exc_spikes:
            if kind == "hebb":
                w = min(max(w + eta * k_hebb * x_pre, 0.0), 100.0)
            else:
                w += eta * (r - 3.0) * x_pre
    assert w != w0
    assert np.isclose(sim.weight_nS[0], w, rtol=1e-5, atol=1e-6)


def test_hebb_weights_are_clipped_at_zero():
    net = network_from_synapses(1, 1, [1], [0], [0.01], [0])
    plasticity = PlasticityParams(kind="hebb")
    sim = _sim(net, plasticity=plasticity, run=RunParams(duration_s=1.0, learning_rate=1.0))
    _drive(sim, {5: [1]}, 10)  # no postsynaptic activity: w += eta*(0 - alpha) < 0
    assert sim.weight_nS[0] == 0.0


def _forced_run(net, plasticity, eta, forced, n_steps):
    """Run a handmade network without background, spikes forced at ``{step: [neurons]}`` by
    lifting v to −20 mV (above any threshold reached here, even under 100 nS of inhibition).
    Returns the spikes as (step, neuron) and the weights after every step."""
    sim = _sim(net, plasticity=plasticity, run=RunParams(duration_s=1.0, learning_rate=eta))
    weights = np.empty((n_steps, net.n_synapses))
    spikes = []
    for step in range(n_steps):
        for i in forced.get(step, []):
            sim.state["v"][i] = -20.0
        neurons, steps, *_ = sim.advance(step + 1)
        spikes += list(zip(steps.tolist(), neurons.tolist(), strict=True))
        weights[step] = sim.weight_nS
    return spikes, weights


def _stored(w):
    """A weight as the kernel stores it (float32 nS)."""
    return float(np.float32(w))


def _hebb_by_hand(synapses, post_spikes, eta, tau_ms, w_max, n_steps):
    """Rule ``hebb`` of docs/model-description.md A4 for I→E synapses onto one E neuron,
    ``synapses`` = [(presynaptic spike steps, delay in steps, initial weight)]:

        κ = η·20/τ_stdp[ms],  α = 2ρτ_stdp (ρ in Hz, τ_stdp in s)
        arrival of a presynaptic spike:  w ← clip(w + κ (x_post − α), 0, w_max)
        postsynaptic spike:              w ← clip(w + κ x_pre, 0, w_max)

    traces as after the step's decay, before its spike increments; arrivals before
    postsynaptic updates. Returns the weights after every step and the (step, synapse) pairs
    where the clip at 0 and at w_max acted."""
    kappa = eta * 20.0 / tau_ms
    alpha = 2.0 * RHO_HZ * (tau_ms / 1000.0)
    w = [w0 for *_, w0 in synapses]
    out = np.empty((n_steps, len(synapses)))
    at_zero, at_max = [], []

    def update(j, raw, step):
        if raw < 0.0:
            at_zero.append((step, j))
        if raw > w_max:
            at_max.append((step, j))
        w[j] = _stored(min(max(raw, 0.0), w_max))

    for n in range(n_steps):
        x_post = _expected_trace(post_spikes, n, tau_ms)
        for j, (pre, delay, _) in enumerate(synapses):
            if n - delay in pre:
                update(j, w[j] + kappa * (x_post - alpha), n)
        if n in post_spikes:
            for j, (pre, _, _) in enumerate(synapses):
                update(j, w[j] + kappa * _expected_trace(pre, n, tau_ms), n)
        out[n] = w
    return out, at_zero, at_max


def _forced(spike_lists):
    forced = {}
    for neuron, steps in spike_lists.items():
        for step in steps:
            forced.setdefault(step, []).append(neuron)
    return forced


def test_flhp_rule_by_hand_reaches_both_bounds():
    """fLHP (rule ``hebb``, τ_stdp = 20 ms: κ = η, α = 0.12) with the default w_max = 100 nS.
    The first arrival finds no postsynaptic trace and is clipped at 0; postsynaptic spikes
    raise w to the clip at 100 nS (the arrival of step 63 too); late arrivals, after x_post
    has decayed below α, lower it again. Step 43 has an arrival and a postsynaptic spike (the
    arrival comes first and reads x_post without that spike)."""
    delay, w0, eta, tau = 3, 1.0, 40.0, 20.0
    net = network_from_synapses(1, 1, [1], [0], [w0], [delay])
    inh, exc = [10, 40, 60, 620, 650], [20, 43]
    spikes, weights = _forced_run(
        net, PlasticityParams(kind="hebb", tau_stdp_ms=tau), eta, _forced({0: exc, 1: inh}), 700
    )
    assert spikes == sorted([(s, 0) for s in exc] + [(s, 1) for s in inh])
    expected, at_zero, at_max = _hebb_by_hand([(inh, delay, w0)], exc, eta, tau, W_MAX, 700)
    assert at_zero and at_max  # the scenario reaches both bounds
    assert 0.0 < expected[-1, 0] < expected[623, 0] < W_MAX  # and leaves them
    np.testing.assert_allclose(weights, expected, rtol=2e-6, atol=1e-6)


def test_slhp_rule_by_hand_reaches_both_bounds():
    """sLHP (rule ``hebb_smooth_rate``: kind hebb, τ_stdp = 10 000 ms, so κ = 0.002·η and
    α = 2·3 Hz·10 s = 60) with a configured w_max of 5 nS. Synapse B (delay 20 ms, starts at
    4.91 nS) grows by κ·x_B ≈ 0.02 nS per postsynaptic spike up to the clip at 5 nS, then its
    late arrival lowers it by κ(x_post − α) ≈ −1.08 nS; synapse A (delay 0.3 ms, starts at
    2 nS) drops by the same amount per arrival and is clipped at 0. A kernel with κ = η, with
    τ/20 instead of 20/τ or with τ in ms in α moves these weights by 10²–10⁶ times more."""
    eta, tau, w_max = 10.0, 10_000.0, 5.0
    pre_a, pre_b, exc = [150, 175], [0], [5, 30, 55, 80, 105, 130, 230]
    net = network_from_synapses(1, 2, [1, 2], [0, 0], [2.0, 4.91], [3, 200])
    plasticity = PlasticityParams(kind="hebb", tau_stdp_ms=tau, w_max_nS=w_max)
    forced = _forced({0: exc, 1: pre_a, 2: pre_b})
    spikes, weights = _forced_run(net, plasticity, eta, forced, 260)
    assert len(spikes) == len(exc) + len(pre_a) + len(pre_b)
    synapses = [(pre_a, 3, 2.0), (pre_b, 200, 4.91)]  # in stored order (pre 1, then pre 2)
    expected, at_zero, at_max = _hebb_by_hand(synapses, exc, eta, tau, w_max, 260)
    assert {j for _, j in at_zero} == {0} and {j for _, j in at_max} == {1}
    assert 3.9 < expected[-1, 1] < 4.0 and 0.0 < expected[-1, 0] < 0.1
    np.testing.assert_allclose(weights, expected, rtol=2e-6, atol=1e-6)


def test_ghp_rule_by_hand_with_population_rate():
    """GHP (rule ``rate``, τ_stdp = 20 ms, ρ = 3 Hz, τ_r = 10 s), docs A3/A4:

        r ← r + 1/(τ_r·N_E) per E spike, decaying with τ_r; R = r − ρ, r read at the start
        of the step; arrival: w ← w + η R (x_post + 1); postsynaptic spike: w ← w + η R x_pre

    without clipping. Two E neurons fire together every 2.1 ms (E1 has no synapse, it only
    feeds r), so r climbs from 0 through ρ: early updates have R < 0 and drive w below 0,
    late ones R > 0. Step 651 has an arrival and a postsynaptic spike."""
    delay, w0, eta, tau, n_exc = 3, 1.0, 0.1, 20.0, 2
    exc = list(range(0, 715, 21))  # 35 spikes of each E neuron
    inh = [5, 300, 648, 760, 900]
    net = network_from_synapses(n_exc, 1, [2], [0], [w0], [delay])
    plasticity = PlasticityParams(kind="rate", tau_stdp_ms=tau)  # ρ, τ_r: defaults
    spikes, weights = _forced_run(net, plasticity, eta, _forced({0: exc, 1: exc, 2: inh}), 950)
    assert len(spikes) == 2 * len(exc) + len(inh)

    r_inc, tau_r_ms = 1.0 / (TAU_RATE_S * n_exc), TAU_RATE_S * 1000.0
    w, expected, signs = w0, np.empty(950), set()
    for n in range(950):
        # r at the start of step n: each E spike of step k < n, decayed over steps k+1 … n−1
        r = 2 * sum(r_inc * np.exp(-(n - 1 - k) * DT / tau_r_ms) for k in exc if k < n)
        if n - delay in inh:
            w = _stored(w + eta * (r - RHO_HZ) * (_expected_trace(exc, n, tau) + 1.0))
            signs.add(np.sign(r - RHO_HZ))
        if n in exc:
            w = _stored(w + eta * (r - RHO_HZ) * _expected_trace(inh, n, tau))
            signs.add(np.sign(r - RHO_HZ))
        expected[n] = w
    assert signs == {-1.0, 1.0} and expected.min() < -0.5  # both signs of R; no clip at 0
    np.testing.assert_allclose(weights[:, 0], expected, rtol=2e-6, atol=1e-6)


def _stage(net, path, stop_after_chunks=None, **run):
    run = RunParams(**{"duration_s": 1.0, "learning_rate": 1e-3, "seed": 5, **run})
    return simulate_network(
        net, NeuronParams(), BackgroundParams(), PlasticityParams(kind="hebb"), run, path,
        path.with_suffix(".trained.h5"), progress=False, stop_after_chunks=stop_after_chunks,
    )  # fmt: skip


def _read(path):
    with h5py.File(path, "r") as f:
        return f["spikes/neuron"][:], f["spikes/step"][:]


def test_interrupted_run_resumes_bit_identical(small_network, tmp_path):
    ref = tmp_path / "ref.h5"
    _stage(small_network, ref, chunk_s=0.25)
    cut = tmp_path / "cut.h5"
    assert _stage(small_network, cut, chunk_s=0.15, stop_after_chunks=3) is None
    assert not cut.exists()
    assert cut.with_name("cut.h5.ckpt").exists()
    _stage(small_network, cut, chunk_s=0.4)  # resumes, with yet another chunk length
    assert not cut.with_name("cut.h5.ckpt").exists()
    assert not cut.with_name("cut.h5.parts").exists()
    for a, b in zip(_read(ref), _read(cut), strict=True):
        assert len(a) > 1000
        assert np.array_equal(a, b)
    w_ref = load_connectivity(ref.with_suffix(".trained.h5")).weight_nS
    w_cut = load_connectivity(cut.with_suffix(".trained.h5")).weight_nS
    assert np.array_equal(w_ref, w_cut)
    assert not np.array_equal(w_ref, small_network.weight_nS)


def test_spike_budget_splits_chunks_without_changing_results(small_network, tmp_path, monkeypatch):
    """Chunks whose spikes exceed chunked.SEGMENT_SPIKES are simulated in pieces sized from the
    last piece's rate, one segment file each; the files are the same bytes, also across an
    interruption."""
    ref = tmp_path / "ref.h5"
    monkeypatch.setattr(chunked, "SPIKE_FILE_CHUNK", 256)
    _stage(small_network, ref, chunk_s=0.5)
    monkeypatch.setattr(chunked, "SEGMENT_SPIKES", 300)
    written = []
    write_segment = chunked._write_segment
    monkeypatch.setattr(
        chunked,
        "_write_segment",
        lambda parts, begin, end, neurons, *rest: (
            written.append((begin, end, len(neurons))),
            write_segment(parts, begin, end, neurons, *rest),
        ),
    )
    cut = tmp_path / "cut.h5"
    assert _stage(small_network, cut, chunk_s=0.5, stop_after_chunks=1) is None
    _stage(small_network, cut, chunk_s=0.5)
    assert len(written) > 2 * 2  # more segments than chunks
    assert [b for b, _, _ in written[1:]] == [e for _, e, _ in written[:-1]]  # they tile the run
    spikes_per_step = sum(n for *_, n in written) / (written[-1][1] - written[0][0])
    assert spikes_per_step * 5000 > 2 * 300  # a whole 0.5 s chunk would be over the budget
    planned = 30  # first piece: 300 spikes at 10 per step (1000 neurons at FIRST_PIECE_HZ)
    for (b0, e0, n0), (b1, e1, _) in zip(written, written[1:], strict=False):
        if b1 == 5000:  # the resumed run sizes its first piece afresh
            planned = 30
            continue
        planned = min(5000, 2 * planned, max(1, 300 * (e0 - b0) // n0) if n0 else 5000)
        assert e1 - b1 == planned or e1 % 5000 == 0  # or cut short by the chunk's end
    assert np.median([n for *_, n in written]) < 1.25 * 300  # the rate-based sizing holds
    for a, b in zip(_read(ref), _read(cut), strict=True):
        assert np.array_equal(a, b)
    assert filecmp.cmp(ref, cut, shallow=False)  # the same bytes, whatever the segments
    w_ref = load_connectivity(ref.with_suffix(".trained.h5")).weight_nS
    assert np.array_equal(w_ref, load_connectivity(cut.with_suffix(".trained.h5")).weight_nS)


def test_changed_parameters_do_not_resume_a_foreign_checkpoint(small_network, tmp_path, capsys):
    out = tmp_path / "x.h5"
    _stage(small_network, out, chunk_s=0.2, stop_after_chunks=1)
    capsys.readouterr()
    _stage(small_network, out, chunk_s=0.2, seed=6)
    assert "belongs to other parameters: starting from the beginning" in capsys.readouterr().err
    fresh = tmp_path / "fresh.h5"
    _stage(small_network, fresh, chunk_s=0.5, seed=6)
    for a, b in zip(_read(out), _read(fresh), strict=True):
        assert np.array_equal(a, b)


def test_static_run_keeps_weights_and_shuffle_permutes_ei(small_network):
    ei = small_network.ei_mask()
    weights = small_network.weight_nS.copy()
    weights[ei] = np.random.default_rng(0).uniform(0.1, 3.0, ei.sum())
    net = dataclasses.replace(small_network, weight_nS=weights)
    run = RunParams(duration_s=0.2, shuffle_ei=True, seed=2)
    sim = NetworkSimulator(net, NeuronParams(), BackgroundParams(),
                           PlasticityParams(kind="hebb"), run)  # fmt: skip
    before = sim.weight_nS.copy()
    sim.advance(2000)
    assert np.array_equal(sim.weight_nS, before)  # learning rate 0: static
    assert np.array_equal(before[~ei], weights[~ei])
    assert not np.array_equal(before[ei], weights[ei])
    assert np.array_equal(np.sort(before[ei]), np.sort(weights[ei]))


def test_stimulus_drives_chosen_neurons(small_network):
    chosen = tuple(range(40))
    run = RunParams(duration_s=0.5, stimuli=(Stimulus(0.1, 0.3, chosen),))
    sim = NetworkSimulator(small_network, NeuronParams(), BackgroundParams(),
                           PlasticityParams(kind="static"), run)  # fmt: skip
    neurons, steps, *_ = sim.advance(5000)
    inside = (steps >= 1000) & (steps < 3000)
    stim_rate = np.isin(neurons[inside], chosen).sum() / (40 * 0.2)
    other_rate = (~np.isin(neurons[inside], chosen) & (neurons[inside] < 800)).sum() / (760 * 0.2)
    assert stim_rate > 5 * max(other_rate, 1.0)


def test_cue_at_one_event_per_step_is_deterministic():
    """10 kHz at dt = 0.1 ms: one w_bg event every step (the reference's PoissonGroup fires when
    rand() < rate·dt = 1), so g_e of a cued neuron without other input is the closed form
    Σ_k 0.3·exp(−k·dt/τ_e) whatever the seed; at 5 kHz the events are random."""
    silent = NeuronParams(theta0_mV=100.0, theta_max_mV=100.0)
    cue = Stimulus(0.0, 0.01, (0,))  # steps 0 … 99
    g_e = {}
    for seed, rate in ((1, 10000.0), (2, 10000.0), (1, 5000.0), (2, 5000.0)):
        run = RunParams(duration_s=0.01, seed=seed,
                        stimuli=(dataclasses.replace(cue, rate_hz=rate),))  # fmt: skip
        sim = NetworkSimulator(_empty(2, 1), silent, QUIET, PlasticityParams(kind="static"), run)
        sim.advance(100)
        g_e[seed, rate] = sim.state["g_e"].copy()
    decay_step = math.exp(-DT / TAU_E)
    # 100 events, the last one not yet decayed: the state after step 99's decay then input
    expected = 0.3 * sum(decay_step**k for k in range(100))
    assert g_e[1, 10000.0][0] == pytest.approx(expected, rel=1e-9)
    assert np.array_equal(g_e[1, 10000.0], g_e[2, 10000.0])
    assert g_e[1, 10000.0][1] == 0.0  # not cued
    assert g_e[1, 5000.0][0] != g_e[2, 5000.0][0]
    assert 0.2 * expected < g_e[1, 5000.0][0] < 0.8 * expected


def test_many_cue_windows_give_the_same_run_in_any_pieces(small_network):
    """The simulator hands the kernel only the cue windows of each call's span: a run advanced
    in pieces that cut windows (and skip some entirely) equals one advanced at once."""
    cues = tuple(Stimulus(0.02 * i, 0.02 * i + 0.01, tuple(range(3 * i, 3 * i + 10)))
                 for i in range(20))  # fmt: skip
    run = RunParams(duration_s=0.5, stimuli=cues, seed=5)
    whole = NetworkSimulator(small_network, NeuronParams(), BackgroundParams(),
                             PlasticityParams(kind="static"), run)  # fmt: skip
    neurons, steps, *_ = whole.advance(5000)
    pieces = NetworkSimulator(small_network, NeuronParams(), BackgroundParams(),
                              PlasticityParams(kind="static"), run)  # fmt: skip
    got = [pieces.advance(end)[:2] for end in (37, 150, 151, 1999, 2600, 5000)]
    assert np.array_equal(np.concatenate([g[0] for g in got]), neurons)
    assert np.array_equal(np.concatenate([g[1] for g in got]), steps)
    assert np.array_equal(pieces.state["g_e"], whole.state["g_e"])
    assert np.isin(np.arange(60), neurons[steps < 4000]).sum() > 40  # the cues drove them


def test_silent_run_writes_an_empty_spike_file(tmp_path):
    out = tmp_path / "silent.h5"
    net = _empty(4, 2)
    run = RunParams(duration_s=0.05)
    simulate_network(net, NeuronParams(), QUIET, PlasticityParams(kind="static"), run, out,
                     progress=False)  # fmt: skip
    with h5py.File(out) as f:
        assert f["spikes/neuron"].shape == (0,)
        assert f.attrs["n_steps"] == 500


def test_stimuli_from_config_dicts_and_bad_windows():
    run = RunParams.from_dict(
        {"duration_s": 1.0, "stimuli": [{"start_s": 0.1, "end_s": 0.2, "neurons": [1, 2]}]}
    )
    assert run.stimuli[0].neurons == (1, 2)
    with pytest.raises(ParameterError, match="start_s"):
        RunParams.from_dict({"duration_s": 1.0, "stimuli": [{"start_s": 0.3, "end_s": 0.2,
                                                              "neurons": [1]}]})  # fmt: skip
    with pytest.raises(ParameterError, match="unknown key"):
        RunParams.from_dict({"duration_s": 1.0, "duration": 2})
