"""Rule figure_raster: spike raster of a window of one spontaneous run with its assembly
activations."""

from _common import logged

from eiplast.stages.figures import raster

sm = snakemake  # noqa: F821

with logged(sm):
    raster(
        sm.input.spikes,
        sm.input.activations,
        sm.input.network,
        sm.output.png,
        start_s=sm.params.start_s,
        length_s=sm.params.length_s,
    )
