# Summary: the replay table (one row per rule x P x realisation x run) and its aggregate over
# realisations (mean, sd, n, 95 % interval), the per-neuron sensitivity table and the figures,
# all under <output_dir>/summary and flagged for `snakemake --report`. The figures of single
# runs carry the realisation in their names (all draws realisation 0's: FIGURE_REALISATION).


rule summary:
    input:
        replay=[
            REPLAY_ROW.format(run=run, rule=r, patterns=p, realisation=k)
            for run, r, p, k in replay_runs()
        ],
        stats=[
            STATS.format(rule=r, patterns=p, realisation=k)
            for r, p, k in sensitivity_runs()
        ],
        sensitivity=[
            SENSITIVITY.format(rule=r, patterns=p, realisation=k)
            for r, p, k in sensitivity_runs()
        ],
    output:
        replay=report(
            f"{SUMMARY}/replay_stats.csv",
            caption="../report/replay_stats_csv.rst",
            category="Tables",
        ),
        replay_html=report(
            f"{SUMMARY}/replay_stats.html",
            caption="../report/replay_stats.rst",
            category="Tables",
        ),
        aggregate=report(
            f"{SUMMARY}/replay_stats_aggregate.csv",
            caption="../report/replay_stats_aggregate_csv.rst",
            category="Tables",
        ),
        aggregate_html=report(
            f"{SUMMARY}/replay_stats_aggregate.html",
            caption="../report/replay_stats_aggregate.rst",
            category="Tables",
        ),
        sensitivity=report(
            f"{SUMMARY}/sensitivity.csv",
            caption="../report/sensitivity_csv.rst",
            category="Tables",
        ),
    log:
        log_path("summary/summary"),
    benchmark:
        benchmark_path("summary/summary")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000
        + math.ceil(2000 * SIZE * len(PATTERNS) * len(RULES) * len(REALISATIONS) / 3),
        runtime=10,
    params:
        runs=[
            {"rule": r, "patterns": p, "realisation": k}
            for r, p, k in sensitivity_runs()
        ],
        replay_realisations=[k for run, r, p, k in replay_runs()],
        rule_order=RULES,
    script:
        "../scripts/summary.py"


rule reference_comparison:
    input:
        aggregate=f"{SUMMARY}/replay_stats_aggregate.csv",
        replay_reference=REFERENCE_REPLAY,
        growth_reference=REFERENCE_GROWTH,
    output:
        table=report(
            f"{SUMMARY}/reference_comparison.csv",
            caption="../report/reference_comparison_csv.rst",
            category="Tables",
        ),
        html=report(
            f"{SUMMARY}/reference_comparison.html",
            caption="../report/reference_comparison.rst",
            category="Tables",
        ),
    log:
        log_path("summary/reference_comparison"),
    benchmark:
        benchmark_path("summary/reference_comparison")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        analysed_s=ANALYSED_S,
    script:
        "../scripts/reference_comparison.py"


rule figure_replay_diversity:
    input:
        replay=f"{SUMMARY}/replay_stats.csv",
        reference=REFERENCE_REPLAY,
        growth_reference=REFERENCE_GROWTH,
    output:
        png=report(
            f"{FIGURES}/replay_diversity.png",
            caption="../report/replay_diversity.rst",
            category="Replay",
        ),
        pdf=f"{FIGURES}/replay_diversity.pdf",
    log:
        log_path("figures/replay_diversity"),
    benchmark:
        benchmark_path("figures/replay_diversity")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        analysed_s=ANALYSED_S,
    script:
        "../scripts/figure_replay_diversity.py"


