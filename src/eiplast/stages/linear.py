"""Stages of the linearised network and the per-neuron analyses of the perturbation branch
(paper Figs 6, 7B–E, 8, S3, S4) of one P × realisation."""

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import linalg as sparse_linalg
from threadpoolctl import threadpool_limits

from eiplast.analysis.activations import detect_activations
from eiplast.analysis.eigen import (
    LINEAR_GAIN,
    chi_weights,
    eigen_assembly,
    full_spectrum,
    leading_mode,
    set_activity,
    shared_with_patterns,
)
from eiplast.analysis.linear import (
    example_drive,
    linear_summary,
    linear_tables,
    pattern_drive,
    perturbation_responses,
)
from eiplast.analysis.replay_conductances import replay_conductance_traces
from eiplast.analysis.specialisation import ee_matrix, pattern_matrix
from eiplast.analysis.summary import write_csv
from eiplast.analysis.susceptibility import (
    NEURON_COLUMNS,
    mean_potential_mV,
    participation,
    susceptibility_summary,
)
from eiplast.analysis.traces import event_times_s
from eiplast.assembly.connectivity import load_connectivity, load_patterns
from eiplast.assembly.params import NeuronParams
from eiplast.assembly.perturbation import PerturbationSchedule
from eiplast.engine.formats import read_conductances
from eiplast.engine.progress import note


def exc_sensitivity(sensitivity_csv) -> np.ndarray:
    """χ^EE of every E neuron (``activation_exc``, in E index order) of a sensitivity table."""
    table = pd.read_csv(sensitivity_csv)
    exc = table[table["population"] == "E"].sort_values("n_index")
    return exc["activation_exc"].to_numpy(float)


def linear_response(
    network_file,
    sensitivity_files,
    outputs,
    *,
    rules,
    analysis,
    seed,
    patterns,
    realisation,
):
    """Rule ``linear_response``: the E→E weights of ``network_file`` scaled by each rule's
    sensitivities (``rules[k]`` has the table ``sensitivity_files[k]``) and the raw weights
    (``uniform``): per pattern the overlap and angle of its linear drive, and the completion
    overlaps at every input error of ``analysis`` (the section ``analysis.linear``; masks from
    ``seed``). ``outputs``: paths of ``overlaps``, ``angles``, ``completion``, ``example`` (the
    first rule's drive of ``analysis["example_pattern"]``, its largest ``example_ranks``) and
    ``summary`` (per label, with columns patterns and realisation)."""
    network = load_connectivity(network_file)
    n_exc = network.n_exc
    w_ee = ee_matrix(network.indptr, network.post, network.weight_nS, n_exc)
    members = pattern_matrix(network.pattern_indptr, network.pattern_members, n_exc)
    chi = {rule: exc_sensitivity(path) for rule, path in zip(rules, sensitivity_files, strict=True)}
    tables = linear_tables(
        w_ee, members, network.pattern_indptr, network.pattern_members, chi,
        errors=analysis["completion_errors"], seed=seed,
    )  # fmt: skip
    for name, table in tables.items():
        write_csv(table, outputs[name])
    p = min(int(analysis["example_pattern"]), network.n_patterns - 1)
    first = rules[0]
    drive = pattern_drive(w_ee, members[[p]], chi[first])[:, 0]
    pattern_members = network.pattern_members[
        network.pattern_indptr[p] : network.pattern_indptr[p + 1]
    ]
    example = example_drive(drive, pattern_members, int(analysis["example_ranks"]))
    write_csv(
        example.assign(label=first, pattern=p, members=len(pattern_members)), outputs["example"]
    )
    summary = linear_summary(tables).assign(patterns=int(patterns), realisation=int(realisation))
    note(f"linear drive at P = {patterns}:\n{summary.to_string()}")
    return write_csv(summary, outputs["summary"])


def perturbation_response(shard_files, output_csv, *, schedule, bin_ms):
    """Rule ``perturbation_response``: the E neurons' mean response to the E and I blocks of a
    perturbation run (``shard_files``: its neuron shards; ``schedule``: the section
    ``stages.perturbation``), in ``bin_ms`` bins."""
    plan = PerturbationSchedule.from_config(schedule)
    table = perturbation_responses(
        shard_files, n_repetitions=plan.n_repetitions, n_amplitudes=len(plan.amplitudes_nS),
        stim_steps=plan.stim_steps, step_s=plan.step_s, bin_ms=bin_ms,
    )  # fmt: skip
    note(f"mean E response over {plan.n_repetitions} repetitions, {len(table)} bins")
    return write_csv(table, output_csv)


