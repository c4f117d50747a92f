"""The linearised network (eiplast.analysis.linear): drives, overlaps, angles, completion and
perturbation responses against hand-computed values."""

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from eiplast.analysis.linear import (
    completion_mask,
    example_drive,
    linear_summary,
    linear_tables,
    pattern_angles_deg,
    pattern_drive,
    perturbation_responses,
    top_overlaps,
)
from eiplast.analysis.specialisation import ee_matrix, pattern_matrix
from tests.test_replay import write_spikes

# 4 E neurons (and 1 I); E→E synapses [post, pre]: 0→1 (1.0), 1→0 (2.0), 0→2 (0.5), 2→3 (3.0),
# 3→2 (1.0); an E→I synapse (onto neuron 4) that W_EE leaves out
PRE = [0, 0, 0, 1, 2, 3]
POST = [1, 2, 4, 0, 3, 2]
WEIGHT = [1.0, 0.5, 9.0, 2.0, 3.0, 1.0]
INDPTR = np.searchsorted(PRE, np.arange(6))  # CSR by presynaptic neuron, 5 neurons
PATTERN_INDPTR, PATTERN_MEMBERS = [0, 2, 4], [0, 1, 2, 3]  # p0 = {0, 1}, p1 = {2, 3}


def _w_ee():
    return ee_matrix(INDPTR, POST, WEIGHT, 4)


def test_drive_by_hand():
    """r_p[i] = χ_i Σ_{j ∈ p} W[i, j]: p0 = {0, 1} drives 0 by 2 (from 1), 1 by 1, 2 by 0.5."""
    patterns = pattern_matrix(PATTERN_INDPTR, PATTERN_MEMBERS, 4)
    drive = pattern_drive(_w_ee(), patterns)
    assert drive[:, 0].tolist() == [2.0, 1.0, 0.5, 0.0]
    assert drive[:, 1].tolist() == [0.0, 0.0, 1.0, 3.0]
    scaled = pattern_drive(_w_ee(), patterns, chi=[1.0, 0.1, 10.0, 1.0])
    assert scaled[:, 0].tolist() == pytest.approx([2.0, 0.1, 5.0, 0.0])


def test_overlaps_angles_and_ties():
    patterns = pattern_matrix(PATTERN_INDPTR, PATTERN_MEMBERS, 4)
    drive = pattern_drive(_w_ee(), patterns, chi=[1.0, 0.1, 10.0, 1.0])
    # p0: largest two are neurons 2 (5.0) and 0 (2.0): one member of two; p1: 3 and 2, both
    assert top_overlaps(drive, PATTERN_INDPTR, PATTERN_MEMBERS).tolist() == [0.5, 1.0]
    # ties go to the lower index: equal drive everywhere picks neurons 0, 1
    flat = np.ones((4, 2))
    assert top_overlaps(flat, PATTERN_INDPTR, PATTERN_MEMBERS).tolist() == [1.0, 0.0]
    # angle of p0 = (1, 1, 0, 0) with (2, 0.1, 5, 0): cos = 2.1 / (√2 · √29.01)
    expected = np.degrees(np.arccos(2.1 / (np.sqrt(2) * np.sqrt(29.01))))
    assert pattern_angles_deg(drive, patterns)[0] == pytest.approx(expected)


def test_completion_mask_is_shared_and_has_the_error_rate():
    a, b = completion_mask(100_000, 0.3, seed=9), completion_mask(100_000, 0.3, seed=9)
    assert np.array_equal(a, b)
    assert a.mean() == pytest.approx(0.7, abs=0.01)
    assert not np.array_equal(a, completion_mask(100_000, 0.3, seed=10))


