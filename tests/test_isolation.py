"""Isolation (perturbation) mode: OU statistics, per-neuron streams, resume."""

import h5py
import numpy as np
import pytest
from scipy.integrate import solve_ivp

from eiplast.assembly.isolation import IsolationSimulator, simulate_isolated
from eiplast.assembly.params import NeuronParams
from eiplast.assembly.perturbation import perturbation_schedule

SILENT = NeuronParams(theta0_mV=1e6, theta_max_mV=1e6)


def _stats(n, mean_e=10.0, mean_i=30.0, std_e=2.0, std_i=4.0, r=0.5):
    return {
        "mean_e": np.full(n, mean_e),
        "mean_i": np.full(n, mean_i),
        "std_e": np.full(n, std_e),
        "std_i": np.full(n, std_i),
        "pearson_r": np.full(n, r),
    }


def test_ou_conductances_have_requested_statistics():
    n = 4000
    sim = IsolationSimulator(
        np.arange(n), n, np.zeros(n), _stats(n), perturbation_schedule(1), seed=4, neuron=SILENT
    )
    sim.advance(3000)  # 300 ms = 50 time constants: stationary
    ge0, gi0 = sim.state["g_e"].copy(), sim.state["g_i"].copy()
    sim.advance(3060)  # one time constant (6 ms) later
    ge1 = sim.state["g_e"]
    # Euler–Maruyama OU with a = dt/τ has stationary variance σ²/(1 − a/2)
    a = 0.1 / 6.0
    inflate = np.sqrt(1.0 / (1.0 - a / 2.0))
    se = 1.0 / np.sqrt(n)
    assert abs(ge0.mean() - 10.0) < 5 * 2.0 * se
    assert abs(gi0.mean() - 30.0) < 5 * 4.0 * se
    assert abs(ge0.std() / (2.0 * inflate) - 1) < 5 * se
    assert abs(gi0.std() / (4.0 * inflate) - 1) < 5 * se
    assert abs(np.corrcoef(ge0, gi0)[0, 1] - 0.5) < 5 * se
    # autocorrelation after one τ: (1 − a)^60 ≈ e^−1
    assert abs(np.corrcoef(ge0, ge1)[0, 1] - (1 - a) ** 60) < 5 * se


def _spikes(ids, stats, n_steps, seed=9):
    sim = IsolationSimulator(
        ids, 80, np.linspace(-1, 1, 80), stats, perturbation_schedule(2), seed=seed
    )
    neurons, steps, *_ = sim.advance(n_steps)
    return neurons, steps


def test_subset_of_neurons_spikes_as_in_the_population():
    n = 100
    stats = _stats(n, mean_e=14.0, mean_i=25.0, std_e=4.0)
    stats["mean_e"] = np.linspace(10, 18, n)
    all_neurons, all_steps = _spikes(np.arange(n), stats, 20000)
    assert len(all_neurons) > 200
    subset = np.array([3, 50, 77, 99])
    sub_stats = {k: v[subset] for k, v in stats.items()}
    sub_neurons, sub_steps = _spikes(subset, sub_stats, 20000)
    keep = np.isin(all_neurons, subset)
    assert np.array_equal(sub_neurons, all_neurons[keep])
    assert np.array_equal(sub_steps, all_steps[keep])
    other_seed = _spikes(subset, sub_stats, 20000, seed=10)
    assert not np.array_equal(other_seed[1], sub_steps)


def test_external_conductance_schedule_changes_firing():
    n = 2000
    stats = _stats(n, mean_e=12.0, mean_i=25.0, std_e=3.0)
    strong = (np.r_[0.0, 3.0], np.r_[0.0, 0.0])  # 0 nS for 0.1 s, then +3 nS on g_e
    sim = IsolationSimulator(np.arange(n), n, np.zeros(n), stats, strong, seed=2)
    neurons, steps, *_ = sim.advance(2000)
    before = np.count_nonzero((steps >= 500) & (steps < 1000))
    after = np.count_nonzero(steps >= 1500)
    assert after > 2 * max(before, 10)


