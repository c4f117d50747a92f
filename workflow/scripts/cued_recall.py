"""Rule cued_recall: the trained network without plasticity while its patterns are cued one
after another (paper Fig 3). The core checkpoints into <output>.ckpt and <output>.parts/."""

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
    )
