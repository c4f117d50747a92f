"""Persistent activity after a cue (paper Fig S1): pattern rates, the cue-averaged response and
the traces (eiplast.analysis.persistent) on planted spikes; the reference's published tables;
per-rule neuron overrides."""

import numpy as np
import pandas as pd
import pytest

from eiplast.analysis.persistent import (
    BEST,
    CUED,
    OTHER,
    PatternRates,
    cue_average,
    persistent_traces,
    window_means,
)
from eiplast.analysis.reference import published_cue_average, published_persistent_traces
from eiplast.assembly.connectivity import check_patterns
from eiplast.assembly.cues import CueProtocol, cue_stimuli
from eiplast.assembly.params import NeuronParams
from eiplast.engine.formats import open_spikes
from eiplast.engine.parameters import ParameterError
from tests.test_replay import write_spikes

# three assemblies of a 10 E / 2 I network: p0 = 0 … 3, p1 = 3 … 5, p2 = 7, 8
PATTERNS = check_patterns([0, 4, 7, 9], [0, 1, 2, 3, 3, 4, 5, 7, 8], 10)
DT_MS = 0.1
STEPS_PER_S = 10_000


def planted(tmp_path, neuron, time_s, duration_s=4.0):
    step = np.rint(np.asarray(time_s) * STEPS_PER_S).astype(int)
    order = np.argsort(step, kind="stable")
    return write_spikes(tmp_path / "persist.h5", np.asarray(neuron)[order], step[order],
                        n_exc=10, n_inh=2, n_steps=int(duration_s * STEPS_PER_S))  # fmt: skip


def test_rates_are_member_means_in_hz(tmp_path):
    """Neuron 3 (in p0 and p1) at 0.005 s, neuron 8 (p2) twice in the bin at 0.012 s, I neuron
    11 nowhere: 10 ms bins → p0 1/4, p1 1/3 spikes per member in bin 0, p2 2/2 in bin 1."""
    path = planted(tmp_path, [3, 8, 8, 11], [0.005, 0.012, 0.013, 0.005])
    with open_spikes(path) as f:
        rates = PatternRates(f, PATTERNS, bin_ms=10).rates(0, 3)
    expected = np.zeros((3, 3))
    expected[0, 0], expected[0, 1], expected[1, 2] = 25.0, 100 / 3, 100.0
    assert rates == pytest.approx(expected)


def test_cue_average_by_hand(tmp_path):
    """Cues at 1, 2, 3 s (patterns 0, 1, 2), span 0.5 s before to 0.5 s after, 100 ms bins.
    Planted: p0's members all fire once in [1.0, 1.1) (p0 = 4/4, p1 = 1/3 through neuron 3);
    p2's neuron 7 at 1.25 s; p1's neuron 4 at 2.05 s; nothing around 3 s. Each cue's span holds
    no other cue, so ``other`` and ``other_uncued`` agree."""
    path = planted(tmp_path, [0, 1, 2, 3, 7, 4], [1.01, 1.02, 1.03, 1.04, 1.25, 2.05])
    onsets = np.array([1.0, 2.0, 3.0])
    with open_spikes(path) as f:
        table, n = cue_average(PatternRates(f, PATTERNS, bin_ms=100), onsets, before_s=0.5,
                               after_s=0.5)  # fmt: skip
    assert n == 3
    assert table["t_s"].tolist() == pytest.approx([-0.5, -0.4, -0.3, -0.2, -0.1, 0.0, 0.1,
                                                    0.2, 0.3, 0.4])  # fmt: skip
    stimulated = np.zeros(10)
    stimulated[5] = (10.0 + 10 / 3) / 3  # p0: 1 spike per member in 100 ms; p1: 1/3
    assert table["stimulated_hz"].to_numpy() == pytest.approx(stimulated)
    other = np.zeros(10)
    other[5] = 10 / 3 / 3  # cue 0: p1 through neuron 3
    other[7] = 5.0 / 3  # cue 0: p2's 7 at 1.25 s (1/2 per member)
    assert table["other_hz"].to_numpy() == pytest.approx(other)
    assert table["other_uncued_hz"].to_numpy() == pytest.approx(other)


def test_other_uncued_leaves_out_the_cues_inside_the_span(tmp_path):
    """Cues 0.5 s apart with a 1 s span after: pattern 1's response to its own cue enters
    pattern 0's ``other`` but not its ``other_uncued``."""
    path = planted(tmp_path, [4, 5], [1.52, 1.53])
    with open_spikes(path) as f:
        table, n = cue_average(PatternRates(f, PATTERNS, bin_ms=100), [1.0, 1.5, 3.0],
                               before_s=0.0, after_s=1.0, max_cues=1)  # fmt: skip
    assert n == 1
    assert table["other_hz"].iloc[5] == pytest.approx(20 / 3)
    assert table["other_uncued_hz"].to_numpy() == pytest.approx(np.zeros(10))