def susceptibility(
    network_file,
    stats_files,
    sensitivity_files,
    neurons_csv,
    summary_csv,
    *,
    rules,
    neurons,
    patterns,
    realisation,
):
    """Rule ``susceptibility``: per rule (``rules[k]`` has the robust statistics
    ``stats_files[k]``, sensitivities ``sensitivity_files[k]`` and neuron-parameter overrides
    ``neurons[k]``) every E neuron's χ^EE, participation, robust mean conductances and mean
    potential (``neurons_csv``, with a rule column), and their summary per rule
    (``summary_csv``)."""
    members = load_patterns(network_file)
    counts = participation(members.members, members.n_exc)
    frames, rows = [], []
    for rule, stats_path, sens_path, neuron in zip(
        rules, stats_files, sensitivity_files, neurons, strict=True
    ):
        params = NeuronParams.from_dict(neuron)
        stats = pd.read_csv(stats_path).sort_values("neuron")
        stats = stats[stats["neuron"] < members.n_exc]
        table = pd.DataFrame({
            "neuron": np.arange(members.n_exc), "participation": counts,
            "chi_ee": exc_sensitivity(sens_path), "mean_e": stats["mean_e"].to_numpy(),
            "mean_i": stats["mean_i"].to_numpy(),
        })  # fmt: skip
        table["v_mean_mV"] = mean_potential_mV(table["mean_e"], table["mean_i"], params)
        frames.append(table[list(NEURON_COLUMNS)].assign(rule=rule))
        rows.append({"label": rule, "patterns": int(patterns), "realisation": int(realisation),
                     **susceptibility_summary(table)})  # fmt: skip
    write_csv(pd.concat(frames, ignore_index=True), neurons_csv)
    summary = pd.DataFrame(rows)
    note(f"susceptibility at P = {patterns}:\n{summary.to_string()}")
    return write_csv(summary, summary_csv)


def replay_conductances(
    state_file, network_file, output_csv, *, activations, skip_s, interval_ms, half_s
):
    """Rule ``replay_conductances``: replay events detected in the conductance-recording run
    (``activations``: the section ``analysis.activations``, with its skip replaced by
    ``skip_s``), and the mean conductances of the replayed assembly and of the others around
    them (``analysis.replay_conductances``), with the number of events (column ``n_events``)."""
    events = detect_activations(
        state_file, network_file, skip_s=skip_s, window_ms=activations["window_ms"],
        step_ms=activations["step_ms"], threshold=activations["threshold"],
        chunk_s=activations["chunk_s"],
    )  # fmt: skip
    patterns = load_patterns(network_file)
    samples = read_conductances(state_file, skip_s=0.0, neuron_stop=patterns.n_exc)
    times = event_times_s(events, skip_s=skip_s, step_ms=activations["step_ms"])
    table, n = replay_conductance_traces(
        samples.g_e_nS, samples.g_i_nS, patterns.indptr, patterns.members, events["pattern"],
        times, interval_ms=interval_ms, half_s=half_s,
    )  # fmt: skip
    note(f"{len(events)} replay events in {state_file}, {n} with a full ±{half_s} s window")
    return write_csv(table.assign(n_events=n), output_csv)


def eigenmodes(trained_file, sensitivity_file, spectrum_csv, modes_csv, *, rule, analysis, seed):
    """Rule ``eigenmodes``: for one rule's trained network and sensitivities, the eigenvalues of
    J = 0.06 W_χ (every one with ``analysis["full_spectrum"]``, else the ``k`` of largest
    modulus) → ``spectrum_csv`` (rule, re, im); the leading mode's eigen-assembly and the
    patterns sharing most neurons with it → ``modes_csv``. ``analysis``: the section
    ``analysis.eigen``."""
    # one BLAS thread: LAPACK's and ARPACK's sums then do not depend on the job's cores, so a
    # cluster job writes the bytes of a local one
    with threadpool_limits(limits=1):
        spectrum, mode = _eigenmodes_of(rule, trained_file, sensitivity_file, analysis, seed)
    write_csv(spectrum, spectrum_csv)
    write_csv(mode, modes_csv)


def _linearised(net, sens_path):
    """J = 0.06 W_χ of a trained network ``net`` and its sensitivity table."""
    table = pd.read_csv(sens_path).sort_values("neuron")
    chi_e, chi_i = table["activation_exc"].to_numpy(), table["activation_inh"].to_numpy()
    return LINEAR_GAIN * chi_weights(net.indptr, net.post, net.weight_nS, net.n_exc, chi_e, chi_i)


