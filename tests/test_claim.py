"""One writer per output (eiplast.engine.claim): live holders are refused with their identity, stale
claims (dead process, ended SLURM job, old heartbeat) are taken over, and of many processes
taking over one stale claim at the same moment exactly one wins."""

import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from eiplast.engine import claim as claims
from eiplast.engine.claim import Claim, OutputClaimedError, claim_path, claimed

HOLD = r"""
import sys, time
from eiplast.engine.claim import claimed
with claimed(sys.argv[1]):
    print("claimed", flush=True)
    time.sleep(600)
"""


def holder_process(output):
    """A separate process holding the claim on ``output`` (until killed)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(output)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "claimed"
    return proc


def write_claim(output, age_s=0.0, **fields):
    """A claim file as another writer would leave it, its heartbeat ``age_s`` seconds old."""
    holder = {"host": "node-b", "pid": 4242, "pid_start": 1, "slurm_job_id": None,
              "claimed_at": time.time() - age_s, "token": "t0ken", **fields}  # fmt: skip
    path = claim_path(output)
    path.write_text(json.dumps(holder))
    stamp = time.time() - age_s
    os.utime(path, (stamp, stamp))
    return path


def test_claim_is_created_with_the_identity_and_removed(tmp_path):
    output = tmp_path / "out.h5"
    with claimed(output) as claim:
        held = json.loads(claim_path(output).read_text())
        assert held["host"] == socket.gethostname() and held["pid"] == os.getpid()
        assert held["token"] == claim.identity["token"]
        claim.heartbeat()
    assert not claim_path(output).exists()


def test_a_live_holder_is_refused_with_host_pid_and_slurm_job(tmp_path, monkeypatch):
    output = tmp_path / "out.h5"
    monkeypatch.setenv("SLURM_JOB_ID", "7731")
    proc = holder_process(output)
    try:
        with pytest.raises(OutputClaimedError) as err:
            Claim(output).acquire()
        message = str(err.value)
        assert f"PID {proc.pid}" in message and socket.gethostname() in message
        assert "SLURM job 7731" in message and str(output) in message
        assert claim_path(output).exists()  # untouched
    finally:
        proc.kill()
        proc.wait()


def test_the_claim_of_a_killed_process_is_taken_over(tmp_path):
    output = tmp_path / "out.h5"
    proc = holder_process(output)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert claim_path(output).exists()  # left behind by the killed holder
    messages = []
    with claimed(output, log=messages.append) as claim:
        assert json.loads(claim_path(output).read_text())["token"] == claim.identity["token"]
    assert len(messages) == 1
    assert f"process {proc.pid} on this host has ended" in messages[0]


def test_a_reused_process_id_does_not_keep_a_claim(tmp_path):
    output = tmp_path / "out.h5"
    own_start = claims._process_start(os.getpid())
    write_claim(output, host=socket.gethostname(), pid=os.getpid(), pid_start=own_start - 1)
    assert "now belongs to a later process" in claims.stale_reason(claims._read(claim_path(output)))
    write_claim(output, host=socket.gethostname(), pid=os.getpid(), pid_start=own_start)
    assert claims.stale_reason(claims._read(claim_path(output))) is None


@pytest.mark.parametrize("age_s, live", [(60.0, True), (7200.0, False)])
def test_another_hosts_claim_lives_as_long_as_its_heartbeat(tmp_path, age_s, live):
    output = tmp_path / "out.h5"
    write_claim(output, age_s=age_s)
    if live:
        with pytest.raises(OutputClaimedError, match="host node-b, PID 4242"):
            Claim(output).acquire()
    else:
        assert "no heartbeat for" in Claim(output).acquire()


def fake_squeue(tmp_path, monkeypatch, stdout, code=0, stderr=""):
    """An ``squeue`` on PATH that answers as SLURM would for the job in question."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "squeue"
    script.write_text(f"#!/bin/sh\nprintf '{stdout}'\nprintf '{stderr}' >&2\nexit {code}\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")


def test_a_running_slurm_job_keeps_its_claim_even_without_heartbeat(tmp_path, monkeypatch):
    output = tmp_path / "out.h5"
    fake_squeue(tmp_path, monkeypatch, "RUNNING\\n")
    write_claim(output, age_s=7200.0, slurm_job_id="88")
    with pytest.raises(OutputClaimedError, match="SLURM job 88"):
        Claim(output).acquire()


@pytest.mark.parametrize(
    "stdout, code, stderr",
    [("COMPLETED\\n", 0, ""), ("", 1, "slurm_load_jobs error: Invalid job id specified")],
)
def test_an_ended_slurm_job_loses_its_claim_at_once(tmp_path, monkeypatch, stdout, code, stderr):
    output = tmp_path / "out.h5"
    fake_squeue(tmp_path, monkeypatch, stdout, code, stderr)
    write_claim(output, age_s=1.0, slurm_job_id="88")
    assert "SLURM job 88 has ended" in Claim(output).acquire()


def test_an_unreadable_claim_is_stale_only_after_the_heartbeat_age(tmp_path):
    output = tmp_path / "out.h5"
    claim_path(output).write_text("")  # a writer killed between creating and filling it
    with pytest.raises(OutputClaimedError, match="unreadable claim"):
        Claim(output).acquire()
    old = time.time() - 7200
    os.utime(claim_path(output), (old, old))
    assert "no heartbeat" in Claim(output).acquire()


def test_heartbeat_notices_a_lost_claim(tmp_path):
    output = tmp_path / "out.h5"
    claim = Claim(output)
    claim.acquire()
    write_claim(output)  # replaced by another writer
    with pytest.raises(OutputClaimedError, match="was taken by host node-b"):
        claim.heartbeat()
    claim.release()
    assert claim_path(output).exists()  # the other writer's claim is left alone


def _race(output, barrier, results):
    barrier.wait()
    try:
        claim = Claim(output)
        claim.acquire()
    except OutputClaimedError:
        results.put("refused")
        return
    time.sleep(1.0)  # hold it while the others try
    try:
        claim.heartbeat()
        results.put("won")
    except OutputClaimedError:
        results.put("lost")
    claim.release()


@pytest.mark.parametrize("round_", range(3))
def test_many_takers_of_one_stale_claim_leave_exactly_one_writer(tmp_path, round_):
    output = tmp_path / "out.h5"
    write_claim(output, age_s=7200.0)
    context = multiprocessing.get_context("fork")
    n = 8
    barrier, results = context.Barrier(n), context.Queue()
    procs = [context.Process(target=_race, args=(output, barrier, results)) for _ in range(n)]
    for p in procs:
        p.start()
    outcome = sorted(results.get(timeout=60) for _ in procs)
    for p in procs:
        p.join()
    assert outcome == ["refused"] * (n - 1) + ["won"]
    assert not claim_path(output).exists()
    assert not list(tmp_path.glob("*.stale-*"))
