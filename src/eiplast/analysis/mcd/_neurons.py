"""MCD of many neurons at once (one random stream per neuron, keyed by its global index),
in blocks of 16 neurons, serially or in parallel."""

import math

import numpy as np
from numba import njit, prange

from eiplast.analysis.mcd._constants import (
    OUT_COV_XX,
    OUT_COV_XY,
    OUT_COV_YY,
    OUT_LOC_X,
    OUT_LOC_Y,
    OUT_SIZE,
)
from eiplast.analysis.mcd._fastmcd import _mcd2_inplace
from eiplast.engine.rng import stream_word

# ---------------------------------------------------------------------------------------------
# many neurons
# ---------------------------------------------------------------------------------------------

_BLOCK = 16  # neurons transposed at a time (16 float32 = one cache line)


@njit(cache=True)
def _stats_from_out(out, j, mean_e, mean_i, std_e, std_i, pearson_r):
    mean_e[j] = out[OUT_LOC_X]
    mean_i[j] = out[OUT_LOC_Y]
    cxx = out[OUT_COV_XX]
    cyy = out[OUT_COV_YY]
    std_e[j] = math.sqrt(cxx)
    std_i[j] = math.sqrt(cyy)
    if cxx > 0.0 and cyy > 0.0:
        r = out[OUT_COV_XY] / math.sqrt(cxx * cyy)
        pearson_r[j] = min(1.0, max(-1.0, r))
    else:
        pearson_r[j] = np.nan


@njit(cache=True)
def _stats_block(g_e, g_i, j0, base_word, search, mean_e, mean_i, std_e, std_i, pearson_r, status):
    """Neurons ``j0 .. j0 + _BLOCK - 1`` (clipped): transpose into float64 rows, MCD each."""
    n_t = g_e.shape[0]
    j1 = min(j0 + _BLOCK, g_e.shape[1])
    nb = j1 - j0
    bx = np.empty((nb, n_t))
    by = np.empty((nb, n_t))
    for t in range(n_t):
        for b in range(nb):
            bx[b, t] = g_e[t, j0 + b]
            by[b, t] = g_i[t, j0 + b]
    out = np.empty(OUT_SIZE)
    for b in range(nb):
        j = j0 + b
        word = stream_word(base_word, j)
        st, word = _mcd2_inplace(bx[b], by[b], word, out, search)
        status[j] = st
        _stats_from_out(out, j, mean_e, mean_i, std_e, std_i, pearson_r)


@njit(cache=True)
def _stats_serial(g_e, g_i, base_word, search, mean_e, mean_i, std_e, std_i, pearson_r, status):
    n = g_e.shape[1]
    for blk in range((n + _BLOCK - 1) // _BLOCK):
        _stats_block(
            g_e, g_i, blk * _BLOCK, base_word, search, mean_e, mean_i, std_e, std_i,
            pearson_r, status,
        )  # fmt: skip


@njit(cache=True, parallel=True)
def _stats_parallel(g_e, g_i, base_word, search, mean_e, mean_i, std_e, std_i, pearson_r, status):
    n = g_e.shape[1]
    for blk in prange((n + _BLOCK - 1) // _BLOCK):
        _stats_block(
            g_e, g_i, blk * _BLOCK, base_word, search, mean_e, mean_i, std_e, std_i,
            pearson_r, status,
        )  # fmt: skip
