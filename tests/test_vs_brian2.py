"""Statistical comparison of our core with Brian2 running the reference model.

See docs/brian2-comparison.md.

Connected network
-----------------
A reduced network (N_E 800, N_I 200, P 20, reference weights unscaled) is simulated with I→E
plasticity by our core (in this process) and by Brian2 (``bench/brian2_reference.py``, C++
standalone, in ``.venv-brian2`` through a subprocess), once per rule: the local ``hebb`` rule
(fLHP) and the global ``rate`` rule (GHP). The random numbers differ, so statistics are compared,
never spikes.

Network choice: at this size the unscaled reference weights give an asynchronous irregular state
(E ≈ 9.5 Hz, I ≈ 16 Hz at the start, ISI CV ≈ 0.9). Scaling the recurrent weights by
sqrt(N_ref/N) ≈ 3.2 was tried and rejected: it drives the small assemblies into bursts (E ≈ 16 Hz,
ISI CV ≈ 2.9), a regime dominated by a few neurons. η = 1e-2 (ten times the paper's) makes the
I→E weights move far within the run, so the weight statistics test the plasticity rule rather
than the initial weights. ``hebb`` runs 30 s and is compared after the first 5 s. ``rate`` acts
through the population rate smoothed over 10 s and settles slowly (the E rate undershoots to
≈ 2.3 Hz at 30 s and reaches ρ = 3 Hz after ≈ 50 s), so it runs 120 s and is compared over the
last 60 s, where the rule holds the E rate at ρ.

Tolerances come from our engine alone, never from the Brian2 runs they judge. If Brian2 runs the
same model, its statistics differ from ours as much as two runs of our core with different seeds
do. ``SPREAD`` holds that null distribution, measured over ten seeds of our core (seeds 11–20,
none of them the test's own run; ``python tests/test_vs_brian2.py`` measures it again and prints
the table):

* a scalar statistic (mean rate, median ISI CV, I→E weight mean, std and quantiles): its
  standard deviation σ over the ten runs. The difference of two independent runs has standard
  deviation √2·σ, and the test allows ``Z = 5`` of those: |ours − Brian2| < 5·√2·σ. With σ
  estimated from ten runs the statistic (ours − Brian2)/(√2·σ̂) is Student-t with 9 degrees of
  freedom under the null, and P(|t₉| > 5) = 7e-4 per statistic (< 2 % for the 22 scalars of both
  rules together, less in effect since they are correlated).
* a statistic of a pair of runs (KS distance of per-neuron rates, of ISI CVs, of I→E weights;
  per-neuron rate and per-synapse weight correlation, which compare the same neurons and
  synapses): its mean m and standard deviation s over the 45 pairs of the ten runs; the test
  allows KS < m + 5·s and correlation > m − 5·s. These distributions are skewed (under ``rate``
  which assemblies carry the activity varies from seed to seed), so no normal probability is
  claimed: Cantelli's inequality bounds a false alarm by 1/26 per statistic whatever the
  distribution, and the most extreme of the 45 pairs lay 3.8·s from m.

``tolerances()`` computes the bounds from ``SPREAD``. When the table was measured, the test's own
pair (ours seed 1, Brian2 seed 2) lay within 1.6 null standard deviations on every statistic but
one: the per-synapse weight correlation under ``hebb``, 0.9923 against 0.9946 ± 0.0010 between
our seeds (2.4 s below m; the lowest of our 45 pairs was 0.9919). Sensitivity, checked by running
the test on a copy of our core with the target rate ρ 10 % high: ``hebb`` fails the 5 % weight
quantile (0.212 vs 0.253 nS, tolerance 0.019) and ``rate`` the mean E rate (3.29 vs 3.00 Hz,
tolerance 0.12 Hz).

Isolation mode
--------------
``test_isolation_rates_per_amplitude``: isolated neurons (docs/model-description.md A6) driven by
correlated OU conductances through the perturbation schedule (``perturbation_schedule``: pulses of
every amplitude on g_ext,e, then 2× the amplitude on g_ext,i, negative and positive), in our core
(``IsolationSimulator``) and in Brian2 (``bench/bench_isolation.py``, the benchmark's model, runtime
target), the same 500 neurons (same statistics) on the same schedule (8 amplitudes, 3 repetitions:
28 s). Per neuron and engine: the mean spike count in the stimulus-onset bins of each amplitude and
kind (over the repetitions), its linear slope against the amplitude (the sensitivity) and the mean
count in the bins without a pulse. The engines are compared neuron by neuron: the mean over neurons
of ours − Brian2, in units of its standard error (from the spread of the per-neuron differences),
must stay within Z = 5 (normal: 6e-7 per comparison, 19 comparisons) for the baseline, every pulse
(±0.05 … ±0.35 nS on g_ext,e, ±0.1 … ±0.7 nS on g_ext,i) and both sensitivities; and in both engines
g_ext,e must excite and g_ext,i inhibit (mean sensitivity more than 5 standard errors from 0, on the
right side). When written: every
|z| ≤ 2.4; with g_ext,i entering our kernel with the wrong sign the ±0.5/±0.7 nS inhibitory
pulses give |z| 7.7-10.4 and the inhibitory sensitivity z 15.6. About 25-30 s (Brian2's Cython
compilation ≈ 14 s of it, cached across runs in Brian2's default cache).
"""

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import ks_2samp, pearsonr

