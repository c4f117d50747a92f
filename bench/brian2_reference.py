"""Brian2 harness: the reference's connected-network model run on OUR connectivity.

The model is the connected-network mode of Barta & Fukai 2025 (docs/model-description.md A2–A4,
reference ``src/network_ch.py``), written here for Brian2 from the specification:

* conductance-based neuron, ``exponential_euler``, 2 ms refractory period (v held), MAT threshold
  ``v > clip(theta, -100*mV, 0*mV)`` with ``theta = theta0 + H1 + H2``; reset ``v = EL``,
  ``H1 += a1``, ``H2 += a2``, ``x += 1`` (the reference's ``recharge = 0`` form);
* one ``PoissonInput`` per population: 1000 sources × 2 Hz × 0.3 nS onto ``ge``;
* the population-rate unit (``dr/dt = -r/tau_rate``, ``r += 1/(tau_rate·N_E)`` per E spike, copied
  to every E neuron's ``network_rate`` by a summed variable) used by the ``rate`` rule;
* I→E plasticity ``hebb`` / ``rate`` as the reference's ``ei_plasticity_eqs`` (pre: ``gi += w``
  then the weight update; post: weight update), or ``static``;
* delays = our ``delay_steps · dt``; weights and synapses read from our HDF5 connectivity file.

By default the neuron model carries only the state the rule needs ("minimal"), which is the fair
comparison with our kernel. ``reference_extras=True`` reproduces the reference's model as written:
the unused state variables ``q``, ``y``, ``z`` (exact decays integrated every step), per-neuron
parameters (``gL``, ``basethr``, ``max_theta``, ``a2``, ``rech``, ``inhf``,
``neuron_target_rate``), the per-synapse ``alpha`` written by the ``hebb`` pre pathway, and the
rate unit with its 8000-synapse summed variable for every rule. Both forms produce the same
dynamics; only the cost differs.

Run it in the Brian2 environment (``bench/setup_brian2_env.sh``)::

    .venv-brian2/bin/python bench/brian2_reference.py \\
        --connectivity bench/work/connectivity_P1000.h5 --duration 5 --rule hebb \\
        --target cpp_standalone --output /tmp/brian2_spikes.h5

The output is a spike file in our format (docs/data-format.md, ``format = "eiplast.spikes"``),
with the final I→E weights in our synapse order under ``weights/ei_weight_nS``.
"""

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

RULES = ("hebb", "rate", "static")
TARGETS = ("runtime", "cpp_standalone")

# wraps the standalone binary to measure its own peak RSS (wait4 reports the child alone)
_RSS_WRAPPER = """
import os, subprocess, sys
p = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(p.pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _equations(reference_extras, with_rate):
    """Neuron equations (Brian2 syntax). Same dynamics in both forms."""
    if reference_extras:
        return """
        dv/dt = (-gL*(v - EL) + Isyn) / C : volt (unless refractory)
        Isyn = -ge*(v - Ee) - inhf*gi*(v - Ei) : amp
        dx/dt = -x/tau_stdp : 1
        dq/dt = -q/tau_coincidence : 1
        dge/dt = -ge/taue : siemens
        dgi/dt = -gi/taue : siemens
        dy/dt = (-y + ge/nS)/tidip : 1
        dz/dt = -z/tau_rate : 1
        basethr : volt
        dH1/dt = -H1/tau_h1 : volt
        dH2/dt = -H2/tau_h2 : volt
        theta = basethr + H1 + H2 : volt
        a1 : volt
        a2 : volt
        gL : siemens
        network_rate : 1
        neuron_target_rate : 1
        rech : 1
        inhf : 1
        max_theta : volt
        """
    eqs = """
        dv/dt = (gL*(EL - v) + ge*(Ee - v) + gi*(Ei - v)) / C : volt (unless refractory)
        dge/dt = -ge/taue : siemens
        dgi/dt = -gi/taui : siemens
        dH1/dt = -H1/tau_h1 : volt
        dH2/dt = -H2/tau_h2 : volt
        dx/dt = -x/tau_stdp : 1
        theta = theta0 + H1 + H2 : volt
        a1 : volt (constant)
        """
    if with_rate:
        eqs += "network_rate : 1\n"
    return eqs


def _plasticity_code(rule, learning_rate, reference_extras):
    """(on_pre, on_post) of the I→E synapses: the reference's ``ei_plasticity_eqs``."""
    if learning_rate <= 0 or rule == "static":
        return "gi_post += w*nS", None
    if rule == "hebb":
        if reference_extras:  # the reference stores alpha per synapse on every arrival
            pre = """
                gi_post += w*nS
                alpha = neuron_target_rate_post*Hz*tau_stdp*2
                w = clip(w + (x_post - alpha)*eta*k_hebb, 0, w_max)
                """
        else:
            pre = """
                gi_post += w*nS
                w = clip(w + (x_post - alpha_hebb)*eta*k_hebb, 0, w_max)
                """
        post = "w = clip(w + x_pre*eta*k_hebb, 0, w_max)"
        return pre, post
    if rule == "rate":
        pre = """
            gi_post += w*nS
            w = w + eta*(network_rate_post - rho)*(x_post + 1)
            """
        post = "w = w + eta*(network_rate_post - rho)*x_pre"
        return pre, post
    raise ValueError(f"rule must be one of {RULES}, got {rule!r}")


