"""Every on-disk format of the project: its label, and the spike-file readers.

Each HDF5 file carries its format label in the root attribute ``format`` (checked on opening by
``eiplast.engine.h5io.open_checked``); layouts are in docs/data-format.md. The labels are defined
here and nowhere else. Writers and readers live with the code that owns the data:

=============================  =================================================================
label                          written by / read by
=============================  =================================================================
``SPIKES``                     ``engine.chunked`` (merge of segments) / this module
``CHECKPOINT``, ``SEGMENT``    ``engine.chunked`` (private to a running simulation)
``CONNECTIVITY``               ``assembly.connectivity`` (save/load_connectivity, load_patterns)
``ACTIVATIONS``,               ``analysis.activations``
``ACTIVATION_TRACES``
``BALANCED_RECORDS``           ``balanced.simulate`` (weight records of a plastic run)
=============================  =================================================================

Every reader names the offending file and value in one ``DataFileError`` (a ``ValueError``),
missing files included, instead of letting h5py/numpy fail deep inside.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import h5py
import numpy as np

from eiplast.engine.h5io import DataFileError, open_checked, read

SPIKES = "eiplast.spikes"
CHECKPOINT = "eiplast.checkpoint"
SEGMENT = "eiplast.segment"
CONNECTIVITY = "eiplast.connectivity"
ACTIVATIONS = "eiplast.activations"
ACTIVATION_TRACES = "eiplast.activation_traces"
BALANCED_RECORDS = "eiplast.balanced_records"


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
        SPIKES,
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


def open_state(path: str | os.PathLike):
    """Context manager: a spike file with recorded conductances ``state/g_e_nS``,
    ``state/g_i_nS`` (rows: samples every ``state.attrs["interval_steps"]`` steps; columns:
    neurons)."""
    return open_checked(path, SPIKES, ("state/g_e_nS", "state/g_i_nS"))


@dataclass(frozen=True)
class Conductances:
    """Recorded conductances of neurons ``neuron_start … neuron_stop − 1`` after a skip:
    ``g_e_nS``, ``g_i_nS`` of shape (samples, neurons); ``n_exc`` of the network."""

    g_e_nS: np.ndarray
    g_i_nS: np.ndarray
    n_exc: int
    n_total: int
    neuron_start: int
    neuron_stop: int


def read_conductances(
    path: str | os.PathLike, *, skip_s: float, neuron_start: int = 0, neuron_stop=None
) -> Conductances:
    """The conductance samples of a recording run from ``skip_s`` on (samples before are
    dropped), for neurons ``neuron_start … neuron_stop − 1`` (to the last neuron when None);
    ``ValueError`` for an empty range, ``DataFileError`` when fewer than 3 samples remain."""
    with open_state(path) as f:
        n_exc = int(f.attrs["n_exc"])
        n_total = n_exc + int(f.attrs["n_inh"])
        every = int(f["state"].attrs["interval_steps"])
        dt_ms = float(f.attrs["dt_ms"])
        first_row = int(np.ceil(skip_s * 1000.0 / (dt_ms * every) - 1e-9))
        n_rows = f["state/g_e_nS"].shape[0]
        stop = n_total if neuron_stop is None else min(neuron_stop, n_total)
        if not 0 <= neuron_start < stop:
            raise ValueError(f"empty neuron range [{neuron_start}, {stop}) for {path}")
        if n_rows - first_row < 3:
            raise DataFileError(
                f"{path}: {n_rows} conductance samples, fewer than 3 left after "
                f"dropping the first {skip_s} s"
            )
        rows_cols = (slice(first_row, None), slice(neuron_start, stop))
        return Conductances(
            g_e_nS=read(f["state/g_e_nS"], rows_cols),
            g_i_nS=read(f["state/g_i_nS"], rows_cols),
            n_exc=n_exc,
            n_total=n_total,
            neuron_start=neuron_start,
            neuron_stop=stop,
        )
