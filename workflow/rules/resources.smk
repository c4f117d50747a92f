# Scheduling: the replay branch's priority and the resource models (runtime in minutes, mem_mb)
# the rules request, scaled from the full network by size and duration; override them with
# --set-resources (see profiles/).

import math

# the replay branch (connectivity, training, spontaneous runs, replay analysis) goes before the
# per-neuron branch whenever both have jobs ready: the headline results come first, and the long
# perturbation runs (which take every core) do not hold them back
REPLAY_BRANCH_PRIORITY = 10

# The connected network takes about 0.5-1 wall s per simulated s for 10 000 neurons on one core
# (static; plastic runs about twice that).
SIZE = N_TOTAL / 10000.0


def minutes(seconds, floor=10):
    """Runtime request in minutes: twice the estimate plus 5 min, at least ``floor``."""
    return max(floor, math.ceil(2.0 * seconds / 60.0) + 5)


# wall s per simulated s of the full network: static runs at ~3 Hz, plastic training (rates of
# 10-30 Hz at first), and the shuffled control, which runs away to E ~120 Hz (~6 wall s per s)
WALL_PER_SIM_S = {
    "train": 2.0,
    "spontaneous_learning": 2.0,
    "spontaneous_shuffle": 10.0,
}


# memory of a plastic or static run of the connected network (conductances records more, below)
SIMULATION_MEM_MB = 2000 + math.ceil(2000 * SIZE)


def simulation_runtime(stage):
    wall_per_sim_s = WALL_PER_SIM_S.get(stage, 1.0) * SIZE
    return minutes(STAGE_RUNS[stage]["duration_s"] * wall_per_sim_s)


def cued_recall_runtime(wildcards):
    from eiplast.assembly.cues import CueProtocol

    protocol = CueProtocol.from_config(config["stages"]["cued_recall"])
    duration_s = protocol.duration_s(int(wildcards.patterns))
    return minutes(duration_s * SIZE)


def persistent_runtime(wildcards):
    from eiplast.assembly.cues import CueProtocol

    protocol = CueProtocol.from_config(persistent_protocol(wildcards))
    return minutes(protocol.duration_s(int(wildcards.patterns)) * SIZE)


def conductance_samples():
    cond = config["stages"]["conductances"]
    skip = config["analysis"]["conductance_stats"]["skip_s"]
    return (cond["duration_s"] - skip) * 1000.0 / cond["state_interval_ms"]


def conductance_mem_mb():
    # the g_e/g_i matrices (float32) of the whole run, written through 128 MB chunks
    rows = config["stages"]["conductances"]["duration_s"] * 1000.0
    rows /= config["stages"]["conductances"]["state_interval_ms"]
    return 2000 + math.ceil(rows * N_TOTAL * 8 / 2**20 * 0.1)


def shard_size():
    return math.ceil(N_TOTAL / SHARDS)


def stats_mem_mb():
    # g_e and g_i of the shard's neurons (float32), a float64 copy, and the working set
    return 1000 + math.ceil(conductance_samples() * shard_size() * 8 * 3 / 2**20)


def stats_runtime():
    # FastMCD of ~2e4 samples: about 0.1 s per neuron on one core
    return minutes(shard_size() * 0.1 * conductance_samples() / 2e4)


def schedule_seconds():
    """Length of the perturbation schedule (s), as the perturbation run builds it."""
    from eiplast.assembly.perturbation import PerturbationSchedule

    return PerturbationSchedule.from_config(config["stages"]["perturbation"]).duration_s


def perturbation_runtime():
    # ~30 ns per neuron-step of two correlated OU conductances
    dt_ms = network_value(config, "dt_ms")
    steps = schedule_seconds() * 1000.0 / dt_ms
    return minutes(steps * shard_size() * 30e-9)


def analysis_runtime(seconds_of_data, per_100s=2.0):
    """Streaming analyses: ``per_100s`` wall s per 100 s of data of the full network."""
    return minutes(seconds_of_data / 100.0 * per_100s * SIZE)


# balanced networks: ~0.1 CPU s per simulated s at N = 5000 with two plastic connections on one
# core (docs/balanced.md, benchmark); spike delivery and plasticity grow as N^2, the neuron pass
# as N


def balanced_scale(wildcards):
    conf = balanced_point_config(wildcards)
    return conf["n"] / 5000.0, float(conf["duration_s"])


def balanced_run_runtime(wildcards):
    size, duration = balanced_scale(wildcards)
    return minutes(duration * (0.05 * size + 0.15 * size**2))


def balanced_run_mem_mb(wildcards):
    # synapses (recurrent + external, ~32 bytes each with the incoming index) and every spike
    # (~20 Hz, 16 bytes) when the spike file is assembled
    size, duration = balanced_scale(wildcards)
    n = size * 5000.0
    return 1000 + math.ceil(0.12 * n**2 * 32 / 2**20 + n * 20 * duration * 16 / 2**20)


def balanced_summary_mem_mb(wildcards):
    size, duration = balanced_scale(wildcards)
    return 1000 + math.ceil(size * 5000.0 * 20 * duration * 32 / 2**20)


def balanced_summary_runtime(wildcards):
    # reading and binning ~1e7 spikes per wall second
    size, duration = balanced_scale(wildcards)
    return minutes(size * 5000.0 * 20 * duration / 1e7 * 4)
