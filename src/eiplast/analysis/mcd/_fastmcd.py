"""FastMCD on one pair of series (``mcd2``): candidate search (random and elemental
starts, merged subsets), polishing and basin hops, consistency correction and reweighting."""

import math

import numpy as np
from numba import njit

from eiplast.analysis.mcd._constants import (
    _CXX,
    _CXY,
    _CYY,
    _DET,
    _LINE_RTOL,
    _MX,
    _MY,
    _N_BEST_MERGED,
    _N_BEST_SUB,
    _N_ITER_FULL,
    _N_ITER_START,
    _N_MERGED_MAX,
    _N_TRIALS_SMALL,
    _N_TRIALS_TOTAL,
    _NSTATE,
    _SUBSET_SIZE,
    CHI2_2_ISF_0025,
    MIN_SAMPLES,
    OUT_COV_XX,
    OUT_COV_XY,
    OUT_COV_YY,
    OUT_EXACT_FIT,
    OUT_H,
    OUT_LOC_X,
    OUT_LOC_Y,
    OUT_N_CSTEPS,
    OUT_N_REWEIGHTED,
    OUT_RAW_COV_XX,
    OUT_RAW_COV_XY,
    OUT_RAW_COV_YY,
    OUT_RAW_DET,
    OUT_RAW_LOC_X,
    OUT_RAW_LOC_Y,
    STATUS_NONFINITE,
    STATUS_OK,
    STATUS_TOO_FEW,
    P,
)
from eiplast.analysis.mcd._csteps import (
    _copy_best,
    _copy_best_distinct,
    _elemental_starts,
    _kth_smallest,
    _new_work,
    _pinv2,
    _position_keys,
    _random_starts,
    _refine,
    _shuffle_range,
    consistency_factor,
)
from eiplast.analysis.mcd._polish import _hops, _polish

# ---------------------------------------------------------------------------------------------
# FastMCD driver, correction and reweighting
# ---------------------------------------------------------------------------------------------


@njit(cache=True)
def support_size(n):
    """h = min(ceil((n + p + 1) / 2), n) for p = 2 (scikit-learn's default support)."""
    return min(int(math.ceil(0.5 * (n + P + 1))), n)


@njit(cache=True)
def _gather(x, y, idx, xs, ys):
    for t in range(xs.size):
        xs[t] = x[idx[t]]
        ys[t] = y[idx[t]]


@njit(cache=True)
def _elemental_candidates(x, y, keys, h, n_elem, n_keep, word, out, wk, prev):
    """The ``n_keep`` best of ``n_elem`` elemental starts (two C-steps each) into ``out``.

    Returns (word, C-steps)."""
    trials = np.empty((n_elem, _NSTATE))
    word, n_steps = _elemental_starts(
        x, y, keys, h, n_elem, _N_ITER_START, word, trials, np.arange(x.size), wk, prev
    )
    _copy_best(trials, n_elem, out)
    return word, n_steps


