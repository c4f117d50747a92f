"""Replay diversity (nunique, exp(entropy), frequency) against P, one line per rule."""

import pandas as pd
from _common import logged

from eiplast.analysis.figures import replay_diversity_figure
from eiplast.analysis.style import save_figure

sm = snakemake  # noqa: F821

with logged(sm):
    table = pd.read_csv(sm.input.replay)
    fig = replay_diversity_figure(table, rule_col="label", npat_col="patterns")
    save_figure(fig, sm.output.png.removesuffix(".png"))