def test_tables_and_summary():
    patterns = pattern_matrix(PATTERN_INDPTR, PATTERN_MEMBERS, 4)
    tables = linear_tables(
        _w_ee(), patterns, PATTERN_INDPTR, PATTERN_MEMBERS, {"hebb": [1.0, 0.1, 10.0, 1.0]},
        errors=[0.0, 1.0], seed=1,
    )  # fmt: skip
    assert list(tables["overlaps"].columns) == ["pattern", "hebb", "uniform"]
    assert tables["overlaps"]["hebb"].tolist() == [0.5, 1.0]
    # uniform: p0 drives (2, 1, 0.5, 0): top two 0 and 1, both members
    assert tables["overlaps"]["uniform"].tolist() == [1.0, 1.0]
    completion = tables["completion"].set_index(["error", "pattern"])
    # error 0: the whole pattern is the cue, as the overlaps; error 1: no cue, zero drive, the
    # lowest indices 0, 1 win (p0 complete, p1 empty)
    assert completion.loc[(0.0, 0), "hebb"] == 0.5 and completion.loc[(0.0, 1), "hebb"] == 1.0
    assert completion.loc[(1.0, 0), "hebb"] == 1.0 and completion.loc[(1.0, 1), "hebb"] == 0.0
    summary = linear_summary(tables).set_index("label")
    assert summary.loc["hebb", "overlap_mean"] == 0.75
    assert summary.loc["hebb", "completion_1.0"] == 0.5


def test_example_drive():
    table = example_drive(np.array([0.5, 3.0, 2.0, 0.1]), members=[1, 3], ranks=3)
    assert table["neuron"].tolist() == [1, 2, 0]
    assert table["member"].tolist() == [1, 0, 0]
    assert table["overlap_so_far"].tolist() == [0.5, 0.5, 0.5]


def test_perturbation_responses_by_hand(tmp_path):
    """Schedule: 2 amplitudes, 1 entry each, 0.1 s entries: 0.2 s blocks (20 bins of 10 ms),
    a 0.2 s lead-in, 2 repetitions (E, I, E, I): 1 s. Two shards of a 3 E + 1 I network."""
    shard_a = write_spikes(tmp_path / "a.h5", [0, 0, 1], [100, 2000, 6000],
                           n_exc=3, n_inh=1, n_steps=10_000)  # fmt: skip
    shard_b = write_spikes(tmp_path / "b.h5", [2, 3], [4150, 2000], n_exc=3, n_inh=1,
                           n_steps=10_000)  # fmt: skip
    table = perturbation_responses(
        [shard_a, shard_b], n_repetitions=2, n_amplitudes=2, stim_steps=1, step_s=0.1
    )
    exc = table[table["drive"] == "exc"]["spikes_per_bin"].to_numpy()
    inh = table[table["drive"] == "inh"]["spikes_per_bin"].to_numpy()
    expected_exc, expected_inh = np.zeros(20), np.zeros(20)
    expected_exc[0] = 2 / (3 * 2)  # neuron 0 at 0.2 s (E block 0), neuron 1 at 0.6 s (E block 1)
    expected_inh[1] = 1 / (3 * 2)  # neuron 2 at 0.415 s: I block 0, bin 1; the I neuron ignored
    assert exc == pytest.approx(expected_exc) and inh == pytest.approx(expected_inh)
    assert table["amplitude_index"].tolist()[:20] == [0] * 10 + [1] * 10
    assert table["rate_hz"].max() == pytest.approx(2 / 6 * 100)
    with pytest.raises(ValueError, match="schedule needs"):
        perturbation_responses([shard_a], n_repetitions=3, n_amplitudes=2, stim_steps=1,
                               step_s=0.1)  # fmt: skip


