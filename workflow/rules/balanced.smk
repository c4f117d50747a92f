# Plastic balanced networks (Akil et al. 2021; docs/model-description.md Part B, docs/balanced.md), configured
# under `balanced` (config/README.md). Four experiments, each a set of parameter points:
#   size        rates and mean weights against N, with the balanced-state mean field
#   istdp       I->E iSTDP from several initial I->E strengths j_ei (E rate -> rho_ei)
#   correlation mean weights (rates, spike-count correlations) against the input correlation c_x
#   optogenetics a second Poisson layer onto a fraction of the E neurons for a time window,
#               under I->E iSTDP: stimulated vs other E neurons' rates and inhibition
# Per point: balanced_run (one resumable simulation) -> balanced_summary (JSON + time course);
# per experiment: one gather + figure rule writing <output_dir>/balanced/<experiment>.{csv,png,pdf}
# and <experiment>_distributions.{png,pdf} (final weights, pairwise correlations); the size
# experiment also fits its power laws in N (size_scaling.csv) and reads its runs' benchmark files
# (time and peak memory per N: <output_dir>/benchmarks/balanced/size_costs.{csv,png}).
# Each sweep of balanced.sweeps (a named scan of one
# parameter) runs its points the same way and one balanced_sweep rule draws it
# (<output_dir>/balanced/sweeps/<name>.{csv,png}, _timecourse.csv, _distributions.png).
# The section is validated before any job (validation.smk: the schema; balanced_config.smk: the
# cross-checks, the core's parameter checks, the points); BALANCED_POINTS and the paths are in
# paths.smk, balanced_point_config in params.smk, the resource models in resources.smk.


localrules:
    balanced_size,
    balanced_istdp,
    balanced_correlation,
    balanced_optogenetics,
    balanced_sweep,


rule balanced_run:
    output:
        spikes=BALANCED_RUN,
    log:
        log_path("balanced/run/{experiment}/{point}"),
    benchmark:
        BALANCED_RUN_BENCHMARK
    conda:
        CONDA_ENV
    resources:
        mem_mb=balanced_run_mem_mb,
        runtime=balanced_run_runtime,
    params:
        config=balanced_point_config,
    script:
        "../scripts/balanced_run.py"


