"""Who is susceptible (paper Fig S3; reference ``plotting/figS3/supp_suscept.py`` and
``suscept_particip.py``): each E neuron's linear sensitivity to excitatory input χ^EE against
its mean membrane potential and against how many assemblies it belongs to.

Mean membrane potential without spikes, from the robust mean conductances (nS):

    V̄ = (g_L E_L + ḡ_i E_i + ḡ_e E_e) / (g_L + ḡ_i + ḡ_e)        (mV)

Participation = the number of patterns a neuron is a member of. Summary per rule: mean and
coefficient of variation (sd with ddof 1 / mean, as pandas) of χ^EE over the E neurons, and the
Spearman correlations of χ^EE with participation and with V̄.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from eiplast.assembly.params import NeuronParams

NEURON_COLUMNS = ("neuron", "participation", "chi_ee", "mean_e", "mean_i", "v_mean_mV")


def mean_potential_mV(mean_e_nS, mean_i_nS, neuron: NeuronParams) -> np.ndarray:
    """V̄ of every neuron from its mean conductances (the equation above)."""
    g_e, g_i = np.asarray(mean_e_nS, float), np.asarray(mean_i_nS, float)
    g_l = neuron.g_leak_nS
    num = g_l * neuron.e_leak_mV + g_i * neuron.e_inh_mV + g_e * neuron.e_exc_mV
    return num / (g_l + g_i + g_e)


def participation(pattern_members, n_exc: int) -> np.ndarray:
    """Number of patterns each E neuron belongs to, shape (n_exc,)."""
    return np.bincount(np.asarray(pattern_members, np.int64), minlength=n_exc)


def _spearman(x, y) -> float:
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 2 or np.ptp(x[ok]) == 0 or np.ptp(y[ok]) == 0:
        return np.nan
    return float(stats.spearmanr(x[ok], y[ok]).statistic)


def susceptibility_summary(neurons: pd.DataFrame) -> dict:
    """Mean and CV of χ^EE, Spearman r(χ^EE, participation) and r(χ^EE, V̄) of one rule's E
    neurons (``NEURON_COLUMNS``)."""
    chi = neurons["chi_ee"].to_numpy(float)
    mean = float(np.mean(chi))
    return {
        "chi_mean": mean,
        "chi_cv": float(np.std(chi, ddof=1) / mean) if chi.size > 1 and mean else np.nan,
        "spearman_chi_participation": _spearman(chi, neurons["participation"]),
        "spearman_chi_potential": _spearman(chi, neurons["v_mean_mV"]),
    }
