# Summary: the replay table (one row per rule x P x run), the per-neuron sensitivity table and
# the figures, all under <output_dir>/summary and flagged for `snakemake --report`.


rule summary:
    input:
        replay=[
            REPLAY_ROW.format(run=run, rule=r, patterns=p)
            for run, r, p in replay_runs()
        ],
        stats=[STATS.format(rule=r, patterns=p) for r, p in sensitivity_runs()],
        sensitivity=[
            SENSITIVITY.format(rule=r, patterns=p) for r, p in sensitivity_runs()
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
        mem_mb=1000 + math.ceil(2000 * SIZE * len(PATTERNS) * len(RULES) / 3),
        runtime=10,
    params:
        runs=[{"rule": r, "patterns": p} for r, p in sensitivity_runs()],
        rule_order=RULES,
    script:
        "../scripts/summary.py"


rule figure_replay_diversity:
    input:
        replay=f"{SUMMARY}/replay_stats.csv",
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
    script:
        "../scripts/figure_replay_diversity.py"


rule figure_replay_growth:
    input:
        activations=replay_growth_inputs,
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
        n_points=100,
    script:
        "../scripts/figure_replay_growth.py"


rule figure_rates:
    input:
        spikes=expand(SPONTANEOUS, rule=RULES, allow_missing=True),
    output:
        png=report(
            f"{FIGURES}/rates_P{{patterns}}.png",
            caption="../report/rates.rst",
            category="Activity",
            labels={"figure": "firing rates", "P": "{patterns}"},
        ),
        pdf=f"{FIGURES}/rates_P{{patterns}}.pdf",
    log:
        log_path("figures/rates_P{patterns}"),
    benchmark:
        benchmark_path("figures/rates_P{patterns}")
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
    script:
        "../scripts/figure_rates.py"


rule figure_weights:
    input:
        train=expand(TRAIN, rule=RULES, allow_missing=True),
    output:
        png=report(
            f"{FIGURES}/weights_P{{patterns}}.png",
            caption="../report/weights.rst",
            category="Activity",
            labels={"figure": "I-to-E weights", "P": "{patterns}"},
        ),
        pdf=f"{FIGURES}/weights_P{{patterns}}.pdf",
    log:
        log_path("figures/weights_P{patterns}"),
    benchmark:
        benchmark_path("figures/weights_P{patterns}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000 + math.ceil(1000 * SIZE),
        runtime=10,
    params:
        rules=RULES,
    script:
        "../scripts/figure_weights.py"


rule figure_raster:
    input:
        spikes=SPONTANEOUS,
        activations=ACTIVATIONS.replace("{run}", "spontaneous"),
        network=TRAINED,
    output:
        png=report(
            f"{FIGURES}/raster_{{rule}}_P{{patterns}}.png",
            caption="../report/raster.rst",
            category="Replay",
            labels={"figure": "raster", "rule": "{rule}", "P": "{patterns}"},
        ),
        pdf=f"{FIGURES}/raster_{{rule}}_P{{patterns}}.pdf",
    log:
        log_path("figures/raster_{rule}_P{patterns}"),
    benchmark:
        benchmark_path("figures/raster_{rule}_P{patterns}")
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
            f"{FIGURES}/sensitivity_P{{patterns}}.png",
            caption="../report/sensitivity.rst",
            category="Sensitivity",
            labels={"figure": "linear sensitivity", "P": "{patterns}"},
        ),
        pdf=f"{FIGURES}/sensitivity_P{{patterns}}.pdf",
    log:
        log_path("figures/sensitivity_P{patterns}"),
    benchmark:
        benchmark_path("figures/sensitivity_P{patterns}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        rules=RULES,
    script:
        "../scripts/figure_sensitivity.py"
