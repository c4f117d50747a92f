"""Chunked execution shared by every simulator: segments, checkpoints, progress, final file.

A simulator object provides ``step`` (next step to simulate), ``advance(step_end, state_every)``
returning ``(neurons, steps, n_exc_spikes, n_inh_spikes, g_e_rows, g_i_rows)``, and
``dynamic()``/``load_dynamic(arrays)`` exposing every array that changes during a run.

After every chunk the runner writes the chunk's spikes (and sampled conductances) to segment
files, then the dynamic state to a checkpoint, each atomically. A chunk is simulated in one piece
unless its spikes would exceed ``SEGMENT_SPIKES``: then it is split into pieces sized from the
spike rate seen so far, one segment each, so memory is bounded by spikes rather than time (a
runaway network fires 10^8 spikes per 100 s). A run killed at any moment and
started again with the same inputs resumes from the last checkpoint; the state (random streams and
spikes in flight included) is saved exactly, so the output is bit-identical to an uninterrupted
run, and the chunk length never changes results. The final file appears only when complete.
"""

import shutil
import sys
import time
from pathlib import Path

import h5py
import numpy as np
from tqdm import tqdm

from .h5io import atomic_h5

SPIKES_KIND = "eiplast.spikes"
SEGMENT_SPIKES = 8_000_000  # most spikes held in memory per segment (≈ 12 bytes each, ×3 copies)
FIRST_PIECE_HZ = 100.0  # rate assumed for sizing the first piece, before any spike is seen
SPIKE_FILE_CHUNK = 2**20  # spikes per HDF5 chunk of the final file
CHECKPOINT_KIND = "eiplast.checkpoint"
SEGMENT_KIND = "eiplast.segment"


def save_checkpoint(path, signature, step, totals, arrays):
    """Write the dynamic ``arrays`` (name → ndarray) at ``step`` to ``path`` atomically."""
    with atomic_h5(path, CHECKPOINT_KIND) as f:
        f.attrs["signature"] = signature
        f.attrs["step"] = step
        f.attrs["exc_spikes"], f.attrs["inh_spikes"] = totals
        for name, data in arrays.items():
            f.create_dataset(f"state/{name}", data=data)


def load_checkpoint(path, signature):
    """(step, totals, arrays) saved at ``path`` if it belongs to ``signature``, else None."""
    try:
        with h5py.File(path, "r") as f:
            if f.attrs.get("signature") != signature:
                return None
            arrays = {name: ds[:] for name, ds in f["state"].items()}
            totals = (int(f.attrs["exc_spikes"]), int(f.attrs["inh_spikes"]))
            return int(f.attrs["step"]), totals, arrays
    except (OSError, KeyError):
        return None


def _write_segment(parts_dir, step_begin, step_end, neurons, steps, state_ge, state_gi, every):
    path = parts_dir / f"steps_{step_begin:013d}.h5"
    with atomic_h5(path, SEGMENT_KIND) as f:
        f.attrs["step_begin"] = step_begin
        f.attrs["step_end"] = step_end
        f.create_dataset("neuron", data=neurons)
        f.create_dataset("step", data=steps)
        if every:
            f.create_dataset("g_e_nS", data=state_ge)
            f.create_dataset("g_i_nS", data=state_gi)


def _piece_steps(budget, n_spikes, n_steps, planned, chunk_steps):
    """Steps of the next piece: as many as ``budget`` spikes allow at the rate of the last
    piece (``n_spikes`` in ``n_steps``), at most twice the last planned length ``planned`` (rates
    may still be rising; a piece cut short by its chunk's end does not shrink the next), between
    1 and ``chunk_steps``."""
    allowed = budget * n_steps // n_spikes if n_spikes > 0 else chunk_steps
    return int(min(chunk_steps, 2 * planned, max(1, allowed)))


class _BlockWriter:
    """Appends rows to an HDF5 dataset in whole blocks of ``block`` rows (its chunk length), each
    written once and in order, so the file's bytes do not depend on how the rows arrived (the
    segment boundaries)."""

    def __init__(self, dataset, block):
        self.dataset = dataset
        self.block = block
        self.pending = []
        self.n_pending = 0
        self.offset = 0

    def append(self, rows):
        self.pending.append(rows)
        self.n_pending += len(rows)
        while 0 < self.block <= self.n_pending:
            self._write(self.block)

    def close(self):
        if self.n_pending:
            self._write(self.n_pending)

    def _write(self, n):
        data = np.concatenate(self.pending) if len(self.pending) > 1 else self.pending[0]
        self.dataset[self.offset : self.offset + n] = data[:n]
        self.offset += n
        self.pending = [data[n:]] if n < len(data) else []
        self.n_pending -= n


