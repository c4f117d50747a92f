"""Random numbers for numba kernels, with state that checkpoints exactly.

Every stream is a SplitMix64 generator (Steele, Lea & Flood 2014): a 64-bit word advanced by a
fixed odd increment and passed through a bijective mixing function. Kernels load the word of each
stream from a plain ``uint64`` array, thread it through the draw functions below
(``value, word = draw(word)``) and store it back, so saving that array saves the stream.

Independent streams (one per neuron in isolation mode) are disjoint stretches of one Weyl
sequence: stream ``k`` starts at ``base + k * 2**40 * GAMMA``. The mixer is a bijection, so no two
(stream, draw) pairs below 2**40 draws per stream share an input word.

Standard normals: ``next_normal`` is the 256-layer ziggurat (Marsaglia & Tsang 2000, in the
formulation of Doornik 2005, "An improved ziggurat method"), exact, for scalar code.
``box_muller_block`` fills whole blocks (one stream per element, one word → two normals) with
the Box–Muller transform in float32, evaluating log, sin and cos by polynomials so that the loop
vectorises; its values differ from the exact transform of the same uniforms by less than 1e-6
(tests/test_rng.py), and |z| ≤ 6.66 (u1 has 32 bits).
"""

import math

import numpy as np
from numba import njit, uint32, uint64

GAMMA = np.uint64(0x9E3779B97F4A7C15)
STREAM_STRIDE = np.uint64(1 << 40)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53
_TO_UNIT32 = np.float32(2.0**-32)
_TO_UNIT24 = np.float32(2.0**-24)

_ZIG_LAYERS = 256
_ZIG_R = 3.6541528853610088
_ZIG_V = 4.92867323399e-3


@njit(cache=True)
def mix64(z):
    """SplitMix64 output function: a bijection of 64-bit words."""
    z = (z ^ (z >> uint64(30))) * uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> uint64(27))) * uint64(0x94D049BB133111EB)
    return z ^ (z >> uint64(31))


@njit(cache=True)
def next_u64(word):
    """Next 64-bit output and the advanced stream word."""
    word = word + uint64(0x9E3779B97F4A7C15)
    return mix64(word), word


@njit(cache=True)
def next_uniform(word):
    """Uniform double in [0, 1) from the top 53 bits of the next output."""
    out, word = next_u64(word)
    return (out >> uint64(11)) * _TO_UNIT, word


@njit(cache=True)
def next_index(word, n):
    """Uniform integer in [0, n) (bias below n * 2**-53)."""
    u, word = next_uniform(word)
    return int(u * n), word


@njit(cache=True)
def _normal_tail(word, r, negative):
    """Normal beyond |x| > r by Marsaglia's (1964) exponential rejection."""
    while True:
        a, word = next_uniform(word)
        b, word = next_uniform(word)
        xt = math.log(1.0 - a) / r
        yt = math.log(1.0 - b)
        if -2.0 * yt >= xt * xt:
            return (xt - r if negative else r - xt), word


@njit(cache=True)
def next_normal(word, zig_x, zig_ratio):
    """Standard normal by the ziggurat; ``zig_x``/``zig_ratio`` from ``ziggurat_tables``."""
    while True:
        out, word = next_u64(word)
        layer = int(out & uint64(0xFF))
        u = 2.0 * ((out >> uint64(11)) * _TO_UNIT) - 1.0
        if abs(u) < zig_ratio[layer]:
            return u * zig_x[layer], word
        if layer == 0:
            return _normal_tail(word, zig_x[1], u < 0.0)
        x = u * zig_x[layer]
        f0 = math.exp(-0.5 * (zig_x[layer] * zig_x[layer] - x * x))
        f1 = math.exp(-0.5 * (zig_x[layer + 1] * zig_x[layer + 1] - x * x))
        v, word = next_uniform(word)
        if f1 + v * (f0 - f1) < 1.0:
            return x, word


