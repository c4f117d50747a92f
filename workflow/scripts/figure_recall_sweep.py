"""Rule figure_recall_sweep: the cued-recall summaries against P."""

from _common import logged

from eiplast.stages.figures import recall_sweep

sm = snakemake  # noqa: F821

with logged(sm):
    recall_sweep(
        sm.input.summaries,
        sm.output.png,
        sm.output.table,
        sm.output.key_numbers,
        patterns=sm.params.patterns,
    )
