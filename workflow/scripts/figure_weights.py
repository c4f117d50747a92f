"""Distribution of the trained I->E weights of one P, one curve per rule."""

from _common import logged

from eiplast.analysis.figures import weight_distribution_figure
from eiplast.analysis.style import save_figure
from eiplast.analysis.summary import ei_weights

sm = snakemake  # noqa: F821

with logged(sm):
    weights = {
        rule: ei_weights(path) for rule, path in zip(sm.params.rules, sm.input.train, strict=True)
    }
    save_figure(weight_distribution_figure(weights), sm.output.png.removesuffix(".png"))
