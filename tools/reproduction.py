"""Tables of a finished (or running) reproduction, read from its output directory: the replay
table, the trained I→E weight statistics, the sensitivity summary and the measured time of every
stage from the workflow's ``benchmark:`` files.

    python tools/reproduction.py <output_dir> [--reference <barta_fukai_2025 checkout>]
                                   [--pieces <e2e_pieces.log>] [--out tables.md]

prints them as Markdown (the tables of ``docs/reproduction.md``).
Missing parts (stages that have not run yet) are left out, so it also reports on a run that is
still going. With ``--reference``, the replay statistics and the replay growth are set beside
the reference's published ones (its ``plotting/data/activation_stats.csv`` and
``gradual.csv``). With ``--pieces``, the end-to-end wall time is summed from the log that
``bench/e2e_piece.sh`` writes (one line per piece of a run that was stopped and resumed).
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from eiplast.analysis.reference import (
    PUBLISHED_STATISTICS,
    SHUFFLE_LABEL,
    published_growth,
    published_replay,
)
from eiplast.analysis.replay import replay_growth
from eiplast.analysis.summary import REPLAY_COLUMNS, ei_weights, replay_table
from eiplast.engine.h5io import atomic_path

# benchmark columns kept (Snakemake's benchmark TSV): wall s, CPU s, peak resident MB
_BENCHMARK_COLUMNS = {"s": "wall_s", "cpu_time": "cpu_s", "max_rss": "max_rss_mb"}
CORES = 2  # cores assumed for the ideal wall time of a run (docs/reproduction.md)
# a run's file below a stage folder: P<patterns>_r<realisation>.<h5|csv>
_RUN_FILE = re.compile(r"P(?P<patterns>[0-9]+)_r(?P<realisation>[0-9]+)\.(h5|csv)")
# what a simulation job's log says when it resumes (workflow/scripts/_common.py)
_RESUMED = re.compile(r"checkpoint \S+ found at step (?P<step>[0-9]+)")
# the first progress line of a simulation job: "<done>/<total> [" in simulated seconds (tqdm)
_PROGRESS = re.compile(r"(?P<done>[0-9]+(?:\.[0-9]*)?)/(?P<total>[0-9]+(?:\.[0-9]*)?) \[")
# one piece of a measured end-to-end run, as bench/e2e_piece.sh logs it
_PIECE = re.compile(
    r"(?P<start>\S+) (?P<end>\S+) (?P<wall_s>[0-9]+) exit (?P<exit>[0-9]+) "
    r"commit (?P<commit>\S+) cpu (?P<cpu>\S+)$"
)


def resumed_at_step(log_file: Path) -> int | None:
    """Time step a simulation job resumed from, as its log says (Snakemake empties a job's log
    when the job starts again, so the log and the benchmark describe the same, last attempt);
    None if it started from the beginning (its first progress line starts at 0 s, e.g. when the
    checkpoint found belonged to other parameters) or is not a simulation."""
    if not log_file.is_file():
        return None
    text = log_file.read_text(errors="replace")
    found = _RESUMED.search(text)
    progress = _PROGRESS.search(text)
    # a checkpoint of other parameters is found but not used: the run starts at 0 s
    if found is None or (progress is not None and float(progress["done"]) == 0.0):
        return None
    return int(found["step"]) or None


def attempt_share(log_file: Path) -> float:
    """Share of its whole simulation a job's last attempt ran: 1 − (simulated time it resumed
    at) / (total simulated time), read from the first progress line of the log; 1.0 for a job
    that did not resume or whose log has no progress line."""
    if resumed_at_step(log_file) is None:
        return 1.0
    found = _PROGRESS.search(log_file.read_text(errors="replace"))
    if found is None or float(found["total"]) <= 0:
        return 1.0
    return 1.0 - float(found["done"]) / float(found["total"])


def stage_times(output_dir: str | os.PathLike) -> pd.DataFrame:
    """One row per finished job: ``stage`` (the folder under ``benchmarks/``, nested folders
    joined by ``/``), ``job`` (file name without ``.tsv``), ``wall_s``, ``cpu_s``,
    ``max_rss_mb``, ``resumed_at_step`` (the job's last attempt continued a checkpoint; its
    times cover that attempt only) and ``cpu_s_whole_job`` (the CPU time scaled to the whole
    job, ``cpu_s / attempt_share``). Empty frame if nothing has been benchmarked."""
    out = Path(output_dir)
    root = out / "benchmarks"
    rows = []
    for tsv in sorted(root.rglob("*.tsv")):
        table = pd.read_csv(tsv, sep="\t")
        if table.empty:
            continue
        first = table.iloc[0]
        stage = tsv.parent.relative_to(root).as_posix()
        row = {"stage": stage, "job": tsv.stem}
        row.update({new: float(first[old]) for old, new in _BENCHMARK_COLUMNS.items()})
        log_file = out / "logs" / stage / f"{tsv.stem}.log"
        row["resumed_at_step"] = resumed_at_step(log_file)
        row["cpu_s_whole_job"] = row["cpu_s"] / attempt_share(log_file)
        rows.append(row)
    columns = ["stage", "job", *_BENCHMARK_COLUMNS.values(), "resumed_at_step", "cpu_s_whole_job"]
    return pd.DataFrame(rows, columns=columns).astype({"resumed_at_step": "Int64"})


def stage_summary(times: pd.DataFrame) -> pd.DataFrame:
    """Per stage: number of jobs (and how many of them resumed from a checkpoint), wall time of
    one job (mean and max, s), total wall and CPU time (s; ``cpu_s_whole_total`` with resumed
    jobs scaled to their whole run), and the largest peak memory (MB)."""
    grouped = times.groupby("stage", sort=False)
    summary = pd.DataFrame(
        {
            "jobs": grouped["job"].count(),
            "resumed": grouped["resumed_at_step"].count(),
            "wall_s_mean": grouped["wall_s"].mean(),
            "wall_s_max": grouped["wall_s"].max(),
            "wall_s_total": grouped["wall_s"].sum(),
            "cpu_s_total": grouped["cpu_s"].sum(),
            "cpu_s_whole_total": grouped["cpu_s_whole_job"].sum(),
            "max_rss_mb": grouped["max_rss_mb"].max(),
        }
    )
    return summary.reset_index()


def weight_statistics(output_dir: str | os.PathLike) -> pd.DataFrame:
    """Trained I→E weights (nS) of every training run ``train/<rule>/P<p>_r<k>.h5``: count,
    mean, std, quantiles (5, 50, 95 %) and the fraction at zero (clipped by the rule)."""
    rows = []
    for train_file in sorted((Path(output_dir) / "train").glob("*/P*.h5")):
        match = _RUN_FILE.fullmatch(train_file.name)
        if match is None:
            continue
        w = ei_weights(train_file).astype(np.float64)
        q05, q50, q95 = np.quantile(w, [0.05, 0.5, 0.95])
        rows.append(
            {
                "rule": train_file.parent.name,
                "patterns": int(match["patterns"]),
                "realisation": int(match["realisation"]),
                "synapses": w.size,
                "mean_nS": w.mean(),
                "std_nS": w.std(),
                "q05_nS": q05,
                "median_nS": q50,
                "q95_nS": q95,
                "frac_zero": float(np.mean(w == 0.0)),
            }
        )
    return pd.DataFrame(rows)


def sensitivity_rows(output_dir: str | os.PathLike) -> pd.DataFrame:
    """The per-neuron sensitivities of every finished rule × P × realisation
    (``sensitivity/<rule>/P<p>_r<k>.csv``, gathered shards) with ``rule``, ``patterns`` and
    ``realisation`` columns in front; empty if none."""
    frames = []
    for path in sorted((Path(output_dir) / "sensitivity").glob("*/P*.csv")):
        match = _RUN_FILE.fullmatch(path.name)
        if match is None:
            continue
        table = pd.read_csv(path)
        table.insert(0, "realisation", int(match["realisation"]))
        table.insert(0, "patterns", int(match["patterns"]))
        table.insert(0, "rule", path.parent.name)
        frames.append(table)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def sensitivity_summary(sensitivity: str | os.PathLike | pd.DataFrame) -> pd.DataFrame:
    """Per rule, P and population: mean and spread of the linear sensitivities to excitatory
    and inhibitory perturbations (``activation_exc``, ``activation_inh``), their correlation
    across neurons, and the mean unperturbed rate (Hz). ``sensitivity``: the summary's
    ``sensitivity.csv`` or a frame like it (``sensitivity_rows``)."""
    sens = sensitivity if isinstance(sensitivity, pd.DataFrame) else pd.read_csv(sensitivity)
    rows = []
    for (rule, patterns, population), g in sens.groupby(
        ["rule", "patterns", "population"], sort=False
    ):
        rows.append(
            {
                "rule": rule,
                "patterns": patterns,
                "population": population,
                "neurons": len(g),
                "act_exc_mean": g["activation_exc"].mean(),
                "act_exc_std": g["activation_exc"].std(),
                "act_inh_mean": g["activation_inh"].mean(),
                "act_inh_std": g["activation_inh"].std(),
                "corr_exc_inh": g["activation_exc"].corr(g["activation_inh"]),
                "rate_hz_mean": g["rate_hz"].mean(),
            }
        )
    return pd.DataFrame(rows)


# the reference's published tables, relative to a checkout of oist-ncbc/barta_fukai_2025
REFERENCE_REPLAY = "plotting/data/activation_stats.csv"
REFERENCE_GROWTH = "plotting/data/gradual.csv"
GROWTH_TIMES_S = (100, 200, 500, 1000, 2000, 5000, 9900)


def _label(run: str, rule: str) -> str:
    """The reference's name of a run: the rule, ``shuffle`` for the shuffled control, and
    ``<rule>_learning`` for a run with plasticity on (which the reference publishes none of)."""
    if run == "spontaneous_learning":
        return f"{rule}_learning"
    return SHUFFLE_LABEL if run == "spontaneous_shuffle" else rule


def replay_rows(output_dir: str | os.PathLike) -> pd.DataFrame:
    """The replay table of every replay row written so far
    (``replay/<run>/<rule>/P<p>_r<k>.csv``)."""
    paths = sorted((Path(output_dir) / "replay").glob("*/*/P*.csv"))
    matches = [_RUN_FILE.fullmatch(p.name) for p in paths]
    found = [(p, int(m["realisation"])) for p, m in zip(paths, matches, strict=True) if m]
    return replay_table([p for p, _ in found], [k for _, k in found])


def replay_comparison(output_dir, reference_dir) -> pd.DataFrame:
    """Our replay rows beside the reference's (columns ``<stat>`` and ``<stat>_ref``, and
    the ratio ours / reference ``<stat>_ratio``) for every run both have."""
    ours = replay_rows(output_dir)
    if ours.empty:
        return pd.DataFrame()
    labels = [_label(run, r) for run, r in zip(ours["run"], ours["rule"], strict=True)]
    ours = ours.assign(label=labels)
    ref = published_replay(Path(reference_dir) / REFERENCE_REPLAY)
    both = ours.merge(ref, on=["label", "patterns"], suffixes=("", "_ref"))
    columns = ["label", "patterns", "realisation"]
    for stat in PUBLISHED_STATISTICS:
        both[f"{stat}_ratio"] = both[stat] / both[f"{stat}_ref"]
        columns += [stat, f"{stat}_ref", f"{stat}_ratio"]
    return both[columns + ["rate_exc", "rate_inh"]]


def growth_comparison(output_dir, reference_dir, times_s=GROWTH_TIMES_S) -> pd.DataFrame:
    """Distinct assemblies replayed by ``times_s`` and by the end of our run
    (``replay.replay_growth``), ours and the reference's (its ``gradual.csv``, linearly
    interpolated between its 50 s points, its last value after its end): one row per run and
    time, columns ``label``, ``patterns``, ``time_s``, ``nunique``,
    ``nunique_ref``."""
    ref = published_growth(Path(reference_dir) / REFERENCE_GROWTH)
    rows = []
    for path in sorted((Path(output_dir) / "activations").glob("*/*/P*.h5")):
        label = _label(path.parent.parent.name, path.parent.name)
        match = _RUN_FILE.fullmatch(path.name)
        if match is None:
            continue
        patterns, realisation = int(match["patterns"]), int(match["realisation"])
        if (label, patterns) not in ref:
            continue
        curve = replay_growth(path, n_points=1000)
        end = float(curve["time_s"].iloc[-1])
        for t in [*(t for t in times_s if t < end), end]:
            ours = curve["nunique"][curve["time_s"] <= t].iloc[-1]
            published = ref[label, patterns]
            theirs = np.interp(t, published["time_s"], published["nunique"])
            rows.append({"label": label, "patterns": patterns, "realisation": realisation,
                         "time_s": t, "nunique": ours, "nunique_ref": theirs})  # fmt: skip
    return pd.DataFrame(rows)


def end_to_end_pieces(pieces_log: str | os.PathLike) -> pd.DataFrame:
    """The pieces of an end-to-end run (``bench/e2e_piece.sh``'s log), one row each, and a last
    row ``total`` with their summed wall time; ``finished``: the piece ran the workflow to its
    end (exit code 0; a stopped piece ends with the signal's code), on ``total``: the run is
    complete. A line of another shape raises ``ValueError`` naming the file and the line."""
    rows = []
    lines = Path(pieces_log).read_text().splitlines()
    for number, line in enumerate(lines, start=1):
        found = _PIECE.match(line.strip())
        if found is None:
            raise ValueError(f"{pieces_log}: line {number} is not a piece: {line!r}")
        rows.append({"piece": str(number), "start": found["start"], "end": found["end"],
                     "wall_s": int(found["wall_s"]), "exit": int(found["exit"]),
                     "commit": found["commit"], "cpu": found["cpu"].replace("_", " ")})  # fmt: skip
    pieces = pd.DataFrame(
        rows, columns=["piece", "start", "end", "wall_s", "exit", "commit", "cpu"]
    )
    if pieces.empty:
        return pieces
    total = {"piece": "total", "start": pieces["start"].iloc[0], "end": pieces["end"].iloc[-1],
             "wall_s": int(pieces["wall_s"].sum()), "exit": int(pieces["exit"].iloc[-1]),
             "commit": ",".join(dict.fromkeys(pieces["commit"])),
             "cpu": ",".join(dict.fromkeys(pieces["cpu"]))}  # fmt: skip
    pieces = pd.concat([pieces, pd.DataFrame([total])], ignore_index=True)
    pieces["wall_h"] = pieces["wall_s"] / 3600.0
    pieces["finished"] = pieces["exit"] == 0
    return pieces


def _markdown(table: pd.DataFrame) -> str:
    return table.to_markdown(index=False, floatfmt=".4g")


def reproduction_tables(
    output_dir: str | os.PathLike,
    reference_dir: str | os.PathLike | None = None,
    pieces: pd.DataFrame | None = None,
) -> str:
    """The Markdown sections of every part of ``output_dir`` that exists so far (with the
    reference's published replay statistics beside ours if ``reference_dir`` is given, and the
    end-to-end run's ``pieces`` from ``end_to_end_pieces`` if given)."""
    out = Path(output_dir)
    sections = []
    if pieces is not None:
        sections.append(("End-to-end run, piece by piece (bench/e2e_piece.sh)", pieces))
    if reference_dir is not None:
        compared = replay_comparison(out, reference_dir)
        if not compared.empty:
            sections.append(("Replay statistics, ours and the reference's", compared))
        growth = growth_comparison(out, reference_dir)
        if not growth.empty:
            sections.append(("Distinct assemblies replayed by time t, ours and the reference's",
                             growth))  # fmt: skip
    replay = out / "summary" / "replay_stats.csv"
    if replay.is_file():
        table = pd.read_csv(replay)[REPLAY_COLUMNS]
        sections.append(("Replay statistics (summary/replay_stats.csv)", table))
    weights = weight_statistics(out)
    if not weights.empty:
        sections.append(("Trained I→E weights (nS)", weights))
    sensitivity = out / "summary" / "sensitivity.csv"
    rows = pd.read_csv(sensitivity) if sensitivity.is_file() else sensitivity_rows(out)
    if not rows.empty:
        sections.append(("Linear sensitivities per population", sensitivity_summary(rows)))
    times = stage_times(out)
    if not times.empty:
        summary = stage_summary(times)
        sections.append(("Stage times (benchmark files; s, MB)", summary))
        cpu_whole = summary["cpu_s_whole_total"].sum()
        total = {
            "jobs": int(summary["jobs"].sum()),
            "wall_s_total": summary["wall_s_total"].sum(),
            "cpu_s_total": summary["cpu_s_total"].sum(),
            "cpu_s_whole_total": cpu_whole,
            # a lower bound of the end-to-end time: every core busy all the time
            f"ideal_h_on_{CORES}_cores": cpu_whole / CORES / 3600.0,
        }
        sections.append(("All jobs together", pd.DataFrame([total])))
        sections.append(("Every job", times))
    return "\n".join(f"### {title}\n\n{_markdown(table)}\n" for title, table in sections)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output_dir", help="the workflow's output_dir")
    parser.add_argument("--reference", help="a checkout of oist-ncbc/barta_fukai_2025")
    parser.add_argument("--pieces", help="the log of bench/e2e_piece.sh (end-to-end time)")
    parser.add_argument("--out", help="write the Markdown here instead of printing it")
    args = parser.parse_args(argv)
    if not Path(args.output_dir).is_dir():
        parser.error(f"output_dir {args.output_dir!r} is not a directory")
    if args.reference is not None and not (Path(args.reference) / REFERENCE_REPLAY).is_file():
        parser.error(f"--reference {args.reference!r} has no {REFERENCE_REPLAY}")
    pieces = None
    if args.pieces is not None:
        if not Path(args.pieces).is_file():
            parser.error(f"--pieces {args.pieces!r} is not a file")
        try:
            pieces = end_to_end_pieces(args.pieces)
        except ValueError as err:
            parser.error(str(err))
    text = reproduction_tables(args.output_dir, args.reference, pieces)
    if args.out is None:
        print(text)
        return
    with atomic_path(args.out) as tmp:
        Path(tmp).write_text(text)


if __name__ == "__main__":
    main()
