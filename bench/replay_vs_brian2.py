"""Replay of one trained network, our core against Brian2 running the reference's equations.

Both engines simulate the static network of ``--network`` (a trained connectivity file, e.g.
``<output_dir>/networks/trained_rate_P1000_r0.h5``) for ``--duration`` seconds with the same seed
(different random streams), and both spike files go through the same replay analysis
(``detect_activations`` and ``replay_row``, docs/model-description.md A7–A8, default
parameters). Used to tell whether a difference from the reference's published replay table comes
from the spontaneous dynamics (the engines would differ here) or from the trained network itself.
Writes the table as JSON and Markdown.

    python bench/replay_vs_brian2.py --network <trained.h5> --duration 200 --seed 7 \\
        --output bench/results/replay_vs_brian2_rate_P1000
"""

import argparse
import json
import sys
from pathlib import Path

import pandas as pd
from _machine import ROOT, require_brian2, run_brian2_reference

from eiplast.analysis.activations import detect_activations
from eiplast.analysis.replay import replay_row
from eiplast.stages import run_network_stage

COLUMNS = ["engine", "nunique", "entropy", "mean_freq", "mean_dur", "rate_e_mean_hz",
           "rate_i_mean_hz", "n_events", "top10_share"]  # fmt: skip


def replay_of(engine: str, spikes: Path, network: Path) -> dict:
    """Replay statistics of one spike file, plus the share of events of the 10 most replayed
    assemblies (how strongly a few dominate)."""
    events = detect_activations(spikes, network)
    row = replay_row(events, spikes, labels={"engine": engine})
    counts = events["pattern"].value_counts()
    row["top10_share"] = float(counts.iloc[:10].sum() / counts.sum()) if len(counts) else 0.0
    return {key: row[key] for key in COLUMNS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--network", required=True, type=Path, help="trained connectivity file")
    parser.add_argument("--duration", type=float, default=200.0, help="simulated s")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "work" / "replay")
    parser.add_argument("--output", type=Path, required=True, help="path without extension")
    args = parser.parse_args()
    if not args.network.is_file():
        parser.error(f"--network {args.network} not found")
    require_brian2(parser)
    args.work.mkdir(parents=True, exist_ok=True)
    ours = args.work / "eiplast.h5"
    brian2 = args.work / "brian2.h5"
    run = {"duration_s": args.duration, "learning_rate": 0.0, "seed": args.seed, "chunk_s": 100}
    run_network_stage(args.network, ours, run=run, stage="eiplast")
    run_brian2_reference(args.network, brian2, duration_s=args.duration, rule="static",
                         seed=args.seed)  # fmt: skip
    rows = [replay_of("eiplast", ours, args.network), replay_of("brian2", brian2, args.network)]
    table = pd.DataFrame(rows, columns=COLUMNS)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    record = {"command": " ".join(["python", *sys.argv]), "network": str(args.network),
              "duration_s": args.duration, "seed": args.seed, "rows": rows}  # fmt: skip
    args.output.with_suffix(".json").write_text(json.dumps(record, indent=1) + "\n")
    args.output.with_suffix(".md").write_text(
        f"Command: `{record['command']}`\n\n{table.to_markdown(index=False, floatfmt='.3g')}\n"
    )
    print(table.to_markdown(index=False, floatfmt=".3g"))


if __name__ == "__main__":
    main()
