"""Rule figure_assembly_traces: paper Fig 2A at one P."""

from _common import logged

from eiplast.stages.figures import replay_traces_panels

sm = snakemake  # noqa: F821

with logged(sm):
    replay_traces_panels(
        sm.input.traces,
        sm.input.intervals,
        sm.output.png,
        rules=sm.params.rules,
        patterns=int(sm.wildcards.patterns),
        reference_dir=sm.params.reference_dir,
    )
