"""Perturbation schedule and linear sensitivity (eiplast.analysis.sensitivity)."""

import numpy as np
import pandas as pd
import pytest

from eiplast.analysis.sensitivity import fit_sensitivity, linear_sensitivity
from eiplast.assembly.perturbation import (
    DEFAULT_AMPLITUDES,
    PerturbationSchedule,
    perturbation_schedule,
)
from eiplast.engine import formats
from eiplast.engine.h5io import atomic_h5, create_dataset, set_attrs

DT = 0.1
BIN = 1000  # steps per 0.1 s


def write_spikes(path, neuron, step, *, n_exc, n_inh, n_steps):
    neuron = np.asarray(neuron, np.int64)
    step = np.asarray(step, np.int64)
    order = np.lexsort((neuron, step))
    with atomic_h5(path, "eiplast.spikes") as f:
        set_attrs(f, n_exc=n_exc, n_inh=n_inh)
        set_attrs(f, dt_ms=DT, n_steps=np.int64(n_steps), seed=0, stage="perturbation")
        create_dataset(f, "spikes/neuron", data=neuron[order].astype(np.int32))
        create_dataset(f, "spikes/step", data=step[order])
    return path


def reference_schedule(stim_count, input_list, stim_steps=5):
    """The isolation-mode loop of network_ch.py, restated: a silent block, then per
    repetition a pulse per amplitude on g_ext,e and then one per amplitude (doubled) on
    g_ext,i, each pulse one entry on and stim_steps-1 off."""
    pulse = np.array([1.0] + [0.0] * (stim_steps - 1))
    exc = [np.zeros(stim_steps * len(input_list))]
    inh = [np.zeros(stim_steps * len(input_list))]
    for _ in range(stim_count):
        for a in input_list:
            exc.append(pulse * a)
            inh.append(np.zeros(stim_steps))
        for a in input_list:
            inh.append(pulse * a * 2)
            exc.append(np.zeros(stim_steps))
    return np.concatenate(exc), np.concatenate(inh)


def test_schedule_layout():
    ge, gi = perturbation_schedule()
    assert ge.shape == gi.shape == (40 + 1000 * 80,)  # 8004 s of 0.1 s entries
    assert not ge[:40].any() and not gi[:40].any()  # initial silent block: 40 entries
    ref_e, ref_i = reference_schedule(1000, np.linspace(-0.35, 0.35, 8))
    np.testing.assert_array_equal(ge, ref_e)
    np.testing.assert_array_equal(gi, ref_i)
    np.testing.assert_allclose(ge[40:80:5], DEFAULT_AMPLITUDES)
    np.testing.assert_allclose(gi[80:120:5], 2 * DEFAULT_AMPLITUDES)
    assert not (ge[40:] * gi[40:]).any()  # never both at once
    ge3, gi3 = perturbation_schedule(3, [1.0, 2.0], stim_steps=3)
    r3e, r3i = reference_schedule(3, [1.0, 2.0], stim_steps=3)
    np.testing.assert_array_equal(ge3, r3e)
    np.testing.assert_array_equal(gi3, r3i)
    with pytest.raises(ValueError, match="stim_steps"):
        perturbation_schedule(stim_steps=0)


def test_schedule_from_the_config_section_as_written():
    section = {"repetitions": 3, "amplitude_min_nS": -0.3, "amplitude_max_nS": 0.3,
               "n_amplitudes": 4, "step_s": 0.1, "stim_steps": 2, "inh_factor": 3,
               "chunk_s": 100}  # fmt: skip
    schedule = PerturbationSchedule.from_config(section)
    np.testing.assert_allclose(schedule.amplitudes, [-0.3, -0.1, 0.1, 0.3], rtol=0, atol=1e-15)
    ge, gi = schedule.conductances_nS()
    assert schedule.n_entries == len(ge) == 2 * 4 * (1 + 2 * 3)
    assert schedule.duration_s == pytest.approx(56 * 0.1)
    ref_e, ref_i = reference_schedule(3, [-0.3, -0.1, 0.1, 0.3], stim_steps=2)
    np.testing.assert_allclose(ge, ref_e, rtol=0, atol=1e-15)
    np.testing.assert_allclose(gi, 1.5 * ref_i, rtol=0, atol=1e-15)  # inh_factor 3, not 2
    with pytest.raises(ValueError, match=r"missing keys \['inh_factor'\]"):
        PerturbationSchedule.from_config({k: v for k, v in section.items() if k != "inh_factor"})
    with pytest.raises(ValueError, match="step_s"):
        PerturbationSchedule.from_config({**section, "step_s": 0})


