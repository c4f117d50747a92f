"""Rule figure_connectivity_sweep: connections within assemblies against P."""

from _common import logged

from eiplast.stages.figures import connectivity_sweep

sm = snakemake  # noqa: F821

with logged(sm):
    connectivity_sweep(
        sm.input.summaries,
        sm.output.png,
        sm.output.table,
        sm.output.key_numbers,
        patterns=sm.params.patterns,
    )
