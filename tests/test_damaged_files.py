"""Damage anywhere in any file the workflow writes is noticed by the reader (issue 22).

Every kind of HDF5 file (network, spike file with sampled conductances and weights, checkpoint,
segment, activations, activation traces, balanced spike file, balanced record) is written by the
core at a small size. Then single bytes are changed, one at a time, at a seeded sample of
positions in its metadata (everything outside the datasets' stored chunks: superblock, object
headers with the attributes, chunk indexes) and in its data; after each change the file is read
the way every reader of the project reads (``open_checked``, then ``read`` of every dataset).
Each change must be either *detected* (``DataFileError`` naming the file) or *harmless* (the
byte was unused: everything reads back identical); none may change what is read without an
error, hang or fail with another exception. Fletcher-32 on every chunk and the metadata
checksums of the HDF5 1.10 format make this so (eiplast.engine.h5io).
"""

import os
import random
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from eiplast.analysis.activations import detect_activations, save_activations
from eiplast.assembly.connectivity import (
    generate_connectivity,
    load_connectivity,
    save_connectivity,
)
from eiplast.assembly.params import (
    BackgroundParams,
    ConnectivityParams,
    NeuronParams,
    PlasticityParams,
    RunParams,
)
from eiplast.assembly.simulate import simulate_network
from eiplast.balanced.params import BalancedParams
from eiplast.balanced.simulate import simulate_balanced
from eiplast.engine.h5io import DataFileError, open_checked, read

sys.path.insert(0, str(Path(__file__).resolve().parent / "slurm"))
import reliability  # noqa: E402

METADATA_SAMPLES = int(os.environ.get("EIPLAST_DAMAGE_METADATA_SAMPLES", "300"))
DATA_SAMPLES = int(os.environ.get("EIPLAST_DAMAGE_DATA_SAMPLES", "60"))
TIMEOUT_S = 5.0

# file kind -> its file (relative to the fixture's folder)
FILES = {
    "eiplast.connectivity": "connectivity.h5",
    "eiplast.connectivity (trained)": "trained.h5",
    "eiplast.spikes (network, with g_e/g_i and weights)": "spikes.h5",
    "eiplast.checkpoint": "cut.h5.ckpt",
    "eiplast.segment": "cut.h5.parts/steps_0000000000000.h5",
    "eiplast.activations": "activations.h5",
    "eiplast.activation_traces": "traces.h5",
    "eiplast.spikes (balanced, with records)": "balanced.h5",
    "eiplast.balanced_records": "bcut.h5.parts/balanced_records_0000000000000.h5",
}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("kinds")
    net = generate_connectivity(ConnectivityParams(n_exc=200, n_inh=50, n_patterns=3, seed=1))
    save_connectivity(net, d / "connectivity.h5")
    run = RunParams(duration_s=0.1, learning_rate=1e-3, seed=2, chunk_s=0.05, record_state=True,
                    state_interval_ms=1.0, save_weights=True)  # fmt: skip
    args = (net, NeuronParams(), BackgroundParams(), PlasticityParams(kind="hebb"), run)
    simulate_network(*args, d / "spikes.h5", d / "trained.h5", progress=False)
    simulate_network(*args, d / "cut.h5", progress=False, stop_after_chunks=1)
    events = detect_activations(
        d / "spikes.h5", d / "connectivity.h5", skip_s=0.0, trace_file=d / "traces.h5"
    )
    save_activations(events, d / "activations.h5")
    p = BalancedParams(n=100, duration_s=0.2, chunk_s=0.1, eta_ei=0.01, record_every_steps=7,
                       n_record=5, n_record_weights=4)  # fmt: skip
    simulate_balanced(p, d / "balanced.h5", progress=False)
    simulate_balanced(p, d / "bcut.h5", progress=False, stop_after_chunks=1)
    return d


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    directory = reliability.records_dir(tmp_path_factory)
    yield directory
    reliability.write_table(directory)


def kind_of(path):
    with h5py.File(path, "r") as f:
        return f.attrs["format"].decode()


def content(path, kind):
    """Every attribute and dataset of ``path``, read as the project's readers read."""
    with open_checked(path, kind) as f:
        items = [("/@" + k, np.asarray(v).tobytes()) for k, v in sorted(f.attrs.items())]

        def visit(name, obj):
            items.extend((f"{name}@{k}", np.asarray(v).tobytes()) for k, v in obj.attrs.items())
            if isinstance(obj, h5py.Dataset):
                items.append((name, read(obj).tobytes()))

        f.visititems(visit)
    return items


def data_bytes(path):
    """Mask of the bytes of ``path`` inside a dataset's stored chunks."""
    mask = np.zeros(path.stat().st_size, bool)
    with h5py.File(path, "r") as f:

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                for i in range(obj.id.get_num_chunks()):
                    chunk = obj.id.get_chunk_info(i)
                    mask[chunk.byte_offset : chunk.byte_offset + chunk.size] = True

        f.visititems(visit)
    return mask


