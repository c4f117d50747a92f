"""Stages of the replay analysis (docs/model-description.md A7, A8): assembly activations of a
spontaneous run, and one row of the replay table."""

from eiplast.analysis.activations import detect_activations, save_activations
from eiplast.analysis.replay import replay_row
from eiplast.analysis.summary import write_csv
from eiplast.engine.progress import note


def activations(spike_file, network_file, output, *, analysis):
    """Rule ``activations``: assembly activations of ``spike_file`` (A7) with the section
    ``analysis.activations`` as written; events saved to ``output``."""
    note(f"detecting activations in {spike_file} with {dict(analysis)}")
    events = detect_activations(spike_file, network_file, **analysis)
    note(f"{len(events)} activations of {events['pattern'].nunique()} patterns")
    save_activations(events, output)


def replay(activations_file, spike_file, output_csv, *, labels, analysis):
    """Rule ``replay``: one row of the replay table (A8), keyed by ``labels`` (rule, patterns,
    run, label), with the section ``analysis.replay`` as written."""
    row = replay_row(activations_file, spike_file, labels=labels, **analysis)
    note(f"replay statistics: {row}")
    write_csv([row], output_csv)
