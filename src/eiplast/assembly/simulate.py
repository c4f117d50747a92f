"""Run a stage of the connected network (train, spontaneous, shuffle control, conductances).

``NetworkSimulator`` holds the network's fixed kernel inputs and its dynamic state;
``simulate_network`` runs it chunk by chunk with checkpoints (``chunked.run_chunked``).
"""

import hashlib
import json
import math
from dataclasses import asdict

import numpy as np

from eiplast.assembly import network as net
from eiplast.assembly.connectivity import Network, save_connectivity
from eiplast.assembly.network import (
    RULE_HEBB,
    RULE_RATE,
    RULE_STATIC,
    delay_pointers,
    delay_window,
    incoming_ei,
    narrow_indices,
    run_steps,
)
from eiplast.assembly.params import BackgroundParams, NeuronParams, PlasticityParams, RunParams
from eiplast.assembly.threaded import partition_pointers, run_steps_threaded, thread_bounds
from eiplast.engine import rng
from eiplast.engine.chunked import RunPlan, run_chunked

_STATE_BUFFER_BYTES = 128 * 2**20
_SALT_BACKGROUND = 1
_SALT_INITIAL = 2
_SALT_SHUFFLE = 3

_DYNAMIC = ("v", "g_e", "g_i", "h1", "h2", "trace", "last_spike", "rate_unit", "rng_state")


def _rule_code(plasticity: PlasticityParams, learning_rate):
    if learning_rate == 0 or plasticity.kind == "static":
        return RULE_STATIC
    return {"hebb": RULE_HEBB, "rate": RULE_RATE}[plasticity.kind]


def _constants(neuron, background, plasticity, run, n_exc, dt_ms):
    """The step kernel's ``consts`` array (layout: the ``C_*`` indices of ``network``)."""
    tau_stdp = plasticity.tau_stdp_ms
    values = {
        net.C_DT_OVER_C: dt_ms / neuron.c_pF,
        net.C_G_LEAK: neuron.g_leak_nS,
        net.C_G_LEAK_E_LEAK: neuron.g_leak_nS * neuron.e_leak_mV,
        net.C_E_EXC: neuron.e_exc_mV,
        net.C_E_INH: neuron.e_inh_mV,
        net.C_DECAY_GE: math.exp(-dt_ms / neuron.tau_exc_ms),
        net.C_DECAY_GI: math.exp(-dt_ms / neuron.tau_inh_ms),
        net.C_DECAY_H1: math.exp(-dt_ms / neuron.tau_h1_ms),
        net.C_DECAY_H2: math.exp(-dt_ms / neuron.tau_h2_ms),
        net.C_DECAY_TRACE: math.exp(-dt_ms / tau_stdp),
        net.C_DECAY_RATE: math.exp(-dt_ms / (plasticity.tau_rate_s * 1000.0)),
        net.C_THETA0: neuron.theta0_mV,
        net.C_THETA_MAX: neuron.theta_max_mV,
        net.C_A2: neuron.a2_mV,
        net.C_E_LEAK: neuron.e_leak_mV,
        net.C_REFRACTORY_STEPS: round(neuron.refractory_ms / dt_ms),
        net.C_BACKGROUND_WEIGHT: background.weight_nS,
        net.C_ETA: run.learning_rate,
        net.C_K_HEBB: 20.0 / tau_stdp,
        net.C_W_MAX: plasticity.w_max_nS,
        net.C_RHO: plasticity.target_rate_hz,
        net.C_RATE_INCREMENT: 1.0 / (plasticity.tau_rate_s * n_exc),
    }
    return np.array([values[index] for index in range(net.N_CONSTS)], dtype=np.float64)


def _initial_state(network, neuron, seed):
    n = network.n_total
    init = np.random.default_rng([seed, _SALT_INITIAL])
    return {
        "v": neuron.e_leak_mV + init.random(n) * neuron.v_init_span_mV,
        "g_e": np.zeros(n),
        "g_i": np.zeros(n),
        "h1": np.zeros(n),
        "h2": np.zeros(n),
        "trace": np.zeros(n),
        "last_spike": np.full(n, -(2**40), dtype=np.int64),
        "rate_unit": np.zeros(1),
        "rng_state": rng.single_stream(seed, _SALT_BACKGROUND),
    }


