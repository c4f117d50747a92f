"""One writer per output: a claim file beside an output that a process is writing.

``claimed(output)`` creates ``<output>.claim`` with ``O_CREAT | O_EXCL`` (atomic on local file
systems and on NFS v3 and later) and removes it when the block ends. The file holds who writes:
host, process id and start time, SLURM job id, time of the claim, and a random token. The
holder calls ``Claim.heartbeat()`` regularly (``chunked.run_chunked`` does after every piece);
it refreshes the file's modification time and checks that the claim is still its own.

A second process that finds a claim stops at once with ``OutputClaimedError`` naming the holder,
unless the claim is stale:

* same host: the process is gone, or its id now belongs to a process started later;
* a SLURM job id and ``squeue`` on this host: SLURM no longer lists the job as pending, running,
  completing, suspended or stopped;
* otherwise (another host, no SLURM): no heartbeat for ``EIPLAST_CLAIM_STALE_S`` seconds
  (default 3600).

A stale claim is taken over by renaming it to a name of the taker's own, then checking that the
renamed file is the claim judged stale; if another taker's new claim was moved by mistake, it is
put back. Written by hand: file-locking libraries (``filelock``, ``fasteners``, ``flufl.lock``)
either rely on ``flock``/``fcntl``, which some cluster file systems do not support across
hosts, or break stale locks only after a fixed lifetime, without telling which process holds
the output or noticing at once that it died.
"""

import contextlib
import json
import os
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

STALE_AFTER_S = 3600.0  # default heartbeat age after which a claim from another host is stale
_LIVE_SLURM_STATES = {"PENDING", "RUNNING", "COMPLETING", "CONFIGURING", "SUSPENDED", "STOPPED"}


class OutputClaimedError(RuntimeError):
    """The output is being written by another live process."""


def claim_path(output):
    """``<output>.claim``."""
    output = Path(output)
    return output.with_name(output.name + ".claim")


