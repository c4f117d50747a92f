"""Helpers of the fault, atomicity and cluster tests: running Snakemake on the tiny
configuration, finding and killing job processes, checking and comparing outputs.

Each Snakemake call runs in its own working directory (``--directory``), so its metadata and
locks stay out of the checkout; outputs go to ``output_dir`` inside it. Every output is
bit-identical between runs with the same seeds, the figures included (``save_figure`` writes no
creation date); ``SOURCE_DATE_EPOCH`` is fixed as well, for any other tool that would write one.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SNAKEFILE = ROOT / "Snakefile"
TEST_CONFIG = ROOT / "config" / "test.yaml"
_BIN = Path(sys.executable).with_name("snakemake")
SNAKEMAKE = [str(_BIN)] if _BIN.exists() else [sys.executable, "-m", "snakemake"]

ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000", "PYTHONUNBUFFERED": "1"}

# what the reliability checks leave out of "outputs": per-job logs (written as the job runs;
# Snakemake empties a job's log when the job starts again) and Snakemake's benchmark tables
NOT_OUTPUTS = ("logs", "benchmarks")


def command(workdir, out, *args, configfiles=(), cores=2):
    cmd = [*SNAKEMAKE, "--snakefile", SNAKEFILE, "--directory", workdir]
    if cores is not None:
        cmd += ["--cores", cores]
    cmd += ["--configfile", TEST_CONFIG, *configfiles, "--config", f"output_dir={out}"]
    return [str(c) for c in [*cmd, *args]]


def run(workdir, out, *args, configfiles=(), cores=2, timeout=1800, env=None):
    """Run Snakemake to the end; return the CompletedProcess (stdout and stderr merged)."""
    return subprocess.run(
        command(workdir, out, *args, configfiles=configfiles, cores=cores),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        env=env or ENV,
    )


def _default_sigint():
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(workdir, out, *args, configfiles=(), cores=2, log=None, env=None):
    """Start Snakemake in a new session (process group); output to ``log``.

    SIGINT is reset to its default in the child: a shell starts background commands with SIGINT
    ignored, children inherit that, and Snakemake would then ignore the Ctrl-C a test sends."""
    log = Path(log or Path(workdir) / f"snakemake-{time.time_ns()}.log")
    log.parent.mkdir(parents=True, exist_ok=True)
    fh = open(log, "w")  # noqa: SIM115 - closed in finish()
    proc = subprocess.Popen(
        command(workdir, out, *args, configfiles=configfiles, cores=cores),
        stdout=fh,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        env=env or ENV,
        preexec_fn=_default_sigint,
    )
    proc.log_path, proc.log_file = log, fh
    return proc


def finish(proc, timeout=600):
    """Wait for ``proc`` (from start); kill its group on timeout; return (code, output)."""
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        proc.wait()
    proc.log_file.close()
    return proc.returncode, proc.log_path.read_text(errors="replace")


def kill_group(proc, sig=signal.SIGKILL):
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def failure_message(result, limit=6000):
    output = result.stdout if hasattr(result, "stdout") else result[1]
    code = result.returncode if hasattr(result, "returncode") else result[0]
    return f"exit {code}\n{(output or '')[-limit:]}"


def write_yaml(path, data):
    path = Path(path)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


# ---------------------------------------------------------------------------------------------
# processes
# ---------------------------------------------------------------------------------------------


def _children():
    """{ppid: [pid, ...]} of every process."""
    tree = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def processes_with(text):
    """PIDs of the processes whose command line contains ``text`` (this one excluded)."""
    own = os.getpid()
    return [
        int(e) for e in os.listdir("/proc") if e.isdigit() and int(e) != own and text in cmdline(e)
    ]


def alive(pid):
    """True while process ``pid`` runs (a zombie, ended but not yet reaped, does not count)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def orphan_outcome(refused, holder, first_done, reran):
    """The reliability table's result of an orphaned-writer test: whether the second job was
    refused naming ``holder``, whether the first job finished its file, whether the third run
    simulated it again."""
    return (
        (f"second job refused at once, naming {holder}" if refused else "second job NOT refused")
        + ("; the first job finished its file" if first_done else "; the first job left no file")
        + (
            "; the third run simulated it again (Snakemake had it marked incomplete)"
            if reran
            else "; the third run kept the first job's file"
        )
    )


