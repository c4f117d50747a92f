# The linearised network (paper Fig 7B-E, Fig S4), for every full-chain P x realisation: the E
# neurons' mean response to the perturbation schedule, and the linear drive of every pattern
# through the E->E weights scaled by the neurons' sensitivities (overlaps, angles, completion);
# figures per P and against P, beside the reference's published tables (reference_data_dir).


rule perturbation_response:
    input:
        shards=gather.shard(PERTURBATION_SHARD, allow_missing=True),
    output:
        table=f"{LINEAR}/responses_{{rule}}.csv",
    log:
        log_path("linear/responses_{rule}_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("linear/responses_{rule}_P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=2000,
        runtime=analysis_runtime(schedule_seconds()),
    params:
        schedule=config["stages"]["perturbation"],
        bin_ms=config["analysis"]["linear"]["response_bin_ms"],
    script:
        "../scripts/perturbation_response.py"


rule linear_response:
    input:
        network=CONNECTIVITY,
        sensitivity=expand(SENSITIVITY, rule=RULES, allow_missing=True),
    output:
        **{name: f"{LINEAR}/{name}.csv" for name in LINEAR_TABLES},
    log:
        log_path("linear/P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("linear/P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=2000 + math.ceil(3000 * SIZE),
        runtime=30,
    params:
        rules=RULES,
        analysis=config["analysis"]["linear"],
        seed=seed_of("completion"),
    script:
        "../scripts/linear_response.py"


rule figure_linear_response:
    input:
        responses=expand(
            f"{LINEAR}/responses_{{rule}}.csv", rule=RULES, allow_missing=True
        ),
        sensitivity=expand(SENSITIVITY, rule=RULES, allow_missing=True),
        overlaps=f"{LINEAR}/overlaps.csv",
        example=f"{LINEAR}/example.csv",
        reference=published_linear_inputs,
    output:
        png=report(
            f"{FIGURES}/linear_response_P{{patterns}}_r{{realisation}}.png",
            caption="../report/linear_response.rst",
            category="Linearised network",
            labels={
                "figure": "linear response",
                "P": "{patterns}",
                "realisation": "{realisation}",
            },
        ),
        pdf=f"{FIGURES}/linear_response_P{{patterns}}_r{{realisation}}.pdf",
        key_numbers=f"{PAPER_KEYS}/responses_P{{patterns}}_r{{realisation}}.csv",
    log:
        log_path("figures/linear_response_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("figures/linear_response_P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        rules=RULES,
        bin_ms=config["analysis"]["linear"]["response_bin_ms"],
        schedule=config["stages"]["perturbation"],
        reference_dir=REFERENCE_DIR,
    script:
        "../scripts/figure_linear_response.py"


rule figure_completion:
    input:
        completion=f"{LINEAR}/completion.csv",
        reference=published_linear_inputs,
    output:
        png=report(
            f"{FIGURES}/completion_P{{patterns}}_r{{realisation}}.png",
            caption="../report/completion.rst",
            category="Linearised network",
            labels={
                "figure": "linear completion",
                "P": "{patterns}",
                "realisation": "{realisation}",
            },
        ),
        pdf=f"{FIGURES}/completion_P{{patterns}}_r{{realisation}}.pdf",
    log:
        log_path("figures/completion_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("figures/completion_P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        errors=config["analysis"]["linear"]["completion_errors"],
        reference_dir=REFERENCE_DIR,
    script:
        "../scripts/figure_completion.py"


rule figure_linear_sweep:
    input:
        summaries=[
            f"{LINEAR}/summary.csv".format(patterns=p, realisation=k)
            for p in PATTERNS
            for k in REALISATIONS
        ],
        reference=published_linear_sweep_inputs(),
    output:
        png=report(
            f"{FIGURES}/linear_sweep.png",
            caption="../report/linear_sweep.rst",
            category="Linearised network",
        ),
        pdf=f"{FIGURES}/linear_sweep.pdf",
        table=report(
            f"{SUMMARY}/linear.csv",
            caption="../report/linear_csv.rst",
            category="Tables",
        ),
        key_numbers=f"{PAPER_KEYS}/linear.csv",
    log:
        log_path("figures/linear_sweep"),
    benchmark:
        benchmark_path("figures/linear_sweep")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        patterns=PATTERNS,
        errors=config["analysis"]["linear"]["completion_errors"],
        reference_dir=REFERENCE_DIR,
    script:
        "../scripts/figure_linear_sweep.py"


rule susceptibility:
    input:
        network=CONNECTIVITY,
        stats=expand(STATS, rule=RULES, allow_missing=True),
        sensitivity=expand(SENSITIVITY, rule=RULES, allow_missing=True),
    output:
        neurons=f"{LINEAR}/susceptibility.csv",
        summary=f"{LINEAR}/susceptibility_summary.csv",
    log:
        log_path("linear/susceptibility_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("linear/susceptibility_P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        rules=RULES,
        neurons=[neuron_params(r) for r in RULES],
    script:
        "../scripts/susceptibility.py"


rule figure_susceptibility:
    input:
        neurons=f"{LINEAR}/susceptibility.csv",
    output:
        png=report(
            f"{FIGURES}/susceptibility_P{{patterns}}_r{{realisation}}.png",
            caption="../report/susceptibility.rst",
            category="Linearised network",
            labels={
                "figure": "susceptibility",
                "P": "{patterns}",
                "realisation": "{realisation}",
            },
        ),
        pdf=f"{FIGURES}/susceptibility_P{{patterns}}_r{{realisation}}.pdf",
    log:
        log_path("figures/susceptibility_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("figures/susceptibility_P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../scripts/figure_susceptibility.py"


rule figure_susceptibility_sweep:
    input:
        summaries=[
            f"{LINEAR}/susceptibility_summary.csv".format(patterns=p, realisation=k)
            for p in PATTERNS
            for k in REALISATIONS
        ],
    output:
        png=report(
            f"{FIGURES}/susceptibility_sweep.png",
            caption="../report/susceptibility_sweep.rst",
            category="Linearised network",
        ),
        pdf=f"{FIGURES}/susceptibility_sweep.pdf",
        table=report(
            f"{SUMMARY}/susceptibility.csv",
            caption="../report/susceptibility_csv.rst",
            category="Tables",
        ),
        key_numbers=f"{PAPER_KEYS}/susceptibility.csv",
    log:
        log_path("figures/susceptibility_sweep"),
    benchmark:
        benchmark_path("figures/susceptibility_sweep")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        patterns=PATTERNS,
    script:
        "../scripts/figure_susceptibility_sweep.py"


rule replay_conductances:
    input:
        state=CONDUCTANCES,
        network=CONNECTIVITY,
    output:
        traces=f"{OUT}/replay_conductances/{{rule}}/P{{patterns}}_r{{realisation}}.csv",
    log:
        log_path("replay_conductances/{rule}_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("replay_conductances/{rule}_P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=conductance_mem_mb(),
        runtime=20,
    params:
        activations=config["analysis"]["activations"],
        skip_s=config["analysis"]["conductance_stats"]["skip_s"],
        interval_ms=config["stages"]["conductances"]["state_interval_ms"],
        half_s=config["analysis"]["figures"]["replay_conductances_half_s"],
    script:
        "../scripts/replay_conductances.py"


rule figure_replay_conductances:
    input:
        traces=expand(
            f"{OUT}/replay_conductances/{{rule}}/P{{patterns}}_r{{realisation}}.csv",
            rule=RULES,
            allow_missing=True,
        ),
    output:
        png=report(
            f"{FIGURES}/replay_conductances_P{{patterns}}_r{{realisation}}.png",
            caption="../report/replay_conductances.rst",
            category="Inhibitory specialisation",
            labels={
                "figure": "conductances around replay",
                "P": "{patterns}",
                "realisation": "{realisation}",
            },
        ),
        pdf=f"{FIGURES}/replay_conductances_P{{patterns}}_r{{realisation}}.pdf",
        key_numbers=f"{PAPER_KEYS}/replay_conductances_P{{patterns}}_r{{realisation}}.csv",
    log:
        log_path("figures/replay_conductances_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("figures/replay_conductances_P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        rules=RULES,
    script:
        "../scripts/figure_replay_conductances.py"


rule eigenmodes:
    input:
        trained=TRAINED,
        sensitivity=SENSITIVITY,
    output:
        spectrum=f"{LINEAR}/spectrum_{{rule}}.csv",
        modes=f"{LINEAR}/modes_{{rule}}.csv",
    log:
        log_path("linear/eigenmodes_{rule}_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("linear/eigenmodes_{rule}_P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    resources:
        # the dense N x N matrix and LAPACK's workspace
        mem_mb=1000 + math.ceil(3 * N_TOTAL**2 * 8 / 2**20),
        runtime=minutes(1200 * SIZE**3),
    params:
        analysis=config["analysis"]["eigen"],
        seed=seed_of("eigen"),
    script:
        "../scripts/eigenmodes.py"


rule eigen_activity:
    input:
        trained=TRAINED,
        sensitivity=SENSITIVITY,
        spikes=SPONTANEOUS,
    output:
        vector=f"{LINEAR}/eigenvector_{{rule}}.csv",
        activity=f"{LINEAR}/eigen_activity_{{rule}}.csv",
    log:
        log_path("linear/eigen_activity_{rule}_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("linear/eigen_activity_{rule}_P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=2000 + math.ceil(4000 * SIZE),
        runtime=30,
    params:
        eigen=config["analysis"]["eigen"],
        activity=config["analysis"]["eigen_activity"],
        seed=seed_of("eigen"),
    script:
        "../scripts/eigen_activity.py"


rule figure_eigen_activity:
    input:
        vectors=expand(
            f"{LINEAR}/eigenvector_{{rule}}.csv", rule=RULES, allow_missing=True
        ),
        activity=expand(
            f"{LINEAR}/eigen_activity_{{rule}}.csv", rule=RULES, allow_missing=True
        ),
    output:
        png=report(
            f"{FIGURES}/eigen_activity_P{{patterns}}_r{{realisation}}.png",
            caption="../report/eigen_activity.rst",
            category="Linearised network",
            labels={
                "figure": "eigen-assembly activity",
                "P": "{patterns}",
                "realisation": "{realisation}",
            },
        ),
        pdf=f"{FIGURES}/eigen_activity_P{{patterns}}_r{{realisation}}.pdf",
        key_numbers=f"{PAPER_KEYS}/eigen_activity_P{{patterns}}_r{{realisation}}.csv",
    log:
        log_path("figures/eigen_activity_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("figures/eigen_activity_P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        rules=RULES,
        window_s=[
            config["analysis"]["eigen_activity"]["window_start_s"],
            config["analysis"]["eigen_activity"]["window_start_s"]
            + config["analysis"]["eigen_activity"]["window_s"],
        ],
    script:
        "../scripts/figure_eigen_activity.py"


rule figure_ou:
    input:
        reference=[f"{REFERENCE_DIR}/ou.csv"] if REFERENCE_DIR else [],
    output:
        png=report(
            f"{FIGURES}/ou_example.png",
            caption="../report/ou_example.rst",
            category="Linearised network",
            labels={"figure": "OU drive"},
        ),
        pdf=f"{FIGURES}/ou_example.pdf",
        key_numbers=f"{PAPER_KEYS}/ou_example.csv",
    log:
        log_path("figures/ou_example"),
    benchmark:
        benchmark_path("figures/ou_example")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        example=config["analysis"]["ou_example"],
        dt_ms=config["network"]["dt_ms"],
        seed=config["seeds"]["ou_example"],
        reference_dir=REFERENCE_DIR,
    script:
        "../scripts/figure_ou.py"


rule figure_eigenmodes:
    input:
        spectrum=expand(
            f"{LINEAR}/spectrum_{{rule}}.csv", rule=RULES, allow_missing=True
        ),
        modes=expand(f"{LINEAR}/modes_{{rule}}.csv", rule=RULES, allow_missing=True),
    output:
        png=report(
            f"{FIGURES}/eigenmodes_P{{patterns}}_r{{realisation}}.png",
            caption="../report/eigenmodes.rst",
            category="Linearised network",
            labels={
                "figure": "eigenmodes",
                "P": "{patterns}",
                "realisation": "{realisation}",
            },
        ),
        pdf=f"{FIGURES}/eigenmodes_P{{patterns}}_r{{realisation}}.pdf",
        key_numbers=f"{PAPER_KEYS}/eigenmodes_P{{patterns}}_r{{realisation}}.csv",
    log:
        log_path("figures/eigenmodes_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("figures/eigenmodes_P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../scripts/figure_eigenmodes.py"
