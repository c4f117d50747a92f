"""Replay statistics (eiplast.analysis.replay)."""

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from eiplast.analysis.activations import save_activations
from eiplast.analysis.replay import (
    bias_corrected_entropy,
    event_statistics,
    firing_statistics,
    plugin_entropy,
    replay_growth,
    replay_row,
)
from eiplast.engine import formats
from eiplast.engine.h5io import atomic_h5, create_dataset, set_attrs

DT = 0.1


def write_spikes(path, neuron, step, *, n_exc, n_inh, n_steps, dt_ms=DT):
    neuron = np.asarray(neuron, np.int64)
    step = np.asarray(step, np.int64)
    order = np.lexsort((neuron, step))
    with atomic_h5(path, "eiplast.spikes") as f:
        set_attrs(f, n_exc=n_exc, n_inh=n_inh)
        set_attrs(f, dt_ms=dt_ms, n_steps=np.int64(n_steps), seed=0, stage="test")
        create_dataset(f, "spikes/neuron", data=neuron[order].astype(np.int32))
        create_dataset(f, "spikes/step", data=step[order])
    return path


def sample_events(probs, n_events, seed, measure=100_000):
    rng = np.random.default_rng(seed)
    start = np.sort(rng.integers(0, measure, n_events))
    pattern = rng.choice(len(probs), size=n_events, p=probs)
    return start, np.ones(n_events, np.int64), pattern


# ----------------------------------------------------------------------------- entropy
def test_plugin_entropy_known_values():
    assert plugin_entropy([5, 5, 5, 5]) == pytest.approx(math.log(4))
    assert plugin_entropy([7, 0, 0]) == 0.0
    assert math.isnan(plugin_entropy([0, 0]))


def test_single_vector_fit_is_plugin():
    counts = np.array([3, 1, 4, 1, 5, 9, 2, 6])
    h_hat, h_last = bias_corrected_entropy(counts)
    assert h_hat == pytest.approx(plugin_entropy(counts))
    assert h_last == pytest.approx(plugin_entropy(counts))


def _entropy_by_hand(counts):
    """Plug-in entropy −Σ p ln p (nats) over the non-empty patterns."""
    p = np.asarray(counts, float)
    p = p[p > 0] / p.sum()
    return float(-(p * np.log(p)).sum())


def _nnls_by_enumeration(a, b):
    """min |a x − b| over x ≥ 0 for a few columns, without an NNLS solver: the optimum's
    non-zero coefficients are the unconstrained least-squares fit on their own columns (KKT),
    so it is the best of those fits, over every subset of columns, that has no negative
    coefficient."""
    best, best_res = np.zeros(a.shape[1]), float(b @ b)
    for mask in itertools.product([False, True], repeat=a.shape[1]):
        cols = np.flatnonzero(mask)
        if cols.size == 0:
            continue
        sol = np.linalg.lstsq(a[:, cols], b, rcond=None)[0]
        if np.all(sol >= 0):
            x = np.zeros(a.shape[1])
            x[cols] = sol
            res = float((a @ x - b) @ (a @ x - b))
            if res < best_res:
                best, best_res = x, res
    return best


FIT_CASES = {
    # entropies that grow with k and level off: H, a, b > 0, the unconstrained fit
    "interior": ([2], [2, 1], [3, 2, 1], [4, 3, 2, 1]),
    # entropies that grow with k: the unconstrained fit has b < 0, here b = 0 binds
    "growing": ([3, 1, 0, 0], [4, 3, 1, 0], [5, 4, 2, 1], [6, 5, 3, 2]),
    # entropies that fall with k: a = b = 0 bind, H is their mean
    "falling": ([1, 1, 1, 1], [3, 1, 1, 1], [6, 2, 1, 1], [12, 3, 1, 1]),
}


