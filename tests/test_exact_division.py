import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from eiplast.engine._numba import divide_by, fma


@njit(cache=True)
def _divide_all(ys, divisor, reciprocal):
    out = np.empty_like(ys)
    for i in range(ys.shape[0]):
        out[i] = divide_by(ys[i], divisor, reciprocal)
    return out


@njit(cache=True)
def _fma_all(a, b, c):
    out = np.empty_like(a)
    for i in range(a.shape[0]):
        out[i] = fma(a[i], b[i], c[i])
    return out


def _random_ys(seed, n=2_000_000):
    rng = np.random.default_rng(seed)
    # the network's y = dt·g_tot/(8C) lies in [6e-4, 0.25]; cover far more than that
    return np.concatenate(
        [rng.uniform(0.0, 0.25, n), 10.0 ** rng.uniform(-300, 300, n), -rng.uniform(0, 1e3, n)]
    )


def test_fma_rounds_once():
    """(1 + 2⁻³⁰)² − 1 loses its 2⁻⁶⁰ term when the product is rounded first."""
    a = np.array([1.0 + 2.0**-30])
    exact = _fma_all(a, a, np.array([-1.0]))[0]
    assert exact == 2.0**-29 + 2.0**-60
    assert a[0] * a[0] - 1.0 == 2.0**-29


def test_divide_by_720_equals_division():
    ys = _random_ys(0)
    quotients = _divide_all(ys, 720.0, 1.0 / 720.0)
    np.testing.assert_array_equal(quotients, ys / 720.0)
    # the correction step is needed: the product with the reciprocal alone is off for some y
    assert np.count_nonzero(ys * (1.0 / 720.0) != ys / 720.0) > 1000


@settings(max_examples=200, deadline=None)
@given(
    divisor=st.floats(1e-3, 1e6),
    seed=st.integers(0, 2**32 - 1),
)
def test_divide_by_any_constant_equals_division(divisor, seed):
    ys = _random_ys(seed, n=2000)
    np.testing.assert_array_equal(_divide_all(ys, divisor, 1.0 / divisor), ys / divisor)
