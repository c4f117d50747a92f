"""Eigenvalues of the linearised network and its leading mode (paper Fig 8; reference
``src/eigenvalues.py``, ``analysis/fig6/spinglass_activations.py``).

The linearised rate model: a presynaptic rate change δr_j (Hz) adds w_ij · τ_syn · δr_j to the
mean conductance of i (τ_syn = 6 ms), and i responds by 10 · χ_i Hz per nS (χ, the linear
sensitivity, is in spikes per 100 ms per nS). So

    J = LINEAR_GAIN · W_χ,   W_χ[i, j] = χ_i^{type(j)} · w_ij,   LINEAR_GAIN = 10 · 0.006 = 0.06

(the reference multiplies its eigenvalues by 6/100), with χ^E (``activation_exc``) for
excitatory and χ^I (``activation_inh``, negative) for inhibitory presynaptic neurons, every
synapse of the trained network (nS). Re λ(J) > 1 would make τ ṙ = −r + J r unstable. χ^I is
referred to the amplitude grid a although the inhibitory pulses were 2a (A6), so the I columns
are twice the per-nS slope — as in the reference.

Leading mode: ARPACK's ``eigs`` for the ``k`` eigenvalues of largest modulus (seeded start
vector), the one of largest real part among them; its eigenvector's real part, sign fixed so
that its largest E component is positive (the reference's sign is arbitrary). The eigen-assembly
is the ``size`` E neurons with the largest components; its overlap with each pattern is the
number of shared neurons.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg, sparse
from scipy.sparse import linalg as sparse_linalg

# τ_syn (s) × 10 (per 100 ms → per s): the gain of J = LINEAR_GAIN · W_χ
LINEAR_GAIN = 10 * 0.006


def chi_weights(indptr, post, weight_nS, n_exc: int, chi_exc, chi_inh) -> sparse.csr_array:
    """W_χ as a sparse (N, N) matrix [post, pre]: each synapse's weight times its target's χ
    of the source's type."""
    indptr = np.asarray(indptr, np.int64)
    n = indptr.size - 1
    post = np.asarray(post, np.int64)
    pre = np.repeat(np.arange(n), np.diff(indptr))
    chi = np.where(pre < n_exc, np.asarray(chi_exc, float)[post], np.asarray(chi_inh, float)[post])
    return sparse.csr_array((np.asarray(weight_nS, float) * chi, (post, pre)), shape=(n, n))


def full_spectrum(j: sparse.sparray) -> np.ndarray:
    """Every eigenvalue of J (dense LAPACK, no vectors): O(N³)."""
    return linalg.eigvals(sparse.csr_array(j).toarray(), check_finite=False)


def leading_mode(j: sparse.sparray, *, k: int, seed: int, n_exc: int):
    """(eigenvalue, real eigenvector with its largest E component positive) of the largest real
    part among the ``k`` eigenvalues of largest modulus."""
    n = j.shape[0]
    v0 = np.random.default_rng(seed).random(n)
    values, vectors = sparse_linalg.eigs(sparse.csr_array(j), k=min(k, n - 2), which="LM", v0=v0)
    best = int(np.argmax(values.real))
    vector = vectors[:, best].real
    if vector[np.argmax(np.abs(vector[:n_exc]))] < 0:
        vector = -vector
    return values[best], vector


def eigen_assembly(vector, n_exc: int, size: int) -> np.ndarray:
    """The ``size`` E neurons with the largest components (descending, ties by index)."""
    return np.argsort(-np.asarray(vector)[:n_exc], kind="stable")[:size]


def shared_with_patterns(neurons, pattern_indptr, pattern_members) -> np.ndarray:
    """Number of ``neurons`` in each pattern, shape (P,)."""
    indptr = np.asarray(pattern_indptr, np.int64)
    inside = np.isin(np.asarray(pattern_members), np.asarray(neurons))
    owner = np.repeat(np.arange(indptr.size - 1), np.diff(indptr))
    return np.bincount(owner, weights=inside, minlength=indptr.size - 1).astype(int)
