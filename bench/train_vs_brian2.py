"""Training from one connectivity, our core against Brian2 running the reference's equations.

Both engines train the network of ``--connectivity`` (e.g. ``<output_dir>/networks/
connectivity_P1000_r0.h5``) with ``--rule`` for ``--duration`` seconds (same seed, different random
streams); the table compares the trained I→E weights (mean, sd, quantiles, per-synapse
correlation), each E neuron's total inhibition (mean, sd, correlation across neurons) and the
population rates in three windows. Used to tell whether a difference from the reference's
published results comes from the plasticity rule as simulated. Writes JSON and Markdown.

    python bench/train_vs_brian2.py --connectivity <connectivity.h5> --rule rate \\
        --duration 200 --output bench/results/train_vs_brian2_rate_P1000
"""

import argparse
import json
import sys
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
from _machine import ROOT, require_brian2, run_brian2_reference

from eiplast.assembly.connectivity import load_connectivity
from eiplast.stages import run_network_stage

WINDOWS_S = ((0, 20), (20, 100), (100, 200))


def rates(spike_file: Path, n_exc: int, n_inh: int, dt_ms: float) -> dict:
    """Mean E and I rates (Hz) in each window of WINDOWS_S (scaled to the run's length)."""
    with h5py.File(spike_file, "r") as f:
        neuron, step = f["spikes/neuron"][:], f["spikes/step"][:]
        n_steps = int(f.attrs["n_steps"])
    scale = n_steps * dt_ms / 1000.0 / WINDOWS_S[-1][1]
    out = {}
    for a, b in WINDOWS_S:
        lo, hi = a * scale, b * scale
        sel = (step * dt_ms / 1000.0 >= lo) & (step * dt_ms / 1000.0 < hi)
        n_e = np.count_nonzero(neuron[sel] < n_exc)
        out[f"rate_e_{lo:g}_{hi:g}s"] = n_e / n_exc / (hi - lo)
        out[f"rate_i_{lo:g}_{hi:g}s"] = (np.count_nonzero(sel) - n_e) / n_inh / (hi - lo)
    return out


def weight_row(engine: str, weights: np.ndarray, post: np.ndarray, n_exc: int) -> dict:
    """Statistics of the trained I→E weights (nS) and of each E neuron's total inhibition."""
    total = np.bincount(post, weights=weights, minlength=n_exc)[:n_exc]
    q05, q50, q95 = np.quantile(weights, [0.05, 0.5, 0.95])
    return {"engine": engine, "w_mean": weights.mean(), "w_sd": weights.std(), "w_q05": q05,
            "w_median": q50, "w_q95": q95, "total_inh_mean": total.mean(),
            "total_inh_sd": total.std()}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connectivity", required=True, type=Path)
    parser.add_argument("--rule", choices=("hebb", "rate"), default="rate")
    parser.add_argument("--duration", type=float, default=200.0, help="simulated s")
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "work" / "train")
    parser.add_argument("--output", type=Path, required=True, help="path without extension")
    args = parser.parse_args()
    if not args.connectivity.is_file():
        parser.error(f"--connectivity {args.connectivity} not found")
    require_brian2(parser)
    args.work.mkdir(parents=True, exist_ok=True)
    ours, ours_net, theirs = (args.work / n for n in ("eiplast.h5", "eiplast_net.h5", "brian2.h5"))
    run = {"duration_s": args.duration, "learning_rate": args.learning_rate, "seed": args.seed,
           "chunk_s": 10}  # fmt: skip
    plasticity = {"kind": args.rule, "tau_stdp_ms": 20, "target_rate_hz": 3}
    run_network_stage(args.connectivity, ours, run=run, plasticity=plasticity,
                      trained_output=ours_net, stage="eiplast")  # fmt: skip
    run_brian2_reference(args.connectivity, theirs, duration_s=args.duration, rule=args.rule,
                         seed=args.seed, learning_rate=args.learning_rate)  # fmt: skip
    net = load_connectivity(args.connectivity)
    ei = net.ei_mask()
    post = net.post[ei]
    w_ours = load_connectivity(ours_net).weight_nS[ei].astype(np.float64)
    with h5py.File(theirs, "r") as f:
        w_theirs = f["weights/ei_weight_nS"][:].astype(np.float64)
    rows = [
        {**weight_row("eiplast", w_ours, post, net.n_exc),
         **rates(ours, net.n_exc, net.n_inh, 0.1)},
        {**weight_row("brian2", w_theirs, post, net.n_exc),
         **rates(theirs, net.n_exc, net.n_inh, 0.1)},
    ]  # fmt: skip
    total = [np.bincount(post, weights=w, minlength=net.n_exc)[: net.n_exc]
             for w in (w_ours, w_theirs)]  # fmt: skip
    corr = {"per_synapse_weight_corr": float(np.corrcoef(w_ours, w_theirs)[0, 1]),
            "per_neuron_total_inh_corr": float(np.corrcoef(*total)[0, 1])}  # fmt: skip
    table = pd.DataFrame(rows)
    record = {"command": " ".join(["python", *sys.argv]), "rows": rows, **corr}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.with_suffix(".json").write_text(json.dumps(record, indent=1) + "\n")
    text = (f"Command: `{record['command']}`\n\n{table.T.to_markdown(floatfmt='.4g')}\n\n"
            f"Per-synapse weight correlation {corr['per_synapse_weight_corr']:.4f}, per-neuron "
            f"total inhibition correlation {corr['per_neuron_total_inh_corr']:.4f}.\n")  # fmt: skip
    args.output.with_suffix(".md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
