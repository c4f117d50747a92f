"""Fast bivariate Minimum Covariance Determinant (MCD) estimator in numba.

scikit-learn's ``sklearn.covariance.MinCovDet`` (default settings: ``support_fraction=None``,
``assume_centered=False``; checked against scikit-learn 1.9) for p = 2 features: the FastMCD
algorithm of Rousseeuw & Van Driessen (1999) in scikit-learn's arrangement (``fast_mcd``,
``select_candidates``, ``_c_step``), then ``correct_covariance`` and ``reweight_covariance``:

* h = min(ceil((n + p + 1) / 2), n) points in the raw support.
* n > 500: the data are shuffled and split into ``n // 300`` subsets; on each,
  ``max(10, 500 // n_subsets)`` random h-subsets get two concentration steps (C-steps) and the
  10 best are kept; all these candidates are concentrated (at most 30 C-steps) on a random
  merged set of ``min(1500, n)`` points; for n >= 1500 the 10 best are concentrated once more on
  all data, otherwise the best merged one is the raw estimate.
* n <= 500: 30 random h-subsets, two C-steps each, the 10 best concentrated on all data.
* Consistency: the raw squared Mahalanobis distances are divided by ``c(h/n)`` with
  ``c(a) = a / F_chi2(p+2)(F^-1_chi2(p)(a))`` (Croux & Haesbroeck 1999; closed form for p = 2).
* Reweighting: the points with corrected squared distance below ``chi2(2).isf(0.025)`` give the
  final location (their mean) and covariance (their biased covariance times ``c(0.975)``).

FastMCD only finds a local optimum, and which one depends on the random starts: scikit-learn's
own result varies with ``random_state`` by up to ~1e-3 in the determinant. So on top of the
scikit-learn search (all optional, see ``search_config``) this module runs elemental
(p+1)-subset starts (the starts of the original paper), polishes the best final candidates by
C-steps and best single exchanges (one support point for one other point), and tries basin
hops (C-steps from random perturbations of the best estimate). The raw determinant is then
never above scikit-learn's in our tests, and equal (same h-subset, same estimates to rounding)
in about half of them. Details, tolerances and timings: docs/mcd.md.

Speed: C-steps select the h smallest distances from a bracket around a guess of the h-th one
(one vectorised counting pass, a small quickselect), sum the support with a branch-free
vectorised loop, and merge trajectories that reach a support already seen (hash of the support)
instead of repeating them. Random numbers are SplitMix64 streams from ``eiplast.engine.rng``.

Units: all results are in the units of the input (nS for conductances).
"""

import math
from typing import NamedTuple

import numpy as np
from numba import njit, prange, uint64

from eiplast.engine.rng import GAMMA, STREAM_STRIDE, mix64, next_index, next_uniform, seed_word

P = 2
CHI2_2_ISF_0025 = -2.0 * math.log(0.025)  # chi2(2).isf(0.025): reweighting cutoff
MIN_SAMPLES = 3  # p + 1: with fewer samples every covariance is singular
RNG_SALT = 0x4D4344  # salt of the MCD random streams ("MCD")

_SINGULAR_RTOL = 1e-12  # det <= rtol * cxx * cyy (i.e. 1 - r^2 <= rtol) counts as singular
_LINE_RTOL = 1e-7  # exact fit: points this close to the line (relative to the raw std) are on it
_SUBSET_SIZE = np.int64(300)
_N_TRIALS_TOTAL = np.int64(500)
_N_BEST_SUB = np.int64(10)
_N_MERGED_MAX = np.int64(1500)
_N_ITER_FULL = np.int64(30)
_N_ITER_START = np.int64(2)
_N_TRIALS_SMALL = np.int64(30)  # n <= 500: random starts
_N_BEST_MERGED = np.int64(10)
_BRACKET_EPS_MAX = 0.15  # largest relative half-width of the guessed bracket of thr
_MAX_RETRIES = np.int64(4)  # bracket moves before a full quickselect
_SAMPLE = np.int64(64)  # sample size for a bracket when there is no guess
_SAMPLE_MIN = np.int64(600)  # ... used above this many points (below, quickselect directly)
_BAND_MAX = np.int64(64)  # points tried on each side of the support boundary in an exchange search
_N_ITER_POLISH = np.int64(100)
_MAX_POLISH_ROUNDS = np.int64(1000)

