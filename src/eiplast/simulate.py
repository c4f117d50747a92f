"""Run a stage of the connected network: chunks, recording, checkpoints, progress.

``simulate_network`` drives ``network.run_steps`` chunk by chunk. After every chunk it writes the
chunk's spikes (and sampled conductances) to a segment file and then the complete dynamic state to
a checkpoint, each atomically. A run that is killed at any moment and started again with the same
inputs resumes from the last checkpoint; because the state (including the random stream and the
spikes still in flight) is saved exactly, its output is bit-identical to an uninterrupted run, and
the chunk length never changes results.
"""

import hashlib
import json
import shutil
import time
from dataclasses import asdict
from pathlib import Path

import h5py
import numpy as np
from tqdm import tqdm

from . import rng
from .connectivity import Network, save_connectivity
from .h5io import atomic_h5
from .network import RULE_HEBB, RULE_RATE, RULE_STATIC, delay_pointers, incoming_ei, run_steps
from .params import BackgroundParams, NeuronParams, PlasticityParams, RunParams

SPIKES_KIND = "eiplast.spikes"
CHECKPOINT_KIND = "eiplast.checkpoint"
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
    tau_stdp = plasticity.tau_stdp_ms
    return np.array(
        [
            dt_ms / neuron.c_pF,
            neuron.g_leak_nS,
            neuron.g_leak_nS * neuron.e_leak_mV,
            neuron.e_exc_mV,
            neuron.e_inh_mV,
            np.exp(-dt_ms / neuron.tau_exc_ms),
            np.exp(-dt_ms / neuron.tau_inh_ms),
            np.exp(-dt_ms / neuron.tau_h1_ms),
            np.exp(-dt_ms / neuron.tau_h2_ms),
            np.exp(-dt_ms / tau_stdp),
            np.exp(-dt_ms / (plasticity.tau_rate_s * 1000.0)),
            neuron.theta0_mV,
            neuron.theta_max_mV,
            neuron.a2_mV,
            neuron.e_leak_mV,
            round(neuron.refractory_ms / dt_ms),
            background.weight_nS,
            run.learning_rate,
            20.0 / tau_stdp,
            plasticity.w_max_nS,
            plasticity.target_rate_hz,
            1.0 / (plasticity.tau_rate_s * n_exc),
        ]
    )


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


def _stimulus_arrays(stimuli, dt_ms, n_exc):
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
        rng.poisson_inverse_table(rate * dt_ms / 1000.0),
    )


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


def _write_segment(parts_dir, step_begin, step_end, neurons, steps, state_ge, state_gi, every):
    path = parts_dir / f"steps_{step_begin:013d}.h5"
    with atomic_h5(path, "eiplast.segment") as f:
        f.attrs["step_begin"] = step_begin
        f.attrs["step_end"] = step_end
        f.create_dataset("neuron", data=neurons)
        f.create_dataset("step", data=steps)
        if every:
            f.create_dataset("g_e_nS", data=state_ge)
            f.create_dataset("g_i_nS", data=state_gi)


def _merge_segments(parts_dir, output_path, n_steps, attrs, every, n_total, extra):
    segments = sorted(parts_dir.glob("steps_*.h5"))
    with atomic_h5(output_path, SPIKES_KIND) as out:
        for key, value in attrs.items():
            out.attrs[key] = value
        out.attrs["n_steps"] = n_steps
        sizes = []
        for seg in segments:
            with h5py.File(seg, "r") as f:
                sizes.append(len(f["neuron"]))
        total = int(sum(sizes))
        d_neuron = out.create_dataset(
            "spikes/neuron", (total,), dtype=np.int32, chunks=(min(max(total, 1), 2**20),)
        )
        d_step = out.create_dataset(
            "spikes/step", (total,), dtype=np.int64, chunks=(min(max(total, 1), 2**20),)
        )
        if every:
            rows = n_steps // every + (1 if n_steps % every else 0)
            grp = out.create_group("state")
            grp.attrs["interval_steps"] = every
            d_ge = grp.create_dataset(
                "g_e_nS", (rows, n_total), dtype=np.float32, chunks=(min(rows, 256), n_total)
            )
            d_gi = grp.create_dataset(
                "g_i_nS", (rows, n_total), dtype=np.float32, chunks=(min(rows, 256), n_total)
            )
        offset = 0
        row = 0
        for seg, size in zip(segments, sizes, strict=True):
            with h5py.File(seg, "r") as f:
                d_neuron[offset : offset + size] = f["neuron"][:]
                d_step[offset : offset + size] = f["step"][:]
                if every:
                    n_rows = f["g_e_nS"].shape[0]
                    d_ge[row : row + n_rows] = f["g_e_nS"][:]
                    d_gi[row : row + n_rows] = f["g_i_nS"][:]
                    row += n_rows
            offset += size
        for name, data in extra.items():
            out.create_dataset(name, data=data)


