# Replay analysis (docs/model-description.md A7, A8): assembly activations in the spontaneous runs (and the
# shuffled controls), then one row of replay statistics per run; the traces of the events in a
# few seconds of each P's spontaneous runs and the intervals between events (paper Fig 2A).


rule activations:
    input:
        spikes=f"{OUT}/{{run}}/{{rule}}/P{{patterns}}_r{{realisation}}.h5",
        network=TRAINED,
    output:
        activations=ACTIVATIONS,
    log:
        log_path("activations/{run}/{rule}_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("activations/{run}/{rule}_P{patterns}_r{realisation}")
    priority: REPLAY_BRANCH_PRIORITY
    conda:
        CONDA_ENV
    resources:
        mem_mb=2000 + math.ceil(2000 * SIZE),
        runtime=analysis_runtime(
            config["stages"]["spontaneous"]["duration_s"], per_100s=3.0
        ),
    params:
        analysis=config["analysis"]["activations"],
    script:
        "../scripts/activations.py"


rule replay:
    input:
        activations=ACTIVATIONS,
        spikes=f"{OUT}/{{run}}/{{rule}}/P{{patterns}}_r{{realisation}}.h5",
    output:
        row=REPLAY_ROW,
    log:
        log_path("replay/{run}/{rule}_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("replay/{run}/{rule}_P{patterns}_r{realisation}")
    priority: REPLAY_BRANCH_PRIORITY
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000 + math.ceil(1000 * SIZE),
        runtime=analysis_runtime(
            config["stages"]["spontaneous"]["duration_s"], per_100s=2.0
        ),
    params:
        analysis=config["analysis"]["replay"],
        label=lambda wc: replay_label(wc.run, wc.rule),
    script:
        "../scripts/replay.py"


rule assembly_traces:
    input:
        spikes=expand(SPONTANEOUS, rule=RULES, allow_missing=True),
        activations=expand(
            ACTIVATIONS.replace("{run}", "spontaneous"), rule=RULES, allow_missing=True
        ),
        network=CONNECTIVITY,
    output:
        traces=f"{TRACES}/traces.csv",
        intervals=f"{TRACES}/intervals.csv",
    log:
        log_path("traces/P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("traces/P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        rules=RULES,
        activations=config["analysis"]["activations"],
        start_s=config["analysis"]["figures"]["traces_start_s"],
        length_s=config["analysis"]["figures"]["traces_length_s"],
    script:
        "../scripts/assembly_traces.py"


rule figure_assembly_traces:
    input:
        traces=f"{TRACES}/traces.csv",
        intervals=f"{TRACES}/intervals.csv",
        reference=REFERENCE_TRACES,
    output:
        png=report(
            f"{FIGURES}/assembly_traces_P{{patterns}}_r{{realisation}}.png",
            caption="../report/assembly_traces.rst",
            category="Replay",
            labels={
                "figure": "assembly traces",
                "P": "{patterns}",
                "realisation": "{realisation}",
            },
        ),
        pdf=f"{FIGURES}/assembly_traces_P{{patterns}}_r{{realisation}}.pdf",
    log:
        log_path("figures/assembly_traces_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("figures/assembly_traces_P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        rules=RULES,
        reference_dir=REFERENCE_DIR,
    script:
        "../scripts/figure_assembly_traces.py"