def test_published_linear_readers(tmp_path):
    """The published responses file (two rows of bins) as the responses table, and which
    published linear tables exist at which P (by the checksum list)."""
    from eiplast.analysis.reference import published_linear_files, published_responses

    path = tmp_path / "perturb_responses.csv"
    np.savetxt(path, np.array([[0.01, 0.02, 0.03], [0.1, 0.2, 0.3]]))
    table = published_responses(path)
    exc = table[table["drive"] == "exc"]
    assert exc["bin"].tolist() == [0, 1, 2]
    assert exc["rate_hz"].tolist() == pytest.approx([1.0, 2.0, 3.0])
    assert table[table["drive"] == "inh"]["spikes_per_bin"].tolist() == [0.1, 0.2, 0.3]
    at_1000 = published_linear_files(tmp_path, 1000, [0.1, 0.9])
    assert sorted(at_1000) == ["angles", "completion_0.1", "completion_0.9", "overlaps"]
    assert at_1000["completion_0.9"].name == "completion_0.9_1000.csv"
    assert sorted(published_linear_files(tmp_path, 2000, [0.5])) == ["completion_0.5", "overlaps"]
    assert published_linear_files(tmp_path, 2400) == {}  # not published there
    assert published_linear_files(None, 1000) == {}


def test_figures_draw_ours_and_the_published():
    from eiplast.analysis import figures

    bins = np.arange(40)
    response = pd.DataFrame({"drive": ["exc"] * 40 + ["inh"] * 40, "bin": np.tile(bins, 2),
                             "rate_hz": np.r_[bins, 2 * bins].astype(float)})  # fmt: skip
    overlaps = pd.DataFrame({"pattern": [0, 1], "hebb": [0.5, 0.7], "uniform": [0.9, 1.0]})
    example = example_drive(np.array([3.0, 2.0, 1.0]), [0], 3).assign(
        label="hebb", pattern=0, members=1
    )
    fig = figures.linear_response_figure(
        {"hebb": response}, {"hebb": np.array([0.1, 0.3])}, overlaps, example, bin_ms=10,
        reference_responses=response, reference_rule="hebb", reference_overlaps=overlaps,
    )  # fmt: skip
    lines = fig.axes[0].get_lines()
    ours = [line for line in lines if line.get_linestyle() == "-" and len(line.get_xdata()) == 80]
    dashed = [line for line in lines if line.get_linestyle() == "--"]
    assert len(ours) == 1 and len(dashed) == 1
    assert ours[0].get_ydata()[40:].tolist() == (2 * bins).tolist()  # I block after E block
    legend = [t.get_text() for t in fig.axes[3].get_legend().get_texts()]
    assert any("reference" in text for text in legend)
    completion = pd.DataFrame({"error": [0.1, 0.1, 0.5, 0.5], "pattern": [0, 1, 0, 1],
                               "hebb": [0.4, 0.6, 0.2, 0.3]})  # fmt: skip
    fig = figures.completion_figure(completion, reference={0.5: completion[["hebb"]]})
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 2
    assert any("reference" in t.get_text() for t in visible[1].get_legend().get_texts())
    assert not any("reference" in t.get_text() for t in visible[0].get_legend().get_texts())


def test_susceptibility_by_hand():
    """V̄ = (10·(−80) + g_i·(−80) + g_e·0) / (10 + g_i + g_e): g_e = 10, g_i = 0 gives −40 mV;
    participation counts memberships; the summary's CV uses ddof 1."""
    from eiplast.analysis.susceptibility import (
        mean_potential_mV,
        participation,
        susceptibility_summary,
    )
    from eiplast.assembly.params import NeuronParams

    v = mean_potential_mV([10.0, 0.0], [0.0, 30.0], NeuronParams())
    assert v.tolist() == pytest.approx([-40.0, -80.0])
    assert participation([0, 2, 2, 3], 5).tolist() == [1, 0, 2, 1, 0]
    neurons = pd.DataFrame({"chi_ee": [0.1, 0.2, 0.3], "participation": [0, 1, 2],
                            "v_mean_mV": [-60.0, -62.0, -64.0]})  # fmt: skip
    summary = susceptibility_summary(neurons)
    assert summary["chi_mean"] == pytest.approx(0.2)
    assert summary["chi_cv"] == pytest.approx(0.1 / 0.2)  # sd (ddof 1) of 0.1, 0.2, 0.3 is 0.1
    assert summary["spearman_chi_participation"] == pytest.approx(1.0)
    assert summary["spearman_chi_potential"] == pytest.approx(-1.0)


