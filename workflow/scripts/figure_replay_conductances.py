"""Rule figure_replay_conductances: paper Fig 6 at one P."""

from _common import logged

from eiplast.stages.figures import replay_conductance_panels

sm = snakemake  # noqa: F821

with logged(sm):
    replay_conductance_panels(
        sm.input.traces,
        sm.output.png,
        sm.output.key_numbers,
        rules=sm.params.rules,
        patterns=int(sm.wildcards.patterns),
    )
