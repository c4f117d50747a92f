import numpy as np
from numba import njit
from scipy import stats

from eiplast.engine import rng


@njit
def _normals(state, n, zx, zr):
    out = np.empty(n)
    w = state[0]
    for i in range(n):
        out[i], w = rng.next_normal(w, zx, zr)
    state[0] = w
    return out


@njit
def _table_draws(state, n, cdf):
    out = np.empty(n, dtype=np.int64)
    w = state[0]
    for i in range(n):
        out[i], w = rng.sample_table(w, cdf)
    state[0] = w
    return out


def test_ziggurat_is_standard_normal():
    x = _normals(rng.single_stream(3), 2_000_000, rng.ZIG_X, rng.ZIG_RATIO)
    assert abs(x.mean()) < 5 * 1 / np.sqrt(len(x))
    assert abs(x.std() - 1) < 2e-3
    assert stats.kstest(x, "norm").pvalue > 1e-3
    # tail beyond the ziggurat base layer (r = 3.654) has the right mass
    tail = np.mean(np.abs(x) > 3.6541528853610088)
    expected = 2 * stats.norm.sf(3.6541528853610088)
    assert abs(tail - expected) < 5 * np.sqrt(expected / len(x))


def test_streams_are_reproducible_and_distinct():
    a = _normals(rng.single_stream(7), 1000, rng.ZIG_X, rng.ZIG_RATIO)
    b = _normals(rng.single_stream(7), 1000, rng.ZIG_X, rng.ZIG_RATIO)
    c = _normals(rng.single_stream(8), 1000, rng.ZIG_X, rng.ZIG_RATIO)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    words = rng.neuron_streams(5, np.arange(100))
    assert len(np.unique(words)) == 100
    assert np.array_equal(words[[3, 50]], rng.neuron_streams(5, [3, 50]))


def test_poisson_table_matches_poisson():
    mean = 2000.0
    draws = _table_draws(rng.single_stream(1), 200_000, rng.poisson_inverse_table(mean))
    assert abs(draws.mean() - mean) < 5 * np.sqrt(mean / len(draws))
    assert abs(draws.var() / mean - 1) < 0.02
    small = _table_draws(rng.single_stream(2), 200_000, rng.poisson_inverse_table(0.2))
    observed = np.bincount(small, minlength=5)[:5]
    expected = stats.poisson.pmf(np.arange(5), 0.2) * len(small)
    assert (
        stats.chisquare(observed[:4], expected[:4] * observed[:4].sum() / expected[:4].sum()).pvalue
        > 1e-3
    )


def test_box_muller_block_matches_libm_and_is_normal():
    """One word per pair of float32 normals: within 1e-6 of the float64 libm transform of the
    same uniforms, standard normal and independent across the pair."""
    n = 4096
    words = rng.neuron_streams(11, np.arange(n))
    start = words.copy()
    u1, u2, z1, z2 = (np.empty(n, dtype=np.float32) for _ in range(4))
    rng.box_muller_block(words, u1, u2, z1, z2)
    assert z1.dtype == np.float32 and np.all(words - start == np.uint64(0x9E3779B97F4A7C15))
    # the same uniforms, transformed in float64 with numpy's libm functions
    with np.errstate(over="ignore"):
        bits = np.array([rng.mix64(w) for w in start + np.uint64(0x9E3779B97F4A7C15)], np.uint64)
    a = ((bits >> np.uint64(32)) + np.uint64(1)).astype(np.float32) * np.float32(2.0**-32)
    b = (bits & np.uint64(0xFFFFFF)) * 2.0**-24
    radius = np.sqrt(-2 * np.log(a.astype(np.float64)))
    assert np.max(np.abs(z1 - radius * np.cos(2 * np.pi * b))) < 1e-6
    assert np.max(np.abs(z2 - radius * np.sin(2 * np.pi * b))) < 1e-6
    draws = []
    for _ in range(200):
        rng.box_muller_block(words, u1, u2, z1, z2)
        draws += [z1.astype(np.float64), z2.astype(np.float64)]
    x = np.concatenate(draws)
    assert stats.kstest(x, "norm").pvalue > 1e-3
    assert abs(x.std() - 1) < 3e-3
    assert abs(stats.kurtosis(x)) < 0.02
    assert abs(np.corrcoef(draws[0], draws[1])[0, 1]) < 0.05
    assert np.max(np.abs(x)) <= np.sqrt(-2 * np.log(2.0**-32))
