"""Rule figure_replay_growth: distinct assemblies replayed so far against time, one line
per run of one P (mean and 95 % interval over realisations), and the curves as a table."""

from _common import logged

from eiplast.stages.figures import replay_growth_curves

sm = snakemake  # noqa: F821

with logged(sm):
    replay_growth_curves(
        sm.input.activations,
        sm.output.png,
        sm.output.table,
        labels=sm.params.labels,
        realisations=sm.params.realisations,
        n_points=sm.params.n_points,
        patterns=sm.wildcards.patterns,
        reference_growth=sm.input.reference[0] if sm.input.reference else None,
    )
