"""Rule figure_replay_diversity: replay diversity against P, one line per rule."""

from _common import logged

from eiplast.stages.figures import replay_diversity

sm = snakemake  # noqa: F821

with logged(sm):
    replay_diversity(sm.input.replay, sm.output.png)
