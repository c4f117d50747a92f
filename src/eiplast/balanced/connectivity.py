"""Sparse Bernoulli connectivity of the balanced network (docs/model-description.md Part B).

The reference (``PlasticNeuralNetwork.connectivity``) fills dense matrices ``J`` (N×N) and ``Jx``
(N×N_x) with ``j/√N · Bernoulli(p)`` per (post, pre) pair, autapses included. Here the synapses
are stored in CSR by presynaptic neuron (the layout of the assembly network's ``Network``: all
delays are 0, so within a neuron synapses are sorted by post), memory grows with synapses.

Every (pre, post) pair is an independent Bernoulli(p) trial: for each presynaptic neuron the
targets of one block are drawn by geometric skipping (gap = ⌊ln U / ln(1 − p)⌋), which visits the
same distribution as one trial per pair in O(number of synapses). Each presynaptic neuron has
its own random stream (``eiplast.engine.rng.neuron_streams``), so a first pass counts and a
second pass fills the same synapses.
"""

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from eiplast.balanced.params import CONNECTIONS, BalancedParams
from eiplast.engine import rng

_SALT_RECURRENT = 101
_SALT_EXTERNAL = 102
_SALT_OPTO = 103


@dataclass
class BalancedNetwork:
    """Recurrent (E then I neurons) and external (X) synapses, CSR by presynaptic neuron.

    ``weight`` and ``x_weight`` are J = j/√N (float64): a spike adds J/τ to the target's current.
    ``mid[k]`` is the first synapse of neuron ``k`` onto an I neuron (targets < n_exc come first).
    The external rows are the X layer's ``n_ext`` neurons, then the ``n_opto`` neurons of the
    stimulation layer (``BalancedParams.opto_*``; none by default).
    """

    n_exc: int
    n_inh: int
    n_ext: int
    indptr: np.ndarray  # int64 (N+1,)
    post: np.ndarray  # int32 (S,)
    weight: np.ndarray  # float64 (S,)
    x_indptr: np.ndarray  # int64 (N_x+1,)
    x_post: np.ndarray  # int32 (S_x,)
    x_weight: np.ndarray  # float64 (S_x,)
    n_opto: int = 0

    @property
    def n_total(self):
        return self.n_exc + self.n_inh

    @property
    def n_synapses(self):
        return len(self.post)

    def presynaptic(self):
        """Presynaptic neuron of every recurrent synapse (int32)."""
        return np.repeat(np.arange(self.n_total, dtype=np.int32), np.diff(self.indptr))

    def mid(self):
        """Index of the first synapse onto an I neuron, per presynaptic neuron (int64)."""
        return first_inh_target(self.indptr, self.post, self.n_exc)

    def connection_masks(self):
        """{ee, ie, ei, ii: boolean mask of the recurrent synapses of that type}."""
        return connection_masks(self.indptr, self.post, self.n_exc)

    def connection_mask(self, connection):
        """Boolean mask of the recurrent synapses of type ``connection`` (ee, ie, ei, ii)."""
        if connection not in CONNECTIONS:
            raise ValueError(f"unknown connection {connection!r}; expected ee, ie, ei or ii")
        return self.connection_masks()[connection]

    def copy(self):
        return BalancedNetwork(
            self.n_exc, self.n_inh, self.n_ext, self.indptr.copy(), self.post.copy(),
            self.weight.copy(), self.x_indptr.copy(), self.x_post.copy(), self.x_weight.copy(),
            self.n_opto,
        )  # fmt: skip


def connection_masks(indptr, post, n_exc):
    """{ee, ie, ei, ii: boolean mask of the synapses of that type} of a CSR-by-presynaptic
    connectivity (target population first, as in J_{post,pre})."""
    pre_exc = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr)) < n_exc
    post_exc = np.asarray(post) < n_exc
    return {
        "ee": pre_exc & post_exc,
        "ie": pre_exc & ~post_exc,
        "ei": ~pre_exc & post_exc,
        "ii": ~pre_exc & ~post_exc,
    }


@njit(cache=True)
def first_inh_target(indptr, post, n_exc):
    n = len(indptr) - 1
    mid = np.empty(n, dtype=np.int64)
    for k in range(n):
        s = indptr[k]
        end = indptr[k + 1]
        while s < end and post[s] < n_exc:
            s += 1
        mid[k] = s
    return mid