# extra search beyond scikit-learn (defaults; 0 switches each off)
N_ELEMENTAL = 50  # elemental (p+1)-subset starts on the merged set (all data for n <= 500)
N_ELEMENTAL_KEEP = 5  # of which the best join the candidates
N_POLISH = 3  # best distinct final candidates polished by exchanges
N_HOPS = 10  # basin-hopping trials from the best polished candidate
_HOP_SIZE = 3.0  # perturbation size of a hop, in standard errors

# state vector of one candidate: location, covariance, determinant, the h-th smallest squared
# distance of the C-step that made it (a guess for the next one) and its relative change in
# that step (NaN if unknown)
_MX, _MY, _CXX, _CXY, _CYY, _DET, _T, _DT = 0, 1, 2, 3, 4, 5, 6, 7
_NSTATE = 8

# layout of the ``out`` vector of ``mcd2``
OUT_LOC_X, OUT_LOC_Y, OUT_COV_XX, OUT_COV_XY, OUT_COV_YY = 0, 1, 2, 3, 4
OUT_RAW_LOC_X, OUT_RAW_LOC_Y, OUT_RAW_COV_XX, OUT_RAW_COV_XY, OUT_RAW_COV_YY = 5, 6, 7, 8, 9
OUT_RAW_DET, OUT_H, OUT_N_REWEIGHTED, OUT_N_CSTEPS, OUT_EXACT_FIT = 10, 11, 12, 13, 14
OUT_SIZE = 15

STATUS_OK = 0
STATUS_NONFINITE = 1
STATUS_TOO_FEW = 2


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
        keys[i] = mix64(uint64(i + 1) * GAMMA)
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
        word = base_word + uint64(j) * STREAM_STRIDE * GAMMA
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


# ---------------------------------------------------------------------------------------------
# Python API
# ---------------------------------------------------------------------------------------------


class MCDResult(NamedTuple):
    """Result of ``min_cov_det`` (names follow scikit-learn's ``MinCovDet`` attributes)."""

    location: np.ndarray  # (2,) reweighted robust location (``location_``)
    covariance: np.ndarray  # (2, 2) reweighted, consistency-corrected covariance (``covariance_``)
    raw_location: np.ndarray  # (2,) mean of the best h-subset (``raw_location_``)
    raw_covariance: np.ndarray  # (2, 2) biased covariance of that subset (``raw_covariance_``)
    raw_determinant: float  # det(raw_covariance), 0 for an exact fit
    n_raw_support: int  # h
    n_support: int  # points in the reweighted support
    exact_fit: bool  # raw covariance singular (>= h points on a line or a point)
    n_csteps: int  # C-steps done (diagnostic)


def _cov(a, b, c):
    return np.array([[a, b], [b, c]])


def search_config(extra_search=True):
    """The ``search`` array of ``mcd2``: our defaults, or scikit-learn's search only."""
    if extra_search:
        return np.array([N_ELEMENTAL, N_ELEMENTAL_KEEP, N_POLISH, N_HOPS], dtype=np.int64)
    return np.zeros(4, dtype=np.int64)


