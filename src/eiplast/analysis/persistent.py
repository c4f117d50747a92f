"""Activity that outlasts a cue (paper Fig S1; reference ``analysis/persitent/traces.py``).

Every pattern's rate is its members' mean spike count per ``bin_ms`` bin (× 1000 / bin_ms → Hz),
r_p(b) = Σ_{i ∈ p} n_i(b) / |p|, computed for all P patterns at once as the product of the
(bins × N_E) count matrix with the (N_E × P) membership matrix, over one span at a time (a 2010 s
run in 10 ms bins × 1000 patterns would not fit in memory at once).

* Cue-averaged response (Fig S1B, C): around every cue onset t_i, the span
  [t_i − before_s, t_i + after_s); ``stimulated`` is the cued pattern's rate, ``other`` the
  largest rate of all other patterns in each bin (the reference's choice), ``other_uncued`` the
  largest rate of the patterns not cued inside the span (ours: when cues are 1 s apart, the
  reference's ``other`` picks up the next cues' responses). Each averaged over the cues whose span
  lies inside the run.
* Traces (Fig S1A): over [start_s, stop_s), the rates of the patterns cued there, of the
  ``n_other`` other patterns with the highest peak rate there (the reference picked its seven by
  hand), and ``best``, the largest rate of all patterns not cued there.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from eiplast.assembly.connectivity import Patterns
from eiplast.engine.formats import bisect_step, spike_meta, steps_per
from eiplast.engine.h5io import read

AVERAGE_COLUMNS = ("t_s", "stimulated_hz", "other_hz", "other_uncued_hz")
TRACE_COLUMNS = ("t_s", "series", "pattern", "rate_hz")
# the series of the traces table
CUED, OTHER, BEST = "cued", "other", "best"


def membership_matrix(patterns: Patterns) -> sparse.csr_matrix:
    """(N_E, P) sparse matrix M with M[i, p] = 1 / |p| for every member i of pattern p."""
    sizes = np.diff(patterns.indptr)
    weights = np.repeat(1.0 / np.maximum(sizes, 1), sizes)
    by_pattern = sparse.csr_matrix(
        (weights, patterns.members, patterns.indptr), shape=(patterns.n_patterns, patterns.n_exc)
    )
    return by_pattern.T.tocsr()


class PatternRates:
    """Pattern rates (Hz) in ``bin_ms`` bins over any span of an open spike file ``f``
    (``eiplast.engine.formats.open_spikes``)."""

    def __init__(self, f, patterns: Patterns, *, bin_ms: float = 10.0):
        meta = spike_meta(f)
        self.spike_file = f.filename
        if meta.n_exc != patterns.n_exc:
            raise ValueError(
                f"{self.spike_file}: {meta.n_exc} E neurons, but the patterns of "
                f"{patterns.path} have {patterns.n_exc}"
            )
        self.patterns = patterns
        self.bin_ms = float(bin_ms)
        self.dt_ms = meta.dt_ms
        self.n_steps = meta.n_steps
        self.bin_steps = steps_per(self.spike_file, bin_ms, meta.dt_ms,
                                   "analysis.persistent.bin_ms")  # fmt: skip
        self._f = f
        self._membership = membership_matrix(patterns)

    def step_of(self, t_s: float) -> int:
        return int(round(t_s * 1000.0 / self.dt_ms))

    def rates(self, first_step: int, n_bins: int) -> np.ndarray:
        """(n_bins, P) rates (Hz) of the bins starting at ``first_step``."""
        last = first_step + n_bins * self.bin_steps
        if first_step < 0 or last > self.n_steps:
            raise ValueError(
                f"{self.spike_file}: the span of steps [{first_step}, {last}) is not inside "
                f"the run (0 … {self.n_steps})"
            )
        ds_s = self._f["spikes/step"]
        lo = bisect_step(ds_s, first_step)
        hi = bisect_step(ds_s, last, lo)
        steps = np.asarray(read(ds_s, slice(lo, hi)), np.int64) - first_step
        neurons = np.asarray(read(self._f["spikes/neuron"], slice(lo, hi)), np.int64)
        exc = neurons < self.patterns.n_exc
        counts = sparse.csr_matrix(
            (np.ones(int(exc.sum())), (steps[exc] // self.bin_steps, neurons[exc])),
            shape=(n_bins, self.patterns.n_exc),
        )
        return np.asarray((counts @ self._membership).todense()) * (1000.0 / self.bin_ms)


def _largest_except(rates: np.ndarray, excluded) -> np.ndarray:
    """Per bin, the largest rate over the columns not in ``excluded``."""
    keep = np.ones(rates.shape[1], bool)
    keep[list(excluded)] = False
    if not keep.any():
        return np.full(rates.shape[0], np.nan)
    return rates[:, keep].max(axis=1)


def cue_average(
    rates: PatternRates,
    onsets_s: np.ndarray,
    *,
    before_s: float,
    after_s: float,
    max_cues: int | None = None,
) -> tuple[pd.DataFrame, int]:
    """The cue-averaged response (``AVERAGE_COLUMNS``; ``t_s`` relative to the onset) of the
    patterns 0 … len(onsets_s) − 1 cued at ``onsets_s`` (s), and the number of cues averaged:
    those whose span [onset − before_s, onset + after_s) lies inside the run, at most
    ``max_cues`` (the first ones)."""
    n_bins = steps_per(rates.spike_file, (before_s + after_s) * 1000.0, rates.dt_ms,
                       "the cue span") // rates.bin_steps  # fmt: skip
    onsets_s = np.asarray(onsets_s, float)
    inside = [
        p for p, t in enumerate(onsets_s)
        if t - before_s >= -1e-9 and rates.step_of(t - before_s) + n_bins * rates.bin_steps
        <= rates.n_steps
    ]  # fmt: skip
    if max_cues is not None:
        inside = inside[:max_cues]
    sums = np.zeros((3, n_bins))
    for p in inside:
        start = onsets_s[p] - before_s
        span = rates.rates(rates.step_of(start), n_bins)
        cued_here = np.flatnonzero((onsets_s >= start - 1e-9) & (onsets_s < start + before_s
                                                                  + after_s - 1e-9))  # fmt: skip
        sums[0] += span[:, p]
        sums[1] += _largest_except(span, [p])
        sums[2] += _largest_except(span, set(cued_here) | {p})
    n = len(inside)
    means = sums / n if n else np.full_like(sums, np.nan)
    t = np.arange(n_bins) * rates.bin_ms / 1000.0 - before_s
    table = pd.DataFrame({"t_s": t, "stimulated_hz": means[0], "other_hz": means[1],
                          "other_uncued_hz": means[2]})  # fmt: skip
    return table, n


def persistent_traces(
    rates: PatternRates,
    onsets_s: np.ndarray,
    *,
    start_s: float,
    stop_s: float,
    n_other: int,
) -> pd.DataFrame:
    """Traces (``TRACE_COLUMNS``, long format) over [start_s, stop_s): the patterns cued there
    (``cued``), the ``n_other`` other patterns of highest peak rate there (``other``, highest
    first; ties to the lower index) and ``best`` (pattern −1): per bin the largest rate of the
    patterns not cued there."""
    n_bins = int(round((stop_s - start_s) * 1000.0 / rates.bin_ms))
    span = rates.rates(rates.step_of(start_s), n_bins)
    onsets_s = np.asarray(onsets_s, float)
    cued = np.flatnonzero((onsets_s >= start_s - 1e-9) & (onsets_s < stop_s - 1e-9))
    peaks = span.max(axis=0).astype(float)
    peaks[cued] = -np.inf
    order = np.lexsort((np.arange(peaks.size), -peaks))
    others = order[: min(n_other, peaks.size - cued.size)]
    t = start_s + np.arange(n_bins) * rates.bin_ms / 1000.0
    frames = [
        pd.DataFrame({"t_s": t, "series": series, "pattern": int(p), "rate_hz": span[:, p]})
        for series, chosen in ((CUED, cued), (OTHER, others))
        for p in chosen
    ]
    frames.append(pd.DataFrame({"t_s": t, "series": BEST, "pattern": -1,
                                "rate_hz": _largest_except(span, cued)}))  # fmt: skip
    return pd.concat(frames, ignore_index=True)[list(TRACE_COLUMNS)]


# windows relative to the cue onset (s) whose mean rates summarise a cue-averaged response:
# name → (start, stop); the cue itself is [0, cue_s)
def summary_windows(cue_s: float, after_s: float) -> dict[str, tuple[float, float]]:
    return {
        "before the cue": (-0.5, 0.0),
        "during the cue": (0.0, cue_s),
        f"{cue_s:g}-1 s after the onset": (cue_s, 1.0),
        f"{after_s - 1:g}-{after_s:g} s after the onset": (after_s - 1.0, after_s),
    }


def window_means(average: pd.DataFrame, windows: dict, column: str) -> dict[str, float]:
    """Mean of ``column`` over each window (start, stop) (s, relative to the onset); NaN for a
    window the table does not cover."""
    t = average["t_s"].to_numpy(float)
    out = {}
    for name, (a, b) in windows.items():
        inside = (t >= a - 1e-9) & (t < b - 1e-9)
        covered = inside.any() and t.min() <= a + 1e-9
        out[name] = float(average.loc[inside, column].mean()) if covered else np.nan
    return out