@pytest.mark.parametrize("case", FIT_CASES)
def test_fit_design_and_signs(case):
    """H_k = H − a/k − b/k² with (H, a, b) ≥ 0 (docs/model-description.md A8), checked
    against the non-negative least squares solved by enumeration of the active sets."""
    vecs = [np.array(v) for v in FIT_CASES[case]]
    ks = np.array([v.sum() for v in vecs], float)
    hs = np.array([_entropy_by_hand(v) for v in vecs])
    design = np.column_stack([np.ones(len(vecs)), -1 / ks, -1 / ks**2])
    coef = _nnls_by_enumeration(design, hs)
    free = np.linalg.lstsq(design, hs, rcond=None)[0]
    h_hat, h_last = bias_corrected_entropy(*vecs)
    assert h_hat == pytest.approx(coef[0], rel=1e-9) and h_last == pytest.approx(hs[-1])
    if case == "interior":
        assert np.all(coef > 0) and np.allclose(coef, free) and h_hat > h_last
    elif case == "growing":
        assert free[2] < 0 and coef[2] == 0 and coef[1] > 0 and h_hat > h_last
        assert h_hat < free[0] - 0.1  # the bound matters
    else:
        assert coef[1] == coef[2] == 0 and h_hat == pytest.approx(hs.mean())


def test_fit_needs_events():
    with pytest.raises(ValueError, match="at least one event"):
        bias_corrected_entropy(np.zeros(3))


@pytest.mark.parametrize(
    ("n_patterns", "n_events", "tol"),
    [(50, 2000, 0.02), (20, 500, 0.05), (1000, 5000, 0.05)],
)
def test_uniform_entropy_gives_number_of_patterns(n_patterns, n_events, tol):
    start, dur, pattern = sample_events(np.full(n_patterns, 1 / n_patterns), n_events, seed=3)
    res = event_statistics(start, dur, pattern, n_patterns=n_patterns, measure_windows=100_000)
    assert res["entropy"] == pytest.approx(n_patterns, rel=tol)
    # the correction moves the estimate up from the (downward-biased) plug-in value
    assert res["entropy"] >= res["entropy_plugin"]
    if n_events / n_patterns <= 5:
        # sparse sampling: the plug-in estimate is clearly biased, the corrected one is not
        assert res["entropy_plugin"] < 0.93 * n_patterns


def test_zipf_entropy():
    p = 1.0 / np.arange(1, 101)
    p /= p.sum()
    true = math.exp(-(p * np.log(p)).sum())
    start, dur, pattern = sample_events(p, 20_000, seed=11)
    res = event_statistics(start, dur, pattern, n_patterns=100, measure_windows=100_000)
    assert res["entropy"] == pytest.approx(true, rel=0.02)


def test_entropy_cuts_are_by_time():
    # all events in the last quarter: the first cut is empty -> fit on the full run only,
    # which equals the plug-in entropy (reference fallback)
    start = np.array([80_000, 80_001, 90_000, 95_000])
    pattern = np.array([0, 1, 2, 3])
    res = event_statistics(start, np.ones(4), pattern, n_patterns=4, measure_windows=100_000)
    assert res["entropy"] == pytest.approx(4.0)
    # events only after the measurement end: H = 0 -> exp(0) = 1
    res = event_statistics(start, np.ones(4), pattern, n_patterns=4, measure_windows=50_000)
    assert res["entropy"] == 1.0


# ------------------------------------------------------------ nunique, mean_freq, mean_dur
def test_handmade_events():
    # (start, duration, pattern)
    ev = np.array(
        [
            (0, 4, 0),
            (10, 6, 1),
            (20, 5, 1),  # same pattern as the previous event: interval left out
            (50, 9, 0),
            (50, 3, 2),  # same start as the previous event, another pattern
            (70, 3, 3),
        ]
    )
    res = event_statistics(ev[:, 0], ev[:, 1], ev[:, 2], n_patterns=5, measure_windows=1000)
    # sorted by (start, pattern): 0:p0, 10:p1, 20:p1, 50:p0, 50:p2, 70:p3
    # different-pattern intervals: 10, 30, 0, 20 -> mean 15 -> 100/15 events per second
    assert res["mean_freq"] == pytest.approx(100 / 15)
    assert res["mean_dur"] == pytest.approx(30 / 6)
    assert res["mean_dur_ms"] == pytest.approx(50.0)
    # first activations 0, 10, 50, 70 (4 patterns); reference index-of-last = 3
    assert res["n_patterns_replayed"] == 4
    assert res["nunique"] == 3
    assert res["n_events"] == 6


