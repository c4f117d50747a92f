"""Rule balanced_run: one simulation of a balanced-network experiment point
(docs/model-description.md Part B). The core checkpoints into <output>.ckpt and
<output>.parts/ and resumes from there when rerun."""

from _common import logged

from eiplast.stages.balanced import run

sm = snakemake  # noqa: F821

with logged(sm):
    run(
        sm.params.config,
        sm.output.spikes,
        experiment=sm.wildcards.experiment,
        point=sm.wildcards.point,
    )
