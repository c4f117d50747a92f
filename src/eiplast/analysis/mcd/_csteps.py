"""The estimator's building blocks: closed forms for 2×2 covariances, selection of the h
smallest distances, random subsets, moments, concentration steps (C-steps) and the merging of
trajectories that reach the same support."""

import math

import numpy as np
from numba import njit, uint64

from eiplast.analysis.mcd._constants import (
    _BRACKET_EPS_MAX,
    _CXX,
    _CXY,
    _CYY,
    _DET,
    _DT,
    _MAX_RETRIES,
    _MX,
    _MY,
    _NSTATE,
    _SAMPLE,
    _SAMPLE_MIN,
    _SINGULAR_RTOL,
    _T,
    P,
)
from eiplast.engine.rng import integer_key, mix64, next_index

# ---------------------------------------------------------------------------------------------
# small closed forms
# ---------------------------------------------------------------------------------------------


@njit(cache=True)
def consistency_factor(alpha):
    """``alpha / chi2(4).cdf(chi2(2).ppf(alpha))``: scikit-learn's ``_consistency_factor``, p=2."""
    if alpha >= 1.0:
        return 1.0
    rest = 1.0 - alpha
    half_q = -math.log(rest)  # chi2(2).ppf(alpha) / 2
    return alpha / (1.0 - rest * (1.0 + half_q))


@njit(cache=True)
def _det2(cxx, cxy, cyy):
    """Determinant of a 2x2 covariance, 0 when it is singular to relative precision."""
    if cxx <= 0.0 or cyy <= 0.0:
        return 0.0
    det = cxx * cyy - cxy * cxy
    if det <= _SINGULAR_RTOL * cxx * cyy:
        return 0.0
    return det


@njit(cache=True)
def _pinv2(cxx, cxy, cyy):
    """Pseudo-inverse of a symmetric PSD 2x2 matrix (like scipy's ``pinvh``), as (xx, xy, yy)."""
    det = _det2(cxx, cxy, cyy)
    if det > 0.0:
        return cyy / det, -cxy / det, cxx / det
    trace = max(cxx, 0.0) + max(cyy, 0.0)
    if trace <= 0.0:
        return 0.0, 0.0, 0.0
    # rank one: C = t v v^T with t = trace, so pinv(C) = v v^T / t = C / t^2
    scale = 1.0 / (trace * trace)
    return cxx * scale, cxy * scale, cyy * scale


# ---------------------------------------------------------------------------------------------
# selection and random subsets
# ---------------------------------------------------------------------------------------------


@njit(cache=True)
def _kth_small(a, k):
    """k-th smallest (0-based) of a short array by insertion sort (reorders ``a``)."""
    for i in range(1, a.size):
        v = a[i]
        j = i - 1
        while j >= 0 and a[j] > v:
            a[j + 1] = a[j]
            j -= 1
        a[j + 1] = v
    return a[k]


@njit(cache=True)
def _split_less(src, dst, pivot):
    """Branch-free partition of ``src`` into ``dst``: the values ``< pivot`` to the front (in
    the order met), the others behind them. Returns how many are in front."""
    lo = 0
    hi = src.size - 1
    for i in range(src.size):
        v = src[i]
        dst[lo] = v
        dst[hi] = v
        front = v < pivot
        lo += front
        hi -= 1 - front
    return lo


@njit(cache=True)
def _split_equal(src, dst, pivot):
    """As ``_split_less`` with the values ``== pivot`` in front."""
    lo = 0
    hi = src.size - 1
    for i in range(src.size):
        v = src[i]
        dst[lo] = v
        dst[hi] = v
        front = v == pivot
        lo += front
        hi -= 1 - front
    return lo


@njit(cache=True)
def _kth_smallest(a, k, buf):
    """k-th smallest (0-based) value of ``a`` by quickselect with branch-free partitions
    (median-of-three pivots) between ``a`` and ``buf`` (same size); both are overwritten."""
    src = a
    dst = buf
    while src.size > 16:
        n = src.size
        p0 = src[0]
        p1 = src[n >> 1]
        p2 = src[n - 1]
        pivot = max(min(p0, p1), min(max(p0, p1), p2))
        n_less = _split_less(src, dst, pivot)
        if k < n_less:
            src, dst = dst[:n_less], src[:n_less]
            continue
        if n_less == 0:  # pivot is the minimum: separate the values equal to it
            n_equal = _split_equal(dst, src, pivot)
            if k < n_equal:
                return pivot
            k -= n_equal
            src, dst = src[n_equal:], dst[n_equal:]
            continue
        k -= n_less
        src, dst = dst[n_less:], src[n_less:]
    return _kth_small(src, k)