def test_nunique_reference_quirks():
    # equal first-activation times collapse; times at/after the measurement end are left out
    start = np.array([5, 5, 9, 30, 120])
    pattern = np.array([0, 1, 2, 3, 4])
    res = event_statistics(start, np.ones(5), pattern, n_patterns=5, measure_windows=100)
    assert res["n_patterns_replayed"] == 5
    assert res["nunique"] == 2  # distinct first times before 100: {5, 9, 30} -> index 2


def test_no_events_documented_values():
    res = event_statistics([], [], [], n_patterns=10, measure_windows=100)
    assert res["nunique"] == 0 and res["n_patterns_replayed"] == 0 and res["n_events"] == 0
    assert res["mean_freq"] == 0.0 and res["entropy"] == 0.0
    assert math.isnan(res["mean_dur"]) and math.isnan(res["entropy_plugin"])


def test_single_pattern_mean_freq_is_nan():
    res = event_statistics([1, 5, 9], [2, 2, 2], [4, 4, 4], n_patterns=5, measure_windows=100)
    assert math.isnan(res["mean_freq"])
    assert res["entropy"] == pytest.approx(1.0)


def test_event_pattern_out_of_range():
    with pytest.raises(ValueError, match="outside 0..2"):
        event_statistics([1], [1], [3], n_patterns=3, measure_windows=100)


# -------------------------------------------------------------------- rates and Fano
def fano_file(tmp_path, name="s.h5"):
    n_exc, n_inh, n_bins = 4, 2, 40
    n_steps = n_bins * 1000  # 4 s
    sp = []
    for b in range(n_bins):
        sp.append((0, b * 1000 + 500))  # neuron 0: one spike per 100 ms bin -> Fano 0
        if b % 2 == 0:  # neuron 1: 2, 0, 2, 0, ... -> mean 1, var 1 -> Fano 1
            sp += [(1, b * 1000 + 10), (1, b * 1000 + 990)]
        sp += [(4, b * 1000 + 3), (4, b * 1000 + 7), (5, b * 1000 + 1)]  # I: 20 Hz, 10 Hz
    sp.append((2, 12_345))  # neuron 2: one spike -> mean 1/40, var 1/40 - 1/1600
    # neuron 3 silent -> Fano NaN (left out)
    sp = np.array(sp)
    return write_spikes(
        tmp_path / name, sp[:, 0], sp[:, 1], n_exc=n_exc, n_inh=n_inh, n_steps=n_steps
    )


@pytest.mark.parametrize("max_spikes", [None, 7])
def test_firing_statistics_exact(tmp_path, monkeypatch, max_spikes):
    """Exact for every chunk size, and when chunks are cut short by a spike budget of 7."""
    if max_spikes is not None:
        monkeypatch.setattr(formats, "MAX_CHUNK_SPIKES", max_spikes)
    path = fano_file(tmp_path)
    expected_fano = [0.0, 1.0, 1 - 1 / 40]
    for chunk_s in (0.1, 0.3, 1.0, 100.0):
        st = firing_statistics(path, chunk_s=chunk_s)
        assert st["duration_s"] == pytest.approx(4.0)
        # E rates: 10, 10, 0.25, 0 Hz
        assert st["rate_e_mean_hz"] == pytest.approx((10 + 10 + 0.25 + 0) / 4)
        assert st["rate_e_median_hz"] == pytest.approx((10 + 0.25) / 2)
        assert st["rate_i_mean_hz"] == pytest.approx(15.0)
        assert st["fano_e_mean"] == pytest.approx(np.mean(expected_fano))
        assert st["fano_e_median"] == pytest.approx(np.median(expected_fano))
        assert st["n_spikes_e"] == 40 + 40 + 1 and st["n_spikes_i"] == 120


