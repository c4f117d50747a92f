"""Gather the per-shard tables of a per-neuron stage into one table (rows by neuron)."""

from _common import logged, progress

from eiplast.analysis.summary import gather_shards

sm = snakemake  # noqa: F821

with logged(sm):
    table = gather_shards(list(sm.input.shards), sm.output[0], n_neurons=sm.params.n_neurons)
    progress(f"gathered {len(sm.input.shards)} shard(s), {len(table)} neurons")
