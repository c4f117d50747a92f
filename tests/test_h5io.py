"""Damaged data inside an HDF5 file is reported with the file's name (issue 6).

A corrupted compressed chunk is noticed by h5py only when that chunk is read, as an ``OSError``
("filter returned failure during read") naming neither file nor dataset; every reader of the
project reads datasets through ``eiplast.engine.h5io.read``, which turns it into ``DataFileError``.
"""

import h5py
import numpy as np
import pytest

from eiplast.analysis.summary import neuron_rates, spikes_between
from eiplast.balanced.experiments import recorded_mean_weights, run_params
from eiplast.balanced.stats import load_balanced
from eiplast.engine.formats import iter_spike_chunks, open_spikes, spike_meta
from eiplast.engine.h5io import (
    DataFileError,
    atomic_h5,
    create_dataset,
    open_checked,
    read,
    set_attrs,
)

N_EXC, N_INH, N_STEPS, CHUNK = 80, 20, 200_000, 4096


def write_spikes(path):
    """A small spike file compressed like the simulator's (shuffle + gzip, small chunks)."""
    rng = np.random.default_rng(5)
    step = np.sort(rng.integers(0, N_STEPS, 50_000))
    neuron = rng.integers(0, N_EXC + N_INH, step.size).astype(np.int32)
    packing = dict(chunks=(CHUNK,), compression="gzip", compression_opts=1, shuffle=True)
    with atomic_h5(path, "eiplast.spikes") as f:
        set_attrs(f, n_exc=N_EXC, n_inh=N_INH, dt_ms=0.1, n_steps=N_STEPS)
        create_dataset(f, "spikes/neuron", data=neuron, **packing)
        create_dataset(f, "spikes/step", data=step, **packing)
    return neuron, step


def corrupt_chunk(path, dataset, index):
    """Overwrite the middle of stored chunk ``index`` of ``dataset``; return its first row."""
    with h5py.File(path, "r") as f:
        info = f[dataset].id.get_chunk_info(index)
    with open(path, "r+b") as fh:
        fh.seek(info.byte_offset + info.size // 4)
        fh.write(bytes(range(256))[: info.size // 2])
    return info.chunk_offset[0]


@pytest.fixture
def damaged(tmp_path):
    path = tmp_path / "spikes.h5"
    neuron, step = write_spikes(path)
    first_row = corrupt_chunk(path, "spikes/step", 5)
    assert corrupt_chunk(path, "spikes/neuron", 5) == first_row
    return path, step, first_row


def test_read_returns_the_data(tmp_path):
    path = tmp_path / "spikes.h5"
    neuron, step = write_spikes(path)
    with open_spikes(path) as f:
        assert np.array_equal(read(f["spikes/step"]), step)
        assert np.array_equal(read(f["spikes/neuron"], slice(100, 9000)), neuron[100:9000])
        assert read(f["spikes/step"], 7) == step[7]


def test_damaged_chunk_names_file_and_dataset(damaged):
    path, step, first_row = damaged
    with h5py.File(path, "r") as f:  # what h5py says by itself: neither file nor dataset
        with pytest.raises(OSError) as raw:
            f["spikes/step"][()]
    assert str(path) not in str(raw.value)

    with open_checked(path, "eiplast.spikes") as f:
        ds = f["spikes/step"]
        assert np.array_equal(read(ds, slice(0, first_row)), step[:first_row])  # intact part
        with pytest.raises(DataFileError) as err:
            read(ds, slice(first_row, first_row + 10))
    message = str(err.value)
    assert message.startswith(f"{path}: dataset /spikes/step [{first_row}:{first_row + 10}]")
    assert "filter returned failure" in message


@pytest.mark.parametrize(("chunk_steps", "align", "budget"), [(10_000, 1, 777), (50_000, 100, 1000),
                                                              (200_000, 5_000, 100)])  # fmt: skip
def test_spike_chunks_tile_the_run_within_the_spike_budget(tmp_path, chunk_steps, align, budget):
    """Every spike once, in order; boundaries on the alignment; no chunk over the budget unless
    one alignment unit alone holds more (then the chunk is that one unit)."""
    path = tmp_path / "s.h5"
    write_spikes(path)
    with h5py.File(path) as f:
        all_steps, all_neurons = f["spikes/step"][()], f["spikes/neuron"][()]
    pieces = []
    with open_spikes(path) as f:
        meta = spike_meta(f)
        s_prev = 0
        for s0, s1, neurons, steps in iter_spike_chunks(
            f, meta, 0, N_STEPS, chunk_steps, align_steps=align, max_spikes=budget
        ):
            assert s0 == s_prev and s0 < s1 <= min(s0 + chunk_steps, N_STEPS)
            assert (s1 - s0) % align == 0 or s1 == N_STEPS
            assert ((steps >= s0) & (steps < s1)).all()
            assert steps.size <= budget or s1 - s0 == align
            pieces.append((neurons, steps))
            s_prev = s1
    assert s_prev == N_STEPS
    np.testing.assert_array_equal(np.concatenate([p[1] for p in pieces]), all_steps)
    np.testing.assert_array_equal(np.concatenate([p[0] for p in pieces]), all_neurons)
    if budget < 50_000 * chunk_steps / N_STEPS:  # the budget did cut chunks short
        assert len(pieces) > -(-N_STEPS // chunk_steps)


def test_readers_of_spike_files_name_the_damaged_file(damaged):
    path = damaged[0]
    pattern = f"^{path}: dataset /spikes/(step|neuron) "
    with pytest.raises(DataFileError, match=pattern):  # replay, activations, sensitivity
        with open_spikes(path) as f:
            meta = spike_meta(f)
            for _ in iter_spike_chunks(f, meta, 0, N_STEPS, 10_000):
                pass
    with pytest.raises(DataFileError, match=pattern):  # figures: rates (bisects the steps)
        neuron_rates(path, skip_s=1.0)
    with pytest.raises(DataFileError, match=pattern):  # figures: raster
        spikes_between(path, 0.0, 20.0)
    with pytest.raises(DataFileError, match=pattern):  # balanced networks
        load_balanced(path)


def test_balanced_readers_name_a_truncated_file(tmp_path):
    path = tmp_path / "spikes.h5"
    write_spikes(path)
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.truncate(size // 2)
    for reader in (load_balanced, recorded_mean_weights, run_params):
        with pytest.raises(DataFileError, match=f"^{path}: "):
            reader(path)
