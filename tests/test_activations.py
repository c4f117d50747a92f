"""Assembly activation detection (eiplast.analysis.activations)."""

import h5py
import numpy as np
import pandas as pd
import pytest

from eiplast.analysis.activations import (
    activation_events,
    detect_activations,
    event_spans_s,
    load_activations,
    save_activations,
)
from eiplast.engine import formats
from eiplast.engine.h5io import atomic_h5, create_dataset, set_attrs

DT = 0.1
SKIP_S = 1.0  # small skip keeps the synthetic files short
SKIP = 10_000  # steps


# --------------------------------------------------------------------------- file writers
def write_spikes(path, neuron, step, *, n_exc, n_inh, n_steps, dt_ms=DT, drop=()):
    """A spike file as in docs/data-format.md (sorted by step, ties by neuron)."""
    neuron = np.asarray(neuron, np.int64)
    step = np.asarray(step, np.int64)
    order = np.lexsort((neuron, step))
    with atomic_h5(path, "eiplast.spikes") as f:
        set_attrs(
            f,
            n_exc=n_exc,
            n_inh=n_inh,
            dt_ms=dt_ms,
            n_steps=np.int64(n_steps),
            seed=0,
            stage="test",
        )
        if "spikes/neuron" not in drop:
            create_dataset(f, "spikes/neuron", data=neuron[order].astype(np.int32))
        if "spikes/step" not in drop:
            create_dataset(f, "spikes/step", data=step[order].astype(np.int64))
    return path


def write_connectivity(path, patterns, *, n_exc, n_inh, fmt="eiplast.connectivity"):
    """A connectivity file with the given patterns (lists of E neurons) and no synapses."""
    sizes = [len(p) for p in patterns]
    indptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    members = np.concatenate([np.sort(np.asarray(p, np.int32)) for p in patterns] + [[]])
    n = n_exc + n_inh
    with atomic_h5(path, fmt) as f:
        set_attrs(
            f,
            n_exc=n_exc,
            n_inh=n_inh,
            n_patterns=len(patterns),
            pattern_sparsity=0.01,
            seed=0,
            dt_ms=DT,
        )
        create_dataset(f, "synapses/indptr", data=np.zeros(n + 1, np.int64))
        create_dataset(f, "synapses/post", data=np.zeros(0, np.int32))
        create_dataset(f, "synapses/weight_nS", data=np.zeros(0, np.float32))
        create_dataset(f, "synapses/delay_steps", data=np.zeros(0, np.int16))
        create_dataset(f, "patterns/indptr", data=indptr)
        create_dataset(f, "patterns/members", data=members.astype(np.int32))
        create_dataset(f, "neurons/exc_alpha", data=np.zeros(n_exc))
    return path


# --------------------------------------------- transcription of the reference procedure
def reference_trace(neuron, step, n_exc, n_steps, indptr, members, skip_steps):
    """get_activations.py on integer steps: ten 100 ms histograms shifted by 0..9 × 10 ms,
    taken in the order of offsets 9..0 and interleaved column by column."""
    keep = (neuron < n_exc) & (step > skip_steps)
    idx = neuron[keep].astype(float)
    rel = (step[keep] - skip_steps).astype(float)
    t_max = n_steps - skip_steps
    per_offset = []
    for off in range(9, -1, -1):
        edges = np.arange(0, t_max + 100, 1000).astype(float) - 100 * off
        m = rel < t_max
        counts, *_ = np.histogram2d(idx[m], rel[m], [np.arange(-0.5, n_exc, 1), edges])
        rows = []
        for p in range(len(indptr) - 1):
            mem = members[indptr[p] : indptr[p + 1]]
            if len(mem):
                rows.append((counts[mem] > 0).mean(axis=0))
            else:
                rows.append(np.full(counts.shape[1], np.nan))
        per_offset.append(np.array(rows).reshape(len(indptr) - 1, -1))
    stacked = np.array(per_offset)
    return np.transpose(stacked, (1, 2, 0)).reshape(len(indptr) - 1, -1)


