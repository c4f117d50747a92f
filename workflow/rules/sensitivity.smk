# Linear sensitivity (docs/model-description.md A6): robust (MCD) statistics of every neuron's conductances,
# perturbation runs of the isolated neurons driven by those statistics, and the fit of their
# responses. The three per-neuron stages are split into config["shards"] neuron shards
# (scatter/gather); each shard is a contiguous range of global neuron indices and the gathered
# tables do not depend on the number of shards.


scattergather:
    shard=SHARDS,


rule conductance_stats_shard:
    input:
        state=CONDUCTANCES,
    output:
        stats=STATS_SHARD,
    log:
        log_path("conductance_stats/{rule}_P{patterns}_r{realisation}_{scatteritem}"),
    benchmark:
        benchmark_path(
            "conductance_stats/{rule}_P{patterns}_r{realisation}_{scatteritem}"
        )
    conda:
        CONDA_ENV
    resources:
        mem_mb=stats_mem_mb(),
        runtime=stats_runtime(),
    params:
        analysis=config["analysis"]["conductance_stats"],
        seed=seed_of("conductance_stats"),
        neuron_start=shard_start,
        neuron_stop=shard_stop,
    script:
        "../scripts/conductance_stats.py"


rule conductance_stats:
    input:
        shards=gather.shard(STATS_SHARD, allow_missing=True),
    output:
        stats=STATS,
    log:
        log_path("conductance_stats/{rule}_P{patterns}_r{realisation}_gather"),
    benchmark:
        benchmark_path("conductance_stats/{rule}_P{patterns}_r{realisation}_gather")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        n_neurons=N_TOTAL,
    script:
        "../scripts/gather_shards.py"


rule perturbation_shard:
    input:
        stats=STATS,
        network=TRAINED,
    output:
        spikes=PERTURBATION_SHARD,
    log:
        log_path("perturbation/{rule}_P{patterns}_r{realisation}_{scatteritem}"),
    benchmark:
        benchmark_path("perturbation/{rule}_P{patterns}_r{realisation}_{scatteritem}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=2000,
        runtime=perturbation_runtime(),
    params:
        schedule=config["stages"]["perturbation"],
        seed=seed_of("perturbation"),
        neuron=neuron_of,
        neuron_start=shard_start,
        neuron_stop=shard_stop,
    script:
        "../scripts/perturbation.py"


rule sensitivity_shard:
    input:
        spikes=PERTURBATION_SHARD,
    output:
        sensitivity=SENSITIVITY_SHARD,
    log:
        log_path("sensitivity/{rule}_P{patterns}_r{realisation}_{scatteritem}"),
    benchmark:
        benchmark_path("sensitivity/{rule}_P{patterns}_r{realisation}_{scatteritem}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000 + math.ceil(1000 * SIZE),
        runtime=analysis_runtime(schedule_seconds(), per_100s=2.0),
    params:
        schedule=config["stages"]["perturbation"],
        analysis=config["analysis"]["sensitivity"],
        neuron_start=shard_start,
        neuron_stop=shard_stop,
    script:
        "../scripts/sensitivity.py"


rule sensitivity:
    input:
        shards=gather.shard(SENSITIVITY_SHARD, allow_missing=True),
    output:
        sensitivity=SENSITIVITY,
    log:
        log_path("sensitivity/{rule}_P{patterns}_r{realisation}_gather"),
    benchmark:
        benchmark_path("sensitivity/{rule}_P{patterns}_r{realisation}_gather")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        n_neurons=N_TOTAL,
    script:
        "../scripts/gather_shards.py"
