"""The paper's Fig 1 analyses and the paper-vs-ours table: summed input weights per E neuron,
the published per-neuron values, the key numbers and their table. Expected values by hand."""

import numpy as np
import pandas as pd
import pytest
from matplotlib.patches import Polygon

from eiplast.analysis import figures
from eiplast.analysis.inputs import e_input_totals
from eiplast.analysis.paper import COLUMNS, key_numbers, paper_vs_ours, replay_rows
from eiplast.analysis.reference import published_neuron_file, published_neurons


def test_input_totals_by_hand():
    # neurons 0, 1 excitatory, 2 inhibitory; CSR by presynaptic neuron:
    #   0 → 1 (0.5 nS), 0 → 2 (9, onto I: not counted)
    #   1 → 0 (1.5), 1 → 0 (0.0: a synapse of weight 0 adds nothing)
    #   2 → 0 (2.0), 2 → 1 (3.0), 2 → 2 (7, I→I: not counted)
    indptr = np.array([0, 2, 4, 7])
    post = np.array([1, 2, 0, 0, 0, 1, 2])
    weight = np.array([0.5, 9.0, 1.5, 0.0, 2.0, 3.0, 7.0], np.float32)
    inhibition, excitation = e_input_totals(indptr, post, weight, n_exc=2)
    np.testing.assert_allclose(inhibition, [2.0, 3.0])
    np.testing.assert_allclose(excitation, [1.5, 0.5])
    assert inhibition.shape == excitation.shape == (2,)


def test_input_totals_of_a_neuron_without_inputs_are_zero():
    indptr = np.array([0, 0, 0, 1])
    inhibition, excitation = e_input_totals(indptr, np.array([1]), np.array([4.0]), n_exc=2)
    np.testing.assert_array_equal(inhibition, [0.0, 4.0])
    np.testing.assert_array_equal(excitation, [0.0, 0.0])


def test_key_numbers_by_hand():
    ours = {"hebb": np.array([1.0, 2.0, 3.0, 6.0]), "custom": np.array([5.0])}
    table = key_numbers("Fig 1J", "total inhibition (nS)", 1000, ours, {"hebb": [2.0, 2.0]})
    assert list(table.columns) == list(COLUMNS)
    hebb = table[table["label"] == "hebb"].set_index("quantity")
    # mean 3 vs 2; median 2.5 vs 2; population sd √((4 + 1 + 0 + 9) / 4) = √3.5 vs 0
    mean = hebb.loc["total inhibition (nS), mean"]
    assert [mean["ours"], mean["reference"], mean["difference"]] == [3.0, 2.0, 1.0]
    assert hebb.loc["total inhibition (nS), median", "difference"] == 0.5
    assert hebb.loc["total inhibition (nS), sd", "ours"] == pytest.approx(np.sqrt(3.5))
    custom = table[table["label"] == "custom"]
    assert len(custom) == 3 and custom["reference"].isna().all()
    assert custom["difference"].isna().all() and custom["inside"].isna().all()
    assert (table["patterns"] == 1000).all() and (table["figure"] == "Fig 1J").all()


def test_replay_rows_and_the_joined_table():
    comparison = pd.DataFrame({
        "label": ["rate", "hebb"], "patterns": [2000, 1000], "statistic": ["nunique", "entropy"],
        "time_s": [1990.0, 1990.0], "reference_time_s": [1990.0, 10000.0],
        "reference": [6.0, 300.0], "n": [3, 1], "mean": [8.0, 250.0], "sd": [1.0, np.nan],
        "ci95_low": [5.5, np.nan], "ci95_high": [10.5, np.nan], "ratio": [8 / 6, 250 / 300],
        "inside": pd.array([True, pd.NA], dtype="boolean"),
    })  # fmt: skip
    rows = replay_rows(comparison)
    assert rows["quantity"].tolist() == ["nunique at 1990 s", "entropy at 1990 s"]
    assert rows["difference"].tolist() == [2.0, -50.0]
    assert rows["inside"].isna().tolist() == [False, True] and bool(rows["inside"].iloc[0])
    fig1 = key_numbers("Fig 1H", "E rate (Hz)", 1000, {"rate": [1.0, 3.0]})
    table = paper_vs_ours([rows, fig1])
    assert table["figure"].tolist() == ["Fig 1H"] * 3 + ["Fig 2"] * 2
    assert table[table["figure"] == "Fig 2"]["quantity"].tolist()[0] == "entropy at 1990 s"