def min_cov_det(X, seed=0, extra_search=True):
    """Bivariate MCD of the rows of ``X`` (shape (n, 2)), like ``MinCovDet(random_state=seed)``.

    ``extra_search=False`` runs scikit-learn's candidate search only (no elemental starts, no
    exchange polishing): same algorithm and distribution of results as scikit-learn, but a
    worse local optimum more often. Raises ValueError for n < 3 or non-finite values.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != P:
        raise ValueError(f"X must have shape (n_samples, 2), got {X.shape}")
    n = X.shape[0]
    if n < MIN_SAMPLES:
        raise ValueError(f"MCD needs at least {MIN_SAMPLES} samples (p + 1 for p = 2), got {n}")
    state = np.array([seed_word(seed, RNG_SALT)], dtype=np.uint64)
    out = np.empty(OUT_SIZE)
    x = np.ascontiguousarray(X[:, 0])
    y = np.ascontiguousarray(X[:, 1])
    status = mcd2(x, y, state, out, search_config(extra_search))
    if status == STATUS_NONFINITE:
        raise ValueError("X contains non-finite values")
    return MCDResult(
        location=out[[OUT_LOC_X, OUT_LOC_Y]].copy(),
        covariance=_cov(out[OUT_COV_XX], out[OUT_COV_XY], out[OUT_COV_YY]),
        raw_location=out[[OUT_RAW_LOC_X, OUT_RAW_LOC_Y]].copy(),
        raw_covariance=_cov(out[OUT_RAW_COV_XX], out[OUT_RAW_COV_XY], out[OUT_RAW_COV_YY]),
        raw_determinant=float(out[OUT_RAW_DET]),
        n_raw_support=int(out[OUT_H]),
        n_support=int(out[OUT_N_REWEIGHTED]),
        exact_fit=bool(out[OUT_EXACT_FIT]),
        n_csteps=int(out[OUT_N_CSTEPS]),
    )


def robust_conductance_stats(g_e, g_i, seed=0, parallel=False, extra_search=True, first_neuron=0):
    """Per-neuron MCD location/scale/correlation of (g_e, g_i) samples.

    Parameters
    ----------
    g_e, g_i : array (T, N), float32 or float64
        Samples (rows, e.g. time points) of the excitatory and inhibitory conductance of N
        neurons, any unit (nS in this project).
    seed : int
        Seed of the random starts. Neuron j uses its own stream
        ``eiplast.engine.rng.neuron_streams(seed, j, RNG_SALT)``, so results do not depend on
        ``parallel`` or on the order in which neurons are processed.
    parallel : bool
        Spread blocks of neurons over numba threads (``prange``).
    extra_search : bool
        False: scikit-learn's candidate search only (see ``min_cov_det``).
    first_neuron : int
        Global index of column 0: column j draws from the stream of neuron
        ``first_neuron + j``, so a shard of columns gives the numbers of the whole population.

    Returns
    -------
    dict of float64 arrays of shape (N,)
        ``mean_e``, ``mean_i``: reweighted MCD location (input units); ``std_e``, ``std_i``:
        square roots of the diagonal of the reweighted, consistency-corrected MCD covariance
        (input units); ``pearson_r``: its correlation coefficient, NaN when either std is 0.
        A neuron whose samples are all identical (e.g. silent, g = 0) gets mean = that value,
        std = 0, pearson_r = NaN; more generally, when at least h = ceil((T + 3) / 2) samples lie
        on one line or point (exact fit) the raw h-subset's mean and corrected covariance are
        returned without reweighting.

    Raises
    ------
    ValueError
        Shapes differ or are not 2-D, T < 3 samples, or a neuron has non-finite samples.
    """
    g_e = np.asarray(g_e)
    g_i = np.asarray(g_i)
    if g_e.ndim != 2 or g_e.shape != g_i.shape:
        raise ValueError(
            f"g_e and g_i must be 2-D arrays (T samples, N neurons) of one shape, "
            f"got {g_e.shape} and {g_i.shape}"
        )
    n_t, n_neurons = g_e.shape
    if n_t < MIN_SAMPLES:
        raise ValueError(
            f"MCD needs at least {MIN_SAMPLES} samples per neuron (p + 1 for p = 2), "
            f"got T={n_t} samples for N={n_neurons} neurons"
        )
    if g_e.dtype not in (np.float32, np.float64):
        g_e = g_e.astype(np.float64)
    if g_i.dtype != g_e.dtype:
        g_i = g_i.astype(g_e.dtype)
    g_e = np.ascontiguousarray(g_e)
    g_i = np.ascontiguousarray(g_i)
    res = {k: np.empty(n_neurons) for k in ("mean_e", "mean_i", "std_e", "std_i", "pearson_r")}
    status = np.zeros(n_neurons, dtype=np.int64)
    with np.errstate(over="ignore"):
        base = seed_word(seed, RNG_SALT) + np.uint64(first_neuron) * STREAM_STRIDE * GAMMA
    kernel = _stats_parallel if parallel else _stats_serial
    kernel(
        g_e, g_i, base, search_config(extra_search), res["mean_e"], res["mean_i"],
        res["std_e"], res["std_i"], res["pearson_r"], status,
    )  # fmt: skip
    bad = np.flatnonzero(status == STATUS_NONFINITE)
    if bad.size:
        raise ValueError(
            f"non-finite conductance samples in {bad.size} of {n_neurons} neurons "
            f"(first: neuron {bad[0]}, T={n_t} samples)"
        )
    return res
