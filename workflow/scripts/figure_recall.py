"""Rule figure_recall: cued recall at one P, every rule."""

from _common import logged

from eiplast.stages.figures import recall_responses

sm = snakemake  # noqa: F821

with logged(sm):
    recall_responses(
        sm.input.tables,
        sm.input.traces,
        sm.output.png,
        rules=sm.params.rules,
        patterns=int(sm.wildcards.patterns),
    )