@njit(cache=True)
def _skip_block(word, log_q, p, lo, hi, skip_self, out, n_out, write):
    """Bernoulli(p) targets in [lo, hi) by geometric skipping; optionally leave out ``skip_self``.

    Appends to ``out`` from ``n_out`` when ``write``; returns (new count, word)."""
    if p <= 0.0 or hi <= lo:
        return n_out, word
    if p >= 1.0:
        for j in range(lo, hi):
            if j != skip_self:
                if write:
                    out[n_out] = j
                n_out += 1
        return n_out, word
    j = lo - 1
    while True:
        u, word = rng.next_uniform(word)
        j += 1 + int(math.floor(math.log(1.0 - u) / log_q))
        if j >= hi:
            return n_out, word
        if j != skip_self:
            if write:
                out[n_out] = j
            n_out += 1


@njit(cache=True)
def _bernoulli_csr(words, n_exc, n_post, p_to_exc, p_to_inh, pre_is_exc, self_offset):
    """CSR of Bernoulli targets for every presynaptic neuron (stream ``words[k]``).

    Targets [0, n_exc) with probability ``p_to_exc[pre population]``, [n_exc, n_post) with
    ``p_to_inh[...]``. ``self_offset`` ≥ 0: neuron k's own index k + self_offset is excluded
    (no autapses); −1 keeps every pair."""
    n_pre = words.shape[0]
    counts = np.zeros(n_pre + 1, dtype=np.int64)
    dummy = np.empty(0, dtype=np.int32)
    for k in range(n_pre):
        pop = 0 if pre_is_exc[k] else 1
        own = k + self_offset if self_offset >= 0 else -1
        w = words[k]
        c, w = _skip_block(w, math.log1p(-p_to_exc[pop]) if p_to_exc[pop] < 1.0 else -1.0,
                           p_to_exc[pop], 0, n_exc, own, dummy, 0, False)  # fmt: skip
        c, w = _skip_block(w, math.log1p(-p_to_inh[pop]) if p_to_inh[pop] < 1.0 else -1.0,
                           p_to_inh[pop], n_exc, n_post, own, dummy, c, False)  # fmt: skip
        counts[k + 1] = counts[k] + c
    post = np.empty(counts[n_pre], dtype=np.int32)
    for k in range(n_pre):
        pop = 0 if pre_is_exc[k] else 1
        own = k + self_offset if self_offset >= 0 else -1
        w = words[k]
        c, w = _skip_block(w, math.log1p(-p_to_exc[pop]) if p_to_exc[pop] < 1.0 else -1.0,
                           p_to_exc[pop], 0, n_exc, own, post, counts[k], True)  # fmt: skip
        c, w = _skip_block(w, math.log1p(-p_to_inh[pop]) if p_to_inh[pop] < 1.0 else -1.0,
                           p_to_inh[pop], n_exc, n_post, own, post, c, True)  # fmt: skip
    return counts, post


def generate_balanced_network(params: BalancedParams) -> BalancedNetwork:
    """Bernoulli connectivity of ``params`` (seed ``params.net_seed``), weights j/√N.

    Autapses (E→E and I→I self-pairs) are drawn with probability p like every pair, as in the
    reference's dense matrices, unless ``params.autapses`` is False.
    """
    n_exc, n_inh, n_ext = params.n_exc, params.n_inh, params.n_ext
    n = n_exc + n_inh
    scale = 1.0 / params.sqrt_n
    words = rng.neuron_streams(params.net_seed, np.arange(n), _SALT_RECURRENT)
    pre_is_exc = np.arange(n) < n_exc
    indptr, post = _bernoulli_csr(
        words, n_exc, n,
        np.array([params.p_ee, params.p_ei]),  # onto E from (E, I)
        np.array([params.p_ie, params.p_ii]),  # onto I from (E, I)
        pre_is_exc, 0 if not params.autapses else -1,
    )  # fmt: skip
    pre = np.repeat(np.arange(n), np.diff(indptr))
    pre_exc = pre < n_exc
    post_exc = post < n_exc
    weight = (
        np.where(
            pre_exc,
            np.where(post_exc, params.j_ee, params.j_ie),
            np.where(post_exc, params.j_ei, params.j_ii),
        )
        * scale
    )
    x_words = rng.neuron_streams(params.net_seed, np.arange(n_ext), _SALT_EXTERNAL)
    x_indptr, x_post = _bernoulli_csr(
        x_words, n_exc, n, np.array([params.p_ex, 0.0]), np.array([params.p_ix, 0.0]),
        np.ones(n_ext, dtype=np.bool_), -1,
    )  # fmt: skip
    x_weight = np.where(x_post < n_exc, params.j_ex, params.j_ix) * scale
    if params.opto:
        # the stimulation layer: rows after X's, targets among the first n_opto_targets E
        targets = params.n_opto_targets
        o_words = rng.neuron_streams(params.net_seed, np.arange(params.n_opto), _SALT_OPTO)
        o_indptr, o_post = _bernoulli_csr(
            o_words, targets, targets, np.array([params.p_opto, 0.0]), np.array([0.0, 0.0]),
            np.ones(params.n_opto, dtype=np.bool_), -1,
        )  # fmt: skip
        x_indptr = np.concatenate([x_indptr, x_indptr[-1] + o_indptr[1:]])
        x_post = np.concatenate([x_post, o_post])
        x_weight = np.concatenate([x_weight, np.full(len(o_post), params.j_opto * scale)])
    return BalancedNetwork(
        n_exc, n_inh, n_ext, indptr, post, weight.astype(np.float64), x_indptr, x_post,
        x_weight.astype(np.float64), params.n_opto,
    )  # fmt: skip