def test_interrupted_isolation_run_resumes_identically(tmp_path):
    n = 50
    stats = _stats(n, mean_e=14.0, std_e=4.0)
    schedule = perturbation_schedule(1)
    kwargs = dict(seed=3, progress=False, dt_ms=0.1)
    ref = tmp_path / "ref.h5"
    simulate_isolated(np.arange(n), 40, 10, np.zeros(40), stats, schedule, ref, chunk_s=2.0,
                      **kwargs)  # fmt: skip
    cut = tmp_path / "cut.h5"
    assert simulate_isolated(np.arange(n), 40, 10, np.zeros(40), stats, schedule, cut,
                             chunk_s=0.7, stop_after_chunks=2, **kwargs) is None  # fmt: skip
    simulate_isolated(np.arange(n), 40, 10, np.zeros(40), stats, schedule, cut, chunk_s=3.0,
                      **kwargs)  # fmt: skip
    with h5py.File(ref) as a, h5py.File(cut) as b:
        assert a["spikes/step"].shape[0] > 100
        assert np.array_equal(a["spikes/step"][:], b["spikes/step"][:])
        assert np.array_equal(a["spikes/neuron"][:], b["spikes/neuron"][:])
        assert a.attrs["n_steps"] == len(schedule[0]) * 1000


# Model constants restated from docs/model-description.md (A2 neuron, A6 isolated neurons), so
# that the isolation kernel is checked against the description, not against itself.
C_PF, G_L, E_L, E_E, E_I = 200.0, 10.0, -80.0, 0.0, -80.0  # pF, nS, mV
TAU_OU, TAU_H1, TAU_H2 = 6.0, 10.0, 200.0  # ms
THETA0, THETA_MAX, A1_0, S_ALPHA, A2, T_REF = -55.0, 0.0, 2.0, 0.25, 0.3, 2.0  # mV, ms

# External conductance steps of both signs on both channels, 20 ms each (nS): E drive, rest,
# I drive, I withdrawal, E withdrawal, both together, rest.
BIN_MS = 20.0
G_EXT_E = np.array([0.0, 20.0, 0.0, 0.0, 0.0, -10.0, 30.0, 0.0])
G_EXT_I = np.array([0.0, 0.0, 0.0, 20.0, -20.0, 0.0, 10.0, 0.0])
# One E neuron (global index 0, exc_alpha 1.2) and one I neuron (index 3) without noise
# (std 0): their conductances relax from 0 to the means with τ = 6 ms and stay there.
ISOLATED = (
    {"gid": 0, "mu_e": 15.0, "mu_i": 30.0, "a1": A1_0 + S_ALPHA * 1.2, "v0": -75.0},
    {"gid": 3, "mu_e": 12.0, "mu_i": 20.0, "a1": A1_0, "v0": -62.0},
)


def _noiseless_run(dt_ms, sample_every):
    """The two neurons in the isolation kernel; returns their spike steps and v at every
    ``sample_every``-th step boundary (v[0] is the initial value)."""
    stats = {
        "mean_e": np.array([c["mu_e"] for c in ISOLATED]),
        "mean_i": np.array([c["mu_i"] for c in ISOLATED]),
        "std_e": np.zeros(2),
        "std_i": np.zeros(2),
        "pearson_r": np.zeros(2),
    }
    ids = np.array([c["gid"] for c in ISOLATED])
    sim = IsolationSimulator(ids, 2, np.array([1.2, 0.0]), stats, (G_EXT_E, G_EXT_I), seed=1,
                             dt_ms=dt_ms, step_s=BIN_MS / 1000.0)  # fmt: skip
    sim.state["v"][:] = [c["v0"] for c in ISOLATED]
    v, neurons, steps = [sim.state["v"].copy()], [], []
    for end in range(sample_every, sim.n_steps + 1, sample_every):
        nn, st, *_ = sim.advance(end)
        neurons.append(nn)
        steps.append(st)
        v.append(sim.state["v"].copy())
    neurons, steps = np.concatenate(neurons), np.concatenate(steps)
    spikes = [steps[neurons == c["gid"]] for c in ISOLATED]
    return spikes, np.array(v), sim.n_steps


