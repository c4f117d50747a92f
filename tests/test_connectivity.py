import h5py
import numpy as np
import pytest

from eiplast.assembly.connectivity import (
    generate_connectivity,
    load_connectivity,
    save_connectivity,
)
from eiplast.assembly.params import ConnectivityParams, ParameterError
from eiplast.engine.h5io import DataFileError


def _blocks(net):
    pre = net.presynaptic()
    post = net.post
    ne = net.n_exc
    return {
        "ee": (pre < ne) & (post < ne),
        "ie": (pre < ne) & (post >= ne),
        "ei": (pre >= ne) & (post < ne),
        "ii": (pre >= ne) & (post >= ne),
    }


def test_block_sizes_weights_and_delays(small_network):
    net = small_network
    ne, ni = net.n_exc, net.n_inh
    blocks = _blocks(net)
    pre = net.presynaptic()
    assert not np.any(pre == net.post), "self-connections"
    assert blocks["ee"].sum() == round(0.05 * ne * (ne - 1))
    for name, pairs in (("ie", ne * ni), ("ei", ni * ne), ("ii", ni * (ni - 1))):
        count = blocks[name].sum()
        assert abs(count - 0.1 * pairs) < 5 * np.sqrt(0.1 * 0.9 * pairs), name
    # no duplicate synapses
    key = pre.astype(np.int64) * net.n_total + net.post
    assert len(np.unique(key)) == len(key)
    # E->E lognormal, mean 0.25 / variance 0.125 before the (tiny) presynaptic rescaling
    w = net.weight_nS[blocks["ee"]].astype(np.float64)
    assert abs(w.mean() - 0.25) < 0.01
    assert abs(w.var() - 0.125) < 0.02
    # homogeneous blocks carry ei/ie/ii weights up to the rescaling factor of E sources
    assert np.allclose(net.weight_nS[blocks["ei"]], 0.5)
    assert np.allclose(net.weight_nS[blocks["ii"]], 1.5)
    assert np.allclose(net.weight_nS[blocks["ie"]], 0.5, rtol=0.01)
    # delays: I sources 0..20 steps, E sources 10..30 steps (uniform[0,2) ms + 1 ms for E)
    d_exc = net.delay_steps[pre < ne]
    d_inh = net.delay_steps[pre >= ne]
    assert d_exc.min() == 10 and d_exc.max() == 30
    assert d_inh.min() == 0 and d_inh.max() == 20


def test_ee_weights_follow_shared_patterns():
    net = generate_connectivity(ConnectivityParams(n_exc=1000, n_inh=250, n_patterns=150, seed=1))
    members = [
        set(net.pattern_members[net.pattern_indptr[p] : net.pattern_indptr[p + 1]])
        for p in range(net.n_patterns)
    ]
    pre = net.presynaptic()
    ee = np.flatnonzero((pre < net.n_exc) & (net.post < net.n_exc))
    sample = ee[:: max(1, len(ee) // 3000)]
    shared = np.array([sum(pre[s] in m and net.post[s] in m for m in members) for s in sample])
    w = net.weight_nS[sample]
    # synapses between neurons sharing more assemblies get larger weights (rank matching)
    assert shared.max() >= 2
    assert w[shared >= 1].min() >= w[shared == 0].max() * 0.999
    assert np.median(w[shared >= 2]) > np.median(w[shared == 1])


def test_generation_is_seeded(small_network):
    again = generate_connectivity(ConnectivityParams(n_exc=800, n_inh=200, n_patterns=20, seed=3))
    assert np.array_equal(again.post, small_network.post)
    assert np.array_equal(again.weight_nS, small_network.weight_nS)
    other = generate_connectivity(ConnectivityParams(n_exc=800, n_inh=200, n_patterns=20, seed=4))
    assert not np.array_equal(other.post[:1000], small_network.post[:1000])


def test_pattern_sizes_are_binomial():
    net = generate_connectivity(ConnectivityParams(n_exc=2000, n_inh=500, n_patterns=400, seed=2))
    sizes = np.diff(net.pattern_indptr)
    assert abs(sizes.mean() - 20) < 5 * np.sqrt(20 * 0.99 / 400)
    assert abs(sizes.var() / (2000 * 0.01 * 0.99) - 1) < 0.25


def test_roundtrip_and_bad_files(small_network, tmp_path):
    path = tmp_path / "conn.h5"
    save_connectivity(small_network, path)
    loaded = load_connectivity(path)
    assert np.array_equal(loaded.weight_nS, small_network.weight_nS)
    assert np.array_equal(loaded.pattern_members, small_network.pattern_members)
    assert not list(tmp_path.glob(".*tmp*"))

    truncated = tmp_path / "truncated.h5"
    truncated.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(DataFileError, match="truncated.h5"):
        load_connectivity(truncated)

    wrong = tmp_path / "wrong.h5"
    save_connectivity(small_network, wrong)
    with h5py.File(wrong, "a") as f:
        f.attrs["n_exc"] = 900
    with pytest.raises(DataFileError, match="n_exc"):
        load_connectivity(wrong)

    with pytest.raises(DataFileError, match="not found"):
        load_connectivity(tmp_path / "missing.h5")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("n_exc", -5),
        ("n_patterns", 0),
        ("p_ee", 1.5),
        ("p_ii", -0.1),
        ("pattern_sparsity", 2.0),
        ("ee_mean_nS", 0.0),
        ("n_exc", 10.5),
    ],
)
def test_invalid_parameters_name_the_key(key, value):
    with pytest.raises(ParameterError, match=key):
        ConnectivityParams(**{key: value})