def _process_start(pid):
    """Start time of process ``pid`` in clock ticks since boot (Linux), or None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])


def _identity():
    pid = os.getpid()
    return {
        "host": socket.gethostname(),
        "pid": pid,
        "pid_start": _process_start(pid),
        "slurm_job_id": os.environ.get("SLURM_JOB_ID"),
        "claimed_at": time.time(),
        "token": uuid.uuid4().hex,
    }


def _read(path):
    """The claim in ``path``: its fields and ``heartbeat_at`` (mtime), or None if absent.
    A file that is not a claim (empty: its writer died between create and write; damaged)
    counts as a claim of unknown holder, stale after the heartbeat age."""
    try:
        text = path.read_text()
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return None
    try:
        holder = json.loads(text)
        if not isinstance(holder, dict) or "token" not in holder:
            raise ValueError
    except ValueError:
        holder = {"token": None, "unreadable": text[:80]}
    holder["heartbeat_at"] = mtime
    return holder


def _slurm_job_live(job_id):
    """True/False from ``squeue``; None if SLURM cannot be asked from here."""
    squeue = shutil.which("squeue")
    if squeue is None:
        return None
    try:
        found = subprocess.run(
            [squeue, "-h", "-j", str(job_id), "-o", "%T"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if found.returncode != 0:
        # squeue fails with "Invalid job id specified" once the job is gone from its memory
        return False if "Invalid job id" in found.stderr else None
    return bool(set(found.stdout.split()) & _LIVE_SLURM_STATES)


def stale_reason(holder, now=None):
    """Why the claim ``holder`` is stale, or None while its writer may be alive."""
    now = time.time() if now is None else now
    stale_after = float(os.environ.get("EIPLAST_CLAIM_STALE_S", STALE_AFTER_S))
    if holder.get("host") == socket.gethostname() and holder.get("pid") is not None:
        pid = int(holder["pid"])
        start = _process_start(pid)
        if start is None and not _pid_exists(pid):
            return f"process {pid} on this host has ended"
        if start is not None and holder.get("pid_start") not in (None, start):
            return f"process id {pid} now belongs to a later process"
        return None
    if holder.get("slurm_job_id"):
        live = _slurm_job_live(holder["slurm_job_id"])
        if live is False:
            return f"SLURM job {holder['slurm_job_id']} has ended"
        if live:
            return None
    age = now - holder["heartbeat_at"]
    if age > stale_after:
        return f"no heartbeat for {age:.0f} s (EIPLAST_CLAIM_STALE_S = {stale_after:g})"
    return None


def _pid_exists(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def describe(holder):
    """The holder of a claim in words."""
    if holder.get("token") is None:
        return f"an unreadable claim ({holder.get('unreadable')!r})"
    parts = [f"host {holder.get('host')}", f"PID {holder.get('pid')}"]
    if holder.get("slurm_job_id"):
        parts.append(f"SLURM job {holder['slurm_job_id']}")
    claimed = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(holder.get("claimed_at", 0)))
    beat = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(holder["heartbeat_at"]))
    return f"{', '.join(parts)} (since {claimed}, last heartbeat {beat})"


class Claim:
    """A claim held by this process on ``output``."""

    def __init__(self, output):
        self.output = Path(output)
        self.path = claim_path(output)
        self.identity = _identity()

    def acquire(self):
        """Create the claim, taking over a stale one; OutputClaimedError if a live process
        holds it. Returns the reason a stale claim was taken over, or None."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        taken_over = None
        for _ in range(100):
            if self._create():
                return taken_over
            holder = _read(self.path)
            if holder is None:
                continue  # released meanwhile: try again
            reason = stale_reason(holder)
            if reason is None:
                raise OutputClaimedError(
                    f"{self.output} is being written by another process: {describe(holder)}. "
                    f"Wait for it to finish, or stop it; if it is certainly gone, delete "
                    f"{self.path} and run again."
                )
            if self._remove_stale(holder):
                taken_over = f"took over the stale claim of {describe(holder)}: {reason}"
        raise OutputClaimedError(f"{self.output}: could not claim {self.path} (contended)")

    def _create(self):
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "w") as fh:
            json.dump(self.identity, fh)
            fh.flush()
            os.fsync(fh.fileno())
        return True

    def _remove_stale(self, holder):
        """Move the stale claim ``holder`` out of the way; True if this process removed it."""
        aside = self.path.with_name(f"{self.path.name}.stale-{self.identity['token']}")
        try:
            os.rename(self.path, aside)
        except FileNotFoundError:
            return False  # another taker was first
        moved = _read(aside)
        if moved is not None and moved.get("token") != holder.get("token"):
            # a new claim created after the stale one was removed by someone else: restore it
            with contextlib.suppress(FileExistsError):
                os.link(aside, self.path)
            aside.unlink()
            return False
        aside.unlink(missing_ok=True)
        return True

    def heartbeat(self):
        """Refresh the claim's modification time; OutputClaimedError if it is no longer ours."""
        holder = _read(self.path)
        if holder is None or holder.get("token") != self.identity["token"]:
            raise OutputClaimedError(
                f"{self.output}: this process's claim {self.path} was taken by "
                f"{'nobody' if holder is None else describe(holder)}; stopping"
            )
        os.utime(self.path)

    def release(self):
        """Remove the claim if it is still ours."""
        holder = _read(self.path)
        if holder is not None and holder.get("token") == self.identity["token"]:
            self.path.unlink(missing_ok=True)


@contextlib.contextmanager
def claimed(output, log=None):
    """Hold the claim on ``output`` for the block (``log(message)`` hears of a take-over)."""
    claim = Claim(output)
    taken_over = claim.acquire()
    if taken_over and log is not None:
        log(f"{claim.path}: {taken_over}")
    try:
        yield claim
    finally:
        claim.release()
