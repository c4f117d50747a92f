"""Connections within assemblies (reference ``analysis/connectivity_stats.py``): for every
pattern p of n members, the fraction of the n² ordered member pairs (i, j) with an E→E synapse
from j onto i (the diagonal included, where there is never one — as the reference counts) and
the mean weight of those synapses (nS); the same for random assemblies of the same sizes; the
means over patterns."""

from __future__ import annotations

import numpy as np
from scipy import sparse


def within_assembly(
    w_ee: sparse.sparray, pattern_indptr, pattern_members
) -> tuple[np.ndarray, np.ndarray]:
    """Per pattern the connection probability among its members and the mean weight of those
    connections (NaN where there are none); each shape (P,). ``w_ee``: [post, pre], nS."""
    w = sparse.csr_array(w_ee)
    indptr = np.asarray(pattern_indptr, np.int64)
    members = np.asarray(pattern_members, np.int64)
    prob = np.full(indptr.size - 1, np.nan)
    weight = np.full(indptr.size - 1, np.nan)
    for p in range(indptr.size - 1):
        m = members[indptr[p] : indptr[p + 1]]
        if m.size == 0:
            continue
        block = w[m][:, m]
        values = block.data[block.data > 0]
        prob[p] = values.size / m.size**2
        weight[p] = values.mean() if values.size else np.nan
    return prob, weight
