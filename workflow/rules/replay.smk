# Replay analysis (docs/model-description.md A7, A8): assembly activations in the spontaneous runs (and the
# shuffled controls), then one row of replay statistics per run.


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
