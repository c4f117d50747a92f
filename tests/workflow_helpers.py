"""Running the workflow from tests: Snakemake on the tiny configuration (config/test.yaml) in
its own working directory, and reading what it printed.

Each call runs with ``--directory`` set, so Snakemake's metadata and locks stay out of the
checkout; outputs go where ``output_dir`` says.
"""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SNAKEFILE = ROOT / "Snakefile"
TEST_CONFIG = ROOT / "config" / "test.yaml"
_BIN = Path(sys.executable).with_name("snakemake")
SNAKEMAKE = [str(_BIN)] if _BIN.exists() else [sys.executable, "-m", "snakemake"]


# the whole tiny workflow (about 190 jobs) takes a few minutes on two idle cores; the limit
# leaves room for cores shared with other work
TIMEOUT_S = 1800


def snakemake(workdir, *args, configfiles=(), timeout=TIMEOUT_S):
    """Run Snakemake on the test configuration (then ``configfiles``) in ``workdir`` with two
    cores; return the CompletedProcess (stdout and stderr captured apart)."""
    cmd = [
        *SNAKEMAKE,
        "--snakefile",
        SNAKEFILE,
        "--directory",
        workdir,
        "--cores",
        "2",
        "--configfile",
        TEST_CONFIG,
        *configfiles,
        *args,
    ]
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout)


def failure_message(result):
    return (
        f"exit {result.returncode}\nSTDOUT:\n{result.stdout[-4000:]}\n"
        f"STDERR:\n{result.stderr[-6000:]}"
    )


def job_counts(dry_run_stdout):
    """{rule: count} from the "Job stats" table of a dry run ({} when nothing is to be done)."""
    lines = dry_run_stdout.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Job stats")]
    counts = {}
    for line in lines[starts[0] + 3 :] if starts else []:
        match = re.fullmatch(r"(\w+)\s+(\d+)", line.strip())
        if not match or match.group(1) == "total":
            break
        counts[match.group(1)] = int(match.group(2))
    return counts
