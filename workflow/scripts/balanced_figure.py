"""Rules balanced_size, balanced_istdp, balanced_correlation, balanced_optogenetics: the table
and figure of one balanced-network experiment."""

from _common import logged

from eiplast.stages.balanced import experiment_figure

sm = snakemake  # noqa: F821

with logged(sm):
    experiment_figure(
        sm.input.summaries,
        sm.output.table,
        sm.output.png,
        experiment=sm.params.experiment,
        timecourse_files=getattr(sm.input, "timecourses", ()),
        timecourse_csv=getattr(sm.output, "timecourse", None),
        balance_png=getattr(sm.output, "balance", None),
        distributions_png=sm.output.distributions,
        benchmark_files=getattr(sm.input, "benchmarks", ()),
        scaling_csv=getattr(sm.output, "scaling", None),
        costs_csv=getattr(sm.output, "costs", None),
        costs_png=getattr(sm.output, "costs_png", None),
        first_run=sm.input.first_run[0] if hasattr(sm.input, "first_run") else None,
    )
