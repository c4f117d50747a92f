"""``exp`` of an array through the C library, so that the network does not depend on the CPU.

NumPy evaluates float64 ``np.exp`` and ``np.log`` (of arrays and of NumPy scalars) with its own
vector kernels on CPUs with AVX-512F, and with the C library's ``exp``/``log`` on other CPUs; the
two differ by one ulp on a few per cent of the arguments. One ulp in a synaptic weight or in a
decay factor changes the spikes of a chaotic network, so the connectivity and the simulation
constants are computed with the C library alone (Python's ``math``, which numba's kernels call
too): the same values on every x86-64 machine (docs/model.md, "Same results on every CPU").
"""

import math

import numpy as np


def exp(x):
    """e^x of every element of ``x``, as a float64 array of its shape (the C library's ``exp``)."""
    x = np.asarray(x, dtype=np.float64)
    values = map(math.exp, x.ravel().tolist())
    return np.fromiter(values, dtype=np.float64, count=x.size).reshape(x.shape)
