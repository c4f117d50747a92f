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
import pandas as pd
from scipy import linalg, sparse
from scipy.sparse import linalg as sparse_linalg

from eiplast.engine.formats import bisect_step, open_spikes, spike_meta, steps_per
from eiplast.engine.h5io import read

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


def set_activity(spike_file, sets, *, stop_s: float, bin_ms: float):
    """Activity of neuron sets in the spontaneous run ``spike_file`` over [0, stop_s) in
    ``bin_ms`` bins (the reference's Fig 8 C–F: 100 ms, the first 1000 s): per set the fraction
    of its neurons with at least one spike in each bin and their mean spike count per bin;
    two arrays of shape (len(sets), bins)."""
    with open_spikes(spike_file) as f:
        meta = spike_meta(f)
        bin_steps = steps_per(spike_file, bin_ms, meta.dt_ms, "analysis.eigen_activity.bin_ms")
        n_bins = min(int(round(stop_s * 1000.0 / bin_ms)), meta.n_steps // bin_steps)
        ds_s = f["spikes/step"]
        end = bisect_step(ds_s, n_bins * bin_steps)
        steps = np.asarray(read(ds_s, slice(0, end)), np.int64)
        neurons = np.asarray(read(f["spikes/neuron"], slice(0, end)), np.int64)
    bins = steps // bin_steps
    active = np.zeros((len(sets), n_bins))
    counts = np.zeros((len(sets), n_bins))
    for i, members in enumerate(sets):
        members = np.asarray(members, np.int64)
        mine = np.isin(neurons, members)
        counts[i] = np.bincount(bins[mine], minlength=n_bins)[:n_bins] / members.size
        pairs = np.unique(neurons[mine] * n_bins + bins[mine])
        active[i] = np.bincount(pairs % n_bins, minlength=n_bins)[:n_bins] / members.size
    return active, counts


def activation_correlations(activity: pd.DataFrame) -> pd.DataFrame:
    """Per closest pattern of an ``eigen_activity`` table (one rule): the Pearson correlation
    of its active-fraction trace with the eigen-assembly's (set 0), and the shared neurons."""
    eigen = activity[activity["set"] == 0]["active_fraction"].to_numpy(float)
    rows = []
    for (_, pattern), part in activity[activity["set"] > 0].groupby(["set", "pattern"]):
        trace = part["active_fraction"].to_numpy(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            r = float(np.corrcoef(eigen, trace)[0, 1]) if eigen.std() and trace.std() else np.nan
        rows.append({"pattern": int(pattern), "shared": int(part["shared"].iloc[0]),
                     "correlation": r})  # fmt: skip
    return pd.DataFrame(rows, columns=["pattern", "shared", "correlation"])
