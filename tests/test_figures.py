"""Figure functions (eiplast.analysis.figures) write non-empty PNG and PDF files."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from eiplast.analysis import figures, style


def check_saved(fig, path):
    assert isinstance(fig, Figure)
    written = style.save_figure(fig, path)
    assert written == [f"{path}.png", f"{path}.pdf"]
    with open(f"{path}.png", "rb") as f:
        png = f.read()
    with open(f"{path}.pdf", "rb") as f:
        pdf = f.read()
    assert png.startswith(b"\x89PNG") and len(png) > 2000
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    # no temporary files left beside the outputs
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(".")) == []


def test_raster(tmp_path):
    rng = np.random.default_rng(0)
    n_exc, n_inh = 200, 50
    neuron = rng.integers(0, n_exc + n_inh, 4000)
    step = np.sort(rng.integers(100_000, 130_000, 4000))
    # an assembly burst at 11.005 s
    members = np.arange(20, 40)
    neuron = np.concatenate([neuron, members])
    step = np.concatenate([step, np.full(20, 110_050)])
    events = pd.DataFrame({"start": [99], "duration": [10], "pattern": [1]})
    fig = figures.raster_figure(
        neuron,
        step,
        n_exc=n_exc,
        t_start_s=10.5,
        t_stop_s=12.5,
        events=events,
        pattern_indptr=np.array([0, 20, 40]),
        pattern_members=np.arange(40),
    )
    check_saved(fig, tmp_path / "raster")


def test_rate_and_weight_histograms(tmp_path):
    rng = np.random.default_rng(1)
    rates = {
        rule: (rng.gamma(2, 1.5, 800), rng.gamma(3, 4, 200))
        for rule in ("hebb", "hebb_smooth_rate", "rate")
    }
    check_saved(figures.rate_histograms_figure(rates), tmp_path / "rates")
    weights = {rule: rng.lognormal(0, 0.6, 5000) for rule in ("hebb", "rate")}
    weights["empty"] = np.array([])
    check_saved(figures.weight_distribution_figure(weights), tmp_path / "weights")


def test_replay_diversity(tmp_path):
    rows = []
    for rule in ("hebb", "hebb_smooth_rate", "rate", "shuffle"):
        for p in (800, 1000, 1200):
            for seed in (0, 1):
                rows.append(
                    dict(
                        rule=rule,
                        n_patterns=p,
                        seed=seed,
                        nunique=p * 0.5 + seed,
                        entropy=p * 0.3,
                        mean_freq=2.0 + seed,
                    )
                )
    table = pd.DataFrame(rows)
    fig = figures.replay_diversity_figure(table)
    assert [ax.get_yscale() for ax in fig.axes] == ["linear", "linear", "log"]
    check_saved(fig, tmp_path / "replay")
    table.loc[(table["rule"] == "rate") & (table["n_patterns"] == 1200), "mean_freq"] = 0.0
    # a rule without replays at one P: no log axis
    assert figures.replay_diversity_figure(table).axes[2].get_yscale() == "linear"
    with pytest.raises(ValueError, match="lacks columns"):
        figures.replay_diversity_figure(pd.DataFrame({"rule": ["hebb"]}))


def test_replay_growth(tmp_path):
    t = np.linspace(0, 100, 11)
    curves = {
        "hebb": pd.DataFrame({"time_s": t, "nunique": np.arange(11) * 3}),
        "rate": pd.DataFrame({"time_s": t, "nunique": np.arange(11)}),
        "shuffle": pd.DataFrame({"time_s": t, "nunique": np.arange(11) * 2}),
    }
    fig = figures.replay_growth_figure(curves)
    lines = fig.axes[0].get_lines()
    assert [ln.get_label() for ln in lines] == ["fLHP", "GHP", "shuffle"]
    assert [ln.get_linestyle() for ln in lines] == ["-", "-", "--"]
    np.testing.assert_array_equal(lines[0].get_ydata(), np.arange(11) * 3)
    check_saved(fig, tmp_path / "growth")
    with pytest.raises(ValueError, match="lacks columns"):
        figures.replay_growth_figure({"x": pd.DataFrame({"time_s": t})})


def test_sensitivity_scatter(tmp_path):
    rng = np.random.default_rng(2)
    n = 300
    df = pd.DataFrame(
        {
            "neuron": np.arange(n),
            "population": np.where(np.arange(n) < 240, "E", "I"),
            "activation_exc": rng.normal(1, 0.3, n),
            "activation_inh": rng.normal(-1, 0.3, n),
        }
    )
    check_saved(figures.sensitivity_scatter_figure(df), tmp_path / "sens1")
    check_saved(
        figures.sensitivity_scatter_figure({"hebb": df, "rate": df}, max_points=50),
        tmp_path / "sens2",
    )


def test_saved_bytes_do_not_depend_on_the_time(tmp_path, monkeypatch):
    """The same figure saved twice gives the same PNG and PDF bytes: no creation date is
    written, whatever the clock or SOURCE_DATE_EPOCH (which matplotlib otherwise uses)."""
    rng = np.random.default_rng(3)
    weights = {"hebb": rng.lognormal(0, 0.6, 2000), "rate": rng.lognormal(0, 0.4, 2000)}
    saved = []
    for i, epoch in enumerate((None, "1000000000", "1700000000")):
        if epoch is None:
            monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
        else:
            monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
        fig = figures.weight_distribution_figure(weights)
        written = style.save_figure(fig, tmp_path / f"weights{i}")
        saved.append([Path(path).read_bytes() for path in written])
    assert saved[0] == saved[1] == saved[2]
    assert b"CreationDate" not in saved[0][1]