def network_from_dense(J, Jx, n_exc):
    """A ``BalancedNetwork`` from dense matrices in the reference's layout.

    ``J[post, pre]`` (N×N) and ``Jx[post, pre_x]`` (N×N_x), zeros meaning no synapse (as the
    reference: a weight that reaches exactly 0 is indistinguishable from an absent synapse).
    """
    J = np.asarray(J, dtype=np.float64)
    Jx = np.asarray(Jx, dtype=np.float64)
    n = J.shape[0]
    if J.shape != (n, n) or Jx.shape[0] != n:
        raise ValueError(f"J must be N×N and Jx N×N_x, got {J.shape} and {Jx.shape}")

    def csr(mat):  # mat[post, pre] → CSR by pre
        pre_major = np.ascontiguousarray(mat.T)
        pre, post = np.nonzero(pre_major)
        indptr = np.zeros(pre_major.shape[0] + 1, dtype=np.int64)
        np.cumsum(np.bincount(pre, minlength=pre_major.shape[0]), out=indptr[1:])
        return indptr, post.astype(np.int32), pre_major[pre, post]

    indptr, post, weight = csr(J)
    x_indptr, x_post, x_weight = csr(Jx)
    return BalancedNetwork(
        int(n_exc), n - int(n_exc), Jx.shape[1], indptr, post, weight, x_indptr, x_post, x_weight
    )


def to_dense(network: BalancedNetwork):
    """(J, Jx) dense in the reference's layout ``[post, pre]`` (for small networks and tests)."""
    n = network.n_total
    J = np.zeros((n, n))
    J[network.post, network.presynaptic()] = network.weight
    n_x = network.n_ext + network.n_opto
    Jx = np.zeros((n, n_x))
    x_pre = np.repeat(np.arange(n_x), np.diff(network.x_indptr))
    Jx[network.x_post, x_pre] = network.x_weight
    return J, Jx


@njit(cache=True)
def incoming_index(indptr, post, n_exc):
    """Incoming synapses of every neuron, from E sources first, then from I sources.

    Returns (in_ptr (N+1,), in_mid (N,), in_syn, in_pre): the synapses onto neuron q are
    ``in_syn[in_ptr[q]:in_ptr[q+1]]`` with presynaptic neurons ``in_pre[...]``, those from I
    neurons starting at ``in_mid[q]``; ascending presynaptic index within each part.
    """
    n = len(indptr) - 1
    count = np.zeros(n + 1, dtype=np.int64)
    n_from_exc = np.zeros(n, dtype=np.int64)
    for k in range(n):
        for s in range(indptr[k], indptr[k + 1]):
            count[post[s] + 1] += 1
            if k < n_exc:
                n_from_exc[post[s]] += 1
    for q in range(n):
        count[q + 1] += count[q]
    fill = count[:-1].copy()
    in_mid = count[:-1] + n_from_exc
    in_syn = np.empty(count[n], dtype=np.int64)
    in_pre = np.empty(count[n], dtype=np.int32)
    for k in range(n):
        for s in range(indptr[k], indptr[k + 1]):
            q = post[s]
            in_syn[fill[q]] = s
            in_pre[fill[q]] = k
            fill[q] += 1
    return count, in_mid, in_syn, in_pre
