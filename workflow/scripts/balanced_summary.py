"""Rule balanced_summary: the summary (JSON) and time course (CSV) of one balanced run."""

from _common import logged

from eiplast.stages.balanced import summary

sm = snakemake  # noqa: F821

with logged(sm):
    summary(
        sm.input.spikes,
        sm.output.summary,
        sm.output.timecourse,
        experiment=sm.wildcards.experiment,
        point=sm.wildcards.point,
        analysis=sm.params.analysis,
    )
