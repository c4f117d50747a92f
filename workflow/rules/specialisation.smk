# Inhibitory specialisation (paper Figs 5 and S2): entropies of the trained I->E weights per E
# neuron and over the assemblies per I neuron (against random assemblies), and the assemblies'
# self-feedback, for every P x realisation; a figure per run and one against P, beside the
# reference's published tables (reference_data_dir).


rule specialisation:
    input:
        trained=expand(TRAINED, rule=RULES, allow_missing=True),
    output:
        **{name: f"{SPECIALISATION}/{name}.csv" for name in SPECIALISATION_TABLES},
        summary=f"{SPECIALISATION}/summary.csv",
    log:
        log_path("specialisation/P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("specialisation/P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=2000 + math.ceil(3000 * SIZE),
        runtime=20,
    params:
        rules=RULES,
        seed=seed_of("specialisation"),
    script:
        "../scripts/specialisation.py"


rule figure_specialisation:
    input:
        **{name: f"{SPECIALISATION}/{name}.csv" for name in SPECIALISATION_TABLES},
        reference=published_specialisation_inputs,
    output:
        png=report(
            f"{FIGURES}/specialisation_P{{patterns}}_r{{realisation}}.png",
            caption="../report/specialisation.rst",
            category="Inhibitory specialisation",
            labels={
                "figure": "specialisation",
                "P": "{patterns}",
                "realisation": "{realisation}",
            },
        ),
        pdf=f"{FIGURES}/specialisation_P{{patterns}}_r{{realisation}}.pdf",
    log:
        log_path("figures/specialisation_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("figures/specialisation_P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        reference_dir=REFERENCE_DIR,
    script:
        "../scripts/figure_specialisation.py"


rule figure_specialisation_sweep:
    input:
        summaries=[
            f"{SPECIALISATION}/summary.csv".format(patterns=p, realisation=k)
            for p in ALL_PATTERNS
            for k in REALISATIONS
        ],
        reference=published_specialisation_sweep_inputs(),
    output:
        png=report(
            f"{FIGURES}/specialisation_sweep.png",
            caption="../report/specialisation_sweep.rst",
            category="Inhibitory specialisation",
        ),
        pdf=f"{FIGURES}/specialisation_sweep.pdf",
        table=report(
            f"{SUMMARY}/specialisation.csv",
            caption="../report/specialisation_csv.rst",
            category="Tables",
        ),
        key_numbers=f"{PAPER_KEYS}/specialisation.csv",
    log:
        log_path("figures/specialisation_sweep"),
    benchmark:
        benchmark_path("figures/specialisation_sweep")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        patterns=ALL_PATTERNS,
        reference_dir=REFERENCE_DIR,
    script:
        "../scripts/figure_specialisation_sweep.py"


rule connectivity_stats:
    input:
        network=CONNECTIVITY,
    output:
        summary=f"{OUT}/connectivity_stats/P{{patterns}}_r{{realisation}}.csv",
    log:
        log_path("connectivity_stats/P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("connectivity_stats/P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000 + math.ceil(2000 * SIZE),
        runtime=10,
    params:
        seed=seed_of("specialisation"),
    script:
        "../scripts/connectivity_stats.py"


rule figure_connectivity_sweep:
    input:
        summaries=[
            f"{OUT}/connectivity_stats/P{p}_r{k}.csv"
            for p in ALL_PATTERNS
            for k in REALISATIONS
        ],
    output:
        png=report(
            f"{FIGURES}/connectivity_sweep.png",
            caption="../report/connectivity_sweep.rst",
            category="Inhibitory specialisation",
        ),
        pdf=f"{FIGURES}/connectivity_sweep.pdf",
        table=f"{SUMMARY}/connectivity_stats.csv",
        key_numbers=f"{PAPER_KEYS}/connectivity.csv",
    log:
        log_path("figures/connectivity_sweep"),
    benchmark:
        benchmark_path("figures/connectivity_sweep")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        patterns=ALL_PATTERNS,
    script:
        "../scripts/figure_connectivity_sweep.py"
