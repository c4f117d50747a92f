"""Run the reference package ``plastic_balanced_network`` 0.0.6 (Akil et al. 2021), save its output.

Runs in ``.venv-pbn`` (``bench/setup_balanced_reference_env.sh``); imports only the reference,
numpy and h5py, never our package. Used by ``tests/test_balanced_reference.py`` and
``bench/bench_balanced.py``::

    .venv-pbn/bin/python bench/balanced_reference.py --n 1000 --t-ms 2000 --eta-ei 1e-3 \
        --out /tmp/ref.h5 [--export-inputs] [--isolate-first-inh]

The output HDF5 file holds the spikes (``spikes/time_ms``, ``spikes/neuron``: the reference's
``s`` without its padding column 0 — see below), the binned records (``records/*``: mean over
the recorded synapses of ``JRec_*`` in j units, mean over recorded neurons of ``IeRec``,
``IiRec``, ``IxRec``, ``VRec``, and ``timeRecord``) and timings (attrs ``setup_s``,
``simulate_s``, ``peak_rss_mb``). With ``--export-inputs`` it also holds everything needed to
replay the run step by step in another simulator: the initial ``J`` and ``Jx`` (dense, [post,
pre]), ``V0``, the external spikes as delivery steps (``inputs/x_step``, ``inputs/x_neuron``,
computed with the reference's own rule ``sx[0] <= total_time[i]`` and without its last spike,
which the reference never delivers), the final weights ``final/J``.

``--isolate-first-inh`` removes every recurrent synapse from and onto neuron Ne (the first I
neuron) after the connectivity is drawn. The reference's ``Ispike <= Ne`` / ``> Ne`` tests
treat that neuron as excitatory in some places; with it isolated those slips have no effect, so
the run can be compared spike for spike with a simulator that does not reproduce them.

Notes on the reference's output: its spike array ``s`` starts with a padding column (time 0,
neuron 0) and drops the last spike (``s[:, 0:nspike]`` after filling columns 1…nspike); we
save ``s[:, 1:]``.
"""

import argparse
import json
import resource
import sys
import time


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--t-ms", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cx", type=float, default=0.1)
    ap.add_argument("--rx-khz", type=float, default=0.01)
    ap.add_argument("--n-bins-record", type=int, default=10)
    ap.add_argument("--numrecord", type=int, default=100)
    ap.add_argument("--nj-record", type=int, default=100)
    for name in ("ee_hebb", "ee_koh", "ie_homeo", "ie_hebb", "ei", "ii"):
        ap.add_argument(f"--eta-{name.replace('_', '-')}", type=float, default=0.0)
    ap.add_argument("--jei", type=float, default=-150.0)
    ap.add_argument("--out", required=True)
    ap.add_argument("--export-inputs", action="store_true")
    ap.add_argument("--isolate-first-inh", action="store_true")
    ap.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    args = ap.parse_args(argv)

    import logging

    import h5py
    import numpy as np
    from plastic_balanced_network.network import PlasticNeuralNetwork

    logging.disable(logging.CRITICAL)
    # the reference draws from numpy's global state: seed it (and save it, for V0 below)
    np.random.seed(args.seed)  # noqa: NPY002
    import random2

    random2.seed(args.seed)

    t0 = time.perf_counter()
    pnn = PlasticNeuralNetwork(args.n, args.t_ms, nBinsRecord=args.n_bins_record)
    pnn.connectivity(jei=args.jei, nJrecord0=args.nj_record)
    ne = pnn.Ne
    if args.isolate_first_inh:
        pnn.J[ne, :] = 0.0
        pnn.J[:, ne] = 0.0
    pnn.ffwd_spikes(args.t_ms, args.cx, args.rx_khz)
    setup_s = time.perf_counter() - t0
    J0 = pnn.J.copy() if args.export_inputs else None
    rng_state = np.random.get_state()  # noqa: NPY002

    t0, c0 = time.perf_counter(), time.process_time()
    out = pnn.simulate(
        numrecord=args.numrecord,
        eta_ee_hebb=args.eta_ee_hebb,
        eta_ee_koh=args.eta_ee_koh,
        eta_ie_homeo=args.eta_ie_homeo,
        eta_ie_hebb=args.eta_ie_hebb,
        eta_ei=args.eta_ei,
        eta_ii=args.eta_ii,
    )
    simulate_s = time.perf_counter() - t0
    simulate_cpu_s = time.process_time() - c0
    s, sx, jee, jie, jei, jii, ie, ii, ix, vrec, time_record = out
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

    s = s[:, 1:]
    times = s[0]
    neurons = s[1].astype(np.int64)
    T = args.t_ms
    rate_e = np.count_nonzero(neurons < ne) / (ne * T / 1000.0)
    rate_i = np.count_nonzero(neurons >= ne) / ((args.n - ne) * T / 1000.0)
    with h5py.File(args.out, "w") as f:
        f.attrs["n"] = args.n
        f.attrs["n_exc"] = ne
        f.attrs["n_ext"] = pnn.Nx
        f.attrs["t_ms"] = T
        f.attrs["dt_ms"] = pnn.dt
        f.attrs["setup_s"] = setup_s
        f.attrs["simulate_s"] = simulate_s
        f.attrs["peak_rss_mb"] = peak_rss_mb
        f.attrs["args"] = json.dumps(vars(args))
        f.create_dataset("spikes/time_ms", data=times)
        f.create_dataset("spikes/neuron", data=neurons)
        f.create_dataset("records/time_ms", data=time_record)
        for name, data in (("weight_ee", jee), ("weight_ie", jie), ("weight_ei", jei),
                           ("weight_ii", jii), ("i_e", ie), ("i_i", ii), ("i_x", ix),
                           ("v", vrec)):  # fmt: skip
            f.create_dataset(f"records/{name}", data=data.mean(axis=0))
        if args.export_inputs:
            np.random.set_state(rng_state)  # noqa: NPY002
            # the reference's first draw in simulate(): V0 uniform in [Vre, VT]
            V0 = np.random.uniform(0, 1, (1, args.n)) * (-55 - (-75)) + (-75)  # noqa: NPY002
            total_time = pnn.total_time
            n_x = pnn.nspikeX
            x_times = pnn.sx[0, : n_x - 1]
            x_step = np.searchsorted(total_time, x_times, side="left")
            keep = x_step < len(total_time)
            f.create_dataset("inputs/J", data=J0)
            f.create_dataset("inputs/Jx", data=pnn.Jx)
            f.create_dataset("inputs/V0", data=V0[0])
            f.create_dataset("inputs/x_step", data=x_step[keep])
            f.create_dataset("inputs/x_neuron", data=pnn.sx[1, : n_x - 1][keep].astype(np.int64))
            f.create_dataset("final/J", data=pnn.J)
            f.create_dataset("spikes/step", data=np.searchsorted(total_time, times, side="left"))
    summary = {
        "engine": "plastic_balanced_network 0.0.6",
        "n": args.n,
        "simulated_s": T / 1000.0,
        "setup_s": setup_s,
        "simulate_s": simulate_s,
        "wall_s_per_sim_s": simulate_s / (T / 1000.0),
        "cpu_s_per_sim_s": simulate_cpu_s / (T / 1000.0),
        "rate_exc_hz": rate_e,
        "rate_inh_hz": rate_i,
        "peak_rss_mb": peak_rss_mb,
    }
    if args.json:
        print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
