"""The network linearised around its spontaneous state (paper Fig 7B–E, Fig S4; reference
``analysis/fig5/{overlaps,angles,lin_pat_completion,perturbations_suscep}.py``).

Linear drive of a pattern. With χ_i the linear sensitivity of E neuron i to excitatory input
(``activation_exc`` of the sensitivity table: spikes per 100 ms bin per nS) and W_EE[i, j] the
E→E weight from j onto i (nS), an input pattern x (0/1 over the E neurons) drives

    r = W_χ x,   W_χ[i, j] = χ_i · W_EE[i, j]

(only the E→E block: the reference's overlaps leave inhibition out). ``uniform`` is the same with
χ ≡ 1, the raw weights: the structure alone (E→E is not plastic, so it is one matrix for every
rule). For pattern p with members M_p (|M_p| = n):

* **overlap** = |{n neurons of largest r_p} ∩ M_p| / n, with r_p = W_χ p (ties: lower index
  first);
* **angle** = arccos(p̂ · r̂_p) in degrees (unit vectors);
* **completion** at input error e: the cue p ⊙ m, m a 0/1 mask keeping each E neuron with
  probability 1 − e (one mask per e, shared by every rule and pattern), r = W_χ (p ⊙ m), and
  the overlap of its n largest entries with the whole pattern.

Perturbation responses: the E neurons' mean spike count in ``bin_ms`` bins over every E block
(8 excitatory pulses) and every I block (8 inhibitory pulses) of the perturbation schedule
(A6), the lead-in left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import sparse

from eiplast.engine.formats import iter_spike_chunks, open_spikes, spike_meta, steps_per

UNIFORM_LABEL = "uniform"


def pattern_drive(w_ee: sparse.sparray, inputs: sparse.sparray, chi=None) -> np.ndarray:
    """r = W_χ x for every input row x of ``inputs`` (P, n_exc): shape (n_exc, P). ``chi``
    (n_exc,) scales the rows of W_EE; None leaves the raw weights."""
    drive = np.asarray((w_ee @ sparse.csr_array(inputs).T).toarray(), dtype=float)
    if chi is not None:
        drive *= np.asarray(chi, float)[:, None]
    return drive


def top_overlaps(drive: np.ndarray, pattern_indptr, pattern_members) -> np.ndarray:
    """Per pattern p, the fraction of its members among the |M_p| neurons of largest
    ``drive[:, p]`` (descending, ties by lower index); shape (P,), NaN for an empty pattern."""
    indptr = np.asarray(pattern_indptr, np.int64)
    out = np.full(indptr.size - 1, np.nan)
    for p in range(indptr.size - 1):
        members = np.asarray(pattern_members[indptr[p] : indptr[p + 1]], np.int64)
        if members.size:
            top = np.argsort(-drive[:, p], kind="stable")[: members.size]
            out[p] = np.isin(top, members).sum() / members.size
    return out


def pattern_angles_deg(drive: np.ndarray, patterns: sparse.sparray) -> np.ndarray:
    """Angle between each pattern vector and its drive, degrees, shape (P,)."""
    dense = sparse.csr_array(patterns).toarray().T  # (n_exc, P)
    dot = np.sum(dense * drive, axis=0)
    norms = np.linalg.norm(dense, axis=0) * np.linalg.norm(drive, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.degrees(np.arccos(np.clip(dot / norms, -1.0, 1.0)))


def completion_mask(n_exc: int, error: float, seed: int) -> np.ndarray:
    """The 0/1 mask of input error ``error``: each E neuron kept with probability 1 − error,
    from the stream (seed, round(1000·error)), so every P and rule sees the same mask."""
    rng = np.random.default_rng([int(seed), int(round(1000 * error))])
    return rng.random(n_exc) < 1.0 - error


def linear_tables(
    w_ee: sparse.sparray,
    patterns: sparse.sparray,
    pattern_indptr,
    pattern_members,
    chi: Mapping[str, np.ndarray],
    *,
    errors: Sequence[float],
    seed: int,
) -> dict[str, pd.DataFrame]:
    """Overlaps, angles (one row per pattern, a column per label of ``chi`` and ``uniform``)
    and completion overlaps (rows error × pattern) of every label."""
    labels = {**{k: np.asarray(v, float) for k, v in chi.items()}, UNIFORM_LABEL: None}
    n_patterns, n_exc = patterns.shape
    index = pd.RangeIndex(n_patterns, name="pattern")
    overlaps, angles = pd.DataFrame(index=index), pd.DataFrame(index=index)
    for label, scale in labels.items():
        drive = pattern_drive(w_ee, patterns, scale)
        overlaps[label] = top_overlaps(drive, pattern_indptr, pattern_members)
        angles[label] = pattern_angles_deg(drive, patterns)
    frames = []
    for error in errors:
        cue = sparse.csr_array(patterns) @ sparse.diags_array(
            completion_mask(n_exc, error, seed).astype(float)
        )
        table = pd.DataFrame({"error": float(error), "pattern": np.arange(n_patterns)})
        for label, scale in labels.items():
            drive = pattern_drive(w_ee, cue, scale)
            table[label] = top_overlaps(drive, pattern_indptr, pattern_members)
        frames.append(table)
    completion = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return {
        "overlaps": overlaps.reset_index(),
        "angles": angles.reset_index(),
        "completion": completion,
    }


def linear_summary(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per label: mean overlap, mean angle (degrees) and mean completion overlap at
    every error (columns ``completion_<error>``)."""
    overlaps, angles, completion = tables["overlaps"], tables["angles"], tables["completion"]
    rows = []
    for label in overlaps.columns.drop("pattern"):
        row = {"label": label, "overlap_mean": float(np.nanmean(overlaps[label])),
               "angle_mean_deg": float(np.nanmean(angles[label]))}  # fmt: skip
        for error, group in completion.groupby("error", sort=True) if len(completion) else ():
            row[f"completion_{error:.1f}"] = float(np.nanmean(group[label]))
        rows.append(row)
    return pd.DataFrame(rows)