def _clock_driven_ode(mu_e, mu_i, a1, v0, dt_ms, n_steps):
    """The isolated neuron of A2/A6 with σ = 0, integrated independently: between threshold
    checks v follows the ODE exactly (solve_ivp, tolerance 1e-10) with
    g_e(t) = μ_e (1 − e^(−t/τ)) + G_e(t) (likewise g_i), the noiseless OU started at 0.
    The threshold is checked at the end of every step of dt, as the model says; a spike in
    step s (crossing found at (s + 1)·dt) resets v to E_L, adds a1 to H1 and a2 to H2 (both
    then decay exactly), and holds v at E_L until 2 ms after the step's start, (s + 20)·dt.
    Returns the spike steps and v at every step boundary."""
    steps_per_bin, ref_steps = round(BIN_MS / dt_ms), round(T_REF / dt_ms)
    v = np.full(n_steps + 1, E_L)
    v[0] = v0
    spikes, n = [], 0  # v[n] is known; integrate from step n on
    while n < n_steps:
        b = n // steps_per_bin
        end = min((b + 1) * steps_per_bin, n_steps)

        def rhs(t, y, ge_x=G_EXT_E[b], gi_x=G_EXT_I[b]):
            ge = mu_e * (1.0 - np.exp(-t / TAU_OU)) + ge_x
            gi = mu_i * (1.0 - np.exp(-t / TAU_OU)) + gi_x
            return (-G_L * (y - E_L) - ge * (y - E_E) - gi * (y - E_I)) / C_PF

        grid = np.arange(n, end + 1) * dt_ms
        vs = solve_ivp(rhs, (grid[0], grid[-1]), [v[n]], t_eval=grid, rtol=1e-10,
                       atol=1e-10).y[0]  # fmt: skip
        jump = np.zeros(len(grid))
        for s in spikes:
            since = grid - (s + 1) * dt_ms
            jump += a1 * np.exp(-since / TAU_H1) + A2 * np.exp(-since / TAU_H2)
        above = np.flatnonzero(vs[1:] > np.minimum(THETA0 + jump[1:], THETA_MAX))
        if len(above):
            s = n + above[0]  # the step in which v crossed
            v[n + 1 : s + 1] = vs[1 : above[0] + 1]
            spikes.append(s)
            n = min(s + ref_steps, n_steps)
            v[s + 1 : n + 1] = E_L
        else:
            v[n + 1 : end + 1] = vs[1:]
            n = end
    return np.array(spikes, dtype=np.int64), v


