"""Rule persistent_cue: the trained network without plasticity while every member of one
pattern after another is cued (paper Fig S1). The core checkpoints into <output>.ckpt and
<output>.parts/."""

from _common import logged

from eiplast.stages.recall import cued_recall_run

sm = snakemake  # noqa: F821

with logged(sm):
    cued_recall_run(
        sm.input.network,
        sm.output.spikes,
        protocol=sm.params.protocol,
        seed=sm.params.seed,
        neuron=sm.params.neuron,
        background=sm.params.background,
        threads=sm.threads,
        stage="persistent_cue",
        config_key=f"stages.persistent.runs.{sm.wildcards.rule}",
    )