def reference_events(trace):
    """The reference's diff/argwhere pairing of threshold crossings."""
    out = []
    for p in range(trace.shape[0]):
        change = np.diff((trace[p] > 0.9).astype(float))
        ups = np.flatnonzero(change == 1)
        downs = np.flatnonzero(change == -1)
        if downs.size:
            ups = ups[ups < downs[-1]]
            if ups.size:
                downs = downs[downs > ups[0]]
                out += [(int(u), int(d - u), p) for u, d in zip(ups, downs, strict=True)]
    return sorted(out, key=lambda e: (e[2], e[0]))


def random_assemblies(seed, n_exc=150, n_inh=40, n_pat=25, n_steps=SKIP + 25_000):
    rng = np.random.default_rng(seed)
    pats = [rng.choice(n_exc, size=rng.integers(0, 12), replace=False) for _ in range(n_pat)]
    sp = []
    for mem in pats:
        for _ in range(rng.integers(0, 6)):
            t0 = rng.integers(0, n_steps)
            spread = rng.choice([50, 300, 900])
            sp += [(n, t0 + rng.integers(0, spread)) for n in mem if rng.random() < 0.95]
    sp += [(rng.integers(0, n_exc + n_inh), rng.integers(0, n_steps)) for _ in range(2500)]
    sp = np.array(sp, np.int64)
    sp = sp[sp[:, 1] < n_steps]
    # the reference's last histogram bin is closed on the right: avoid spikes on those edges
    rel = sp[:, 1] - SKIP
    sp = sp[~((rel % 100 == 0) & (rel > n_steps - SKIP - 1000))]
    sp = sp[np.lexsort((sp[:, 0], sp[:, 1]))]
    sizes = [len(p) for p in pats]
    indptr = np.concatenate([[0], np.cumsum(sizes)])
    members = np.concatenate([np.sort(p) for p in pats])
    return sp[:, 0], sp[:, 1], indptr, members, n_exc, n_inh, n_steps


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_transcribed_reference(seed):
    neuron, step, indptr, members, n_exc, _, n_steps = random_assemblies(seed)
    trace_ref = reference_trace(neuron, step, n_exc, n_steps, indptr, members, SKIP)
    df, trace = activation_events(
        neuron,
        step,
        n_exc=n_exc,
        n_steps=n_steps,
        pattern_indptr=indptr,
        pattern_members=members,
        skip_steps=SKIP,
        return_trace=True,
    )
    assert trace.shape == trace_ref.shape
    np.testing.assert_array_equal(trace, np.nan_to_num(trace_ref))
    expected = reference_events(trace_ref)
    assert len(expected) > 5  # the random data do contain activations
    assert list(df.itertuples(index=False, name=None)) == expected
    for chunk in (1, 3, 10, 77, 250):
        again = activation_events(
            neuron,
            step,
            n_exc=n_exc,
            n_steps=n_steps,
            pattern_indptr=indptr,
            pattern_members=members,
            skip_steps=SKIP,
            chunk_windows=chunk,
        )
        pd.testing.assert_frame_equal(again, df)


# ------------------------------------------------------------------ planted bursts, files
N_EXC, N_INH = 120, 30
PATTERNS = [list(range(0, 10)), list(range(10, 30)), list(range(25, 45)), list(range(50, 60))]


def burst(pattern, first_bin, *, bins_used=(0,), frac=1.0):
    """Spikes of the first ``frac`` of a pattern's members, spread over the given bins
    (10 ms bins after the skip; each spike 37 steps into its bin)."""
    mem = PATTERNS[pattern][: int(round(frac * len(PATTERNS[pattern])))]
    return [
        (n, SKIP + (first_bin + bins_used[k % len(bins_used)]) * 100 + 37)
        for k, n in enumerate(mem)
    ]


