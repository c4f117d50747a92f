"""Stage of the inhibitory specialisation analysis (paper Figs 5 and S2) of one P × realisation."""

import numpy as np
import pandas as pd

from eiplast.analysis.connectivity_stats import within_assembly
from eiplast.analysis.specialisation import (
    UNIFORM_LABEL,
    ee_matrix,
    ei_matrix,
    ie_matrix,
    pattern_matrix,
    random_patterns,
    row_entropy,
    self_feedback,
    specialisation_summary,
    uniform_matrix,
)
from eiplast.analysis.summary import write_csv
from eiplast.assembly.connectivity import load_connectivity
from eiplast.engine.progress import note

# the rule whose I→E synapses the reference gives uniform weights (its "uniform" network)
UNIFORM_FROM_RULE = "rate"


def specialisation(
    trained_files,
    neuron_csv,
    assembly_csv,
    random_csv,
    feedback_csv,
    summary_csv,
    *,
    rules,
    patterns,
    realisation,
    seed,
):
    """Rule ``specialisation``: for the trained networks of one P (``rules[k]`` trained
    ``trained_files[k]``, all from one connectivity), the entropy (nats) of each E neuron's
    incoming I→E weights (``neuron_csv``, rows E neurons), of each I neuron's weights onto the
    assemblies and onto random assemblies of the same sizes (``assembly_csv``, ``random_csv``,
    rows I neurons; the random draw from ``seed`` is shared by all rules), each with a column
    ``uniform`` (the I→E synapses of rule ``rate``'s network, or the first rule's, all at one
    weight), the self-feedback of every assembly (``feedback_csv``, rows assemblies), and their
    summary per label (``summary_csv``, ``specialisation_summary`` with columns patterns and
    realisation)."""
    neuron, assembly, random_assembly, feedback = {}, {}, {}, {}
    uniform_from = UNIFORM_FROM_RULE if UNIFORM_FROM_RULE in rules else rules[0]
    d = d_random = None
    for rule, path in zip(rules, trained_files, strict=True):
        net = load_connectivity(path)
        w_ei = ei_matrix(net.indptr, net.post, net.weight_nS, net.n_exc)
        if d is None:
            d = pattern_matrix(net.pattern_indptr, net.pattern_members, net.n_exc)
            members = random_patterns(net.pattern_indptr, net.n_exc, np.random.default_rng(seed))
            d_random = pattern_matrix(net.pattern_indptr, members, net.n_exc)
        weights = {rule: w_ei}
        if rule == uniform_from:
            weights[UNIFORM_LABEL] = uniform_matrix(w_ei)
        for label, w in weights.items():
            neuron[label] = row_entropy(w)
            assembly[label] = row_entropy((d @ w).T)
            random_assembly[label] = row_entropy((d_random @ w).T)
        feedback[rule] = self_feedback(d, w_ei, ie_matrix(net.indptr, net.post, net.weight_nS,
                                                           net.n_exc))  # fmt: skip
        note(f"{rule}: mean exp(H) {np.exp(neuron[rule]).mean():.1f} inputs per E neuron, "
             f"{np.exp(assembly[rule]).mean():.1f} assemblies per I neuron "
             f"({np.exp(random_assembly[rule]).mean():.1f} random); "
             f"self-feedback {feedback[rule].mean():+.4f}")  # fmt: skip
    order = [*rules, UNIFORM_LABEL]
    tables = {}
    for name, values, index in (
        ("neuron", neuron, "e_neuron"),
        ("assembly", assembly, "i_neuron"),
        ("random", random_assembly, "i_neuron"),
        ("feedback", feedback, "assembly"),
    ):
        table = pd.DataFrame({label: values[label] for label in order if label in values})
        tables[name] = table.rename_axis(index)
    for name, path in (("neuron", neuron_csv), ("assembly", assembly_csv),
                       ("random", random_csv), ("feedback", feedback_csv)):  # fmt: skip
        write_csv(tables[name].reset_index(), path)
    summary = specialisation_summary(
        tables["neuron"], tables["assembly"], tables["random"], tables["feedback"]
    )
    summary.insert(1, "patterns", int(patterns))
    summary.insert(2, "realisation", int(realisation))
    write_csv(summary, summary_csv)


def connections_within_assemblies(network_file, summary_csv, *, patterns, realisation, seed):
    """Rule ``connectivity_stats``: the mean over patterns of the E→E connection probability
    and mean weight within the assemblies of ``network_file`` and within random assemblies of
    the same sizes (drawn from ``seed``); one row per label (``assemblies``, ``random``)."""
    net = load_connectivity(network_file)
    w_ee = ee_matrix(net.indptr, net.post, net.weight_nS, net.n_exc)
    drawn = random_patterns(net.pattern_indptr, net.n_exc, np.random.default_rng(seed))
    rows = []
    for label, members in (("assemblies", net.pattern_members), ("random", drawn)):
        prob, weight = within_assembly(w_ee, net.pattern_indptr, members)
        rows.append({"label": label, "patterns": int(patterns), "realisation": int(realisation),
                     "connection_probability": float(np.nanmean(prob)),
                     "connection_weight_nS": float(np.nanmean(weight))})  # fmt: skip
    summary = pd.DataFrame(rows)
    note(f"connections within assemblies at P = {patterns}:\n{summary.to_string()}")
    return write_csv(summary, summary_csv)