class NetworkSimulator:
    """The connected network, its dynamic state and the step kernel's fixed inputs.

    ``advance(step_end)`` simulates up to ``step_end`` and returns the spikes; the dynamic state
    (``state``, ``hist_neuron``, ``hist_count``, ``weight_nS``, ``step``) can be read, saved and
    restored, which is all a checkpoint needs.
    """

    def __init__(self, network, neuron, background, plasticity, run):
        self.network = network
        self.run = run
        dt_ms = network.dt_ms
        n, n_exc = network.n_total, network.n_exc
        self.rule = _rule_code(plasticity, run.learning_rate)
        self.consts = _constants(neuron, background, plasticity, run, n_exc, dt_ms)
        self.a1_mV = np.full(n, neuron.a1_mV)
        self.a1_mV[:n_exc] += neuron.a1_alpha_scale_mV * network.exc_alpha
        self.alpha_hebb = np.full(
            n_exc, 2.0 * plasticity.target_rate_hz * plasticity.tau_stdp_ms / 1000.0
        )
        n_delays = int(network.delay_steps.max()) + 1 if network.n_synapses else 1
        self.delay_ptr = delay_pointers(network.indptr, network.delay_steps, n_delays)
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
        while self.step < step_end:
            self.step, n_rec, n_e, n_i = run_steps(
                self.step, step_end, self.network.n_exc, self.consts, self.a1_mV,
                self.alpha_hebb, self.delay_ptr, self.network.post, self.weight_nS,
                self.ei_ptr, self.ei_syn, self.ei_pre, st["v"], st["g_e"], st["g_i"],
                st["h1"], st["h2"], st["trace"], st["last_spike"], st["rate_unit"],
                st["rng_state"], self.hist_neuron, self.hist_count, self.bg_cdf,
                *self.stimulus, self.rule, self._spike_neuron, self._spike_step, 0,
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

    def save(self, path, signature, totals):
        """Write the dynamic state to ``path`` atomically."""
        with atomic_h5(path, CHECKPOINT_KIND) as f:
            f.attrs["signature"] = signature
            f.attrs["step"] = self.step
            f.attrs["exc_spikes"], f.attrs["inh_spikes"] = totals
            for name in _DYNAMIC:
                f.create_dataset(f"state/{name}", data=self.state[name])
            f.create_dataset("state/hist_neuron", data=self.hist_neuron)
            f.create_dataset("state/hist_count", data=self.hist_count)
            f.create_dataset("state/weight_nS", data=self.weight_nS)

    def restore(self, path, signature):
        """Load the state saved at ``path`` if it belongs to this run; return spike totals."""
        try:
            with h5py.File(path, "r") as f:
                if f.attrs.get("signature") != signature:
                    return None
                state = {name: f[f"state/{name}"][:] for name in _DYNAMIC}
                hist_neuron = f["state/hist_neuron"][:]
                hist_count = f["state/hist_count"][:]
                weight = f["state/weight_nS"][:]
                step = int(f.attrs["step"])
                totals = (int(f.attrs["exc_spikes"]), int(f.attrs["inh_spikes"]))
        except (OSError, KeyError):
            return None
        self.state, self.hist_neuron, self.hist_count = state, hist_neuron, hist_count
        self.weight_nS, self.step = weight, step
        return totals


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
):
    """Simulate ``run.duration_s`` of the network and write ``output_path`` (spike file).

    ``trained_network_path``: if given, the network with its final weights is written there as a
    connectivity file (training). ``stop_after_chunks`` ends the call early, leaving the
    checkpoint in place (used by tests to emulate an interrupted run).
    Returns a dict of summary figures (mean rates, wall time), or None when stopped early.
    """
    output_path = Path(output_path)
    dt_ms = network.dt_ms
    n, n_exc = network.n_total, network.n_exc
    n_steps = round(run.duration_s * 1000.0 / dt_ms)
    every = round(run.state_interval_ms / dt_ms) if run.record_state else 0
    sim = NetworkSimulator(network, neuron, background, plasticity, run)
    signature = _signature(network, neuron, background, plasticity, run)
    ckpt_path = output_path.with_name(output_path.name + ".ckpt")
    parts_dir = output_path.with_name(output_path.name + ".parts")
    totals = sim.restore(ckpt_path, signature) if ckpt_path.exists() else None
    if totals is None:
        if parts_dir.exists():
            shutil.rmtree(parts_dir)
        totals = (0, 0)
    else:
        for seg in parts_dir.glob("steps_*.h5"):
            if int(seg.stem.split("_")[1]) >= sim.step:
                seg.unlink()
    parts_dir.mkdir(parents=True, exist_ok=True)

    chunk_steps = max(1, round(run.chunk_s * 1000.0 / dt_ms))
    if every:
        rows_fit = max(1, _STATE_BUFFER_BYTES // (8 * n))
        chunk_steps = min(chunk_steps, rows_fit * every)
        chunk_steps = max(every, chunk_steps - chunk_steps % every)

    wall_start = time.perf_counter()
    bar = tqdm(
        total=round(n_steps * dt_ms / 1000.0, 3),
        initial=round(sim.step * dt_ms / 1000.0, 3),
        unit="s",
        desc=f"{stage or 'simulate'} (simulated s)",
        disable=not progress,
        mininterval=5.0,
    )
    chunks_done = 0
    while sim.step < n_steps:
        begin = sim.step
        end = min(begin + chunk_steps, n_steps)
        neurons, steps, n_e, n_i, state_ge, state_gi = sim.advance(end, every)
        _write_segment(parts_dir, begin, end, neurons, steps, state_ge, state_gi, every)
        totals = (totals[0] + n_e, totals[1] + n_i)
        sim.save(ckpt_path, signature, totals)
        chunk_s = (end - begin) * dt_ms / 1000.0
        bar.update(round(chunk_s, 3))
        bar.set_postfix(
            E_hz=f"{n_e / (n_exc * chunk_s):.2f}", I_hz=f"{n_i / (network.n_inh * chunk_s):.2f}"
        )
        chunks_done += 1
        if stop_after_chunks is not None and chunks_done >= stop_after_chunks and end < n_steps:
            bar.close()
            return None
    bar.close()

    duration_s = n_steps * dt_ms / 1000.0
    attrs = {
        "n_exc": n_exc,
        "n_inh": network.n_inh,
        "dt_ms": dt_ms,
        "seed": run.seed,
        "stage": stage,
        "signature": signature,
    }
    extra = {}
    if run.save_weights or trained_network_path is not None:
        extra["weights/ei_weight_nS"] = sim.weight_nS[network.ei_mask()]
    if trained_network_path is not None:
        trained = Network(**{**network.__dict__, "weight_nS": sim.weight_nS})
        save_connectivity(trained, trained_network_path, {"trained_by": stage})
    _merge_segments(parts_dir, output_path, n_steps, attrs, every, n, extra)
    ckpt_path.unlink()
    shutil.rmtree(parts_dir)
    return {
        "rate_exc_hz": totals[0] / (n_exc * duration_s),
        "rate_inh_hz": totals[1] / (network.n_inh * duration_s),
        "wall_s": time.perf_counter() - wall_start,
        "simulated_s": duration_s,
    }