def stimulus_event_table(rate_hz, dt_ms):
    """Cumulative table of the cue events per stimulated neuron and step, for ``sample_table``:
    one event with probability p = min(1, rate·dt), else none — the reference's Brian2
    ``PoissonGroup`` (a spike when ``rand() < rate·dt``), so its 10 kHz cue at dt = 0.1 ms is
    exactly one event every step (the draw still advances the stream)."""
    p = min(1.0, rate_hz * dt_ms / 1000.0)
    return np.array([1.0 - p, 1.0])


def _stimulus_arrays(stimuli, dt_ms, n_exc):
    """(begin step, end step, neuron pointers, neurons, event table) of every stimulus window."""
    begin, end, ptr, neurons = [], [], [0], []
    rates = {s.rate_hz for s in stimuli}
    if len(rates) > 1:
        raise ValueError(f"all stimuli must share one rate_hz, got {sorted(rates)}")
    for s in stimuli:
        idx = np.asarray(s.neurons, dtype=np.int32)
        if idx.size and (idx.min() < 0 or idx.max() >= n_exc):
            raise ValueError(f"stimulus neurons must be excitatory indices in [0, {n_exc})")
        begin.append(round(s.start_s * 1000 / dt_ms))
        end.append(round(s.end_s * 1000 / dt_ms))
        neurons.append(idx)
        ptr.append(ptr[-1] + idx.size)
    rate = rates.pop() if rates else 0.0
    return (
        np.array(begin, dtype=np.int64),
        np.array(end, dtype=np.int64),
        np.array(ptr, dtype=np.int64),
        np.concatenate(neurons) if neurons else np.zeros(0, np.int32),
        stimulus_event_table(rate, dt_ms),
    )


def _windows_within(stimulus, step_begin, step_end):
    """The stimulus arrays restricted to the windows that overlap steps [step_begin, step_end),
    in their order: the kernels test every listed window each step, and a cued-recall run lists
    thousands; the dropped windows draw nothing in that span, so the stream is unchanged."""
    begin, end, ptr, neurons, table = stimulus
    keep = np.flatnonzero((begin < step_end) & (end > step_begin))
    if keep.size == begin.size:
        return stimulus
    sizes = ptr[keep + 1] - ptr[keep]
    kept_ptr = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
    pieces = [neurons[ptr[w] : ptr[w + 1]] for w in keep]
    kept_neurons = np.concatenate(pieces) if pieces else np.zeros(0, np.int32)
    return begin[keep], end[keep], kept_ptr, kept_neurons.astype(np.int32), table


def _signature(network, neuron, background, plasticity, run):
    """Hash of everything that determines the output (not the chunk length)."""
    h = hashlib.sha256()
    for arr in (
        network.indptr,
        network.post,
        network.weight_nS,
        network.delay_steps,
        network.exc_alpha,
    ):
        h.update(np.ascontiguousarray(arr).tobytes())
    settings = {
        "neuron": asdict(neuron),
        "background": asdict(background),
        "plasticity": asdict(plasticity),
        "run": {k: v for k, v in asdict(run).items() if k != "chunk_s"},
        "dt_ms": network.dt_ms,
    }
    h.update(json.dumps(settings, sort_keys=True, default=str).encode())
    return h.hexdigest()


