# Cued recall (paper Fig 3): every trained network (rule x P x realisation) run again without
# plasticity while its patterns are cued one after another (stages.cued_recall), the response of
# each assembly's other members, a figure per P and one against P. The reference publishes no
# cued-recall data, so the figures stand alone.


rule cued_recall:
    input:
        network=TRAINED,
    output:
        spikes=CUED_RECALL,
    log:
        log_path("cued_recall/{rule}_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("cued_recall/{rule}_P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    threads: SIMULATION_THREADS
    resources:
        mem_mb=SIMULATION_MEM_MB,
        runtime=cued_recall_runtime,
    params:
        protocol=config["stages"]["cued_recall"],
        seed=seed_of("cued_recall"),
        neuron=neuron_of,
        background=config["background"],
        stage="cued_recall",
        config_key="stages.cued_recall",
    script:
        "../scripts/cued_run.py"


rule recall:
    input:
        spikes=CUED_RECALL,
        network=CONNECTIVITY,
        activations=ACTIVATIONS.replace("{run}", "spontaneous"),
    output:
        table=f"{RECALL}.csv",
        traces=f"{RECALL}_traces.csv",
        summary=f"{RECALL}_summary.csv",
    log:
        log_path("recall/{rule}_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("recall/{rule}_P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        protocol=config["stages"]["cued_recall"],
        analysis=config["analysis"]["recall"],
    script:
        "../scripts/recall.py"


rule figure_recall:
    input:
        tables=expand(f"{RECALL}.csv", rule=RULES, allow_missing=True),
        traces=expand(f"{RECALL}_traces.csv", rule=RULES, allow_missing=True),
    output:
        png=report(
            f"{FIGURES}/recall_P{{patterns}}_r{{realisation}}.png",
            caption="../report/recall.rst",
            category="Cued recall",
            labels={
                "figure": "cued recall",
                "P": "{patterns}",
                "realisation": "{realisation}",
            },
        ),
        pdf=f"{FIGURES}/recall_P{{patterns}}_r{{realisation}}.pdf",
    log:
        log_path("figures/recall_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("figures/recall_P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        rules=RULES,
    script:
        "../scripts/figure_recall.py"


rule figure_recall_sweep:
    input:
        summaries=[
            f"{RECALL}_summary.csv".format(rule=r, patterns=p, realisation=k)
            for r in RULES
            for p in ALL_PATTERNS
            for k in REALISATIONS
        ],
    output:
        png=report(
            f"{FIGURES}/recall_sweep.png",
            caption="../report/recall_sweep.rst",
            category="Cued recall",
        ),
        pdf=f"{FIGURES}/recall_sweep.pdf",
        table=report(
            f"{SUMMARY}/recall.csv",
            caption="../report/recall_csv.rst",
            category="Tables",
        ),
        key_numbers=f"{PAPER_KEYS}/recall.csv",
    log:
        log_path("figures/recall_sweep"),
    benchmark:
        benchmark_path("figures/recall_sweep")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        patterns=ALL_PATTERNS,
    script:
        "../scripts/figure_recall_sweep.py"
