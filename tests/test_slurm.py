"""The workflow on a real single-node SLURM cluster (issue 6, parts 1, 2b, 2c).

Marked ``slurm``: these tests run only when selected (``pytest -m slurm``, or
``EIPLAST_SLURM_TESTS=1``) and a cluster answers (``sinfo`` lists a usable node, ``sacct``
works); otherwise they skip, so a plain ``pytest``/``make test`` never runs them. Start a
cluster on this machine with ``bash tests/slurm/cluster.sh start`` (as root; it installs and
starts munge, MariaDB, slurmdbd, slurmctld and slurmd on loopback) and stop it with
``bash tests/slurm/cluster.sh stop``. CI does both around ``pytest -m slurm`` (.ci/run).

* the tiny configuration through ``--workflow-profile profiles/slurm`` (executor ``slurm``),
  without its forgetting branch (jobs of the same kinds, run locally by
  tests/test_workflow.py; left out to keep CI inside its time limit): every output exists,
  every job is COMPLETED in SLURM's accounting, and every output, the
  summary tables included, is bit-identical to a local run with the same seeds written to the
  same path;
* a simulation job cancelled with ``scancel`` mid-run, twice: with the plugin's default status
  command (``sacct``) and with ``--slurm-status-command squeue``. The test records whether
  Snakemake noticed each cancellation: snakemake-executor-plugin-slurm 2.8.0 does not notice it
  with ``sacct``, which reports the job as ``CANCELLED by <uid>``, a state the plugin does not
  recognise and so takes for a running job (the test waits for two of its status checks after
  the cancellation, then presses Ctrl-C, as a user would); ``squeue`` reports a plain
  ``CANCELLED``, which it does recognise. After each cancellation the rerun resumes from the
  checkpoint, and the final outputs are bit-identical to an uninterrupted local run;
* a simulation job given a 1-minute time limit (``--set-resources spontaneous:runtime=1``)
  that needs longer: SLURM ends it (TIMEOUT), a checkpoint is left, and a rerun with a larger
  limit resumes from it and finishes.

The account and partition come from ``EIPLAST_SLURM_ACCOUNT`` / ``EIPLAST_SLURM_PARTITION``
or from the ``env`` file cluster.sh writes (``$EIPLAST_SLURM_DIR``, default
/var/tmp/eiplast-slurm).
"""

import importlib.metadata
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "slurm"))
import harness as h  # noqa: E402
import reliability  # noqa: E402

pytestmark = [pytest.mark.slurm, pytest.mark.slow]

PROFILE = h.ROOT / "profiles" / "slurm"
CONN = "networks/connectivity_P20_r0.h5"
TRAINED = "networks/trained_hebb_P20_r0.h5"
TRAIN = "train/hebb/P20_r0.h5"
SPONT = "spontaneous/hebb/P20_r0.h5"
CHAIN_OUTPUTS = [CONN, TRAINED, TRAIN, SPONT]
RESUMED = re.compile(r"checkpoint \S+ found at step ([1-9][0-9]*)")
SUBMITTED = re.compile(r"submitted with SLURM jobid (\d+)")