@njit(cache=True)
def _shuffle_range(perm, start, stop, word):
    """Fisher-Yates steps ``start .. stop-1``: ``perm[:stop]`` becomes a uniform random subset
    (in random order) when ``perm[:start]`` was one."""
    m = perm.size
    for i in range(start, min(stop, m - 1)):
        j, word = next_index(word, m - i)
        j += i
        tmp = perm[i]
        perm[i] = perm[j]
        perm[j] = tmp
    return word


@njit(cache=True)
def _position_keys(n):
    """Fixed random 64-bit key per position; the hash of a subset is the sum of its keys."""
    keys = np.empty(n, dtype=np.uint64)
    for i in range(n):
        keys[i] = integer_key(i)
    return keys


# ---------------------------------------------------------------------------------------------
# moments and C-steps
# ---------------------------------------------------------------------------------------------


@njit(cache=True)
def _store_moments(st, h, sx, sy, sxx, sxy, syy):
    inv = 1.0 / h
    mx = sx * inv
    my = sy * inv
    cxx = max(sxx * inv - mx * mx, 0.0)
    cyy = max(syy * inv - my * my, 0.0)
    cxy = sxy * inv - mx * my
    st[_MX] = mx
    st[_MY] = my
    st[_CXX] = cxx
    st[_CXY] = cxy
    st[_CYY] = cyy
    st[_DET] = _det2(cxx, cxy, cyy)
    st[_T] = np.nan
    st[_DT] = np.nan


@njit(cache=True)
def _moments_of_indices(x, y, idx, k, st):
    """Location, biased covariance and determinant of the points ``idx[:k]`` into ``st``."""
    sx = 0.0
    sy = 0.0
    sxx = 0.0
    sxy = 0.0
    syy = 0.0
    for t in range(k):
        i = idx[t]
        xi = x[i]
        yi = y[i]
        sx += xi
        sy += yi
        sxx += xi * xi
        sxy += xi * yi
        syy += yi * yi
    _store_moments(st, k, sx, sy, sxx, sxy, syy)


@njit(cache=True)
def _sq_distances(x, y, st, d, lo, hi):
    """Squared Mahalanobis distances of all points from estimate ``st`` into ``d``.

    Returns how many are below ``lo`` and how many within ``[lo, hi]``.
    """
    pxx, pxy, pyy = _pinv2(st[_CXX], st[_CXY], st[_CYY])
    mx = st[_MX]
    my = st[_MY]
    below = 0
    inband = 0
    for i in range(x.size):
        dx = x[i] - mx
        dy = y[i] - my
        v = pxx * dx * dx + 2.0 * pxy * dx * dy + pyy * dy * dy
        d[i] = v
        below += v < lo
        inband += (v >= lo) & (v <= hi)
    return below, inband


@njit(cache=True)
def _new_work(m):
    """Scratch of C-steps on m points: distances, selection copy, band values and indices,
    selection buffer."""
    return (
        np.empty(m),
        np.empty(m + 1),
        np.empty(m + 1),
        np.empty(m + 1, dtype=np.int64),
        np.empty(m + 1),
    )


@njit(cache=True)
def _count_below(d, lo):
    below = 0
    for i in range(d.size):
        below += d[i] < lo
    return below


@njit(cache=True)
def _collect(d, lo, hi, band_v, band_i, expected):
    """Values and indices (in index order) of the points with ``lo <= d <= hi``; how many.

    ``expected``: how many there are (about). A few (under 1 %): a loop whose rare branch is
    well predicted; more: branch-free compaction (``band_v``, ``band_i`` need ``d.size + 1``
    places).
    """
    nb = 0
    if 100 * expected < d.size:
        for i in range(d.size):
            v = d[i]
            if v >= lo and v <= hi:
                band_v[nb] = v
                band_i[nb] = i
                nb += 1
        return nb
    for i in range(d.size):
        v = d[i]
        band_v[nb] = v
        band_i[nb] = i
        nb += (v >= lo) & (v <= hi)
    return nb


