"""Assembly activation detection (docs/model-description.md A7; reference
``src/get_activations.py``).

Definition, in simulation steps (``dt_ms`` = 0.1 ms) so that every edge is exact:

* Only E spikes (neuron < n_exc) count. Spikes at ``step <= skip_steps`` are dropped — the
  reference keeps ``t > offset`` strictly — and the rest are re-timed ``rel = step - skip_steps``.
* The analysed span is cut into 10 ms *bins* ``b`` (``rel`` in ``[b·s, (b+1)·s)``, s = 100 steps,
  half-open). Window ``c`` is the 100 ms window made of bins ``c-9 … c`` (clipped at bin 0),
  i.e. the window that ENDS at ``(c+1)·10 ms``. This is what the reference's ten phase-shifted
  100 ms histograms give after its interleaving (phase offsets 9..0 × 10 ms, column
  ``10·k + i`` = window ``[(c-9)·10 ms, (c+1)·10 ms)``); windows 0..8 are the partial ones.
* Number of windows: ``floor((n_steps - skip_steps) / window_steps) · (window_steps / s)``, as
  the reference's ``np.arange(0, t_max + dt/10, dt)`` grid gives when the run is a whole number
  of 100 ms (it always is for our runs).
* fraction(p, c) = (members of pattern p with ≥ 1 spike in window c) / (size of p); a window is
  *active* when fraction **>** threshold (strict, as ``activations[i] > 0.9``), evaluated in
  float64 exactly as ``count / size``. Empty patterns are never active.
* An event is a maximal run of active windows ``c_first … c_last`` with an inactive window on
  both sides inside the analysed span (the reference's ``diff`` pairing drops runs touching the
  first or the last window). It is reported as the reference does:
  ``start = c_first - 1`` (the index of the last inactive window before the run, in 10 ms
  units) and ``duration = c_last - c_first + 1`` (number of active windows, 10 ms units).
  Hence the first active window spans ``[(start-8)·10 ms, (start+2)·10 ms)`` after the skip.

The detector is a streaming state machine: per E neuron the last window in which it still
counts as active, per pattern the number of active members. A spike that starts a neuron's
active period increments the counts of its patterns, its expiry decrements them, so the cost is
O(spikes × patterns per neuron) and the memory O(n_exc + P + members); the patterns × windows
matrix never exists. Because the state is carried across chunks, the result does not depend on
the chunk size (tests check it).
"""

from __future__ import annotations

import contextlib
import os

import numpy as np
import pandas as pd
from numba import njit

from eiplast.assembly.connectivity import Patterns, check_patterns, load_patterns
from eiplast.engine.formats import (
    ACTIVATION_TRACES,
    ACTIVATIONS,
    SpikeMeta,
    iter_spike_chunks,
    open_spikes,
    spike_meta,
    steps_per,
)
from eiplast.engine.h5io import (
    DataFileError,
    atomic_h5,
    create_dataset,
    open_checked,
    read,
    set_attrs,
)

EVENT_COLUMNS = ("start", "duration", "pattern")


