"""Rule replay: one row of the replay table (docs/model-description.md A8)."""

from _common import logged

from eiplast.stages.replay import replay

sm = snakemake  # noqa: F821

with logged(sm):
    replay(
        sm.input.activations,
        sm.input.spikes,
        sm.output.row,
        labels={
            "rule": sm.wildcards.rule,
            "patterns": int(sm.wildcards.patterns),
            "run": sm.wildcards.run,
            "label": sm.params.label,
        },
        analysis=sm.params.analysis,
    )
