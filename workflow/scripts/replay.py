"""One row of the replay table (docs/model-description.md A8):
eiplast.analysis.replay.replay_row."""

from _common import logged, progress

from eiplast.analysis.replay import replay_row
from eiplast.analysis.summary import write_csv

sm = snakemake  # noqa: F821

with logged(sm):
    labels = {
        "rule": sm.wildcards.rule,
        "patterns": int(sm.wildcards.patterns),
        "run": sm.wildcards.run,
        "label": sm.params.label,
    }
    row = replay_row(sm.input.activations, sm.input.spikes, labels=labels, **sm.params.analysis)
    progress(f"replay statistics: {row}")
    write_csv([row], sm.output.row)
