"""Rule forgetting_recall: the cued recall of old or new assemblies after one block
(docs/forgetting.md)."""

from _common import logged

from eiplast.stages.forgetting import block_recall

sm = snakemake  # noqa: F821

with logged(sm):
    block_recall(
        sm.input.spikes,
        sm.input.network,
        sm.input.activations,
        sm.output.row,
        protocol=sm.params.protocol,
        analysis=sm.params.analysis,
        labels={
            "protocol": sm.wildcards.protocol,
            "rule": sm.wildcards.rule,
            "patterns": int(sm.wildcards.patterns),
            "realisation": int(sm.wildcards.realisation),
            "age": sm.wildcards.age,
        },
    )
