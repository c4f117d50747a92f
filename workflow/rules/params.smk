# Per-rule parameter sets. params carry exactly the configuration a rule uses, so that editing
# one value reruns that stage and what depends on it, nothing else.

from snakemake.exceptions import WorkflowError

from eiplast.engine.rng import realisation_seed

N_TOTAL = network_size(config)
STAGE_RUNS = stage_runs(config)
# seconds of spontaneous activity the replay analysis reads, per run
ANALYSED_S = {
    run: STAGE_RUNS[run]["duration_s"] - config["analysis"]["activations"]["skip_s"]
    for run in ("spontaneous", "spontaneous_shuffle", "spontaneous_learning")
}


def seed_of(key):
    """params function: the seed ``config["seeds"][key]`` of the job's realisation."""
    return lambda wc: realisation_seed(config["seeds"][key], wc.realisation)


def stage_run(stage):
    """params function: the RunParams of ``stage`` (STAGE_RUNS) with the seed of the job's
    realisation."""

    def run(wildcards):
        params = STAGE_RUNS[stage]
        return {
            **params,
            "seed": realisation_seed(params["seed"], wildcards.realisation),
        }

    return run


def simulation_params(stage, **extra):
    """params of a simulate.py rule: the stage's name and RunParams (stage_run), ``extra``,
    then the neuron and background parameters."""
    return {
        "stage": stage,
        "run": stage_run(stage),
        **extra,
        "neuron": neuron_of,
        "background": config["background"],
    }


def neuron_params(name):
    """The neuron-parameter overrides of the networks of ``name`` (a plasticity_rules entry),
    those of the section neuron updated by its own (plasticity_rules.<name>.neuron)."""
    return {**config["neuron"], **config["plasticity_rules"][name].get("neuron", {})}


def neuron_of(wildcards):
    """params function: neuron_params of the job's rule."""
    return neuron_params(wildcards.rule)


def plasticity_of(wildcards):
    """params function: the PlasticityParams fields of the job's rule (without its neuron)."""
    definition = config["plasticity_rules"][wildcards.rule]
    return {key: value for key, value in definition.items() if key != "neuron"}


def persistent_protocol(wildcards):
    """The job's cue protocol (stages.persistent.runs.<rule>) with the section's chunk_s."""
    section = config["stages"]["persistent"]
    return {**section["runs"][wildcards.rule], "chunk_s": section["chunk_s"]}


def shard_bounds(wildcards):
    """Neuron range [start, stop) of a shard "i-of-n" (global indices, E first)."""
    i, n = (int(x) for x in wildcards.scatteritem.split("-of-"))
    return (i - 1) * N_TOTAL // n, i * N_TOTAL // n


def shard_start(wildcards):
    return shard_bounds(wildcards)[0]


def shard_stop(wildcards):
    return shard_bounds(wildcards)[1]


def replay_label(run, rule):
    """Label of a replay run in figures: the rule, "<rule>_learning" for the run with plasticity
    on, or "shuffle" for the shuffled control (with the rule appended when several rules get
    the control)."""
    if run == "spontaneous":
        return rule
    if run == "spontaneous_learning":
        return f"{rule}_learning"
    return "shuffle" if len(SHUFFLE_RULES) == 1 else f"shuffle_{rule}"


def replay_growth_labels(wildcards):
    """Figure labels matching replay_growth_inputs (paths.smk)."""
    return [
        replay_label(run, r)
        for run, r, p, k in replay_runs()
        if p == int(wildcards.patterns)
    ]


def replay_growth_realisations(wildcards):
    """Realisations matching replay_growth_inputs (paths.smk)."""
    return [k for run, r, p, k in replay_runs() if p == int(wildcards.patterns)]


def persistent_config_key(wildcards):
    """The configuration key of one persistent run's cue protocol (its errors name it)."""
    return f"stages.persistent.runs.{wildcards.rule}"


def balanced_sweep_scan(wildcards):
    """The BalancedParams field one sweep of balanced.sweeps scans."""
    return config["balanced"]["sweeps"][wildcards.sweep]["scan"]


def balanced_point_config(wildcards):
    """The BalancedParams config dict of one point (params of balanced_run)."""
    try:
        return dict(BALANCED_POINTS[wildcards.experiment][wildcards.point])
    except KeyError:
        configured = sorted(BALANCED_POINTS.get(wildcards.experiment, {}))
        raise WorkflowError(
            f"balanced point {wildcards.experiment}/{wildcards.point} is not in the "
            f"configuration (configured: {', '.join(configured) or 'none'})"
        ) from None


FORGETTING_RUNS = forgetting_runs(config)


def forgetting_run(kind):
    """params function: the branch's RunParams ``kind`` (block, spontaneous) with the seed of
    the job's realisation; block training also offsets it by P (a fresh stream per block).
    """

    def run(wildcards):
        params = FORGETTING_RUNS[kind]
        seed = realisation_seed(params["seed"], wildcards.realisation)
        if kind == "block":
            seed += int(wildcards.patterns)
        return {**params, "seed": seed}

    return run


def forgetting_cue_protocol(wildcards):
    """The cue protocol of a cued run of the branch: stages.cued_recall's, the first
    forgetting.cued patterns of the first block (age old) or of the latest block (new).
    """
    section = config["stages"]["cued_recall"]
    step = int(config["forgetting"]["block_patterns"])
    first = 0 if wildcards.age == "old" else int(wildcards.patterns) - step
    return {**section, "max_cues": FORGETTING_CUED, "first_cue": first}


def forgetting_network_params():
    """The section network with nested draws (the branch's networks)."""
    return {**config["network"], "draws": "nested"}


def forgetting_network(protocol, rule, patterns, realisation):
    """The network a run of ``protocol`` at ``patterns`` simulates: at P₀ every protocol's is
    the from-scratch network."""
    if int(patterns) == FORGETTING_FIRST:
        protocol = "scratch"
    return FORGET_NETWORK.format(
        protocol=protocol, rule=rule, patterns=patterns, realisation=realisation
    )


def forgetting_network_of(wildcards):
    """input function: the network of the job's protocol, rule, P and realisation."""
    return forgetting_network(
        wildcards.protocol, wildcards.rule, wildcards.patterns, wildcards.realisation
    )


def forgetting_previous(wildcards):
    """input function: the trained network of the block before the job's (blocks in turn;
    the from-scratch network at P₀)."""
    previous = int(wildcards.patterns) - int(config["forgetting"]["block_patterns"])
    return forgetting_network(
        "sequential", wildcards.rule, previous, wildcards.realisation
    )


def forgetting_first(wildcards):
    """input function: the trained network of the first block (from scratch at P₀)."""
    return forgetting_network(
        "scratch", wildcards.rule, FORGETTING_FIRST, wildcards.realisation
    )


def forgetting_start(wildcards):
    """input function: the network a block row's weights are compared with as "previous":
    the trained network of the block before (blocks in turn), else the first block's."""
    if (
        wildcards.protocol == "sequential"
        and int(wildcards.patterns) > FORGETTING_FIRST
    ):
        return forgetting_previous(wildcards)
    return forgetting_first(wildcards)
