"""Stages of the Barta & Fukai network (docs/model-description.md A1, A5, A6): connectivity,
the simulation stages, and the per-neuron chain conductance statistics → perturbation →
sensitivity (each on one shard of neurons)."""

import numpy as np
import pandas as pd

from eiplast.analysis.mcd import robust_conductance_stats
from eiplast.analysis.sensitivity import linear_sensitivity
from eiplast.analysis.summary import write_csv
from eiplast.assembly.connectivity import (
    generate_connectivity,
    load_connectivity,
    save_connectivity,
)
from eiplast.assembly.isolation import simulate_isolated
from eiplast.assembly.params import (
    BackgroundParams,
    ConnectivityParams,
    NeuronParams,
    PlasticityParams,
    RunParams,
)
from eiplast.assembly.perturbation import PerturbationSchedule
from eiplast.assembly.simulate import simulate_network
from eiplast.engine.chunked import describe_checkpoint
from eiplast.engine.formats import read_conductances
from eiplast.engine.h5io import atomic_path
from eiplast.engine.progress import note


def build_connectivity(network_config, n_patterns, seed, output):
    """Rule ``connectivity``: the A1 connectivity with ``n_patterns`` assemblies
    (``network_config``: the section ``network`` as written) written to ``output``."""
    params = ConnectivityParams.from_dict(
        {**network_config, "n_patterns": int(n_patterns), "seed": seed}
    )
    note(f"building connectivity with {int(n_patterns)} patterns, seed {seed}")
    save_connectivity(generate_connectivity(params), output)


def run_network_stage(
    network_file,
    output,
    *,
    run,
    plasticity=None,
    neuron=None,
    background=None,
    trained_output=None,
    stage="",
    progress=True,
    threads=1,
):
    """Rules train / spontaneous / spontaneous_shuffle / conductances (A5): simulate the
    connected network of ``network_file`` and write the spike file ``output``.

    ``run``: RunParams fields (duration_s, learning_rate, seed, chunk_s, record_state,
    state_interval_ms, shuffle_ei, save_weights); ``plasticity``: PlasticityParams fields (the
    rule's definition; ignored when learning_rate is 0); ``neuron``/``background``: overrides of
    the model defaults. ``trained_output``: where to write the network with its final weights.
    ``threads``: the job's threads (any number gives the same bytes).
    """
    run_params = RunParams.from_dict(run)
    plasticity_params = PlasticityParams.from_dict(plasticity or {"kind": "static"})
    neuron_params = NeuronParams.from_dict(neuron)
    background_params = BackgroundParams.from_dict(background)
    network = load_connectivity(network_file)
    if progress:
        shown = {k: v for k, v in dict(run).items() if k != "stimuli"}
        if run_params.stimuli:
            shown["stimuli"] = f"{len(run_params.stimuli)} windows"
        note(f"{stage}: {network_file} -> {output}; run {shown}")
        note(describe_checkpoint(output))
    summary = simulate_network(
        network,
        neuron_params,
        background_params,
        plasticity_params,
        run_params,
        output,
        trained_output,
        stage=stage,
        progress=progress,
        threads=threads,
    )
    if progress:
        note(f"{stage}: finished, {summary}")
    return summary