rule figure_replay_growth:
    input:
        activations=replay_growth_inputs,
        reference=REFERENCE_GROWTH,
    output:
        png=report(
            f"{FIGURES}/replay_growth_P{{patterns}}.png",
            caption="../report/replay_growth.rst",
            category="Replay",
            labels={"figure": "replay growth", "P": "{patterns}"},
        ),
        pdf=f"{FIGURES}/replay_growth_P{{patterns}}.pdf",
        table=f"{SUMMARY}/replay_growth_P{{patterns}}.csv",
    log:
        log_path("figures/replay_growth_P{patterns}"),
    benchmark:
        benchmark_path("figures/replay_growth_P{patterns}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        labels=replay_growth_labels,
        realisations=replay_growth_realisations,
        n_points=100,
    script:
        "../scripts/figure_replay_growth.py"


rule figure_rates:
    input:
        spikes=expand(SPONTANEOUS, rule=RULES, allow_missing=True),
        reference=published_neuron_inputs("firing_rates"),
    output:
        png=report(
            f"{FIGURES}/rates_P{{patterns}}_r{{realisation}}.png",
            caption="../report/rates.rst",
            category="Activity",
            labels={
                "figure": "firing rates",
                "P": "{patterns}",
                "realisation": "{realisation}",
            },
        ),
        pdf=f"{FIGURES}/rates_P{{patterns}}_r{{realisation}}.pdf",
        key_numbers=f"{PAPER_KEYS}/rates_P{{patterns}}_r{{realisation}}.csv",
    log:
        log_path("figures/rates_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("figures/rates_P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000 + math.ceil(1000 * SIZE),
        runtime=analysis_runtime(
            len(RULES) * config["stages"]["spontaneous"]["duration_s"], per_100s=1.0
        ),
    params:
        rules=RULES,
        skip_s=config["analysis"]["figures"]["rate_skip_s"],
        reference_dir=REFERENCE_DIR,
    script:
        "../scripts/figure_rates.py"


rule figure_weights:
    input:
        train=expand(TRAIN, rule=RULES, allow_missing=True),
    output:
        png=report(
            f"{FIGURES}/weights_P{{patterns}}_r{{realisation}}.png",
            caption="../report/weights.rst",
            category="Activity",
            labels={
                "figure": "I-to-E weights",
                "P": "{patterns}",
                "realisation": "{realisation}",
            },
        ),
        pdf=f"{FIGURES}/weights_P{{patterns}}_r{{realisation}}.pdf",
    log:
        log_path("figures/weights_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("figures/weights_P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000 + math.ceil(1000 * SIZE),
        runtime=10,
    params:
        rules=RULES,
    script:
        "../scripts/figure_weights.py"


rule figure_input_totals:
    input:
        trained=expand(TRAINED, rule=RULES, allow_missing=True),
        reference=published_neuron_inputs("tot_inhib"),
    output:
        png=report(
            f"{FIGURES}/input_totals_P{{patterns}}_r{{realisation}}.png",
            caption="../report/input_totals.rst",
            category="Activity",
            labels={
                "figure": "summed input weights",
                "P": "{patterns}",
                "realisation": "{realisation}",
            },
        ),
        pdf=f"{FIGURES}/input_totals_P{{patterns}}_r{{realisation}}.pdf",
        key_numbers=f"{PAPER_KEYS}/input_totals_P{{patterns}}_r{{realisation}}.csv",
    log:
        log_path("figures/input_totals_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("figures/input_totals_P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000 + math.ceil(1500 * SIZE),
        runtime=10,
    params:
        rules=RULES,
        reference_dir=REFERENCE_DIR,
    script:
        "../scripts/figure_input_totals.py"


rule paper_vs_ours:
    input:
        key_numbers=paper_key_files(),
        replay=REFERENCE_COMPARISON,
    output:
        table=report(
            f"{SUMMARY}/paper_vs_ours.csv",
            caption="../report/paper_vs_ours_csv.rst",
            category="Tables",
        ),
        html=report(
            f"{SUMMARY}/paper_vs_ours.html",
            caption="../report/paper_vs_ours.rst",
            category="Tables",
        ),
    log:
        log_path("summary/paper_vs_ours"),
    benchmark:
        benchmark_path("summary/paper_vs_ours")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../scripts/paper_vs_ours.py"


rule figure_raster:
    input:
        spikes=SPONTANEOUS,
        activations=ACTIVATIONS.replace("{run}", "spontaneous"),
        network=TRAINED,
    output:
        png=report(
            f"{FIGURES}/raster_{{rule}}_P{{patterns}}_r{{realisation}}.png",
            caption="../report/raster.rst",
            category="Replay",
            labels={
                "figure": "raster",
                "rule": "{rule}",
                "P": "{patterns}",
                "realisation": "{realisation}",
            },
        ),
        pdf=f"{FIGURES}/raster_{{rule}}_P{{patterns}}_r{{realisation}}.pdf",
    log:
        log_path("figures/raster_{rule}_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("figures/raster_{rule}_P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000 + math.ceil(1000 * SIZE),
        runtime=10,
    params:
        start_s=config["analysis"]["figures"]["raster_start_s"],
        length_s=config["analysis"]["figures"]["raster_length_s"],
    script:
        "../scripts/figure_raster.py"


rule figure_sensitivity:
    input:
        sensitivity=expand(SENSITIVITY, rule=RULES, allow_missing=True),
    output:
        png=report(
            f"{FIGURES}/sensitivity_P{{patterns}}_r{{realisation}}.png",
            caption="../report/sensitivity.rst",
            category="Sensitivity",
            labels={
                "figure": "linear sensitivity",
                "P": "{patterns}",
                "realisation": "{realisation}",
            },
        ),
        pdf=f"{FIGURES}/sensitivity_P{{patterns}}_r{{realisation}}.pdf",
    log:
        log_path("figures/sensitivity_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("figures/sensitivity_P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        rules=RULES,
    script:
        "../scripts/figure_sensitivity.py"