def _cluster_settings():
    """{EIPLAST_SLURM_ACCOUNT, EIPLAST_SLURM_PARTITION} of a running cluster, or a reason."""
    if shutil.which("sinfo") is None or shutil.which("sbatch") is None:
        return "no SLURM commands (start a cluster: bash tests/slurm/cluster.sh start)"
    try:
        state = subprocess.run(
            ["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, timeout=20
        )
        acct = subprocess.run(["sacct", "-n", "-X"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"SLURM does not answer: {err}"
    if state.returncode != 0 or not re.search(r"idle|mixed|allocated", state.stdout):
        return f"no usable SLURM node: {(state.stdout + state.stderr).strip()[:200]}"
    if acct.returncode != 0:
        return f"no SLURM accounting (sacct): {acct.stderr.strip()[:200]}"
    settings = {
        k: os.environ[k]
        for k in ("EIPLAST_SLURM_ACCOUNT", "EIPLAST_SLURM_PARTITION")
        if os.environ.get(k)
    }
    env_file = Path(os.environ.get("EIPLAST_SLURM_DIR", "/var/tmp/eiplast-slurm")) / "env"
    if len(settings) < 2 and env_file.is_file():
        for line in env_file.read_text().splitlines():
            key, _, value = line.partition("=")
            settings.setdefault(key.strip(), value.strip())
    if len(settings) < 2:
        return "set EIPLAST_SLURM_ACCOUNT and EIPLAST_SLURM_PARTITION"
    return settings


def _selected(config):
    """True when the run asked for the SLURM tests: ``-m slurm`` (or a marker expression
    naming slurm without negating it), or EIPLAST_SLURM_TESTS=1. A plain ``pytest`` (``make
    test``) skips them even when a cluster is up."""
    expr = config.getoption("markexpr") or ""
    return os.environ.get("EIPLAST_SLURM_TESTS") == "1" or (
        "slurm" in expr and "not slurm" not in expr
    )


@pytest.fixture(scope="module")
def cluster(request):
    if not _selected(request.config):
        pytest.skip("SLURM tests run with -m slurm (after bash tests/slurm/cluster.sh start)")
    settings = _cluster_settings()
    if isinstance(settings, str):
        pytest.skip(settings)
    return {**h.ENV, **settings}


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    directory = reliability.records_dir(tmp_path_factory)
    yield directory
    reliability.write_table(directory)


def slurm_args(*extra):
    """Snakemake arguments of a run through the SLURM profile. The plugin's first status check
    comes after 2 s instead of 40 (the test cluster is idle); perturbation_shard asks for 2
    CPUs, all this node has, instead of its default 1, so that a ``--set-threads`` override
    goes through sbatch too."""
    return [
        "--workflow-profile",
        PROFILE,
        "--slurm-init-seconds-before-status-checks",
        "2",
        "--set-threads",
        "perturbation_shard=2",
        *extra,
    ]


def run_slurm(wd, out, *args, env, configfiles=(), timeout=2400):
    try:
        return h.run(
            wd,
            out,
            *slurm_args(*args),
            configfiles=configfiles,
            cores=None,
            env=env,
            timeout=timeout,
        )
    finally:
        kill_strays(out)


def kill_strays(out):
    """SIGKILL processes of this test's jobs still alive after their SLURM job ended (by PID,
    found by the output path in their command line). The test cluster tracks a job's processes
    through their parents (proctrack/linuxproc: no cgroups here), so a cancelled job's
    ``snakemake --executor slurm-jobstep`` process can outlive its job."""
    time.sleep(1)
    marker = str(out)
    for pid in h.processes_with(marker):
        if "slurm-jobstep" in h.cmdline(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def sacct_states(job_ids):
    """{job id: state as sacct prints it, e.g. ``COMPLETED``, ``CANCELLED by 0``}."""
    if not job_ids:
        return {}
    result = subprocess.run(
        ["sacct", "-n", "-X", "-P", "-o", "JobID,State", "-j", ",".join(job_ids)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    states = {}
    for line in result.stdout.splitlines():
        job, _, state = line.partition("|")
        states[job] = state.strip()
    return states


def wait_for_accounting(job_ids, timeout=60):
    """sacct states of ``job_ids`` once none is pending or running any more."""
    deadline = time.monotonic() + timeout
    while True:
        states = sacct_states(job_ids)
        done = len(states) == len(job_ids) and not any(
            s in ("PENDING", "RUNNING", "COMPLETING") for s in states.values()
        )
        if done or time.monotonic() > deadline:
            return states
        time.sleep(2)


def test_end_to_end_on_slurm_matches_local(tmp_path, cluster, records):
    started = time.perf_counter()
    wd = tmp_path / "run"  # both runs write to the same absolute path (it is in some files)
    out = wd / "results"
    no_forgetting = h.write_yaml(
        tmp_path / "no_forgetting.yaml", {"forgetting": {"enabled": False}}
    )
    local = h.run(wd, out, configfiles=[no_forgetting], cores=2)
    assert local.returncode == 0, h.failure_message(local)
    reference = tmp_path / "local"
    shutil.move(out, reference)
    shutil.rmtree(wd)
    local_s = time.perf_counter() - started

    result = run_slurm(wd, out, env=cluster, configfiles=[no_forgetting])
    slurm_s = time.perf_counter() - started - local_s
    assert result.returncode == 0, h.failure_message(result)
    jobs = SUBMITTED.findall(result.stdout)
    states = wait_for_accounting(jobs)

    outputs = h.output_files(reference)
    missing = [str(rel) for rel in outputs if not (out / rel).is_file()]
    extra = sorted(set(map(str, h.output_files(out))) - set(map(str, outputs)))
    lost = h.compare_trees(reference, out)
    summary = [r for r in lost if r.startswith("summary/") and not r.startswith("summary/fig")]
    not_completed = {j: s for j, s in states.items() if s != "COMPLETED"}
    reliability.record(
        records,
        "test_slurm::end_to_end",
        section="cluster",
        fault="none: config/test.yaml (forgetting branch off) through profiles/slurm "
        "(executor slurm) on a single-node cluster",
        executor="slurm",
        injected=0,
        compared=f"all {len(outputs)} outputs ({len(summary)} summary tables) vs a local run "
        "with the same seeds, byte for byte",
        bytes_lost=sum(lost.values())
        + sum((reference / m).stat().st_size for m in missing if (reference / m).exists()),
        result=f"{len(jobs)} SLURM jobs, {len(jobs) - len(not_completed)} COMPLETED in "
        f"sacct; {len(missing)} outputs missing; local run {local_s:.0f} s, SLURM run "
        f"{slurm_s:.0f} s",
        seconds=time.perf_counter() - started,
    )
    assert len(jobs) >= 40, result.stdout[-3000:]
    assert not not_completed, not_completed
    assert not missing and not extra, (missing, extra)
    for table in ("replay_stats.csv", "sensitivity.csv"):
        assert (out / "summary" / table).read_bytes() == (
            reference / "summary" / table
        ).read_bytes()
    assert not any(lost.values()), {k: v for k, v in lost.items() if v}


# the chain connectivity -> train -> spontaneous of one rule and one P, with a spontaneous run
# long enough to be interrupted
CHAIN = {
    "rules": ["hebb"],
    "shuffle_rules": [],
    "patterns": [20],
    "stages": {"spontaneous": {"duration_s": 400, "chunk_s": 4}},
    # one CPU per simulation, so that two jobs fit on the 2-CPU test node at once (the orphaned
    # writer's test needs its second job to start while the first still holds its CPU)
    "simulation_threads": 1,
}


def resumed_from(out):
    log = out / "logs" / "spontaneous" / "hebb_P20_r0.log"
    return [int(s) for s in RESUMED.findall(log.read_text(errors="replace"))]


def running_job(proc, timeout=300):
    """SLURM id of the one running job of this test (the chain runs one job at a time)."""

    def find():
        result = subprocess.run(
            ["squeue", "-h", "-t", "R", "-o", "%i"], capture_output=True, text=True, timeout=30
        )
        ids = result.stdout.split()
        return ids[0] if len(ids) == 1 else None

    return h.wait_for(find, timeout, proc, interval=0.5, what="a running SLURM job")


STATUS_CHECK = re.compile(r"Checking the status of \d+ active jobs")
FAILED = re.compile(r"SLURM-job '(\d+)' failed, SLURM status is: '([^']*)'")


def status_checks(proc):
    """Status checks of the SLURM plugin so far in ``proc``'s log (needs ``--verbose``)."""
    proc.log_file.flush()
    return len(STATUS_CHECK.findall(proc.log_path.read_text(errors="replace")))


def ends_within_two_status_checks(proc, job):
    """True if Snakemake ends by itself before the plugin has checked the job states twice
    after sacct reports ``job`` as ended; False if it is still waiting after that."""
    h.wait_for(
        lambda: (
            sacct_states([job]).get(job, "RUNNING").split()[0]
            not in ("PENDING", "RUNNING", "COMPLETING")
        ),
        120,
        what=f"sacct to report job {job} as ended",
    )
    before = status_checks(proc)
    try:
        h.wait_for(lambda: status_checks(proc) >= before + 2, 400, proc, what="2 status checks")
    except AssertionError:
        if proc.poll() is not None:
            return True
        raise
    time.sleep(5)  # time to act on the second check's answer
    return proc.poll() is not None


def ends_within(seconds):
    def wait(proc, job):
        try:
            proc.wait(timeout=seconds)
            return True
        except subprocess.TimeoutExpired:
            return False

    return wait


def cancel_running_job(proc, out, after_step, ends_by_itself):
    """Wait for a checkpoint of the spontaneous run past ``after_step``, ``scancel`` its job
    and see whether Snakemake notices: ``ends_by_itself(proc, job)`` is True if Snakemake ended
    by itself, False if it is still waiting (then Ctrl-C, as a user would). Returns (job id,
    checkpoint step left, noticed, seconds from the scancel (or the Ctrl-C) to Snakemake's end,
    its output)."""
    try:
        h.wait_for(
            lambda: (h.checkpoint_step(out / SPONT) or 0) > after_step,
            600,
            proc,
            interval=0.2,
            what=f"a checkpoint of the spontaneous run past step {after_step}",
        )
        job = running_job(proc)
        subprocess.run(["scancel", job], check=True, timeout=30)
        cancelled = time.monotonic()
        noticed = ends_by_itself(proc, job)
        if not noticed:
            proc.send_signal(signal.SIGINT)
            cancelled = time.monotonic()
        code, output = h.finish(proc, timeout=300)
        seconds = time.monotonic() - cancelled
    finally:
        h.kill_group(proc)
        kill_strays(out)
    assert code != -signal.SIGKILL, f"Snakemake did not stop within 300 s\n{output[-3000:]}"
    assert code != 0, output[-3000:]
    step = h.checkpoint_step(out / SPONT)
    assert step and step > after_step and not (out / SPONT).exists()
    return job, step, noticed, seconds, output


def test_scancel_mid_run_resumes_bit_identical(tmp_path, cluster, records):
    started = time.perf_counter()
    plugin = importlib.metadata.version("snakemake-executor-plugin-slurm")
    config = h.write_yaml(tmp_path / "chain.yaml", CHAIN)
    reference = tmp_path / "local" / "results"
    local = h.run(tmp_path / "local", reference, "--", reference / SPONT, configfiles=[config])
    assert local.returncode == 0, h.failure_message(local)
    wd, out = tmp_path / "slurm", tmp_path / "slurm" / "results"

    def start(*args):
        args = slurm_args(*args, "--", out / SPONT)
        return h.start(wd, out, *args, configfiles=[config], cores=None, env=cluster)

    # 1. the plugin's default status command, sacct (--verbose: its status checks are logged)
    job_a, step_a, noticed_a, seconds_a, output_a = cancel_running_job(
        start("--verbose"), out, 0, ends_within_two_status_checks
    )
    state_a = wait_for_accounting([job_a]).get(job_a, "")
    failed_a = dict(FAILED.findall(output_a)).get(job_a)

    # 2. rerun with --slurm-status-command squeue, which prints the plain state CANCELLED;
    # 400 s is longer than the plugin's longest interval between status checks (180 s)
    job_b, step_b, noticed_b, seconds_b, output_b = cancel_running_job(
        start("--slurm-status-command", "squeue"), out, step_a, ends_within(400)
    )
    resumed_b = resumed_from(out)
    state_b = wait_for_accounting([job_b]).get(job_b, "")
    failed_b = dict(FAILED.findall(output_b)).get(job_b)

    # 3. rerun with the default settings: resumes, and the outputs are the uninterrupted run's
    result = run_slurm(wd, out, "--", out / SPONT, env=cluster, configfiles=[config])
    assert result.returncode == 0, h.failure_message(result)
    resumed = resumed_from(out)
    lost = h.compare_trees(reference, out, CHAIN_OUTPUTS)

    def outcome(noticed, failed, seconds, waited):
        if noticed and failed:
            return (
                f"Snakemake reported the job failed (status '{failed}') and stopped "
                f"{seconds:.0f} s after the scancel"
            )
        if noticed:
            return f"Snakemake stopped {seconds:.0f} s after the scancel, job status not reported"
        return (
            f"Snakemake did not notice (still waiting {waited}): Ctrl-C, it stopped "
            f"{seconds:.0f} s later"
        )

    reliability.record(
        records,
        "test_slurm::scancel",
        section="fault",
        fault="`scancel` of the running spontaneous job, twice, workflow rerun through SLURM "
        f"after each: after its checkpoint at step {step_a} with the plugin's default status "
        f"command (sacct says '{state_a}'), then after step {step_b} with "
        f"`--slurm-status-command squeue` (sacct says '{state_b}')",
        executor="slurm",
        injected=2,
        compared=f"{len(lost)} chain outputs vs an uninterrupted local run, byte for byte",
        bytes_lost=sum(lost.values()),
        result=f"plugin {plugin}; sacct: "
        + outcome(noticed_a, failed_a, seconds_a, "after 2 status checks since the cancellation")
        + "; squeue: "
        + outcome(noticed_b, failed_b, seconds_b, "400 s after the scancel")
        + f"; reruns resumed from steps {resumed_b[0] if resumed_b else '–'} and "
        f"{resumed[0] if resumed else '–'}",
        seconds=time.perf_counter() - started,
    )
    assert state_a.startswith("CANCELLED") and state_b.startswith("CANCELLED")
    assert resumed_b and resumed_b[0] >= step_a
    assert resumed and resumed[0] >= step_b
    # the workaround documented in docs/cluster.md
    assert noticed_b and failed_b == "CANCELLED", output_b[-3000:]
    assert lost == dict.fromkeys(CHAIN_OUTPUTS, 0)


# a spontaneous run that needs more than a minute: a weaker background (1.7 Hz per source
# instead of 2) keeps the network at ~3.5 Hz, so its segments stay small (~40 kB per simulated
# second); its length is set from the measured speed so that it needs ~140 s of one core
LONG = {
    "rules": ["hebb"],
    "shuffle_rules": [],
    "patterns": [20],
    "background": {"rate_hz": 1.7},
    "stages": {"spontaneous": {"duration_s": 1000, "chunk_s": 20}},
    # one thread, as its speed is measured (two threads that share their cores with other work
    # wait for each other at every step)
    "simulation_threads": 1,
}
LONG_WALL_S = 140

BENCH = """
import json, sys
sys.path.insert(0, sys.argv[1])
from eiplast.stages import run_network_stage
s = run_network_stage(sys.argv[2], sys.argv[3], run={"duration_s": 300, "chunk_s": 50,
    "seed": 99}, background={"rate_hz": 1.7}, progress=False)
print(json.dumps(s))
"""


def simulated_seconds_per_second(network, scratch):
    import json

    result = subprocess.run(
        [sys.executable, "-c", BENCH, str(h.ROOT / "src"), str(network), str(scratch)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
        env=h.ENV,
    )
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    return summary["simulated_s"] / summary["wall_s"]


def test_time_limit_leaves_a_resumable_checkpoint(tmp_path, cluster, records):
    started = time.perf_counter()
    wd, out = tmp_path, tmp_path / "results"
    config = h.write_yaml(tmp_path / "long.yaml", LONG)
    result = run_slurm(wd, out, "--", out / TRAINED, env=cluster, configfiles=[config])
    assert result.returncode == 0, h.failure_message(result)
    speed = simulated_seconds_per_second(out / TRAINED, tmp_path / "bench.h5")
    duration = max(2000, round(speed * LONG_WALL_S / 100) * 100)
    long_run = {**LONG, "stages": {"spontaneous": {"duration_s": duration, "chunk_s": 20}}}
    config = h.write_yaml(tmp_path / "long.yaml", long_run)

    result = run_slurm(
        wd,
        out,
        "--set-resources",
        "spontaneous:runtime=1",
        "--",
        out / SPONT,
        env=cluster,
        configfiles=[config],
        timeout=900,
    )
    assert result.returncode != 0, "the job finished within its 1-minute limit"
    jobs = SUBMITTED.findall(result.stdout)
    state = wait_for_accounting(jobs[-1:]).get(jobs[-1]) if jobs else None
    assert "TIMEOUT" in result.stdout, result.stdout[-3000:]
    step = h.checkpoint_step(out / SPONT)
    assert step and not (out / SPONT).exists()

    result = run_slurm(
        wd,
        out,
        "--set-resources",
        "spontaneous:runtime=30",
        "--",
        out / SPONT,
        env=cluster,
        configfiles=[config],
    )
    assert result.returncode == 0, h.failure_message(result)
    resumed = resumed_from(out)
    import h5py

    with h5py.File(out / SPONT, "r") as f:
        n_steps = int(f.attrs["n_steps"])
    reliability.record(
        records,
        "test_slurm::time_limit",
        section="fault",
        fault=f"spontaneous job of ~{LONG_WALL_S} s ({duration} s simulated at "
        f"{speed:.0f} s/s) under a 1-minute SLURM time limit "
        "(`--set-resources spontaneous:runtime=1`), rerun with runtime=30",
        executor="slurm",
        injected=1,
        compared="final spike file: complete (all steps), no checkpoint left",
        bytes_lost=None,
        result=f"SLURM state {state}; checkpoint at step {step} of {n_steps}; rerun resumed "
        f"from step {resumed[0] if resumed else '–'} and finished",
        seconds=time.perf_counter() - started,
    )
    assert state == "TIMEOUT"
    assert resumed == [step]
    assert n_steps == duration * 10000
    assert not Path(f"{out / SPONT}.ckpt").exists()


def test_orphaned_job_keeps_its_output_from_a_second_job(tmp_path, cluster, records):
    """Issue 22 on SLURM: the Snakemake on the login node killed alone, its spontaneous job
    runs on in SLURM; --unlock and the same command again submit a second job on the same
    output while the first runs (held with SIGSTOP, so that it is certainly still writing):
    the second job stops at once, naming the first's SLURM job; the first finishes its file;
    the next run completes with the bytes of an uninterrupted local run."""
    started = time.perf_counter()
    config = h.write_yaml(tmp_path / "chain.yaml", CHAIN)
    reference = tmp_path / "local" / "results"
    local = h.run(tmp_path / "local", reference, "--", reference / SPONT, configfiles=[config])
    assert local.returncode == 0, h.failure_message(local)
    wd, out = tmp_path / "slurm", tmp_path / "slurm" / "results"
    proc = h.start(wd, out, *slurm_args("--", out / SPONT), configfiles=[config], cores=None,
                   env=cluster)  # fmt: skip
    try:
        h.wait_for(lambda: (h.checkpoint_step(out / SPONT) or 0) > 0, 600, proc,
                   interval=0.2, what="a checkpoint of the spontaneous run")  # fmt: skip
        job = running_job(proc)
        # this test's job only: its script lies below this test's working directory
        scripts = [p for p in h.processes_with(f"{wd}/.snakemake/scripts/")
                   if ".simulate.py" in h.cmdline(p).split("/")[-1]]  # fmt: skip
        assert len(scripts) == 1, scripts
        orphan = scripts[0]
        os.kill(proc.pid, signal.SIGKILL)  # the login node's Snakemake only
        h.finish(proc, timeout=60)
        os.kill(orphan, signal.SIGSTOP)
        unlock = h.run(wd, out, "--unlock", configfiles=[config], cores=None, env=cluster)
        assert unlock.returncode == 0, h.failure_message(unlock)
        # not run_slurm: its clean-up of stray job processes would end the first job
        second = h.run(wd, out, *slurm_args("--", out / SPONT), configfiles=[config],
                       cores=None, env=cluster, timeout=900)  # fmt: skip
        log = out / "logs" / "spontaneous" / "hebb_P20_r0.log"
        seen = second.stdout + (log.read_text(errors="replace") if log.exists() else "")
        claim_seen = re.search(
            rf"is being written by another process: host \S+, PID {orphan}, SLURM job {job}\b",
            seen,
        )
        os.kill(orphan, signal.SIGCONT)
        h.wait_for(lambda: not h.alive(orphan), 600, what="the first job to finish")
        state = wait_for_accounting([job]).get(job, "")
    finally:
        h.kill_group(proc)
    first_done = (out / SPONT).is_file()
    first_lost = h.compare_trees(reference, out, [SPONT])[SPONT]
    third = run_slurm(wd, out, "--", out / SPONT, env=cluster, configfiles=[config])
    assert third.returncode == 0, h.failure_message(third)
    reran = bool(SUBMITTED.search(third.stdout))
    lost = h.compare_trees(reference, out, CHAIN_OUTPUTS)
    reliability.record(
        records,
        "test_slurm::orphaned_writer",
        section="fault",
        fault="SIGKILL of the login node's Snakemake alone while SLURM runs the spontaneous "
        "job, `--unlock`, the same command again (a second SLURM job on the same output) while "
        "the first runs",
        executor="slurm",
        injected=1,
        compared=f"the first job's spike file, then {len(lost)} chain outputs after a third "
        "run, vs an uninterrupted local run, byte for byte",
        bytes_lost=sum(lost.values()) + first_lost,
        result=h.orphan_outcome(
            claim_seen and second.returncode,
            "the first job's host, PID and SLURM job",
            first_done,
            reran,
        )
        + f"; first job's SLURM state {state or 'unknown'}",
        seconds=time.perf_counter() - started,
    )
    assert second.returncode != 0 and claim_seen, h.failure_message(second)
    assert first_done and first_lost == 0
    assert lost == dict.fromkeys(CHAIN_OUTPUTS, 0)
