"""eiplast asks numba for 512-bit vectors on AVX-512 CPUs; outputs stay bit-identical."""

import json
import os
import subprocess
import sys

import pytest

from eiplast.engine._vector_width import host_features_with_wide_vectors

WIDE = host_features_with_wide_vectors() is not None

PROBE = """
import json, eiplast, numba
print(json.dumps(numba.core.config.CPU_FEATURES))
"""

ISOLATED_SPIKES = """
from eiplast.assembly.isolation import IsolationSimulator
import hashlib, json, numpy as np, numba
from eiplast.assembly.perturbation import perturbation_schedule
n = 600
rng = np.random.default_rng(0)
stats = dict(mean_e=rng.uniform(8, 14, n), mean_i=rng.uniform(20, 35, n),
             std_e=rng.uniform(1.5, 3.0, n), std_i=rng.uniform(3, 6, n),
             pearson_r=rng.uniform(0.2, 0.6, n))
sim = IsolationSimulator(np.arange(n), 480, np.full(480, 2.0), stats,
                         perturbation_schedule(n_repetitions=1), seed=5)
neurons, steps = sim.advance(20000)[:2]
print(json.dumps([numba.core.config.CPU_FEATURES, len(neurons),
                  hashlib.sha1(neurons.tobytes() + steps.tobytes()).hexdigest()]))
"""


def _run(code, tmp_path, **env):
    environ = {
        k: v for k, v in os.environ.items() if "CPU_FEATURES" not in k and k != "NUMBA_CPU_NAME"
    }
    environ.update(env, NUMBA_CACHE_DIR=str(tmp_path / "cache"))
    out = subprocess.run(
        [sys.executable, "-c", code], env=environ, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_switch_and_user_settings_are_respected(tmp_path):
    assert _run(PROBE, tmp_path, EIPLAST_WIDE_VECTORS="0") is None
    assert _run(PROBE, tmp_path, NUMBA_CPU_FEATURES="+avx2") == "+avx2"
    default = _run(PROBE, tmp_path)
    if WIDE:
        assert default.endswith(",-prefer-256-bit") and "+avx512f" in default
    else:
        assert default is None


def test_features_set_on_another_host_are_recomputed(tmp_path):
    """A job inherits the environment of the process that submitted it (SLURM exports it): a
    value eiplast set there is replaced by this host's, a value the user set is kept."""
    other_host = "+sse2,-avx2,-prefer-256-bit"
    inherited = {"NUMBA_CPU_FEATURES": other_host, "EIPLAST_NUMBA_CPU_FEATURES": other_host}
    assert _run(PROBE, tmp_path, **inherited) == _run(PROBE, tmp_path)
    user = {"NUMBA_CPU_FEATURES": other_host, "EIPLAST_NUMBA_CPU_FEATURES": "+avx2"}
    assert _run(PROBE, tmp_path, **user) == other_host


@pytest.mark.skipif(not WIDE, reason="the CPU has no AVX-512: there is no wider vector to use")
def test_wide_vectors_change_no_spike(tmp_path):
    wide = _run(ISOLATED_SPIKES, tmp_path)
    narrow = _run(ISOLATED_SPIKES, tmp_path, EIPLAST_WIDE_VECTORS="0")
    assert wide[0].endswith("-prefer-256-bit") and narrow[0] is None
    assert wide[1] > 100
    assert wide[1:] == narrow[1:]
