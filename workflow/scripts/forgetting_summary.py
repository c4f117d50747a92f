"""Rule forgetting_summary: the forgetting table, curves and figure (docs/forgetting.md)."""

from _common import logged

from eiplast.stages.forgetting import forgetting_summary

sm = snakemake  # noqa: F821

with logged(sm):
    forgetting_summary(
        sm.input.blocks,
        sm.input.recall,
        sm.output.table,
        sm.output.curves,
        sm.output.recall,
        sm.output.figure,
        first_block=sm.params.first_block,
    )
