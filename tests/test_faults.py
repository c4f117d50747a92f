"""Faults injected into the workflow on the local executor (issue 6, parts 2a and 2d).

The chain connectivity -> train -> spontaneous of one rule and one pattern count of the tiny
network (config/test.yaml, with a longer training and spontaneous run in small chunks so that
there is something to interrupt) runs once uninterrupted as the reference. Then:

* a simulation job is killed with SIGKILL at a random moment after a checkpoint, three times
  (once in training, twice in the same spontaneous run), and the workflow rerun each time: every
  rerun resumes from the last checkpoint and the final outputs are bit-identical to the
  reference;
* Snakemake and its job are killed together (SIGKILL to the whole process group, as when the
  session that ran them dies): the rerun needs ``--unlock`` first, then resumes;
* a damaged checkpoint is not trusted: the job starts again from the beginning and still gives
  the reference's bytes;
* a truncated or corrupted HDF5 input stops the job that reads it with a message naming the
  file; the job's output does not appear and the next dry run still plans the job.

Each test adds a row to the reliability table (tests/slurm/reliability.py).
"""

import os
import random
import re
import shutil
import signal
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "slurm"))
import harness as h  # noqa: E402
import reliability  # noqa: E402

pytestmark = pytest.mark.slow

CHAIN = {
    "rules": ["hebb"],
    "shuffle_rules": [],
    "patterns": [20],
    "stages": {
        "train": {"duration_s": 20, "learning_rate": 1.0e-3, "chunk_s": 1},
        "spontaneous": {"duration_s": 200, "chunk_s": 2},
    },
}
CONN = "networks/connectivity_P20_r0.h5"
TRAINED = "networks/trained_hebb_P20_r0.h5"
TRAIN = "train/hebb/P20_r0.h5"
SPONT = "spontaneous/hebb/P20_r0.h5"
CHAIN_OUTPUTS = [CONN, TRAINED, TRAIN, SPONT]
ACTIVATIONS = "activations/spontaneous/hebb/P20_r0.h5"
RESUMED = re.compile(r"checkpoint \S+ found at step ([1-9][0-9]*)")


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    directory = reliability.records_dir(tmp_path_factory)
    yield directory
    reliability.write_table(directory)


@pytest.fixture(scope="module")
def chain_config(tmp_path_factory):
    return h.write_yaml(tmp_path_factory.mktemp("chain") / "chain.yaml", CHAIN)


@pytest.fixture(scope="module")
def reference(tmp_path_factory, chain_config):
    """The chain, uninterrupted."""
    wd = tmp_path_factory.mktemp("reference")
    out = wd / "results"
    result = h.run(wd, out, "--", out / SPONT, configfiles=[chain_config], cores=1)
    assert result.returncode == 0, h.failure_message(result)
    return out


def resumed_from(out, target):
    """Steps the job log of ``target``'s simulation says it resumed from (Snakemake empties a
    job's log when the job starts again, so this is the current attempt only)."""
    stage = target.split("/")[0]
    log = out / "logs" / stage / "hebb_P20_r0.log"
    text = log.read_text(errors="replace") if log.exists() else ""
    return [int(s) for s in RESUMED.findall(text)]


def kill_job_after_checkpoint(wd, out, target, chain_config, rng, after_step=0):
    """Start the chain, wait until ``target``'s checkpoint passes ``after_step``, wait a random
    moment (up to ~1 chunk), SIGKILL the simulation job. Returns (the last checkpoint step,
    the steps the killed attempt said it resumed from)."""
    proc = h.start(wd, out, "--", out / SPONT, configfiles=[chain_config], cores=1)
    try:
        h.wait_for(
            lambda: (h.checkpoint_step(out / target) or 0) > after_step,
            300,
            proc,
            what=f"a checkpoint of {target} past step {after_step}",
        )
        time.sleep(rng.uniform(0.0, 0.4))
        resumed = resumed_from(out, target)
        jobs = h.job_processes(proc.pid, "simulate.py")
        assert jobs, "no simulation job process found"
        for pid in jobs:
            os.kill(pid, signal.SIGKILL)
        code, output = h.finish(proc, timeout=120)
    finally:
        h.kill_group(proc)
    assert code != 0, "Snakemake did not report the killed job"
    assert not (out / target).exists(), f"{target} finished before the kill"
    step = h.checkpoint_step(out / target)
    assert step and step > after_step, "no checkpoint left to resume from"
    assert Path(f"{out / target}.parts").is_dir()
    return step, resumed


