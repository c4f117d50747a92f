"""Rule replay_conductances: conductances of the replayed and the other assemblies around
replay events of the conductance-recording run."""

from _common import logged

from eiplast.stages.linear import replay_conductances

sm = snakemake  # noqa: F821

with logged(sm):
    replay_conductances(
        sm.input.state,
        sm.input.network,
        sm.output.traces,
        activations=sm.params.activations,
        skip_s=sm.params.skip_s,
        interval_ms=sm.params.interval_ms,
        half_s=sm.params.half_s,
    )
