"""Rule figure_eigenmodes: paper Fig 8 at one P."""

from _common import logged

from eiplast.stages.figures import eigen_panels

sm = snakemake  # noqa: F821

with logged(sm):
    eigen_panels(
        sm.input.spectrum,
        sm.input.modes,
        sm.output.png,
        sm.output.key_numbers,
        patterns=int(sm.wildcards.patterns),
    )
