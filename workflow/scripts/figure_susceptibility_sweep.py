"""Rule figure_susceptibility_sweep: the susceptibility summaries against P."""

from _common import logged

from eiplast.stages.figures import susceptibility_sweep

sm = snakemake  # noqa: F821

with logged(sm):
    susceptibility_sweep(
        sm.input.summaries,
        sm.output.png,
        sm.output.table,
        sm.output.key_numbers,
        patterns=sm.params.patterns,
    )