def test_fit_matches_polyfit():
    rng = np.random.default_rng(0)
    a = DEFAULT_AMPLITUDES
    ye, yi = rng.random((7, 8)), rng.random((7, 8))
    act_e, act_i, rate = fit_sensitivity(ye, yi, a)
    for n in range(7):
        ce, ci = np.polyfit(a, ye[n], 3), np.polyfit(a, yi[n], 3)
        assert act_e[n] == pytest.approx(ce[-2])
        assert act_i[n] == pytest.approx(ci[-2])
        assert rate[n] == pytest.approx((ce[-1] + ci[-1]) / 2)


def response_spikes(rng, means_e, means_i, n_rep, *, exact, background=0.0):
    """Spikes of a perturbation run whose onset-bin counts have the given means.

    ``means_*``: (N, 8) expected count in the onset bin of each amplitude. ``exact``: counts
    summed over repetitions equal round(mean · n_rep) (deterministic means); else Poisson.
    ``background``: Poisson rate per bin in all other bins (must not matter).
    """
    n, n_amp = means_e.shape
    block = 5 * n_amp
    neurons, steps = [], []
    for kind, means in ((0, means_e), (1, means_i)):
        for nrn in range(n):
            for j in range(n_amp):
                bins = block + np.arange(n_rep) * 2 * block + kind * block + 5 * j
                if exact:
                    total = int(round(means[nrn, j] * n_rep))
                    per_rep = np.bincount(rng.integers(0, n_rep, total), minlength=n_rep)
                else:
                    per_rep = rng.poisson(means[nrn, j], n_rep)
                b = np.repeat(bins, per_rep)
                neurons.append(np.full(b.size, nrn))
                steps.append(b * BIN + rng.integers(0, BIN, b.size))
    n_bins = block * (1 + 2 * n_rep)
    if background:
        nb = rng.poisson(background * n_bins * n)
        b = rng.integers(0, n_bins, nb)
        keep = ~(((b - block) % 5 == 0) & (b >= block))
        neurons.append(rng.integers(0, n, keep.sum()))
        steps.append(b[keep] * BIN + rng.integers(0, BIN, keep.sum()))
    return np.concatenate(neurons), np.concatenate(steps), n_bins * BIN


