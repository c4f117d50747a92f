# Sequential embedding (docs/forgetting.md): nested networks at P0, P0 + dP, ...; the first block
# trained from scratch; each later block's network takes the previous block's trained
# inhibition and trains it for forgetting.block_train_s; controls trained from scratch at every
# P (stages.train) and the first block's inhibition without plasticity (frozen). After every
# block a spontaneous run, its activations and the replay of each block of assemblies.


rule forgetting_connectivity:
    output:
        network=FORGET_CONNECTIVITY,
    log:
        log_path("forgetting/connectivity/P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("forgetting/connectivity/P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=lambda wc: 1000
        + math.ceil(4000 * SIZE * max(1.0, int(wc.patterns) / 1000)),
        runtime=minutes(120 * SIZE),
    params:
        network=forgetting_network_params(),
        seed=seed_of("connectivity"),
    script:
        "../scripts/connectivity.py"


rule forgetting_train_scratch:
    input:
        network=FORGET_CONNECTIVITY,
    output:
        spikes=FORGET_TRAIN.replace("{protocol}", "scratch"),
        trained=FORGET_NETWORK.replace("{protocol}", "scratch"),
    log:
        log_path("forgetting/train/scratch/{rule}_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("forgetting/train/scratch/{rule}_P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    threads: SIMULATION_THREADS
    resources:
        mem_mb=SIMULATION_MEM_MB,
        runtime=simulation_runtime("train"),
    params:
        **simulation_params("train", plasticity=plasticity_of),
    script:
        "../scripts/simulate.py"


rule forgetting_embed:
    input:
        network=FORGET_CONNECTIVITY,
        trained=forgetting_previous,
    output:
        network=FORGET_NETWORK.replace("{protocol}", "embedded"),
    log:
        log_path("forgetting/embed/{rule}_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("forgetting/embed/{rule}_P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=SIMULATION_MEM_MB,
        runtime=10,
    script:
        "../scripts/forgetting_embed.py"


rule forgetting_train_block:
    input:
        network=FORGET_NETWORK.replace("{protocol}", "embedded"),
    output:
        spikes=FORGET_TRAIN.replace("{protocol}", "sequential"),
        trained=FORGET_NETWORK.replace("{protocol}", "sequential"),
    log:
        log_path("forgetting/train/sequential/{rule}_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("forgetting/train/sequential/{rule}_P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    threads: SIMULATION_THREADS
    resources:
        mem_mb=SIMULATION_MEM_MB,
        runtime=minutes(FORGETTING_RUNS["block"]["duration_s"] * 2.0 * SIZE),
    params:
        stage="forgetting_block",
        run=forgetting_run("block"),
        plasticity=plasticity_of,
        neuron=neuron_of,
        background=config["background"],
    script:
        "../scripts/simulate.py"


rule forgetting_frozen:
    input:
        network=FORGET_CONNECTIVITY,
        trained=forgetting_first,
    output:
        network=FORGET_NETWORK.replace("{protocol}", "frozen"),
    log:
        log_path("forgetting/frozen/{rule}_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("forgetting/frozen/{rule}_P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=SIMULATION_MEM_MB,
        runtime=10,
    script:
        "../scripts/forgetting_embed.py"


rule forgetting_spontaneous:
    input:
        network=forgetting_network_of,
    output:
        spikes=FORGET_SPONTANEOUS,
    log:
        log_path("forgetting/spontaneous/{protocol}/{rule}_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path(
            "forgetting/spontaneous/{protocol}/{rule}_P{patterns}_r{realisation}"
        )
    conda:
        CONDA_ENV
    threads: SIMULATION_THREADS
    resources:
        mem_mb=SIMULATION_MEM_MB,
        runtime=minutes(FORGETTING_RUNS["spontaneous"]["duration_s"] * SIZE),
    params:
        stage="forgetting_spontaneous",
        run=forgetting_run("spontaneous"),
        neuron=neuron_of,
        background=config["background"],
    script:
        "../scripts/simulate.py"


rule forgetting_activations:
    input:
        spikes=FORGET_SPONTANEOUS,
        network=forgetting_network_of,
    output:
        activations=FORGET_ACTIVATIONS,
    log:
        log_path("forgetting/activations/{protocol}/{rule}_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path(
            "forgetting/activations/{protocol}/{rule}_P{patterns}_r{realisation}"
        )
    conda:
        CONDA_ENV
    resources:
        mem_mb=2000 + math.ceil(2000 * SIZE),
        runtime=analysis_runtime(
            FORGETTING_RUNS["spontaneous"]["duration_s"], per_100s=3.0
        ),
    params:
        analysis=config["analysis"]["activations"],
    script:
        "../scripts/activations.py"


rule forgetting_blocks:
    input:
        activations=FORGET_ACTIVATIONS,
        spikes=FORGET_SPONTANEOUS,
        network=forgetting_network_of,
        first=forgetting_first,
        previous=forgetting_start,
    output:
        blocks=FORGET_BLOCKS,
    log:
        log_path("forgetting/blocks/{protocol}/{rule}_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("forgetting/blocks/{protocol}/{rule}_P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000 + math.ceil(1000 * SIZE),
        runtime=analysis_runtime(
            FORGETTING_RUNS["spontaneous"]["duration_s"], per_100s=2.0
        ),
    params:
        first_block=FORGETTING_FIRST,
        block_size=config["forgetting"]["block_patterns"],
        replay=config["analysis"]["replay"],
        change_fraction=config["analysis"]["weight_drift"]["change_fraction"],
    script:
        "../scripts/forgetting_blocks.py"


rule forgetting_summary:
    input:
        blocks=forgetting_block_files(),
        recall=forgetting_recall_files(),
    output:
        table=report(
            f"{FORGET}/forgetting.csv",
            caption="../report/forgetting_csv.rst",
            category="Sequential embedding",
        ),
        curves=f"{FORGET}/forgetting_curves.csv",
        recall=f"{FORGET}/forgetting_recall.csv",
        figure=report(
            f"{FORGET}/forgetting.png",
            caption="../report/forgetting.rst",
            category="Sequential embedding",
        ),
    log:
        log_path("forgetting/summary"),
    benchmark:
        benchmark_path("forgetting/summary")
    conda:
        CONDA_ENV
    resources:
        runtime=10,
    params:
        first_block=FORGETTING_FIRST,
    script:
        "../scripts/forgetting_summary.py"


rule forgetting_cued:
    input:
        network=forgetting_network_of,
    output:
        spikes=FORGET_CUED,
    log:
        log_path("forgetting/cued/{protocol}/{rule}_P{patterns}_r{realisation}_{age}"),
    benchmark:
        benchmark_path(
            "forgetting/cued/{protocol}/{rule}_P{patterns}_r{realisation}_{age}"
        )
    conda:
        CONDA_ENV
    threads: SIMULATION_THREADS
    resources:
        mem_mb=SIMULATION_MEM_MB,
        runtime=minutes(
            (config["stages"]["cued_recall"]["start_s"] + FORGETTING_CUED) * 2.0 * SIZE
        ),
    params:
        protocol=forgetting_cue_protocol,
        seed=seed_of("cued_recall"),
        neuron=neuron_of,
        background=config["background"],
        stage="forgetting_cued",
        config_key="forgetting.cued",
    script:
        "../scripts/cued_run.py"


rule forgetting_recall:
    input:
        spikes=FORGET_CUED,
        network=forgetting_network_of,
        activations=FORGET_ACTIVATIONS,
    output:
        row=FORGET_RECALL,
    log:
        log_path("forgetting/recall/{protocol}/{rule}_P{patterns}_r{realisation}_{age}"),
    benchmark:
        benchmark_path(
            "forgetting/recall/{protocol}/{rule}_P{patterns}_r{realisation}_{age}"
        )
    conda:
        CONDA_ENV
    resources:
        runtime=10,
    params:
        protocol=forgetting_cue_protocol,
        analysis=config["analysis"]["recall"],
    script:
        "../scripts/forgetting_recall.py"