def test_sigkill_simulation_job_resumes_bit_identical(tmp_path, chain_config, reference, records):
    started = time.perf_counter()
    rng = random.Random(61)
    wd, out = tmp_path, tmp_path / "results"
    train_step, train_resumed = kill_job_after_checkpoint(wd, out, TRAIN, chain_config, rng)
    spont_steps, spont_resumed = [], []
    for _ in range(2):
        last = spont_steps[-1] if spont_steps else 0
        step, resumed = kill_job_after_checkpoint(wd, out, SPONT, chain_config, rng, last)
        spont_steps.append(step)
        spont_resumed.append(resumed)
        if len(spont_steps) == 1:  # the training finished in this attempt, resumed
            assert resumed_from(out, TRAIN) == [train_step]

    result = h.run(wd, out, "--", out / SPONT, configfiles=[chain_config], cores=1)
    assert result.returncode == 0, h.failure_message(result)
    spont_resumed.append(resumed_from(out, SPONT))
    # fresh start, then resumed from the step of each kill
    assert train_resumed == []
    assert spont_resumed == [[], [spont_steps[0]], [spont_steps[1]]]
    for rel in (TRAIN, SPONT):
        assert not Path(f"{out / rel}.ckpt").exists()
        assert not Path(f"{out / rel}.parts").exists()
    lost = h.compare_trees(reference, out, CHAIN_OUTPUTS)
    leftovers = h.temporary_files(out)
    reliability.record(
        records,
        "test_faults::sigkill_simulation_job",
        section="fault",
        fault="SIGKILL of the simulation job at a random moment: 1× train (checkpoint at step "
        f"{train_step}), 2× the same spontaneous run (checkpoints at steps {spont_steps}); "
        "workflow rerun after each",
        executor="local",
        injected=3,
        compared=f"{len(lost)} outputs (connectivity, trained network, train and spontaneous "
        "spikes) vs an uninterrupted run, byte for byte",
        bytes_lost=sum(lost.values()),
        result=f"resumed from the checkpoint 3/3 times; {len(leftovers)} temporary files of "
        "killed writers left (hidden names)",
        seconds=time.perf_counter() - started,
    )
    assert lost == dict.fromkeys(CHAIN_OUTPUTS, 0)


def test_sigkill_snakemake_and_job_resumes(tmp_path, chain_config, reference, records):
    """The whole process group killed (Snakemake included): stale lock, --unlock, resume."""
    started = time.perf_counter()
    wd, out = tmp_path, tmp_path / "results"
    proc = h.start(wd, out, "--", out / SPONT, configfiles=[chain_config], cores=1)
    try:
        h.wait_for(lambda: (h.checkpoint_step(out / SPONT) or 0) > 0, 300, proc, what="ckpt")
        time.sleep(random.Random(62).uniform(0.0, 0.4))
        h.kill_group(proc)
        h.finish(proc, timeout=60)
    finally:
        h.kill_group(proc)
    step = h.checkpoint_step(out / SPONT)
    assert step and not (out / SPONT).exists()
    assert resumed_from(out, SPONT) == []

    result = h.run(wd, out, "--", out / SPONT, configfiles=[chain_config], cores=1)
    needed_unlock = result.returncode != 0
    if needed_unlock:
        assert "--unlock" in result.stdout, h.failure_message(result)
        unlock = h.run(wd, out, "--unlock", configfiles=[chain_config], cores=1)
        assert unlock.returncode == 0, h.failure_message(unlock)
        result = h.run(wd, out, "--", out / SPONT, configfiles=[chain_config], cores=1)
    assert result.returncode == 0, h.failure_message(result)
    assert resumed_from(out, SPONT) == [step]
    lost = h.compare_trees(reference, out, CHAIN_OUTPUTS)
    reliability.record(
        records,
        "test_faults::sigkill_snakemake_and_job",
        section="fault",
        fault="SIGKILL of Snakemake and its spontaneous job together (process group)",
        executor="local",
        injected=1,
        compared=f"{len(lost)} chain outputs vs an uninterrupted run, byte for byte",
        bytes_lost=sum(lost.values()),
        result=(
            "rerun refused (stale lock, message names --unlock); after --unlock "
            if needed_unlock
            else ""
        )
        + f"resumed from step {step}",
        seconds=time.perf_counter() - started,
    )
    assert lost == dict.fromkeys(CHAIN_OUTPUTS, 0)