def test_recovers_cubic_responses_exactly(tmp_path, monkeypatch):
    rng = np.random.default_rng(1)
    a = DEFAULT_AMPLITUDES
    n_exc, n_inh, n_rep = 6, 3, 50
    n = n_exc + n_inh
    r0 = rng.uniform(0.5, 2.0, n)
    s_e, s_i = rng.uniform(-2, 2, n), rng.uniform(-2, 2, n)
    c2, c3 = rng.uniform(-3, 3, n), rng.uniform(-5, 5, n)
    means_e = r0[:, None] + s_e[:, None] * a + c3[:, None] * a**3
    means_i = r0[:, None] + s_i[:, None] * a + c2[:, None] * a**2
    means_e, means_i = np.clip(means_e, 0, None), np.clip(means_i, 0, None)
    assert (means_e > 0).all() and (means_i > 0).all()
    neuron, step, n_steps = response_spikes(rng, means_e, means_i, n_rep, exact=True, background=3)
    path = write_spikes(
        tmp_path / "p.h5", neuron, step, n_exc=n_exc, n_inh=n_inh, n_steps=n_steps + 777
    )
    df = linear_sensitivity(path, n_repetitions=n_rep, chunk_s=1.3)
    # the onset means are round(mean·n_rep)/n_rep: fits to those recover the slopes up to
    # the rounding (≤ 0.5/n_rep per point)
    np.testing.assert_allclose(df["activation_exc"], s_e, atol=0.1)
    np.testing.assert_allclose(df["activation_inh"], s_i, atol=0.1)
    np.testing.assert_allclose(df["rate"], r0, atol=0.02)
    np.testing.assert_allclose(df["rate_hz"], 10 * df["rate"])
    # and they equal the polyfit of the exact rounded means
    me = np.round(means_e * n_rep) / n_rep
    mi = np.round(means_i * n_rep) / n_rep
    for k in range(n):
        assert df["activation_exc"][k] == pytest.approx(np.polyfit(a, me[k], 3)[-2], abs=1e-9)
        assert df["activation_inh"][k] == pytest.approx(np.polyfit(a, mi[k], 3)[-2], abs=1e-9)
    assert list(df["population"]) == ["E"] * n_exc + ["I"] * n_inh
    assert list(df["n_index"]) == list(range(n_exc)) + list(range(n_inh))
    # inferred number of repetitions, other chunk sizes and chunks cut short by a spike budget
    # give the same table
    df2 = linear_sensitivity(path, n_repetitions=None, chunk_s=1000.0)
    np.testing.assert_allclose(
        df2[["activation_exc", "activation_inh", "rate"]],
        df[["activation_exc", "activation_inh", "rate"]],
    )
    monkeypatch.setattr(formats, "MAX_CHUNK_SPIKES", 97)
    df3 = linear_sensitivity(path, n_repetitions=n_rep, chunk_s=1000.0)
    pd.testing.assert_frame_equal(df3, df)


def test_recovers_linear_slopes_from_poisson_counts(tmp_path):
    rng = np.random.default_rng(2)
    a = DEFAULT_AMPLITUDES
    n, n_rep = 20, 400
    r0 = np.full(n, 1.5)
    s_e = np.linspace(-3, 3, n)
    s_i = np.linspace(2.5, -2.5, n)
    means_e = r0[:, None] + s_e[:, None] * a
    means_i = r0[:, None] + s_i[:, None] * a
    neuron, step, n_steps = response_spikes(rng, means_e, means_i, n_rep, exact=False)
    path = write_spikes(tmp_path / "p.h5", neuron, step, n_exc=15, n_inh=5, n_steps=n_steps)
    df = linear_sensitivity(path, n_repetitions=n_rep)
    # standard error of the linear coefficient of a cubic fit to means of n_rep Poisson draws
    vander = np.vander(a, 4)
    cov = np.linalg.inv(vander.T @ vander)
    se = np.sqrt(cov[2, 2] * means_e.max() / n_rep)
    assert np.abs(df["activation_exc"] - s_e).max() < 4.5 * se
    assert np.abs(df["activation_inh"] - s_i).max() < 4.5 * se
    assert np.abs(df["rate"] - 1.5).max() < 0.1


def test_bad_inputs(tmp_path):
    short = write_spikes(tmp_path / "short.h5", [0], [5], n_exc=2, n_inh=1, n_steps=100 * BIN)
    with pytest.raises(ValueError, match=r"short\.h5.*needs 80040"):
        linear_sensitivity(short)
    with pytest.raises(ValueError, match=r"short\.h5.*no full repetition"):
        linear_sensitivity(short, n_repetitions=None)
    with pytest.raises(ValueError, match=r"short\.h5.*step_s"):
        linear_sensitivity(short, n_repetitions=1, step_s=0.00005)
    with pytest.raises(ValueError, match="at least 4 amplitudes"):
        linear_sensitivity(short, n_repetitions=1, amplitudes=[0.1, 0.2, 0.3])
    empty = write_spikes(tmp_path / "empty.h5", [], [], n_exc=2, n_inh=1, n_steps=120 * BIN)
    df = linear_sensitivity(empty, n_repetitions=1)
    assert len(df) == 3 and (df["activation_exc"] == 0).all() and (df["rate"] == 0).all()
