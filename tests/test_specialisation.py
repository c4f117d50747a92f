"""Inhibitory specialisation (paper Figs 5, S2): entropies of weights, assembly self-feedback,
their summary and figures, and the swept rows of the paper-vs-ours table. Expected values by
hand in the comments."""

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from eiplast.analysis import figures
from eiplast.analysis.paper import swept_rows
from eiplast.analysis.specialisation import (
    ei_matrix,
    ie_matrix,
    pattern_matrix,
    random_patterns,
    row_entropy,
    self_feedback,
    specialisation_summary,
    uniform_matrix,
)

T975_DF1 = 12.706204736174707  # Student's t, 97.5 % quantile, 1 degree of freedom (table)


def test_row_entropy_by_hand():
    rows = np.array([[1.0, 1.0, 1.0, 1.0], [2.0, 0.0, 0.0, 0.0], [0.0] * 4, [1.0, 3.0, 0, 0]])
    h = row_entropy(rows)
    assert h[0] == pytest.approx(np.log(4.0))  # four equal weights
    assert h[1] == 0.0  # one weight carries everything
    assert np.isnan(h[2])  # nothing to normalise
    assert h[3] == pytest.approx(-(0.25 * np.log(0.25) + 0.75 * np.log(0.75)))
    np.testing.assert_allclose(row_entropy(sparse.csr_array(rows)), h, equal_nan=True)


# neurons 0-2 excitatory, 3-4 inhibitory; CSR by presynaptic neuron:
#   E0 → I3 (0.5), E1 → I3 (1.5), E2 → I4 (2.5), E0 → E1 (9: E→E, in neither matrix)
#   I3 → E0 (1), E1 (1), E2 (2);  I4 → E0 (3), I4 → I3 (7: I→I, in neither)
INDPTR = np.array([0, 2, 3, 4, 7, 9])
POST = np.array([1, 3, 3, 4, 0, 1, 2, 0, 3])
WEIGHT = np.array([9.0, 0.5, 1.5, 2.5, 1.0, 1.0, 2.0, 3.0, 7.0])


def test_weight_matrices_are_oriented_post_by_pre():
    w_ei = ei_matrix(INDPTR, POST, WEIGHT, n_exc=3).toarray()
    np.testing.assert_array_equal(w_ei, [[1.0, 3.0], [1.0, 0.0], [2.0, 0.0]])  # [E post, I pre]
    w_ie = ie_matrix(INDPTR, POST, WEIGHT, n_exc=3).toarray()
    np.testing.assert_array_equal(w_ie, [[0.5, 1.5, 0.0], [0.0, 0.0, 2.5]])  # [I post, E pre]
    # per E neuron: E0 gets 1 and 3 → H = −(¼ ln ¼ + ¾ ln ¾); E1, E2 one input each → 0
    h = row_entropy(ei_matrix(INDPTR, POST, WEIGHT, n_exc=3))
    np.testing.assert_allclose(h, [-(0.25 * np.log(0.25) + 0.75 * np.log(0.75)), 0.0, 0.0])
    # uniform weights: H = ln(number of inputs)
    h_uniform = row_entropy(uniform_matrix(ei_matrix(INDPTR, POST, WEIGHT, n_exc=3)))
    np.testing.assert_allclose(h_uniform, [np.log(2.0), 0.0, 0.0])


def test_assembly_entropy_by_hand():
    # patterns {E0, E1} and {E2}: I3 sends 1 + 1 = 2 onto the first, 2 onto the second → ln 2;
    # I4 sends 3 onto the first only → 0
    d = pattern_matrix(np.array([0, 2, 3]), np.array([0, 1, 2]), n_exc=3)
    w_ei = ei_matrix(INDPTR, POST, WEIGHT, n_exc=3)
    np.testing.assert_allclose(row_entropy((d @ w_ei).T), [np.log(2.0), 0.0])


def test_self_feedback_by_hand():
    # three one-neuron assemblies, I neuron a driven by E neuron a only (weight 1); I a inhibits
    # E a with s_a and every other E neuron with 1: M[a, b] = W_EI[a, b], so M has s on the
    # diagonal and 1 elsewhere; r_a = o_b = 1 and feedback_b = s_b − 1
    s = np.array([3.0, 1.0, 0.5])
    w_ei = np.ones((3, 3)) - np.eye(3) + np.diag(s)
    d = sparse.csr_array(np.eye(3))
    feedback = self_feedback(d, sparse.csr_array(w_ei), sparse.csr_array(np.eye(3)))
    np.testing.assert_allclose(feedback, [2.0, 0.0, -0.5])
    # a source assembly twice as large (E0 and E3, both driving I0): its column of M doubles,
    # and the division by its size undoes that
    d2 = sparse.csr_array(np.array([[1, 0, 0, 1], [0, 1, 0, 0], [0, 0, 1, 0]], float))
    w_ei2 = np.vstack([w_ei, w_ei[0]])  # E3 receives what E0 receives
    w_ie2 = np.hstack([np.eye(3), [[1.0], [0.0], [0.0]]])  # E3 drives I0 like E0
    feedback2 = self_feedback(d2, sparse.csr_array(w_ei2), sparse.csr_array(w_ie2))
    # rows of assembly 0 also double (two target members): r_0 = 2, S'[0] = S[0] / 2
    # S = [[12, 2, 2], [2, 1, 1], [2, 1, .5]] / sizes [2, 1, 1] by column
    #   = [[6, 2, 2], [1, 1, 1], [1, 1, .5]]; r = [2, 1, 1]; S' = [[3, 1, 1], [1, 1, 1], [1, 1, .5]]
    #   o = [1, 1, 1]; feedback = [2, 0, −0.5]
    np.testing.assert_allclose(feedback2, [2.0, 0.0, -0.5])


