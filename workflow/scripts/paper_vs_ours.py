"""Rule paper_vs_ours: every figure's key numbers beside the reference's published ones."""

from _common import logged

from eiplast.stages.tables import paper_table

sm = snakemake  # noqa: F821

with logged(sm):
    paper_table(
        sm.input.key_numbers,
        sm.output.table,
        sm.output.html,
        replay_comparison=sm.input.replay[0] if sm.input.replay else None,
    )
