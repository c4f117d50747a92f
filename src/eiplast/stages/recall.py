"""Stages of cued recall (paper Fig 3): the cued run of a trained network, and its analysis."""

import pandas as pd

from eiplast.analysis.activations import load_activations
from eiplast.analysis.excitability import replay_counts
from eiplast.analysis.recall import (
    configured_responses,
    recall_summary,
    recall_table,
    recall_traces,
)
from eiplast.analysis.summary import write_csv
from eiplast.assembly.connectivity import load_patterns
from eiplast.assembly.cues import CueProtocol, cue_stimuli
from eiplast.engine.progress import note
from eiplast.stages.network import run_network_stage


def cued_recall_run(
    network_file,
    output,
    *,
    protocol,
    seed,
    neuron=None,
    background=None,
    threads=1,
    stage="cued_recall",
    config_key="stages.cued_recall",
):
    """Rule ``cued_recall`` (and ``persistent_cue``, named by ``stage``): the trained network of
    ``network_file`` without plasticity, its patterns cued one after another (``protocol``: the
    configuration section ``config_key``, see ``eiplast.assembly.cues``); writes the spike file
    ``output``."""
    cues = CueProtocol.from_config(protocol, config_key)
    patterns = load_patterns(network_file)
    run = {
        "duration_s": cues.duration_s(patterns.n_patterns),
        "learning_rate": 0.0,
        "chunk_s": protocol["chunk_s"],
        "seed": seed,
        "stimuli": cue_stimuli(patterns, cues),
    }
    note(f"cueing {cues.n_cues(patterns.n_patterns)} of {patterns.n_patterns} patterns")
    return run_network_stage(
        network_file,
        output,
        run=run,
        neuron=neuron,
        background=background,
        stage=stage,
        threads=threads,
    )


def recall(
    spike_file,
    network_file,
    activations_file,
    table_csv,
    traces_csv,
    summary_csv,
    *,
    protocol,
    analysis,
    label,
    patterns,
    realisation,
):
    """Rule ``recall``: per cued pattern the retrieval quality and peak rate
    (``analysis.recall.recall_table``, with the pattern's replay count in the spontaneous run
    of ``activations_file``) → ``table_csv``; the example pattern's and the mean traces →
    ``traces_csv``; the run's summary (one row with ``label``, ``patterns``, ``realisation``)
    → ``summary_csv``. ``analysis``: the section ``analysis.recall``."""
    cues = CueProtocol.from_config(protocol)
    members = load_patterns(network_file)
    responses = configured_responses(spike_file, members, cues, analysis)
    counts = replay_counts(load_activations(activations_file)["pattern"], members.n_patterns)
    table = write_csv(recall_table(responses, counts), table_csv)
    example = min(int(analysis["example_pattern"]), len(table) - 1)
    write_csv(recall_traces(responses, example), traces_csv)
    summary = {"label": label, "patterns": int(patterns), "realisation": int(realisation),
               **recall_summary(table)}  # fmt: skip
    note(f"cued recall of {label}, P = {patterns}: {summary}")
    return write_csv(pd.DataFrame([summary]), summary_csv)