def outcome(damaged, kind, reference):
    """Read ``damaged`` in a child process (a damaged file could crash or hang the reader):
    'detected' (DataFileError naming the file), 'harmless', 'UNDETECTED', 'OTHER ERROR' or
    'HUNG'."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: classify, report one byte, leave without cleanup
        try:
            code = b"h" if content(damaged, kind) == reference else b"U"
        except DataFileError as err:
            code = b"d" if str(damaged) in str(err) else b"O"
        except BaseException:  # noqa: BLE001 - any other failure is reported as such
            code = b"O"
        os.write(w, code)
        os._exit(0)
    os.close(w)
    deadline = time.monotonic() + TIMEOUT_S
    code = b""
    while time.monotonic() < deadline:
        if os.waitpid(pid, os.WNOHANG)[0]:
            code = os.read(r, 1)
            break
        time.sleep(0.0005)
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    os.close(r)
    names = {b"d": "detected", b"h": "harmless", b"U": "UNDETECTED", b"O": "OTHER ERROR"}
    return names.get(code, "HUNG")


@pytest.mark.parametrize("label", list(FILES))
def test_every_changed_byte_is_detected_or_harmless(label, files, tmp_path, records):
    started = time.perf_counter()
    path = files / FILES[label]
    kind = kind_of(path)
    reference = content(path, kind)
    raw = path.read_bytes()
    in_data = data_bytes(path)
    rng = random.Random(label)
    metadata = np.flatnonzero(~in_data).tolist()
    data = np.flatnonzero(in_data).tolist()
    positions = rng.sample(metadata, min(METADATA_SAMPLES, len(metadata)))
    positions += rng.sample(data, min(DATA_SAMPLES, len(data)))
    damaged = tmp_path / "damaged.h5"
    results = {}
    for pos in positions:
        changed = bytearray(raw)
        changed[pos] ^= 1 << rng.randrange(8)
        damaged.write_bytes(changed)
        region = "data" if in_data[pos] else "metadata"
        results.setdefault((region, outcome(damaged, kind, reference)), []).append(pos)
    counts = {f"{region} {what}": len(p) for (region, what), p in sorted(results.items())}
    bad = {k: v[:10] for k, v in results.items() if k[1] not in ("detected", "harmless")}
    reliability.record(
        records,
        f"test_damaged_files[{label}]",
        section="input",
        fault=f"one bit flipped in {path.name} ({len(raw)} bytes): {len(positions)} positions, "
        f"one at a time, {min(METADATA_SAMPLES, len(metadata))} of {len(metadata)} metadata "
        f"bytes and {min(DATA_SAMPLES, len(data))} of {len(data)} data bytes (seeded sample)",
        executor="none (core)",
        injected=len(positions),
        compared="every attribute and dataset read back vs the undamaged file",
        bytes_lost=None,
        result=", ".join(f"{n} {k}" for k, n in counts.items()),
        seconds=time.perf_counter() - started,
    )
    assert not bad, bad
    assert results.get(("data", "detected")) or not data  # the data checksums did their work


def test_damaged_weights_name_the_file_and_dataset(files, tmp_path):
    """The user's case: bytes inside the stored weights of a trained network."""
    path = tmp_path / "trained.h5"
    path.write_bytes((files / "trained.h5").read_bytes())
    with h5py.File(path, "r") as f:
        chunk = f["synapses/weight_nS"].id.get_chunk_info(0)
    with open(path, "r+b") as fh:
        fh.seek(chunk.byte_offset + chunk.size // 2)
        fh.write(os.urandom(64))
    with pytest.raises(DataFileError, match=rf"{path}: dataset /synapses/weight_nS"):
        load_connectivity(path)


@pytest.mark.parametrize(
    "dataset, value, message",
    [
        ("synapses/weight_nS", -0.5, "synapses/weight_nS: 1 weights are not finite"),
        ("synapses/weight_nS", np.nan, "synapses/weight_nS: 1 weights are not finite"),
        ("synapses/post", 10**6, "synapses/post holds indices outside"),
        ("neurons/exc_alpha", np.inf, "neurons/exc_alpha holds values that are not finite"),
    ],
)
def test_out_of_range_values_with_valid_checksums_are_refused(files, tmp_path, dataset, value,
                                                              message):  # fmt: skip
    """Values rewritten through HDF5 (checksums recomputed) that the model forbids."""
    path = tmp_path / "network.h5"
    path.write_bytes((files / "trained.h5").read_bytes())
    with h5py.File(path, "r+") as f:
        f[dataset][3] = value
    with pytest.raises(DataFileError, match=rf"{path}: .*{message}"):
        load_connectivity(path)


def test_files_without_checksums_are_refused(files, tmp_path):
    """A dataset written without Fletcher-32 (another tool, an older version) is not read."""
    path = tmp_path / "network.h5"
    path.write_bytes((files / "connectivity.h5").read_bytes())
    with h5py.File(path, "r+") as f:
        data = f["neurons/exc_alpha"][()]
        del f["neurons/exc_alpha"]
        f.create_dataset("neurons/exc_alpha", data=data)
    with pytest.raises(DataFileError, match="dataset /neurons/exc_alpha carries no checksum"):
        load_connectivity(path)


def test_negative_ie_weights_of_the_global_rule_are_accepted(files, tmp_path):
    """The global rule (A4) does not clip I→E weights: a trained network may hold negative ones."""
    path = tmp_path / "network.h5"
    path.write_bytes((files / "trained.h5").read_bytes())
    first_ie = int(np.flatnonzero(load_connectivity(path).ei_mask())[0])
    with h5py.File(path, "r+") as f:
        f["synapses/weight_nS"][first_ie] = -0.25
    assert load_connectivity(path).weight_nS[first_ie] == np.float32(-0.25)
