"""Rule figure_eigen_activity: paper Fig 8 B-G at one P, with its key numbers."""

from _common import logged

from eiplast.stages.figures import eigen_activity_panels

sm = snakemake  # noqa: F821

with logged(sm):
    eigen_activity_panels(
        sm.input.vectors,
        sm.input.activity,
        sm.output.png,
        sm.output.key_numbers,
        rules=sm.params.rules,
        patterns=int(sm.wildcards.patterns),
        window_s=sm.params.window_s,
    )
