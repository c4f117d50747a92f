#!/usr/bin/env bash
# Create /work/main/.venv-brian2: Brian2 (reference simulator) + our package, for the comparison
# test (tests/test_vs_brian2.py) and the benchmark (bench/bench_core.py). Idempotent: reruns only
# install what is missing.
#
# Pins: Brian2 2.9.0 is the newest release for Python 3.11 (2.10 needs 3.12, 2.11 needs 3.13).
# Its Cython runtime target needs numpy < 2.3 here; numpy 2.2 is also inside our own pin
# (numpy>=2.0,<2.5) and supported by numba 0.61.x, so eiplast installs with its normal deps.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${BRIAN2_VENV:-$ROOT/.venv-brian2}"
PY="${PYTHON:-python3.11}"

if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
fi

CONSTRAINTS="$(mktemp)"
trap 'rm -f "$CONSTRAINTS"' EXIT
cat > "$CONSTRAINTS" <<'PINS'
brian2==2.9.0
numpy>=2.0,<2.3
numba>=0.61,<0.62
cython>=3.0,<3.2
PINS

# pip, minus the warnings about this machine's local index folders that do not exist
pip_install() {
    { "$VENV/bin/python" -m pip install --quiet "$@" 2>&1; } \
        | { grep -v "is ignored: it is neither a file nor a directory" || true; }
}

pip_install --upgrade "pip>=24" "setuptools>=68" wheel
pip_install -c "$CONSTRAINTS" brian2 numpy cython h5py scipy psutil numba tqdm pytest
pip_install -c "$CONSTRAINTS" -e "$ROOT"

"$VENV/bin/python" - <<'PYCHECK'
import brian2, numba, numpy, h5py, scipy, Cython
import eiplast
print(f"brian2 {brian2.__version__}, numpy {numpy.__version__}, numba {numba.__version__}, "
      f"cython {Cython.__version__}, h5py {h5py.__version__}, scipy {scipy.__version__}, "
      f"eiplast from {eiplast.__file__}")
PYCHECK
