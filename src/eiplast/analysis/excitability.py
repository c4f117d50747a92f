"""Which assemblies replay ("winner takes all", the paper's Fig 4): each assembly's mean robust
excitatory and inhibitory conductance against how often it replays.

For assembly p with members M_p: ``excitation_nS`` = mean over M_p of the E neurons' robust mean
g_e (the MCD location of the conductance statistics), ``inhibition_nS`` = the same of g_i (nS;
the reference calls them tot_excit and tot_inhib although they are conductances, not weights);
``replay_count`` = number of replay events of p in the spontaneous run. Summary per run: the
Spearman correlation of excitation with the replay count over the assemblies that replay at
least once, the Pearson correlation of excitation with "replays at all" (0/1), the Pearson
correlation of excitation with inhibition, and the number of assemblies replayed
(``analysis/fig3/excitability_factors.py`` and ``plotting/fig4/wta.py`` of the reference).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def assembly_means(values: np.ndarray, pattern_indptr, pattern_members) -> np.ndarray:
    """Mean of the per-E-neuron ``values`` over the members of every assembly, shape (P,)
    (NaN for an empty assembly)."""
    sizes = np.diff(np.asarray(pattern_indptr, np.int64))
    members = np.asarray(pattern_members, np.int64)
    owner = np.repeat(np.arange(sizes.size), sizes)
    sums = np.bincount(owner, weights=np.asarray(values, float)[members], minlength=sizes.size)
    means = np.full(sizes.size, np.nan)
    means[sizes > 0] = sums[sizes > 0] / sizes[sizes > 0]
    return means


def replay_counts(patterns_replayed: np.ndarray, n_patterns: int) -> np.ndarray:
    """Number of replay events of every assembly, shape (n_patterns,), from the pattern of each
    event."""
    return np.bincount(np.asarray(patterns_replayed, np.int64), minlength=n_patterns)


def excitability_summary(assemblies: pd.DataFrame) -> dict:
    """The summary of one run's assemblies (columns ``excitation_nS``, ``inhibition_nS``,
    ``replay_count``): see the module docstring; a correlation is NaN where it is undefined
    (fewer than two assemblies, or a constant variable)."""
    excitation = assemblies["excitation_nS"].to_numpy(float)
    inhibition = assemblies["inhibition_nS"].to_numpy(float)
    counts = assemblies["replay_count"].to_numpy(float)
    replayed = counts > 0

    def correlation(method, x, y):
        if x.size < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
            return np.nan
        return float(method(x, y).statistic)

    return {
        "spearman_excitation_replays": correlation(
            stats.spearmanr, excitation[replayed], counts[replayed]
        ),
        "pearson_excitation_replayed": correlation(
            stats.pearsonr, excitation, replayed.astype(float)
        ),
        "pearson_excitation_inhibition": correlation(stats.pearsonr, excitation, inhibition),
        "assemblies_replayed": int(replayed.sum()),
        "mean_excitation_nS": float(np.nanmean(excitation)),
        "mean_inhibition_nS": float(np.nanmean(inhibition)),
    }
