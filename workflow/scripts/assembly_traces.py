"""Rule assembly_traces: replay-event traces of the first rule and every rule's intervals."""

from _common import logged

from eiplast.stages.traces import replay_traces

sm = snakemake  # noqa: F821

with logged(sm):
    replay_traces(
        sm.input.spikes,
        sm.input.activations,
        sm.input.network,
        sm.output.traces,
        sm.output.intervals,
        rules=sm.params.rules,
        activations=sm.params.activations,
        start_s=sm.params.start_s,
        length_s=sm.params.length_s,
    )
