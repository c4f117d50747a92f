"""Settings shared by the benchmarks: interpreters, single-thread environment, CPU model, and
the Brian2 reference run used by the same-network comparisons."""

import platform
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUR_PYTHON = ROOT / ".venv" / "bin" / "python"
BRIAN2_PYTHON = ROOT / ".venv-brian2" / "bin" / "python"
SINGLE_THREAD_ENV = {
    "NUMBA_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


def cpu_model():
    """The CPU's model name (from /proc/cpuinfo where available)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def require_brian2(parser):
    """Stop with one message (argparse ``parser.error``) if the Brian2 environment is missing."""
    if not BRIAN2_PYTHON.is_file():
        parser.error(f"{BRIAN2_PYTHON} missing: run bench/setup_brian2_env.sh first")


def run_brian2_reference(connectivity, output, *, duration_s, rule, seed, learning_rate=None):
    """``bench/brian2_reference.py`` (the reference's equations, ``cpp_standalone``) on
    ``connectivity`` for ``duration_s`` with I→E ``rule``; spikes (and final I→E weights) in
    our format at ``output``."""
    cmd = [str(BRIAN2_PYTHON), str(ROOT / "bench" / "brian2_reference.py"), "--connectivity",
           str(connectivity), "--duration", str(duration_s), "--rule", rule, "--target",
           "cpp_standalone", "--seed", str(seed), "--output", str(output)]  # fmt: skip
    if learning_rate is not None:
        cmd += ["--learning-rate", str(learning_rate)]
    subprocess.run(cmd, check=True)
