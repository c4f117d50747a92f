"""Rule figure_replay_diversity: replay diversity against P, one line per rule (mean and 95 %
interval over realisations), with the reference's published values when configured."""

from _common import logged

from eiplast.stages.figures import replay_diversity

sm = snakemake  # noqa: F821

with logged(sm):
    replay_diversity(
        sm.input.replay,
        sm.output.png,
        reference_replay=sm.input.reference[0] if sm.input.reference else None,
        reference_growth=sm.input.growth_reference[0] if sm.input.growth_reference else None,
        analysed_s=sm.params.analysed_s,
    )
