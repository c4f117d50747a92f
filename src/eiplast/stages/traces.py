"""Stage of the replay-event traces and inter-event intervals (paper Fig 2A) of one P ×
realisation."""

import pandas as pd

from eiplast.analysis.activations import load_activations
from eiplast.analysis.summary import write_csv
from eiplast.analysis.traces import assembly_traces, inter_event_intervals_s
from eiplast.assembly.connectivity import load_patterns
from eiplast.engine.progress import note


def replay_traces(
    spike_files,
    activations_files,
    network_file,
    traces_csv,
    intervals_csv,
    *,
    rules,
    activations,
    start_s,
    length_s,
):
    """Rule ``assembly_traces``: the traces of the events of the first rule (``rules[0]``, its
    spontaneous run ``spike_files[0]`` and events ``activations_files[0]``) inside
    [start_s, start_s + length_s) → ``traces_csv``; every rule's intervals between events of
    different patterns (columns rule, interval_s) → ``intervals_csv``. ``activations``: the
    section ``analysis.activations`` (skip, step and window of the detector)."""
    patterns = load_patterns(network_file)
    events = [load_activations(path) for path in activations_files]
    traces = assembly_traces(
        spike_files[0], patterns, events[0], skip_s=activations["skip_s"],
        step_ms=activations["step_ms"], start_s=start_s, length_s=length_s,
        window_ms=activations["window_ms"],
    )  # fmt: skip
    note(f"{traces['event'].nunique()} events of {rules[0]} in [{start_s}, {start_s + length_s}) s")
    write_csv(traces, traces_csv)
    step_ms = activations["step_ms"]
    frames = [
        pd.DataFrame({"rule": rule, "interval_s": inter_event_intervals_s(table, step_ms=step_ms)})
        for rule, table in zip(rules, events, strict=True)
    ]
    intervals = pd.concat(frames, ignore_index=True)
    write_csv(intervals, intervals_csv)
