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

One process at a time works on an output: ``run_chunked`` holds ``<output>.claim``
(``eiplast.engine.claim``) from before it reads the checkpoint until the final file is published and
the checkpoint removed, and refreshes it after every piece. Before resuming, the segments must
cover the steps ``[0, checkpoint step)`` without gap or overlap; before publishing, ``[0,
n_steps)``, with as many spikes as the run counted and every spike inside its segment's steps.
Anything else (segments removed or damaged by another process or by hand) is refused: the
checkpoint is discarded and the error says to run again, which starts from the beginning.
"""

import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from eiplast.engine.claim import claim_path, claimed
from eiplast.engine.formats import CHECKPOINT, SEGMENT, SPIKES
from eiplast.engine.h5io import (
    DataFileError,
    atomic_h5,
    create_dataset,
    open_checked,
    read,
    set_attrs,
    text_attr,
)
from eiplast.engine.progress import progress_bar

SEGMENT_SPIKES = 8_000_000  # most spikes held in memory per segment (≈ 12 bytes each, ×3 copies)
FIRST_PIECE_HZ = 100.0  # rate assumed for sizing the first piece, before any spike is seen
SPIKE_FILE_CHUNK = 2**20  # spikes per HDF5 chunk of the final file


def save_checkpoint(path, signature, step, totals, arrays):
    """Write the dynamic ``arrays`` (name → ndarray) at ``step`` to ``path`` atomically."""
    with atomic_h5(path, CHECKPOINT) as f:
        set_attrs(f, signature=signature, step=step, exc_spikes=totals[0], inh_spikes=totals[1])
        for name, data in arrays.items():
            create_dataset(f, f"state/{name}", data=data)


def load_checkpoint(path, signature):
    """(step, totals, arrays) saved at ``path`` if it belongs to ``signature``, else None."""
    try:
        with open_checked(path, CHECKPOINT, attrs=("signature", "step")) as f:
            if text_attr(f, "signature") != signature:
                return None
            arrays = {name: read(ds) for name, ds in f["state"].items()}
            totals = (int(f.attrs["exc_spikes"]), int(f.attrs["inh_spikes"]))
            return int(f.attrs["step"]), totals, arrays
    except (DataFileError, KeyError):
        return None


def describe_checkpoint(output):
    """A line for the log: will a run of ``output`` find a checkpoint (``<output>.ckpt``) to
    resume from? (It is used only if the run's parameters match.)"""
    path = f"{output}.ckpt"
    try:
        with open_checked(path, CHECKPOINT, attrs=("step",)) as f:
            step = int(f.attrs["step"])
    except DataFileError:
        if Path(path).exists():
            return f"checkpoint {path} unreadable: starting from the beginning"
        return "no checkpoint: starting from the beginning"
    return f"checkpoint {path} found at step {step}: resuming if the parameters match"


def _write_segment(parts_dir, step_begin, step_end, neurons, steps, state_ge, state_gi, every):
    path = parts_dir / f"steps_{step_begin:013d}.h5"
    with atomic_h5(path, SEGMENT) as f:
        set_attrs(f, step_begin=step_begin, step_end=step_end)
        create_dataset(f, "neuron", data=neurons)
        create_dataset(f, "step", data=steps)
        if every:
            create_dataset(f, "g_e_nS", data=state_ge)
            create_dataset(f, "g_i_nS", data=state_gi)


class SegmentError(DataFileError):
    """Segments that do not add up to the run (missing, overlapping, damaged, inconsistent)."""


def _segment_spans(parts_dir):
    """[(step_begin, step_end, path)] of the segment files in ``parts_dir``, by first step."""
    spans = []
    for path in sorted(parts_dir.glob("steps_*.h5")):
        try:
            with open_checked(path, SEGMENT, ("neuron", "step"), ("step_begin", "step_end")) as f:
                spans.append((int(f.attrs["step_begin"]), int(f.attrs["step_end"]), path))
        except DataFileError as err:
            raise SegmentError(str(err)) from None
    return spans


def _check_coverage(spans, step_end, parts_dir):
    """SegmentError unless ``spans`` tile ``[0, step_end)`` exactly."""
    reached = 0
    for begin, end, path in spans:
        if begin != reached or end <= begin:
            what = "gap" if begin > reached else "overlap"
            raise SegmentError(
                f"{parts_dir}: segments leave a {what} at step {min(begin, reached)} "
                f"({path.name} covers steps [{begin}, {end}), expected it to start at {reached})"
            )
        reached = end
    if reached != step_end:
        raise SegmentError(
            f"{parts_dir}: segments cover steps [0, {reached}), expected [0, {step_end})"
        )


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


def _checked_rows(name, data, begin, end, n_neurons, path):
    """``data`` of segment dataset ``name``, after checking that its spikes lie inside the
    segment's steps ``[begin, end)`` and neurons ``[0, n_neurons)`` (global indices)."""
    bounds = {"step": (begin, end), "neuron": (0, n_neurons)}.get(name)
    if bounds is not None and data.size and (data.min() < bounds[0] or data.max() >= bounds[1]):
        raise SegmentError(
            f"{path}: dataset {name} holds values outside [{bounds[0]}, {bounds[1]})"
        )
    return data


def _merge_segments(parts_dir, output_path, n_steps, attrs, every, n_total, n_spikes, extra):
    """Write the spike file from the segments, which must tile ``[0, n_steps)`` and hold
    ``n_spikes`` spikes (SegmentError otherwise)."""
    spans = _segment_spans(parts_dir)
    _check_coverage(spans, n_steps, parts_dir)
    n_neurons = int(attrs["n_exc"]) + int(attrs["n_inh"])  # the file's populations
    sizes = []
    for _, _, path in spans:
        with open_checked(path, SEGMENT, ("neuron", "step")) as f:
            sizes.append(len(f["neuron"]))
    total = int(sum(sizes))
    if total != n_spikes:
        raise SegmentError(f"{parts_dir}: segments hold {total} spikes, the run counted {n_spikes}")
    with atomic_h5(output_path, SPIKES) as out:
        set_attrs(out, **attrs, n_steps=n_steps)
        # sorted steps and neuron ids compress 3-4x with byte shuffling + fast gzip
        block = min(total, SPIKE_FILE_CHUNK)
        packing = dict(chunks=(block,), compression="gzip", compression_opts=1,
                       shuffle=True) if total else {}  # fmt: skip
        writers = [
            _BlockWriter(
                create_dataset(out, "spikes/neuron", shape=(total,), dtype=np.int32, **packing),
                block,
            ),
            _BlockWriter(
                create_dataset(out, "spikes/step", shape=(total,), dtype=np.int64, **packing), block
            ),
        ]
        names = ["neuron", "step"]
        if every:
            rows = n_steps // every + (1 if n_steps % every else 0)
            grp = out.create_group("state")
            set_attrs(grp, interval_steps=every)
            for name in ("g_e_nS", "g_i_nS"):
                d = create_dataset(
                    grp,
                    name,
                    shape=(rows, n_total),
                    dtype=np.float32,
                    chunks=(min(rows, 256), n_total),
                )
                writers.append(_BlockWriter(d, min(rows, 256)))
                names.append(name)
        # one dataset after the other, so that the file's layout does not depend on how the
        # rows were split into segments
        for name, writer in zip(names, writers, strict=True):
            for begin, end, path in spans:
                with open_checked(path, SEGMENT, (name,)) as f:
                    data = _checked_rows(name, read(f[name]), begin, end, n_neurons, path)
                writer.append(data)
            writer.close()
        for name, data in extra.items():
            create_dataset(out, name, data=data)


def _resume(sim, ckpt_path, parts_dir, signature):
    """Restore ``sim`` from the checkpoint and drop segments beyond it; returns the spike
    totals. Without a usable checkpoint (absent, unreadable, other parameters, or segments
    that do not cover its steps) the run starts from the beginning: (0, 0)."""
    resumed = load_checkpoint(ckpt_path, signature) if ckpt_path.exists() else None
    if resumed is None and ckpt_path.exists():
        _say(
            f"checkpoint {ckpt_path} is unreadable or belongs to other parameters: "
            "starting from the beginning"
        )
    if resumed is not None:
        step, totals, arrays = resumed
        for seg in parts_dir.glob("steps_*.h5"):
            if int(seg.stem.split("_")[1]) >= step:
                seg.unlink()
        try:
            _check_coverage(_segment_spans(parts_dir), step, parts_dir)
        except SegmentError as err:
            _say(
                f"{err}: the checkpoint at step {step} cannot be used; starting from the beginning"
            )
        else:
            sim.step = step
            sim.load_dynamic(arrays)
            return totals
    ckpt_path.unlink(missing_ok=True)
    if parts_dir.exists():
        shutil.rmtree(parts_dir)
    return (0, 0)


def remove_finished_checkpoints(root):
    """Remove every ``<X>.ckpt`` and ``<X>.parts`` below ``root`` whose output ``X`` exists and
    is not claimed by a writer: what a run killed before a later run finished ``X`` left.
    Returns the removed paths."""
    removed = []
    for leftover in sorted(Path(root).rglob("*.ckpt")) + sorted(Path(root).rglob("*.parts")):
        output = leftover.with_suffix("")
        if output.is_file() and not claim_path(output).exists():
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)
            removed.append(leftover)
    return removed


