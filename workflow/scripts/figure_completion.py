"""Rule figure_completion: linear pattern completion at one P (paper Fig S4)."""

from _common import logged

from eiplast.stages.figures import completion_panels

sm = snakemake  # noqa: F821

with logged(sm):
    completion_panels(
        sm.input.completion,
        sm.output.png,
        patterns=int(sm.wildcards.patterns),
        errors=sm.params.errors,
        reference_dir=sm.params.reference_dir,
    )
