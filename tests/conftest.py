import os
from pathlib import Path

import numpy as np
import pytest

from eiplast.assembly.connectivity import generate_connectivity, network_from_synapses
from eiplast.assembly.params import ConnectivityParams

ROOT = Path(__file__).resolve().parents[1]

# reference-engine environments of the comparison tests, by the marker those tests carry
REFERENCE_ENVS = {
    "brian2": (".venv-brian2", "Brian2"),
    "balanced_ref": (".venv-pbn", "plastic_balanced_network"),
}
# set by `make test` (the Makefile's pytest target, which creates the environments first): a
# missing environment is then a failure, not a skip
REQUIRE_REFERENCES = "EIPLAST_REQUIRE_REFERENCES"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Tests marked ``brian2`` or ``balanced_ref`` need their reference environment in this
    checkout. Without it they fail under ``make test`` (EIPLAST_REQUIRE_REFERENCES=1) and skip,
    saying so, in a plain ``pytest`` run."""
    for marker, (venv, package) in REFERENCE_ENVS.items():
        if item.get_closest_marker(marker) is None:
            continue
        python = ROOT / venv / "bin" / "python"
        if python.exists():
            continue
        missing = (
            f"the {package} reference environment is missing ({python} does not exist; create "
            f"it with `make {venv}/.installed`)"
        )
        if os.environ.get(REQUIRE_REFERENCES) == "1":
            pytest.fail(
                f"{missing}. {REQUIRE_REFERENCES}=1 (set by `make test`) requires every "
                "reference comparison to run.",
                pytrace=False,
            )
        pytest.skip(
            f"{missing}. Skipped because this is a plain pytest run; `make test` creates the "
            f"environment and sets {REQUIRE_REFERENCES}=1, under which this is a failure."
        )


@pytest.fixture(scope="session")
def small_network():
    """800 E / 200 I neurons, 20 assemblies: the tiny network of the test workflow."""
    return generate_connectivity(ConnectivityParams(n_exc=800, n_inh=200, n_patterns=20, seed=3))


def _random_network(n_exc=40, n_inh=10, p=0.3, max_delay=6, seed=0, weights_nS=(0.6, 1.2)):
    """Dense random network with delays 0 … max_delay for every source (so E sources have
    delay-0 synapses too, unlike the generated networks); E and I weights ``weights_nS`` times
    U(0.5, 1.5)."""
    gen = np.random.default_rng(seed)
    n = n_exc + n_inh
    pre, post = np.nonzero(gen.random((n, n)) < p)
    keep = pre != post
    pre, post = pre[keep], post[keep]
    weight = np.where(pre < n_exc, *weights_nS) * gen.uniform(0.5, 1.5, pre.size)
    delay = gen.integers(0, max_delay + 1, pre.size)
    exc_alpha = gen.normal(size=n_exc)  # neuron-specific threshold jumps a1 (A2)
    return network_from_synapses(n_exc, n_inh, pre, post, weight, delay, exc_alpha=exc_alpha)


@pytest.fixture
def random_network():
    """``random_network(n_exc, n_inh, p, max_delay, seed, weights_nS)``: a random network."""
    return _random_network
