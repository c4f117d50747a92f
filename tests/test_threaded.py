"""The multi-threaded step kernel gives the one-thread kernel's results, byte for byte."""

import filecmp

import numpy as np
import pytest

from eiplast.assembly.network import delay_pointers
from eiplast.assembly.params import (
    BackgroundParams,
    NeuronParams,
    PlasticityParams,
    RunParams,
    Stimulus,
)
from eiplast.assembly.simulate import NetworkSimulator, simulate_network
from eiplast.assembly.threaded import partition_pointers, thread_bounds


def test_thread_bounds_are_aligned_and_cover_the_network():
    assert thread_bounds(10000, 1).tolist() == [0, 10000]
    assert thread_bounds(10000, 2).tolist() == [0, 4992, 10000]  # 78 · 64
    assert thread_bounds(10000, 4).tolist() == [0, 2496, 4992, 7488, 10000]
    assert thread_bounds(100, 3).tolist() == [0, 64, 64, 100]  # an empty range is allowed
    with pytest.raises(ValueError, match="n_threads must be >= 1, got 0"):
        thread_bounds(100, 0)


def test_partition_pointers_split_every_segment_by_target_range(random_network):
    net = random_network(n_exc=120, n_inh=40, p=0.2)
    n_delays = int(net.delay_steps.max()) + 1
    ptr = delay_pointers(net.indptr, net.post, net.delay_steps, n_delays, net.n_exc)
    bounds = np.array([0, 37, 120, 131, 160])  # any bounds, E/I boundary inside a range
    part = partition_pointers(ptr, net.post, bounds)
    for i in range(net.n_total):
        for d in range(n_delays):
            segment = np.arange(ptr[i, 2 * d], ptr[i, 2 * d + 2])
            pieces = []
            for t in range(4):
                begin, split, end = part[t, i, 3 * d : 3 * d + 3]
                targets = net.post[begin:end]
                assert np.all((targets >= bounds[t]) & (targets < bounds[t + 1]))
                assert np.all(net.post[begin:split] < net.n_exc)
                assert np.all(net.post[split:end] >= net.n_exc)
                assert np.all(net.delay_steps[begin:end] == d)
                pieces.append(np.arange(begin, end))
            assert np.array_equal(np.concatenate(pieces), segment)


def _run(net, kind, threads, background, stimuli=(), chunks=(997, 1500, 3000)):
    run = RunParams(duration_s=0.3, learning_rate=1e-2, seed=4, stimuli=stimuli)
    sim = NetworkSimulator(net, NeuronParams(), background, PlasticityParams(kind=kind), run,
                           threads=threads)  # fmt: skip
    outputs = [sim.advance(step_end, state_every=7) for step_end in chunks]
    return sim, outputs


@pytest.mark.parametrize("kind", ["hebb", "rate", "static"])
@pytest.mark.parametrize("threads", [2, 3, 5])
def test_threads_give_the_one_thread_results(kind, threads, random_network):
    """Spikes, sampled conductances, weights and every state array are identical, across
    chunk boundaries at odd steps, with overlapping stimulus windows and delay-0 synapses, and
    when the spike buffer fills (the kernel then stops early and is called again)."""
    net = random_network(n_exc=300, n_inh=75, p=0.1, max_delay=5, weights_nS=(1.0, 2.0))
    stimuli = (Stimulus(0.02, 0.12, tuple(range(0, 300, 7))), Stimulus(0.1, 0.2, (3, 5, 299)))
    background = BackgroundParams(n_sources=1000, rate_hz=3.0)
    one, one_out = _run(net, kind, 1, background, stimuli)
    many, many_out = _run(net, kind, threads, background, stimuli)
    n_spikes = sum(len(out[0]) for out in one_out)
    assert n_spikes > 4 * net.n_total * len(one_out)  # more than the buffers hold: early stops
    for a, b in zip(one_out, many_out, strict=True):
        for x, y in zip(a, b, strict=True):
            assert np.array_equal(x, y)
    assert np.array_equal(one.weight_nS, many.weight_nS)
    if kind != "static":
        assert not np.array_equal(one.weight_nS, net.weight_nS)
    for name, value in one.dynamic().items():
        assert np.array_equal(value, many.dynamic()[name]), name


def test_thread_count_changes_no_byte_of_a_resumed_run(tmp_path, random_network):
    """A run on 2 threads, interrupted and resumed on 3, writes the bytes of a one-thread run."""
    net = random_network(n_exc=300, n_inh=75, p=0.1, max_delay=5, seed=1, weights_nS=(1.0, 2.0))

    def stage(path, threads, stop_after_chunks=None):
        run = RunParams(duration_s=0.4, learning_rate=1e-2, seed=5, chunk_s=0.1)
        return simulate_network(
            net, NeuronParams(), BackgroundParams(), PlasticityParams(kind="hebb"), run, path,
            path.with_suffix(".trained.h5"), progress=False, stop_after_chunks=stop_after_chunks,
            threads=threads,
        )  # fmt: skip

    stage(tmp_path / "one.h5", 1)
    assert stage(tmp_path / "many.h5", 2, stop_after_chunks=2) is None
    stage(tmp_path / "many.h5", 3)
    assert filecmp.cmp(tmp_path / "one.h5", tmp_path / "many.h5", shallow=False)
    assert filecmp.cmp(tmp_path / "one.trained.h5", tmp_path / "many.trained.h5", shallow=False)