def planted(tmp_path):
    n_steps = SKIP + 3000 * 100  # 30 s analysed, 3000 windows
    sp = []
    expected = []
    # a compact burst: active in windows b..b+9 -> start b-1, duration 10
    for b in (5, 199, 300, 1000, 1234):
        sp += burst(0, b)
        expected.append((b - 1, 10, 0))
    # members split over bins b and b+3: all present only in windows b+3..b+9
    for b in (95, 495, 2990 - 20):
        sp += burst(1, b, bins_used=(0, 3))
        expected.append((b + 2, 7, 1))
    # overlapping pattern 2 shares members 25..29 with pattern 1; burst straddling 100-window
    # chunk edges
    for b in (396, 1999):
        sp += burst(2, b, bins_used=(0, 1, 2))
        expected.append((b + 1, 8, 2))
    # exactly 90 % of a pattern: fraction 0.9 is not > 0.9 -> no event
    sp += burst(3, 700, frac=0.9)
    # a run starting in window 0 and one reaching the last window are dropped (reference
    # pairing of up/down crossings)
    sp += burst(1, 0)
    sp += burst(3, 2995)
    # spikes in the skipped span are ignored, and so is a spike exactly at the skip step
    # (reference: t > offset): 9 of 10 members in bin 1 plus the 10th at step SKIP would be
    # an event (start 0, duration 9) if that spike counted
    sp += [(n, SKIP - 500) for n in PATTERNS[3]]
    sp += [(n, SKIP + 137) for n in PATTERNS[3][:9]] + [(PATTERNS[3][9], SKIP)]
    # sparse background (I neurons included)
    rng = np.random.default_rng(5)
    sp += [(rng.integers(60, N_EXC + N_INH), rng.integers(0, n_steps)) for _ in range(3000)]
    sp = np.array(sp)
    spikes = write_spikes(
        tmp_path / "spikes.h5", sp[:, 0], sp[:, 1], n_exc=N_EXC, n_inh=N_INH, n_steps=n_steps
    )
    conn = write_connectivity(tmp_path / "conn.h5", PATTERNS, n_exc=N_EXC, n_inh=N_INH)
    return spikes, conn, sorted(expected, key=lambda e: (e[2], e[0]))


def test_planted_bursts_exact_and_chunk_invariant(tmp_path, monkeypatch):
    spikes, conn, expected = planted(tmp_path)
    results = []
    for chunk_s in (0.01, 0.05, 0.1, 0.37, 1.0, 2.0, 100.0):
        df = detect_activations(spikes, conn, skip_s=SKIP_S, chunk_s=chunk_s)
        assert list(df.itertuples(index=False, name=None)) == expected, chunk_s
        results.append(df)
    for df in results[1:]:
        pd.testing.assert_frame_equal(df, results[0])
    # chunks cut short by a budget of 50 spikes (aligned to the 10 ms step): same events
    monkeypatch.setattr(formats, "MAX_CHUNK_SPIKES", 50)
    pd.testing.assert_frame_equal(
        detect_activations(spikes, conn, skip_s=SKIP_S, chunk_s=100.0), results[0]
    )
    df = results[0]
    assert list(df.columns) == ["start", "duration", "pattern"]
    assert all(df[c].dtype == np.int64 for c in df.columns)
    assert df.attrs["n_windows"] == 3000 and df.attrs["n_patterns"] == len(PATTERNS)
    # event spans: the compact burst at bin 5 lies inside [t_on, t_off)
    t_on, t_off = event_spans_s(df.iloc[:1], skip_s=SKIP_S, step_ms=10, window_ms=100)
    t_spike = (SKIP + 5 * 100 + 37) * DT / 1000
    assert t_on[0] <= t_spike < t_off[0]
    assert t_off[0] - t_on[0] == pytest.approx(0.19)


def test_trace_file_and_round_trip(tmp_path):
    spikes, conn, _ = planted(tmp_path)
    df = detect_activations(spikes, conn, skip_s=SKIP_S, chunk_s=0.37, trace_file=tmp_path / "t.h5")
    with h5py.File(spikes) as f:
        neuron, step = f["spikes/neuron"][()], f["spikes/step"][()]
    _, trace = activation_events(
        neuron,
        step,
        n_exc=N_EXC,
        n_steps=SKIP + 300_000,
        pattern_indptr=np.concatenate([[0], np.cumsum([len(p) for p in PATTERNS])]),
        pattern_members=np.concatenate(PATTERNS),
        skip_steps=SKIP,
        return_trace=True,
    )
    with h5py.File(tmp_path / "t.h5") as f:
        np.testing.assert_allclose(f["traces"][()], trace, rtol=1e-6)
    save_activations(df, tmp_path / "act.h5")
    back = load_activations(tmp_path / "act.h5")
    pd.testing.assert_frame_equal(back, df)
    assert back.attrs["n_windows"] == 3000 and back.attrs["step_steps"] == 100


