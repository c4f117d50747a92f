"""Conductances around replay (paper Fig 6; reference ``spont_act_traces.py``, deleted from its
repository at ``bc9bbf7``): how the excitation and inhibition of an assembly's members change
when it replays, against the other assemblies.

From a run recording g_e and g_i of every neuron every ``interval_ms``: per pattern q the mean
over its members, ē_q(t) (nS). For every replay event of pattern p at time t_a (the end of its
last inactive window) with a full window [t_a − half_s, t_a + half_s) inside the recording:
the replayed assembly's ē_p of g_e and of g_i, and the mean of ē_q of g_i over the other
assemblies q ≠ p. The figure shows their means over events and the ratio of the replayed
assembly's inhibition to the others'. The reference aligned its events 10 s early (its event
times count from the activation detector's skip, its samples from 0); here both are absolute.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TRACE_COLUMNS = ("t_s", "g_e_replayed_nS", "g_i_replayed_nS", "g_i_others_nS", "inhibition_ratio")


def pattern_means(samples: np.ndarray, pattern_indptr, pattern_members) -> np.ndarray:
    """Mean over each pattern's members of ``samples`` (time, n_exc): shape (P, time)."""
    indptr = np.asarray(pattern_indptr, np.int64)
    members = np.asarray(pattern_members, np.int64)
    out = np.full((indptr.size - 1, samples.shape[0]), np.nan)
    for p in range(indptr.size - 1):
        m = members[indptr[p] : indptr[p + 1]]
        if m.size:
            out[p] = samples[:, m].mean(axis=1, dtype=np.float64)
    return out


def replay_conductance_traces(
    g_e: np.ndarray,
    g_i: np.ndarray,
    pattern_indptr,
    pattern_members,
    event_patterns,
    event_times_s,
    *,
    interval_ms: float,
    half_s: float,
) -> tuple[pd.DataFrame, int]:
    """Mean over the events with a full window of the traces above (``TRACE_COLUMNS``; t_s
    relative to the event), and the number of those events. ``g_e``, ``g_i``: (samples, n_exc)
    from t = 0."""
    exc = pattern_means(g_e, pattern_indptr, pattern_members)
    inh = pattern_means(g_i, pattern_indptr, pattern_members)
    n_patterns, n_samples = exc.shape
    inh_sum = np.nansum(inh, axis=0)
    half = int(round(half_s * 1000 / interval_ms))
    centre = np.rint(np.asarray(event_times_s, float) * 1000 / interval_ms).astype(np.int64)
    full = (centre - half >= 0) & (centre + half <= n_samples)
    sums = np.zeros((3, 2 * half))
    for p, c in zip(np.asarray(event_patterns, np.int64)[full], centre[full], strict=True):
        span = slice(c - half, c + half)
        sums[0] += exc[p, span]
        sums[1] += inh[p, span]
        sums[2] += (inh_sum[span] - inh[p, span]) / (n_patterns - 1)
    n = int(full.sum())
    means = sums / n if n else np.full_like(sums, np.nan)
    table = pd.DataFrame({
        "t_s": (np.arange(2 * half) - half) * interval_ms / 1000.0,
        "g_e_replayed_nS": means[0], "g_i_replayed_nS": means[1], "g_i_others_nS": means[2],
        "inhibition_ratio": means[1] / means[2],
    })  # fmt: skip
    return table[list(TRACE_COLUMNS)], n
