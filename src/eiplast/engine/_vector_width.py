"""Let numba's LLVM emit 512-bit vectors on AVX-512 CPUs.

LLVM's tuning for most AVX-512 Intel CPUs (``skylake-avx512`` to ``sapphirerapids``, and the
``rocketlake`` our 2-core machines report) sets ``prefer-256-bit``, so loops vectorise 4 float64
or 8 float32 lanes wide although the CPU has 512-bit registers. Our kernels are loops of
element-wise arithmetic with no reduction that LLVM may reorder (numba compiles without
fastmath), so the vector width changes the speed and never a value: outputs are bit-identical
(tests/test_vector_width.py; docs/benchmarks.md measures the gain, ≈ 1.3× for the isolation kernel).

numba reads ``NUMBA_CPU_FEATURES`` when it is first imported, so this runs from
``eiplast/__init__.py``. It does nothing if numba is already imported, if the user set
``NUMBA_CPU_NAME`` or ``NUMBA_CPU_FEATURES``, if ``EIPLAST_WIDE_VECTORS=0``, or if the CPU has
no AVX-512. Child processes inherit the environment, and a SLURM job that of the submitting
host (Snakemake imports eiplast to validate the config): a value this module set is marked in
``EIPLAST_NUMBA_CPU_FEATURES`` and recomputed for the host at hand, so a job never runs with
another CPU's features.
"""

import os
import sys

DISABLE_VARIABLE = "EIPLAST_WIDE_VECTORS"
MARK_VARIABLE = "EIPLAST_NUMBA_CPU_FEATURES"  # the value this module set


def host_features_with_wide_vectors():
    """The host's LLVM feature string with ``-prefer-256-bit`` appended, or None if the host has
    no AVX-512 (the width preference is then moot)."""
    import llvmlite.binding as llvm

    features = llvm.get_host_cpu_features().flatten()
    if "+avx512f" not in features.split(","):
        return None
    return features + ",-prefer-256-bit"


def prefer_wide_vectors(environ=os.environ):
    """Set ``NUMBA_CPU_FEATURES`` in ``environ`` for 512-bit vectors when that is safe to do
    (module docstring); return the value set, or None if nothing was set."""
    if "numba" in sys.modules or environ.get(DISABLE_VARIABLE, "1") == "0":
        return None
    inherited = environ.get("NUMBA_CPU_FEATURES")
    if "NUMBA_CPU_NAME" in environ or inherited not in (None, environ.get(MARK_VARIABLE)):
        return None
    features = host_features_with_wide_vectors()
    if features is None:
        environ.pop("NUMBA_CPU_FEATURES", None)
        environ.pop(MARK_VARIABLE, None)
    else:
        environ["NUMBA_CPU_FEATURES"] = environ[MARK_VARIABLE] = features
    return features
