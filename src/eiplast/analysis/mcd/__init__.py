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

from typing import NamedTuple

import numpy as np

from eiplast.analysis.mcd._constants import (
    CHI2_2_ISF_0025,
    MIN_SAMPLES,
    N_ELEMENTAL,
    N_ELEMENTAL_KEEP,
    N_HOPS,
    N_POLISH,
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
    OUT_SIZE,
    RNG_SALT,
    STATUS_NONFINITE,
    STATUS_OK,
    STATUS_TOO_FEW,
    P,
)
from eiplast.analysis.mcd._csteps import consistency_factor
from eiplast.analysis.mcd._fastmcd import consistency_factor_1d, mcd2, support_size
from eiplast.analysis.mcd._neurons import _stats_parallel, _stats_serial
from eiplast.engine.rng import seed_word, stream_word

__all__ = [
    "CHI2_2_ISF_0025",
    "MCDResult",
    "MIN_SAMPLES",
    "OUT_SIZE",
    "RNG_SALT",
    "STATUS_NONFINITE",
    "STATUS_OK",
    "STATUS_TOO_FEW",
    "consistency_factor",
    "consistency_factor_1d",
    "mcd2",
    "min_cov_det",
    "robust_conductance_stats",
    "search_config",
    "support_size",
]


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
    base = np.uint64(stream_word(seed_word(seed, RNG_SALT), first_neuron))
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
