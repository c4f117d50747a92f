"""Cued recall (paper Fig 3): the cue protocol (eiplast.assembly.cues) and the analysis of the
responses (eiplast.analysis.recall) on planted spikes."""

import numpy as np
import pytest

from eiplast.analysis.recall import (
    MEAN_TRACE,
    cue_responses,
    recall_summary,
    recall_table,
    recall_traces,
)
from eiplast.assembly.connectivity import check_patterns
from eiplast.assembly.cues import CueProtocol, cue_stimuli
from eiplast.engine.parameters import ParameterError
from tests.test_replay import write_spikes

# two assemblies of a 20 E / 5 I network: p0 = 0…5, p1 = 3, 7 … 12
PATTERNS = check_patterns([0, 6, 13], [0, 1, 2, 3, 4, 5, 3, 7, 8, 9, 10, 11, 12], 20)
PROTOCOL = CueProtocol(n_cued=2, start_s=1.0, cue_s=0.1, spacing_s=1.0)


def test_protocol_of_the_reference():
    """Every pattern cued for 0.1 s each second from 1 s; the run lasts P + 1 s."""
    reference = CueProtocol()
    assert reference.duration_s(1000) == 1001.0
    assert reference.onsets_s(1000)[[0, 1, 999]].tolist() == [1.0, 2.0, 1000.0]
    assert CueProtocol(max_cues=3).n_cues(1000) == 3
    assert CueProtocol(max_cues=3).duration_s(2) == 3.0


def test_cues_take_the_first_members_in_index_order():
    stimuli = cue_stimuli(PATTERNS, PROTOCOL)
    assert [(s.start_s, s.end_s, s.neurons) for s in stimuli] == [
        (1.0, pytest.approx(1.1), (0, 1)),
        (2.0, pytest.approx(2.1), (3, 7)),
    ]
    assert {s.rate_hz for s in stimuli} == {10000.0}


@pytest.mark.parametrize(
    "key, value", [("n_cued", 0), ("cue_s", 2.0), ("rate_hz", 0.0), ("max_cues", 0)]
)
def test_bad_protocol_names_the_key(key, value):
    with pytest.raises(ParameterError, match=f"stages.cued_recall.{key}"):
        CueProtocol.from_config({key: value})


def planted_responses(tmp_path):
    """p0 (onset 1 s, span 0.5 … 2 s = steps 5000 … 20000; cued 0, 1; rest 2 … 5):
    neurons 3, 4, 5 at 0.7 s (bin 20, window 2); 2 twice at 1.005/1.007 s (bin 50, window 5);
    4 at 1.05 s (bin 55, window 5); cued 0 at 1.001 s (bin 50); 2 at 1.5 s (bin 100, window 10).
    p1 (onset 2 s, span 1.5 … 3 s; cued 3, 7; rest 8 … 12): 8 at 2.0 s (bin 50, window 5).
    An I neuron's spike (22) counts nowhere."""
    neuron = [3, 4, 5, 2, 2, 4, 0, 2, 8, 22]
    step = [7000, 7000, 7000, 10050, 10070, 10500, 10010, 15000, 20000, 10050]
    path = write_spikes(tmp_path / "cued.h5", neuron, step, n_exc=20, n_inh=5, n_steps=30000)
    return cue_responses(path, PATTERNS, PROTOCOL)


def test_responses_by_hand(tmp_path):
    r = planted_responses(tmp_path)
    assert r["rest_rate_hz"].shape == (2, 150) and r["rest_active"].shape == (2, 15)
    assert r["bin_t_s"][[0, 50, 149]] == pytest.approx([-0.5, 0.0, 0.99])
    rest0 = np.zeros(150)
    rest0[[20, 50, 55, 100]] = [3 / 4 * 100, 2 / 4 * 100, 1 / 4 * 100, 1 / 4 * 100]
    assert r["rest_rate_hz"][0] == pytest.approx(rest0)
    active0 = np.zeros(15)
    active0[[2, 5, 10]] = [3 / 4, 2 / 4, 1 / 4]  # neuron 2 twice in window 5 counts once
    assert r["rest_active"][0] == pytest.approx(active0)
    cued0 = np.zeros(150)
    cued0[50] = 1 / 2 * 100
    assert r["cued_rate_hz"][0] == pytest.approx(cued0)
    rest1 = np.zeros(150)
    rest1[50] = 1 / 5 * 100
    assert r["rest_rate_hz"][1] == pytest.approx(rest1)
    assert r["members"].tolist() == [6, 7] and r["cued"].tolist() == [2, 2]


