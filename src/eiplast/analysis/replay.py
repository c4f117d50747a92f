"""Replay statistics of one run (docs/model-description.md A8; reference
``analysis/fig2/activation_stats.py`` for the event statistics and ``src/analysis.py`` for rates
and Fano factors).

Event statistics (events from :mod:`eiplast.analysis.activations`; times in windows of
``step_ms`` = 10 ms, counted from the end of the skipped span):

* ``nunique`` — computed as the reference does: the first-activation time of every activated
  pattern, duplicates of equal times removed, and the *index* of the last one before the
  measurement end. That is (number of distinct first-activation times) − 1, i.e. one less
  than the number of activated patterns whenever no two patterns start at the same window.
  The model description (A8) says "number of distinct patterns"; we follow the code and also
  report that plain count as ``n_patterns_replayed``.
* ``entropy`` — exp(Ĥ). Plug-in entropies (natural log) H_k of the per-pattern event counts
  of events with ``start < f · measure`` for f = 1/4, 1/2, 3/4, 1 (a *time* cut, as the
  reference's ``get_act_counts(act_times < measure_time)``; not a cut by event number), then
  ``scipy.optimize.nnls`` of H_k = Ĥ − a/k − b/k² over (Ĥ, a, b) ≥ 0, k = number of events in
  the cut. If the first cut is empty only the full-run point is fitted (gives Ĥ = H_plugin);
  if there are events but none before ``measure``, Ĥ = 0 → entropy 1; with no events at all
  entropy = 0 (all as in the reference). ``entropy_plugin`` = exp(H_plugin of all events).
* ``mean_freq`` — events sorted by start; intervals between consecutive events of *different*
  patterns (same-pattern repeats left out); ``(1000 / step_ms) / mean(interval)`` = 100 / mean
  interval in 10 ms units, i.e. events per second. NaN when no such interval exists.
* ``mean_dur`` — mean ``duration`` in 10 ms units (windows), as the reference; ``mean_dur_ms``
  is the same in ms.

No events: nunique = n_patterns_replayed = 0, mean_freq = 0, mean_dur = NaN, entropy = 0,
entropy_plugin = NaN (the reference's values).

Firing statistics (streamed over the spike file): per-neuron rate = spikes in
``[skip, n_steps)`` / duration (the reference uses the whole run: ``skip_s = 0`` default);
``fano`` = per E neuron var/mean (ddof 0) of spike counts in 100 ms bins over the whole bins of
the same span; neurons without spikes give NaN and are left out of the mean/median. An empty
spike train gives rates 0 and Fano NaN.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from numba import njit
from scipy.optimize import nnls

from eiplast.analysis.activations import load_activations
from eiplast.engine.formats import iter_spike_chunks, open_spikes, spike_meta, steps_per

CUT_FRACTIONS = (0.25, 0.5, 0.75, 1.0)


def plugin_entropy(counts) -> float:
    """Plug-in (maximum-likelihood) entropy in nats of a count vector (NaN if all zero)."""
    counts = np.asarray(counts, np.float64)
    total = counts.sum()
    if total <= 0:
        return float("nan")
    p = counts[counts > 0] / total
    return float(-(p * np.log(p)).sum())


def bias_corrected_entropy(*count_vectors) -> tuple[float, float]:
    """Fit H_k = H − a/k − b/k² (H, a, b ≥ 0) to the plug-in entropies of the count vectors.

    Each vector is the per-pattern event count of a growing sample with k = its sum events.
    Returns ``(H_hat, H_plugin_of_last)`` in nats. With a single vector H_hat equals its
    plug-in entropy (the non-negative solution puts everything on the constant).
    """
    if not count_vectors:
        raise ValueError("bias_corrected_entropy needs at least one count vector")
    ks = np.array([np.asarray(c, np.float64).sum() for c in count_vectors])
    if np.any(ks <= 0):
        raise ValueError(f"every count vector needs at least one event, got sums {ks.tolist()}")
    hs = np.array([plugin_entropy(c) for c in count_vectors])
    design = np.column_stack([np.ones_like(ks), -1.0 / ks, -1.0 / ks**2])
    coef, _ = nnls(design, hs)
    return float(coef[0]), float(hs[-1])


def _counts_before(start, pattern, n_patterns, cut) -> np.ndarray:
    sel = start < cut
    return np.bincount(pattern[sel], minlength=n_patterns)


def different_pattern_intervals(start, pattern) -> np.ndarray:
    """Intervals between consecutive event starts (events sorted by start, ties by pattern),
    leaving out pairs of the same pattern; in the units of ``start``."""
    start = np.asarray(start, np.int64)
    pattern = np.asarray(pattern, np.int64)
    order = np.lexsort((pattern, start))
    s_sorted, p_sorted = start[order], pattern[order]
    return np.diff(s_sorted)[p_sorted[:-1] != p_sorted[1:]]


def event_statistics(
    start,
    duration,
    pattern,
    *,
    n_patterns: int,
    measure_windows: float,
    step_ms: float = 10.0,
) -> dict:
    """Replay statistics of one run from event arrays (see the module docstring).

    ``measure_windows`` is the measurement length in ``step_ms`` units (the reference hard-codes
    10 000 s = 1e6; :func:`replay_row` uses the analysed length by default).
    """
    start = np.asarray(start, np.int64)
    duration = np.asarray(duration, np.int64)
    pattern = np.asarray(pattern, np.int64)
    if not (start.shape == duration.shape == pattern.shape) or start.ndim != 1:
        raise ValueError("start, duration and pattern must be 1-D arrays of equal length")
    if pattern.size and (pattern.min() < 0 or pattern.max() >= n_patterns):
        raise ValueError(
            f"event pattern indices outside 0..{n_patterns - 1} "
            f"(min {pattern.min()}, max {pattern.max()})"
        )
    if not measure_windows > 0:
        raise ValueError(f"measure_windows must be positive, got {measure_windows}")
    out = {"n_events": int(start.size)}
    if start.size == 0:
        out.update(
            nunique=0,
            n_patterns_replayed=0,
            entropy=0.0,
            entropy_plugin=float("nan"),
            entropy_hat_nats=float("nan"),
            mean_freq=0.0,
            mean_dur=float("nan"),
            mean_dur_ms=float("nan"),
        )
        return out

    # nunique, reference style: distinct first-activation times before the end, minus one
    first = np.full(n_patterns, np.iinfo(np.int64).max, np.int64)
    np.minimum.at(first, pattern, start)
    first = first[first != np.iinfo(np.int64).max]
    n_distinct_first = np.unique(first[first < measure_windows]).size
    out["nunique"] = max(n_distinct_first - 1, 0)
    out["n_patterns_replayed"] = int(first.size)

    # entropy with the 1/k, 1/k^2 bias correction on time cuts
    cuts = [_counts_before(start, pattern, n_patterns, f * measure_windows) for f in CUT_FRACTIONS]
    if cuts[0].sum() > 0:
        h_hat, _ = bias_corrected_entropy(*cuts)
    elif cuts[-1].sum() > 0:
        h_hat, _ = bias_corrected_entropy(cuts[-1])
    else:
        h_hat = 0.0
    out["entropy_hat_nats"] = h_hat
    out["entropy"] = float(np.exp(h_hat))
    out["entropy_plugin"] = float(np.exp(plugin_entropy(np.bincount(pattern))))

    # mean_freq: intervals between consecutive events of different patterns. Ties in start are
    # ordered by pattern (stable); the reference's np.argsort order for ties is unspecified.
    intervals = different_pattern_intervals(start, pattern)
    if intervals.size:
        with np.errstate(divide="ignore"):
            out["mean_freq"] = float(np.float64(1000.0 / step_ms) / intervals.mean())
    else:
        out["mean_freq"] = float("nan")
    out["mean_dur"] = float(duration.mean())
    out["mean_dur_ms"] = float(duration.mean() * step_ms)
    return out


@njit(cache=True)
def _accumulate_bins(neurons, bins, last_bin, current, sum1, sum2):
    """Per-neuron running sums of bin counts and squared bin counts (bins sorted)."""
    for k in range(neurons.shape[0]):
        n = neurons[k]
        b = bins[k]
        if last_bin[n] != b:
            c = current[n]
            sum2[n] += c * c
            sum1[n] += c
            current[n] = 0
            last_bin[n] = b
        current[n] += 1


def _flush_bins(current, sum1, sum2):
    sum2 += current * current
    sum1 += current
    current[:] = 0


def _nan_stats(x) -> tuple[float, float]:
    x = np.asarray(x, np.float64)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return float("nan"), float("nan")
    return float(x.mean()), float(np.median(x))


def replay_growth(
    activations: pd.DataFrame | str | os.PathLike, n_points: int = 100
) -> pd.DataFrame:
    """Distinct assemblies replayed so far against time (the reference's ``gradual.csv``).

    ``activations``: events as from ``detect_activations`` (or their file). Rows at
    ``n_points + 1`` evenly spaced times from 0 to the analysed length: ``time_s`` (s after the
    skipped span), ``nunique`` (reference convention, as in ``event_statistics``: distinct
    first-activation start windows before the time, minus one; at the full length it equals the
    replay table's ``nunique``) and ``n_patterns_replayed`` (patterns with an activation starting
    before the time)."""
    events = activations if isinstance(activations, pd.DataFrame) else load_activations(activations)
    attrs = events.attrs
    for key in ("n_patterns", "n_windows", "step_steps", "dt_ms"):
        if key not in attrs:
            raise ValueError(f"activations lack the attribute {key!r} (from detect_activations)")
    if n_points < 1:
        raise ValueError(f"n_points must be at least 1, got {n_points}")
    n_patterns = int(attrs["n_patterns"])
    first = np.full(n_patterns, np.iinfo(np.int64).max, np.int64)
    np.minimum.at(first, events["pattern"].to_numpy(np.int64), events["start"].to_numpy(np.int64))
    first = np.sort(first[first != np.iinfo(np.int64).max])
    cuts = np.linspace(0.0, float(attrs["n_windows"]), n_points + 1)
    n_replayed = np.searchsorted(first, cuts, side="left")
    distinct_first = np.unique(first)
    nunique = np.maximum(np.searchsorted(distinct_first, cuts, side="left") - 1, 0)
    step_s = int(attrs["step_steps"]) * float(attrs["dt_ms"]) / 1000.0
    return pd.DataFrame(
        {"time_s": cuts * step_s, "nunique": nunique, "n_patterns_replayed": n_replayed}
    )


def firing_statistics(
    spike_file: str | os.PathLike,
    *,
    skip_s: float = 0.0,
    bin_ms: float = 100.0,
    chunk_s: float = 100.0,
) -> dict:
    """Rates and E Fano factor of a spike file, streamed in ``chunk_s`` pieces.

    Returns ``rate_e_mean_hz``, ``rate_e_median_hz``, ``rate_i_mean_hz``, ``rate_i_median_hz``
    (over neurons; Hz), ``fano_e_mean``, ``fano_e_median`` (over E neurons with ≥ 1 spike),
    ``n_spikes_e``, ``n_spikes_i``, ``duration_s`` (the measured span).
    """
    with open_spikes(spike_file) as f:
        meta = spike_meta(f)
        skip = steps_per(meta.path, skip_s * 1000.0, meta.dt_ms, "skip_s", allow_zero=True)
        bin_steps = steps_per(meta.path, bin_ms, meta.dt_ms, "bin_ms")
        if meta.n_steps <= skip:
            raise ValueError(
                f"{meta.path}: run has n_steps={meta.n_steps}, not longer than "
                f"skip_s={skip_s} s ({skip} steps)"
            )
        n_total = meta.n_exc + meta.n_inh
        counts = np.zeros(n_total, np.int64)
        n_bins = (meta.n_steps - skip) // bin_steps
        bins_end = skip + n_bins * bin_steps
        last_bin = np.full(meta.n_exc, -1, np.int64)
        current = np.zeros(meta.n_exc, np.int64)
        sum1 = np.zeros(meta.n_exc, np.int64)
        sum2 = np.zeros(meta.n_exc, np.int64)
        chunk_steps = max(1, int(round(chunk_s * 1000.0 / meta.dt_ms)) // bin_steps) * bin_steps
        for _, _, neurons, steps in iter_spike_chunks(
            f, meta, skip, meta.n_steps, chunk_steps, align_steps=bin_steps
        ):
            counts += np.bincount(neurons, minlength=n_total)
            sel = (neurons < meta.n_exc) & (steps < bins_end)
            _accumulate_bins(
                neurons[sel], (steps[sel] - skip) // bin_steps, last_bin, current, sum1, sum2
            )
        _flush_bins(current, sum1, sum2)
    duration_s = (meta.n_steps - skip) * meta.dt_ms / 1000.0
    rates = counts / duration_s
    out = {"duration_s": duration_s}
    out["rate_e_mean_hz"], out["rate_e_median_hz"] = _nan_stats(rates[: meta.n_exc])
    out["rate_i_mean_hz"], out["rate_i_median_hz"] = _nan_stats(rates[meta.n_exc :])
    if n_bins > 0:
        # var/mean = (n·Σc² − (Σc)²) / (n·Σc), exact in integers up to the last division
        num = (n_bins * sum2 - sum1 * sum1).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            fano = np.where(sum1 > 0, num / (float(n_bins) * sum1), np.nan)
    else:
        fano = np.full(meta.n_exc, np.nan)
    out["fano_e_mean"], out["fano_e_median"] = _nan_stats(fano)
    out["n_spikes_e"] = int(counts[: meta.n_exc].sum())
    out["n_spikes_i"] = int(counts[meta.n_exc :].sum())
    return out


def replay_row(
    activations: pd.DataFrame | str | os.PathLike,
    spike_file: str | os.PathLike,
    *,
    n_patterns: int | None = None,
    measure_s: float | None = None,
    rate_skip_s: float = 0.0,
    chunk_s: float = 100.0,
    labels: dict | None = None,
) -> dict:
    """One row of the replay table for one run.

    ``activations``: the frame returned by ``detect_activations`` (its ``attrs`` supply
    n_patterns, n_windows, step_steps, dt_ms) or the path of a file written by
    ``save_activations``. ``measure_s``: measurement length for nunique and the entropy cuts,
    counted from the end of the skipped span; default the analysed length
    (``n_windows``·``step_ms``; the reference hard-codes 10 000 s). ``labels`` (e.g. rule,
    n_patterns, seed) are copied into the row first. Rates/Fano come from ``spike_file``.
    """
    if not isinstance(activations, pd.DataFrame):
        activations = load_activations(activations)
    attrs = activations.attrs
    missing = [c for c in ("start", "duration", "pattern") if c not in activations.columns]
    if missing:
        raise ValueError(f"activations frame lacks columns {missing}")
    if n_patterns is None:
        if "n_patterns" not in attrs:
            raise ValueError("n_patterns not given and not in activations.attrs")
        n_patterns = int(attrs["n_patterns"])
    step_ms = float(attrs.get("step_steps", 100)) * float(attrs.get("dt_ms", 0.1))
    if measure_s is None:
        if "n_windows" not in attrs:
            raise ValueError("measure_s not given and n_windows not in activations.attrs")
        measure_windows = float(attrs["n_windows"])
    else:
        measure_windows = measure_s * 1000.0 / step_ms
    row = dict(labels or {})
    row.update(
        event_statistics(
            activations["start"].to_numpy(),
            activations["duration"].to_numpy(),
            activations["pattern"].to_numpy(),
            n_patterns=n_patterns,
            measure_windows=measure_windows,
            step_ms=step_ms,
        )
    )
    row.update(firing_statistics(spike_file, skip_s=rate_skip_s, chunk_s=chunk_s))
    return row
