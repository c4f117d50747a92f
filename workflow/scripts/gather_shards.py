"""Rules conductance_stats and sensitivity: the shard tables of a per-neuron stage in one
table."""

from _common import logged

from eiplast.stages.tables import gather

sm = snakemake  # noqa: F821

with logged(sm):
    gather(sm.input.shards, sm.output[0], n_neurons=sm.params.n_neurons)
