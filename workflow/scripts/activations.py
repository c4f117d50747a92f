"""Rule activations: assembly activations of one spontaneous run (docs/model-description.md
A7)."""

from _common import logged

from eiplast.stages.replay import activations

sm = snakemake  # noqa: F821

with logged(sm):
    activations(
        sm.input.spikes, sm.input.network, sm.output.activations, analysis=sm.params.analysis
    )
