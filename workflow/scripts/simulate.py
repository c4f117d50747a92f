"""One simulation stage of the connected network (train, spontaneous, spontaneous_shuffle,
conductances; docs/model-description.md A5): eiplast.stages.run_network_stage. Progress goes to
the log; the core checkpoints into <output>.ckpt and <output>.parts/ and resumes from there when
rerun."""

from _common import logged, progress, report_checkpoint

from eiplast.stages import run_network_stage

sm = snakemake  # noqa: F821

with logged(sm):
    stage = sm.params.stage
    run = dict(sm.params.run)
    progress(f"{stage}: {sm.input.network} -> {sm.output.spikes}; run {run}")
    report_checkpoint(sm.output.spikes)
    summary = run_network_stage(
        sm.input.network,
        sm.output.spikes,
        run=run,
        plasticity=getattr(sm.params, "plasticity", None),
        neuron=dict(sm.params.neuron),
        background=dict(sm.params.background),
        trained_output=getattr(sm.output, "trained", None),
        stage=stage,
        progress=True,
    )
    progress(f"{stage}: finished, {summary}")
