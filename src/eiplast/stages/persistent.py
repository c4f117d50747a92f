"""Stages of persistent activity (paper Fig S1): the analysis of a cued run whose every member
is cued (rule ``persistent_cue`` runs it with ``eiplast.stages.recall.cued_recall_run``), and the
figure with its key numbers beside the reference's published ones."""

import numpy as np
import pandas as pd

from eiplast.analysis.figures import persistent_figure
from eiplast.analysis.persistent import (
    PatternRates,
    cue_average,
    persistent_traces,
    summary_windows,
    window_means,
)
from eiplast.analysis.reference import (
    published_cue_average,
    published_persistent_files,
    published_persistent_traces,
)
from eiplast.analysis.style import save_figure
from eiplast.analysis.summary import write_csv
from eiplast.assembly.connectivity import load_patterns
from eiplast.assembly.cues import CueProtocol
from eiplast.engine.formats import open_spikes
from eiplast.engine.progress import note


def persistent_analysis(
    spike_file, network_file, average_csv, traces_csv, *, protocol, config_key, analysis
):
    """Rule ``persistent``: the cue-averaged response (``persistent.cue_average``) →
    ``average_csv`` and the traces (``persistent.persistent_traces``) → ``traces_csv`` of the
    run cued by ``protocol`` (the section ``config_key``); ``analysis``: the section
    ``analysis.persistent``."""
    cues = CueProtocol.from_config(protocol, config_key)
    patterns = load_patterns(network_file)
    onsets = cues.onsets_s(patterns.n_patterns)
    with open_spikes(spike_file) as f:
        rates = PatternRates(f, patterns, bin_ms=analysis["bin_ms"])
        average, n_cues = cue_average(
            rates, onsets, before_s=analysis["before_s"], after_s=analysis["after_s"],
            max_cues=analysis["max_cues_averaged"],
        )  # fmt: skip
        traces = persistent_traces(
            rates, onsets, start_s=analysis["traces_start_s"],
            stop_s=analysis["traces_stop_s"], n_other=analysis["traces_other"],
        )  # fmt: skip
    note(f"{spike_file}: averaged over {n_cues} cues")
    average.insert(0, "n_cues", n_cues)
    write_csv(average, average_csv)
    return write_csv(traces, traces_csv)


def persistent_panels(
    average_files, trace_files, output_png, key_csv, *, rules, protocols, patterns,
    reference_dir=None,
):  # fmt: skip
    """Rule ``figure_persistent``: paper Fig S1 for the cued runs of ``rules`` (``protocols``:
    rule → its section of ``stages.persistent.runs``), beside the published curves; key
    numbers: the cued pattern's and the largest other pattern's mean rate in windows around the
    onset (``persistent.summary_windows``), ours and the reference's."""
    averages = {r: pd.read_csv(p) for r, p in zip(rules, average_files, strict=True)}
    traces = {r: pd.read_csv(p) for r, p in zip(rules, trace_files, strict=True)}
    published_averages, published_traces = {}, {}
    for rule in rules:
        files = published_persistent_files(reference_dir, rule, patterns)
        if "average" in files:
            published_averages[rule] = published_cue_average(files["average"], rule)
        if "traces" in files:
            published_traces[rule] = published_persistent_traces(files["traces"])
    cue_s = {rule: float(protocols[rule]["cue_s"]) for rule in rules}
    fig = persistent_figure(averages, traces, cue_s=cue_s, patterns=patterns,
                            published_averages=published_averages,
                            published_traces=published_traces)  # fmt: skip
    save_figure(fig, str(output_png).removesuffix(".png"))
    rows = []
    for rule, average in averages.items():
        after_s = float(average["t_s"].max()) + float(np.diff(average["t_s"][:2])[0])
        windows = summary_windows(cue_s[rule], round(after_s, 6))
        theirs = published_averages.get(rule)
        for column, what in (("stimulated_hz", "cued pattern"), ("other_hz", "largest other")):
            mine = window_means(average, windows, column)
            ref = window_means(theirs, windows, column) if theirs is not None else {}
            for window, value in mine.items():
                reference = ref.get(window, np.nan)
                rows.append({"figure": "Fig S1", "quantity": f"{what} rate {window} (Hz)",
                             "label": rule, "patterns": int(patterns), "reference": reference,
                             "ours": value, "difference": value - reference,
                             "inside": pd.NA})  # fmt: skip
    return write_csv(pd.DataFrame(rows), key_csv)