def _merge_segments(parts_dir, output_path, n_steps, attrs, every, n_total, extra):
    segments = sorted(parts_dir.glob("steps_*.h5"))
    with atomic_h5(output_path, SPIKES_KIND) as out:
        for key, value in attrs.items():
            out.attrs[key] = value
        out.attrs["n_steps"] = n_steps
        sizes = []
        for seg in segments:
            with h5py.File(seg, "r") as f:
                sizes.append(len(f["neuron"]))
        total = int(sum(sizes))
        # sorted steps and neuron ids compress 3-4x with byte shuffling + fast gzip
        block = min(total, SPIKE_FILE_CHUNK)
        packing = dict(chunks=(block,), compression="gzip", compression_opts=1,
                       shuffle=True) if total else {}  # fmt: skip
        writers = [
            _BlockWriter(out.create_dataset("spikes/neuron", (total,), np.int32, **packing), block),
            _BlockWriter(out.create_dataset("spikes/step", (total,), np.int64, **packing), block),
        ]
        names = ["neuron", "step"]
        if every:
            rows = n_steps // every + (1 if n_steps % every else 0)
            grp = out.create_group("state")
            grp.attrs["interval_steps"] = every
            for name in ("g_e_nS", "g_i_nS"):
                d = grp.create_dataset(
                    name, (rows, n_total), dtype=np.float32, chunks=(min(rows, 256), n_total)
                )
                writers.append(_BlockWriter(d, min(rows, 256)))
                names.append(name)
        # one dataset after the other, so that the file's layout does not depend on how the
        # rows were split into segments
        for name, writer in zip(names, writers, strict=True):
            for seg in segments:
                with h5py.File(seg, "r") as f:
                    writer.append(f[name][:])
            writer.close()
        for name, data in extra.items():
            out.create_dataset(name, data=data)


def run_chunked(
    sim,
    *,
    n_steps,
    chunk_steps,
    output_path,
    signature,
    attrs,
    n_exc,
    n_inh,
    n_total,
    state_every=0,
    stage="",
    progress=True,
    stop_after_chunks=None,
    dt_ms=0.1,
    on_finish=None,
):
    """Run ``sim`` to ``n_steps`` in chunks and write the spike file ``output_path``.

    ``on_finish()`` may return extra datasets {name: array} for the final file and write other
    outputs; it runs after the last chunk, before the final file appears. Returns (E, I) spike
    totals, or None when stopped early by ``stop_after_chunks``.
    """
    output_path = Path(output_path)
    ckpt_path = output_path.with_name(output_path.name + ".ckpt")
    parts_dir = output_path.with_name(output_path.name + ".parts")
    resumed = load_checkpoint(ckpt_path, signature) if ckpt_path.exists() else None
    if resumed is None and ckpt_path.exists():
        tqdm.write(
            f"checkpoint {ckpt_path} is unreadable or belongs to other parameters: "
            "starting from the beginning",
            file=sys.stderr,
        )
    if resumed is None:
        if parts_dir.exists():
            shutil.rmtree(parts_dir)
        totals = (0, 0)
    else:
        sim.step, totals, arrays = resumed
        sim.load_dynamic(arrays)
        for seg in parts_dir.glob("steps_*.h5"):
            if int(seg.stem.split("_")[1]) >= sim.step:
                seg.unlink()
    parts_dir.mkdir(parents=True, exist_ok=True)

    wall_start = time.perf_counter()
    bar = tqdm(
        total=round(n_steps * dt_ms / 1000.0, 3),
        initial=round(sim.step * dt_ms / 1000.0, 3),
        unit="s",
        desc=f"{stage or 'simulate'} (simulated s)",
        disable=not progress,
        mininterval=5.0,
    )
    first_spikes_per_step = max(n_total, 1) * FIRST_PIECE_HZ * dt_ms / 1000.0
    piece = int(min(chunk_steps, max(1, SEGMENT_SPIKES // first_spikes_per_step)))
    chunks_done = 0
    while sim.step < n_steps:
        begin = sim.step
        end = min(begin + chunk_steps, n_steps)
        n_e = n_i = 0
        while sim.step < end:
            start = sim.step
            stop = min(start + piece, end)
            neurons, steps, piece_e, piece_i, state_ge, state_gi = sim.advance(stop, state_every)
            _write_segment(parts_dir, start, stop, neurons, steps, state_ge, state_gi, state_every)
            n_e, n_i = n_e + piece_e, n_i + piece_i
            piece = _piece_steps(SEGMENT_SPIKES, len(neurons), stop - start, piece, chunk_steps)
        totals = (totals[0] + n_e, totals[1] + n_i)
        save_checkpoint(ckpt_path, signature, sim.step, totals, sim.dynamic())
        chunk_s = (end - begin) * dt_ms / 1000.0
        bar.update(round(chunk_s, 3))
        bar.set_postfix(
            E_hz=f"{n_e / (max(n_exc, 1) * chunk_s):.2f}",
            I_hz=f"{n_i / (max(n_inh, 1) * chunk_s):.2f}",
        )
        chunks_done += 1
        if stop_after_chunks is not None and chunks_done >= stop_after_chunks and end < n_steps:
            bar.close()
            return None
    bar.close()
    extra = on_finish() if on_finish is not None else {}
    _merge_segments(parts_dir, output_path, n_steps, attrs, state_every, n_total, extra or {})
    ckpt_path.unlink()
    shutil.rmtree(parts_dir)
    attrs["wall_s"] = time.perf_counter() - wall_start
    return totals
