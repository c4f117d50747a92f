"""Rule forgetting_blocks: the replay of each block of assemblies in one spontaneous run
(docs/forgetting.md)."""

from _common import logged

from eiplast.stages.forgetting import block_replay

sm = snakemake  # noqa: F821

with logged(sm):
    block_replay(
        sm.input.activations,
        sm.input.spikes,
        sm.input.network,
        sm.input.first,
        sm.input.previous,
        sm.output.blocks,
        labels={
            "protocol": sm.wildcards.protocol,
            "rule": sm.wildcards.rule,
            "patterns": int(sm.wildcards.patterns),
            "realisation": int(sm.wildcards.realisation),
        },
        first_block=sm.params.first_block,
        block_size=sm.params.block_size,
        replay_analysis=sm.params.replay,
        change_fraction=sm.params.change_fraction,
    )
