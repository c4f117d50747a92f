"""Linear sensitivity to excitatory vs inhibitory perturbations of one P, a panel per rule."""

import pandas as pd
from _common import logged

from eiplast.analysis.figures import sensitivity_scatter_figure
from eiplast.analysis.style import save_figure

sm = snakemake  # noqa: F821

with logged(sm):
    frames = {
        rule: pd.read_csv(path)
        for rule, path in zip(sm.params.rules, sm.input.sensitivity, strict=True)
    }
    save_figure(sensitivity_scatter_figure(frames), sm.output.png.removesuffix(".png"))
