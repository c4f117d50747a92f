"""Spontaneous learning: how far the I→E weights move (eiplast.analysis.summary.weight_drift),
and the labels of the plastic run in figures."""

import numpy as np
import pytest

from eiplast.analysis.style import rule_color, rule_label
from eiplast.analysis.summary import weight_drift


def test_weight_drift_by_hand():
    """Weights 1, 2, 4 nS → 1.05, 3, 4: |Δw| = 0.05, 1, 0 (mean 0.35) over a mean of 7/3 nS;
    with a 10 % threshold only the second synapse changed."""
    drift = weight_drift(np.array([1.0, 2.0, 4.0]), np.array([1.05, 3.0, 4.0]),
                         change_fraction=0.1)  # fmt: skip
    assert drift["synapses"] == 3
    assert drift["mean_before_nS"] == pytest.approx(7 / 3)
    assert drift["mean_after_nS"] == pytest.approx(8.05 / 3)
    assert drift["mean_abs_change_nS"] == pytest.approx(0.35)
    assert drift["relative_change"] == pytest.approx(0.35 / (7 / 3))
    assert drift["changed_fraction"] == pytest.approx(1 / 3)
    assert drift["correlation"] == pytest.approx(np.corrcoef([1, 2, 4], [1.05, 3, 4])[0, 1])


def test_unchanged_weights_and_mismatched_synapses():
    w = np.array([0.5, 0.7, 0.9])
    drift = weight_drift(w, w.copy(), change_fraction=0.01)
    assert drift["mean_abs_change_nS"] == 0 and drift["changed_fraction"] == 0
    assert drift["correlation"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="not the same synapses"):
        weight_drift(w, w[:2], change_fraction=0.1)


def test_learning_run_labels():
    assert rule_label("hebb_learning") == "fLHP, plastic"
    assert rule_label("rate_learning") == "GHP, plastic"
    assert rule_color("hebb_learning", 5) == rule_color("hebb", 0)
    assert rule_label("hebb_nonadapt") == "fLHP, non-adapting"