def _split_blocks(net):
    """Synapse index arrays of the four blocks; I→E in our order (that of ``ei_mask``)."""
    pre = net.presynaptic()
    post = net.post
    n_exc = net.n_exc
    exc_pre = pre < n_exc
    exc_post = post < n_exc
    return {
        "EE": np.flatnonzero(exc_pre & exc_post),
        "IE": np.flatnonzero(exc_pre & ~exc_post),  # E→I (reference label: post, pre)
        "EI": np.flatnonzero(~exc_pre & exc_post),  # I→E, plastic
        "II": np.flatnonzero(~exc_pre & ~exc_post),
    }


def run_brian2(
    connectivity_file,
    duration_s,
    *,
    rule="hebb",
    learning_rate=1e-3,
    tau_stdp_ms=20.0,
    target_rate_hz=3.0,
    seed=1,
    target="runtime",
    build_dir=None,
    reference_extras=False,
    cython_cache_dir=None,
    make_jobs=1,
):
    """Simulate ``duration_s`` seconds in Brian2 and return spikes, final weights and timings.

    ``target``: ``runtime`` (Cython code generation) or ``cpp_standalone`` (one C++ program,
    single thread). Call once per process: Brian2 devices and caches are process-global.

    Returns a dict with ``spike_neuron`` (int32, global index: E ``0..n_exc-1``, I after),
    ``spike_step`` (int64, sorted by step then neuron), ``ei_weight_nS`` (final I→E weights in
    our synapse order), ``rate_exc_hz``, ``rate_inh_hz``, and timings in seconds: ``setup_s``
    (reading the file and building the Brian2 objects), ``compile_s`` (code generation and
    compilation), ``run_s`` (Brian2's own measure of the simulation loop), ``total_s``; for
    ``cpp_standalone`` also ``run_binary_s`` (the program's wall time, including its loading of
    the synapses and writing of results) and ``binary_peak_rss_mb``.
    """
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}, got {rule!r}")
    if target not in TARGETS:
        raise ValueError(f"target must be one of {TARGETS}, got {target!r}")
    import brian2 as b2
    from brian2 import (
        Hz,
        Network,
        NeuronGroup,
        PoissonInput,
        SpikeMonitor,
        Synapses,
        ms,
        mV,
        nS,
        pF,
        prefs,
        second,
    )

    from eiplast.assembly.connectivity import load_connectivity

    t_start = time.perf_counter()
    b2.BrianLogger.log_level_warn()
    tmp_build = None
    if target == "cpp_standalone":
        if build_dir is None:
            tmp_build = tempfile.mkdtemp(prefix="brian2_standalone_")
            build_dir = tmp_build
        b2.set_device("cpp_standalone", directory=str(build_dir), build_on_run=False)
        prefs.devices.cpp_standalone.openmp_threads = 0
        prefs.devices.cpp_standalone.extra_make_args_unix = [f"-j{int(make_jobs)}"]
        rss_file = Path(build_dir) / "binary_maxrss_kb.txt"
        wrapper = Path(build_dir) / "rss_wrapper.py"
        Path(build_dir).mkdir(parents=True, exist_ok=True)
        wrapper.write_text(_RSS_WRAPPER)
        prefs.devices.cpp_standalone.run_cmd_unix = [sys.executable, str(wrapper), str(rss_file),
                                                     "./main"]  # fmt: skip
    else:
        prefs.codegen.target = "cython"
        if cython_cache_dir is not None:
            prefs.codegen.runtime.cython.cache_dir = str(cython_cache_dir)
    b2.defaultclock.dt = 0.1 * ms
    b2.seed(seed)

    net = load_connectivity(connectivity_file)
    dt_ms = net.dt_ms
    if abs(dt_ms - 0.1) > 1e-12:
        raise ValueError(f"{connectivity_file}: dt_ms={dt_ms}, the reference model uses 0.1 ms")
    n_exc, n_inh = net.n_exc, net.n_inh
    plastic = learning_rate > 0 and rule != "static"
    with_rate = reference_extras or (plastic and rule == "rate")

    namespace = {
        "C": 200 * pF,
        "EL": -80 * mV,
        "Ee": 0 * mV,
        "Ei": -80 * mV,
        "taue": 6 * ms,
        "taui": 6 * ms,
        "tau_h1": 10 * ms,
        "tau_h2": 200 * ms,
        "tau_stdp": tau_stdp_ms * ms,
        "tau_rate": 10 * second,
        "tau_coincidence": 150 * ms,
        "tidip": 160 * ms,
        "theta0": -55 * mV,
        "theta_max": 0 * mV,
        "a2": 0.3 * mV,
        "gL": 10 * nS,
        "eta": learning_rate,
        "k_hebb": 20.0 / tau_stdp_ms,
        "w_max": 100.0,
        "alpha_hebb": 2.0 * target_rate_hz * tau_stdp_ms / 1000.0,
        "rho": target_rate_hz,
        "r_inc": 1.0 / (10.0 * n_exc),
    }
    if reference_extras:
        for key in ("gL", "a2"):  # per-neuron variables in the reference's model
            namespace.pop(key)
    threshold = (
        "v > clip(theta, -100*mV, max_theta)"
        if reference_extras
        else "v > clip(theta, -100*mV, theta_max)"
    )
    reset = "v = EL\nH1 += a1\nH2 += a2\nx += 1"
    if reference_extras:  # recharge = 0: x += (1-q)**8*rech + (1-rech) == 1, q = 1
        reset = "H1 += a1\nH2 += a2\nx += (1-q)**8 * rech + (1-rech)\nq = 1\nv = EL"

    groups = {}
    for label, size in (("exc", n_exc), ("inh", n_inh)):
        eqs = _equations(reference_extras, with_rate and label == "exc")
        groups[label] = NeuronGroup(
            size, eqs, threshold=threshold, reset=reset, refractory=2 * ms,
            method="exponential_euler", name=f"G_{label}", namespace=namespace,
        )  # fmt: skip
    g_exc, g_inh = groups["exc"], groups["inh"]
    init = np.random.default_rng([seed, 2])
    g_exc.v = (-80.0 + 10.0 * init.random(n_exc)) * mV
    g_inh.v = (-80.0 + 10.0 * init.random(n_inh)) * mV
    g_exc.a1 = (2.0 + 0.25 * net.exc_alpha) * mV
    g_inh.a1 = 2.0 * mV
    if reference_extras:
        for g in (g_exc, g_inh):
            g.gL = 10 * nS
            g.a2 = 0.3 * mV
            g.basethr = -55 * mV
            g.max_theta = 0 * mV
            g.rech = 0
            g.inhf = 1
        g_exc.neuron_target_rate = target_rate_hz
        g_inh.neuron_target_rate = 10

    objects = [g_exc, g_inh]
    for g in (g_exc, g_inh):
        objects.append(PoissonInput(g, "ge", 1000, 2 * Hz, weight=0.3 * nS))

    if with_rate:
        rate_unit = NeuronGroup(1, "dr/dt = -r/tau_rate : 1", method="exponential_euler",
                                name="rate_unit", namespace=namespace)  # fmt: skip
        s_re = Synapses(g_exc, rate_unit, on_pre="r_post += r_inc", name="S_rate_in",
                        namespace=namespace)  # fmt: skip
        s_er = Synapses(rate_unit, g_exc, "network_rate_post = r_pre : 1 (summed)",
                        name="S_rate_out", namespace=namespace)  # fmt: skip
        s_re.connect(p=1)
        s_er.connect(p=1)
        objects += [rate_unit, s_re, s_er]

    blocks = _split_blocks(net)
    pre_all = net.presynaptic()
    source = {"EE": g_exc, "IE": g_exc, "EI": g_inh, "II": g_inh}
    dest = {"EE": g_exc, "IE": g_inh, "EI": g_exc, "II": g_inh}
    offset_pre = {"EE": 0, "IE": 0, "EI": n_exc, "II": n_exc}
    offset_post = {"EE": 0, "IE": n_exc, "EI": 0, "II": n_exc}
    synapses = {}
    for label, idx in blocks.items():
        if label == "EI":
            on_pre, on_post = _plasticity_code(rule, learning_rate, reference_extras)
            model = "w : 1\nalpha : 1" if reference_extras else "w : 1"
        else:
            on_pre = "ge_post += w*nS" if label in ("EE", "IE") else "gi_post += w*nS"
            on_post, model = None, "w : 1"
        s = Synapses(source[label], dest[label], model=model, on_pre=on_pre, on_post=on_post,
                     name=f"S_{label}", namespace=namespace)  # fmt: skip
        s.connect(i=pre_all[idx] - offset_pre[label], j=net.post[idx] - offset_post[label])
        s.w = net.weight_nS[idx].astype(np.float64)
        s.delay = net.delay_steps[idx].astype(np.float64) * dt_ms * ms
        synapses[label] = s
        objects.append(s)

    mon_exc = SpikeMonitor(g_exc, name="spikes_exc")
    mon_inh = SpikeMonitor(g_inh, name="spikes_inh")
    objects += [mon_exc, mon_inh]
    network = Network(*objects)
    t_built = time.perf_counter()

    result = {"target": target, "reference_extras": bool(reference_extras)}
    if target == "runtime":
        network.run(duration_s * second, namespace=namespace)
        t_done = time.perf_counter()
        run_s = float(b2.get_device()._last_run_time)
        result.update(compile_s=(t_done - t_built) - run_s, run_s=run_s)
    else:
        network.run(duration_s * second, namespace=namespace)
        device = b2.get_device()
        device.build(directory=str(build_dir), compile=True, run=False, with_output=False)
        t_compiled = time.perf_counter()
        device.run(directory=str(build_dir), with_output=False)
        t_done = time.perf_counter()
        result.update(
            compile_s=t_compiled - t_built,
            run_s=float(device._last_run_time),
            run_binary_s=t_done - t_compiled,
            binary_peak_rss_mb=int(rss_file.read_text()) / 1024.0 if rss_file.exists() else None,
        )

    # spikes in our format: global index, integer steps, sorted by (step, neuron)
    step_e = np.rint(np.asarray(mon_exc.t[:] / ms) / dt_ms).astype(np.int64)
    step_i = np.rint(np.asarray(mon_inh.t[:] / ms) / dt_ms).astype(np.int64)
    neuron = np.concatenate([np.asarray(mon_exc.i[:], np.int32),
                             np.asarray(mon_inh.i[:], np.int32) + n_exc])  # fmt: skip
    step = np.concatenate([step_e, step_i])
    order = np.lexsort((neuron, step))
    # final I→E weights, mapped back to our synapse order through (pre, post)
    s_ei = synapses["EI"]
    w_brian = np.asarray(s_ei.w[:], dtype=np.float64)
    i_brian = np.asarray(s_ei.i[:], dtype=np.int64)
    j_brian = np.asarray(s_ei.j[:], dtype=np.int64)
    ours_i = pre_all[blocks["EI"]].astype(np.int64) - n_exc
    ours_j = net.post[blocks["EI"]].astype(np.int64)
    if np.array_equal(i_brian, ours_i) and np.array_equal(j_brian, ours_j):
        w_ours = w_brian
    else:
        key_b = i_brian * n_exc + j_brian
        key_o = ours_i * n_exc + ours_j
        pos = np.argsort(key_b, kind="stable")
        w_ours = w_brian[pos[np.searchsorted(key_b[pos], key_o)]]
    n_steps = round(duration_s * 1000.0 / dt_ms)
    n_exc_spikes = int(np.count_nonzero(neuron < n_exc))
    result.update(
        spike_neuron=neuron[order],
        spike_step=step[order],
        ei_weight_nS=w_ours,
        n_exc=n_exc,
        n_inh=n_inh,
        dt_ms=dt_ms,
        n_steps=n_steps,
        duration_s=n_steps * dt_ms / 1000.0,
        rate_exc_hz=n_exc_spikes / (n_exc * duration_s),
        rate_inh_hz=(len(neuron) - n_exc_spikes) / (n_inh * duration_s),
        setup_s=t_built - t_start,
        total_s=time.perf_counter() - t_start,
        peak_rss_self_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        brian2_version=b2.__version__,
        rule=rule,
        learning_rate=learning_rate,
        tau_stdp_ms=tau_stdp_ms,
        target_rate_hz=target_rate_hz,
        seed=seed,
    )
    if target == "cpp_standalone":
        b2.device.reinit()
        b2.set_device("runtime")
        if tmp_build is not None:
            shutil.rmtree(tmp_build, ignore_errors=True)
    return result