pytestmark = pytest.mark.brian2  # tests/conftest.py: a missing .venv-brian2 skips or fails

ROOT = Path(__file__).resolve().parent.parent
BRIAN2_PYTHON = ROOT / ".venv-brian2" / "bin" / "python"

N_EXC, N_INH, N_PATTERNS, CONN_SEED = 800, 200, 20, 3
LEARNING_RATE = 1e-2
MIN_ISIS = 10  # neurons with fewer ISIs after the warm-up get no CV
TARGET = os.environ.get("EIPLAST_BRIAN2_TARGET", "cpp_standalone")
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
Z = 5.0  # allowed deviation in standard deviations of the null distribution
SPREAD_SEEDS = range(11, 21)  # seeds of our core that measured SPREAD


@dataclass(frozen=True)
class Protocol:
    """How one rule is run and compared: duration and dropped warm-up (s)."""

    duration_s: float
    warmup_s: float


PROTOCOLS = {
    "hebb": Protocol(duration_s=30.0, warmup_s=5.0),
    "rate": Protocol(duration_s=120.0, warmup_s=60.0),
}

# Null distribution of every compared statistic: ten seeds of our core (SPREAD_SEEDS), measured
# by ``python tests/test_vs_brian2.py``. "sd": standard deviation of a run's scalar over the ten
# runs (Hz, dimensionless CV, nS); "pair_mean"/"pair_sd": mean and standard deviation of a pair
# statistic over the 45 pairs.
SPREAD = {
    "hebb": {
        "sd": {
            "mean_rate_exc": 0.0469, "mean_rate_inh": 0.0697,
            "cv_median_exc": 0.00472, "cv_median_inh": 0.00964,
            "w_mean": 0.00348, "w_std": 0.0169,
            "w_q05": 0.00268, "w_q25": 0.00121, "w_q50": 0.000494, "w_q75": 0.00106,
            "w_q95": 0.0233,
        },
        "pair_mean": {
            "rate_ks_exc": 0.0294, "rate_ks_inh": 0.0486, "rate_corr_exc": 0.993,
            "rate_corr_inh": 0.98, "cv_ks_exc": 0.0393, "cv_ks_inh": 0.082,
            "w_ks": 0.00821, "w_corr": 0.995,
        },
        "pair_sd": {
            "rate_ks_exc": 0.00738, "rate_ks_inh": 0.011, "rate_corr_exc": 0.00465,
            "rate_corr_inh": 0.00364, "cv_ks_exc": 0.0122, "cv_ks_inh": 0.0242,
            "w_ks": 0.00281, "w_corr": 0.000953,
        },
    },
    "rate": {
        "sd": {
            "mean_rate_exc": 0.0172, "mean_rate_inh": 0.0306,
            "cv_median_exc": 0.0052, "cv_median_inh": 0.0197,
            "w_mean": 0.0411, "w_std": 0.0536,
            "w_q05": 0.0345, "w_q25": 0.0364, "w_q50": 0.042, "w_q75": 0.0551, "w_q95": 0.102,
        },
        "pair_mean": {
            "rate_ks_exc": 0.0569, "rate_ks_inh": 0.0767, "rate_corr_exc": 0.927,
            "rate_corr_inh": 0.931, "cv_ks_exc": 0.0389, "cv_ks_inh": 0.103,
            "w_ks": 0.0622, "w_corr": 0.905,
        },
        "pair_sd": {
            "rate_ks_exc": 0.0343, "rate_ks_inh": 0.0379, "rate_corr_exc": 0.0824,
            "rate_corr_inh": 0.073, "cv_ks_exc": 0.0113, "cv_ks_inh": 0.0603,
            "w_ks": 0.0296, "w_corr": 0.0373,
        },
    },
}  # fmt: skip