@njit(cache=True)
def _advance_windows(
    c0,
    c1,
    bins,
    neurons,
    n2p_ptr,
    n2p_pat,
    kmin,
    sizes,
    expire,
    bucket,
    bucket_len,
    count,
    above,
    run_start,
    touch_mark,
    touch_list,
    ev_start,
    ev_dur,
    ev_pat,
    ev_n,
    trace,
    want_trace,
):
    """Process windows ``c0 … c1-1``; ``bins``/``neurons`` are the E spikes of those bins.

    ``bins`` must be sorted and inside ``[c0, c1)``. Mutates the state arrays; returns the
    (possibly grown) event buffers and the new number of events.
    """
    n_win = bucket.shape[0]
    i = 0
    n_sp = bins.shape[0]
    for c in range(c0, c1):
        n_touch = 0
        # 1) neurons whose last spike left the window: bucket of expiry c-1
        if c >= 1:
            b = (c - 1) % n_win
            for k in range(bucket_len[b]):
                n = bucket[b, k]
                if expire[n] == c - 1:
                    expire[n] = -2
                    for q in range(n2p_ptr[n], n2p_ptr[n + 1]):
                        p = n2p_pat[q]
                        count[p] -= 1
                        if touch_mark[p] != c:
                            touch_mark[p] = c
                            touch_list[n_touch] = p
                            n_touch += 1
            bucket_len[b] = 0
        # 2) spikes of bin c
        new_e = c + n_win - 1
        bb = new_e % n_win
        while i < n_sp and bins[i] == c:
            n = neurons[i]
            if expire[n] < c:
                for q in range(n2p_ptr[n], n2p_ptr[n + 1]):
                    p = n2p_pat[q]
                    count[p] += 1
                    if touch_mark[p] != c:
                        touch_mark[p] = c
                        touch_list[n_touch] = p
                        n_touch += 1
            if expire[n] != new_e:
                expire[n] = new_e
                bucket[bb, bucket_len[bb]] = n
                bucket_len[bb] += 1
            i += 1
        # 3) state changes of the touched patterns
        for t in range(n_touch):
            p = touch_list[t]
            now = count[p] >= kmin[p]
            if now and not above[p]:
                above[p] = True
                run_start[p] = c
            elif above[p] and not now:
                above[p] = False
                if run_start[p] >= 1:
                    if ev_n == ev_start.shape[0]:
                        cap = 2 * ev_n + 16
                        a = np.empty(cap, np.int64)
                        a[:ev_n] = ev_start[:ev_n]
                        ev_start = a
                        a = np.empty(cap, np.int64)
                        a[:ev_n] = ev_dur[:ev_n]
                        ev_dur = a
                        a = np.empty(cap, np.int64)
                        a[:ev_n] = ev_pat[:ev_n]
                        ev_pat = a
                    ev_start[ev_n] = run_start[p] - 1
                    ev_dur[ev_n] = c - run_start[p]
                    ev_pat[ev_n] = p
                    ev_n += 1
        if want_trace:
            col = c - c0
            for p in range(count.shape[0]):
                if sizes[p] > 0:
                    trace[p, col] = count[p] / sizes[p]
                else:
                    trace[p, col] = 0.0
    return ev_start, ev_dur, ev_pat, ev_n


def _min_counts(sizes: np.ndarray, threshold: float) -> np.ndarray:
    """Smallest member count k with ``k / size > threshold`` in float64 (size+1 if none)."""
    kmin = np.empty(sizes.shape[0], np.int64)
    for p, size in enumerate(sizes.tolist()):
        if size == 0:
            kmin[p] = 1  # count stays 0: never active (the reference's NaN mean)
            continue
        k = int(np.floor(threshold * size))
        k = max(k - 1, 0)
        while k <= size and not (np.float64(k) / np.float64(size) > threshold):
            k += 1
        kmin[p] = k  # size+1 (unreachable) when even the full pattern is not above
    return kmin


