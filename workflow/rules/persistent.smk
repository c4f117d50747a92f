# Persistent activity after a cue (paper Fig S1): the trained network of every rule under
# stages.persistent.runs (the non-adapting fLHP network is trained for it alone) run without
# plasticity while every member of one pattern after another is cued; the cued pattern's and
# the other patterns' rates after the cue, beside the reference's published curves.


rule persistent_cue:
    input:
        network=TRAINED,
    output:
        spikes=PERSISTENT_RUN,
    log:
        log_path("persistent/{rule}_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("persistent/{rule}_P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    threads: SIMULATION_THREADS
    resources:
        mem_mb=SIMULATION_MEM_MB,
        runtime=persistent_runtime,
    params:
        protocol=persistent_protocol,
        seed=seed_of("persistent"),
        neuron=neuron_of,
        background=config["background"],
        stage="persistent_cue",
        config_key=persistent_config_key,
    script:
        "../scripts/cued_run.py"


rule persistent:
    input:
        spikes=PERSISTENT_RUN,
        network=CONNECTIVITY,
    output:
        average=f"{PERSISTENT}_average.csv",
        traces=f"{PERSISTENT}_traces.csv",
    log:
        log_path("persistent/analysis_{rule}_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("persistent/analysis_{rule}_P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        protocol=persistent_protocol,
        analysis=config["analysis"]["persistent"],
    script:
        "../scripts/persistent.py"


rule figure_persistent:
    input:
        averages=expand(
            f"{PERSISTENT}_average.csv", rule=PERSISTENT_RULES, allow_missing=True
        ),
        traces=expand(
            f"{PERSISTENT}_traces.csv", rule=PERSISTENT_RULES, allow_missing=True
        ),
        reference=published_persistent_inputs,
    output:
        png=report(
            f"{FIGURES}/persistent_P{{patterns}}_r{{realisation}}.png",
            caption="../report/persistent.rst",
            category="Cued recall",
            labels={
                "figure": "persistent activity",
                "P": "{patterns}",
                "realisation": "{realisation}",
            },
        ),
        pdf=f"{FIGURES}/persistent_P{{patterns}}_r{{realisation}}.pdf",
        key_numbers=f"{PAPER_KEYS}/persistent_P{{patterns}}_r{{realisation}}.csv",
    log:
        log_path("figures/persistent_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("figures/persistent_P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        rules=PERSISTENT_RULES,
        protocols={
            r: config["stages"]["persistent"]["runs"][r] for r in PERSISTENT_RULES
        },
        reference_dir=REFERENCE_DIR,
    script:
        "../scripts/figure_persistent.py"