def _read(path):
    """Spikes (through our analysis readers: the Brian2 file must be readable by them) and the
    final I→E weights."""
    import h5py

    from eiplast.engine.formats import iter_spike_chunks, open_spikes, spike_meta

    with open_spikes(path) as f:
        meta = spike_meta(f)
        chunks = list(iter_spike_chunks(f, meta, 0, meta.n_steps, meta.n_steps))
        neuron = np.concatenate([c[2] for c in chunks])
        step = np.concatenate([c[3] for c in chunks])
    with h5py.File(path, "r") as f:
        weight = f["weights/ei_weight_nS"][:].astype(np.float64)
    return meta, neuron, step, weight


def _statistics(path, warmup_s):
    """Per-neuron rates and ISI CVs after the warm-up, and the final I→E weights."""
    meta, neuron, step, weight = _read(path)
    n_total = meta.n_exc + meta.n_inh
    first = round(warmup_s * 1000.0 / meta.dt_ms)
    keep = step >= first
    neuron, step = neuron[keep], step[keep]
    span_s = (meta.n_steps - first) * meta.dt_ms / 1000.0
    rate = np.bincount(neuron, minlength=n_total) / span_s
    order = np.lexsort((step, neuron))
    n_sorted, s_sorted = neuron[order], step[order]
    same = n_sorted[1:] == n_sorted[:-1]
    owner = n_sorted[1:][same]
    isi = np.diff(s_sorted)[same].astype(np.float64)
    count = np.bincount(owner, minlength=n_total)
    mean = np.bincount(owner, isi, minlength=n_total) / np.maximum(count, 1)
    mean_sq = np.bincount(owner, isi**2, minlength=n_total) / np.maximum(count, 1)
    cv = np.sqrt(np.maximum(mean_sq - mean**2, 0.0)) / np.where(mean > 0, mean, 1.0)
    cv[count < MIN_ISIS] = np.nan
    ne = meta.n_exc
    return {
        "rate_exc": rate[:ne],
        "rate_inh": rate[ne:],
        "cv_exc": cv[:ne][~np.isnan(cv[:ne])],
        "cv_inh": cv[ne:][~np.isnan(cv[ne:])],
        "weight": weight,
    }


def scalars(stats):
    """Scalar statistics of one run (compared as absolute differences)."""
    out = {}
    for pop in ("exc", "inh"):
        out[f"mean_rate_{pop}"] = float(stats[f"rate_{pop}"].mean())
        out[f"cv_median_{pop}"] = float(np.median(stats[f"cv_{pop}"]))
    w = stats["weight"]
    out["w_mean"], out["w_std"] = float(w.mean()), float(w.std())
    for q, value in zip(QUANTILES, np.quantile(w, QUANTILES), strict=True):
        out[f"w_q{round(100 * q):02d}"] = float(value)
    return out