rule balanced_summary:
    input:
        spikes=BALANCED_RUN,
    output:
        summary=BALANCED_SUMMARY,
        timecourse=BALANCED_TIMECOURSE,
    log:
        log_path("balanced/summary/{experiment}/{point}"),
    benchmark:
        benchmark_path("balanced/summary/{experiment}/{point}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=balanced_summary_mem_mb,
        runtime=balanced_summary_runtime,
    params:
        analysis=config["balanced"]["summary"],
    script:
        "../scripts/balanced_summary.py"


rule balanced_size:
    input:
        summaries=balanced_files(BALANCED_SUMMARY, "size"),
        benchmarks=balanced_files(BALANCED_RUN_BENCHMARK, "size"),
    output:
        table=report(
            f"{BALANCED}/size.csv",
            caption="../report/balanced_size_csv.rst",
            category="Balanced networks",
        ),
        png=report(
            f"{BALANCED}/size.png",
            caption="../report/balanced_size.rst",
            category="Balanced networks",
        ),
        pdf=f"{BALANCED}/size.pdf",
        scaling=report(
            f"{BALANCED}/size_scaling.csv",
            caption="../report/balanced_size_scaling.rst",
            category="Balanced networks",
        ),
        costs=f"{BALANCED_SIZE_COSTS}.csv",
        costs_png=report(
            f"{BALANCED_SIZE_COSTS}.png",
            caption="../report/balanced_size_costs.rst",
            category="Balanced networks",
        ),
        costs_pdf=f"{BALANCED_SIZE_COSTS}.pdf",
        distributions=report(
            f"{BALANCED}/size_distributions.png",
            caption="../report/balanced_distributions.rst",
            category="Balanced networks",
        ),
        distributions_pdf=f"{BALANCED}/size_distributions.pdf",
    log:
        log_path("balanced/size"),
    benchmark:
        benchmark_path("balanced/size")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        experiment="size",
    script:
        "../scripts/balanced_figure.py"


rule balanced_istdp:
    input:
        summaries=balanced_files(BALANCED_SUMMARY, "istdp"),
        timecourses=balanced_files(BALANCED_TIMECOURSE, "istdp"),
        first_run=balanced_files(BALANCED_RUN, "istdp")[:1],
    output:
        table=report(
            f"{BALANCED}/istdp.csv",
            caption="../report/balanced_istdp_csv.rst",
            category="Balanced networks",
        ),
        timecourse=f"{BALANCED}/istdp_timecourse.csv",
        png=report(
            f"{BALANCED}/istdp.png",
            caption="../report/balanced_istdp.rst",
            category="Balanced networks",
        ),
        pdf=f"{BALANCED}/istdp.pdf",
        distributions=report(
            f"{BALANCED}/istdp_distributions.png",
            caption="../report/balanced_distributions.rst",
            category="Balanced networks",
        ),
        distributions_pdf=f"{BALANCED}/istdp_distributions.pdf",
        balance=report(
            f"{BALANCED}/istdp_balance.png",
            caption="../report/balanced_balance.rst",
            category="Balanced networks",
        ),
        balance_pdf=f"{BALANCED}/istdp_balance.pdf",
    log:
        log_path("balanced/istdp"),
    benchmark:
        benchmark_path("balanced/istdp")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        experiment="istdp",
    script:
        "../scripts/balanced_figure.py"


rule balanced_correlation:
    input:
        summaries=balanced_files(BALANCED_SUMMARY, "correlation"),
    output:
        table=report(
            f"{BALANCED}/correlation.csv",
            caption="../report/balanced_correlation_csv.rst",
            category="Balanced networks",
        ),
        png=report(
            f"{BALANCED}/correlation.png",
            caption="../report/balanced_correlation.rst",
            category="Balanced networks",
        ),
        pdf=f"{BALANCED}/correlation.pdf",
        distributions=report(
            f"{BALANCED}/correlation_distributions.png",
            caption="../report/balanced_distributions.rst",
            category="Balanced networks",
        ),
        distributions_pdf=f"{BALANCED}/correlation_distributions.pdf",
    log:
        log_path("balanced/correlation"),
    benchmark:
        benchmark_path("balanced/correlation")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        experiment="correlation",
    script:
        "../scripts/balanced_figure.py"


rule balanced_optogenetics:
    input:
        summaries=balanced_files(BALANCED_SUMMARY, "optogenetics"),
        timecourses=balanced_files(BALANCED_TIMECOURSE, "optogenetics"),
        first_run=balanced_files(BALANCED_RUN, "optogenetics")[:1],
    output:
        table=report(
            f"{BALANCED}/optogenetics.csv",
            caption="../report/balanced_optogenetics_csv.rst",
            category="Balanced networks",
        ),
        timecourse=f"{BALANCED}/optogenetics_timecourse.csv",
        png=report(
            f"{BALANCED}/optogenetics.png",
            caption="../report/balanced_optogenetics.rst",
            category="Balanced networks",
        ),
        pdf=f"{BALANCED}/optogenetics.pdf",
        distributions=report(
            f"{BALANCED}/optogenetics_distributions.png",
            caption="../report/balanced_distributions.rst",
            category="Balanced networks",
        ),
        distributions_pdf=f"{BALANCED}/optogenetics_distributions.pdf",
        balance=report(
            f"{BALANCED}/optogenetics_balance.png",
            caption="../report/balanced_balance.rst",
            category="Balanced networks",
        ),
        balance_pdf=f"{BALANCED}/optogenetics_balance.pdf",
    log:
        log_path("balanced/optogenetics"),
    benchmark:
        benchmark_path("balanced/optogenetics")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        experiment="optogenetics",
    script:
        "../scripts/balanced_figure.py"


rule balanced_sweep:
    input:
        summaries=balanced_sweep_summaries,
        timecourses=balanced_sweep_timecourses,
    output:
        table=report(
            BALANCED_SWEEP.format(sweep="{sweep}", suffix=".csv"),
            caption="../report/balanced_sweep_csv.rst",
            category="Balanced networks",
        ),
        timecourse=BALANCED_SWEEP.format(sweep="{sweep}", suffix="_timecourse.csv"),
        png=report(
            BALANCED_SWEEP.format(sweep="{sweep}", suffix=".png"),
            caption="../report/balanced_sweep.rst",
            category="Balanced networks",
        ),
        pdf=BALANCED_SWEEP.format(sweep="{sweep}", suffix=".pdf"),
        distributions=report(
            BALANCED_SWEEP.format(sweep="{sweep}", suffix="_distributions.png"),
            caption="../report/balanced_distributions.rst",
            category="Balanced networks",
        ),
        distributions_pdf=BALANCED_SWEEP.format(
            sweep="{sweep}", suffix="_distributions.pdf"
        ),
    log:
        log_path("balanced/sweeps/{sweep}"),
    benchmark:
        benchmark_path("balanced/sweeps/{sweep}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        scan=balanced_sweep_scan,
    script:
        "../scripts/balanced_sweep.py"