def ziggurat_tables():
    """Layer edges ``x`` (257 values, decreasing to 0) and ratios ``x[i+1]/x[i]`` (256 values)."""
    x = np.zeros(_ZIG_LAYERS + 1)
    f = math.exp(-0.5 * _ZIG_R * _ZIG_R)
    x[0] = _ZIG_V / f
    x[1] = _ZIG_R
    for i in range(2, _ZIG_LAYERS):
        x[i] = math.sqrt(-2.0 * math.log(_ZIG_V / x[i - 1] + f))
        f = math.exp(-0.5 * x[i] * x[i])
    return x, x[1:] / x[:-1]


ZIG_X, ZIG_RATIO = ziggurat_tables()


def seed_word(seed, salt=0):
    """A well-mixed 64-bit starting word from a user seed and a salt naming the purpose."""
    with np.errstate(over="ignore"):
        z = np.uint64(seed) * GAMMA + np.uint64(salt) * np.uint64(0xD1B54A32D192ED03)
    return np.uint64(mix64(z))


def realisation_seed(seed, realisation):
    """The seed of a stage in network realisation ``realisation`` (0, 1, …) from the configured
    ``seed``: realisation 0 keeps ``seed`` itself (so a one-realisation run is the run of the
    configured seeds); realisation r > 0 takes the first 32-bit word of numpy's
    ``SeedSequence(seed, spawn_key=(r,))``, the r-th child of ``seed`` in numpy's own scheme.
    """
    seed, realisation = int(seed), int(realisation)
    if seed < 0 or realisation < 0:
        raise ValueError(f"seed {seed} and realisation {realisation} must be non-negative")
    if realisation == 0:
        return seed
    sequence = np.random.SeedSequence(seed, spawn_key=(realisation,))
    return int(sequence.generate_state(1, dtype=np.uint32)[0])


def single_stream(seed, salt=0):
    """State array of one stream."""
    return np.array([seed_word(seed, salt)], dtype=np.uint64)


@njit(cache=True)
def stream_word(base, k):
    """Starting word of stream ``k`` (k ≥ 0) of the family that starts at ``base``."""
    return uint64(base) + uint64(k) * STREAM_STRIDE * GAMMA


@njit(cache=True)
def integer_key(i):
    """A fixed, well-mixed 64-bit key of the integer ``i`` ≥ 0 (distinct for distinct ``i``):
    sums of keys hash subsets."""
    return mix64(uint64(i + 1) * GAMMA)


@njit(cache=True)
def keyed_uniform(base, key):
    """Uniform double in [0, 1) fixed by (``base``, ``key`` ≥ 0): the ``key``-th output of the
    stream at ``base``, so a value depends on its key only, not on which others are drawn."""
    return (mix64(uint64(base) + (uint64(key) + uint64(1)) * GAMMA) >> uint64(11)) * _TO_UNIT


@njit(cache=True)
def keyed_uniforms(base, keys):
    """``keyed_uniform`` of every key of the int64 array ``keys``."""
    out = np.empty(len(keys))
    for k in range(len(keys)):
        out[k] = keyed_uniform(base, keys[k])
    return out


def neuron_streams(seed, neuron_indices, salt=0):
    """One disjoint stream per neuron, fixed by (seed, salt, global neuron index)."""
    idx = np.asarray(neuron_indices, dtype=np.uint64)
    with np.errstate(over="ignore"):
        return seed_word(seed, salt) + idx * STREAM_STRIDE * GAMMA


def poisson_inverse_table(mean, tail=1e-16):
    """Cumulative probabilities of Poisson(mean) up to where the upper tail is below ``tail``.

    Sampling by inversion against this table (``sample_table``) is exact except for the truncated
    tail (probability below ``tail``).
    """
    from scipy.stats import poisson

    if not mean >= 0:
        raise ValueError(f"Poisson mean must be >= 0, got {mean}")
    top = int(poisson.isf(tail, mean)) + 2 if mean > 0 else 1
    cdf = poisson.cdf(np.arange(top), mean)
    cdf[-1] = 1.0
    return cdf


