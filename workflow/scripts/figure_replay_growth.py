"""Rule figure_replay_growth: distinct assemblies replayed so far against time, one line
per run of one P, and the curves as a table."""

from _common import logged

from eiplast.stages.figures import replay_growth_curves

sm = snakemake  # noqa: F821

with logged(sm):
    replay_growth_curves(
        sm.input.activations,
        sm.output.png,
        sm.output.table,
        labels=sm.params.labels,
        n_points=sm.params.n_points,
    )
