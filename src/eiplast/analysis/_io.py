"""Opening and checking the HDF5 inputs of the analyses (see docs/data-format.md).

Every reader here names the offending file and value in a single
``eiplast.engine.h5io.DataFileError`` (a ``ValueError``), missing files included, instead of letting
h5py/numpy fail deep inside.
Opening and kind checks are ``eiplast.engine.h5io.open_checked``, dataset reads go through
``eiplast.engine.h5io.read`` (damaged data names the file); this module adds the analyses'
readers on top.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import h5py
import numpy as np

from eiplast.engine.h5io import DataFileError, open_checked, read

SPIKES_FORMAT = "eiplast.spikes"
CONNECTIVITY_FORMAT = "eiplast.connectivity"
ACTIVATIONS_FORMAT = "eiplast.activations"


@dataclass(frozen=True)
class SpikeMeta:
    """Root attributes of a spike file, plus the number of stored spikes."""

    path: str
    n_exc: int
    n_inh: int
    dt_ms: float
    n_steps: int
    n_spikes: int


def open_spikes(path: str | os.PathLike):
    """Context manager: an ``eiplast.spikes`` file with ``spikes/neuron`` and ``spikes/step``."""
    return open_checked(
        path,
        SPIKES_FORMAT,
        datasets=("spikes/neuron", "spikes/step"),
        attrs=("n_exc", "n_inh", "dt_ms", "n_steps"),
    )


def spike_meta(f: h5py.File) -> SpikeMeta:
    """Read and sanity-check the metadata of an open spike file."""
    path = f.filename
    n_exc = int(f.attrs["n_exc"])
    n_inh = int(f.attrs["n_inh"])
    dt_ms = float(f.attrs["dt_ms"])
    n_steps = int(f.attrs["n_steps"])
    if n_exc <= 0 or n_inh < 0:
        raise DataFileError(f"{path}: invalid population sizes n_exc={n_exc}, n_inh={n_inh}")
    if not dt_ms > 0:
        raise DataFileError(f"{path}: invalid dt_ms={dt_ms}")
    if n_steps < 0:
        raise DataFileError(f"{path}: invalid n_steps={n_steps}")
    ds_n, ds_s = f["spikes/neuron"], f["spikes/step"]
    if ds_n.ndim != 1 or ds_s.ndim != 1 or ds_n.shape != ds_s.shape:
        raise DataFileError(
            f"{path}: spikes/neuron {ds_n.shape} and spikes/step {ds_s.shape} "
            "must be 1-D of equal length"
        )
    return SpikeMeta(path, n_exc, n_inh, dt_ms, n_steps, int(ds_n.shape[0]))


def steps_per(
    path: str, duration_ms: float, dt_ms: float, what: str, *, allow_zero: bool = False
) -> int:
    """Whole number of simulation steps in ``duration_ms``; ValueError if not whole."""
    n = duration_ms / dt_ms
    k = int(round(n))
    if k < (0 if allow_zero else 1) or abs(n - k) > 1e-6 * max(1.0, abs(n)):
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(
            f"{path}: {what} = {duration_ms} ms is not a {kind} whole number of "
            f"dt_ms = {dt_ms} steps"
        )
    return k


def bisect_step(ds: h5py.Dataset, value: int, lo: int = 0, hi: int | None = None) -> int:
    """First index ``i`` in ``[lo, hi]`` with ``ds[i] >= value`` for a sorted 1-D dataset.

    Reads O(log n) single elements, so a step range can be located in a huge spike file
    without loading it.
    """
    if hi is None:
        hi = ds.shape[0]
    while lo < hi:
        mid = (lo + hi) // 2
        if int(read(ds, mid)) < value:
            lo = mid + 1
        else:
            hi = mid
    return lo


# Most spikes read at once by iter_spike_chunks (≈ 50 bytes each in the analyses' temporaries):
# a runaway network (the shuffled control: E ≈ 120 Hz) packs 10^8 spikes into 100 s.
MAX_CHUNK_SPIKES = 10_000_000


def iter_spike_chunks(
    f: h5py.File,
    meta: SpikeMeta,
    step_lo: int,
    step_hi: int,
    chunk_steps: int,
    *,
    align_steps: int = 1,
    max_spikes: int | None = None,
) -> Iterator[tuple[int, int, np.ndarray, np.ndarray]]:
    """Yield ``(s0, s1, neuron, step)`` for consecutive step ranges ``[s0, s1)``.

    The ranges tile ``[step_lo, step_hi)`` in pieces of ``chunk_steps``, shortened (to a
    multiple of ``align_steps`` from ``s0``, at least one) where they would hold more than
    ``max_spikes`` spikes (default ``MAX_CHUNK_SPIKES``), so memory is bounded by spikes, not
    time. Only the spikes of each range are read. Checks that steps are sorted and neurons in
    range.
    """
    budget = MAX_CHUNK_SPIKES if max_spikes is None else int(max_spikes)
    ds_n, ds_s = f["spikes/neuron"], f["spikes/step"]
    n_total = meta.n_exc + meta.n_inh
    row = bisect_step(ds_s, step_lo)
    last_step = step_lo
    s0 = step_lo
    while s0 < step_hi:
        s1 = min(s0 + chunk_steps, step_hi)
        row_end = bisect_step(ds_s, s1, row)
        if row_end - row > budget:
            # every spike before the step of row + budget fits in the budget
            cut = int(read(ds_s, row + budget))
            s1 = min(s1, max(s0 + align_steps, s0 + (cut - s0) // align_steps * align_steps))
            row_end = bisect_step(ds_s, s1, row, row_end)
        steps = np.asarray(read(ds_s, slice(row, row_end)), dtype=np.int64)
        neurons = np.asarray(read(ds_n, slice(row, row_end)), dtype=np.int64)
        if steps.size:
            if steps[0] < last_step or np.any(np.diff(steps) < 0):
                raise DataFileError(f"{meta.path}: spikes/step is not sorted (near row {row})")
            if neurons.min() < 0 or neurons.max() >= n_total:
                raise DataFileError(
                    f"{meta.path}: spikes/neuron outside 0..{n_total - 1} (near row {row})"
                )
            last_step = int(steps[-1])
        yield s0, s1, neurons, steps
        row = row_end
        s0 = s1


@dataclass(frozen=True)
class Patterns:
    """Pattern membership as CSR: members of ``p`` are ``members[indptr[p]:indptr[p+1]]``."""

    path: str
    n_exc: int
    indptr: np.ndarray
    members: np.ndarray

    @property
    def n_patterns(self) -> int:
        return int(self.indptr.shape[0] - 1)


def check_patterns(indptr, members, n_exc: int, path: str = "<patterns>") -> Patterns:
    """Validate a pattern CSR (monotone pointers, members inside 0..n_exc-1)."""
    indptr = np.asarray(indptr, dtype=np.int64)
    members = np.asarray(members, dtype=np.int64)
    if indptr.ndim != 1 or indptr.size < 1 or indptr[0] != 0:
        raise DataFileError(f"{path}: patterns/indptr must be 1-D and start at 0")
    if np.any(np.diff(indptr) < 0) or indptr[-1] != members.size:
        raise DataFileError(
            f"{path}: patterns/indptr is not non-decreasing or does not end at "
            f"len(patterns/members) = {members.size}"
        )
    if members.size and (members.min() < 0 or members.max() >= n_exc):
        raise DataFileError(f"{path}: patterns/members outside the E range 0..{n_exc - 1}")
    if members.size > 1:
        within = np.ones(members.size - 1, dtype=bool)
        cuts = indptr[1:-1]
        within[cuts[(cuts > 0) & (cuts < members.size)] - 1] = False
        if np.any(np.diff(members)[within] <= 0):
            raise DataFileError(f"{path}: patterns/members not strictly ascending within a pattern")
    return Patterns(path, int(n_exc), indptr, members)


def load_patterns(path: str | os.PathLike) -> Patterns:
    """Read ``patterns/indptr`` and ``patterns/members`` of a connectivity file."""
    with open_checked(
        path,
        CONNECTIVITY_FORMAT,
        datasets=("patterns/indptr", "patterns/members"),
        attrs=("n_exc",),
    ) as f:
        return check_patterns(
            read(f["patterns/indptr"]),
            read(f["patterns/members"]),
            int(f.attrs["n_exc"]),
            f.filename,
        )


def check_same_n_exc(meta: SpikeMeta, patterns: Patterns) -> None:
    """DataFileError if a spike file and a connectivity file disagree on ``n_exc``."""
    if meta.n_exc != patterns.n_exc:
        raise DataFileError(
            f"n_exc mismatch: spike file {meta.path} has n_exc={meta.n_exc} but "
            f"connectivity file {patterns.path} has n_exc={patterns.n_exc}"
        )
