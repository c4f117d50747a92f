"""Connectivity of the assembly network (docs/model-description.md A1), built sparse.

The reference (``src/genconn.py``) fills a dense N×N matrix; here memory and time grow with the
number of synapses. Equivalences with the reference, stated where they matter:

* Pattern membership: each pattern draws its size from Binomial(N_E, f) and its members uniformly
  without replacement — the same distribution as independent Bernoulli(f) per neuron.
* E→E: score = (number of shared patterns) + uniform(0, 1) noise; the K = p_ee·N_E·(N_E−1)
  highest off-diagonal scores are kept. Only pairs sharing a pattern are listed explicitly; when
  they are fewer than K, the rest are drawn uniformly from the pairs sharing none (their scores are
  pure noise, so any subset is equally likely, and they rank below every listed pair). The
  reference thresholds at the percentile of all N_E² entries, diagonal included; we never form
  self-connections (docs/model-description.md A1) and count K over off-diagonal pairs.
* Lognormal E→E weights (mean, variance) are sorted and matched to the scores by rank.
* I→E, E→I, I→I: Bernoulli per pair, drawn per presynaptic neuron as a Binomial count and a
  uniform subset. The reference's I→I mask includes the diagonal (autapses); we exclude it.
* Presynaptic rescaling of every E neuron j by exp(((m_j − P·f)/P)·f), the reference's operator
  precedence for ``exp((m - P*f) / P*f)``, reproduced on purpose.
* Delays uniform in [0, 2) ms, +1 ms for excitatory sources, rounded to whole steps.
* ``draws="nested"`` lays the same distributions out differently (``_NestedDraws``): pattern k,
  each block and every pair's noise and delay have their own stream or key, so a network with
  more patterns keeps the first ones, the inhibitory blocks and the delays of every synapse it
  shares with one with fewer (sequential embedding, docs/forgetting.md).
"""

import math
import os
from dataclasses import dataclass

import numpy as np
from numba import njit

from eiplast.assembly.params import ConnectivityParams
from eiplast.engine._numba import libm_exp
from eiplast.engine.formats import CONNECTIVITY
from eiplast.engine.h5io import (
    DataFileError,
    atomic_h5,
    create_dataset,
    open_checked,
    read,
    set_attrs,
)
from eiplast.engine.rng import keyed_uniform, keyed_uniforms, seed_word


@dataclass
class Network:
    """Synapses in CSR by presynaptic neuron, sorted by (delay, post) within each neuron."""

    n_exc: int
    n_inh: int
    indptr: np.ndarray  # int64 (N+1,)
    post: np.ndarray  # int32 (S,)
    weight_nS: np.ndarray  # float32 (S,)
    delay_steps: np.ndarray  # int16 (S,)
    pattern_indptr: np.ndarray  # int64 (P+1,)
    pattern_members: np.ndarray  # int32
    exc_alpha: np.ndarray  # float64 (n_exc,)
    dt_ms: float = 0.1
    pattern_sparsity: float = 0.01
    seed: int = 0

    @property
    def n_total(self):
        return self.n_exc + self.n_inh

    @property
    def n_patterns(self):
        return len(self.pattern_indptr) - 1

    @property
    def n_synapses(self):
        return len(self.post)

    def presynaptic(self):
        """Presynaptic neuron of every synapse (int32)."""
        return np.repeat(np.arange(self.n_total, dtype=np.int32), np.diff(self.indptr))

    def ei_mask(self):
        """Boolean mask of the plastic I→E synapses."""
        return (self.presynaptic() >= self.n_exc) & (self.post < self.n_exc)


def _draw_patterns(rng, n_exc, n_patterns, f):
    sizes = rng.binomial(n_exc, f, size=n_patterns)
    members = [np.sort(rng.choice(n_exc, size=s, replace=False)) for s in sizes]
    indptr = np.zeros(n_patterns + 1, dtype=np.int64)
    np.cumsum(sizes, out=indptr[1:])
    flat = np.concatenate(members).astype(np.int32) if n_patterns else np.zeros(0, np.int32)
    return indptr, flat