class ActivationDetector:
    """Streaming detector; feed consecutive window ranges with their E spikes.

    ``feed(c0, c1, neuron, rel_bin)`` processes windows ``c0 … c1-1`` given the E spikes whose
    10 ms bin is in that range (sorted by bin). Ranges must be consecutive from 0 up to
    ``n_windows``. ``events()`` returns the finished runs (open runs at the end are dropped,
    as in the reference).
    """

    def __init__(self, n_exc: int, indptr, members, n_windows: int, win_bins: int, threshold):
        indptr = np.asarray(indptr, np.int64)
        members = np.asarray(members, np.int64)
        n_pat = indptr.shape[0] - 1
        self.n_exc = int(n_exc)
        self.n_windows = int(n_windows)
        self.n_patterns = n_pat
        self.sizes = np.diff(indptr).astype(np.int64)
        self.kmin = _min_counts(self.sizes, float(threshold))
        # neuron -> patterns CSR (transpose of the pattern CSR)
        pat_of_member = np.repeat(np.arange(n_pat, dtype=np.int64), self.sizes)
        order = np.argsort(members, kind="stable")
        self.n2p_pat = pat_of_member[order]
        self.n2p_ptr = np.zeros(self.n_exc + 1, np.int64)
        np.cumsum(np.bincount(members, minlength=self.n_exc), out=self.n2p_ptr[1:])
        self.expire = np.full(self.n_exc, -2, np.int64)
        self.bucket = np.zeros((win_bins, self.n_exc), np.int64)
        self.bucket_len = np.zeros(win_bins, np.int64)
        self.count = np.zeros(n_pat, np.int64)
        self.above = np.zeros(n_pat, np.bool_)
        self.run_start = np.zeros(n_pat, np.int64)
        self.touch_mark = np.full(n_pat, -1, np.int64)
        self.touch_list = np.zeros(n_pat, np.int64)
        self._ev = (np.empty(64, np.int64), np.empty(64, np.int64), np.empty(64, np.int64))
        self._ev_n = 0
        self._next = 0
        self._no_trace = np.zeros((0, 0), np.float64)

    def feed(self, c0: int, c1: int, neurons, bins, *, want_trace: bool = False):
        """Advance over windows ``[c0, c1)``; returns the (P, c1-c0) trace if requested."""
        if c0 != self._next or c1 < c0 or c1 > self.n_windows:
            raise ValueError(f"windows must be fed consecutively: got [{c0}, {c1})")
        bins = np.ascontiguousarray(bins, np.int64)
        neurons = np.ascontiguousarray(neurons, np.int64)
        if bins.size and (bins[0] < c0 or bins[-1] >= c1 or np.any(np.diff(bins) < 0)):
            raise ValueError("spike bins must be sorted and inside the fed window range")
        if neurons.shape != bins.shape:
            raise ValueError("neurons and bins must have equal length")
        if neurons.size and (neurons.min() < 0 or neurons.max() >= self.n_exc):
            raise ValueError(f"E neuron indices must lie in 0..{self.n_exc - 1}")
        trace = np.zeros((self.n_patterns, c1 - c0)) if want_trace else self._no_trace
        s, d, p, self._ev_n = _advance_windows(
            c0,
            c1,
            bins,
            neurons,
            self.n2p_ptr,
            self.n2p_pat,
            self.kmin,
            self.sizes,
            self.expire,
            self.bucket,
            self.bucket_len,
            self.count,
            self.above,
            self.run_start,
            self.touch_mark,
            self.touch_list,
            *self._ev,
            self._ev_n,
            trace,
            want_trace,
        )
        self._ev = (s, d, p)
        self._next = c1
        return trace if want_trace else None

    def events(self) -> pd.DataFrame:
        """Events found so far, sorted like the reference output: by pattern, then start."""
        n = self._ev_n
        df = pd.DataFrame(
            {name: arr[:n].copy() for name, arr in zip(EVENT_COLUMNS, self._ev, strict=True)}
        )
        return df.sort_values(["pattern", "start"], kind="stable", ignore_index=True)


