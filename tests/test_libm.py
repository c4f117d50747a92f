"""The network's values do not depend on which vector kernels NumPy picks for the CPU.

NumPy's float64 ``exp``/``log`` on AVX-512 CPUs are its own kernels, which differ from the C
library's by one ulp on some arguments (``eiplast/libm.py``). The second test builds the network
and its simulation constants, and runs a short simulation, once as NumPy chooses on this machine
once with NumPy restricted to AVX2 and once to its baseline instruction set
(``NPY_DISABLE_CPU_FEATURES``): all must agree bit for bit. Besides ``exp``/``log``, the order in
which ``np.argpartition`` returns the kept E->E scores differs between these kernels; the
network of many assemblies takes that path. On a CPU with AVX-512 this fails if a value of the
network comes from ``np.exp``/``np.log`` or from a kernel's order; on a CPU without it, it fails
if any other NumPy kernel used there depends on the instruction set.
"""

import hashlib
import math
import os
import subprocess
import sys

import numpy as np

from eiplast.engine._numba import libm_exp

# every NumPy 2 dispatch target above the x86-64 baseline (names unknown to a CPU are ignored)
ALL_DISPATCH_TARGETS = "X86_V3 X86_V4 AVX512_ICL AVX512_SPR AVX2 FMA3 AVX512F AVX512_SKX"
AVX512_TARGETS = "X86_V4 AVX512_ICL AVX512_SPR AVX512F AVX512_SKX"  # what an AVX2-only CPU lacks

_DIGEST_SCRIPT = """
import hashlib, sys, tempfile
from pathlib import Path
import h5py
from eiplast.assembly.connectivity import generate_connectivity
from eiplast.assembly.params import BackgroundParams, ConnectivityParams, NeuronParams
from eiplast.assembly.params import PlasticityParams, RunParams
from eiplast.assembly.simulate import NetworkSimulator, simulate_network

# many assemblies: more pairs share one than the E->E block keeps, so the top scores are chosen
dense = generate_connectivity(ConnectivityParams(n_exc=300, n_inh=75, n_patterns=1000, seed=8))
net = generate_connectivity(ConnectivityParams(n_exc=400, n_inh=100, n_patterns=10, seed=7))
args = (net, NeuronParams(), BackgroundParams(), PlasticityParams(kind="hebb"))
run = RunParams(duration_s=0.3, learning_rate=1e-2, seed=11)
digest = hashlib.sha256(net.weight_nS.tobytes() + net.exc_alpha.tobytes())
for arr in (dense.post, dense.weight_nS, dense.delay_steps):
    digest.update(arr.tobytes())
digest.update(NetworkSimulator(*args, run).consts.tobytes())
with tempfile.TemporaryDirectory() as folder:
    out = Path(folder) / "spikes.h5"
    simulate_network(*args, run, out, progress=False)
    with h5py.File(out) as f:
        digest.update(f["spikes/neuron"][:].tobytes() + f["spikes/step"][:].tobytes())
print(digest.hexdigest())
"""


def _digest(extra_env):
    env = {**os.environ, **extra_env}
    done = subprocess.run(
        [sys.executable, "-c", _DIGEST_SCRIPT], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_exp_is_the_c_library_exp_element_by_element():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((300, 7)) * 3.0
    got = libm_exp(x)
    assert got.shape == x.shape and got.dtype == np.float64
    expected = np.array([[math.exp(v) for v in row] for row in x.tolist()])
    assert got.tobytes() == expected.tobytes()
    assert libm_exp(np.arange(3)).tolist() == [1.0, math.e, math.exp(2.0)]


def test_network_is_the_same_with_numpy_restricted_to_its_baseline():
    native = _digest({})
    baseline = _digest({"NPY_DISABLE_CPU_FEATURES": ALL_DISPATCH_TARGETS})
    avx2_only = _digest({"NPY_DISABLE_CPU_FEATURES": AVX512_TARGETS})
    assert len(native) == len(hashlib.sha256().hexdigest())
    assert native == baseline == avx2_only


def test_the_dense_case_selects_by_score():
    """The network of the digest above takes the branch that keeps the best E->E scores."""
    from eiplast.assembly.connectivity import _shared_pattern_counts, generate_connectivity
    from eiplast.assembly.params import ConnectivityParams

    params = ConnectivityParams(n_exc=300, n_inh=75, n_patterns=1000, seed=8)
    net = generate_connectivity(params)
    pairs = len(_shared_pattern_counts(300, net.pattern_indptr, net.pattern_members)[1])
    assert pairs > round(params.p_ee * 300 * 299)
