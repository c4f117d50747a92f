"""Rule figure_specialisation_sweep: the specialisation summaries against P."""

from _common import logged

from eiplast.stages.figures import specialisation_sweep

sm = snakemake  # noqa: F821

with logged(sm):
    specialisation_sweep(
        sm.input.summaries,
        sm.output.png,
        sm.output.table,
        sm.output.key_numbers,
        patterns=sm.params.patterns,
        reference_dir=sm.params.reference_dir,
    )