def test_table_traces_and_summary_by_hand(tmp_path):
    r = planted_responses(tmp_path)
    table = recall_table(r, np.array([4, 1]))
    assert table["quality"].tolist() == pytest.approx([0.75, 0.2])
    assert table["quality_after_cue"].tolist() == pytest.approx([0.5, 0.2])
    assert table["peak_rate_hz"].tolist() == pytest.approx([75.0, 20.0])
    assert table["peak_rate_after_cue_hz"].tolist() == pytest.approx([50.0, 20.0])
    assert table["cued_peak_rate_hz"].tolist() == pytest.approx([50.0, 0.0])
    assert table["replay_count"].tolist() == [4, 1]
    traces = recall_traces(r, 1)
    example = traces[traces["trace"] == "1"]
    assert example["rest_rate_hz"].iloc[50] == pytest.approx(20.0)
    assert example["rest_active"].iloc[50:60].tolist() == pytest.approx([0.2] * 10)
    mean = traces[traces["trace"] == MEAN_TRACE]
    assert mean["rest_rate_hz"].iloc[50] == pytest.approx((50.0 + 20.0) / 2)
    summary = recall_summary(table)
    assert summary["cued_patterns"] == 2
    assert summary["quality_mean"] == pytest.approx(0.475)
    assert summary["peak_rate_median_hz"] == pytest.approx(47.5)
    assert summary["spearman_quality_replays"] == pytest.approx(1.0)


def test_first_cue_starts_the_cues_at_a_later_pattern(tmp_path):
    """first_cue = 1: one cue, of p1 (members 3, 7 cued) at 1 s; its response rows and table
    row are p1's (neuron 3 at 0.7 s is a cued member of p1, bin 20), its replay count p1's."""
    later = CueProtocol(n_cued=2, start_s=1.0, cue_s=0.1, spacing_s=1.0, first_cue=1)
    assert later.n_cues(2) == 1 and later.cued_patterns(2).tolist() == [1]
    assert CueProtocol(first_cue=5, max_cues=3).n_cues(6) == 1
    assert CueProtocol(first_cue=7).n_cues(6) == 0
    stimuli = cue_stimuli(PATTERNS, later)
    assert [(s.start_s, s.neurons) for s in stimuli] == [(1.0, (3, 7))]
    neuron, step = [3, 4, 8], [7000, 10050, 20000]
    path = write_spikes(tmp_path / "later.h5", neuron, step, n_exc=20, n_inh=5, n_steps=30000)
    r = cue_responses(path, PATTERNS, later)
    assert r["pattern"].tolist() == [1] and r["members"].tolist() == [7]
    cued = np.zeros(150)
    cued[20] = 1 / 2 * 100
    assert r["cued_rate_hz"][0] == pytest.approx(cued)
    assert r["rest_rate_hz"][0] == pytest.approx(np.zeros(150))
    table = recall_table(r, np.array([4, 9]))
    assert table["pattern"].tolist() == [1] and table["replay_count"].tolist() == [9]
    with pytest.raises(ParameterError, match="first_cue"):
        CueProtocol(first_cue=-1)


def test_windows_outside_the_run_are_refused(tmp_path):
    path = write_spikes(tmp_path / "short.h5", [0], [10], n_exc=20, n_inh=5, n_steps=25000)
    with pytest.raises(ValueError, match="inside the run"):
        cue_responses(path, PATTERNS, PROTOCOL)