@njit(cache=True)
def _count_bracket(d, lo, hi):
    """Numbers of values below ``lo`` and within ``[lo, hi]`` (branch-free, vectorised)."""
    below = 0
    inband = 0
    for i in range(d.size):
        v = d[i]
        below += v < lo
        inband += (v >= lo) & (v <= hi)
    return below, inband


@njit(cache=True)
def _sample_bracket(d, k, scratch):
    """A bracket [lo, hi] likely to hold the k-th smallest of ``d``, from the order statistics
    of a strided sample of ``_SAMPLE`` values (about two standard errors either side)."""
    n = d.size
    for j in range(_SAMPLE):
        scratch[j] = d[(j * n) // _SAMPLE]
    sample = np.sort(scratch[:_SAMPLE])
    q = (k + 0.5) / n
    r = q * _SAMPLE
    half = 2.0 * math.sqrt(_SAMPLE * q * (1.0 - q)) + 1.0
    return sample[max(int(r - half), 0)], sample[min(int(r + half), _SAMPLE - 1)]


@njit(cache=True)
def _select_support(d, k, lo, hi, below, inband, wk):
    """Locate the k+1 smallest values of ``d``: returns (lo, thr, below, nb) where ``thr`` is
    the k-th smallest (0-based), the ``below`` points with ``d < lo`` are all among them, and
    ``wk[2][:nb]``, ``wk[3][:nb]`` hold value and index of every point with ``lo <= d <= thr``
    (and possibly more), in index order.

    ``below`` and ``inband`` count the points under and within a guessed bracket
    ``[lo, hi]`` (``lo < 0``: no guess). When the k-th value falls in it, only the few
    bracketed values are searched; otherwise the bracket is moved a few times (one counting
    pass each) before a quickselect on a full copy.
    """
    _, scratch, band_v, band_i, buf = wk
    n = d.size
    if lo < 0.0 and n > _SAMPLE_MIN:
        lo, hi = _sample_bracket(d, k, scratch)
        below, inband = _count_bracket(d, lo, hi)
    if lo >= 0.0:
        for _ in range(_MAX_RETRIES):
            kk = k - below
            if kk >= 0 and kk < inband:
                nb = _collect(d, lo, hi, band_v, band_i, inband)
                scratch[:nb] = band_v[:nb]
                return lo, _kth_smallest(scratch[:nb], kk, buf[:nb]), below, nb
            width = max(hi - lo, 1e-3 * hi)
            if kk < 0:
                hi = lo
                lo = max(lo - 2.0 * width, 0.0)
            else:
                lo = hi
                hi = hi + 2.0 * width
            below, inband = _count_bracket(d, lo, hi)
    scratch[:n] = d
    thr = _kth_smallest(scratch[:n], k, buf[:n])
    return thr, thr, _count_below(d, thr), _collect(d, thr, thr, band_v, band_i, np.int64(1))


@njit(cache=True, fastmath={"reassoc"})
def _masked_sums(x, y, keys, d, lo):
    """Sums of x, y, x^2, xy, y^2 and of ``keys`` over the points with ``d < lo`` (branch-free,
    vectorised: reassociation only reorders these sums)."""
    sx = 0.0
    sy = 0.0
    sxx = 0.0
    sxy = 0.0
    syy = 0.0
    hsh = uint64(0)
    for i in range(x.size):
        inside = d[i] < lo
        w = 1.0 if inside else 0.0
        xi = x[i]
        yi = y[i]
        wx = w * xi
        wy = w * yi
        sx += wx
        sy += wy
        sxx += wx * xi
        sxy += wx * yi
        syy += wy * yi
        hsh += keys[i] * uint64(inside)
    return sx, sy, sxx, sxy, syy, hsh


@njit(cache=True)
def _c_step(x, y, keys, h, src, dst, wk, eps):
    """One concentration step: the h points closest to estimate ``src`` give ``dst``.

    The support is every point with distance below the h-th smallest, ``thr``, plus as many
    points tied at ``thr`` as needed, in index order. ``src[_T]`` (if finite) guesses ``thr``
    to within a relative ``eps`` (0: adaptive, from ``src[_DT]``); a wrong guess only costs
    time. Returns the support's hash (the sum of its ``keys``).
    """
    d, _, band_v, band_i, _ = wk
    guess = src[_T]
    lo = -1.0
    hi = -1.0
    if guess > 0.0 and guess < np.inf:
        if eps <= 0.0:  # adaptive: from the last relative change of thr
            dt = src[_DT]
            eps = min(1.5 * dt + 0.005, _BRACKET_EPS_MAX) if dt >= 0.0 else _BRACKET_EPS_MAX
        lo = guess * (1.0 - eps)
        hi = guess * (1.0 + eps)
    below, inband = _sq_distances(x, y, src, d, lo, hi)
    lo, thr, below, nb = _select_support(d, h - 1, lo, hi, below, inband, wk)
    sx, sy, sxx, sxy, syy, hsh = _masked_sums(x, y, keys, d, lo)
    need = h - below
    for b in range(nb):
        if band_v[b] < thr:
            i = band_i[b]
            sx += x[i]
            sy += y[i]
            sxx += x[i] * x[i]
            sxy += x[i] * y[i]
            syy += y[i] * y[i]
            hsh += keys[i]
            need -= 1
    for b in range(nb):
        if need <= 0:
            break
        if band_v[b] == thr:
            i = band_i[b]
            sx += x[i]
            sy += y[i]
            sxx += x[i] * x[i]
            sxy += x[i] * y[i]
            syy += y[i] * y[i]
            hsh += keys[i]
            need -= 1
    _store_moments(dst, h, sx, sy, sxx, sxy, syy)
    dst[_T] = thr
    dst[_DT] = abs(thr / guess - 1.0) if guess > 0.0 and guess < np.inf else np.nan
    return hsh


@njit(cache=True)
def _concentrate(x, y, keys, h, cur, cur_hash, prev, n_iter, wk):
    """C-steps from ``cur`` (support hash ``cur_hash``, 0 if unknown) until the determinant
    stops decreasing, the support repeats, or ``n_iter`` steps.

    ``cur`` ends as the better of the last two estimates (scikit-learn's ``_c_step`` keeps
    the last one when the iteration cap is reached). Returns (C-steps, hash of ``cur``).
    """
    prev_det = np.inf
    prev_hash = cur_hash
    it = 0
    while cur[_DET] < prev_det and it < n_iter and cur[_DET] > 0.0:
        prev[:] = cur
        prev_det = cur[_DET]
        prev_hash = cur_hash
        cur_hash = _c_step(x, y, keys, h, prev, cur, wk, 0.0)
        it += 1
        if cur_hash == prev_hash:
            break  # same support again (the determinants differ by rounding at most)
    if cur[_DET] > prev_det:
        cur[:] = prev
        cur_hash = prev_hash
    return it, cur_hash


@njit(cache=True)
def _random_starts(x, y, keys, h, n_trials, n_iter, word, res, perm, wk, prev):
    """scikit-learn's starts: random h-subsets, then ``n_iter`` C-steps; into ``res[:n_trials]``.

    Returns (rng word, number of C-steps).
    """
    n_steps = 0
    for t in range(n_trials):
        word = _shuffle_range(perm, np.int64(0), h, word)
        _moments_of_indices(x, y, perm, h, res[t])
        it, _ = _concentrate(x, y, keys, h, res[t], uint64(0), prev, n_iter, wk)
        n_steps += it
    return word, n_steps


@njit(cache=True)
def _elemental_starts(x, y, keys, h, n_trials, n_iter, word, res, perm, wk, prev):
    """Rousseeuw & Van Driessen's starts: random (p+1)-subsets (grown by random points while
    singular), one C-step to an h-subset, then ``n_iter`` more; into ``res[:n_trials]``.

    Returns (rng word, number of C-steps).
    """
    m = x.size
    n_steps = 0
    for t in range(n_trials):
        k = P + 1
        word = _shuffle_range(perm, np.int64(0), k, word)
        _moments_of_indices(x, y, perm, k, prev)
        while prev[_DET] <= 0.0 and k < m:
            word = _shuffle_range(perm, k, k + 1, word)
            k += 1
            _moments_of_indices(x, y, perm, k, prev)
        hsh = _c_step(x, y, keys, h, prev, res[t], wk, 0.0)
        it, _ = _concentrate(x, y, keys, h, res[t], hsh, prev, n_iter, wk)
        n_steps += 1 + it
    return word, n_steps


@njit(cache=True)
def _copy_best(res, n_res, out):
    """The ``out.shape[0]`` rows of ``res[:n_res]`` with the lowest determinant (stable)."""
    order = np.argsort(res[:n_res, _DET], kind="mergesort")
    for s in range(out.shape[0]):
        out[s, :] = res[order[s], :]


@njit(cache=True)
def _copy_best_distinct(res, hashes, n_max, out):
    """Up to ``n_max`` rows of ``res`` with the lowest determinants and distinct supports
    (hashes) into ``out``; returns how many."""
    order = np.argsort(res[:, _DET], kind="mergesort")
    n_out = 0
    for s in range(order.size):
        if n_out >= n_max:
            break
        r = order[s]
        seen = False
        for q in range(s):
            if hashes[order[q]] == hashes[r]:
                seen = True
                break
        if not seen:
            out[n_out, :] = res[r, :]
            n_out += 1
    return n_out


# ---------------------------------------------------------------------------------------------
# concentration from given estimates, with merging of identical trajectories
# ---------------------------------------------------------------------------------------------


@njit(cache=True)
def _table_find(table_keys, table_ids, hsh):
    """(trajectory id, slot) of support hash ``hsh``; id -1 when absent (slot is then free)."""
    mask = table_ids.size - 1
    slot = np.int64(mix64(hsh) >> uint64(1)) & mask
    while table_ids[slot] >= 0:
        if table_keys[slot] == hsh:
            return table_ids[slot], slot
        slot = (slot + 1) & mask
    return -1, slot


@njit(cache=True)
def _refine(x, y, keys, h, cands, n_iter, res, res_hash, wk):
    """scikit-learn's ``select_candidates`` from initial estimates: every candidate gets one
    C-step from its estimate and then up to ``n_iter`` more; results in ``res``, ``res_hash``.

    The next support depends only on the current one, so a trajectory that reaches a support
    (hash) visited before in this call continues like the earlier trajectory from there: it
    takes that trajectory's result. Returns the number of C-steps done.
    """
    k = cands.shape[0]
    cap = 64
    while cap < 2 * k * (n_iter + 2):
        cap *= 2
    table_keys = np.empty(cap, dtype=np.uint64)
    table_ids = np.full(cap, -1, dtype=np.int64)
    cur = np.empty(_NSTATE)
    prev = np.empty(_NSTATE)
    n_steps = 0
    for c in range(k):
        hsh = _c_step(x, y, keys, h, cands[c], cur, wk, _BRACKET_EPS_MAX)
        n_steps += 1
        joined, slot = _table_find(table_keys, table_ids, hsh)
        if joined < 0:
            table_keys[slot] = hsh
            table_ids[slot] = c
            prev_hash = hsh
            prev_det = np.inf
            it = 0
            while cur[_DET] < prev_det and it < n_iter and cur[_DET] > 0.0:
                prev[:] = cur
                prev_det = cur[_DET]
                prev_hash = hsh
                hsh = _c_step(x, y, keys, h, prev, cur, wk, 0.0)
                n_steps += 1
                it += 1
                if hsh == prev_hash:
                    break  # same support again: converged
                if cur[_DET] < prev_det and cur[_DET] > 0.0 and it < n_iter:
                    joined, slot = _table_find(table_keys, table_ids, hsh)
                    if joined == c:
                        joined = -1  # back to an earlier support of this trajectory
                        break
                    if joined >= 0:
                        break
                    table_keys[slot] = hsh
                    table_ids[slot] = c
            if joined < 0 and cur[_DET] > prev_det:
                cur[:] = prev
                hsh = prev_hash
        if joined >= 0:
            res[c, :] = res[joined, :]
            res_hash[c] = res_hash[joined]
        else:
            res[c, :] = cur
            res_hash[c] = hsh
    return n_steps