def _leading_assembly(j, net, analysis, seed):
    """(leading eigenvalue, its eigenvector, the eigen-assembly, neurons it shares with each
    pattern, the ``top_patterns`` sharing most) of J (``analysis``: ``analysis.eigen``); call
    on one BLAS thread."""
    value, vector = leading_mode(j, k=int(analysis["k"]), seed=seed, n_exc=net.n_exc)
    members = eigen_assembly(vector, net.n_exc, int(analysis["assembly_size"]))
    shared = shared_with_patterns(members, net.pattern_indptr, net.pattern_members)
    top = np.argsort(-shared, kind="stable")[: int(analysis["top_patterns"])]
    return value, vector, members, shared, top


def _eigenmodes_of(rule, net_path, sens_path, analysis, seed):
    """The spectrum and leading-mode tables of one rule (``eigenmodes``)."""
    net = load_connectivity(net_path)
    j = _linearised(net, sens_path)
    value, vector, members, shared, top = _leading_assembly(j, net, analysis, seed)
    if analysis["full_spectrum"]:
        values = full_spectrum(j)
    else:
        values = sparse_leading_values(j, int(analysis["k"]), seed)
    sizes = np.diff(net.pattern_indptr)
    note(f"{rule}: leading eigenvalue of J {value:.4f}, largest Re of the spectrum "
         f"{values.real.max():.4f}; eigen-assembly shares {shared[top[0]]} neurons with "
         f"pattern {top[0]}")  # fmt: skip
    spectrum = pd.DataFrame({"rule": rule, "re": values.real, "im": values.imag})
    mode = pd.DataFrame({
        "rule": rule, "eigenvalue_re": value.real, "eigenvalue_im": value.imag,
        "assembly_size": members.size, "rank": np.arange(1, top.size + 1), "pattern": top,
        "shared": shared[top], "pattern_size": sizes[top],
    })  # fmt: skip
    return spectrum, mode


def eigen_activity(
    trained_file, sensitivity_file, spike_file, vector_csv, activity_csv, *, rule, eigen,
    activity, seed,
):  # fmt: skip
    """Rule ``eigen_activity`` (paper Fig 8 B–F): the leading mode of one rule's J (as
    ``eigenmodes``: same seed, same eigen-assembly) → ``vector_csv`` (E neuron, its component,
    whether it is in the eigen-assembly); the activity of the eigen-assembly and of its
    closest patterns in the spontaneous run ``spike_file`` (``set_activity``) →
    ``activity_csv`` (set, pattern (−1: the eigen-assembly), shared neurons, t_s,
    active_fraction, rate_hz). ``eigen``, ``activity``: the sections ``analysis.eigen`` and
    ``analysis.eigen_activity``."""
    net = load_connectivity(trained_file)
    with threadpool_limits(limits=1):
        value, vector, members, shared, top = _leading_assembly(
            _linearised(net, sensitivity_file), net, eigen, seed
        )
    in_assembly = np.zeros(net.n_exc, bool)
    in_assembly[members] = True
    write_csv(pd.DataFrame({"rule": rule, "neuron": np.arange(net.n_exc),
                            "component": vector[: net.n_exc], "member": in_assembly}),
              vector_csv)  # fmt: skip
    sets = [members] + [
        net.pattern_members[net.pattern_indptr[p] : net.pattern_indptr[p + 1]] for p in top
    ]
    active, counts = set_activity(spike_file, sets, stop_s=float(activity["stop_s"]),
                                  bin_ms=float(activity["bin_ms"]))  # fmt: skip
    t = np.arange(active.shape[1]) * float(activity["bin_ms"]) / 1000.0
    frames = [
        pd.DataFrame({"rule": rule, "set": i, "pattern": pattern, "shared": n_shared, "t_s": t,
                      "active_fraction": active[i],
                      "rate_hz": counts[i] * 1000.0 / float(activity["bin_ms"])})
        for i, (pattern, n_shared) in enumerate(
            [(-1, members.size)] + [(int(p), int(shared[p])) for p in top])
    ]  # fmt: skip
    note(f"{rule}: leading eigenvalue {value:.4f}; eigen-assembly activity over "
         f"{t.size} bins of {activity['bin_ms']} ms")  # fmt: skip
    write_csv(pd.concat(frames, ignore_index=True), activity_csv)


def sparse_leading_values(j, k, seed):
    """The ``k`` eigenvalues of largest modulus (ARPACK, seeded start)."""
    v0 = np.random.default_rng(seed).random(j.shape[0])
    return sparse_linalg.eigs(sparse.csr_array(j), k=min(k, j.shape[0] - 2), which="LM",
                              v0=v0, return_eigenvectors=False)  # fmt: skip