class NetworkSimulator:
    """The connected network, its dynamic state and the step kernel's fixed inputs.

    ``advance(step_end)`` simulates up to ``step_end`` and returns the spikes; the dynamic state
    (``state``, ``hist_neuron``, ``hist_count``, ``weight_nS``, ``step``) can be read, saved and
    restored, which is all a checkpoint needs.
    """

    def __init__(self, network, neuron, background, plasticity, run, threads=1):
        self.network = network
        self.threads = threads
        self.run = run
        dt_ms = network.dt_ms
        n, n_exc = network.n_total, network.n_exc
        self.rule = _rule_code(plasticity, run.learning_rate)
        self.consts = _constants(neuron, background, plasticity, run, n_exc, dt_ms)
        self.a1_mV = np.full(n, neuron.a1_mV, dtype=np.float64)
        self.a1_mV[:n_exc] += neuron.a1_alpha_scale_mV * network.exc_alpha
        self.alpha_hebb = np.full(
            n_exc, 2.0 * plasticity.target_rate_hz * plasticity.tau_stdp_ms / 1000.0
        )
        n_delays = int(network.delay_steps.max()) + 1 if network.n_synapses else 1
        ptr = delay_pointers(network.indptr, network.post, network.delay_steps, n_delays, n_exc)
        self.delay_ptr = narrow_indices(ptr, network.n_synapses + 1, np.int32)
        self.delay_window = delay_window(self.delay_ptr, n_exc)
        self.post = narrow_indices(network.post, n)  # the kernel's copy of the targets
        if threads > 1:
            self.bounds = thread_bounds(n, threads)
            self.part_ptr = partition_pointers(self.delay_ptr, self.post, self.bounds)
        self.ei_ptr, self.ei_syn, self.ei_pre = incoming_ei(network.indptr, network.post, n_exc)
        bg_mean = n * background.n_sources * background.rate_hz * dt_ms / 1000.0
        self.bg_cdf = rng.poisson_inverse_table(bg_mean)
        self.stimulus = _stimulus_arrays(run.stimuli, dt_ms, n_exc)
        self.weight_nS = network.weight_nS.copy()
        if run.shuffle_ei:
            mask = network.ei_mask()
            shuffler = np.random.default_rng([run.seed, _SALT_SHUFFLE])
            self.weight_nS[mask] = shuffler.permutation(self.weight_nS[mask])
        self.state = _initial_state(network, neuron, run.seed)
        self.hist_neuron = np.zeros((n_delays, n), dtype=np.int32)
        self.hist_count = np.zeros(n_delays, dtype=np.int32)
        self.step = 0
        self._spike_neuron = np.empty(0, dtype=np.int32)
        self._spike_step = np.empty(0, dtype=np.int64)

    def advance(self, step_end, state_every=0):
        """Simulate steps ``self.step`` … ``step_end − 1``.

        Returns (spike neurons, spike steps, E spike count, I spike count, g_e rows, g_i rows);
        with ``state_every`` > 0, g_e and g_i of all neurons are sampled at the start of every
        step that is a multiple of ``state_every`` (float32, nS).
        """
        n = self.network.n_total
        span = step_end - self.step
        capacity = max(4 * n, min(2**22, int(span * n * 0.002) + 2 * n))
        if len(self._spike_neuron) < capacity:
            self._spike_neuron = np.empty(capacity, dtype=np.int32)
            self._spike_step = np.empty(capacity, dtype=np.int64)
        first_row = -(-self.step // state_every) if state_every else 0
        n_rows = (-(-step_end // state_every) - first_row) if state_every else 0
        state_ge = np.empty((n_rows, n), dtype=np.float32)
        state_gi = np.empty((n_rows, n), dtype=np.float32)
        neurons, steps = [], []
        n_exc_spikes = n_inh_spikes = 0
        st = self.state
        stimulus = _windows_within(self.stimulus, self.step, step_end)
        while self.step < step_end:
            if self.threads > 1:
                kernel, pointers = run_steps_threaded, (self.bounds, self.part_ptr)
            else:
                kernel, pointers = run_steps, (self.delay_ptr,)
            self.step, n_rec, n_e, n_i = kernel(
                self.step, step_end, self.network.n_exc, self.consts, self.a1_mV,
                self.alpha_hebb, *pointers, self.delay_window, self.post, self.weight_nS,
                self.ei_ptr, self.ei_syn, self.ei_pre, st["v"], st["g_e"], st["g_i"],
                st["h1"], st["h2"], st["trace"], st["last_spike"], st["rate_unit"],
                st["rng_state"], self.hist_neuron, self.hist_count, self.bg_cdf,
                *stimulus, self.rule, self._spike_neuron, self._spike_step, 0,
                state_every, first_row, state_ge, state_gi,
            )  # fmt: skip
            neurons.append(self._spike_neuron[:n_rec].copy())
            steps.append(self._spike_step[:n_rec].copy())
            n_exc_spikes += n_e
            n_inh_spikes += n_i
        return (
            np.concatenate(neurons) if neurons else np.zeros(0, np.int32),
            np.concatenate(steps) if steps else np.zeros(0, np.int64),
            n_exc_spikes,
            n_inh_spikes,
            state_ge,
            state_gi,
        )

    def dynamic(self):
        """Every array that changes during a run (what a checkpoint saves)."""
        return {
            **self.state,
            "hist_neuron": self.hist_neuron,
            "hist_count": self.hist_count,
            "weight_nS": self.weight_nS,
        }

    def load_dynamic(self, arrays):
        """Restore the arrays returned by ``dynamic``."""
        self.state = {name: arrays[name] for name in _DYNAMIC}
        self.hist_neuron = arrays["hist_neuron"]
        self.hist_count = arrays["hist_count"]
        self.weight_nS = arrays["weight_nS"]


def simulate_network(
    network: Network,
    neuron: NeuronParams,
    background: BackgroundParams,
    plasticity: PlasticityParams,
    run: RunParams,
    output_path,
    trained_network_path=None,
    *,
    stage="",
    progress=True,
    stop_after_chunks=None,
    threads=1,
):
    """Simulate ``run.duration_s`` of the network and write ``output_path`` (spike file).

    ``trained_network_path``: if given, the network with its final weights is written there as a
    connectivity file (training). ``stop_after_chunks`` ends the call early, leaving the
    checkpoint in place (used by tests to emulate an interrupted run). ``threads``: neuron ranges
    simulated in parallel (at most numba's thread count run at once); it changes no output byte.
    Two threads pay only for large networks (docs/benchmarks.md, "Threads"): on a network of
    1000 neurons the parallel region of every step makes a run slower than on one thread.
    Returns a dict of summary figures (mean rates, wall time), or None when stopped early.
    """
    dt_ms = network.dt_ms
    n_steps = round(run.duration_s * 1000.0 / dt_ms)
    every = round(run.state_interval_ms / dt_ms) if run.record_state else 0
    sim = NetworkSimulator(network, neuron, background, plasticity, run, threads)
    chunk_steps = max(1, round(run.chunk_s * 1000.0 / dt_ms))
    if every:
        rows_fit = max(1, _STATE_BUFFER_BYTES // (8 * network.n_total))
        chunk_steps = min(chunk_steps, rows_fit * every)
        chunk_steps = max(every, chunk_steps - chunk_steps % every)
    signature = _signature(network, neuron, background, plasticity, run)
    attrs = {
        "n_exc": network.n_exc,
        "n_inh": network.n_inh,
        "dt_ms": dt_ms,
        "seed": run.seed,
        "stage": stage,
        "signature": signature,
    }

    def finish():
        extra = {}
        if run.save_weights or trained_network_path is not None:
            extra["weights/ei_weight_nS"] = sim.weight_nS[network.ei_mask()]
        if trained_network_path is not None:
            trained = Network(**{**network.__dict__, "weight_nS": sim.weight_nS})
            save_connectivity(trained, trained_network_path, {"trained_by": stage})
        return extra

    plan = RunPlan(n_steps, chunk_steps, network.n_exc, network.n_inh, dt_ms, every)
    result = run_chunked(sim, plan, output_path, signature=signature, attrs=attrs, stage=stage,
                         progress=progress, stop_after_chunks=stop_after_chunks,
                         on_finish=finish)  # fmt: skip
    if result is None:
        return None
    duration_s = n_steps * dt_ms / 1000.0
    return {
        "rate_exc_hz": result.exc_spikes / (network.n_exc * duration_s),
        "rate_inh_hz": result.inh_spikes / (network.n_inh * duration_s),
        "wall_s": result.wall_s,
        "simulated_s": duration_s,
    }
