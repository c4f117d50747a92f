"""Rule figure_susceptibility: paper Fig S3 at one P."""

from _common import logged

from eiplast.stages.figures import susceptibility_panels

sm = snakemake  # noqa: F821

with logged(sm):
    susceptibility_panels(sm.input.neurons, sm.output.png)
