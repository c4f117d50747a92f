"""Rule figure_excitability_sweep: the excitability summaries against P."""

from _common import logged

from eiplast.stages.figures import excitability_sweep

sm = snakemake  # noqa: F821

with logged(sm):
    excitability_sweep(
        sm.input.summaries,
        sm.output.png,
        sm.output.table,
        sm.output.key_numbers,
        patterns=sm.params.patterns,
        reference_dir=sm.params.reference_dir,
    )
