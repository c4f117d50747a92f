"""Rule reference_comparison: our replay statistics (mean and 95 % interval over realisations)
beside the reference's published ones."""

from _common import logged

from eiplast.stages.tables import reference_comparison

sm = snakemake  # noqa: F821

with logged(sm):
    reference_comparison(
        sm.input.aggregate,
        sm.input.replay_reference[0],
        sm.input.growth_reference[0],
        sm.output.table,
        sm.output.html,
        analysed_s=sm.params.analysed_s,
    )