def _say(message):
    tqdm.write(message, file=sys.stderr)


@dataclass(frozen=True)
class RunPlan:
    """The shape of one chunked run: ``n_steps`` steps of ``dt_ms`` (ms), checkpointed every
    ``chunk_steps``; ``n_exc`` + ``n_inh`` neurons (E first); conductances recorded every
    ``state_every`` steps (0: none)."""

    n_steps: int
    chunk_steps: int
    n_exc: int
    n_inh: int
    dt_ms: float
    state_every: int = 0

    @property
    def n_total(self):
        return self.n_exc + self.n_inh


@dataclass(frozen=True)
class RunResult:
    """Spikes of a finished run per population and its wall time (s) in this process."""

    exc_spikes: int
    inh_spikes: int
    wall_s: float


def run_chunked(
    sim,
    plan: RunPlan,
    output_path,
    *,
    signature,
    attrs,
    stage="",
    progress=True,
    stop_after_chunks=None,
    on_finish=None,
):
    """Run the simulator ``sim`` through ``plan`` and write the spike file ``output_path``
    (root attributes ``attrs``; ``signature`` identifies the run's parameters, so that only a
    checkpoint of the same run is resumed).

    ``sim`` has ``step``, ``advance(stop, state_every)``, ``dynamic()`` and ``load_dynamic``.
    A simulator that sets a non-empty ``sim.stop_reason`` in ``advance`` ends the run at
    ``sim.step``: the file then covers ``[0, sim.step)`` and its root attributes add
    ``stopped_at_s`` and ``stop_reason`` (the chunk is re-simulated on a resume, so the stop
    falls on the same step).
    ``on_finish()`` may return extra datasets {name: array} for the final file and write other
    outputs; it runs after the last chunk, before the final file appears. Returns a
    ``RunResult``, or None when stopped early by ``stop_after_chunks``. Raises
    ``claim.OutputClaimedError`` if another live process works on ``output_path``.
    """
    n_steps, chunk_steps, dt_ms = plan.n_steps, plan.chunk_steps, plan.dt_ms
    n_exc, n_inh, n_total, state_every = plan.n_exc, plan.n_inh, plan.n_total, plan.state_every
    output_path = Path(output_path)
    with claimed(output_path, log=_say) as claim:
        ckpt_path = output_path.with_name(output_path.name + ".ckpt")
        parts_dir = output_path.with_name(output_path.name + ".parts")
        totals = _resume(sim, ckpt_path, parts_dir, signature)
        parts_dir.mkdir(parents=True, exist_ok=True)

        wall_start = time.perf_counter()
        bar = progress_bar(
            total=round(n_steps * dt_ms / 1000.0, 3),
            initial=round(sim.step * dt_ms / 1000.0, 3),
            unit="s",
            desc=f"{stage or 'simulate'} (simulated s)",
            disable=not progress,
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
                neurons, steps, piece_e, piece_i, state_ge, state_gi = sim.advance(
                    stop, state_every
                )
                claim.heartbeat()
                stop = sim.step  # before ``stop`` when the simulator ended the run
                if stop > start:
                    _write_segment(
                        parts_dir, start, stop, neurons, steps, state_ge, state_gi, state_every
                    )
                n_e, n_i = n_e + piece_e, n_i + piece_i
                if getattr(sim, "stop_reason", ""):
                    break
                piece = _piece_steps(SEGMENT_SPIKES, len(neurons), stop - start, piece, chunk_steps)
            totals = (totals[0] + n_e, totals[1] + n_i)
            if getattr(sim, "stop_reason", ""):
                n_steps = sim.step
                stopped_at_s = n_steps * dt_ms / 1000.0
                attrs = {**attrs, "stopped_at_s": stopped_at_s, "stop_reason": sim.stop_reason}
                _say(f"{output_path}: {sim.stop_reason} The file ends at {stopped_at_s:g} s.")
                break
            save_checkpoint(ckpt_path, signature, sim.step, totals, sim.dynamic())
            chunk_s = (end - begin) * dt_ms / 1000.0
            bar.set_postfix(
                E_hz=f"{n_e / (max(n_exc, 1) * chunk_s):.2f}",
                I_hz=f"{n_i / (max(n_inh, 1) * chunk_s):.2f}",
                refresh=False,
            )
            bar.update(round(chunk_s, 3))
            chunks_done += 1
            if stop_after_chunks is not None and chunks_done >= stop_after_chunks and end < n_steps:
                bar.close()
                return None
        bar.close()
        extra = on_finish() if on_finish is not None else {}
        try:
            _merge_segments(
                parts_dir,
                output_path,
                n_steps,
                attrs,
                state_every,
                n_total,
                sum(totals),
                extra or {},
            )
        except DataFileError as err:  # segments missing, inconsistent or damaged
            ckpt_path.unlink(missing_ok=True)
            shutil.rmtree(parts_dir, ignore_errors=True)
            raise SegmentError(
                f"{output_path} not written: {err}. The checkpoint was removed: run again to "
                "simulate from the beginning."
            ) from None
        ckpt_path.unlink(missing_ok=True)  # none when the run stopped in its first chunk
        shutil.rmtree(parts_dir)
        return RunResult(int(totals[0]), int(totals[1]), time.perf_counter() - wall_start)