def test_published_neurons(tmp_path):
    for rule, values in (("hebb", "1.5\n2.5\n"), ("rate", "4\n")):
        path = published_neuron_file(tmp_path, "tot_inhib", rule)
        path.parent.mkdir(exist_ok=True)
        path.write_text(values)
    values, note = published_neurons(tmp_path, "tot_inhib", ["hebb", "rate", "custom"], 1000)
    assert sorted(values) == ["hebb", "rate"]  # the reference has no "custom" rule
    np.testing.assert_array_equal(values["hebb"], [1.5, 2.5])
    np.testing.assert_array_equal(values["rate"], [4.0])
    assert "plotting/data/tot_inhib" in note and "e5ea850" in note
    none, note = published_neurons(tmp_path, "tot_inhib", ["hebb"], 2000)
    assert none is None and "P = 1000 only" in note
    none, note = published_neurons(None, "tot_inhib", ["hebb"], 1000)
    assert none is None and "reference_data_dir is not set" in note
    with pytest.raises(ValueError, match="no published 'tot_excit'"):
        published_neuron_file(tmp_path, "tot_excit", "hebb")


def _dashed_polygons(ax):
    return [p for p in ax.patches if isinstance(p, Polygon) and p.get_linestyle() != "solid"]


def test_input_totals_figure_draws_the_reference_dashed():
    rng = np.random.default_rng(1)
    totals = {r: (rng.uniform(50, 200, 80), rng.uniform(5, 9, 80)) for r in ("hebb", "rate")}
    fig = figures.input_totals_figure(
        totals, reference_inhibition={"hebb": rng.uniform(50, 200, 40)}, reference_note="note X"
    )
    inhibition_ax, excitation_ax = fig.axes[:2]
    assert len(_dashed_polygons(inhibition_ax)) == 1  # the published hebb curve only
    assert _dashed_polygons(excitation_ax) == []
    assert inhibition_ax.get_xlim()[1] >= 600.0  # the paper's 0–600 nS axis
    assert [t.get_text() for t in fig.texts] == ["note X"]
    # a value above 600 nS widens the axis instead of falling off it
    totals["rate"] = (np.array([100.0, 900.0]), np.array([1.0, 2.0]))
    wide = figures.input_totals_figure(totals)
    assert wide.axes[0].get_xlim()[1] >= 900.0 and wide.texts == []


def test_rate_figure_draws_the_reference_dashed():
    rates = {"hebb": (np.array([1.0, 3.0, 5.0]), np.array([9.0, 11.0]))}  # none silent
    reference = {"hebb": (np.array([2.0, 70.0]), np.array([10.0]))}
    fig = figures.rate_histograms_figure(rates, reference=reference, reference_note="n")
    e_ax, i_ax = fig.axes[:2]
    assert len(_dashed_polygons(e_ax)) == len(_dashed_polygons(i_ax)) == 1
    assert e_ax.get_xscale() == "log" and "silent: fLHP 0" in e_ax.get_title()


def test_rate_bins_are_the_papers_and_grow_by_decades():
    edges = figures.rate_edges_hz(50.0)
    assert len(edges) == 100 and edges[0] == pytest.approx(0.01) and edges[-1] == 100.0
    wide = figures.rate_edges_hz(250.0)  # one decade more: 99 / 4 ≈ 25 bins of the same width
    assert wide[-1] == pytest.approx(1000.0) and len(wide) == 125
    np.testing.assert_allclose(np.diff(np.log10(wide)), 4 / 99, rtol=0.01)  # decades per bin