@njit(cache=True)
def _shared_pattern_counts(n_exc, pattern_indptr, pattern_members):
    """Sparse matrix of shared-pattern counts between distinct E neurons (CSR by row)."""
    n_patterns = len(pattern_indptr) - 1
    # patterns of every neuron (CSC of membership)
    per_neuron = np.zeros(n_exc + 1, dtype=np.int64)
    for k in range(len(pattern_members)):
        per_neuron[pattern_members[k] + 1] += 1
    for i in range(n_exc):
        per_neuron[i + 1] += per_neuron[i]
    fill = per_neuron[:-1].copy()
    neuron_patterns = np.empty(len(pattern_members), dtype=np.int32)
    for p in range(n_patterns):
        for k in range(pattern_indptr[p], pattern_indptr[p + 1]):
            i = pattern_members[k]
            neuron_patterns[fill[i]] = p
            fill[i] += 1
    counts = np.zeros(n_exc, dtype=np.int32)
    touched = np.empty(n_exc, dtype=np.int32)
    row_ptr = np.zeros(n_exc + 1, dtype=np.int64)
    for i in range(n_exc):  # first pass: row sizes
        n_touched = _count_row(i, per_neuron, neuron_patterns, pattern_indptr, pattern_members,
                               counts, touched)  # fmt: skip
        row_ptr[i + 1] = row_ptr[i] + n_touched
        for t in range(n_touched):
            counts[touched[t]] = 0
    cols = np.empty(row_ptr[-1], dtype=np.int32)
    vals = np.empty(row_ptr[-1], dtype=np.int32)
    for i in range(n_exc):  # second pass: fill
        n_touched = _count_row(i, per_neuron, neuron_patterns, pattern_indptr, pattern_members,
                               counts, touched)  # fmt: skip
        base = row_ptr[i]
        for t in range(n_touched):
            j = touched[t]
            cols[base + t] = j
            vals[base + t] = counts[j]
            counts[j] = 0
    return row_ptr, cols, vals


@njit(cache=True)
def _count_row(i, per_neuron, neuron_patterns, pattern_indptr, pattern_members, counts, touched):
    """Shared-pattern counts of neuron ``i`` with every other E neuron, accumulated in ``counts``;
    the neurons touched are listed in ``touched``, their number returned."""
    n_touched = 0
    for a in range(per_neuron[i], per_neuron[i + 1]):
        p = neuron_patterns[a]
        for b in range(pattern_indptr[p], pattern_indptr[p + 1]):
            j = pattern_members[b]
            if j != i:
                if counts[j] == 0:
                    touched[n_touched] = j
                    n_touched += 1
                counts[j] += 1
    return n_touched