def test_orphaned_job_keeps_its_output_from_a_second_job(
    tmp_path, chain_config, reference, records
):
    """Issue 22: Snakemake killed alone (its spontaneous job runs on as an orphan), --unlock,
    the same command again while the orphan runs: the second job stops at once, naming the
    orphan; the orphan finishes its file; the next run completes with the reference's bytes.
    The orphan is held with SIGSTOP while the second job starts, so that it is certainly still
    writing then."""
    started = time.perf_counter()
    wd, out = tmp_path, tmp_path / "results"
    proc = h.start(wd, out, "--", out / SPONT, configfiles=[chain_config], cores=1)
    try:
        h.wait_for(lambda: (h.checkpoint_step(out / SPONT) or 0) > 0, 300, proc, what="ckpt")
        orphans = h.job_processes(proc.pid, "simulate.py")
        assert len(orphans) == 1, orphans
        orphan = orphans[0]
        os.kill(proc.pid, signal.SIGKILL)  # Snakemake only: its job runs on
        h.finish(proc, timeout=60)
        os.kill(orphan, signal.SIGSTOP)
        unlock = h.run(wd, out, "--unlock", configfiles=[chain_config], cores=1)
        assert unlock.returncode == 0, h.failure_message(unlock)
        second = h.run(wd, out, "--", out / SPONT, configfiles=[chain_config], cores=1)
        claim_seen = re.search(
            rf"is being written by another process: host \S+, PID {orphan}\b", second.stdout
        )
        os.kill(orphan, signal.SIGCONT)
        h.wait_for(lambda: not h.alive(orphan), 600, what="the orphan to finish")
    finally:
        h.kill_group(proc)
    orphan_done = (out / SPONT).is_file()
    orphan_lost = h.compare_trees(reference, out, [SPONT])[SPONT]
    third = h.run(wd, out, "--", out / SPONT, configfiles=[chain_config], cores=1)
    assert third.returncode == 0, h.failure_message(third)
    reran = bool(re.search(r"^spontaneous\s+1$", third.stdout, re.M))
    lost = h.compare_trees(reference, out, CHAIN_OUTPUTS)
    reliability.record(
        records,
        "test_faults::orphaned_writer",
        section="fault",
        fault="SIGKILL of Snakemake alone during the spontaneous job (the job runs on as an "
        "orphan), `--unlock`, the same command again while the orphan runs",
        executor="local",
        injected=1,
        compared=f"the orphan's spike file, then {len(lost)} chain outputs after a third run, "
        "vs an uninterrupted run, byte for byte",
        bytes_lost=sum(lost.values()) + orphan_lost,
        result=h.orphan_outcome(
            claim_seen and second.returncode, "the orphan's host and PID", orphan_done, reran
        ),
        seconds=time.perf_counter() - started,
    )
    assert second.returncode != 0 and claim_seen, h.failure_message(second)
    assert orphan_done and orphan_lost == 0
    assert lost == dict.fromkeys(CHAIN_OUTPUTS, 0)


def test_damaged_checkpoint_restarts_from_scratch(tmp_path, chain_config, reference, records):
    """A checkpoint that cannot be read is not trusted: the run starts again, same bytes."""
    started = time.perf_counter()
    wd, out = tmp_path, tmp_path / "results"
    kill_job_after_checkpoint(wd, out, SPONT, chain_config, random.Random(63))
    assert h.checkpoint_step(out / SPONT)
    ckpt = Path(f"{out / SPONT}.ckpt")
    with open(ckpt, "r+b") as fh:  # garbage over the superblock
        fh.write(os.urandom(256))
    result = h.run(wd, out, "--", out / SPONT, configfiles=[chain_config], cores=1)
    assert result.returncode == 0, h.failure_message(result)
    log = (out / "logs/spontaneous/hebb_P20_r0.log").read_text(errors="replace")
    assert "unreadable: starting from the beginning" in log
    lost = h.compare_trees(reference, out, CHAIN_OUTPUTS)
    reliability.record(
        records,
        "test_faults::damaged_checkpoint",
        section="fault",
        fault="SIGKILL of the spontaneous job, then 256 random bytes over its checkpoint's header",
        executor="local",
        injected=2,
        compared=f"{len(lost)} chain outputs vs an uninterrupted run, byte for byte",
        bytes_lost=sum(lost.values()),
        result="checkpoint reported unreadable in the job log; run restarted from step 0",
        seconds=time.perf_counter() - started,
    )
    assert lost == dict.fromkeys(CHAIN_OUTPUTS, 0)


