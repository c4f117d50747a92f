"""Robust (MCD) conductance statistics of one neuron shard (docs/model-description.md A6):
eiplast.stages.conductance_statistics."""

from _common import logged, progress, shard_range

from eiplast import stages

sm = snakemake  # noqa: F821

with logged(sm):
    start, stop = shard_range(sm)
    skip_s = sm.params.analysis["skip_s"]
    progress(f"MCD statistics of neurons [{start}, {stop}) of {sm.input.state}, skip {skip_s} s")
    stages.conductance_statistics(
        sm.input.state,
        sm.output.stats,
        skip_s=skip_s,
        seed=sm.params.seed,
        neuron_start=start,
        neuron_stop=stop,
    )