def _sample_absent_pairs(rng, n_exc, count, present_linear):
    """``count`` distinct off-diagonal (pre, post) pairs not in ``present_linear`` (sorted)."""
    chosen = np.zeros(0, dtype=np.int64)
    while len(chosen) < count:
        need = count - len(chosen)
        cand = rng.integers(0, n_exc * n_exc, size=int(need * 1.1) + 16, dtype=np.int64)
        cand = cand[(cand // n_exc) != (cand % n_exc)]
        pos = np.searchsorted(present_linear, cand)
        pos[pos == len(present_linear)] = 0
        if len(present_linear):
            cand = cand[present_linear[pos] != cand]
        # keep first occurrences in draw order, then drop those already chosen
        _, first = np.unique(cand, return_index=True)
        cand = cand[np.sort(first)]
        cand = cand[~np.isin(cand, chosen)]
        chosen = np.concatenate([chosen, cand[:need]])
    return chosen


_FILL_BINS = 1 << 20


@njit(cache=True)
def _linear_key(linear, n_exc):
    """``_pair_key`` of the pair with linear index pre·n_exc + post."""
    return (linear // n_exc) * (1 << 32) + linear % n_exc


@njit(cache=True)
def _absent_pair(linear, n_exc, present, ptr):
    """(ptr moved past the entries of the sorted ``present`` below ``linear``, whether pair
    ``linear`` = pre·n_exc + post is off-diagonal and not in ``present``)."""
    while ptr < len(present) and present[ptr] < linear:
        ptr += 1
    return ptr, linear // n_exc != linear % n_exc and not (
        ptr < len(present) and present[ptr] == linear
    )


@njit(cache=True)
def _top_keyed_absent_pairs(base, n_exc, count, present):
    """The ``count`` off-diagonal pairs (linear index pre·n_exc + post) outside the sorted
    ``present`` with the largest ``rng.keyed_uniform(base, pre·2³² + post)``, sorted by index,
    and those uniforms. Two passes over all pairs: a histogram of the uniforms finds the bin
    holding the count-th largest; only that bin's pairs are sorted."""
    hist = np.zeros(_FILL_BINS, dtype=np.int64)
    n_pairs = n_exc * n_exc
    ptr = 0
    for linear in range(n_pairs):
        ptr, absent = _absent_pair(linear, n_exc, present, ptr)
        if not absent:
            continue
        hist[int(keyed_uniform(base, _linear_key(linear, n_exc)) * _FILL_BINS)] += 1
    above = 0
    cut = _FILL_BINS - 1
    while cut > 0 and above + hist[cut] < count:
        above += hist[cut]
        cut -= 1
    out = np.empty(count, dtype=np.int64)
    out_u = np.empty(count)
    border = np.empty(hist[cut], dtype=np.int64)
    border_u = np.empty(hist[cut])
    n_out = n_border = 0
    ptr = 0
    for linear in range(n_pairs):
        ptr, absent = _absent_pair(linear, n_exc, present, ptr)
        if not absent:
            continue
        u = keyed_uniform(base, _linear_key(linear, n_exc))
        b = int(u * _FILL_BINS)
        if b > cut:
            out[n_out], out_u[n_out] = linear, u
            n_out += 1
        elif b == cut:
            border[n_border], border_u[n_border] = linear, u
            n_border += 1
    order = np.argsort(-border_u, kind="mergesort")
    for k in range(count - n_out):
        out[n_out + k], out_u[n_out + k] = border[order[k]], border_u[order[k]]
    final = np.argsort(out, kind="mergesort")
    return out[final], out_u[final]


def _ee_block(params, pattern_indptr, pattern_members, draws):
    """E→E synapses (pre, post, weight_nS) by shared-pattern score, ``draws`` a
    ``_SequentialDraws`` or ``_NestedDraws`` (where the noise and fill pairs come from)."""
    n_exc = params.n_exc
    row_ptr, cols, counts = _shared_pattern_counts(n_exc, pattern_indptr, pattern_members)
    n_keep = int(round(params.p_ee * n_exc * (n_exc - 1)))
    rows = np.repeat(np.arange(n_exc, dtype=np.int64), np.diff(row_ptr))
    # counts are symmetric; row = presynaptic neuron, column = postsynaptic
    score = counts + draws.pair_noise(rows, cols.astype(np.int64))
    if len(score) >= n_keep:
        # the n_keep best scores, in pair order: argpartition's own order depends on which
        # of NumPy's CPU-specific kernels runs (AVX-512, AVX2, baseline), and the later draws
        # (delays) follow the synapse order
        keep = (
            np.sort(np.argpartition(-score, n_keep - 1)[:n_keep])
            if n_keep
            else np.zeros(0, np.int64)
        )
        pre, post, score = rows[keep], cols[keep].astype(np.int64), score[keep]
    else:
        linear = np.sort(rows * n_exc + cols)
        extra, extra_score = draws.absent_pairs(n_exc, n_keep - len(score), linear)
        pre = np.concatenate([rows, extra // n_exc])
        post = np.concatenate([cols.astype(np.int64), extra % n_exc])
        score = np.concatenate([score, extra_score])
    sigma = math.sqrt(math.log(params.ee_var_nS2 / params.ee_mean_nS**2 + 1.0))
    mu = math.log(params.ee_mean_nS) - sigma**2 / 2
    lognormal = np.sort(libm_exp(draws.stream("ee_weight").standard_normal(n_keep) * sigma + mu))
    weight = np.empty(n_keep)
    weight[np.argsort(score, kind="stable")] = lognormal
    return pre, post, weight


def _bernoulli_block(rng, pre_range, post_range, p, exclude_self):
    """Independent Bernoulli(p) synapses from every neuron of ``pre_range`` to ``post_range``."""
    pre_ids = np.arange(*pre_range)
    n_post = post_range[1] - post_range[0]
    pres, posts = [], []
    for i in pre_ids:
        if exclude_self and post_range[0] <= i < post_range[1]:
            others = n_post - 1
            k = rng.binomial(others, p)
            chosen = rng.choice(others, size=k, replace=False) + post_range[0]
            chosen[chosen >= i] += 1
        else:
            k = rng.binomial(n_post, p)
            chosen = rng.choice(n_post, size=k, replace=False) + post_range[0]
        pres.append(np.full(k, i, dtype=np.int64))
        posts.append(chosen.astype(np.int64))
    if not pres:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(pres), np.concatenate(posts)


class _SequentialDraws:
    """``draws="sequential"``: every random number from one generator seeded by ``seed``, in
    the order of construction (patterns, E→E noise, E→I, I→E, I→I, delays, α), like the
    reference's one global generator."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    def stream(self, purpose):
        return self.rng

    def patterns(self, n_exc, n_patterns, f):
        return _draw_patterns(self.rng, n_exc, n_patterns, f)

    def pair_noise(self, pre, post):
        return self.rng.random(len(pre))

    def absent_pairs(self, n_exc, count, present):
        extra = _sample_absent_pairs(self.rng, n_exc, count, present)
        return extra, self.rng.random(len(extra))

    def delay_uniforms(self, pre, post, n_total):
        return self.rng.random(len(pre))


class _NestedDraws:
    """``draws="nested"``: what a synapse, pattern or neuron gets does not depend on how many
    patterns there are. Pattern k draws from its own generator ``(seed, salt, k)``; each of
    the E→E weights, E→I, I→E, I→I blocks and α from its own; the E→E score noise and every
    delay are ``rng.keyed_uniform`` of the synapse's (pre, post). So the first P₀ patterns,
    the inhibitory blocks, the delays and each pair's noise are the same for every P ≥ P₀."""

    SALTS = {"pattern": 101, "pair_noise": 102, "ee_weight": 103, "ie": 104, "ei": 105,
             "ii": 106, "delay": 107, "alpha": 108}  # fmt: skip

    def __init__(self, seed):
        self.seed = int(seed)

    def stream(self, purpose):
        return np.random.default_rng([self.seed, self.SALTS[purpose]])

    def patterns(self, n_exc, n_patterns, f):
        sizes, members = np.zeros(n_patterns, np.int64), []
        for k in range(n_patterns):
            g = np.random.default_rng([self.seed, self.SALTS["pattern"], k])
            sizes[k] = g.binomial(n_exc, f)
            members.append(np.sort(g.choice(n_exc, size=sizes[k], replace=False)))
        indptr = np.zeros(n_patterns + 1, dtype=np.int64)
        np.cumsum(sizes, out=indptr[1:])
        return indptr, np.concatenate(members).astype(np.int32)

    def pair_noise(self, pre, post):
        return keyed_uniforms(self._base("pair_noise"), _pair_key(pre, post))

    def absent_pairs(self, n_exc, count, present):
        return _top_keyed_absent_pairs(self._base("pair_noise"), n_exc, count, present)

    def delay_uniforms(self, pre, post, n_total):
        return keyed_uniforms(self._base("delay"), _pair_key(pre, post))

    def _base(self, purpose):
        return seed_word(self.seed, self.SALTS[purpose])


def _pair_key(pre, post):
    """The key of synapse (pre, post), independent of the network's size: pre·2³² + post."""
    return np.asarray(pre, np.int64) * (1 << 32) + np.asarray(post, np.int64)


def generate_connectivity(params: ConnectivityParams) -> Network:
    """Build the network of A1 from ``params`` (seeded by ``params.seed``; ``params.draws``
    says how the random numbers are laid out: ``_SequentialDraws``, ``_NestedDraws``)."""
    draws = (_NestedDraws if params.draws == "nested" else _SequentialDraws)(params.seed)
    n_exc, n_inh = params.n_exc, params.n_inh
    n_total = n_exc + n_inh
    exc, inh = (0, n_exc), (n_exc, n_total)
    pattern_indptr, pattern_members = draws.patterns(
        n_exc, params.n_patterns, params.pattern_sparsity
    )
    ee_pre, ee_post, ee_w = _ee_block(params, pattern_indptr, pattern_members, draws)
    ie_pre, ie_post = _bernoulli_block(draws.stream("ie"), exc, inh, params.p_ie, False)
    ei_pre, ei_post = _bernoulli_block(draws.stream("ei"), inh, exc, params.p_ei, False)
    ii_pre, ii_post = _bernoulli_block(draws.stream("ii"), inh, inh, params.p_ii, True)
    pre = np.concatenate([ee_pre, ie_pre, ei_pre, ii_pre])
    post = np.concatenate([ee_post, ie_post, ei_post, ii_post])
    weight = np.concatenate(
        [
            ee_w,
            np.full(len(ie_pre), params.ie_nS),
            np.full(len(ei_pre), params.ei_nS),
            np.full(len(ii_pre), params.ii_nS),
        ]
    )
    # presynaptic rescaling of E neurons by pattern participation m_j; the reference writes
    # exp((m - P*f) / P*f), i.e. exp(((m - P*f) / P) * f) by Python precedence: kept as is.
    participation = np.bincount(pattern_members, minlength=n_exc)
    pf = params.n_patterns * params.pattern_sparsity
    factor = libm_exp((participation - pf) / params.n_patterns * params.pattern_sparsity)
    is_exc_pre = pre < n_exc
    weight[is_exc_pre] /= factor[pre[is_exc_pre]]
    delay_ms = draws.delay_uniforms(pre, post, n_total) * params.delay_range_ms
    delay_ms[is_exc_pre] += params.exc_extra_delay_ms
    delay = np.rint(delay_ms / params.dt_ms).astype(np.int16)
    exc_alpha = draws.stream("alpha").standard_normal(n_exc)
    return network_from_synapses(
        n_exc, n_inh, pre, post, weight, delay, pattern_indptr, pattern_members, exc_alpha,
        dt_ms=params.dt_ms, pattern_sparsity=params.pattern_sparsity, seed=params.seed,
    )  # fmt: skip


def network_from_synapses(
    n_exc, n_inh, pre, post, weight_nS, delay_steps, pattern_indptr=None, pattern_members=None,
    exc_alpha=None, *, dt_ms=0.1, pattern_sparsity=0.0, seed=0,
):  # fmt: skip
    """A ``Network`` from synapse lists in any order (sorted here by pre, delay, post)."""
    pre = np.asarray(pre, dtype=np.int64)
    post = np.asarray(post, dtype=np.int64)
    delay = np.asarray(delay_steps, dtype=np.int16)
    n_total = n_exc + n_inh
    order = np.lexsort((post, delay, pre))
    indptr = np.zeros(n_total + 1, dtype=np.int64)
    np.cumsum(np.bincount(pre, minlength=n_total), out=indptr[1:])
    return Network(
        n_exc=n_exc,
        n_inh=n_inh,
        indptr=indptr,
        post=post[order].astype(np.int32),
        weight_nS=np.asarray(weight_nS, dtype=np.float32)[order],
        delay_steps=delay[order],
        pattern_indptr=np.zeros(1, np.int64) if pattern_indptr is None else pattern_indptr,
        pattern_members=np.zeros(0, np.int32) if pattern_members is None else pattern_members,
        exc_alpha=np.zeros(n_exc) if exc_alpha is None else exc_alpha,
        dt_ms=dt_ms,
        pattern_sparsity=pattern_sparsity,
        seed=seed,
    )


def save_connectivity(network: Network, path, extra_attrs=None):
    """Write ``network`` to ``path`` atomically (layout: docs/data-format.md)."""
    with atomic_h5(path, CONNECTIVITY) as f:
        set_attrs(
            f,
            n_exc=network.n_exc,
            n_inh=network.n_inh,
            n_patterns=network.n_patterns,
            pattern_sparsity=network.pattern_sparsity,
            seed=network.seed,
            dt_ms=network.dt_ms,
            **(extra_attrs or {}),
        )
        for name, data in (
            ("synapses/indptr", network.indptr),
            ("synapses/post", network.post),
            ("synapses/weight_nS", network.weight_nS),
            ("synapses/delay_steps", network.delay_steps),
            ("patterns/indptr", network.pattern_indptr),
            ("patterns/members", network.pattern_members),
            ("neurons/exc_alpha", network.exc_alpha),
        ):
            create_dataset(f, name, data=data)


_DATASETS = (
    "synapses/indptr",
    "synapses/post",
    "synapses/weight_nS",
    "synapses/delay_steps",
    "patterns/indptr",
    "patterns/members",
    "neurons/exc_alpha",
)
_ATTRS = ("n_exc", "n_inh", "dt_ms", "pattern_sparsity", "seed")


def load_connectivity(path) -> Network:
    """Read and check a connectivity file; any inconsistency names the file."""
    with open_checked(path, CONNECTIVITY, _DATASETS, _ATTRS) as f:
        network = Network(
            n_exc=int(f.attrs["n_exc"]),
            n_inh=int(f.attrs["n_inh"]),
            indptr=read(f["synapses/indptr"]),
            post=read(f["synapses/post"]),
            weight_nS=read(f["synapses/weight_nS"]),
            delay_steps=read(f["synapses/delay_steps"]),
            pattern_indptr=read(f["patterns/indptr"]),
            pattern_members=read(f["patterns/members"]),
            exc_alpha=read(f["neurons/exc_alpha"]),
            dt_ms=float(f.attrs["dt_ms"]),
            pattern_sparsity=float(f.attrs["pattern_sparsity"]),
            seed=int(f.attrs["seed"]),
        )
    _validate(network, path)
    return network


def _validate(net: Network, path):
    def fail(reason):
        raise DataFileError(f"{path}: {reason}")

    n = net.n_total
    if net.n_exc < 1 or net.n_inh < 1:
        fail(f"population sizes n_exc={net.n_exc}, n_inh={net.n_inh} must be positive")
    if len(net.indptr) != n + 1:
        fail(f"synapses/indptr has {len(net.indptr)} entries, expected n_exc+n_inh+1 = {n + 1}")
    s = net.n_synapses
    if net.indptr[0] != 0 or net.indptr[-1] != s or np.any(np.diff(net.indptr) < 0):
        fail(f"synapses/indptr is not a valid CSR pointer for {s} synapses")
    if len(net.weight_nS) != s or len(net.delay_steps) != s:
        fail("synapses/post, weight_nS and delay_steps differ in length")
    if s and (net.post.min() < 0 or net.post.max() >= n):
        fail(f"synapses/post holds indices outside [0, {n})")
    if s and net.delay_steps.min() < 0:
        fail("negative synaptic delay")
    # finite everywhere; non-negative except on I→E synapses, which the global rule (A4)
    # changes without bound
    bad = ~np.isfinite(net.weight_nS)
    if s and not bad.any():
        bad = (net.weight_nS < 0) & ~net.ei_mask()
    if bad.any():
        first = int(np.argmax(bad))
        fail(
            f"dataset synapses/weight_nS: {int(bad.sum())} weights are not finite, or negative "
            f"on a synapse that is not I→E (first at synapse {first}: {net.weight_nS[first]!r})"
        )
    if len(net.exc_alpha) != net.n_exc:
        fail(f"neurons/exc_alpha has {len(net.exc_alpha)} entries, expected n_exc={net.n_exc}")
    if not np.all(np.isfinite(net.exc_alpha)):
        fail("dataset neurons/exc_alpha holds values that are not finite")
    members = net.pattern_members
    if net.pattern_indptr[-1] != len(members) or (len(members) and members.max() >= net.n_exc):
        fail("patterns/indptr and patterns/members are inconsistent with n_exc")
    pre = net.presynaptic().astype(np.int64)
    key = (pre * 65536 + net.delay_steps.astype(np.int64)) * (n + 1) + net.post
    if s and np.any(np.diff(key) < 0):
        fail("synapses are not sorted by (pre, delay, post)")


@dataclass(frozen=True)
class Patterns:
    """Pattern membership as CSR: members of ``p`` are ``members[indptr[p]:indptr[p+1]]``."""

    path: str
    n_exc: int
    indptr: np.ndarray
    members: np.ndarray

    @property
    def n_patterns(self) -> int:
        return int(self.indptr.shape[0] - 1)


def check_patterns(indptr, members, n_exc: int, path: str = "<patterns>") -> Patterns:
    """Validate a pattern CSR (monotone pointers, members inside 0..n_exc-1)."""
    indptr = np.asarray(indptr, dtype=np.int64)
    members = np.asarray(members, dtype=np.int64)
    if indptr.ndim != 1 or indptr.size < 1 or indptr[0] != 0:
        raise DataFileError(f"{path}: patterns/indptr must be 1-D and start at 0")
    if np.any(np.diff(indptr) < 0) or indptr[-1] != members.size:
        raise DataFileError(
            f"{path}: patterns/indptr is not non-decreasing or does not end at "
            f"len(patterns/members) = {members.size}"
        )
    if members.size and (members.min() < 0 or members.max() >= n_exc):
        raise DataFileError(f"{path}: patterns/members outside the E range 0..{n_exc - 1}")
    if members.size > 1:
        within = np.ones(members.size - 1, dtype=bool)
        cuts = indptr[1:-1]
        within[cuts[(cuts > 0) & (cuts < members.size)] - 1] = False
        if np.any(np.diff(members)[within] <= 0):
            raise DataFileError(f"{path}: patterns/members not strictly ascending within a pattern")
    return Patterns(path, int(n_exc), indptr, members)


def load_patterns(path: str | os.PathLike) -> Patterns:
    """Read ``patterns/indptr`` and ``patterns/members`` of a connectivity file."""
    with open_checked(
        path,
        CONNECTIVITY,
        datasets=("patterns/indptr", "patterns/members"),
        attrs=("n_exc",),
    ) as f:
        return check_patterns(
            read(f["patterns/indptr"]),
            read(f["patterns/members"]),
            int(f.attrs["n_exc"]),
            f.filename,
        )