@njit(cache=True)
def _fast_mcd_raw(x, y, word, raw, n_elem, n_elem_keep, n_polish, n_hops):
    """Raw MCD estimate (location, covariance, det) of ``x, y`` into ``raw``.

    Beyond scikit-learn's search: ``n_elem`` elemental starts on the merged set (all data for
    n <= 500), of which the ``n_elem_keep`` best join the candidates concentrated to the end;
    the ``n_polish`` best distinct final candidates are polished (C-steps and single
    exchanges); ``n_hops`` basin-hopping trials from the best. All zero: scikit-learn's search.
    Returns (advanced rng word, number of C-steps).
    """
    n = x.size
    h = support_size(n)
    keys = _position_keys(n)
    wk = _new_work(n)
    prev = np.empty(_NSTATE)
    n_steps = 0
    n_elem_keep = min(n_elem_keep, n_elem)
    n_final_max = max(n_polish, 1)
    if n > 500:
        # 1. candidates from random subsets of ~300 points: the 10 best of
        # max(10, 500 // n_subsets) random h-subsets with two C-steps each
        n_subsets = n // _SUBSET_SIZE
        n_sub = n // n_subsets
        h_sub = int(math.ceil(n_sub * (h / n)))
        n_trials = max(_N_BEST_SUB, _N_TRIALS_TOTAL // n_subsets)
        n_sk = n_subsets * _N_BEST_SUB
        perm = np.arange(n)
        word = _shuffle_range(perm, np.int64(0), n, word)
        cands = np.empty((n_sk + n_elem_keep, _NSTATE))
        xs = np.empty(n_sub)
        ys = np.empty(n_sub)
        keys_sub = keys[:n_sub].copy()
        wk_sub = _new_work(n_sub)
        sub_perm = np.arange(n_sub)
        trials = np.empty((n_trials, _NSTATE))
        for i in range(n_subsets):
            _gather(x, y, perm[i * n_sub : (i + 1) * n_sub], xs, ys)
            word, s = _random_starts(
                xs, ys, keys_sub, h_sub, n_trials, _N_ITER_START, word, trials, sub_perm,
                wk_sub, prev,
            )  # fmt: skip
            n_steps += s
            _copy_best(trials, n_trials, cands[i * _N_BEST_SUB : (i + 1) * _N_BEST_SUB])
        # 2. concentrate all candidates on a random merged set of up to 1500 points
        n_merged = min(_N_MERGED_MAX, n)
        h_merged = int(math.ceil(n_merged * (h / n)))
        word = _shuffle_range(perm, np.int64(0), n_merged, word)
        xm = np.empty(n_merged)
        ym = np.empty(n_merged)
        _gather(x, y, perm[:n_merged], xm, ym)
        keys_m = keys[:n_merged].copy()
        wk_m = _new_work(n_merged)
        if n_elem_keep > 0:
            word, s = _elemental_candidates(
                xm, ym, keys_m, h_merged, n_elem, n_elem_keep, word, cands[n_sk:], wk_m, prev
            )
            n_steps += s
        res = np.empty((cands.shape[0], _NSTATE))
        res_hash = np.empty(cands.shape[0], dtype=np.uint64)
        n_steps += _refine(xm, ym, keys_m, h_merged, cands, _N_ITER_FULL, res, res_hash, wk_m)
        if n >= _N_MERGED_MAX:
            # 3. concentrate the best distinct merged candidates on all data
            best = np.empty((_N_BEST_MERGED, _NSTATE))
            n_best = _copy_best_distinct(res, res_hash, _N_BEST_MERGED, best)
            res = np.empty((n_best, _NSTATE))
            res_hash = np.empty(n_best, dtype=np.uint64)
            n_steps += _refine(x, y, keys, h, best[:n_best], _N_ITER_FULL, res, res_hash, wk)
    else:
        # small data: the 10 best of 30 random h-subsets with two C-steps each, concentrated
        # on all data
        cands = np.empty((_N_BEST_SUB + n_elem_keep, _NSTATE))
        trials = np.empty((_N_TRIALS_SMALL, _NSTATE))
        word, s = _random_starts(
            x, y, keys, h, _N_TRIALS_SMALL, _N_ITER_START, word, trials, np.arange(n), wk, prev
        )
        n_steps += s
        _copy_best(trials, _N_TRIALS_SMALL, cands[:_N_BEST_SUB])
        if n_elem_keep > 0:
            word, s = _elemental_candidates(
                x, y, keys, h, n_elem, n_elem_keep, word, cands[_N_BEST_SUB:], wk, prev
            )
            n_steps += s
        res = np.empty((cands.shape[0], _NSTATE))
        res_hash = np.empty(cands.shape[0], dtype=np.uint64)
        n_steps += _refine(x, y, keys, h, cands, _N_ITER_FULL, res, res_hash, wk)
    final = np.empty((n_final_max, _NSTATE))
    n_final = _copy_best_distinct(res, res_hash, n_final_max, final)
    # 4. polish the best distinct candidates by C-steps and single exchanges
    if n_polish > 0:
        for c in range(n_final):
            n_steps += _polish(x, y, keys, h, final[c], wk)
    best_c = 0
    for c in range(1, n_final):
        if final[c, _DET] < final[best_c, _DET]:
            best_c = c
    raw[:] = final[best_c]
    # 5. basin hopping around the best
    if n_hops > 0:
        word, s = _hops(x, y, keys, h, raw, n_hops, word, wk)
        n_steps += s
    return word, n_steps


@njit(cache=True)
def consistency_factor_1d(alpha):
    """scikit-learn's ``_consistency_factor`` for p = 1: ``alpha / chi2(3).cdf(q)`` with
    ``q = chi2(1).ppf(alpha)`` (q by bisection on ``erf(sqrt(q / 2)) = alpha``)."""
    if alpha >= 1.0:
        return 1.0
    lo = 0.0
    hi = 1.0
    while math.erf(math.sqrt(hi / 2.0)) < alpha:
        hi *= 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if math.erf(math.sqrt(mid / 2.0)) < alpha:
            lo = mid
        else:
            hi = mid
    q = 0.5 * (lo + hi)
    cdf3 = math.erf(math.sqrt(q / 2.0)) - math.sqrt(2.0 * q / math.pi) * math.exp(-q / 2.0)
    return alpha / cdf3


@njit(cache=True)
def _exact_fit_on_line(x, y, h, raw, scratch):
    """Raw estimate with singular covariance (at least h points on one line, h > n/2, so the
    line is unique): among the h-subsets on that line (all of determinant 0) take the one of
    least variance along it (the exact univariate MCD: h consecutive points in sorted order).
    Updates ``raw`` in place; a point fit (zero covariance) is left as it is."""
    cxx = raw[_CXX]
    cxy = raw[_CXY]
    cyy = raw[_CYY]
    if cxx + cyy <= 0.0:
        return
    # unit direction of the (rank-one) covariance, and its normal
    if cxx >= cyy:
        vx = cxx
        vy = cxy
    else:
        vx = cxy
        vy = cyy
    norm = math.sqrt(vx * vx + vy * vy)
    vx /= norm
    vy /= norm
    tol = _LINE_RTOL * math.sqrt(cxx + cyy)
    mx = raw[_MX]
    my = raw[_MY]
    k = 0
    for i in range(x.size):
        dx = x[i] - mx
        dy = y[i] - my
        if abs(dx * vy - dy * vx) <= tol:
            scratch[k] = dx * vx + dy * vy
            k += 1
    if k < h:
        return
    s = np.sort(scratch[:k])
    best = np.inf
    best_start = 0
    s1 = 0.0
    s2 = 0.0
    for i in range(h):
        s1 += s[i]
        s2 += s[i] * s[i]
    for start in range(k - h + 1):
        if start > 0:
            a = s[start - 1]
            b = s[start + h - 1]
            s1 += b - a
            s2 += b * b - a * a
        var = s2 / h - (s1 / h) ** 2
        if var < best:
            best = var
            best_start = start
    # the chosen window, recomputed in two passes
    m = 0.0
    for i in range(best_start, best_start + h):
        m += s[i]
    m /= h
    var = 0.0
    for i in range(best_start, best_start + h):
        var += (s[i] - m) ** 2
    var /= h
    raw[_MX] = mx + m * vx
    raw[_MY] = my + m * vy
    raw[_CXX] = var * vx * vx
    raw[_CXY] = var * vx * vy
    raw[_CYY] = var * vy * vy
    raw[_DET] = 0.0


@njit(cache=True)
def _reweight(x, y, h, raw, out):
    """Consistency correction and reweighting (scikit-learn's ``correct_covariance`` and
    ``reweight_covariance``) of raw estimate ``raw``; final estimate into ``out[0:5]``.

    Returns the number of points in the reweighted support. In an exact-fit situation (raw
    covariance singular: at least h points on one line or one point) Mahalanobis distances are
    undefined: then the raw location and the raw covariance times the p = 1 consistency factor
    ``c_1(h/n)`` (the data are one-dimensional there) are returned, without reweighting, and
    the support is the h raw points.
    """
    n = x.size
    if raw[_DET] <= 0.0:
        c_line = consistency_factor_1d(h / n)
        out[OUT_LOC_X] = raw[_MX]
        out[OUT_LOC_Y] = raw[_MY]
        out[OUT_COV_XX] = raw[_CXX] * c_line
        out[OUT_COV_XY] = raw[_CXY] * c_line
        out[OUT_COV_YY] = raw[_CYY] * c_line
        return h
    c_raw = consistency_factor(h / n)
    pxx, pxy, pyy = _pinv2(raw[_CXX], raw[_CXY], raw[_CYY])
    mx = raw[_MX]
    my = raw[_MY]
    cnt = 0
    sx = 0.0
    sy = 0.0
    for i in range(n):
        dx = x[i] - mx
        dy = y[i] - my
        dist = (pxx * dx * dx + 2.0 * pxy * dx * dy + pyy * dy * dy) / c_raw
        if dist < CHI2_2_ISF_0025:
            cnt += 1
            sx += x[i]
            sy += y[i]
    lx = sx / cnt
    ly = sy / cnt
    sxx = 0.0
    sxy = 0.0
    syy = 0.0
    for i in range(n):
        dx = x[i] - mx
        dy = y[i] - my
        dist = (pxx * dx * dx + 2.0 * pxy * dx * dy + pyy * dy * dy) / c_raw
        if dist < CHI2_2_ISF_0025:
            ex = x[i] - lx
            ey = y[i] - ly
            sxx += ex * ex
            sxy += ex * ey
            syy += ey * ey
    c_rew = consistency_factor(1.0 - 0.025)
    out[OUT_LOC_X] = lx
    out[OUT_LOC_Y] = ly
    out[OUT_COV_XX] = sxx / cnt * c_rew
    out[OUT_COV_XY] = sxy / cnt * c_rew
    out[OUT_COV_YY] = syy / cnt * c_rew
    return cnt


@njit(cache=True)
def _all_finite(x, y):
    for i in range(x.size):
        if not (math.isfinite(x[i]) and math.isfinite(y[i])):
            return False
    return True


@njit(cache=True)
def _median_shift(v, scratch):
    """Subtract (an upper) median from ``v`` in place; return it."""
    scratch[:] = v
    med = _kth_smallest(scratch, v.size // 2, np.empty(v.size))
    for i in range(v.size):
        v[i] -= med
    return med


@njit(cache=True)
def _mcd2_inplace(x, y, word, out, search):
    """MCD of the points (x[i], y[i]); ``x`` and ``y`` (float64, contiguous) are overwritten.

    Returns (status, advanced rng word). ``out`` (length ``OUT_SIZE``) gets the results;
    ``search`` as in ``mcd2``.
    """
    n = x.size
    out[:] = np.nan
    if n < MIN_SAMPLES:
        return STATUS_TOO_FEW, word
    if not _all_finite(x, y):
        return STATUS_NONFINITE, word
    scratch = np.empty(n)
    ox = _median_shift(x, scratch)
    oy = _median_shift(y, scratch)
    raw = np.empty(_NSTATE)
    word, n_steps = _fast_mcd_raw(x, y, word, raw, search[0], search[1], search[2], search[3])
    if raw[_DET] <= 0.0:
        _exact_fit_on_line(x, y, support_size(n), raw, scratch)
    h = support_size(n)
    n_rew = _reweight(x, y, h, raw, out)
    out[OUT_LOC_X] += ox
    out[OUT_LOC_Y] += oy
    out[OUT_RAW_LOC_X] = raw[_MX] + ox
    out[OUT_RAW_LOC_Y] = raw[_MY] + oy
    out[OUT_RAW_COV_XX] = raw[_CXX]
    out[OUT_RAW_COV_XY] = raw[_CXY]
    out[OUT_RAW_COV_YY] = raw[_CYY]
    out[OUT_RAW_DET] = raw[_DET]
    out[OUT_H] = h
    out[OUT_N_REWEIGHTED] = n_rew
    out[OUT_N_CSTEPS] = n_steps
    out[OUT_EXACT_FIT] = 1.0 if raw[_DET] <= 0.0 else 0.0
    return STATUS_OK, word


@njit(cache=True)
def mcd2(x, y, state, out, search):
    """Bivariate MCD of the points ``(x[i], y[i])`` (numba kernel; plain arrays in and out).

    ``state``: uint64 array whose element 0 is the SplitMix64 word (``eiplast.engine.rng``); it is
    advanced in place. ``out``: float64 array of length ``OUT_SIZE`` (layout ``OUT_*``).
    ``search``: int64 array (elemental starts, how many of them are kept, final candidates
    polished, basin hops), see ``search_config`` and ``_fast_mcd_raw``.
    Returns a status code (``STATUS_OK``, ``STATUS_NONFINITE``, ``STATUS_TOO_FEW``).
    """
    xx = np.empty(x.size)
    yy = np.empty(y.size)
    for i in range(x.size):
        xx[i] = x[i]
        yy[i] = y[i]
    status, word = _mcd2_inplace(xx, yy, state[0], out, search)
    state[0] = word
    return status