def test_cues_whose_span_leaves_the_run_are_not_averaged(tmp_path):
    path = planted(tmp_path, [0], [0.5], duration_s=3.4)
    with open_spikes(path) as f:
        _, n = cue_average(PatternRates(f, PATTERNS, bin_ms=100), [0.2, 1.0, 3.0],
                           before_s=0.5, after_s=0.5)  # fmt: skip
    assert n == 1  # 0.2 s starts before the run, 3.0 s ends after it


def test_traces_pick_the_cued_the_most_active_others_and_the_best(tmp_path):
    """Over [1, 2) s (cue of p1 at 1.5 s): p2 peaks at 2/2 per bin, p0 at 1/4: the one other
    is p2; ``best`` is the largest uncued rate per bin."""
    path = planted(tmp_path, [7, 8, 0, 4], [1.01, 1.02, 1.11, 1.51])
    with open_spikes(path) as f:
        table = persistent_traces(PatternRates(f, PATTERNS, bin_ms=100), [0.5, 1.5, 2.5],
                                  start_s=1.0, stop_s=2.0, n_other=1)  # fmt: skip
    series = table.groupby("series")["pattern"].unique()
    assert series[CUED].tolist() == [1] and series[OTHER].tolist() == [2]
    best = table[table["series"] == BEST]["rate_hz"].to_numpy()
    expected = np.zeros(10)
    expected[0], expected[1] = 10.0, 2.5  # p2: 2 spikes / 2 members; then p0: 1 / 4
    assert best == pytest.approx(expected)
    assert table[table["series"] == CUED]["rate_hz"].iloc[5] == pytest.approx(10 / 3)


def test_window_means_and_uncovered_windows():
    table = pd.DataFrame({"t_s": np.arange(-5, 10) * 0.1, "stimulated_hz": np.arange(15.0)})
    means = window_means(table, {"a": (-0.5, 0.0), "b": (0.0, 0.2), "c": (-2.0, 0.0)},
                         "stimulated_hz")  # fmt: skip
    assert means["a"] == pytest.approx(2.0) and means["b"] == pytest.approx(5.5)
    assert np.isnan(means["c"])


def test_published_tables_in_our_units(tmp_path):
    """Counts per 10 ms → Hz (× 100); the sLHP curve starts 0.5 s, the other 1 s before."""
    pd.DataFrame({"stimulated": [0.01, 2.0], "other": [0.5, 0.25]}).to_csv(
        tmp_path / "a.csv", index=False
    )
    sfa = published_cue_average(tmp_path / "a.csv", "hebb_smooth_rate")
    assert sfa["t_s"].tolist() == pytest.approx([-0.5, -0.49])
    assert sfa["stimulated_hz"].tolist() == pytest.approx([1.0, 200.0])
    assert published_cue_average(tmp_path / "a.csv", "hebb_nonadapt")["t_s"][0] == -1.0
    pd.DataFrame({"xx": [10.5, 10.51], "1": [0.1, 0.2], "979": [0.9, 1.0],
                  "best": [0.9, 1.0]}).to_csv(tmp_path / "t.csv", index=False)  # fmt: skip
    traces = published_persistent_traces(tmp_path / "t.csv")
    assert traces.groupby("series")["pattern"].first().to_dict() == {
        BEST: -1, CUED: 1, OTHER: 979}  # fmt: skip
    assert traces[traces["pattern"] == 979]["rate_hz"].tolist() == pytest.approx([90, 100])


def test_every_member_cued_and_errors_name_the_section():
    """n_cued null cues the whole assembly; a bad value names its configuration key."""
    protocol = CueProtocol(n_cued=None, spacing_s=10.0, max_cues=2)
    assert [s.neurons for s in cue_stimuli(PATTERNS, protocol)] == [(0, 1, 2, 3), (3, 4, 5)]
    assert protocol.duration_s(3) == 21.0
    with pytest.raises(ParameterError, match="stages.persistent.runs.x.rate_hz"):
        CueProtocol.from_config({"rate_hz": 0.0, "enabled": True}, "stages.persistent.runs.x")


def test_integer_neuron_overrides_become_floats():
    """A config's a1_mV: 0 (the non-adapting neuron) is the float 0.0 the kernels need."""
    params = NeuronParams.from_dict({"a1_mV": 0, "a2_mV": 0, "a1_alpha_scale_mV": 0})
    assert all(isinstance(getattr(params, k), float) for k in ("a1_mV", "a2_mV", "c_pF"))
