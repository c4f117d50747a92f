"""Rule summary: the replay table and its aggregate over realisations (CSV, HTML), and the
per-neuron sensitivity table."""

from _common import logged

from eiplast.stages.tables import summary

sm = snakemake  # noqa: F821

with logged(sm):
    summary(
        sm.input.replay,
        sm.input.sensitivity,
        sm.input.stats,
        sm.output.replay,
        sm.output.replay_html,
        sm.output.aggregate,
        sm.output.aggregate_html,
        sm.output.sensitivity,
        runs=sm.params.runs,
        replay_realisations=sm.params.replay_realisations,
        rule_order=sm.params.rule_order,
    )
