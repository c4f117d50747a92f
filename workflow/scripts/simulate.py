"""Rules train, spontaneous, spontaneous_shuffle, conductances: one simulation of the
connected network (docs/model-description.md A5). The core checkpoints into <output>.ckpt and
<output>.parts/ and resumes from there when rerun."""

from _common import logged

from eiplast.stages.network import run_network_stage

sm = snakemake  # noqa: F821

with logged(sm):
    run_network_stage(
        sm.input.network,
        sm.output.spikes,
        run=sm.params.run,
        plasticity=getattr(sm.params, "plasticity", None),
        neuron=sm.params.neuron,
        background=sm.params.background,
        trained_output=getattr(sm.output, "trained", None),
        stage=sm.params.stage,
        threads=sm.threads,
    )
