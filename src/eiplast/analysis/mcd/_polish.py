"""The extra search beyond scikit-learn: polishing a candidate by best single exchanges
(one support point for one outside point)."""

import math

import numpy as np
from numba import njit, uint64

from eiplast.analysis.mcd._constants import (
    _BAND_MAX,
    _CXX,
    _CXY,
    _CYY,
    _DET,
    _DT,
    _HOP_SIZE,
    _MAX_POLISH_ROUNDS,
    _MX,
    _MY,
    _N_ITER_POLISH,
    _NSTATE,
    _T,
)
from eiplast.analysis.mcd._csteps import _c_step, _concentrate, _det2
from eiplast.engine.rng import next_uniform

# ---------------------------------------------------------------------------------------------
# polishing by single exchanges
# ---------------------------------------------------------------------------------------------


@njit(cache=True)
def _best_swap(x, y, keys, h, st, out, wk, band):
    """Best single exchange (one support point out, one other point in) for the support of the
    C-step from ``st``; the exchanged subset's estimate goes to ``out``.

    Only points whose distance is within ``delta`` of the h-th smallest are tried: in whitened
    coordinates an exchange of u (out) for v (in) changes the determinant by the factor
    ``1 + (|v|^2 - |u|^2)/h - (|v-u|^2 + (u x v)^2)/h^2 + O(h^-3)``, so it can only help when
    ``|v|^2 - |u|^2 <= (4 t + t^2)/h`` roughly; ``delta`` is three times that, and at most
    ``_BAND_MAX`` points on each side (the closest) are tried. Returns True when the best
    exchange lowers the determinant by more than a relative 1e-12.
    """
    n = x.size
    if h >= n:
        return False
    d = wk[0]
    _c_step(x, y, keys, h, st, out, wk, 0.0)  # out: the support H, its exact moments
    thr = out[_T]
    tp = thr + 1.0
    delta = 3.0 * (4.0 * tp + tp * tp) / h
    # support membership as in _c_step: d < thr, then ties in index order
    n_below = 0
    for i in range(n):
        n_below += d[i] < thr
    need_ties = h - n_below
    n_in = 0
    n_out = 0
    for i in range(n):
        di = d[i]
        inside = di < thr
        if di == thr:
            inside = need_ties > 0
            need_ties -= 1
        if di < thr - delta or di > thr + delta:
            continue
        if inside:
            band[0, n_in] = i
            n_in += 1
        else:
            band[1, n_out] = i
            n_out += 1
    if n_in == 0 or n_out == 0:
        return False
    if n_in > _BAND_MAX:
        n_in = _closest_to(d, thr, band[0], np.int64(n_in), _BAND_MAX, wk[1])
    if n_out > _BAND_MAX:
        n_out = _closest_to(d, thr, band[1], np.int64(n_out), _BAND_MAX, wk[1])
    mx = out[_MX]
    my = out[_MY]
    sxx = out[_CXX] * h
    sxy = out[_CXY] * h
    syy = out[_CYY] * h
    best = out[_DET] * (1.0 - 1e-12)
    bi = -1
    bj = -1
    inv = 1.0 / h
    for a in range(n_in):
        i = band[0, a]
        ux = x[i] - mx
        uy = y[i] - my
        for b in range(n_out):
            j = band[1, b]
            vx = x[j] - mx
            vy = y[j] - my
            ex = (vx - ux) * inv
            ey = (vy - uy) * inv
            cxx = (sxx - ux * ux + vx * vx) * inv - ex * ex
            cyy = (syy - uy * uy + vy * vy) * inv - ey * ey
            cxy = (sxy - ux * uy + vx * vy) * inv - ex * ey
            det = cxx * cyy - cxy * cxy
            if det < best:
                best = det
                bi = i
                bj = j
    if bi < 0:
        return False
    ux = x[bi] - mx
    uy = y[bi] - my
    vx = x[bj] - mx
    vy = y[bj] - my
    ex = (vx - ux) * inv
    ey = (vy - uy) * inv
    cxx = max((sxx - ux * ux + vx * vx) * inv - ex * ex, 0.0)
    cyy = max((syy - uy * uy + vy * vy) * inv - ey * ey, 0.0)
    cxy = (sxy - ux * uy + vx * vy) * inv - ex * ey
    out[_MX] = mx + ex
    out[_MY] = my + ey
    out[_CXX] = cxx
    out[_CXY] = cxy
    out[_CYY] = cyy
    out[_DET] = _det2(cxx, cxy, cyy)
    return out[_DET] > 0.0