def _truncate(path):
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.truncate(size // 2)
    return f"truncated to {size // 2} of {size} bytes"


def _header(path):
    with open(path, "r+b") as fh:
        fh.write(bytes(range(256)) * 2)
    return "first 512 bytes overwritten"


def _data(path):
    """Garbage in the middle of the file (inside the compressed spike data)."""
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.seek(size // 2)
        fh.write(bytes(range(256)) * 8)
    return f"2048 bytes overwritten at offset {size // 2}"


def _weights(path):
    """Garbage inside the stored I→E/E→E weights (the chunk of synapses/weight_nS)."""
    import h5py

    with h5py.File(path, "r") as f:
        chunk = f["synapses/weight_nS"].id.get_chunk_info(0)
    with open(path, "r+b") as fh:
        fh.seek(chunk.byte_offset + chunk.size // 2)
        fh.write(bytes(range(256)))
    return f"256 bytes overwritten inside the data of synapses/weight_nS ({chunk.size} bytes)"


DAMAGE = {
    "truncated_spikes": (SPONT, ACTIVATIONS, _truncate),
    "header_spikes": (SPONT, ACTIVATIONS, _header),
    "truncated_network": (TRAINED, SPONT, _truncate),
    "data_chunk_spikes": (SPONT, ACTIVATIONS, _data),
    "data_weights_network": (TRAINED, SPONT, _weights),
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_damaged_input_is_detected(case, tmp_path, chain_config, reference, records):
    started = time.perf_counter()
    damaged_rel, target_rel, damage = DAMAGE[case]
    wd, out = tmp_path, tmp_path / "results"
    for rel in CHAIN_OUTPUTS:  # the reference's files, mtimes kept (no Snakemake metadata)
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(reference / rel, out / rel)
    damaged, target = out / damaged_rel, out / target_rel
    how = damage(damaged)

    result = h.run(wd, out, "--", target, configfiles=[chain_config], cores=1)
    job_log = (
        "".join(p.read_text(errors="replace") for p in (out / "logs").rglob("*.log"))
        if (out / "logs").exists()
        else ""
    )
    printed = result.stdout
    named = str(damaged) in printed and str(damaged) in job_log
    clear = re.search(r"DataFileError: \S*" + re.escape(str(damaged)), printed + job_log)
    # damage inside a dataset's data is reported with the dataset's name
    dataset = re.search(r"inside the data of (\S+)", how)
    dataset_named = dataset is None or f"dataset /{dataset[1]}" in printed + job_log
    dry = h.run(wd, out, "--dry-run", "--", target, configfiles=[chain_config], cores=1)
    rule = target_rel.split("/")[0]
    still_planned = dry.returncode == 0 and re.search(rf"^{rule}\s+1$", dry.stdout, re.M)
    reliability.record(
        records,
        f"test_faults::damaged_input[{case}]",
        section="input",
        fault=f"{damaged_rel} {how}; then the job reading it ({rule}) run",
        executor="local",
        injected=1,
        compared="job exit, message, output, next dry run",
        bytes_lost=None,
        result=("job failed" if result.returncode else "job SUCCEEDED")
        + ("; message names the file" if clear else "; the error does not name the file")
        + (f" and the dataset {dataset[1]}" if dataset and dataset_named else "")
        + ("; output absent" if not target.exists() else "; output present")
        + ("; still planned by the next dry run" if still_planned else "; not planned again"),
        seconds=time.perf_counter() - started,
    )
    assert result.returncode != 0, "the damaged input was not noticed"
    assert not target.exists(), "the failing job's output exists"
    assert still_planned, dry.stdout[-3000:]
    assert named, "the damaged file's path is not in the output or log"
    assert clear, (printed + job_log)[-4000:]
    assert dataset_named, (printed + job_log)[-4000:]