def run_perturbation(
    stats_csv,
    output,
    *,
    network_file,
    schedule,
    seed,
    neuron_start=0,
    neuron_stop=None,
    neuron=None,
    progress=True,
):
    """Rule ``perturbation_shard``: isolation-mode perturbation run (A6) for neurons
    ``neuron_start … neuron_stop − 1``.

    ``stats_csv``: per-neuron robust conductance statistics (columns neuron, mean_e, mean_i,
    std_e, std_i, pearson_r) covering at least that range; ``network_file``: the trained network
    (for population sizes and each E neuron's threshold jump); ``schedule``: the section
    ``stages.perturbation`` as written (``PerturbationSchedule.from_config``; its ``chunk_s`` is
    the checkpoint interval, s). Writes a spike file with global neuron indices.
    """
    neuron_params = NeuronParams.from_dict(neuron)
    plan = PerturbationSchedule.from_config(schedule)
    g_ext = plan.conductances_nS()
    network = load_connectivity(network_file)
    stop = network.n_total if neuron_stop is None else min(neuron_stop, network.n_total)
    if not 0 <= neuron_start < stop:
        raise ValueError(f"empty neuron range [{neuron_start}, {stop}) for {network_file}")
    stats = pd.read_csv(stats_csv).set_index("neuron")
    wanted = np.arange(neuron_start, stop)
    missing = np.setdiff1d(wanted, stats.index.to_numpy())
    if len(missing):
        raise ValueError(f"{stats_csv}: no statistics for neurons {missing[:5].tolist()} …")
    rows = stats.loc[wanted]
    if progress:
        note(f"perturbation of neurons [{neuron_start}, {stop}); schedule {dict(schedule)}")
        note(describe_checkpoint(output))
    summary = simulate_isolated(
        wanted,
        network.n_exc,
        network.n_inh,
        network.exc_alpha,
        {
            name: rows[name].to_numpy()
            for name in ("mean_e", "mean_i", "std_e", "std_i", "pearson_r")
        },
        g_ext,
        output,
        seed=seed,
        neuron=neuron_params,
        chunk_s=schedule.get("chunk_s", 100.0),
        dt_ms=network.dt_ms,
        step_s=plan.step_s,
        progress=progress,
    )
    if progress:
        note(f"perturbation finished: {summary}")
    return summary


def conductance_statistics(
    state_file, output_csv, *, skip_s=1.0, seed=0, neuron_start=0, neuron_stop=None
):
    """Rule ``conductance_stats_shard``: robust (MCD) statistics of (g_e, g_i) per neuron
    from a conductance run (A6).

    Samples before ``skip_s`` are dropped. Writes a CSV (atomically) with one row per neuron of
    ``neuron_start … neuron_stop − 1``: neuron (global index), population (E/I), mean_e, mean_i,
    std_e, std_i (nS), pearson_r. Each neuron's random starts come from a stream keyed by its
    global index, so shards give the same numbers as one pass over all neurons.
    """
    note(f"MCD statistics of neurons [{neuron_start}, {neuron_stop}) of {state_file}")
    samples = read_conductances(
        state_file, skip_s=skip_s, neuron_start=neuron_start, neuron_stop=neuron_stop
    )
    stats = robust_conductance_stats(
        samples.g_e_nS, samples.g_i_nS, seed=seed, first_neuron=neuron_start
    )
    n_exc, stop = samples.n_exc, samples.neuron_stop
    neurons = np.arange(neuron_start, stop)
    table = pd.DataFrame(
        {
            "neuron": neurons,
            "population": np.where(neurons < n_exc, "E", "I"),
            **{k: stats[k] for k in ("mean_e", "mean_i", "std_e", "std_i", "pearson_r")},
        }
    )
    with atomic_path(output_csv) as tmp:
        table.to_csv(tmp, index=False)
    return table


def sensitivity_shard(
    spike_file, output_csv, *, schedule, analysis, neuron_start=0, neuron_stop=None
):
    """Rule ``sensitivity_shard``: linear sensitivity (A6) of the neurons
    ``neuron_start … neuron_stop − 1`` of a perturbation run, written as CSV.

    ``schedule``: the section ``stages.perturbation`` as written (the schedule the run used);
    ``analysis``: the section ``analysis.sensitivity`` (degree of the fit, chunk_s).
    """
    plan = PerturbationSchedule.from_config(schedule)
    table = linear_sensitivity(
        spike_file,
        n_repetitions=plan.n_repetitions,
        amplitudes=plan.amplitudes,
        step_s=plan.step_s,
        stim_steps=plan.stim_steps,
        degree=analysis["degree"],
        chunk_s=analysis["chunk_s"],
    )
    stop = len(table) if neuron_stop is None else neuron_stop
    table = table[(table["neuron"] >= neuron_start) & (table["neuron"] < stop)]
    note(f"sensitivity of {len(table)} neurons [{neuron_start}, {stop})")
    return write_csv(table, output_csv)
