"""Stages of sequential embedding (docs/forgetting.md): a trained network's inhibition carried
into the network with the next block of assemblies, the replay of each block of assemblies
and the cued recall of old and new ones after every block, and the forgetting tables, curves
and figure."""

import pandas as pd

from eiplast.analysis.activations import load_activations
from eiplast.analysis.excitability import replay_counts
from eiplast.analysis.forgetting import forgetting_curves, replay_by_block
from eiplast.analysis.forgetting_figures import forgetting_figure
from eiplast.analysis.recall import configured_responses, recall_summary, recall_table
from eiplast.analysis.replay import firing_statistics
from eiplast.analysis.style import save_figure
from eiplast.analysis.summary import weight_drift, write_csv
from eiplast.assembly.connectivity import load_connectivity, load_patterns, save_connectivity
from eiplast.assembly.cues import CueProtocol
from eiplast.assembly.embedding import carry_inhibition
from eiplast.engine.progress import note


def embed(network_file, trained_file, output):
    """Rules ``forgetting_embed`` and ``forgetting_frozen``: the nested network of
    ``network_file`` (P₁ patterns) with the inhibitory weights of the trained network
    ``trained_file`` (P₀ ≤ P₁ patterns, the same seed) → ``output``."""
    network = load_connectivity(network_file)
    trained = load_connectivity(trained_file)
    note(
        f"carrying the inhibition trained with {trained.n_patterns} patterns into the network "
        f"with {network.n_patterns}"
    )
    embedded = carry_inhibition(network, trained, names=(str(network_file), str(trained_file)))
    save_connectivity(embedded, output, {"inhibition_from_patterns": trained.n_patterns})


def _ei_weights(network_file):
    network = load_connectivity(network_file)
    return network.weight_nS[network.ei_mask()]


def block_replay(
    activations_file,
    spike_file,
    network_file,
    first_file,
    previous_file,
    output_csv,
    *,
    labels,
    first_block,
    block_size,
    replay_analysis,
    change_fraction,
):
    """Rule ``forgetting_blocks``: one row per block of assemblies of one spontaneous run
    (``analysis.forgetting.replay_by_block``) with ``labels`` (protocol, rule, patterns,
    realisation) in front, the run's rates (``firing_statistics``, the section
    ``analysis.replay``: rate_skip_s, chunk_s, measure_s) and how far the network's I→E
    weights lie from those of the first block's trained network ``first_file``
    (``since_first_*``) and of the network the block started from ``previous_file``
    (``since_previous_*``; ``analysis.summary.weight_drift``) → ``output_csv``."""
    events = load_activations(activations_file)
    attrs = events.attrs
    step_ms = float(attrs["step_steps"]) * float(attrs["dt_ms"])
    measure_s = replay_analysis.get("measure_s")
    windows = float(attrs["n_windows"]) if measure_s is None else measure_s * 1000.0 / step_ms
    table = replay_by_block(
        events["start"].to_numpy(), events["duration"].to_numpy(), events["pattern"].to_numpy(),
        n_patterns=int(attrs["n_patterns"]), first_block=first_block, block_size=block_size,
        measure_windows=windows, step_ms=step_ms,
    )  # fmt: skip
    rates = firing_statistics(spike_file, skip_s=replay_analysis["rate_skip_s"],
                              chunk_s=replay_analysis["chunk_s"])  # fmt: skip
    weights = _ei_weights(network_file)
    moved = {}
    for name, path in (("since_first", first_file), ("since_previous", previous_file)):
        drift = weight_drift(_ei_weights(path), weights, change_fraction=change_fraction)
        moved.update({f"{name}_{key}": value for key, value in drift.items()})
    for key, value in reversed(list(labels.items())):
        table.insert(0, key, value)
    for key, value in {**rates, **moved}.items():
        table[key] = value
    first = table.iloc[0]
    note(
        f"{labels}: first block {first['fraction_replayed']:.3f} of its assemblies replayed, "
        f"{first['events_per_s']:.3f} events/s; latest block "
        f"{table.iloc[-1]['fraction_replayed']:.3f}"
    )
    return write_csv(table, output_csv)


def block_recall(spike_file, network_file, activations_file, output_csv, *, protocol,
                 analysis, labels):  # fmt: skip
    """Rule ``forgetting_recall``: the cued run ``spike_file`` of one network of the branch
    (``protocol``: its cue protocol, ``first_cue`` and ``max_cues`` set by the rule) analysed
    as the main cued recall (``analysis.recall``; replay counts from the network's spontaneous
    run ``activations_file``) → one row with ``labels`` (protocol, rule, patterns,
    realisation, age) and ``recall_summary``."""
    cues = CueProtocol.from_config(protocol, "forgetting.cued")
    members = load_patterns(network_file)
    responses = configured_responses(spike_file, members, cues, analysis)
    counts = replay_counts(load_activations(activations_file)["pattern"], members.n_patterns)
    table = recall_table(responses, counts)
    row = {**labels, "first_cue": cues.first_cue, **recall_summary(table)}
    note(f"cued recall: {row}")
    return write_csv(pd.DataFrame([row]), output_csv)


def _share_first_block(table, first_block):
    """``table`` with the from-scratch rows at P₀ also under the sequential and frozen
    protocols (at P₀ the three are one network)."""
    start = table[(table["protocol"] == "scratch") & (table["patterns"] == first_block)]
    shared = [start.assign(protocol=name) for name in ("sequential", "frozen")
              if name in set(table["protocol"])]  # fmt: skip
    return pd.concat([table, *shared], ignore_index=True)


def forgetting_summary(block_files, recall_files, table_csv, curves_csv, recall_csv, figure_png,
                       *, first_block):  # fmt: skip
    """Rule ``forgetting_summary``: every run's block rows in one table and every cued-recall
    row in another (the first block's networks are shared: the from-scratch run at P₀ is also
    block 0 of the sequential and frozen protocols), the forgetting curves
    (``analysis.forgetting.forgetting_curves``) and their figure."""
    table = pd.concat([pd.read_csv(path) for path in block_files], ignore_index=True)
    table = _share_first_block(table, first_block)
    table = table.sort_values(["protocol", "rule", "realisation", "patterns", "block"],
                              kind="stable").reset_index(drop=True)  # fmt: skip
    write_csv(table, table_csv)
    curves = write_csv(forgetting_curves(table), curves_csv)
    note(f"forgetting curves:\n{curves.to_string()}")
    recall = pd.DataFrame(columns=["protocol", "rule", "patterns", "realisation", "age"])
    if recall_files:
        recall = pd.concat([pd.read_csv(path) for path in recall_files], ignore_index=True)
        recall = _share_first_block(recall, first_block)
        recall = recall.sort_values(["protocol", "rule", "realisation", "patterns", "age"],
                                    kind="stable").reset_index(drop=True)  # fmt: skip
    write_csv(recall, recall_csv)
    save_figure(forgetting_figure(table, curves, recall, first_block=first_block),
                str(figure_png).removesuffix(".png"))  # fmt: skip
