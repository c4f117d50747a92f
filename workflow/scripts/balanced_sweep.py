"""Rule balanced_sweep: the table, time courses and figures of one sweep of balanced.sweeps."""

from _common import logged

from eiplast.stages.balanced import sweep_figure

sm = snakemake  # noqa: F821

with logged(sm):
    sweep_figure(
        sm.input.summaries,
        sm.input.timecourses,
        sm.output.table,
        sm.output.timecourse,
        sm.output.png,
        sm.output.distributions,
        scan=sm.params.scan,
        name=sm.wildcards.sweep,
    )
