"""Cued recall (paper Fig 3; reference ``analysis/fig2-1/retrievability.py``): how much of an
assembly a cue of a few of its members brings back.

Around the cue onset t_i of pattern i, E spikes are counted in ``bin_ms`` bins over
[t_i − before_s, t_i + after_s) (the reference: 10 ms bins, 0.5 s before, 1 s after: 150 bins).
The cued members S (the first ``n_cued`` in ascending index) and the rest of the assembly U are
followed separately:

* rate traces: mean spike count per member and bin (× 1000 / bin_ms → Hz), shape (cues, bins);
* active fractions: the span split into non-overlapping ``window_ms`` windows (15 of 100 ms,
  the cue in the sixth), the fraction of members with at least one spike in each.

Per cued pattern (reference ``plotting/fig3/cued_recall_illustrated.py``): **retrieval quality**
= the largest active fraction of U over the windows; **peak rate** = the largest U rate over the
bins (Hz). Both maxima include the half second before the cue, as in the reference, so a
spontaneous replay just before the cue counts; ``*_after_cue`` are the same maxima over the
windows and bins from the onset on (an addition of ours).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from eiplast.assembly.connectivity import Patterns
from eiplast.assembly.cues import CueProtocol
from eiplast.engine.formats import bisect_step, open_spikes, spike_meta, steps_per
from eiplast.engine.h5io import read

# columns of the per-pattern table (one row per cued pattern)
TABLE_COLUMNS = (
    "pattern", "members", "cued", "onset_s", "quality", "peak_rate_hz", "quality_after_cue",
    "peak_rate_after_cue_hz", "cued_peak_rate_hz", "replay_count",
)  # fmt: skip
# columns of the traces table (an example pattern and the mean over cued patterns)
TRACE_COLUMNS = ("trace", "t_s", "cued_rate_hz", "rest_rate_hz", "cued_active", "rest_active")
MEAN_TRACE = "mean"


def _member_counts(neurons, offsets, marks, role, n_units, size):
    """Spikes of the members with ``marks == role`` per unit (bin or window), per member."""
    mine = marks[neurons] == role
    return np.bincount(offsets[mine], minlength=n_units)[:n_units] / size


def _active_fraction(neurons, windows, marks, role, n_windows, size):
    """Fraction of the ``role`` members with at least one spike in each window."""
    mine = marks[neurons] == role
    pairs = np.unique(neurons[mine].astype(np.int64) * n_windows + windows[mine])
    return np.bincount(pairs % n_windows, minlength=n_windows)[:n_windows] / size


def cue_responses(
    spike_file,
    patterns: Patterns,
    protocol: CueProtocol,
    *,
    before_s: float = 0.5,
    after_s: float = 1.0,
    bin_ms: float = 10.0,
    window_ms: float = 100.0,
) -> dict:
    """Rate traces and active fractions of the cued (S) and other (U) members around every cue.

    Returns ``cued_rate_hz``, ``rest_rate_hz`` (cues, bins) and ``cued_active``, ``rest_active``
    (cues, windows), ``bin_t_s`` and ``window_t_s`` (start of each bin/window relative to the
    onset, s), ``onset_s``, ``pattern`` (the pattern cued), ``members`` and ``cued`` (cues,).
    NaN rows for a pattern without members beyond the cued ones.
    """
    with open_spikes(spike_file) as f:
        meta = spike_meta(f)
        if meta.n_exc != patterns.n_exc:
            raise ValueError(
                f"{spike_file}: {meta.n_exc} E neurons, but the patterns of {patterns.path} "
                f"have {patterns.n_exc}"
            )
        dt = meta.dt_ms
        bin_steps = steps_per(spike_file, bin_ms, dt, "analysis.recall.bin_ms")
        window_steps = steps_per(spike_file, window_ms, dt, "analysis.recall.window_ms")
        span_steps = steps_per(spike_file, (before_s + after_s) * 1000, dt, "the cue window")
        if span_steps % window_steps or window_steps % bin_steps:
            raise ValueError(
                f"the cue window ({before_s} + {after_s} s) must hold whole windows of "
                f"{window_ms} ms, and those whole bins of {bin_ms} ms"
            )
        n_bins, n_windows = span_steps // bin_steps, span_steps // window_steps
        onsets = protocol.onsets_s(patterns.n_patterns)
        cued_patterns = protocol.cued_patterns(patterns.n_patterns)
        first = np.rint((onsets - before_s) * 1000 / dt).astype(np.int64)
        if first.size and (first[0] < 0 or first[-1] + span_steps > meta.n_steps):
            raise ValueError(
                f"{spike_file}: the cue windows [onset − {before_s} s, onset + {after_s} s) "
                f"must lie inside the run (0 … {meta.n_steps * dt / 1000:g} s)"
            )
        marks = np.zeros(meta.n_exc + meta.n_inh, dtype=np.int8)
        out = {
            name: np.full((onsets.size, n), np.nan)
            for name, n in (("cued_rate_hz", n_bins), ("rest_rate_hz", n_bins),
                            ("cued_active", n_windows), ("rest_active", n_windows))
        }  # fmt: skip
        sizes = np.diff(patterns.indptr)[cued_patterns]
        cued = sizes if protocol.n_cued is None else np.minimum(sizes, protocol.n_cued)
        ds_n, ds_s = f["spikes/neuron"], f["spikes/step"]
        row = 0
        for i, (p, s0) in enumerate(zip(cued_patterns, first, strict=True)):
            row = bisect_step(ds_s, int(s0), min(row, ds_s.shape[0]))
            row_end = bisect_step(ds_s, int(s0) + span_steps, row)
            steps = np.asarray(read(ds_s, slice(row, row_end)), np.int64) - s0
            neurons = np.asarray(read(ds_n, slice(row, row_end)), np.int64)
            members = patterns.members[patterns.indptr[p] : patterns.indptr[p + 1]]
            marks[members[: cued[i]]] = 1
            marks[members[cued[i] :]] = 2
            bins, windows = steps // bin_steps, steps // window_steps
            for role, size, rate, active in ((1, cued[i], "cued_rate_hz", "cued_active"),
                                             (2, sizes[i] - cued[i], "rest_rate_hz",
                                              "rest_active")):  # fmt: skip
                if size:
                    counts = _member_counts(neurons, bins, marks, role, n_bins, size)
                    out[rate][i] = counts * 1000.0 / bin_ms
                    out[active][i] = _active_fraction(
                        neurons, windows, marks, role, n_windows, size
                    )
            marks[members] = 0
    out["bin_t_s"] = np.arange(n_bins) * bin_ms / 1000.0 - before_s
    out["window_t_s"] = np.arange(n_windows) * window_ms / 1000.0 - before_s
    out["onset_s"] = onsets
    out["pattern"] = cued_patterns
    out["members"] = sizes
    out["cued"] = cued
    return out


def configured_responses(spike_file, patterns: Patterns, protocol: CueProtocol, analysis) -> dict:
    """``cue_responses`` with the windows of the section ``analysis.recall`` (before_s,
    after_s, bin_ms, window_ms)."""
    return cue_responses(
        spike_file, patterns, protocol, before_s=analysis["before_s"],
        after_s=analysis["after_s"], bin_ms=analysis["bin_ms"], window_ms=analysis["window_ms"],
    )  # fmt: skip


def recall_table(responses: dict, replay_count: np.ndarray) -> pd.DataFrame:
    """One row per cued pattern (``TABLE_COLUMNS``): retrieval quality and peak rate (over the
    whole span and from the onset on), the cued members' peak rate, and the pattern's replay
    count in the spontaneous run (``replay_count``, shape (P,))."""
    after_bin = responses["bin_t_s"] >= -1e-12
    after_window = responses["window_t_s"] >= -1e-12
    rest_rate, rest_active = responses["rest_rate_hz"], responses["rest_active"]
    n = responses["onset_s"].size
    pattern = np.asarray(responses.get("pattern", np.arange(n)))
    with np.errstate(all="ignore"):
        table = pd.DataFrame({
            "pattern": pattern,
            "members": responses["members"],
            "cued": responses["cued"],
            "onset_s": responses["onset_s"],
            "quality": np.max(rest_active, axis=1),
            "peak_rate_hz": np.max(rest_rate, axis=1),
            "quality_after_cue": np.max(rest_active[:, after_window], axis=1),
            "peak_rate_after_cue_hz": np.max(rest_rate[:, after_bin], axis=1),
            "cued_peak_rate_hz": np.max(responses["cued_rate_hz"], axis=1),
            "replay_count": np.asarray(replay_count)[pattern],
        })  # fmt: skip
    return table[list(TABLE_COLUMNS)]


def recall_traces(responses: dict, example_pattern: int) -> pd.DataFrame:
    """The traces of ``example_pattern`` (trace label = its index) and their mean over the cued
    patterns (label ``MEAN_TRACE``), per bin: rates (Hz) and the active fraction of the window
    holding the bin (``TRACE_COLUMNS``)."""
    bins_per_window = responses["rest_rate_hz"].shape[1] // responses["rest_active"].shape[1]
    frames = []
    with np.errstate(all="ignore"):
        for label, pick in ((str(example_pattern), lambda a: a[example_pattern]),
                            (MEAN_TRACE, lambda a: np.nanmean(a, axis=0))):  # fmt: skip
            frames.append(pd.DataFrame({
                "trace": label,
                "t_s": responses["bin_t_s"],
                "cued_rate_hz": pick(responses["cued_rate_hz"]),
                "rest_rate_hz": pick(responses["rest_rate_hz"]),
                "cued_active": np.repeat(pick(responses["cued_active"]), bins_per_window),
                "rest_active": np.repeat(pick(responses["rest_active"]), bins_per_window),
            }))  # fmt: skip
    return pd.concat(frames, ignore_index=True)[list(TRACE_COLUMNS)]


def recall_summary(table: pd.DataFrame) -> dict:
    """One run's summary: cued patterns, mean retrieval quality (whole span and after the
    cue), median peak rate (Hz), and the Spearman correlation of quality with the spontaneous
    replay count (NaN when either is constant)."""
    quality = table["quality"].to_numpy(float)
    counts = table["replay_count"].to_numpy(float)
    ok = np.isfinite(quality)
    constant = np.ptp(quality[ok]) == 0 if ok.any() else True
    constant = constant or (np.ptp(counts[ok]) == 0 if ok.any() else True)
    rho = np.nan if constant else float(stats.spearmanr(quality[ok], counts[ok]).statistic)
    return {
        "cued_patterns": int(len(table)),
        "quality_mean": float(np.nanmean(quality)) if ok.any() else np.nan,
        "quality_after_cue_mean": float(np.nanmean(table["quality_after_cue"]))
        if ok.any()
        else np.nan,
        "peak_rate_median_hz": float(np.nanmedian(table["peak_rate_hz"])) if ok.any() else np.nan,
        "spearman_quality_replays": rho,
    }
