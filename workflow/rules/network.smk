# Simulations of the connected network (docs/model-description.md A1, A5): connectivity, training with each
# plasticity rule, then static runs with the trained weights. Every simulation checkpoints into
# <output>.ckpt and <output>.parts/ beside its output and resumes from there when rerun.
# The four simulate.py rules differ in stage, input network, outputs and resources; the rest of
# their params comes from simulation_params (params.smk).


rule connectivity:
    output:
        network=CONNECTIVITY,
    log:
        log_path("connectivity/P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("connectivity/P{patterns}_r{realisation}")
    priority: REPLAY_BRANCH_PRIORITY
    conda:
        CONDA_ENV
    resources:
        mem_mb=lambda wc: 1000
        + math.ceil(4000 * SIZE * max(1.0, int(wc.patterns) / 1000)),
        runtime=minutes(120 * SIZE),
    params:
        network=config["network"],
        seed=seed_of("connectivity"),
    script:
        "../scripts/connectivity.py"


rule train:
    input:
        network=CONNECTIVITY,
    output:
        spikes=TRAIN,
        trained=TRAINED,
    log:
        log_path("train/{rule}_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("train/{rule}_P{patterns}_r{realisation}")
    priority: REPLAY_BRANCH_PRIORITY
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


rule spontaneous:
    input:
        network=TRAINED,
    output:
        spikes=SPONTANEOUS,
    log:
        log_path("spontaneous/{rule}_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("spontaneous/{rule}_P{patterns}_r{realisation}")
    priority: REPLAY_BRANCH_PRIORITY
    conda:
        CONDA_ENV
    threads: SIMULATION_THREADS
    resources:
        mem_mb=SIMULATION_MEM_MB,
        runtime=simulation_runtime("spontaneous"),
    params:
        **simulation_params("spontaneous"),
    script:
        "../scripts/simulate.py"


rule spontaneous_shuffle:
    input:
        network=TRAINED,
    output:
        spikes=SHUFFLE,
    log:
        log_path("spontaneous_shuffle/{rule}_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("spontaneous_shuffle/{rule}_P{patterns}_r{realisation}")
    priority: REPLAY_BRANCH_PRIORITY
    conda:
        CONDA_ENV
    threads: SIMULATION_THREADS
    resources:
        mem_mb=SIMULATION_MEM_MB,
        runtime=simulation_runtime("spontaneous_shuffle"),
    params:
        **simulation_params("spontaneous_shuffle"),
    script:
        "../scripts/simulate.py"


rule spontaneous_learning:
    input:
        network=TRAINED,
    output:
        spikes=LEARNING,
    log:
        log_path("spontaneous_learning/{rule}_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("spontaneous_learning/{rule}_P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    threads: SIMULATION_THREADS
    resources:
        mem_mb=SIMULATION_MEM_MB,
        runtime=simulation_runtime("spontaneous_learning"),
    params:
        **simulation_params("spontaneous_learning", plasticity=plasticity_of),
    script:
        "../scripts/simulate.py"


rule weight_drift:
    input:
        trained=TRAIN,
        learned=LEARNING,
    output:
        table=WEIGHT_DRIFT,
    log:
        log_path("spontaneous_learning/drift_{rule}_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("spontaneous_learning/drift_{rule}_P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        change_fraction=config["analysis"]["weight_drift"]["change_fraction"],
    script:
        "../scripts/weight_drift.py"


rule conductances:
    input:
        network=TRAINED,
    output:
        spikes=CONDUCTANCES,
    log:
        log_path("conductances/{rule}_P{patterns}_r{realisation}"),
    benchmark:
        benchmark_path("conductances/{rule}_P{patterns}_r{realisation}")
    conda:
        CONDA_ENV
    threads: SIMULATION_THREADS
    resources:
        mem_mb=conductance_mem_mb(),
        runtime=simulation_runtime("conductances"),
    params:
        **simulation_params("conductances"),
    script:
        "../scripts/simulate.py"
