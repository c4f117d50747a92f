"""One simulation of a balanced-network experiment point (docs/model-description.md Part B):
eiplast.balanced.simulate.run_balanced_stage. Progress goes to the log; the core checkpoints
into <output>.ckpt and <output>.parts/ and resumes from there when rerun."""

from _common import logged, progress, report_checkpoint

from eiplast.balanced.simulate import run_balanced_stage

sm = snakemake  # noqa: F821

with logged(sm):
    config = dict(sm.params.config)
    stage = f"balanced_{sm.wildcards.experiment}"
    progress(f"{stage} {sm.wildcards.point} -> {sm.output.spikes}; parameters {config}")
    report_checkpoint(sm.output.spikes)
    summary = run_balanced_stage(config, sm.output.spikes, stage=stage, progress=True)
    progress(f"{stage} {sm.wildcards.point}: finished, {summary}")
