""" "Winner takes all" (paper Fig 4): assemblies' mean conductances, replay counts, the summary's
correlations, the published per-assembly table. Expected values by hand."""

import numpy as np
import pandas as pd
import pytest

from eiplast.analysis import figures
from eiplast.analysis.excitability import (
    assembly_means,
    excitability_summary,
    replay_counts,
)
from eiplast.analysis.reference import published_excitability


def test_assembly_means_by_hand():
    values = np.array([1.0, 2.0, 4.0, 8.0])
    # assemblies {0, 1}, {}, {1, 2, 3}
    means = assembly_means(values, np.array([0, 2, 2, 5]), np.array([0, 1, 1, 2, 3]))
    assert means[0] == 1.5 and np.isnan(means[1]) and means[2] == pytest.approx(14.0 / 3.0)


def test_replay_counts():
    np.testing.assert_array_equal(replay_counts(np.array([2, 0, 2, 2]), 4), [1, 0, 3, 0])


def test_summary_by_hand():
    assemblies = pd.DataFrame({
        "excitation_nS": [1.0, 2.0, 3.0, 4.0, 5.0],
        "inhibition_nS": [2.0, 4.0, 6.0, 8.0, 10.0],
        "replay_count": [0, 0, 5, 3, 9],
    })  # fmt: skip
    summary = excitability_summary(assemblies)
    # replayed: excitation 3, 4, 5 against counts 5, 3, 9 → ranks (1, 2, 3) and (2, 1, 3):
    # Spearman = 1 − 6 Σd² / (n (n² − 1)) = 1 − 6 · 2 / 24 = 0.5
    assert summary["spearman_excitation_replays"] == pytest.approx(0.5)
    # replayed or not (0, 0, 1, 1, 1) against 1 … 5: Pearson r = cov / (sd sd)
    # cov = mean(xy) − mean(x) mean(y) = 12/5 − 3 · 3/5 = 0.6; sd_x = √2, sd_y = √0.24
    assert summary["pearson_excitation_replayed"] == pytest.approx(0.6 / np.sqrt(2 * 0.24))
    assert summary["pearson_excitation_inhibition"] == pytest.approx(1.0)
    assert summary["assemblies_replayed"] == 3
    assert summary["mean_excitation_nS"] == 3.0 and summary["mean_inhibition_nS"] == 6.0
    none = excitability_summary(assemblies.assign(replay_count=0))
    assert none["assemblies_replayed"] == 0 and np.isnan(none["spearman_excitation_replays"])
    assert np.isnan(none["pearson_excitation_replayed"])  # constant: undefined


def test_published_table_reader(tmp_path):
    path = tmp_path / "totweights_20.csv"
    path.write_text(
        ",hebb,hebb,hebb,rate,rate,rate\n"
        ",20,20,20,20,20,20\n"
        ",tot_excit,tot_inhib,act_counts,tot_excit,tot_inhib,act_counts\n"
        "0,5.0,6.0,15,5.5,10.0,0\n"
        "1,5.2,6.5,77,5.9,10.6,2\n"
    )
    table = published_excitability(path)
    assert list(table.columns) == [
        "rule", "pattern", "excitation_nS", "inhibition_nS", "replay_count",
    ]  # fmt: skip
    rate = table[table["rule"] == "rate"]
    assert rate["pattern"].tolist() == [0, 1] and rate["replay_count"].tolist() == [0, 2]
    assert table[table["rule"] == "hebb"]["inhibition_nS"].tolist() == [6.0, 6.5]


def test_excitability_figure_draws_the_reference_beneath():
    rng = np.random.default_rng(3)
    neurons = {r: pd.DataFrame({"mean_e": rng.uniform(4, 7, 50), "mean_i": rng.uniform(5, 12, 50)})
               for r in ("hebb", "rate")}  # fmt: skip
    assemblies = pd.DataFrame({"rule": ["hebb"] * 5 + ["rate"] * 5,
                               "excitation_nS": rng.uniform(5, 6, 10),
                               "replay_count": rng.integers(0, 50, 10)})  # fmt: skip
    reference = assemblies.assign(excitation_nS=assemblies["excitation_nS"] + 0.1)
    fig = figures.excitability_figure(neurons, assemblies, reference=reference,
                                      reference_note="n")  # fmt: skip
    assert len(fig.axes) == 3
    labels = [[c.get_label() for c in ax.collections] for ax in fig.axes[1:3]]
    assert labels == [["reference", "ours"], ["reference", "ours"]]


def test_covariance_ellipse_geometry():
    from matplotlib.patches import Ellipse
    from scipy.stats import chi2

    samples = np.random.default_rng(4).normal(size=(200, 2))
    cov = np.array([[4.0, 0.0], [0.0, 1.0]])
    fig = figures.conductance_fit_figure(
        samples[:, 0], samples[:, 1], robust=(np.zeros(2), cov),
        plain=(np.ones(2), np.array([[1.0, 0.0], [0.0, 9.0]])), title="t",
    )  # fmt: skip
    plain, robust = [p for p in fig.axes[0].patches if isinstance(p, Ellipse)]
    q = chi2.ppf(0.95, 2)  # 5.991: the 95 % ellipse of a 2-D Gaussian
    # the robust ellipse: long axis 2√(4q) along g_e, short 2√q along g_i
    assert robust.width == pytest.approx(2 * np.sqrt(4 * q)) and robust.height == pytest.approx(
        2 * np.sqrt(q)
    )
    assert robust.angle % 180 == pytest.approx(0.0, abs=1e-9)
    # the plain one is longest along g_i: rotated by 90°, centred on its mean
    assert plain.width == pytest.approx(2 * np.sqrt(9 * q)) and plain.angle % 180 == pytest.approx(
        90
    )
    assert tuple(plain.center) == (1.0, 1.0)
