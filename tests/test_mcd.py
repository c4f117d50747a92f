"""Bivariate MCD (eiplast.analysis.mcd) against scikit-learn's MinCovDet.

Our search is a superset of scikit-learn's (same FastMCD stages plus elemental starts,
exchange polishing and basin hopping), with other random numbers. So the raw determinant must
never be larger than scikit-learn's; where both reach the same h-subset (same determinant) all
estimates must agree to rounding.
"""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.stats import chi2
from sklearn.covariance import MinCovDet

from eiplast.analysis import mcd
from eiplast.engine.rng import neuron_streams

DET_RTOL = 1e-9  # "same subset" / "never worse" tolerance on the raw determinant
AGREE_RTOL = 1e-6  # location / covariance agreement when the subsets are the same


def make_data(n, rho, outfrac, kind, seed):
    """Bivariate Gaussian (random location and scales, correlation rho) with outliers."""
    rng = np.random.default_rng(seed)
    sx, sy = rng.uniform(0.5, 5.0, 2)
    cov = np.array([[sx * sx, rho * sx * sy], [rho * sx * sy, sy * sy]])
    X = rng.multivariate_normal(rng.uniform(-10.0, 30.0, 2), cov, size=n)
    k = int(round(outfrac * n))
    if k:
        idx = rng.choice(n, k, replace=False)
        if kind == "cluster":  # a tight cluster a few standard deviations away
            shift = rng.uniform(4.0, 8.0) * np.array([sx, -sy])
            noise = 0.3 * rng.standard_normal((k, 2)) * np.array([sx, sy])
            X[idx] = X.mean(0) + shift + noise
        else:  # scattered far and wide
            X[idx] = X.mean(0) + rng.uniform(-10.0, 10.0, (k, 2)) * np.array([sx, sy])
    return X


