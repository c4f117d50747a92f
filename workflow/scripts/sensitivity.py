"""Rule sensitivity_shard: linear sensitivity of the neurons of one shard
(docs/model-description.md A6)."""

from _common import logged

from eiplast.stages.network import sensitivity_shard

sm = snakemake  # noqa: F821

with logged(sm):
    sensitivity_shard(
        sm.input.spikes,
        sm.output.sensitivity,
        schedule=sm.params.schedule,
        analysis=sm.params.analysis,
        neuron_start=sm.params.neuron_start,
        neuron_stop=sm.params.neuron_stop,
    )