def example_drive(drive_column: np.ndarray, members, ranks: int) -> pd.DataFrame:
    """The ``ranks`` largest entries of one pattern's drive, descending (paper Fig 7D): rank,
    neuron, drive, member (0/1), and the overlap so far (members among the first k ranks / n)."""
    order = np.argsort(-np.asarray(drive_column, float), kind="stable")[:ranks]
    member = np.isin(order, np.asarray(members)).astype(int)
    return pd.DataFrame({
        "rank": np.arange(order.size), "neuron": order, "drive": drive_column[order],
        "member": member, "overlap_so_far": np.cumsum(member) / max(len(members), 1),
    })  # fmt: skip


def perturbation_responses(
    spike_files: Sequence,
    *,
    n_repetitions: int,
    n_amplitudes: int,
    stim_steps: int,
    step_s: float,
    bin_ms: float = 10.0,
    chunk_s: float = 100.0,
) -> pd.DataFrame:
    """Mean spikes per E neuron and ``bin_ms`` bin over the E blocks and over the I blocks of a
    perturbation run (its shards: ``spike_files`` with global neuron indices, every E neuron in
    exactly one). One row per block kind × bin: ``drive`` (exc/inh), ``bin``, ``t_s`` (from the
    block start), ``amplitude_index`` (the pulse whose slot holds the bin), ``spikes_per_bin``,
    ``rate_hz``."""
    block_s = stim_steps * n_amplitudes * step_s
    counts = None
    n_exc_seen = 0
    for path in spike_files:
        with open_spikes(path) as f:
            meta = spike_meta(f)
            bin_steps = steps_per(path, bin_ms, meta.dt_ms, "the response bin")
            block_bins = int(round(block_s * 1000 / bin_ms))
            if counts is None:
                counts = np.zeros((2, block_bins))
            lead_steps = block_bins * bin_steps
            end_steps = lead_steps * (1 + 2 * n_repetitions)
            if meta.n_steps < end_steps:
                raise ValueError(f"{path}: {meta.n_steps} steps, the schedule needs {end_steps}")
            chunk = steps_per(path, chunk_s * 1000, meta.dt_ms, "chunk_s")
            for _, _, neurons, steps in iter_spike_chunks(f, meta, lead_steps, end_steps, chunk):
                k = (steps[neurons < meta.n_exc] - lead_steps) // bin_steps
                slot = (k // block_bins) % 2 * block_bins + k % block_bins
                counts += np.bincount(slot, minlength=2 * block_bins).reshape(2, block_bins)
            n_exc_seen = meta.n_exc
    per_bin = counts / (n_exc_seen * n_repetitions)
    bins = np.arange(per_bin.shape[1])
    slot_bins = per_bin.shape[1] // n_amplitudes
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "drive": drive,
                    "bin": bins,
                    "t_s": bins * bin_ms / 1000.0,
                    "amplitude_index": bins // slot_bins,
                    "spikes_per_bin": per_bin[row],
                    "rate_hz": per_bin[row] * 1000.0 / bin_ms,
                }
            )  # fmt: skip
            for row, drive in enumerate(("exc", "inh"))
        ],
        ignore_index=True,
    )