def test_connections_within_assemblies_by_hand():
    """p0 = {0, 1}: 0→1 (1.0) and 1→0 (2.0) of 4 ordered pairs (diagonal included): 0.5, mean
    1.5 nS; p1 = {2, 3}: 2→3 (3.0), 3→2 (1.0): 0.5, 2.0 nS; {1, 3}: no synapse."""
    from eiplast.analysis.connectivity_stats import within_assembly

    prob, weight = within_assembly(_w_ee(), [0, 2, 4, 6], [0, 1, 2, 3, 1, 3])
    assert prob.tolist() == [0.5, 0.5, 0.0]
    assert weight[:2].tolist() == [1.5, 2.0] and np.isnan(weight[2])


def test_replay_conductance_traces_by_hand():
    """Two patterns ({0, 1}, {2, 3}), samples every 1 ms; g_i of pattern 0's members rises by
    4 nS at 5 ms. An event of pattern 0 at 5 ms with a ±3 ms window: the replayed assembly's
    g_i steps from 1 to 5 at the event, the other's stays 1; an event at 1 ms has no full
    window and is left out."""
    from eiplast.analysis.replay_conductances import replay_conductance_traces

    g_e = np.tile([2.0, 4.0, 0.0, 0.0], (10, 1))
    g_i = np.ones((10, 4))
    g_i[5:, :2] += 4.0
    table, n = replay_conductance_traces(
        g_e, g_i, [0, 2, 4], [0, 1, 2, 3], [0, 0], [0.005, 0.001], interval_ms=1.0, half_s=0.003
    )
    assert n == 1
    assert table["t_s"].tolist() == pytest.approx([-0.003, -0.002, -0.001, 0.0, 0.001, 0.002])
    assert table["g_e_replayed_nS"].tolist() == [3.0] * 6
    assert table["g_i_replayed_nS"].tolist() == [1.0, 1.0, 1.0, 5.0, 5.0, 5.0]
    assert table["g_i_others_nS"].tolist() == [1.0] * 6
    assert table["inhibition_ratio"].tolist() == [1.0, 1.0, 1.0, 5.0, 5.0, 5.0]


def test_eigen_by_hand():
    """W_χ takes the target's χ of the source's type: 2 E (0, 1) and 1 I (2); 0→1 (w 2) scaled
    by χ^E_1 = 0.5, 2→0 (w 3) by χ^I_0 = −0.2. A 2-cycle 0⇄1 of gain g has eigenvalues ±g."""
    from eiplast.analysis.eigen import (
        chi_weights,
        eigen_assembly,
        full_spectrum,
        leading_mode,
        shared_with_patterns,
    )

    w = chi_weights([0, 1, 1, 2], [1, 0], [2.0, 3.0], 2, [1.0, 0.5, 1.0], [-0.2, 1.0, 1.0])
    np.testing.assert_allclose(w.toarray(), [[0, 0, -0.6], [1.0, 0, 0], [0, 0, 0]])
    cycle = sparse.csr_array(np.array([[0.0, 2.0], [2.0, 0.0]]))
    assert sorted(full_spectrum(cycle).real) == pytest.approx([-2.0, 2.0])
    # a 6-neuron matrix with a dominant block on neurons 4, 5 (eigenvalue 3) and a weaker one
    m = np.zeros((6, 6))
    m[4, 5] = m[5, 4] = 3.0
    m[0, 1] = m[1, 0] = 1.0
    value, vector = leading_mode(sparse.csr_array(m), k=3, seed=0, n_exc=6)
    assert value.real == pytest.approx(3.0)
    assert vector[4] > 0 and vector[5] == pytest.approx(vector[4])
    assert sorted(eigen_assembly(vector, 6, 2).tolist()) == [4, 5]
    assert shared_with_patterns([4, 5], [0, 2, 5], [4, 0, 1, 5, 3]).tolist() == [1, 1]


