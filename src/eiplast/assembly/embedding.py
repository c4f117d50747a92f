"""Sequential embedding (docs/forgetting.md): a network with more assemblies that keeps the
inhibition a trained network learnt for fewer.

Both networks come from ``generate_connectivity`` with ``draws="nested"`` and the same seed and
sizes, the larger with P₁ > P₀ patterns. Nested draws make the first P₀ patterns the same and
every inhibitory neuron's outgoing synapses (I→E and I→I: targets, delays, initial weights)
the same, so the trained I→E weights carry over synapse by synapse. The E→E block is that of P₁
patterns drawn afresh (its fixed budget of synapses is shared by more assemblies), E→I keeps
its synapses with the rescaling of P₁.
"""

from dataclasses import replace

import numpy as np

from eiplast.assembly.connectivity import Network


class EmbeddingError(ValueError):
    """The two networks are not a nested pair (different sizes, seeds, patterns or I rows)."""


def carry_inhibition(network: Network, trained: Network, *, names=("network", "trained")):
    """``network`` (P₁ patterns) with the I→E and I→I weights of ``trained`` (P₀ ≤ P₁ patterns,
    the first P₀ identical); every other array is ``network``'s. ``names`` label the two in
    errors (file names)."""
    new_name, old_name = names
    if (network.n_exc, network.n_inh, network.seed) != (trained.n_exc, trained.n_inh, trained.seed):
        raise EmbeddingError(
            f"{old_name} ({trained.n_exc} E, {trained.n_inh} I, seed {trained.seed}) and "
            f"{new_name} ({network.n_exc} E, {network.n_inh} I, seed {network.seed}) are not "
            "the same network at two numbers of patterns"
        )
    p_old = trained.n_patterns
    if p_old > network.n_patterns:
        raise EmbeddingError(
            f"{old_name} has {p_old} patterns, more than {new_name} ({network.n_patterns})"
        )
    kept = trained.pattern_indptr[-1]
    if not (
        np.array_equal(network.pattern_indptr[: p_old + 1], trained.pattern_indptr)
        and np.array_equal(network.pattern_members[:kept], trained.pattern_members)
    ):
        raise EmbeddingError(
            f"the first {p_old} patterns of {new_name} differ from those of {old_name}: build "
            "both with network.draws = nested"
        )
    first, last = network.indptr[network.n_exc], network.indptr[-1]
    old_first = trained.indptr[trained.n_exc]
    rows = slice(network.n_exc, None)
    same_rows = np.array_equal(
        np.diff(network.indptr[rows]), np.diff(trained.indptr[trained.n_exc :])
    ) and (last - first == trained.indptr[-1] - old_first)
    if not same_rows or not (
        np.array_equal(network.post[first:last], trained.post[old_first:])
        and np.array_equal(network.delay_steps[first:last], trained.delay_steps[old_first:])
    ):
        raise EmbeddingError(
            f"the inhibitory synapses of {new_name} and {old_name} differ: build both with "
            "network.draws = nested"
        )
    weight = network.weight_nS.copy()
    weight[first:last] = trained.weight_nS[old_first:]
    return replace(network, weight_nS=weight)
