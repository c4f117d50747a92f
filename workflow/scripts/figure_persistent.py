"""Rule figure_persistent: paper Fig S1 at one P, with its key numbers."""

from _common import logged

from eiplast.stages.persistent import persistent_panels

sm = snakemake  # noqa: F821

with logged(sm):
    persistent_panels(
        sm.input.averages,
        sm.input.traces,
        sm.output.png,
        sm.output.key_numbers,
        rules=sm.params.rules,
        protocols=sm.params.protocols,
        patterns=int(sm.wildcards.patterns),
        reference_dir=sm.params.reference_dir,
    )
