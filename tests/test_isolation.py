"""Isolation (perturbation) mode: OU statistics, per-neuron streams, resume."""

import h5py
import numpy as np

from eiplast.analysis.sensitivity import perturbation_schedule
from eiplast.isolation import IsolationSimulator, simulate_isolated
from eiplast.params import NeuronParams

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
