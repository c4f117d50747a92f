import pytest

from eiplast.connectivity import generate_connectivity
from eiplast.params import ConnectivityParams


@pytest.fixture(scope="session")
def small_network():
    """800 E / 200 I neurons, 20 assemblies: the tiny network of the test workflow."""
    return generate_connectivity(ConnectivityParams(n_exc=800, n_inh=200, n_patterns=20, seed=3))
