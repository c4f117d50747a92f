# Simulations of the connected network (docs/model-description.md A1, A5): connectivity, training with each
# plasticity rule, then static runs with the trained weights. Every simulation checkpoints into
# <output>.ckpt and <output>.parts/ beside its output and resumes from there when rerun.


rule connectivity:
    output:
        network=CONNECTIVITY,
    log:
        f"{LOGS}/connectivity/P{{patterns}}.log",
    benchmark:
        f"{BENCHMARKS}/connectivity/P{{patterns}}.tsv"
    priority: REPLAY_BRANCH_PRIORITY
    conda:
        "../../envs/eiplast.yaml"
    threads: 1
    resources:
        mem_mb=lambda wc: 1000
        + math.ceil(4000 * SIZE * max(1.0, int(wc.patterns) / 1000)),
        runtime=minutes(120 * SIZE),
    params:
        network=config["network"],
        seed=config["seeds"]["connectivity"],
    script:
        "../scripts/connectivity.py"


rule train:
    input:
        network=CONNECTIVITY,
    output:
        spikes=TRAIN,
        trained=TRAINED,
    log:
        f"{LOGS}/train/{{rule}}_P{{patterns}}.log",
    benchmark:
        f"{BENCHMARKS}/train/{{rule}}_P{{patterns}}.tsv"
    priority: REPLAY_BRANCH_PRIORITY
    conda:
        "../../envs/eiplast.yaml"
    threads: 1
    resources:
        mem_mb=2000 + math.ceil(2000 * SIZE),
        runtime=simulation_runtime("train"),
    params:
        stage="train",
        run=STAGE_RUNS["train"],
        plasticity=plasticity_of,
        neuron=config["neuron"],
        background=config["background"],
    script:
        "../scripts/simulate.py"


rule spontaneous:
    input:
        network=TRAINED,
    output:
        spikes=SPONTANEOUS,
    log:
        f"{LOGS}/spontaneous/{{rule}}_P{{patterns}}.log",
    benchmark:
        f"{BENCHMARKS}/spontaneous/{{rule}}_P{{patterns}}.tsv"
    priority: REPLAY_BRANCH_PRIORITY
    conda:
        "../../envs/eiplast.yaml"
    threads: 1
    resources:
        mem_mb=2000 + math.ceil(2000 * SIZE),
        runtime=simulation_runtime("spontaneous"),
    params:
        stage="spontaneous",
        run=STAGE_RUNS["spontaneous"],
        neuron=config["neuron"],
        background=config["background"],
    script:
        "../scripts/simulate.py"


rule spontaneous_shuffle:
    input:
        network=TRAINED,
    output:
        spikes=SHUFFLE,
    log:
        f"{LOGS}/spontaneous_shuffle/{{rule}}_P{{patterns}}.log",
    benchmark:
        f"{BENCHMARKS}/spontaneous_shuffle/{{rule}}_P{{patterns}}.tsv"
    priority: REPLAY_BRANCH_PRIORITY
    conda:
        "../../envs/eiplast.yaml"
    threads: 1
    resources:
        mem_mb=2000 + math.ceil(2000 * SIZE),
        runtime=simulation_runtime("spontaneous_shuffle"),
    params:
        stage="spontaneous_shuffle",
        run=STAGE_RUNS["spontaneous_shuffle"],
        neuron=config["neuron"],
        background=config["background"],
    script:
        "../scripts/simulate.py"


rule conductances:
    input:
        network=TRAINED,
    output:
        spikes=CONDUCTANCES,
    log:
        f"{LOGS}/conductances/{{rule}}_P{{patterns}}.log",
    benchmark:
        f"{BENCHMARKS}/conductances/{{rule}}_P{{patterns}}.tsv"
    conda:
        "../../envs/eiplast.yaml"
    threads: 1
    resources:
        mem_mb=conductance_mem_mb(),
        runtime=simulation_runtime("conductances"),
    params:
        stage="conductances",
        run=STAGE_RUNS["conductances"],
        neuron=config["neuron"],
        background=config["background"],
    script:
        "../scripts/simulate.py"