def pair_statistics(a, b):
    """Statistics of a pair of runs: KS distances (small when alike) and correlations of the
    same neurons and synapses (large when alike)."""
    out = {}
    for pop in ("exc", "inh"):
        out[f"rate_ks_{pop}"] = float(ks_2samp(a[f"rate_{pop}"], b[f"rate_{pop}"]).statistic)
        out[f"rate_corr_{pop}"] = float(pearsonr(a[f"rate_{pop}"], b[f"rate_{pop}"])[0])
        out[f"cv_ks_{pop}"] = float(ks_2samp(a[f"cv_{pop}"], b[f"cv_{pop}"]).statistic)
    out["w_ks"] = float(ks_2samp(a["weight"], b["weight"]).statistic)
    out["w_corr"] = float(pearsonr(a["weight"], b["weight"])[0])
    return out


def tolerances(spread):
    """{statistic: (kind, bound)} from one rule's SPREAD entry: ("abs", max |ours − Brian2|),
    ("max", upper bound of a KS distance) or ("min", lower bound of a correlation)."""
    tol = {name: ("abs", Z * np.sqrt(2.0) * sd) for name, sd in spread["sd"].items()}
    for name, mean in spread["pair_mean"].items():
        sd = spread["pair_sd"][name]
        tol[name] = ("min", mean - Z * sd) if "corr" in name else ("max", mean + Z * sd)
    return tol


def _network():
    from eiplast.assembly.connectivity import generate_connectivity
    from eiplast.assembly.params import ConnectivityParams

    return generate_connectivity(
        ConnectivityParams(n_exc=N_EXC, n_inh=N_INH, n_patterns=N_PATTERNS, seed=CONN_SEED)
    )


def _run_ours(network, rule, seed, path):
    from eiplast.assembly.params import BackgroundParams, NeuronParams, PlasticityParams, RunParams
    from eiplast.assembly.simulate import simulate_network

    simulate_network(
        network, NeuronParams(), BackgroundParams(), PlasticityParams(kind=rule),
        RunParams(duration_s=PROTOCOLS[rule].duration_s, learning_rate=LEARNING_RATE, seed=seed,
                  save_weights=True),
        path, progress=False,
    )  # fmt: skip


@pytest.fixture(scope="module", params=sorted(PROTOCOLS))
def runs(request, tmp_path_factory):
    """(ours, theirs, tolerances) for one rule: ours seed 1, Brian2 seed 2."""
    from eiplast.assembly.connectivity import save_connectivity

    rule = request.param
    protocol = PROTOCOLS[rule]
    tmp = tmp_path_factory.mktemp(f"brian2_comparison_{rule}")
    network = _network()
    conn = tmp / "connectivity.h5"
    save_connectivity(network, conn)

    ours = tmp / "eiplast_spikes.h5"
    t0 = time.perf_counter()
    _run_ours(network, rule, 1, ours)
    ours_s = time.perf_counter() - t0

    theirs = tmp / "brian2_spikes.h5"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OMP_NUM_THREADS": "1"}
    cmd = [
        str(BRIAN2_PYTHON), str(ROOT / "bench" / "brian2_reference.py"),
        "--connectivity", str(conn), "--duration", str(protocol.duration_s), "--rule", rule,
        "--learning-rate", str(LEARNING_RATE), "--seed", "2", "--target", TARGET,
        "--build-dir", str(tmp / "standalone"), "--make-jobs", "2",
        "--cython-cache-dir", str(tmp_path_factory.getbasetemp() / "cython_cache"),
        "--output", str(theirs), "--summary-json", str(tmp / "brian2_summary.json"),
    ]  # fmt: skip
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    brian2_s = time.perf_counter() - t0
    assert proc.returncode == 0, f"Brian2 run failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    print(f"\n{rule}: eiplast {ours_s:.1f} s, Brian2 ({TARGET}, compile included) {brian2_s:.1f} s")
    warmup = protocol.warmup_s
    return _statistics(ours, warmup), _statistics(theirs, warmup), tolerances(SPREAD[rule])


