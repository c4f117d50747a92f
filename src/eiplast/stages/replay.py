"""Stages of the replay analysis (docs/model-description.md A7, A8): assembly activations of a
spontaneous run, and one row of the replay table."""

from eiplast.analysis.activations import detect_activations, save_activations
from eiplast.analysis.replay import replay_row
from eiplast.analysis.summary import ei_weights, weight_drift, write_csv
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


def weight_drift_table(
    train_file, learned_file, output_csv, *, change_fraction, rule, patterns, realisation
):
    """Rule ``weight_drift``: how far the I→E weights of ``rule``'s trained network (the final
    weights of the training run ``train_file``) moved during the plastic spontaneous run
    ``learned_file`` (``analysis.summary.weight_drift``); one row → ``output_csv``."""
    row = {"rule": rule, "patterns": int(patterns), "realisation": int(realisation),
           **weight_drift(ei_weights(train_file), ei_weights(learned_file),
                          change_fraction=change_fraction)}  # fmt: skip
    note(f"I->E weights during spontaneous learning: {row}")
    write_csv([row], output_csv)