@njit(cache=True)
def sample_table(word, cdf):
    """Inversion sampling: smallest j with u < cdf[j], u uniform (binary search)."""
    u, word = next_uniform(word)
    lo = 0
    hi = cdf.shape[0] - 1
    while lo < hi:
        mid = (lo + hi) >> 1
        if u < cdf[mid]:
            hi = mid
        else:
            lo = mid + 1
    return lo, word


@njit(cache=True, error_model="numpy")
def box_muller_block(words, u1, u2, z1, z2):
    """Two standard normals per element, in float32, from one word of stream ``words[i]``.

    The word's 64-bit output is split: its top 32 bits k give u1 = (k + 1)·2⁻³² ∈ (0, 1]
    (rounded to float32), its low 24 bits j give u2 = j·2⁻²⁴ ∈ [0, 1). z1 = R cos(2π u2),
    z2 = R sin(2π u2), R = √(−2 ln u1) ≤ 6.66. ln u1 = e ln 2 + 2 atanh((m−1)/(m+1)) with
    u1 = m·2^e, m ∈ [√½, √2); sine and cosine by Taylor polynomials on an octant. Float32
    arithmetic throughout, so a 256-bit vector holds 8 lanes; each value lies within 1e-6 of the
    exact transform of the same uniforms (tests/test_rng.py). ``u1``, ``u2``, ``z1``, ``z2``:
    float32 work and output arrays of the block's length.
    """
    n = words.shape[0]
    for i in range(n):
        w = words[i] + uint64(0x9E3779B97F4A7C15)
        words[i] = w
        out = mix64(w)
        u1[i] = np.float32(np.int64(out >> uint64(32)) + 1) * _TO_UNIT32
        u2[i] = np.float32(np.int64(out & uint64(0xFFFFFF))) * _TO_UNIT24
    # split u1 into exponent (kept in z1 for the moment) and mantissa m ∈ [1, 2), in place
    bits = u1.view(np.uint32)
    for i in range(n):
        b = bits[i]
        z1[i] = np.float32(np.int32(b >> uint32(23)) - 127)
        bits[i] = (b & uint32(0x007FFFFF)) | uint32(0x3F800000)
    one = np.float32(1.0)
    for i in range(n):
        m = u1[i]
        big = m > np.float32(1.4142135)
        m = m * np.float32(0.5) if big else m
        e = z1[i] + one if big else z1[i]
        s = (m - one) / (m + one)
        s2 = s * s
        atanh = s * (one + s2 * (np.float32(1.0 / 3) + s2 * (np.float32(1.0 / 5) + s2 * (
            np.float32(1.0 / 7) + s2 * np.float32(1.0 / 9)))))  # fmt: skip
        radius = np.sqrt(np.float32(-2.0) * (e * np.float32(0.6931472) + np.float32(2.0) * atanh))
        t = u2[i] * np.float32(4.0)
        quadrant = np.floor(t)
        f = (t - quadrant - np.float32(0.5)) * np.float32(1.5707964)  # angle − (q·π/2 + π/4)
        f2 = f * f
        sin_f = f * (one - f2 * (np.float32(1.0 / 6) - f2 * (np.float32(1.0 / 120) - f2 * (
            np.float32(1.0 / 5040) - f2 * np.float32(1.0 / 362880)))))  # fmt: skip
        cos_f = one - f2 * (np.float32(0.5) - f2 * (np.float32(1.0 / 24) - f2 * (
            np.float32(1.0 / 720) - f2 * (np.float32(1.0 / 40320) - f2 * np.float32(
                1.0 / 3628800)))))  # fmt: skip
        c0 = np.float32(0.70710677) * (cos_f - sin_f)  # cos(f + π/4)
        s0 = np.float32(0.70710677) * (cos_f + sin_f)  # sin(f + π/4)
        q = np.int32(quadrant)
        cos_a = c0 if q == 0 else (-s0 if q == 1 else (-c0 if q == 2 else s0))
        sin_a = s0 if q == 0 else (c0 if q == 1 else (-s0 if q == 2 else -c0))
        z1[i] = radius * cos_a
        z2[i] = radius * sin_a
