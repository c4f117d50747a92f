"""Rule figure_linear_sweep: the linear-drive summaries against P."""

from _common import logged

from eiplast.stages.figures import linear_sweep

sm = snakemake  # noqa: F821

with logged(sm):
    linear_sweep(
        sm.input.summaries,
        sm.output.png,
        sm.output.table,
        sm.output.key_numbers,
        patterns=sm.params.patterns,
        errors=sm.params.errors,
        reference_dir=sm.params.reference_dir,
    )
