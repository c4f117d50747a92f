"""Constants of the bivariate MCD: scikit-learn's search sizes, our extra search, the
state vector of a candidate and the ``out`` vector of ``mcd2``."""

import math

import numpy as np

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
