"""Sequential embedding (docs/forgetting.md): the carried-over inhibition and the replay of old
and new assemblies, on hand-made inputs."""

import numpy as np
import pandas as pd
import pytest

from eiplast.analysis.forgetting import (
    block_bounds,
    forgetting_curves,
    pattern_blocks,
    replay_by_block,
)
from eiplast.assembly.connectivity import generate_connectivity
from eiplast.assembly.embedding import EmbeddingError, carry_inhibition
from eiplast.assembly.params import ConnectivityParams

NESTED = dict(n_exc=400, n_inh=100, pattern_sparsity=0.05, seed=11, draws="nested")


def test_pattern_blocks_and_bounds():
    assert pattern_blocks([0, 999, 1000, 1199, 1200, 1399], 1000, 200).tolist() == [
        0,
        0,
        1,
        1,
        2,
        2,
    ]
    assert block_bounds(1400, 1000, 200) == [(0, 1000), (1000, 1200), (1200, 1400)]
    assert block_bounds(1000, 1000, 200) == [(0, 1000)]
    with pytest.raises(ValueError, match="1300 patterns are not 1000 \\+ a whole number"):
        block_bounds(1300, 1000, 200)


def test_replay_by_block_labels_planted_events_exactly():
    """Events of patterns 3, 3, 7 (block 0), 1001 (block 1), 1250, 1399 (block 2) in a network
    of 1400 = 1000 + 2·200 patterns, 100 s analysed in 10 ms windows."""
    pattern = np.array([3, 1001, 3, 1250, 7, 1399])
    start = np.array([100, 200, 300, 400, 500, 600])
    duration = np.full(6, 5)
    table = replay_by_block(start, duration, pattern, n_patterns=1400, first_block=1000,
                            block_size=200, measure_windows=10_000, step_ms=10.0)  # fmt: skip
    assert table["block"].tolist() == [0, 1, 2]
    assert table["age"].tolist() == ["first", "middle", "latest"]
    assert table["first_pattern"].tolist() == [0, 1000, 1200]
    assert table["n_block_patterns"].tolist() == [1000, 200, 200]
    assert table["n_events"].tolist() == [3, 1, 2]
    assert table["n_patterns_replayed"].tolist() == [2, 1, 2]
    np.testing.assert_allclose(table["fraction_replayed"], [2 / 1000, 1 / 200, 2 / 200])
    np.testing.assert_allclose(table["events_per_s"], [0.03, 0.01, 0.02])
    # a block nobody replays has zero counts, not a missing row
    quiet = replay_by_block(start[:1], duration[:1], pattern[:1], n_patterns=1400,
                            first_block=1000, block_size=200, measure_windows=10_000,
                            step_ms=10.0)  # fmt: skip
    assert quiet["n_events"].tolist() == [1, 0, 0]
    with pytest.raises(ValueError, match="outside"):
        replay_by_block(start, duration, pattern, n_patterns=1200, first_block=1000,
                        block_size=200, measure_windows=10_000, step_ms=10.0)  # fmt: skip


def test_forgetting_curves_average_the_first_block_over_realisations():
    rows = [
        {"protocol": "sequential", "rule": "hebb", "realisation": r, "patterns": p,
         "block": b, "fraction_replayed": f, "events_per_s": e}
        for r, p, b, f, e in [(0, 1000, 0, 0.5, 1.0), (1, 1000, 0, 0.7, 3.0),
                              (0, 1200, 0, 0.2, 0.5), (0, 1200, 1, 0.9, 9.0),
                              (1, 1200, 0, 0.4, 1.5)]
    ]  # fmt: skip
    curves = forgetting_curves(pd.DataFrame(rows))
    assert curves["patterns"].tolist() == [1000, 1200]
    np.testing.assert_allclose(curves["fraction_replayed_mean"], [0.6, 0.3])
    np.testing.assert_allclose(curves["fraction_replayed_sd"], [np.sqrt(0.02), np.sqrt(0.02)])
    np.testing.assert_allclose(curves["events_per_s_mean"], [2.0, 1.0])
    assert curves["n_realisations"].tolist() == [2, 2]


def test_carry_inhibition_keeps_the_trained_inhibition_and_the_new_excitation():
    small = generate_connectivity(ConnectivityParams(n_patterns=20, **NESTED))
    big = generate_connectivity(ConnectivityParams(n_patterns=30, **NESTED))
    trained = small.__class__(**{**small.__dict__, "weight_nS": small.weight_nS.copy()})
    rng = np.random.default_rng(0)
    ei = trained.ei_mask()
    trained.weight_nS[ei] = rng.uniform(0.1, 5.0, ei.sum()).astype(np.float32)
    out = carry_inhibition(big, trained)
    np.testing.assert_array_equal(out.weight_nS[out.ei_mask()], trained.weight_nS[ei])
    inhibitory = out.presynaptic() >= out.n_exc
    np.testing.assert_array_equal(out.weight_nS[~inhibitory], big.weight_nS[~inhibitory])
    np.testing.assert_array_equal(out.post, big.post)
    np.testing.assert_array_equal(out.pattern_members, big.pattern_members)
    assert out.n_patterns == 30


def test_carry_inhibition_refuses_networks_that_are_not_nested():
    small = generate_connectivity(ConnectivityParams(n_patterns=20, **NESTED))
    other_seed = generate_connectivity(ConnectivityParams(n_patterns=30, **{**NESTED, "seed": 12}))
    sequential = generate_connectivity(
        ConnectivityParams(n_patterns=30, **{**NESTED, "draws": "sequential"})
    )
    with pytest.raises(EmbeddingError, match="seed 11.*seed 12"):
        carry_inhibition(other_seed, small, names=("big.h5", "small.h5"))
    with pytest.raises(EmbeddingError, match="first 20 patterns of big.h5 differ"):
        carry_inhibition(sequential, small, names=("big.h5", "small.h5"))
    with pytest.raises(EmbeddingError, match="more than"):
        big = generate_connectivity(ConnectivityParams(n_patterns=30, **NESTED))
        carry_inhibition(small, big)
