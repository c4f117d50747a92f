"""Distinct assemblies replayed so far against time in the runs of one P, one line per run:
eiplast.analysis.replay.replay_growth, drawn by replay_growth_figure; the curves as a table."""

import pandas as pd
from _common import logged, progress

from eiplast.analysis.figures import replay_growth_figure
from eiplast.analysis.replay import replay_growth
from eiplast.analysis.style import save_figure
from eiplast.analysis.summary import write_csv

sm = snakemake  # noqa: F821

with logged(sm):
    curves = {}
    for label, path in zip(sm.params.labels, sm.input.activations, strict=True):
        curves[label] = replay_growth(path, n_points=sm.params.n_points)
        progress(f"{label}: {curves[label]['nunique'].iloc[-1]} distinct assemblies at the end")
    table = pd.concat([c.assign(label=label) for label, c in curves.items()], ignore_index=True)
    write_csv(table[["label", "time_s", "nunique", "n_patterns_replayed"]], sm.output.table)
    save_figure(replay_growth_figure(curves), sm.output.png.removesuffix(".png"))