@pytest.mark.parametrize(
    ("dt_ms", "tol_spike_ms", "tol_v_mV"),
    # the isolation kernel takes Euler steps (A6): its error shrinks with dt
    [(0.1, 0.3, 1.5), (0.01, 0.06, 0.3)],
)
def test_isolated_neuron_matches_independent_integration(dt_ms, tol_spike_ms, tol_v_mV):
    """v, spikes, threshold jumps, reset and refractoriness of noiseless isolated neurons
    driven by known means and external steps on g_ext,e and g_ext,i of both signs, against
    the ODE integrated by scipy (``_clock_driven_ode``). Both neurons fire only under
    excitatory drive (bin 1), inhibitory withdrawal (bin 4) and both together (bin 6); the
    inhibitory step of bin 3 lowers v by 5–6 mV. Tolerances: spike times within
    ``tol_spike_ms``; v within ``tol_v_mV`` wherever no spike of either solution lies in
    the preceding 6 ms or the next 0.3 ms (around a spike a shift of one step is a jump of
    tens of mV)."""
    every = round(1.0 / dt_ms)  # v sampled every 1 ms
    spikes, v, n_steps = _noiseless_run(dt_ms, every)
    steps_per_bin = round(BIN_MS / dt_ms)
    grid = np.arange(0, n_steps + 1, every)
    for k, c in enumerate(ISOLATED):
        ref_spikes, ref_v = _clock_driven_ode(c["mu_e"], c["mu_i"], c["a1"], c["v0"], dt_ms,
                                              n_steps)  # fmt: skip
        per_bin = np.bincount(ref_spikes // steps_per_bin, minlength=len(G_EXT_E))
        assert np.array_equal(np.flatnonzero(per_bin), [1, 4, 6])  # the scenario
        assert per_bin[1] >= 3 and per_bin[6] >= 3
        assert np.array_equal(np.bincount(spikes[k] // steps_per_bin, minlength=8), per_bin)
        assert np.abs(spikes[k] - ref_spikes).max() * dt_ms <= tol_spike_ms
        near = np.concatenate([spikes[k], ref_spikes]) * dt_ms
        lag = grid[:, None] * dt_ms - near[None, :]
        quiet = np.all((lag < -0.3) | (lag > 6.0), axis=1)
        assert quiet.sum() > 0.6 * len(grid)
        assert np.abs(v[quiet, k] - ref_v[grid][quiet]).max() < tol_v_mV
        late_bin3 = (grid >= 3.5 * steps_per_bin) & (grid < 4 * steps_per_bin)  # G_i = +20 nS
        late_bin2 = (grid >= 2.5 * steps_per_bin) & (grid < 3 * steps_per_bin)  # G = 0
        assert ref_v[grid][late_bin3].max() < ref_v[grid][late_bin2].min() - 4.0


def test_isolated_neuron_follows_the_documented_euler_step():
    """The same noiseless neurons against A6's scheme written out: every variable takes an
    Euler step from its values at the start of the step,

        v ← v + dt/C·(−g_L(v − E_L) − (g_e + G_e)(v − E_e) − (g_i + G_i)(v − E_i))  (if free)
        g ← g + (dt/τ)(μ − g),   H ← H·(1 − dt/τ_H),

    then a free neuron with v > min(θ_0 + H1 + H2, θ_max) spikes (v ← E_L, H1 += a1,
    H2 += a2; free again 2 ms = 20 steps after the spike's step). Same spike steps and v to
    rounding."""
    dt = 0.1
    spikes, v, n_steps = _noiseless_run(dt, 10)
    steps_per_bin, ref_steps = round(BIN_MS / dt), round(T_REF / dt)
    for k, c in enumerate(ISOLATED):
        vv, ge, gi, h1, h2, last = c["v0"], 0.0, 0.0, 0.0, 0.0, -(10**9)
        out, v_ref = [], [vv]
        for n in range(n_steps):
            ge_x, gi_x = G_EXT_E[n // steps_per_bin], G_EXT_I[n // steps_per_bin]
            free = n - last >= ref_steps
            if free:
                vv += dt / C_PF * (-G_L * (vv - E_L) - (ge + ge_x) * (vv - E_E)
                                   - (gi + gi_x) * (vv - E_I))  # fmt: skip
            ge += dt / TAU_OU * (c["mu_e"] - ge)
            gi += dt / TAU_OU * (c["mu_i"] - gi)
            h1 *= 1.0 - dt / TAU_H1
            h2 *= 1.0 - dt / TAU_H2
            if free and vv > min(THETA0 + h1 + h2, THETA_MAX):
                vv, h1, h2, last = E_L, h1 + c["a1"], h2 + A2, n
                out.append(n)
            if (n + 1) % 10 == 0:
                v_ref.append(vv)
        assert len(out) > 8
        assert spikes[k].tolist() == out
        np.testing.assert_allclose(v[:, k], v_ref, rtol=0, atol=1e-9)
