"""Assembly activity around replay events (paper Fig 2A; reference ``analysis/fig2/traces.py``)
and the intervals between events (its ``activation_stats.py``, ``iais``).

Traces: E spikes in ``bin_ms`` bins over [start_s, start_s + length_s) of a spontaneous run; for
every event whose time (the end of its last inactive window, ``skip_s`` + start·step) lies
strictly inside that span, two rows over the bins t of the span: the members' mean rate in the bin
(Hz) and the fraction of members with at least one spike in [t, t + window_ms) — a window that
starts at t, as the reference draws it (the detector's windows end at t, so this row crosses the
threshold about one window before the detected time).

Intervals: between consecutive event starts of different patterns (``replay``'s
``different_pattern_intervals``), in s; their mean is what the replay frequency inverts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from eiplast.analysis.replay import different_pattern_intervals
from eiplast.assembly.connectivity import Patterns
from eiplast.engine.formats import bisect_step, open_spikes, spike_meta, steps_per
from eiplast.engine.h5io import read

TRACE_COLUMNS = ("event", "pattern", "event_t_s", "t_s", "rate_hz", "active_fraction")


def event_times_s(events: pd.DataFrame, *, skip_s: float, step_ms: float) -> np.ndarray:
    """Time of every event (s): the end of its last inactive window, skip_s + start·step."""
    return skip_s + np.asarray(events["start"], float) * step_ms / 1000.0


def assembly_traces(
    spike_file,
    patterns: Patterns,
    events: pd.DataFrame,
    *,
    skip_s: float,
    step_ms: float,
    start_s: float,
    length_s: float,
    bin_ms: float = 10.0,
    window_ms: float = 100.0,
) -> pd.DataFrame:
    """Rate and active-fraction traces (``TRACE_COLUMNS``, one row per event × bin) of the
    events inside [start_s, start_s + length_s), in the order of ``events``."""
    times = event_times_s(events, skip_s=skip_s, step_ms=step_ms)
    inside = (times > start_s) & (times < start_s + length_s)
    with open_spikes(spike_file) as f:
        meta = spike_meta(f)
        dt = meta.dt_ms
        bin_steps = steps_per(spike_file, bin_ms, dt, "the trace bin")
        window_steps = steps_per(spike_file, window_ms, dt, "the activity window")
        n_bins = int(round(length_s * 1000 / bin_ms))
        s0 = int(round(start_s * 1000 / dt))
        s1 = s0 + n_bins * bin_steps + window_steps
        if s1 > meta.n_steps:
            raise ValueError(
                f"{spike_file}: the trace span {start_s} + {length_s} s (and one "
                f"{window_ms} ms window) ends after the run ({meta.n_steps * dt / 1000:g} s)"
            )
        ds_s = f["spikes/step"]
        lo = bisect_step(ds_s, s0)
        hi = bisect_step(ds_s, s1, lo)
        steps = np.asarray(read(ds_s, slice(lo, hi)), np.int64) - s0
        neurons = np.asarray(read(f["spikes/neuron"], slice(lo, hi)), np.int64)
    frames = []
    starts = np.arange(n_bins) * bin_steps
    for k, (row, event_t) in enumerate(
        zip(events[inside].itertuples(), times[inside], strict=True)
    ):
        p = int(row.pattern)
        members = patterns.members[patterns.indptr[p] : patterns.indptr[p + 1]]
        mine = np.isin(neurons, members)
        s_mine, n_mine = steps[mine], neurons[mine]
        in_span = s_mine < n_bins * bin_steps
        counts = np.bincount(s_mine[in_span] // bin_steps, minlength=n_bins)[:n_bins]
        active = np.empty(n_bins)
        order = np.argsort(s_mine, kind="stable")
        s_sorted, n_sorted = s_mine[order], n_mine[order]
        for b, t0 in enumerate(starts):
            a, z = np.searchsorted(s_sorted, [t0, t0 + window_steps])
            active[b] = np.unique(n_sorted[a:z]).size / members.size
        frames.append(pd.DataFrame({
            "event": k, "pattern": p, "event_t_s": event_t,
            "t_s": start_s + starts * dt / 1000.0,
            "rate_hz": counts / members.size * 1000.0 / bin_ms, "active_fraction": active,
        }))  # fmt: skip
    if not frames:
        return pd.DataFrame(columns=list(TRACE_COLUMNS))
    return pd.concat(frames, ignore_index=True)[list(TRACE_COLUMNS)]


def inter_event_intervals_s(events: pd.DataFrame, *, step_ms: float) -> np.ndarray:
    """Intervals (s) between consecutive events of different patterns."""
    steps = different_pattern_intervals(events["start"], events["pattern"])
    return steps * step_ms / 1000.0
