"""Full-scale training check: N_E 8000, N_I 2000, P 1000, rule ``hebb`` (fLHP), η = 1e-3.

Trains for ``--duration`` simulated seconds (2000 s is the paper's protocol) and records the mean
E/I rate of every chunk, to show that the mean E rate settles at the 3 Hz target. Writes
``bench/results/train_full_<rule>.json`` and the trained network to ``bench/work/``.

    python bench/train_full.py --duration 2000 --rule hebb
"""

import argparse
import json
import platform
import time
from pathlib import Path

import h5py
import numpy as np

from eiplast.assembly.connectivity import generate_connectivity, save_connectivity
from eiplast.assembly.params import (
    BackgroundParams,
    ConnectivityParams,
    NeuronParams,
    PlasticityParams,
    RunParams,
)
from eiplast.assembly.simulate import simulate_network

RULES = {
    "hebb": PlasticityParams(kind="hebb", tau_stdp_ms=20.0),
    "hebb_smooth_rate": PlasticityParams(kind="hebb", tau_stdp_ms=10000.0),
    "rate": PlasticityParams(kind="rate", tau_stdp_ms=20.0),
}


def chunk_rates(spike_file, n_exc, n_inh, bin_s):
    with h5py.File(spike_file, "r") as f:
        neuron = f["spikes/neuron"][:]
        step = f["spikes/step"][:]
        dt_ms = f.attrs["dt_ms"]
        n_steps = int(f.attrs["n_steps"])
    bin_steps = round(bin_s * 1000 / dt_ms)
    n_bins = n_steps // bin_steps
    b = step // bin_steps
    keep = b < n_bins
    exc = np.bincount(b[keep & (neuron < n_exc)], minlength=n_bins) / (n_exc * bin_s)
    inh = np.bincount(b[keep & (neuron >= n_exc)], minlength=n_bins) / (n_inh * bin_s)
    return exc, inh


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=2000.0)
    parser.add_argument("--rule", choices=sorted(RULES), default="hebb")
    parser.add_argument("--workdir", default="bench/work")
    args = parser.parse_args()
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    conn_params = ConnectivityParams()
    conn_file = work / "connectivity_P1000.h5"
    if not conn_file.exists():
        save_connectivity(generate_connectivity(conn_params), conn_file)
    from eiplast.assembly.connectivity import load_connectivity

    network = load_connectivity(conn_file)
    run = RunParams(duration_s=args.duration, learning_rate=1e-3, seed=1, chunk_s=10.0)
    spikes = work / f"train_{args.rule}.h5"
    wall = time.perf_counter()
    summary = simulate_network(
        network, NeuronParams(), BackgroundParams(), RULES[args.rule], run, spikes,
        work / f"trained_{args.rule}.h5", stage=f"train {args.rule}",
    )  # fmt: skip
    wall = time.perf_counter() - wall
    exc, inh = chunk_rates(spikes, network.n_exc, network.n_inh, bin_s=10.0)
    result = {
        "command": f"python bench/train_full.py --duration {args.duration:g} --rule {args.rule}",
        "rule": args.rule,
        "duration_s": args.duration,
        "wall_s": wall,
        "wall_s_per_sim_s": wall / args.duration,
        "rate_exc_hz_per_10s": exc.round(3).tolist(),
        "rate_inh_hz_per_10s": inh.round(3).tolist(),
        "final_100s_rate_exc_hz": float(exc[-10:].mean()),
        "final_100s_rate_inh_hz": float(inh[-10:].mean()),
        "summary": summary,
        "machine": {"platform": platform.platform(), "processor": platform.processor()},
    }
    out = Path("bench/results") / f"train_full_{args.rule}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    print(json.dumps({k: v for k, v in result.items() if "per_10s" not in k}, indent=1))


if __name__ == "__main__":
    main()
