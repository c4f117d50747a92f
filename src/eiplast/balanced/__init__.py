"""Plastic balanced networks of Akil, Rosenbaum & Josić 2021 (docs/model-description.md Part B) on
our core.

Modules: ``params`` (``BalancedParams``), ``connectivity`` (sparse Bernoulli network),
``kernel`` (numba step kernel, input generators), ``simulate`` (``BalancedSimulator``,
``simulate_balanced``), ``meanfield`` (balanced-state predictions), ``stats`` (rates,
spike-count covariances, records). See docs/balanced.md.
"""

from eiplast.balanced.connectivity import BalancedNetwork, generate_balanced_network
from eiplast.balanced.params import CONNECTIONS, BalancedParams
from eiplast.balanced.simulate import BalancedSimulator, RateExplosionError, simulate_balanced

__all__ = [
    "CONNECTIONS",
    "BalancedNetwork",
    "BalancedParams",
    "BalancedSimulator",
    "RateExplosionError",
    "generate_balanced_network",
    "simulate_balanced",
]