# ------------------------------------------------------------------------- bad inputs
def test_empty_spike_train_gives_empty_frame(tmp_path):
    spikes = write_spikes(tmp_path / "s.h5", [], [], n_exc=N_EXC, n_inh=N_INH, n_steps=SKIP + 5000)
    conn = write_connectivity(tmp_path / "c.h5", PATTERNS, n_exc=N_EXC, n_inh=N_INH)
    df = detect_activations(spikes, conn, skip_s=SKIP_S)
    assert len(df) == 0 and list(df.columns) == ["start", "duration", "pattern"]


def test_bad_inputs(tmp_path):
    conn = write_connectivity(tmp_path / "c.h5", PATTERNS, n_exc=N_EXC, n_inh=N_INH)
    ok = write_spikes(tmp_path / "ok.h5", [1], [SKIP + 5], n_exc=N_EXC, n_inh=N_INH, n_steps=SKIP)
    # run not longer than the skipped span
    with pytest.raises(ValueError, match=r"ok\.h5.*not longer than the skipped"):
        detect_activations(ok, conn, skip_s=SKIP_S)
    # n_exc differs between spike file and connectivity
    other = write_spikes(tmp_path / "n.h5", [1], [5], n_exc=N_EXC + 1, n_inh=N_INH, n_steps=SKIP)
    with pytest.raises(ValueError, match=r"n_exc mismatch.*n\.h5.*c\.h5"):
        detect_activations(other, conn, skip_s=0.1)
    # a missing dataset
    nostep = write_spikes(
        tmp_path / "m.h5", [1], [5], n_exc=N_EXC, n_inh=N_INH, n_steps=SKIP, drop=("spikes/step",)
    )
    with pytest.raises(ValueError, match=r"m\.h5.*missing dataset 'spikes/step'"):
        detect_activations(nostep, conn, skip_s=0.1)
    # the connectivity file passed where spikes are expected (format attribute)
    with pytest.raises(ValueError, match=r"c\.h5.*format.*eiplast\.spikes"):
        detect_activations(conn, conn, skip_s=0.1)
    # a missing file
    with pytest.raises(ValueError, match=r"nope\.h5.*not found"):
        detect_activations(tmp_path / "nope.h5", conn)
    # skip not a whole number of steps
    with pytest.raises(ValueError, match="skip_s"):
        detect_activations(ok, conn, skip_s=1e-5)
    # unsorted spikes
    unsorted = tmp_path / "u.h5"
    with atomic_h5(unsorted, "eiplast.spikes") as f:
        set_attrs(f, n_exc=N_EXC, n_inh=N_INH, dt_ms=DT, n_steps=SKIP + 5000)
        create_dataset(f, "spikes/neuron", data=np.array([1, 2], np.int32))
        create_dataset(f, "spikes/step", data=np.array([SKIP + 300, SKIP + 200], np.int64))
    with pytest.raises(ValueError, match=r"u\.h5.*not sorted"):
        detect_activations(unsorted, conn, skip_s=SKIP_S)
    # pattern members outside the E range
    bad_conn = write_connectivity(tmp_path / "b.h5", [[N_EXC + 3]], n_exc=N_EXC, n_inh=N_INH)
    with pytest.raises(ValueError, match=r"b\.h5.*outside the E range"):
        detect_activations(ok, bad_conn, skip_s=0.1)
    # a neuron listed twice in one pattern (would be counted twice)
    dup = tmp_path / "d.h5"
    write_connectivity(dup, [[1, 2]], n_exc=N_EXC, n_inh=N_INH)
    with h5py.File(dup, "a") as f:
        f["patterns/members"][...] = [2, 2]
    with pytest.raises(ValueError, match=r"d\.h5.*strictly ascending"):
        detect_activations(ok, dup, skip_s=0.1)
