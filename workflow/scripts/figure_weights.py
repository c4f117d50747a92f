"""Rule figure_weights: the trained I->E weights of one P, one curve per rule."""

from _common import logged

from eiplast.stages.figures import weight_distribution

sm = snakemake  # noqa: F821

with logged(sm):
    weight_distribution(sm.input.train, sm.output.png, rules=sm.params.rules)
