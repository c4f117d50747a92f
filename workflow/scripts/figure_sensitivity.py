"""Rule figure_sensitivity: sensitivity to excitatory against inhibitory perturbations of
one P, a panel per rule."""

from _common import logged

from eiplast.stages.figures import sensitivity_scatter

sm = snakemake  # noqa: F821

with logged(sm):
    sensitivity_scatter(sm.input.sensitivity, sm.output.png, rules=sm.params.rules)