def test_set_activity_and_correlations_by_hand(tmp_path):
    """Sets {0, 1} and {1, 2, 3} in 100 ms bins over 0.3 s: neuron 1 twice in bin 0 counts once
    in the active fraction and twice in the rate; neuron 3 in bin 2; a spike at 0.35 s is past
    the analysed span."""
    from eiplast.analysis.eigen import activation_correlations, set_activity

    path = write_spikes(tmp_path / "s.h5", [1, 1, 0, 3, 2], [10, 20, 1500, 2500, 3500],
                        n_exc=4, n_inh=1, n_steps=5000)  # fmt: skip
    active, counts = set_activity(path, [[0, 1], [1, 2, 3]], stop_s=0.3, bin_ms=100)
    np.testing.assert_allclose(active, [[1 / 2, 1 / 2, 0], [1 / 3, 0, 1 / 3]])
    np.testing.assert_allclose(counts, [[2 / 2, 1 / 2, 0], [2 / 3, 0, 1 / 3]])
    table = pd.DataFrame({"set": [0, 0, 0, 1, 1, 1], "pattern": [-1] * 3 + [7] * 3,
                          "shared": [2] * 3 + [1] * 3, "t_s": [0, 0.1, 0.2] * 2,
                          "active_fraction": [*active[0], *active[1]]})  # fmt: skip
    corr = activation_correlations(table)
    assert corr["pattern"].tolist() == [7] and corr["shared"].tolist() == [1]
    assert corr["correlation"].iloc[0] == pytest.approx(np.corrcoef(active[0], active[1])[0, 1])


def test_ou_pair_has_the_stationary_statistics_it_is_given():
    """A long draw (100 000 correlation times) has the given means, sds and correlation; the
    update is the isolation kernel's (its noise amplitudes), so its stationary sd is
    σ·√(2k/(2k − k²)) with k = dt/τ — within 0.5 % of σ at dt = 0.1 ms, τ = 6 ms."""
    from eiplast.analysis.ou import ou_pair, ou_summary

    table = ou_pair(mean_e_nS=6.6, mean_i_nS=12.2, std_e_nS=1.6, std_i_nS=3.2, correlation=0.2,
                    dt_ms=0.1, duration_ms=600_000.0, seed=3)  # fmt: skip
    summary = ou_summary(table)
    k = 0.1 / 6.0
    inflation = np.sqrt(2 * k / (2 * k - k * k))
    assert summary["mean_e_nS"] == pytest.approx(6.6, abs=0.03)
    assert summary["mean_i_nS"] == pytest.approx(12.2, abs=0.06)
    assert summary["std_e_nS"] == pytest.approx(1.6 * inflation, rel=0.02)
    assert summary["std_i_nS"] == pytest.approx(3.2 * inflation, rel=0.02)
    assert summary["correlation"] == pytest.approx(0.2, abs=0.02)
    assert table["t_ms"].iloc[[0, 1]].tolist() == pytest.approx([0.0, 0.1])
    assert (table.iloc[0][["g_e_nS", "g_i_nS"]] == [6.6, 12.2]).all()  # starts at the means


def test_ou_pair_is_seeded_and_the_published_draw_is_read(tmp_path):
    from eiplast.analysis.ou import ou_pair
    from eiplast.analysis.reference import published_ou

    args = dict(mean_e_nS=1.0, mean_i_nS=2.0, std_e_nS=0.5, std_i_nS=0.5, correlation=0.0,
                dt_ms=0.1, duration_ms=10.0)  # fmt: skip
    pd.testing.assert_frame_equal(ou_pair(**args, seed=1), ou_pair(**args, seed=1))
    assert not ou_pair(**args, seed=1).equals(ou_pair(**args, seed=2))
    np.savetxt(tmp_path / "ou.csv", np.array([[0.0, 0.1], [6.0, 6.5], [12.0, 11.0]]))
    published = published_ou(tmp_path / "ou.csv")
    assert published.columns.tolist() == ["t_ms", "g_e_nS", "g_i_nS"]
    assert published["g_i_nS"].tolist() == [12.0, 11.0]
