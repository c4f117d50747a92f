"""Speed of the step kernel from the state of a real run (a checkpoint), not from rest.

A network settled by training holds neurons that have been silent for seconds; the decaying
variables of such neurons (H1, H2, the trace x, ...) fall through the subnormal range of
float64 on their way to zero, which some CPUs execute far more slowly. A benchmark from rest
never meets them. This script restores a simulation checkpoint written by the workflow
(``<output>.ckpt`` of a train or spontaneous job) and times ``--seconds`` of simulation from
there, one thread, reporting wall seconds per simulated second, the rates, and how many
state entries are subnormal at the start and at the end::

    .venv/bin/python bench/bench_settled_state.py --rule rate --learning-rate 1e-3 \\
        --network <output_dir>/networks/connectivity_P2000.h5 \\
        --checkpoint <output_dir>/train/rate/P2000.h5.ckpt

The rule must be the one the checkpoint was written with (``--rule`` names a rule of
``config/config.yaml``'s ``plasticity_rules``).
"""

import argparse
import json
import os
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import yaml  # noqa: E402
from _machine import ROOT, cpu_model  # noqa: E402

from eiplast.assembly.connectivity import load_connectivity  # noqa: E402
from eiplast.assembly.params import BackgroundParams, NeuronParams, PlasticityParams, RunParams  # noqa: E402
from eiplast.assembly.simulate import NetworkSimulator  # noqa: E402

DECAYING = ("g_e", "g_i", "h1", "h2", "trace")


def subnormal_counts(state):
    """Entries of each decaying state array that are non-zero and below float64's smallest
    normal number."""
    tiny = np.finfo(np.float64).tiny
    return {name: int(np.count_nonzero((state[name] != 0) & (np.abs(state[name]) < tiny)))
            for name in DECAYING}  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--network", required=True, help="connectivity file of the run")
    parser.add_argument("--checkpoint", required=True, help="the run's <output>.ckpt")
    parser.add_argument("--rule", required=True, help="a plasticity_rules name of the config")
    parser.add_argument("--learning-rate", type=float, default=1e-3, help="0 for spontaneous")
    parser.add_argument("--seconds", type=float, default=20.0, help="simulated seconds timed")
    args = parser.parse_args()
    rules = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())["plasticity_rules"]
    if args.rule not in rules:
        parser.error(f"--rule {args.rule!r} is not one of {sorted(rules)}")
    network = load_connectivity(args.network)
    run = RunParams(duration_s=1e9, learning_rate=args.learning_rate)
    sim = NetworkSimulator(network, NeuronParams(), BackgroundParams(),
                           PlasticityParams.from_dict(rules[args.rule]), run)  # fmt: skip
    with h5py.File(args.checkpoint, "r") as f:
        sim.load_dynamic({name: ds[:] for name, ds in f["state"].items()})
        sim.step = int(f.attrs["step"])
    start_step = sim.step
    before = subnormal_counts(sim.state)
    sim.advance(start_step + 10)  # compile or load the cache
    n_steps = round(args.seconds * 1000.0 / network.dt_ms)
    t0 = time.perf_counter()
    neurons, _, n_e, n_i, _, _ = sim.advance(sim.step + n_steps)
    wall = time.perf_counter() - t0
    result = {
        "wall_s_per_sim_s": wall / args.seconds,
        "rate_exc_hz": n_e / (network.n_exc * args.seconds),
        "rate_inh_hz": n_i / (network.n_inh * args.seconds),
        "checkpoint": str(args.checkpoint),
        "start_s": start_step * network.dt_ms / 1000.0,
        "seconds": args.seconds,
        "rule": args.rule,
        "subnormal_at_start": before,
        "subnormal_at_end": subnormal_counts(sim.state),
        "n_neurons": network.n_total,
        "cpu": cpu_model(),
        "load_average": os.getloadavg(),
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
