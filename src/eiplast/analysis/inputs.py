"""Each excitatory neuron's summed synaptic input weights (the paper's Fig 1J, "sum of
presynaptic weights").

For E neuron i: total inhibition = Σ_k w(k → i) over its inhibitory presynaptic neurons k (the
trained I→E weights), total excitation = Σ_j w(j → i) over its excitatory presynaptic neurons j
(E→E, not plastic), both in nS. Synapses of weight 0 add nothing, as in the reference's dense
weight matrix, where a missing synapse and a weight of 0 are the same.
"""

from __future__ import annotations

import numpy as np


def e_input_totals(
    indptr: np.ndarray, post: np.ndarray, weight_nS: np.ndarray, n_exc: int
) -> tuple[np.ndarray, np.ndarray]:
    """(total inhibition, total excitation) of every E neuron, each float64 of shape (n_exc,),
    nS, from a network in CSR by presynaptic neuron (``indptr`` (N+1,), ``post`` and
    ``weight_nS`` (S,), neurons ``0 … n_exc−1`` excitatory)."""
    indptr = np.asarray(indptr, np.int64)
    post = np.asarray(post, np.int64)
    weight = np.asarray(weight_nS, np.float64)
    from_exc = np.arange(post.size) < indptr[n_exc]
    onto_exc = post < n_exc
    totals = []
    for source in (~from_exc, from_exc):
        chosen = source & onto_exc
        totals.append(np.bincount(post[chosen], weights=weight[chosen], minlength=n_exc))
    return totals[0], totals[1]