def test_firing_statistics_empty_and_bad(tmp_path):
    empty = write_spikes(tmp_path / "e.h5", [], [], n_exc=3, n_inh=2, n_steps=5000)
    st = firing_statistics(empty)
    assert st["rate_e_mean_hz"] == 0.0 and st["rate_i_median_hz"] == 0.0
    assert math.isnan(st["fano_e_mean"])
    zero = write_spikes(tmp_path / "z.h5", [], [], n_exc=3, n_inh=2, n_steps=0)
    with pytest.raises(ValueError, match=r"z\.h5.*not longer than"):
        firing_statistics(zero)
    with pytest.raises(ValueError, match=r"x\.h5.*not found"):
        firing_statistics(tmp_path / "x.h5")


def test_replay_growth_by_hand(tmp_path):
    """First activations of patterns 0..3 start at windows 30, 10, 10, 70 (patterns 1 and 2 in
    the same window); pattern 4 never. Windows of 10 ms, 100 of them (1 s): cuts every 0.25 s
    (windows 0, 25, 50, 75, 100). Reference-style nunique counts distinct first windows before
    the cut, minus one: 0, 0, 1, 2, 2; plain counts 0, 2, 3, 4, 4."""
    df = pd.DataFrame(
        {"start": [10, 30, 10, 45, 70, 90], "duration": [2] * 6, "pattern": [1, 0, 2, 1, 3, 0]}
    )
    df.attrs.update(n_patterns=5, n_windows=100, step_steps=100, dt_ms=0.1)
    growth = replay_growth(df, n_points=4)
    np.testing.assert_allclose(growth["time_s"], [0, 0.25, 0.5, 0.75, 1.0])
    assert growth["nunique"].tolist() == [0, 0, 1, 2, 2]
    assert growth["n_patterns_replayed"].tolist() == [0, 2, 3, 4, 4]
    # the last point is the replay table's nunique (event_statistics over the whole length)
    stats = event_statistics(
        df["start"], df["duration"], df["pattern"], n_patterns=5, measure_windows=100
    )
    assert growth["nunique"].iloc[-1] == stats["nunique"]
    save_activations(df, tmp_path / "act.h5")
    pd.testing.assert_frame_equal(replay_growth(tmp_path / "act.h5", n_points=4), growth)
    with pytest.raises(ValueError, match="lack the attribute 'n_patterns'"):
        replay_growth(pd.DataFrame({"start": [1], "duration": [1], "pattern": [0]}))
    with pytest.raises(ValueError, match="n_points"):
        replay_growth(df, n_points=0)


def test_replay_row(tmp_path):
    spikes = fano_file(tmp_path)
    df = pd.DataFrame({"start": [10, 40, 41], "duration": [5, 7, 6], "pattern": [1, 0, 2]})
    df.attrs.update(n_patterns=3, n_windows=400, step_steps=100, dt_ms=0.1)
    row = replay_row(df, spikes, labels={"rule": "hebb", "n_patterns": 3})
    assert row["rule"] == "hebb" and row["n_events"] == 3
    assert row["mean_freq"] == pytest.approx(100 / 15.5)
    assert row["mean_dur"] == pytest.approx(6.0)
    assert row["rate_i_mean_hz"] == pytest.approx(15.0)
    save_activations(df, tmp_path / "act.h5")
    row2 = replay_row(tmp_path / "act.h5", spikes, labels={"rule": "hebb", "n_patterns": 3})
    assert row2.keys() == row.keys()
    for k, v in row.items():
        if isinstance(v, float) and math.isnan(v):
            assert math.isnan(row2[k])
        else:
            assert row2[k] == v
    bare = pd.DataFrame({"start": [1], "duration": [1], "pattern": [0]})
    with pytest.raises(ValueError, match="n_patterns"):
        replay_row(bare, spikes)
