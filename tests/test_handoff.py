"""Hand-off of the robust conductance statistics to the perturbation stage (A6): the CSV of
``stages.conductance_statistics`` (neuron, population, mean_e, mean_i, std_e, std_i,
pearson_r) drives ``stages.run_perturbation``, and each isolated neuron must get its own row's
values in the right places."""

import h5py
import numpy as np
import pandas as pd
import pytest

from eiplast import stages
from eiplast.assembly.connectivity import network_from_synapses, save_connectivity
from eiplast.assembly.isolation import IsolationSimulator
from eiplast.assembly.perturbation import perturbation_schedule

COLUMNS = ["neuron", "population", "mean_e", "mean_i", "std_e", "std_i", "pearson_r"]
N_EXC, N_INH = 4, 3
EXC_ALPHA = np.array([0.5, -1.0, 1.5, 0.0])
# Planted statistics (nS), one distinct role per neuron. Without noise an isolated neuron
# fires when its equilibrium potential (g_L E_L + μ_e E_e + μ_i E_i)/(g_L + μ_e + μ_i) lies
# above θ_0 = −55 mV, i.e. (E_L = E_i = −80 mV, g_L = 10 nS) when 55 μ_e > 250 + 25 μ_i:
#   0  μ = (20, 5), no noise: fires;  swapped means (5, 20): silent
#   1  μ = (5, 20), no noise: silent; swapped means: fires
#   2  μ = (7, 12) just below threshold, excitatory noise σ_e = 4: fires by noise
#   3  the same with inhibitory noise σ_i = 4 instead, which moves v about half as much
#      (|v − E_i| ≈ 25 mV against |v − E_e| ≈ 55 mV near threshold): fires far less
#   4  μ = (6, 12), σ_e = σ_i = 4, r = −0.9: g_e up with g_i down, large swings of v
#   5  the same with r = +0.9: excitation and inhibition cancel, fires far less
#   6  μ = (9, 2), σ_e = 2, σ_i = 0 (constant g_i: correlation undefined, written empty and
#      driven with r = 0); fires; swapped means (2, 9): silent
PLANTED = pd.DataFrame(
    {
        "neuron": np.arange(7),
        "population": ["E"] * N_EXC + ["I"] * N_INH,
        "mean_e": [20.0, 5.0, 7.0, 7.0, 6.0, 6.0, 9.0],
        "mean_i": [5.0, 20.0, 12.0, 12.0, 12.0, 12.0, 2.0],
        "std_e": [0.0, 0.0, 4.0, 0.0, 4.0, 4.0, 2.0],
        "std_i": [0.0, 0.0, 0.0, 4.0, 4.0, 4.0, 0.0],
        "pearson_r": [0.0, 0.0, 0.0, 0.0, -0.9, 0.9, np.nan],
    }
)
# stages.perturbation as a configuration writes it
SCHEDULE = {
    "repetitions": 1,
    "amplitude_min_nS": -0.35,
    "amplitude_max_nS": 0.35,
    "n_amplitudes": 2,
    "step_s": 0.1,
    "stim_steps": 2,
    "inh_factor": 2.0,
    "chunk_s": 100.0,
}
SEED = 6


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A network file without synapses and the planted statistics in a CSV written the way
    ``stages.conductance_statistics`` writes it: a real (short) conductance run of that
    network gives the file, whose value columns are then replaced by the planted ones."""
    tmp = tmp_path_factory.mktemp("handoff")
    net = network_from_synapses(N_EXC, N_INH, [], [], [], [], exc_alpha=EXC_ALPHA)
    save_connectivity(net, tmp / "net.h5")
    run = {"duration_s": 0.02, "seed": 4, "record_state": True, "state_interval_ms": 1.0}
    stages.run_network_stage(tmp / "net.h5", tmp / "cond.h5", run=run, progress=False)
    stages.conductance_statistics(tmp / "cond.h5", tmp / "stats.csv", skip_s=0.0)
    written = pd.read_csv(tmp / "stats.csv")
    assert written.columns.tolist() == COLUMNS
    assert written["neuron"].tolist() == list(range(7))
    assert written["population"].tolist() == PLANTED["population"].tolist()
    for name in COLUMNS[2:]:
        written[name] = PLANTED[name]
    written.to_csv(tmp / "stats.csv", index=False)
    return tmp


def _perturb(files, stats_csv, name, **kwargs):
    out = files / name
    stages.run_perturbation(stats_csv, out, network_file=files / "net.h5", schedule=SCHEDULE,
                            seed=SEED, progress=False, **kwargs)  # fmt: skip
    with h5py.File(out) as f:
        return f["spikes/neuron"][:], f["spikes/step"][:]


def test_each_neuron_gets_its_own_statistics(files):
    neurons, steps = _perturb(files, files / "stats.csv", "all.h5")
    counts = np.bincount(neurons, minlength=7)
    # the means: from firing and silence alone
    assert counts[0] > 50 and counts[6] > 50
    assert counts[1] == 0
    # σ_e and σ_i in their places: excitatory noise drives far more spikes
    assert counts[2] >= 8 and counts[2] > 2 * counts[3]
    # r in its place: anticorrelated conductances drive far more spikes than correlated ones
    assert counts[4] >= 8 and counts[4] > 2 * counts[5]

    # spike for spike: the run equals the isolated neurons built from the planted table
    # directly (every column, including r, to the last bit of its noise amplitudes)
    stats = {name: PLANTED[name].to_numpy() for name in COLUMNS[2:]}
    schedule = perturbation_schedule(1, [-0.35, 0.35], 2, inh_factor=2.0)
    sim = IsolationSimulator(np.arange(7), N_EXC, EXC_ALPHA, stats, schedule, seed=SEED)
    ref_neurons, ref_steps, *_ = sim.advance(sim.n_steps)
    assert np.array_equal(neurons, ref_neurons) and np.array_equal(steps, ref_steps)

    # rows are found by the neuron column, not by their position in the file
    shuffled = pd.read_csv(files / "stats.csv").sample(frac=1.0, random_state=1)
    assert shuffled["neuron"].tolist() != list(range(7))
    shuffled.to_csv(files / "shuffled.csv", index=False)
    again = _perturb(files, files / "shuffled.csv", "shuffled.h5")
    assert np.array_equal(again[0], neurons) and np.array_equal(again[1], steps)


def test_a_shard_gets_the_same_statistics(files):
    """A shard (neurons 2 … 5) gets the same statistics, and noise, for its neurons as the
    whole population, as the workflow's perturbation shards need (its spike file holds global
    neuron indices, beyond the shard's size)."""
    neurons, steps = _perturb(files, files / "stats.csv", "whole.h5")
    part = _perturb(files, files / "stats.csv", "part.h5", neuron_start=2, neuron_stop=6)
    keep = (neurons >= 2) & (neurons < 6)
    assert np.array_equal(part[0], neurons[keep]) and np.array_equal(part[1], steps[keep])
