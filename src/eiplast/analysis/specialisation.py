"""Inhibitory specialisation (the paper's Figs 5 and S2): how unevenly inhibition is spread over
the inputs of each neuron and over the assemblies, and how much of an assembly's disynaptic
inhibition comes back to itself.

Weights are the trained network's, in nS; W_EI[i, k] is the I→E weight from I neuron k onto E
neuron i, W_IE[k, j] the E→I weight from E neuron j onto I neuron k, D[p, i] = 1 if E neuron i is
a member of pattern p. Entropies are in nats (natural logarithm); exp(H) is the effective number
of inputs (of assemblies) that share the weight.

* per E neuron i: q_k = W_EI[i, k] / Σ_k W_EI[i, k], H_i = −Σ_k q_k ln q_k;
* per I neuron k: A = D · W_EI (P × n_inh, the weight k sends onto the members of p; a neuron
  in several patterns counts in each), q_p = A[p, k] / Σ_p A[p, k], H_k = −Σ_p q_p ln q_p; the
  same with random assemblies of the same sizes gives the baseline;
* self-feedback of assembly b: M = D · W_EI · W_IE · Dᵀ (M[a, b]: disynaptic inhibition from
  the members of b onto those of a), S = M with each column b divided by the size of b,
  r_a = mean of S[a, ·] without the diagonal, S' = S / r_a (by row), o_b = mean of S'[·, b]
  without the diagonal, feedback_b = (S'[b, b] − o_b) / o_b.

The reference computes the same from dense matrices (``analysis/specificity.py``); a synapse of
weight 0 contributes nothing there and here (0 ln 0 = 0).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse, stats

# the reference's "uniform" network: the existing I→E synapses all at this weight (nS); the
# entropies do not depend on the value
UNIFORM_WEIGHT_NS = 0.5
UNIFORM_LABEL = "uniform"


def _block(indptr, post, weight_nS, n_exc: int, *, from_exc: bool, onto_exc: bool):
    """The weights from one population onto another as a sparse [post, pre] matrix (indices
    within each population), nS, from a network in CSR by presynaptic neuron."""
    indptr = np.asarray(indptr, np.int64)
    n_total = indptr.size - 1
    post = np.asarray(post, np.int64)
    pre = np.repeat(np.arange(n_total), np.diff(indptr))
    chosen = ((pre < n_exc) == from_exc) & ((post < n_exc) == onto_exc)
    pre_offset, post_offset = (0 if from_exc else n_exc), (0 if onto_exc else n_exc)
    n_post = n_exc if onto_exc else n_total - n_exc
    n_pre = n_exc if from_exc else n_total - n_exc
    return sparse.csr_array(
        (
            np.asarray(weight_nS, np.float64)[chosen],
            (post[chosen] - post_offset, pre[chosen] - pre_offset),
        ),
        shape=(n_post, n_pre),
    )


def ei_matrix(indptr, post, weight_nS, n_exc: int) -> sparse.csr_array:
    """W_EI as a sparse (n_exc, n_inh) matrix [E post, I pre], nS, from a network in CSR by
    presynaptic neuron (neurons ``0 … n_exc−1`` excitatory)."""
    return _block(indptr, post, weight_nS, n_exc, from_exc=False, onto_exc=True)


def ee_matrix(indptr, post, weight_nS, n_exc: int) -> sparse.csr_array:
    """W_EE as a sparse (n_exc, n_exc) matrix [E post, E pre], nS."""
    return _block(indptr, post, weight_nS, n_exc, from_exc=True, onto_exc=True)


def ie_matrix(indptr, post, weight_nS, n_exc: int) -> sparse.csr_array:
    """W_IE as a sparse (n_inh, n_exc) matrix [I post, E pre], nS."""
    return _block(indptr, post, weight_nS, n_exc, from_exc=True, onto_exc=False)


def pattern_matrix(pattern_indptr, pattern_members, n_exc: int) -> sparse.csr_array:
    """D as a sparse 0/1 (P, n_exc) matrix from the pattern CSR."""
    indptr = np.asarray(pattern_indptr, np.int64)
    members = np.asarray(pattern_members, np.int64)
    return sparse.csr_array(
        (np.ones(members.size), members, indptr), shape=(indptr.size - 1, n_exc)
    )


def random_patterns(pattern_indptr, n_exc: int, rng: np.random.Generator) -> np.ndarray:
    """Members of random assemblies with the sizes of ``pattern_indptr``'s: each a uniform draw
    of distinct E neurons (ascending), independent across assemblies; CSR members array."""
    sizes = np.diff(np.asarray(pattern_indptr, np.int64))
    return np.concatenate(
        [np.sort(rng.choice(n_exc, size=int(s), replace=False)) for s in sizes]
        or [np.zeros(0, np.int64)]
    )


def row_entropy(matrix) -> np.ndarray:
    """Entropy (nats) of every row of a non-negative matrix (dense or sparse) normalised to sum
    1; NaN for a row of zeros."""
    m = sparse.csr_array(matrix)
    w = m.data
    w_log_w = np.where(w > 0, w * np.log(np.where(w > 0, w, 1.0)), 0.0)
    rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    total = np.bincount(rows, weights=w, minlength=m.shape[0])
    sum_w_log_w = np.bincount(rows, weights=w_log_w, minlength=m.shape[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        # H = −Σ (w/T) ln(w/T) = ln T − Σ w ln w / T
        return np.where(total > 0, np.log(total) - sum_w_log_w / total, np.nan)


def uniform_matrix(matrix: sparse.csr_array) -> sparse.csr_array:
    """``matrix`` with every positive entry set to ``UNIFORM_WEIGHT_NS``."""
    m = sparse.csr_array(matrix, copy=True)
    m.data = np.where(m.data > 0, UNIFORM_WEIGHT_NS, 0.0)
    m.eliminate_zeros()
    return m


def self_feedback(d: sparse.csr_array, w_ei, w_ie) -> np.ndarray:
    """Self-feedback of every assembly (shape (P,), see the module docstring) from D (P, n_exc),
    W_EI (n_exc, n_inh) and W_IE (n_inh, n_exc)."""
    onto = (d @ w_ei).toarray()  # (P, n_inh): inhibition each I neuron sends onto each assembly
    driven = (w_ie @ d.T).toarray()  # (n_inh, P): drive each assembly gives each I neuron
    m = onto @ driven  # (P, P): from the members of b (column) onto those of a (row)
    sizes = np.asarray(d.sum(axis=1)).ravel()
    s = m / sizes[None, :]
    n = s.shape[0]
    diagonal = np.diag(s).copy()
    received = (s.sum(axis=1) - diagonal) / (n - 1)
    s_norm = s / received[:, None]
    diagonal = np.diag(s_norm)
    sent = (s_norm.sum(axis=0) - diagonal) / (n - 1)
    return (diagonal - sent) / sent


def specialisation_summary(
    neuron: pd.DataFrame,
    assembly: pd.DataFrame,
    random_assembly: pd.DataFrame,
    feedback: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per label (the columns: rules, and ``uniform``): the mean over E neurons of exp(H_i)
    (``neuron_exp_entropy``), the means over I neurons of exp(H_k) for the assemblies and the
    random ones (``assembly_exp_entropy``, ``random_exp_entropy``), their difference in % of
    the random one (``assembly_vs_random_pct``), the paired t statistic of exp(H_k) embedded
    against random over I neurons (``paired_t``), and the mean self-feedback
    (``mean_self_feedback``, where ``feedback`` has the label). Tables: one column per label,
    entropies in nats (the layout of the reference's published files)."""
    rows = []
    for label in neuron.columns:
        embedded = np.exp(assembly[label].to_numpy(float))
        baseline = np.exp(random_assembly[label].to_numpy(float))
        has_feedback = feedback is not None and label in feedback.columns
        rows.append({
            "label": label,
            "neuron_exp_entropy": float(np.nanmean(np.exp(neuron[label].to_numpy(float)))),
            "assembly_exp_entropy": float(np.nanmean(embedded)),
            "random_exp_entropy": float(np.nanmean(baseline)),
            "assembly_vs_random_pct": float(
                100.0 * (np.nanmean(embedded) - np.nanmean(baseline)) / np.nanmean(baseline)
            ),
            "paired_t": float(stats.ttest_rel(embedded, baseline, nan_policy="omit").statistic),
            "mean_self_feedback": (
                float(feedback[label].mean()) if has_feedback else np.nan
            ),
        })  # fmt: skip
    return pd.DataFrame(rows)
