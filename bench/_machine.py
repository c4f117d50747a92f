"""Settings shared by the benchmarks: interpreters, single-thread environment, CPU model."""

import platform
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUR_PYTHON = ROOT / ".venv" / "bin" / "python"
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
