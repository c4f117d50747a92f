#!/usr/bin/env bash
# Create /work/main/.venv-pbn: the reference package of Akil, Rosenbaum & Josić 2021
# (`plastic-balanced-network` 0.0.6 from PyPI), for the cross-check test
# (tests/test_balanced_reference.py) and the benchmark (bench/bench_balanced.py).
# Idempotent: reruns only install what is missing.
#
# The 0.0.6 wheel declares the authors' whole development requirements (twine, keyring, sphinx
# tooling, ...) as install requirements, and lacks the VERSION file its __init__ reads. We install
# it without dependencies, add the two modules it imports (numpy, random2), and write VERSION by
# hand. Our own package is not needed in this environment: bench/balanced_reference.py only
# imports the reference, numpy and h5py.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${PBN_VENV:-$ROOT/.venv-pbn}"
PY="${PYTHON:-python3.11}"

if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
fi

# pip, minus the warnings about this machine's local index folders that do not exist
pip_install() {
    { "$VENV/bin/python" -m pip install --quiet "$@" 2>&1; } \
        | { grep -v "is ignored: it is neither a file nor a directory" || true; }
}

pip_install --upgrade "pip>=24"
pip_install "numpy>=2.0,<2.5" "random2==1.0.2" "h5py>=3.11"
pip_install --no-deps "plastic-balanced-network==0.0.6"

SITE="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
if [ ! -f "$SITE/plastic_balanced_network/VERSION" ]; then
    echo "0.0.6" > "$SITE/plastic_balanced_network/VERSION"
fi

"$VENV/bin/python" - <<'PYCHECK'
import numpy, random2, h5py
import plastic_balanced_network as pbn
from plastic_balanced_network.network import PlasticNeuralNetwork  # noqa: F401
print(f"plastic_balanced_network {pbn.__version__} from {pbn.__file__}, numpy {numpy.__version__}")
PYCHECK