def write_spike_file(result, path, connectivity_file, chunk_s=10.0):
    """Write ``result`` of ``run_brian2`` as an ``eiplast.spikes`` file (docs/data-format.md)."""
    import h5py  # noqa: F401  (atomic_h5 needs it; imported here for a clear error if missing)

    from eiplast.engine.h5io import atomic_h5, create_dataset, set_attrs

    n_exc, n_inh, dt_ms = result["n_exc"], result["n_inh"], result["dt_ms"]
    n_steps = result["n_steps"]
    chunk_steps = max(1, round(chunk_s * 1000.0 / dt_ms))
    n_chunks = -(-n_steps // chunk_steps)
    chunk = result["spike_step"] // chunk_steps
    is_exc = result["spike_neuron"] < n_exc
    lengths = np.minimum(chunk_steps, n_steps - np.arange(n_chunks) * chunk_steps) * dt_ms / 1e3
    exc_hz = np.bincount(chunk[is_exc], minlength=n_chunks) / (n_exc * lengths)
    inh_hz = np.bincount(chunk[~is_exc], minlength=n_chunks) / (n_inh * lengths)
    with atomic_h5(path, "eiplast.spikes") as f:
        set_attrs(
            f,
            n_exc=n_exc,
            n_inh=n_inh,
            dt_ms=dt_ms,
            n_steps=n_steps,
            seed=result["seed"],
            stage=f"brian2 {result['target']} {result['rule']}",
            engine=f"brian2 {result['brian2_version']} {result['target']}",
            connectivity=str(connectivity_file),
        )
        for name, data in (
            ("spikes/neuron", result["spike_neuron"].astype(np.int32)),
            ("spikes/step", result["spike_step"].astype(np.int64)),
            ("rates/exc_hz", exc_hz),
            ("rates/inh_hz", inh_hz),
            ("weights/ei_weight_nS", result["ei_weight_nS"].astype(np.float32)),
        ):
            create_dataset(f, name, data=data)


def summary_of(result):
    """The JSON-serialisable scalars of a ``run_brian2`` result."""
    return {k: v for k, v in result.items() if not isinstance(v, np.ndarray)}


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Run the Barta & Fukai reference model in Brian2 on an eiplast connectivity "
        "file and write an eiplast spike file."
    )
    parser.add_argument("--connectivity", required=True, help="eiplast connectivity HDF5 file")
    parser.add_argument("--duration", type=float, required=True, help="simulated seconds")
    parser.add_argument("--rule", choices=RULES, default="hebb")
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--tau-stdp-ms", type=float, default=20.0)
    parser.add_argument("--target-rate", type=float, default=3.0, help="rho, Hz")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--target", choices=TARGETS, default="runtime")
    parser.add_argument("--build-dir", default=None, help="cpp_standalone project directory "
                        "(default: a temporary directory, removed afterwards)")  # fmt: skip
    parser.add_argument(
        "--cython-cache-dir",
        default=None,
        help="runtime target: Cython cache (default: Brian2's ~/.cython)",
    )
    parser.add_argument("--make-jobs", type=int, default=1, help="cpp_standalone: make -jN")
    parser.add_argument("--reference-extras", action="store_true",
                        help="include the reference's unused state variables and per-neuron "
                        "parameters (same dynamics, the reference's cost)")  # fmt: skip
    parser.add_argument("--output", default=None, help="spike file to write (eiplast.spikes)")
    parser.add_argument("--summary-json", default=None, help="write the timing/rate summary here")
    args = parser.parse_args(argv)
    result = run_brian2(
        args.connectivity, args.duration, rule=args.rule, learning_rate=args.learning_rate,
        tau_stdp_ms=args.tau_stdp_ms, target_rate_hz=args.target_rate, seed=args.seed,
        target=args.target, build_dir=args.build_dir, reference_extras=args.reference_extras,
        cython_cache_dir=args.cython_cache_dir, make_jobs=args.make_jobs,
    )  # fmt: skip
    if args.output:
        write_spike_file(result, args.output, args.connectivity)
    summary = summary_of(result)
    summary["n_spikes"] = int(len(result["spike_neuron"]))
    summary["command"] = " ".join([os.path.basename(sys.executable)] + sys.argv)
    text = json.dumps(summary, indent=1, default=float)
    if args.summary_json:
        Path(args.summary_json).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