def test_assemblies_too_small_rejected():
    with pytest.raises(ParameterError, match="n_patterns\\*pattern_sparsity\\*n_exc"):
        ConnectivityParams(n_exc=100, n_inh=20, n_patterns=1, pattern_sparsity=0.01)


def _synapse_table(net, block):
    """{(pre, post): (weight_nS, delay_steps)} of one block."""
    mask = _blocks(net)[block]
    keys = zip(net.presynaptic()[mask].tolist(), net.post[mask].tolist(), strict=True)
    values = zip(net.weight_nS[mask].tolist(), net.delay_steps[mask].tolist(), strict=True)
    return dict(zip(keys, values, strict=True))


def _shared_counts(net):
    """Dense E×E matrix of shared-pattern counts, from the pattern lists."""
    member = np.zeros((net.n_patterns, net.n_exc), dtype=np.int64)
    for k in range(net.n_patterns):
        member[k, net.pattern_members[net.pattern_indptr[k] : net.pattern_indptr[k + 1]]] = 1
    return member.T @ member


@pytest.mark.parametrize("sparsity", [0.02, 0.05])  # E→E fill from noise-only pairs / top-K only
def test_nested_draws_keep_the_first_patterns_and_every_shared_synapse(sparsity):
    """draws="nested", P = 60 then 90: the first 60 patterns, the I→E and I→I synapses (weights,
    delays), the E→I pairs and delays are the same; an E→E pair whose shared count did not
    change and that is connected at P = 90 was connected at P = 60, with the same delay (the
    budget of E→E synapses is fixed, so new shared pairs can only push old ones out)."""
    kw = dict(n_exc=800, n_inh=200, pattern_sparsity=sparsity, seed=5, draws="nested")
    small = generate_connectivity(ConnectivityParams(n_patterns=60, **kw))
    big = generate_connectivity(ConnectivityParams(n_patterns=90, **kw))
    np.testing.assert_array_equal(big.pattern_indptr[:61], small.pattern_indptr)
    n_old = small.pattern_indptr[-1]
    np.testing.assert_array_equal(big.pattern_members[:n_old], small.pattern_members)
    for block in ("ei", "ii"):
        assert _synapse_table(big, block) == _synapse_table(small, block)
    ie_small, ie_big = _synapse_table(small, "ie"), _synapse_table(big, "ie")
    assert ie_small.keys() == ie_big.keys()
    assert all(ie_small[k][1] == ie_big[k][1] for k in ie_small)
    ee_small, ee_big = _synapse_table(small, "ee"), _synapse_table(big, "ee")
    assert len(ee_small) == len(ee_big) == round(0.05 * 800 * 799)
    counts_small, counts_big = _shared_counts(small), _shared_counts(big)
    unchanged = [k for k in ee_big if counts_small[k] == counts_big[k]]
    assert len(unchanged) > 0.3 * len(ee_big)
    assert all(k in ee_small and ee_small[k][1] == ee_big[k][1] for k in unchanged)
    # and the nested network is not the sequential one
    sequential = generate_connectivity(
        ConnectivityParams(n_patterns=60, **{**kw, "draws": "sequential"})
    )
    assert not np.array_equal(sequential.pattern_members[:50], small.pattern_members[:50])


def test_nested_fill_takes_the_absent_pairs_with_the_largest_keyed_noise():
    """``_top_keyed_absent_pairs`` against a brute-force ranking of every absent pair."""
    from eiplast.assembly.connectivity import _pair_key, _top_keyed_absent_pairs
    from eiplast.engine.rng import keyed_uniforms, seed_word

    n, count, base = 37, 300, seed_word(7, 102)
    rng = np.random.default_rng(0)
    present = np.sort(rng.choice(n * n, size=400, replace=False)).astype(np.int64)
    pairs, u = _top_keyed_absent_pairs(base, n, count, present)
    linear = np.arange(n * n, dtype=np.int64)
    absent = linear[(linear // n != linear % n) & ~np.isin(linear, present)]
    noise = keyed_uniforms(base, _pair_key(absent // n, absent % n))
    expected = np.sort(absent[np.argsort(-noise)[:count]])
    np.testing.assert_array_equal(pairs, expected)
    np.testing.assert_array_equal(u, keyed_uniforms(base, _pair_key(pairs // n, pairs % n)))


def test_unknown_draws_are_refused():
    with pytest.raises(ParameterError, match="draws"):
        ConnectivityParams(draws="shuffled")