def _grid(n_steps: int, skip_steps: int, window_steps: int, step_steps: int, what: str):
    if window_steps % step_steps:
        raise ValueError(
            f"window ({window_steps} steps) must be a whole multiple of the window step "
            f"({step_steps} steps)"
        )
    if n_steps <= skip_steps:
        raise ValueError(
            f"{what}: run has n_steps={n_steps}, not longer than the skipped "
            f"first {skip_steps} steps"
        )
    win_bins = window_steps // step_steps
    n_windows = ((n_steps - skip_steps) // window_steps) * win_bins
    return win_bins, n_windows


def activation_events(
    neuron,
    step,
    *,
    n_exc: int,
    n_steps: int,
    pattern_indptr,
    pattern_members,
    skip_steps: int = 100_000,
    window_steps: int = 1000,
    step_steps: int = 100,
    threshold: float = 0.9,
    chunk_windows: int | None = None,
    return_trace: bool = False,
):
    """Array-level activation detection (same conventions as :func:`detect_activations`).

    ``neuron``/``step`` are all spikes (I spikes are ignored), sorted by step; the grid
    parameters ``*_steps`` are in simulation steps. Returns a DataFrame (start, duration,
    pattern; int64; 10 ms units for the defaults) with ``attrs`` describing the grid, or
    ``(df, trace)`` with the (P, n_windows) float64 fraction trace when ``return_trace``.
    ``chunk_windows`` splits the work like the file reader does (for tests: the result must
    not depend on it).
    """
    pats = check_patterns(pattern_indptr, pattern_members, n_exc)
    win_bins, n_windows = _grid(n_steps, skip_steps, window_steps, step_steps, "spike arrays")
    neuron = np.asarray(neuron, np.int64)
    step = np.asarray(step, np.int64)
    if neuron.shape != step.shape or neuron.ndim != 1:
        raise ValueError("neuron and step must be 1-D arrays of equal length")
    if step.size and np.any(np.diff(step) < 0):
        raise ValueError("spike steps must be sorted (non-decreasing)")
    if neuron.size and neuron.min() < 0:
        raise ValueError(f"negative neuron index {neuron.min()}")
    keep = (neuron < n_exc) & (step > skip_steps)
    rel = step[keep] - skip_steps
    bins = rel // step_steps
    nrn = neuron[keep]
    inside = bins < n_windows
    bins, nrn = bins[inside], nrn[inside]
    det = ActivationDetector(n_exc, pats.indptr, pats.members, n_windows, win_bins, threshold)
    chunk = n_windows if not chunk_windows else int(chunk_windows)
    traces = []
    c0 = 0
    while c0 < n_windows:
        c1 = min(c0 + chunk, n_windows)
        lo, hi = np.searchsorted(bins, [c0, c1])
        tr = det.feed(c0, c1, nrn[lo:hi], bins[lo:hi], want_trace=return_trace)
        if return_trace:
            traces.append(tr)
        c0 = c1
    df = det.events()
    df.attrs.update(
        n_patterns=pats.n_patterns,
        n_windows=n_windows,
        skip_steps=int(skip_steps),
        window_steps=int(window_steps),
        step_steps=int(step_steps),
        threshold=float(threshold),
    )
    if return_trace:
        trace = np.concatenate(traces, axis=1) if traces else np.zeros((pats.n_patterns, 0))
        return df, trace
    return df


def _check_same_n_exc(meta: SpikeMeta, patterns: Patterns) -> None:
    """DataFileError if a spike file and a connectivity file disagree on ``n_exc``."""
    if meta.n_exc != patterns.n_exc:
        raise DataFileError(
            f"n_exc mismatch: spike file {meta.path} has n_exc={meta.n_exc} but "
            f"connectivity file {patterns.path} has n_exc={patterns.n_exc}"
        )


def detect_activations(
    spike_file: str | os.PathLike,
    connectivity_file: str | os.PathLike,
    *,
    skip_s: float = 10.0,
    window_ms: float = 100.0,
    step_ms: float = 10.0,
    threshold: float = 0.9,
    chunk_s: float = 100.0,
    trace_file: str | os.PathLike | None = None,
) -> pd.DataFrame:
    """Detect assembly activations in a spike file, streaming over time chunks.

    Parameters are in seconds/milliseconds and must be whole numbers of the file's ``dt_ms``.
    Reads the spikes of ``chunk_s`` at a time (bisection on ``spikes/step``), so memory does
    not grow with the run length. Returns a DataFrame with int64 columns

    * ``start`` — index of the last inactive window before the run, in ``step_ms`` units
      counted from the end of the skipped span (reference convention, see module docstring);
    * ``duration`` — number of active windows (``step_ms`` units);
    * ``pattern`` — pattern index;

    sorted by (pattern, start), with ``df.attrs`` = n_patterns, n_windows, skip_steps,
    window_steps, step_steps, threshold, dt_ms, spike_file, connectivity_file.
    No events gives an empty frame with the same columns.

    ``trace_file``: if given, the full (P, n_windows) fraction trace is written there
    (HDF5 dataset ``traces``, float32, written chunk by chunk) — off by default; it is big.

    Raises ``ValueError`` naming the file for a wrong format, missing datasets, an ``n_exc``
    mismatch between the two files, or a run not longer than ``skip_s``.
    """
    pats = load_patterns(connectivity_file)
    with open_spikes(spike_file) as f:
        meta = spike_meta(f)
        _check_same_n_exc(meta, pats)
        skip_steps = steps_per(meta.path, skip_s * 1000.0, meta.dt_ms, "skip_s", allow_zero=True)
        window_steps = steps_per(meta.path, window_ms, meta.dt_ms, "window_ms")
        step_steps = steps_per(meta.path, step_ms, meta.dt_ms, "step_ms")
        win_bins, n_windows = _grid(
            meta.n_steps, skip_steps, window_steps, step_steps, f"{meta.path}"
        )
        chunk_windows = max(1, int(round(chunk_s * 1000.0 / (step_steps * meta.dt_ms))))
        det = ActivationDetector(
            meta.n_exc, pats.indptr, pats.members, n_windows, win_bins, threshold
        )
        with contextlib.ExitStack() as stack:
            ds_trace = None
            if trace_file is not None:
                tf = stack.enter_context(atomic_h5(trace_file, ACTIVATION_TRACES))
                shape = (pats.n_patterns, n_windows)
                opts = {}
                if pats.n_patterns and n_windows:  # an empty dataset gets create_dataset's chunks
                    opts = dict(
                        chunks=(min(shape[0], 256), min(shape[1], 4096)), compression="gzip"
                    )
                ds_trace = create_dataset(tf, "traces", shape=shape, dtype=np.float32, **opts)
            for s0, s1, neurons, steps in iter_spike_chunks(
                f,
                meta,
                skip_steps,
                skip_steps + n_windows * step_steps,
                chunk_windows * step_steps,
                align_steps=step_steps,
            ):
                keep = (neurons < meta.n_exc) & (steps > skip_steps)
                bins = (steps[keep] - skip_steps) // step_steps
                c0 = (s0 - skip_steps) // step_steps
                c1 = (s1 - skip_steps) // step_steps
                tr = det.feed(c0, c1, neurons[keep], bins, want_trace=ds_trace is not None)
                if ds_trace is not None:
                    ds_trace[:, c0:c1] = tr
    df = det.events()
    df.attrs.update(
        n_patterns=pats.n_patterns,
        n_windows=n_windows,
        skip_steps=skip_steps,
        window_steps=window_steps,
        step_steps=step_steps,
        threshold=float(threshold),
        dt_ms=meta.dt_ms,
        spike_file=os.fspath(spike_file),
        connectivity_file=os.fspath(connectivity_file),
    )
    return df


def save_activations(df: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write events (+ their ``attrs``) to HDF5 ``format = "eiplast.activations"`` atomically.

    Layout: ``events/start``, ``events/duration``, ``events/pattern`` (int64); root attrs
    ``format``, ``format_version``, and whatever of n_patterns, n_windows, skip_steps,
    window_steps, step_steps, dt_ms, threshold, spike_file, connectivity_file ``df.attrs`` has.
    """
    with atomic_h5(path, ACTIVATIONS) as f:
        scalars = (str, int, float, np.integer, np.floating)
        set_attrs(f, **{k: v for k, v in df.attrs.items() if isinstance(v, scalars)})
        for name in EVENT_COLUMNS:
            create_dataset(f, f"events/{name}", data=np.asarray(df[name], np.int64))


def load_activations(path: str | os.PathLike) -> pd.DataFrame:
    """Read a file written by :func:`save_activations` (attrs restored on the frame)."""
    with open_checked(
        path,
        ACTIVATIONS,
        datasets=tuple(f"events/{n}" for n in EVENT_COLUMNS),
        attrs=("n_patterns", "n_windows"),
    ) as f:
        df = pd.DataFrame({n: np.asarray(read(f[f"events/{n}"]), np.int64) for n in EVENT_COLUMNS})
        for key, val in f.attrs.items():
            if key in ("format", "format_version"):
                continue
            if isinstance(val, bytes):
                val = val.decode()
            elif isinstance(val, np.integer):
                val = int(val)
            elif isinstance(val, np.floating):
                val = float(val)
            df.attrs[key] = val
    return df


def event_spans_s(df: pd.DataFrame, *, skip_s: float, step_ms: float, window_ms: float):
    """Time span (s, absolute) covered by each event's active windows.

    From the start of the first active window to the end of the last one:
    ``[skip + (start + 2)·step − window, skip + (start + duration + 1)·step)``.
    """
    start = np.asarray(df["start"], np.float64)
    dur = np.asarray(df["duration"], np.float64)
    t_on = skip_s + ((start + 2) * step_ms - window_ms) / 1000.0
    t_off = skip_s + (start + dur + 1) * step_ms / 1000.0
    return t_on, t_off
