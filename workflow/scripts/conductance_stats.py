"""Rule conductance_stats_shard: robust (MCD) conductance statistics of one neuron shard
(docs/model-description.md A6)."""

from _common import logged

from eiplast.stages.network import conductance_statistics

sm = snakemake  # noqa: F821

with logged(sm):
    conductance_statistics(
        sm.input.state,
        sm.output.stats,
        skip_s=sm.params.analysis["skip_s"],
        seed=sm.params.seed,
        neuron_start=sm.params.neuron_start,
        neuron_stop=sm.params.neuron_stop,
    )
