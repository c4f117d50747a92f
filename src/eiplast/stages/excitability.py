"""Stage of the "winner takes all" analysis (paper Fig 4) of one P × realisation."""

import pandas as pd

from eiplast.analysis.activations import load_activations
from eiplast.analysis.excitability import (
    assembly_means,
    excitability_summary,
    replay_counts,
)
from eiplast.analysis.summary import write_csv
from eiplast.assembly.connectivity import load_patterns
from eiplast.engine.progress import note


def excitability(
    stats_files,
    activations_files,
    network_file,
    assemblies_csv,
    summary_csv,
    *,
    rules,
    patterns,
    realisation,
):
    """Rule ``excitability``: per rule (``rules[k]`` has the robust conductance statistics
    ``stats_files[k]`` and the spontaneous run's activations ``activations_files[k]``) and
    assembly of ``network_file``'s patterns, the mean robust g_e and g_i of its members and its
    replay count (``assemblies_csv``, one row per rule × assembly), and their summary per rule
    (``summary_csv``, ``excitability_summary`` with columns patterns and realisation)."""
    members = load_patterns(network_file)
    n_patterns = len(members.indptr) - 1
    frames, rows = [], []
    for rule, stats_path, events_path in zip(rules, stats_files, activations_files, strict=True):
        table = pd.read_csv(stats_path).sort_values("neuron")
        events = load_activations(events_path)
        assemblies = pd.DataFrame({
            "rule": rule,
            "pattern": range(n_patterns),
            "excitation_nS": assembly_means(table["mean_e"].to_numpy(), members.indptr,
                                            members.members),
            "inhibition_nS": assembly_means(table["mean_i"].to_numpy(), members.indptr,
                                            members.members),
            "replay_count": replay_counts(events["pattern"].to_numpy(), n_patterns),
        })  # fmt: skip
        frames.append(assemblies)
        summary = excitability_summary(assemblies)
        rows.append({"label": rule, "patterns": int(patterns), "realisation": int(realisation),
                     **summary})  # fmt: skip
        spearman = summary["spearman_excitation_replays"]
        note(f"{rule}: {summary['assemblies_replayed']} of {n_patterns} assemblies replayed, "
             f"Spearman r(excitation, replays) {spearman:+.3f}")  # fmt: skip
    write_csv(pd.concat(frames, ignore_index=True), assemblies_csv)
    write_csv(pd.DataFrame(rows), summary_csv)
