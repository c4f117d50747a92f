"""Rule recall: retrieval quality and peak rate of every cued pattern of one run."""

from _common import logged

from eiplast.stages.recall import recall

sm = snakemake  # noqa: F821

with logged(sm):
    recall(
        sm.input.spikes,
        sm.input.network,
        sm.input.activations,
        sm.output.table,
        sm.output.traces,
        sm.output.summary,
        protocol=sm.params.protocol,
        analysis=sm.params.analysis,
        label=sm.wildcards.rule,
        patterns=int(sm.wildcards.patterns),
        realisation=int(sm.wildcards.realisation),
    )
