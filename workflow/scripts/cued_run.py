"""Rules cued_recall and persistent_cue: the trained network without plasticity while patterns
are cued one after another (paper Fig 3; Fig S1 with every member cued), the stage and the
configuration key of its protocol named by the rule's params. The core checkpoints into
<output>.ckpt and <output>.parts/."""

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
        stage=sm.params.stage,
        config_key=sm.params.config_key,
    )
