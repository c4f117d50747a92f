"""Assembly traces around replay events and inter-event intervals (eiplast.analysis.traces)."""

import numpy as np
import pandas as pd
import pytest

from eiplast.analysis.traces import assembly_traces, inter_event_intervals_s
from eiplast.assembly.connectivity import check_patterns
from tests.test_replay import write_spikes

PATTERNS = check_patterns([0, 2, 5], [0, 1, 2, 3, 4], 10)


def test_traces_by_hand(tmp_path):
    """Span 1.0–1.1 s (10 bins of 10 ms): the p0 event at 1.05 s is inside, p1 at 0.95 s and at
    1.10 s (the end, strict) are not. Spikes of p0's members: 0 at 1.001 s, 1 at 1.015 s, 0 at
    1.016 s and 0 at 1.105 s (after the span, but inside the windows that start from 1.01 s)."""
    events = pd.DataFrame({"start": [95, 105, 110], "duration": [3, 3, 3], "pattern": [1, 0, 1]})
    path = write_spikes(tmp_path / "s.h5", [0, 1, 0, 0, 7], [10010, 10150, 10160, 11050, 10150],
                        n_exc=10, n_inh=2, n_steps=12_000)  # fmt: skip
    table = assembly_traces(path, PATTERNS, events, skip_s=0.0, step_ms=10.0, start_s=1.0,
                            length_s=0.1)  # fmt: skip
    assert table["event"].unique().tolist() == [0] and table["pattern"].unique().tolist() == [0]
    assert table["event_t_s"].iloc[0] == pytest.approx(1.05)
    assert table["t_s"].tolist() == pytest.approx(1.0 + 0.01 * np.arange(10))
    rate = np.zeros(10)
    rate[[0, 1]] = [1 / 2 * 100, 2 / 2 * 100]
    assert table["rate_hz"].tolist() == pytest.approx(rate)
    # windows [t, t + 100 ms): both members in the first two, then only neuron 0 (at 1.105 s)
    assert table["active_fraction"].tolist() == pytest.approx([1.0, 1.0] + [0.5] * 8)
    with pytest.raises(ValueError, match="ends after the run"):
        assembly_traces(path, PATTERNS, events, skip_s=0.0, step_ms=10.0, start_s=1.0,
                        length_s=0.2)  # fmt: skip


def test_intervals_leave_out_same_pattern_pairs():
    events = pd.DataFrame({"start": [12, 5, 0, 5], "pattern": [1, 2, 1, 1]})
    # sorted by start, then pattern: (0, 1) (5, 1) (5, 2) (12, 1); the 1 -> 1 pair is left out
    assert inter_event_intervals_s(events, step_ms=10.0).tolist() == pytest.approx([0.0, 0.07])