def test_random_patterns_keep_sizes_and_repeat_with_the_seed():
    indptr = np.array([0, 3, 3, 8])
    members = random_patterns(indptr, 10, np.random.default_rng(5))
    assert members.size == 8
    first, last = members[:3], members[3:]
    assert np.all(np.diff(first) > 0) and np.all(np.diff(last) > 0)  # distinct, ascending
    assert members.min() >= 0 and members.max() < 10
    again = random_patterns(indptr, 10, np.random.default_rng(5))
    np.testing.assert_array_equal(members, again)


def test_summary_by_hand():
    neuron = pd.DataFrame({"hebb": np.log([100.0, 200.0])})
    assembly = pd.DataFrame({"hebb": np.log([2.0, 4.0])})
    random = pd.DataFrame({"hebb": np.log([1.0, 2.0])})
    feedback = pd.DataFrame({"hebb": [0.1, 0.3]})
    row = specialisation_summary(neuron, assembly, random, feedback).iloc[0]
    assert row["neuron_exp_entropy"] == pytest.approx(150.0)
    assert row["assembly_exp_entropy"] == pytest.approx(3.0)
    assert row["random_exp_entropy"] == pytest.approx(1.5)
    assert row["assembly_vs_random_pct"] == pytest.approx(100.0)  # 3 against 1.5
    # paired differences 1 and 2: mean 1.5, sd 1/√2, t = 1.5 / ((1/√2)/√2) = 3
    assert row["paired_t"] == pytest.approx(3.0)
    assert row["mean_self_feedback"] == pytest.approx(0.2)
    without = specialisation_summary(neuron, assembly, random).iloc[0]
    assert np.isnan(without["mean_self_feedback"])


def test_swept_rows_interval_by_hand():
    ours = pd.DataFrame({"label": ["hebb", "hebb", "rate"], "patterns": [1000, 1000, 1000],
                         "realisation": [0, 1, 0], "x": [1.0, 3.0, 7.0]})  # fmt: skip
    reference = pd.DataFrame({"label": ["hebb", "rate"], "patterns": [1000, 1000],
                              "x": [5.0, 6.0]})  # fmt: skip
    rows = swept_rows("Fig 5", {"x": "x (unit)"}, ours, reference).set_index("label")
    # hebb: mean 2, sd √2, half-width t_{0.975,1} · √2 / √2 = 12.7 → [−10.7, 14.7] holds 5
    assert rows.loc["hebb", "ours"] == 2.0 and rows.loc["hebb", "difference"] == -3.0
    assert bool(rows.loc["hebb", "inside"])
    assert pd.isna(rows.loc["rate", "inside"])  # one realisation: no interval
    far = reference.assign(x=[2.0 + 1.01 * T975_DF1, 6.0])
    assert not bool(
        swept_rows("Fig 5", {"x": "x"}, ours, far).set_index("label").loc["hebb", "inside"]
    )


def test_specialisation_figures():
    rng = np.random.default_rng(2)
    labels = ["hebb", "rate", "uniform"]

    def table(lo, hi, n):
        return pd.DataFrame({c: rng.uniform(lo, hi, n) for c in labels})

    tables = {"neuron": table(4.9, 5.3, 50), "assembly": table(6.8, 6.9, 20),
              "random": table(6.8, 6.9, 20), "feedback": table(-0.01, 0.05, 30)}  # fmt: skip
    fig = figures.specialisation_figure(
        tables, reference={"neuron": table(4.9, 5.3, 40)}, reference_note="n"
    )
    dashed = [len([p for p in ax.patches if p.get_linestyle() != "solid"]) for ax in fig.axes]
    assert dashed[:4] == [3, 0, 0, 0]  # the published per-E-neuron table only
    summary = pd.DataFrame({
        "label": ["hebb", "hebb", "rate"], "patterns": [800, 1000, 1000],
        "realisation": [0, 0, 0], "neuron_exp_entropy": [150.0, 160.0, 197.0],
        "assembly_vs_random_pct": [-1.0, -0.7, -0.1], "paired_t": [-50.0, -46.0, -13.0],
        "mean_self_feedback": [0.02, 0.023, 0.0003],
    })  # fmt: skip
    reference = summary.drop(columns="realisation").assign(neuron_exp_entropy=[151.0, 163.0, 197.3])
    sweep = figures.summary_sweep_figure(
        summary, figures.SPECIALISATION_SWEEP_PANELS, reference=reference
    )
    squares = [line for line in sweep.axes[0].lines if line.get_marker() == "s"]
    assert len(squares) == 2 and list(squares[0].get_ydata()) == [151.0, 163.0]
