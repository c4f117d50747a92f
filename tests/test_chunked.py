"""A spike file is published only when its segments add up to the run (eiplast.engine.chunked).

The segments must tile the steps [0, n_steps) and hold the spikes the run counted, every spike
inside its segment's steps; on resume, they must tile [0, checkpoint step). Segments removed or
altered behind the writer's back (another process on the same checkpoint, a hand) are refused:
nothing appears under the final name, the checkpoint goes, and the next run starts over and
gives the reference's bytes. A live claim of another process stops a run before it touches
the checkpoint.
"""

import filecmp
import subprocess
import sys

import numpy as np
import pytest

from eiplast.assembly.params import BackgroundParams, NeuronParams, PlasticityParams, RunParams
from eiplast.assembly.simulate import simulate_network
from eiplast.engine import chunked, formats
from eiplast.engine.chunked import SegmentError, remove_finished_checkpoints
from eiplast.engine.claim import OutputClaimedError, claim_path
from eiplast.engine.h5io import open_checked, read


def stage(net, path, stop_after_chunks=None):
    run = RunParams(duration_s=0.6, learning_rate=1e-3, seed=5, chunk_s=0.2)
    return simulate_network(
        net, NeuronParams(), BackgroundParams(), PlasticityParams(kind="hebb"), run, path,
        path.with_suffix(".trained.h5"), progress=False, stop_after_chunks=stop_after_chunks,
    )  # fmt: skip


@pytest.fixture(scope="module")
def reference(small_network, tmp_path_factory):
    path = tmp_path_factory.mktemp("reference") / "out.h5"
    stage(small_network, path)
    return path


def parts_of(path):
    return sorted(path.with_name(path.name + ".parts").glob("steps_*.h5"))


def rewrite_segment(segment, change):
    """Rewrite ``segment`` (a valid, checksummed file) with ``change(neuron, step)`` applied."""
    with open_checked(segment, formats.SEGMENT) as f:
        begin, end = int(f.attrs["step_begin"]), int(f.attrs["step_end"])
        neuron, step = read(f["neuron"]), read(f["step"])
    neuron, step = change(neuron, step)
    segment.unlink()
    chunked._write_segment(segment.parent, begin, end, neuron, step, None, None, 0)


def test_resume_with_a_missing_segment_starts_over(small_network, reference, tmp_path, capsys):
    out = tmp_path / "out.h5"
    assert stage(small_network, out, stop_after_chunks=2) is None
    parts_of(out)[0].unlink()
    capsys.readouterr()
    stage(small_network, out)
    err = capsys.readouterr().err
    assert "segments leave a gap at step 0" in err and "starting from the beginning" in err
    assert filecmp.cmp(reference, out, shallow=False)


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda parts: parts[1].unlink(), "segments leave a gap at step"),
        (
            lambda parts: rewrite_segment(parts[0], lambda n, s: (n[::2], s[::2])),
            "segments hold .* spikes, the run counted",
        ),
        (
            lambda parts: rewrite_segment(parts[0], lambda n, s: (n, s + 10**6)),
            "dataset step holds values outside",
        ),
        (
            lambda parts: rewrite_segment(parts[0], lambda n, s: (n + 10**6, s)),
            "dataset neuron holds values outside",
        ),
    ],
    ids=["gap", "count", "steps outside", "neurons outside"],
)
def test_segments_altered_during_the_run_are_refused_then_rerun(
    small_network, reference, tmp_path, monkeypatch, damage, message
):
    """What a second process on the same checkpoint did (issue 22): segments removed or
    replaced after this run resumed; the merge refuses, the rerun gives the reference."""
    out = tmp_path / "out.h5"
    assert stage(small_network, out, stop_after_chunks=2) is None
    resume = chunked._resume

    def resume_then_damage(sim, ckpt_path, parts_dir, signature):
        totals = resume(sim, ckpt_path, parts_dir, signature)
        damage(sorted(parts_dir.glob("steps_*.h5")))
        return totals

    monkeypatch.setattr(chunked, "_resume", resume_then_damage)
    with pytest.raises(SegmentError, match=message) as err:
        stage(small_network, out)
    assert "run again to simulate from the beginning" in str(err.value)
    assert not out.exists()
    assert not out.with_name("out.h5.ckpt").exists()
    assert not claim_path(out).exists()
    monkeypatch.setattr(chunked, "_resume", resume)
    stage(small_network, out)
    assert filecmp.cmp(reference, out, shallow=False)


HOLD = r"""
import sys, time
from eiplast.engine.claim import claimed
with claimed(sys.argv[1]):
    print("claimed", flush=True)
    time.sleep(600)
"""


def test_a_live_claim_stops_the_run_before_it_touches_the_checkpoint(small_network, tmp_path):
    out = tmp_path / "out.h5"
    assert stage(small_network, out, stop_after_chunks=2) is None
    ckpt = out.with_name("out.h5.ckpt")
    before = ckpt.read_bytes(), [p.read_bytes() for p in parts_of(out)]
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(out)], stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == b"claimed"
        with pytest.raises(OutputClaimedError, match=f"PID {holder.pid}"):
            stage(small_network, out)
    finally:
        holder.kill()
        holder.wait()
    assert (ckpt.read_bytes(), [p.read_bytes() for p in parts_of(out)]) == before
    assert not out.exists()


def test_checkpoints_of_finished_outputs_are_removed(tmp_path):
    done, running, missing = (tmp_path / f"{n}.h5" for n in ("done", "running", "missing"))
    for output in (done, running, missing):
        output.with_name(output.name + ".ckpt").write_bytes(b"x")
        output.with_name(output.name + ".parts").mkdir()
        (output.with_name(output.name + ".parts") / "steps_0.h5").write_bytes(b"x")
    done.write_bytes(b"complete")
    running.write_bytes(b"complete")  # published, its writer still cleaning up
    claim_path(running).write_text("{}")
    removed = remove_finished_checkpoints(tmp_path)
    assert sorted(p.name for p in removed) == ["done.h5.ckpt", "done.h5.parts"]
    assert running.with_name("running.h5.ckpt").exists()
    assert missing.with_name("missing.h5.parts").is_dir()


def test_spike_totals_of_a_resumed_run_match_its_file(small_network, reference, tmp_path):
    out = tmp_path / "out.h5"
    assert stage(small_network, out, stop_after_chunks=1) is None
    summary = stage(small_network, out)
    with open_checked(out, formats.SPIKES) as f:
        neuron = read(f["spikes/neuron"])
    n_exc, duration = small_network.n_exc, 0.6
    assert summary["rate_exc_hz"] == pytest.approx(np.sum(neuron < n_exc) / (n_exc * duration))