def conductance_like(n, seed, outfrac=0.05):
    """Positive, correlated (g_e, g_i) samples with bursts, like network conductances (nS)."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, 3))
    ge = 10.0 + 3.0 * z[:, 0] + 1.5 * z[:, 2]
    gi = 20.0 + 5.0 * z[:, 1] + 2.5 * z[:, 2]
    k = int(outfrac * n)
    idx = rng.choice(n, k, replace=False)
    ge[idx] += rng.exponential(20.0, k)
    gi[idx] += rng.exponential(40.0, k)
    return np.column_stack([np.abs(ge), np.abs(gi)])


def sklearn_fit(X, seed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return MinCovDet(random_state=seed).fit(X)


def rel(a, b, scale):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))) / scale)


def compare(X, seed):
    """Fit both; check never-worse and agreement when the subsets are the same.

    Returns the relative determinant difference (ours / sklearn - 1).
    """
    sk = sklearn_fit(X, seed)
    ours = mcd.min_cov_det(X, seed=seed)
    det_sk = np.linalg.det(sk.raw_covariance_)
    det_ours = ours.raw_determinant
    assert det_ours <= det_sk * (1.0 + DET_RTOL), (det_ours, det_sk)
    diff = det_ours / det_sk - 1.0
    if abs(diff) <= DET_RTOL:
        scale = np.sqrt(np.max(np.diag(sk.covariance_)))
        assert rel(ours.raw_location, sk.raw_location_, scale) < AGREE_RTOL
        assert rel(ours.raw_covariance, sk.raw_covariance_, scale**2) < AGREE_RTOL
        assert rel(ours.location, sk.location_, scale) < AGREE_RTOL
        assert rel(ours.covariance, sk.covariance_, scale**2) < AGREE_RTOL
        assert ours.n_support == sk.support_.sum()
    return diff


# ---------------------------------------------------------------------------------------------
# closed forms
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("alpha", [0.5, 0.5003, 0.6, 0.8, 0.975, 0.999])
def test_consistency_factors_match_scipy(alpha):
    p2 = alpha / chi2.cdf(chi2.ppf(alpha, 2), 4)
    p1 = alpha / chi2.cdf(chi2.ppf(alpha, 1), 3)
    assert mcd.consistency_factor(alpha) == pytest.approx(p2, rel=1e-12)
    assert mcd.consistency_factor_1d(alpha) == pytest.approx(p1, rel=1e-10)
    assert mcd.consistency_factor(1.0) == 1.0
    assert mcd.CHI2_2_ISF_0025 == pytest.approx(chi2(2).isf(0.025), rel=1e-14)


@pytest.mark.parametrize("n", [3, 4, 5, 50, 501, 1499, 1500, 19000])
def test_support_size_is_sklearns(n):
    assert mcd.support_size(n) == min(int(np.ceil(0.5 * (n + 2 + 1))), n)


# ---------------------------------------------------------------------------------------------
# agreement with scikit-learn
# ---------------------------------------------------------------------------------------------

CASES = [
    (n, rho, outfrac, "cluster" if (i % 2) else "scatter", 1000 + i)
    for i, (n, rho, outfrac) in enumerate(
        (n, rho, outfrac)
        for n in (50, 120, 300, 700, 2000)
        for outfrac in (0.0, 0.1, 0.3)
        for rho in (-0.8, 0.3, 0.95)
    )
]


def test_agrees_with_sklearn_or_is_better():
    """Never worse on any case; identical estimates whenever the subsets are the same."""
    diffs = np.array([compare(make_data(*case), seed=case[4]) for case in CASES])
    same = np.abs(diffs) <= DET_RTOL
    # both usually reach the same optimum; where not, ours is the lower determinant
    assert same.mean() >= 0.25, diffs
    assert np.all(diffs[~same] < 0.0)


@pytest.mark.slow
def test_agrees_with_sklearn_at_19000_samples():
    X = conductance_like(19000, seed=7)
    diff = compare(X, seed=3)
    assert diff <= DET_RTOL
    # the robust statistics are close either way (different optima differ by a few 1e-3)
    sk = sklearn_fit(X, 3)
    ours = mcd.min_cov_det(X, seed=3)
    assert np.allclose(ours.location, sk.location_, rtol=5e-3)
    assert np.allclose(np.diag(ours.covariance), np.diag(sk.covariance_), rtol=2e-2)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@given(
    n=st.integers(20, 400),
    rho=st.floats(-0.95, 0.95),
    outfrac=st.sampled_from([0.0, 0.05, 0.2, 0.35]),
    kind=st.sampled_from(["cluster", "scatter"]),
    seed=st.integers(0, 2**31 - 1),
)
def test_never_worse_than_sklearn_property(n, rho, outfrac, kind, seed):
    compare(make_data(n, rho, outfrac, kind, seed), seed=seed % 1000)


# ---------------------------------------------------------------------------------------------
# properties of the estimate itself
# ---------------------------------------------------------------------------------------------


def brute_c_step(X, loc, cov, h):
    """The h points closest to (loc, cov) and their mean/biased covariance/determinant."""
    Z = X - loc
    d = np.einsum("ij,jk,ik->i", Z, np.linalg.inv(cov), Z)
    sub = X[np.argsort(d, kind="stable")[:h]]
    c = np.cov(sub.T, bias=True)
    return sub.mean(0), c, np.linalg.det(c)


@pytest.mark.parametrize("case", CASES[::5])
def test_raw_estimate_is_a_c_step_fixed_point(case):
    X = make_data(*case)
    r = mcd.min_cov_det(X, seed=1)
    loc, cov, det = brute_c_step(X, r.raw_location, r.raw_covariance, r.n_raw_support)
    scale = np.sqrt(np.max(np.diag(cov)))
    assert det == pytest.approx(r.raw_determinant, rel=1e-9)
    assert rel(loc, r.raw_location, scale) < 1e-9
    assert rel(cov, r.raw_covariance, scale**2) < 1e-9


def test_reweighting_follows_sklearn_definition():
    """Final estimate = mean/cov of the points whose corrected raw distance is below the
    chi2(2) 97.5% quantile, covariance times c(0.975)."""
    X = make_data(800, 0.4, 0.1, "scatter", 5)
    r = mcd.min_cov_det(X, seed=2)
    n, h = X.shape[0], r.n_raw_support
    Z = X - r.raw_location
    d = np.einsum("ij,jk,ik->i", Z, np.linalg.inv(r.raw_covariance), Z)
    mask = d / mcd.consistency_factor(h / n) < chi2(2).isf(0.025)
    assert mask.sum() == r.n_support
    np.testing.assert_allclose(r.location, X[mask].mean(0), rtol=1e-12)
    expected = np.cov(X[mask].T, bias=True) * mcd.consistency_factor(0.975)
    np.testing.assert_allclose(r.covariance, expected, rtol=1e-10)


@pytest.mark.parametrize("seed", [0, 1])
def test_affine_equivariance(seed):
    X = make_data(600, 0.5, 0.1, "cluster", 40 + seed)
    A = np.array([[2.0, 0.5], [-1.0, 3.0]])
    b = np.array([100.0, -7.0])
    r = mcd.min_cov_det(X, seed=seed)
    t = mcd.min_cov_det(X @ A.T + b, seed=seed)
    assert t.raw_determinant == pytest.approx(r.raw_determinant * np.linalg.det(A) ** 2, rel=1e-8)
    np.testing.assert_allclose(t.location, A @ r.location + b, rtol=1e-8)
    np.testing.assert_allclose(t.covariance, A @ r.covariance @ A.T, rtol=1e-8)


def test_sklearn_only_search_is_never_better_than_full_search():
    for case in CASES[::4]:
        X = make_data(*case)
        plain = mcd.min_cov_det(X, seed=4, extra_search=False)
        full = mcd.min_cov_det(X, seed=4)
        assert full.raw_determinant <= plain.raw_determinant * (1.0 + DET_RTOL)


def test_deterministic_given_seed():
    X = make_data(900, 0.2, 0.1, "scatter", 9)
    a = mcd.min_cov_det(X, seed=11)
    b = mcd.min_cov_det(X, seed=11)
    np.testing.assert_array_equal(a.covariance, b.covariance)
    np.testing.assert_array_equal(a.location, b.location)


def test_kernel_advances_rng_state():
    X = make_data(100, 0.0, 0.0, "scatter", 3)
    state = np.array([12345], dtype=np.uint64)
    out = np.empty(mcd.OUT_SIZE)
    status = mcd.mcd2(X[:, 0].copy(), X[:, 1].copy(), state, out, mcd.search_config())
    assert status == mcd.STATUS_OK
    assert state[0] != 12345
    assert np.all(np.isfinite(out))


# ---------------------------------------------------------------------------------------------
# many neurons
# ---------------------------------------------------------------------------------------------


def conductances(n_t, n_neurons, seed=0):
    ge = np.empty((n_t, n_neurons), dtype=np.float32)
    gi = np.empty((n_t, n_neurons), dtype=np.float32)
    for j in range(n_neurons):
        X = conductance_like(n_t, seed + j)
        ge[:, j] = X[:, 0]
        gi[:, j] = X[:, 1]
    return ge, gi


def test_batch_matches_single_fits_and_parallel():
    ge, gi = conductances(700, 5)
    res = mcd.robust_conductance_stats(ge, gi, seed=3)
    assert set(res) == {"mean_e", "mean_i", "std_e", "std_i", "pearson_r"}
    # neuron 0 uses the same random stream as min_cov_det(seed)
    single = mcd.min_cov_det(np.column_stack([ge[:, 0], gi[:, 0]]), seed=3)
    c = single.covariance
    assert res["mean_e"][0] == single.location[0]
    assert res["mean_i"][0] == single.location[1]
    assert res["std_e"][0] == np.sqrt(c[0, 0])
    assert res["std_i"][0] == np.sqrt(c[1, 1])
    assert res["pearson_r"][0] == pytest.approx(c[0, 1] / np.sqrt(c[0, 0] * c[1, 1]), rel=1e-14)
    # column j uses eiplast.engine.rng.neuron_streams(seed, j, RNG_SALT) in the numba kernel
    state = neuron_streams(3, [4], mcd.RNG_SALT)
    out = np.empty(mcd.OUT_SIZE)
    assert mcd.mcd2(ge[:, 4], gi[:, 4], state, out, mcd.search_config()) == mcd.STATUS_OK
    assert out[mcd.OUT_LOC_X] == res["mean_e"][4]
    assert np.sqrt(out[mcd.OUT_COV_YY]) == res["std_i"][4]
    par = mcd.robust_conductance_stats(ge, gi, seed=3, parallel=True)
    for key in res:
        np.testing.assert_array_equal(res[key], par[key])
    # float32 and float64 input give the same numbers (the kernel works in float64)
    res64 = mcd.robust_conductance_stats(ge.astype(np.float64), gi.astype(np.float64), seed=3)
    for key in res:
        np.testing.assert_array_equal(res[key], res64[key])
    for j in range(5):
        sk = sklearn_fit(np.column_stack([ge[:, j], gi[:, j]]).astype(np.float64), j)
        assert res["mean_e"][j] == pytest.approx(sk.location_[0], rel=2e-2)
        assert res["std_i"][j] == pytest.approx(np.sqrt(sk.covariance_[1, 1]), rel=5e-2)


def test_silent_and_degenerate_neurons():
    n_t = 400
    ge, gi = conductances(n_t, 6, seed=20)
    ge[:, 0] = 0.0  # silent neuron: every sample identical
    gi[:, 0] = 0.0
    ge[:, 1] = 3.25  # constant but not zero
    gi[:, 1] = 7.5
    gi[:, 2] = 0.0  # no inhibitory input: g_i constant, g_e varies
    h = mcd.support_size(n_t)
    ge[:h, 3] = 1.0  # more than h samples on one point
    gi[:h, 3] = 2.0
    gi[:, 4] = 2.0 * ge[:, 4] + 1.0  # all samples on a line
    res = mcd.robust_conductance_stats(ge, gi, seed=1)
    for j, (me, mi) in enumerate([(0.0, 0.0), (3.25, 7.5)]):
        assert res["mean_e"][j] == pytest.approx(me, abs=1e-6)
        assert res["mean_i"][j] == pytest.approx(mi, abs=1e-6)
        assert res["std_e"][j] == 0.0
        assert res["std_i"][j] == 0.0
        assert np.isnan(res["pearson_r"][j])
    # g_i constant: std_i 0, r undefined, g_e summarised by its univariate MCD
    assert res["mean_i"][2] == 0.0 and res["std_i"][2] == 0.0
    assert np.isnan(res["pearson_r"][2])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        uni = MinCovDet(random_state=0).fit(ge[:, 2:3].astype(np.float64))
    assert res["mean_e"][2] == pytest.approx(uni.location_[0], rel=0.05)
    assert res["std_e"][2] == pytest.approx(np.sqrt(uni.covariance_[0, 0]), rel=0.25)
    # exact fit on a point
    assert res["mean_e"][3] == pytest.approx(1.0) and res["mean_i"][3] == pytest.approx(2.0)
    assert res["std_e"][3] == 0.0 and np.isnan(res["pearson_r"][3])
    # exact fit on a line: perfectly correlated
    assert res["pearson_r"][4] == pytest.approx(1.0)
    assert res["std_i"][4] == pytest.approx(2.0 * res["std_e"][4], rel=1e-5)
    # the ordinary neuron is unaffected
    assert np.isfinite(res["pearson_r"][5]) and res["std_e"][5] > 0


def test_too_few_samples_and_bad_input():
    ge, gi = conductances(2, 4)
    with pytest.raises(ValueError, match=r"T=2 samples for N=4 neurons"):
        mcd.robust_conductance_stats(ge, gi)
    ge, gi = conductances(50, 4)
    with pytest.raises(ValueError, match="one shape"):
        mcd.robust_conductance_stats(ge, gi[:, :3])
    with pytest.raises(ValueError, match="one shape"):
        mcd.robust_conductance_stats(ge[:, 0], gi[:, 0])
    ge[10, 2] = np.nan
    with pytest.raises(ValueError, match="neuron 2"):
        mcd.robust_conductance_stats(ge, gi)
    with pytest.raises(ValueError, match="at least 3 samples"):
        mcd.min_cov_det(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="shape"):
        mcd.min_cov_det(np.zeros((10, 3)))
    X = np.zeros((10, 2))
    X[3, 1] = np.inf
    with pytest.raises(ValueError, match="non-finite"):
        mcd.min_cov_det(X)


def test_three_samples_is_the_classical_estimate():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]])
    r = mcd.min_cov_det(X)
    assert r.n_raw_support == 3
    np.testing.assert_allclose(r.raw_location, X.mean(0))
    np.testing.assert_allclose(r.raw_covariance, np.cov(X.T, bias=True))