def descendants(pid):
    tree, found, todo = _children(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def job_processes(root_pid, script):
    """PIDs of the job processes below ``root_pid`` running workflow script ``script``
    (Snakemake runs a rule's script as ``python .snakemake/scripts/tmpXXXX.<script>``)."""
    return [p for p in descendants(root_pid) if f".{script}" in cmdline(p).split("/")[-1]]


def wait_for(predicate, timeout, proc=None, interval=0.05, what="condition"):
    """Poll ``predicate`` until true; fail after ``timeout`` s or when ``proc`` ends first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"process ended (exit {proc.returncode}) before {what}")
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def checkpoint_step(output):
    """Step of ``<output>.ckpt``, or None if there is none (or it is being replaced)."""
    import h5py

    ckpt = Path(f"{output}.ckpt")
    try:
        with h5py.File(ckpt, "r") as f:
            return int(f.attrs["step"])
    except (OSError, KeyError):
        return None


# ---------------------------------------------------------------------------------------------
# outputs
# ---------------------------------------------------------------------------------------------


def is_temporary(path):
    """A writer's temporary sibling (``eiplast.engine.h5io.temporary_name``:
    ``.<name>.tmp-<host>-<pid>``)."""
    return path.name.startswith(".") and ".tmp-" in path.name


def output_files(out):
    """Files under their final names below ``out`` (relative paths), logs and benchmarks and
    the writers' temporary siblings left out; checkpoints and segments included."""
    out = Path(out)
    if not out.exists():
        return []
    files = []
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out)
        if not path.is_file() or rel.parts[0] in NOT_OUTPUTS or is_temporary(path):
            continue
        files.append(rel)
    return files


def temporary_files(out):
    out = Path(out)
    return sorted(p.relative_to(out) for p in out.rglob(".*.tmp-*")) if out.exists() else []


def bytes_lost(reference, candidate):
    """Bytes of ``reference`` missing from or different in ``candidate`` (0: identical)."""
    ref = Path(reference).read_bytes()
    candidate = Path(candidate)
    if not candidate.exists():
        return len(ref)
    got = candidate.read_bytes()
    if got == ref:
        return 0
    n = min(len(ref), len(got))
    differing = sum(a != b for a, b in zip(ref[:n], got[:n], strict=True))
    return differing + max(0, len(ref) - len(got))


def compare_trees(reference, candidate, files=None):
    """{relative path: bytes lost} over ``files`` (default: every output of ``reference``)."""
    reference, candidate = Path(reference), Path(candidate)
    files = output_files(reference) if files is None else files
    return {str(rel): bytes_lost(reference / rel, candidate / rel) for rel in files}


def complete_file_problem(path):
    """Why ``path`` is not a complete file of its type, or None. HDF5: opens, every dataset
    reads; PNG: ends with the IEND chunk; PDF: ends with %%EOF; CSV/HTML: ends with a newline."""
    path = Path(path)
    data = path.read_bytes()
    if not data:
        return "empty"
    suffix = path.suffix
    if suffix == ".h5" or path.name.endswith(".ckpt"):
        import h5py

        try:
            with h5py.File(path, "r") as f:
                if "format" not in f.attrs:
                    return "HDF5 without a format attribute"

                def read(name, obj):
                    if isinstance(obj, h5py.Dataset):
                        obj[()]

                f.visititems(read)
        except Exception as err:  # noqa: BLE001 - any failure means incomplete
            return f"unreadable HDF5: {err}"
        return None
    if suffix == ".png":
        return None if data.endswith(b"IEND\xaeB`\x82") else "PNG without IEND"
    if suffix == ".pdf":
        return None if data.rstrip().endswith(b"%%EOF") else "PDF without %%EOF"
    if suffix in (".csv", ".html", ".tsv"):
        return None if data.endswith(b"\n") else "text without final newline"
    return None