@njit(cache=True)
def _closest_to(d, thr, idx, n_idx, n_keep, scratch):
    """Keep in ``idx[:n_keep]`` the ``n_keep`` of ``idx[:n_idx]`` with ``d`` closest to ``thr``."""
    for a in range(n_idx):
        scratch[a] = abs(d[idx[a]] - thr)
    order = np.argsort(scratch[:n_idx], kind="mergesort")[:n_keep]
    kept = idx[order].copy()
    idx[:n_keep] = kept
    return n_keep


@njit(cache=True)
def _polish(x, y, keys, h, st, wk):
    """Alternate C-steps to convergence and best single exchanges until neither lowers the
    determinant; ``st`` is improved in place. Returns the number of C-steps and exchanges."""
    prev = np.empty(_NSTATE)
    trial = np.empty(_NSTATE)
    band = np.empty((2, x.size), dtype=np.int64)
    n_steps = 0
    for _ in range(_MAX_POLISH_ROUNDS):
        it, _ = _concentrate(x, y, keys, h, st, uint64(0), prev, _N_ITER_POLISH, wk)
        n_steps += it
        if st[_DET] <= 0.0:
            break
        if not _best_swap(x, y, keys, h, st, trial, wk, band):
            break
        n_steps += 1
        if not trial[_DET] < st[_DET]:
            break
        st[:] = trial
    return n_steps


@njit(cache=True)
def _perturb(st, h, word, out):
    """A random estimate near ``st``: location moved by about ``_HOP_SIZE`` standard errors
    (covariance / h) and the covariance's square root multiplied by ``I + B`` with entries of
    ``B`` of about ``_HOP_SIZE / sqrt(h)`` (uniform draws). Returns the rng word."""
    l11 = math.sqrt(st[_CXX])
    l21 = st[_CXY] / l11
    l22 = math.sqrt(max(st[_CYY] - l21 * l21, 0.0))
    s = _HOP_SIZE * math.sqrt(3.0 / h)  # uniform on [-1, 1] has variance 1/3
    u = np.empty(6)
    for i in range(6):
        r, word = next_uniform(word)
        u[i] = s * (2.0 * r - 1.0)
    out[_MX] = st[_MX] + l11 * u[0]
    out[_MY] = st[_MY] + l21 * u[0] + l22 * u[1]
    # rows of L (I + B), L the Cholesky factor of the covariance
    m11 = l11 * (1.0 + u[2])
    m12 = l11 * u[3]
    m21 = l21 * (1.0 + u[2]) + l22 * u[4]
    m22 = l21 * u[3] + l22 * (1.0 + u[5])
    out[_CXX] = m11 * m11 + m12 * m12
    out[_CXY] = m11 * m21 + m12 * m22
    out[_CYY] = m21 * m21 + m22 * m22
    out[_DET] = _det2(out[_CXX], out[_CXY], out[_CYY])
    out[_T] = st[_T]  # the h-th distance changes by about the hop size: a usable guess
    out[_DT] = _HOP_SIZE * math.sqrt(3.0 / h)
    return word


@njit(cache=True)
def _hops(x, y, keys, h, best, n_hops, word, wk):
    """Basin hopping: ``n_hops`` times, polish a random perturbation of ``best`` and keep it if
    its determinant is lower. Returns (rng word, C-steps)."""
    trial = np.empty(_NSTATE)
    cur = np.empty(_NSTATE)
    n_steps = 0
    for _ in range(n_hops):
        if not best[_DET] > 0.0:
            break
        word = _perturb(best, h, word, trial)
        _c_step(x, y, keys, h, trial, cur, wk, 0.0)
        n_steps += 1 + _polish(x, y, keys, h, cur, wk)
        if cur[_DET] < best[_DET] * (1.0 - 1e-12):
            best[:] = cur
    return word, n_steps