def _check_scalar(name, a, b, tol):
    kind, bound = tol[name]
    assert kind == "abs"
    print(f"{name}: eiplast {a:.4f}, Brian2 {b:.4f}, |diff| {abs(a - b):.4f} < {bound:.4f}")
    assert abs(a - b) < bound, (name, a, b, bound)


def _check_pair(name, value, tol):
    kind, bound = tol[name]
    print(f"{name}: {value:.4f} ({'>' if kind == 'min' else '<'} {bound:.4f})")
    assert value > bound if kind == "min" else value < bound, (name, value, bound)


def test_mean_rates(runs):
    ours, theirs, tol = runs
    a, b = scalars(ours), scalars(theirs)
    for pop in ("exc", "inh"):
        _check_scalar(f"mean_rate_{pop}", a[f"mean_rate_{pop}"], b[f"mean_rate_{pop}"], tol)


def test_rate_distributions(runs):
    ours, theirs, tol = runs
    pair = pair_statistics(ours, theirs)
    for pop in ("exc", "inh"):
        print(f"{pop} rate medians {np.median(ours[f'rate_{pop}']):.3f} / "
              f"{np.median(theirs[f'rate_{pop}']):.3f} Hz")  # fmt: skip
        _check_pair(f"rate_ks_{pop}", pair[f"rate_ks_{pop}"], tol)
        _check_pair(f"rate_corr_{pop}", pair[f"rate_corr_{pop}"], tol)


def test_isi_cv(runs):
    ours, theirs, tol = runs
    a, b = scalars(ours), scalars(theirs)
    pair = pair_statistics(ours, theirs)
    for pop in ("exc", "inh"):
        n_a, n_b = len(ours[f"cv_{pop}"]), len(theirs[f"cv_{pop}"])
        assert n_a > 0.5 * len(ours[f"rate_{pop}"]) and n_b > 0.5 * len(theirs[f"rate_{pop}"])
        print(f"{pop} ISI CV: neurons {n_a} / {n_b}")
        _check_scalar(f"cv_median_{pop}", a[f"cv_median_{pop}"], b[f"cv_median_{pop}"], tol)
        _check_pair(f"cv_ks_{pop}", pair[f"cv_ks_{pop}"], tol)


def test_ei_weights(runs):
    ours, theirs, tol = runs
    assert ours["weight"].shape == theirs["weight"].shape
    assert ours["weight"].std() > 0.3, "plasticity did not move the weights: nothing to compare"
    a, b = scalars(ours), scalars(theirs)
    for name in ["w_mean", "w_std"] + [f"w_q{round(100 * q):02d}" for q in QUANTILES]:
        _check_scalar(name, a[name], b[name], tol)
    # same synapse order: the same synapses must have grown (checks the order mapping too)
    pair = pair_statistics(ours, theirs)
    _check_pair("w_ks", pair["w_ks"], tol)
    _check_pair("w_corr", pair["w_corr"], tol)


# ---------------------------------------------------------------------------------------------
# isolation mode (docs/model-description.md A6): the perturbation schedule in both engines
# ---------------------------------------------------------------------------------------------

ISO_NEURONS, ISO_REPETITIONS = 500, 3
# mean g_e of bench/bench_isolation.py's example neurons raised by 2 nS: ≈ 7 Hz, so that an onset
# bin holds ≈ 0.6-0.9 spikes and the responses are resolved with 500 neurons × 3 repetitions
ISO_MEAN_E_NS = (10.0, 16.0)
ISO_STEP_S, ISO_STIM_STEPS = 0.1, 5


