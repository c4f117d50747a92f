"""One function per workflow stage: plain config dicts and file paths in, files out.

Snakemake scripts call these and nothing else; every parameter is validated (``params``) before
any heavy work starts.
"""

from .connectivity import generate_connectivity, load_connectivity, save_connectivity
from .params import (
    BackgroundParams,
    ConnectivityParams,
    NeuronParams,
    PlasticityParams,
    RunParams,
)
from .simulate import simulate_network


def build_connectivity(network_config, n_patterns, seed, output):
    """Generate the A1 connectivity with ``n_patterns`` assemblies and write ``output``."""
    params = ConnectivityParams.from_dict(
        {**network_config, "n_patterns": n_patterns, "seed": seed}
    )
    save_connectivity(generate_connectivity(params), output)


def run_network_stage(
    network_file,
    output,
    *,
    run,
    plasticity=None,
    neuron=None,
    background=None,
    trained_output=None,
    stage="",
    progress=True,
):
    """Simulate the connected network of ``network_file`` (A5 stages train / spontaneous /
    spontaneous_shuffle / conductances) and write the spike file ``output``.

    ``run``: RunParams fields (duration_s, learning_rate, seed, chunk_s, record_state,
    state_interval_ms, shuffle_ei, save_weights); ``plasticity``: PlasticityParams fields (the
    rule's definition; ignored when learning_rate is 0); ``neuron``/``background``: overrides of
    the model defaults. ``trained_output``: where to write the network with its final weights.
    """
    run_params = RunParams.from_dict(run)
    plasticity_params = PlasticityParams.from_dict(plasticity or {"kind": "static"})
    neuron_params = NeuronParams.from_dict(neuron)
    background_params = BackgroundParams.from_dict(background)
    network = load_connectivity(network_file)
    return simulate_network(
        network,
        neuron_params,
        background_params,
        plasticity_params,
        run_params,
        output,
        trained_output,
        stage=stage,
        progress=progress,
    )
