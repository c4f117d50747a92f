# "Winner takes all" (paper Fig 4): each assembly's mean robust g_e and g_i over its members
# against its replay count, for every P of the full chain (it needs the robust conductance
# statistics) x realisation; a figure per run and one against P, beside the reference's
# published assemblies (reference_data_dir).


rule excitability:
    input:
        stats=expand(STATS, rule=RULES, allow_missing=True),
        activations=expand(
            ACTIVATIONS.replace("{run}", "spontaneous"), rule=RULES, allow_missing=True
        ),
        network=CONNECTIVITY,
    output:
        assemblies=f"{EXCITABILITY}/assemblies.csv",
        summary=f"{EXCITABILITY}/summary.csv",
    log:
        log_path("excitability/P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("excitability/P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        rules=RULES,
    script:
        "../scripts/excitability.py"


rule figure_excitability:
    input:
        stats=expand(STATS, rule=RULES, allow_missing=True),
        assemblies=f"{EXCITABILITY}/assemblies.csv",
        network=CONNECTIVITY,
        reference=published_excitability_inputs,
    output:
        png=report(
            f"{FIGURES}/excitability_P{{patterns}}_r{{realisation}}.png",
            caption="../report/excitability.rst",
            category="Winner takes all",
            labels={
                "figure": "excitability",
                "P": "{patterns}",
                "realisation": "{realisation}",
            },
        ),
        pdf=f"{FIGURES}/excitability_P{{patterns}}_r{{realisation}}.pdf",
    log:
        log_path("figures/excitability_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("figures/excitability_P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        rules=RULES,
        reference_dir=REFERENCE_DIR,
    script:
        "../scripts/figure_excitability.py"


rule figure_excitability_sweep:
    input:
        summaries=[
            f"{EXCITABILITY}/summary.csv".format(patterns=p, realisation=k)
            for p in PATTERNS
            for k in REALISATIONS
        ],
        reference=published_excitability_sweep_inputs(),
    output:
        png=report(
            f"{FIGURES}/excitability_sweep.png",
            caption="../report/excitability_sweep.rst",
            category="Winner takes all",
        ),
        pdf=f"{FIGURES}/excitability_sweep.pdf",
        table=report(
            f"{SUMMARY}/excitability.csv",
            caption="../report/excitability_csv.rst",
            category="Tables",
        ),
        key_numbers=f"{PAPER_KEYS}/excitability.csv",
    log:
        log_path("figures/excitability_sweep"),
    benchmark:
        benchmark_path("figures/excitability_sweep")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        patterns=PATTERNS,
        reference_dir=REFERENCE_DIR,
    script:
        "../scripts/figure_excitability_sweep.py"


rule figure_conductance_fit:
    input:
        conductances=CONDUCTANCES.replace("{rule}", CONDUCTANCE_FIT_RULE),
        stats=STATS.replace("{rule}", CONDUCTANCE_FIT_RULE),
    output:
        png=report(
            f"{FIGURES}/conductance_fit_P{{patterns}}_r{{realisation}}.png",
            caption="../report/conductance_fit.rst",
            category="Winner takes all",
            labels={
                "figure": "conductance fit",
                "P": "{patterns}",
                "realisation": "{realisation}",
            },
        ),
        pdf=f"{FIGURES}/conductance_fit_P{{patterns}}_r{{realisation}}.pdf",
    log:
        log_path("figures/conductance_fit_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("figures/conductance_fit_P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000 + math.ceil(1000 * SIZE),
        runtime=10,
    params:
        neuron=config["analysis"]["figures"]["conductance_fit_neuron"],
        skip_s=config["analysis"]["conductance_stats"]["skip_s"],
        rule=CONDUCTANCE_FIT_RULE,
    script:
        "../scripts/figure_conductance_fit.py"
