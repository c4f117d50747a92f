"""Gather the summaries of one balanced-network experiment (size, istdp, correlation) into
its table and draw its figure (PNG + PDF); istdp also writes the time courses of every run."""

from _common import logged, progress

from eiplast.analysis.style import save_figure
from eiplast.analysis.summary import write_csv
from eiplast.balanced import figures
from eiplast.balanced.experiments import gather_summaries, gather_timecourses

sm = snakemake  # noqa: F821

with logged(sm):
    experiment = sm.params.experiment
    table = write_csv(gather_summaries(sm.input.summaries, experiment=experiment), sm.output.table)
    progress(f"{experiment}: {len(table)} runs\n{table.iloc[:, :12].to_string()}")
    if experiment == "size":
        fig = figures.size_figure(table)
    elif experiment == "istdp":
        course = gather_timecourses(sm.input.timecourses, sm.input.summaries)
        write_csv(course, sm.output.timecourse)
        fig = figures.istdp_figure(course, table)
    elif experiment == "correlation":
        fig = figures.correlation_figure(table)
    else:
        raise ValueError(f"unknown balanced experiment {experiment!r}")
    save_figure(fig, sm.output.png.removesuffix(".png"))