def _bench_isolation():
    """bench/bench_isolation.py as a module (its Brian2 model and example neurons)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "bench_isolation", ROOT / "bench" / "bench_isolation.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def onset_counts(neuron, step, n_neurons, n_amplitudes, n_rep, dt_ms=0.1):
    """Spike counts of every neuron in the stimulus-onset bins of the perturbation schedule,
    ``[neuron, repetition, kind (0: g_ext,e, 1: g_ext,i), amplitude]``, and each neuron's mean
    count per bin in the bins without a pulse (after the silent block)."""
    bin_steps = round(ISO_STEP_S * 1000.0 / dt_ms)
    block = ISO_STIM_STEPS * n_amplitudes
    q = step // bin_steps - block
    keep = (q >= 0) & (q < 2 * block * n_rep)
    q, neuron = q[keep], neuron[keep]
    rep, within = q // (2 * block), q % (2 * block)
    kind, offset = within // block, within % block
    onset = offset % ISO_STIM_STEPS == 0
    counts = np.zeros((n_neurons, n_rep, 2, n_amplitudes))
    np.add.at(counts, (neuron[onset], rep[onset], kind[onset], offset[onset] // ISO_STIM_STEPS), 1)
    n_quiet = 2 * block * n_rep * (ISO_STIM_STEPS - 1) // ISO_STIM_STEPS
    baseline = np.bincount(neuron[~onset], minlength=n_neurons) / n_quiet
    return counts, baseline


@pytest.fixture(scope="module")
def isolation_runs(tmp_path_factory):
    """Onset counts and baselines of the same isolated neurons on the same schedule: ours (seed
    1) and Brian2 (seed 2, bench/bench_isolation.py's model)."""
    from eiplast.assembly.isolation import IsolationSimulator
    from eiplast.assembly.perturbation import DEFAULT_AMPLITUDES, perturbation_schedule

    bench = _bench_isolation()
    tmp = tmp_path_factory.mktemp("brian2_isolation")
    n, n_exc = ISO_NEURONS, int(0.8 * ISO_NEURONS)
    stats = bench.example_stats(n, mean_e_nS=ISO_MEAN_E_NS)
    schedule = perturbation_schedule(
        ISO_REPETITIONS, DEFAULT_AMPLITUDES, ISO_STIM_STEPS, inh_factor=2.0
    )
    t0 = time.perf_counter()
    sim = IsolationSimulator(np.arange(n), n_exc, np.zeros(n_exc), stats, schedule, seed=1,
                             step_s=ISO_STEP_S)  # fmt: skip
    ours_neuron, ours_step, *_ = sim.advance(sim.n_steps)
    ours_s = time.perf_counter() - t0

    inputs, output = tmp / "inputs.npz", tmp / "brian2_spikes.npz"
    np.savez(inputs, **stats, g_ext_e=schedule[0], g_ext_i=schedule[1], a1_mV=sim.a1_mV,
             duration_s=sim.n_steps * 0.1 / 1000.0, seed=2, step_s=ISO_STEP_S)  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OMP_NUM_THREADS": "1"}
    cmd = [str(BRIAN2_PYTHON), str(ROOT / "bench" / "bench_isolation.py"), "--brian2-spikes",
           str(inputs), str(output)]  # fmt: skip
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"Brian2 run failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    brian2_s = time.perf_counter() - t0
    theirs = np.load(output)
    print(f"\nisolation, {n} neurons × {sim.n_steps * 1e-4:.0f} s: eiplast {ours_s:.1f} s, Brian2 "
          f"{brian2_s:.1f} s (compile {float(theirs['compile_s']):.1f} s)")  # fmt: skip
    n_amp = len(DEFAULT_AMPLITUDES)
    ours = onset_counts(ours_neuron, ours_step, n, n_amp, ISO_REPETITIONS)
    brian2 = onset_counts(theirs["neuron"], theirs["step"], n, n_amp, ISO_REPETITIONS)
    return ours, brian2, DEFAULT_AMPLITUDES


def _paired_z(a, b):
    """Mean of a − b over neurons and its z score (standard error from the neurons' spread)."""
    d = a - b
    return d.mean(), d.mean() / (d.std(ddof=1) / np.sqrt(len(d)))


def test_isolation_rates_per_amplitude(isolation_runs):
    """Same neurons, same schedule: the mean response at every amplitude of both kinds, the
    baseline and the linear sensitivities agree within Z paired standard errors; g_ext,e excites
    and g_ext,i inhibits in both engines."""
    (ours, base_ours), (theirs, base_theirs), amplitudes = isolation_runs
    mean_ours, mean_theirs = ours.mean(axis=1), theirs.mean(axis=1)  # [neuron, kind, amplitude]
    diff, z = _paired_z(base_ours, base_theirs)
    print(f"baseline: {base_ours.mean():.4f} / {base_theirs.mean():.4f} spikes per bin, z {z:.2f}")
    failures = [f"baseline: z {z:.2f}"] if abs(z) > Z else []
    for kind, name in enumerate(("g_ext,e", "g_ext,i")):
        for j, amp in enumerate(amplitudes):
            pulse = f"{name} {amp * (1 + kind):+.3f} nS"  # the inhibitory pulses are 2× the grid
            diff, z = _paired_z(mean_ours[:, kind, j], mean_theirs[:, kind, j])
            print(f"{pulse}: {mean_ours[:, kind, j].mean():.4f} / "
                  f"{mean_theirs[:, kind, j].mean():.4f}, z {z:+.2f}")  # fmt: skip
            if abs(z) > Z:
                failures.append(f"{pulse}: z {z:.2f}")
        # linear sensitivity per neuron (spikes per bin per nS of the amplitude grid)
        slope_ours = np.polyfit(amplitudes, mean_ours[:, kind, :].T, 1)[0]
        slope_theirs = np.polyfit(amplitudes, mean_theirs[:, kind, :].T, 1)[0]
        diff, z = _paired_z(slope_ours, slope_theirs)
        print(
            f"{name} sensitivity: {slope_ours.mean():+.3f} / {slope_theirs.mean():+.3f}, z {z:+.2f}"
        )
        if abs(z) > Z:
            failures.append(f"{name} sensitivity: z {z:.2f}")
        sign = 1 if kind == 0 else -1
        for engine, slope in (("eiplast", slope_ours), ("Brian2", slope_theirs)):
            z_sign = sign * slope.mean() / (slope.std(ddof=1) / np.sqrt(len(slope)))
            if z_sign < Z:
                failures.append(f"{engine}: {name} does not {'ex' if sign > 0 else 'in'}hibit")
    assert not failures, failures


def measure_spread(seeds=SPREAD_SEEDS, workdir=None):
    """SPREAD measured again: every rule over ``seeds`` of our core (what ``python
    tests/test_vs_brian2.py`` prints)."""
    import tempfile

    network = _network()
    spread = {}
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        for rule, protocol in PROTOCOLS.items():
            stats = []
            for seed in seeds:
                path = Path(tmp) / f"{rule}_{seed}.h5"
                _run_ours(network, rule, seed, path)
                stats.append(_statistics(path, protocol.warmup_s))
            runs_ = [scalars(s) for s in stats]
            pairs = [pair_statistics(a, b) for a, b in combinations(stats, 2)]
            spread[rule] = {
                "sd": {k: float(np.std([r[k] for r in runs_], ddof=1)) for k in runs_[0]},
                "pair_mean": {k: float(np.mean([p[k] for p in pairs])) for k in pairs[0]},
                "pair_sd": {k: float(np.std([p[k] for p in pairs], ddof=1)) for k in pairs[0]},
                "mean": {k: float(np.mean([r[k] for r in runs_])) for k in runs_[0]},
                "pair_worst": {
                    k: float(min(p[k] for p in pairs) if "corr" in k else max(p[k] for p in pairs))
                    for k in pairs[0]
                },
            }
    return spread


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    print(json.dumps(measure_spread(), indent=1))
