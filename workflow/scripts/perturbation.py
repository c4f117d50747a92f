"""Rule perturbation_shard: perturbation run of the isolated neurons of one shard
(docs/model-description.md A6). The core checkpoints beside the output and resumes when rerun."""

from _common import logged

from eiplast.stages.network import run_perturbation

sm = snakemake  # noqa: F821

with logged(sm):
    run_perturbation(
        sm.input.stats,
        sm.output.spikes,
        network_file=sm.input.network,
        schedule=sm.params.schedule,
        seed=sm.params.seed,
        neuron_start=sm.params.neuron_start,
        neuron_stop=sm.params.neuron_stop,
        neuron=sm.params.neuron,
    )
