"""The reference's published replay data, read and compared with ours.

Barta & Fukai publish the values behind their replay figures in ``plotting/data/`` of
``oist-ncbc/barta_fukai_2025``: ``activation_stats.csv`` (nunique, exp-entropy, mean frequency
and duration per rule and P, two header rows: rule, statistic) and ``gradual.csv`` (distinct
assemblies replayed so far against time in s, two header rows: rule, P). The workflow reads them
from a directory the user provides (``reference_data_dir``), after checking that they are the
files of the pinned commit (SHA-256 below): their data are an input, never part of this code.
The reference names the shuffled control ``shuffle``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pandas as pd

# the reference commit whose published data the checksums describe
REFERENCE_COMMIT = "e5ea85085efce1a51dcbe1b969358ec02cc05945"
PUBLISHED_SHA256 = {
    "activation_stats.csv": "90d3a2d9f89484643e822cedf0f1c5528d79022b2451d1427b2e3c14050035a6",
    "gradual.csv": "c25daed25293075024f29348231bb6bd0964ef56f44741a118b0a760e75d8674",
}
# the statistics of activation_stats.csv, and the label the reference gives the shuffled control
PUBLISHED_STATISTICS = ("nunique", "entropy", "mean_freq", "mean_dur")
SHUFFLE_LABEL = "shuffle"
# the spontaneous time activation_stats.csv measures (its analysis's measure_time, 10 000 s)
PUBLISHED_TIME_S = 10_000.0


def published_files(data_dir: str | os.PathLike) -> dict[str, Path]:
    """The published files in ``data_dir`` (the reference's ``plotting/data``), by name, after
    checking each against ``PUBLISHED_SHA256``; ``ValueError`` naming the file otherwise."""
    files = {}
    for name, expected in PUBLISHED_SHA256.items():
        path = Path(data_dir) / name
        if not path.is_file():
            raise ValueError(f"{path}: not found (the reference's plotting/data/{name})")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != expected:
            raise ValueError(
                f"{path}: SHA-256 {digest} is not that of plotting/data/{name} at the "
                f"reference commit {REFERENCE_COMMIT[:7]} ({expected})"
            )
        files[name] = path
    return files


def published_replay(path: str | os.PathLike) -> pd.DataFrame:
    """``activation_stats.csv`` as one row per (label, patterns) with the columns of
    ``PUBLISHED_STATISTICS`` (label: rule, or ``shuffle``)."""
    wide = pd.read_csv(path, header=[0, 1], index_col=0)
    long = wide.stack(level=0, future_stack=True).rename_axis(["patterns", "label"])
    long = long[list(PUBLISHED_STATISTICS)].reset_index()
    return long[["label", "patterns", *PUBLISHED_STATISTICS]]


def published_growth(path: str | os.PathLike) -> dict[tuple[str, int], pd.DataFrame]:
    """``gradual.csv`` as (label, patterns) → curve with columns ``time_s``, ``nunique``."""
    wide = pd.read_csv(path, header=[0, 1], index_col=0)
    time_s = wide.index.to_numpy(float)
    return {
        (label, int(patterns)): pd.DataFrame(
            {"time_s": time_s, "nunique": wide[(label, patterns)].to_numpy(float)}
        )  # fmt: skip
        for label, patterns in wide.columns
    }


def published_comparison(
    aggregate: pd.DataFrame,
    reference: pd.DataFrame,
    growth: dict[tuple[str, int], pd.DataFrame] | None = None,
    analysed_s: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Our mean and 95 % interval over realisations beside the published value, for every
    label × P × statistic both have.

    ``aggregate``: ``summary.replay_aggregate`` (columns run, label, patterns, statistic, n,
    mean, sd, ci95_low, ci95_high); ``reference``: ``published_replay`` (values over
    ``PUBLISHED_TIME_S``). nunique grows with the time analysed, so with ``growth``
    (``published_growth``) and ``analysed_s`` (run → seconds we analysed), nunique is compared
    with the published growth curve at our time, linearly interpolated; the other statistics
    are always the 10 000 s values. Columns added: ``time_s`` (ours), ``reference_time_s``,
    ``reference``, ``ratio`` (our mean / reference) and ``inside`` (the reference lies in our
    interval; empty where there is no interval, i.e. one realisation).
    """
    ref = reference.melt(["label", "patterns"], var_name="statistic", value_name="reference")
    both = aggregate.merge(ref, on=["label", "patterns", "statistic"], how="inner")
    analysed_s = analysed_s or {}
    both["time_s"] = [analysed_s.get(run, np.nan) for run in both["run"]]
    both["reference_time_s"] = PUBLISHED_TIME_S
    for i, row in both.iterrows():
        curve = (growth or {}).get((row["label"], int(row["patterns"])))
        if row["statistic"] == "nunique" and curve is not None and np.isfinite(row["time_s"]):
            both.loc[i, "reference"] = np.interp(row["time_s"], curve["time_s"], curve["nunique"])
            both.loc[i, "reference_time_s"] = row["time_s"]
    both["ratio"] = both["mean"] / both["reference"]
    has_interval = np.isfinite(both["ci95_low"].to_numpy(float))
    inside = (both["ci95_low"] <= both["reference"]) & (both["reference"] <= both["ci95_high"])
    both["inside"] = pd.array(np.where(has_interval, inside, pd.NA), dtype="boolean")
    columns = ["label", "patterns", "statistic", "time_s", "reference_time_s", "reference", "n",
               "mean", "sd", "ci95_low", "ci95_high", "ratio", "inside"]  # fmt: skip
    return both[columns].reset_index(drop=True)
