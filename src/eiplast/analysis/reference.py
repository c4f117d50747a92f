"""The reference's published data, read and compared with ours.

Barta & Fukai publish the values behind their replay figures in ``plotting/data/`` of
``oist-ncbc/barta_fukai_2025``: ``activation_stats.csv`` (nunique, exp-entropy, mean frequency
and duration per rule and P, two header rows: rule, statistic) and ``gradual.csv`` (distinct
assemblies replayed so far against time in s, two header rows: rule, P). The workflow reads them
from a directory the user provides (``reference_data_dir``), after checking that they are the
files of the pinned commit (their SHA-256 in ``reference_sha256.txt`` beside this module): their
data are an input, never part of this code.
The reference names the shuffled control ``shuffle``.

Per-neuron values of the networks with P = 1000 (``PUBLISHED_NEURON_PATTERNS``), one value per
line, no header: ``firing_rates/<rule>1000.csv`` (Hz, spikes of the whole spontaneous run over
its length; E neurons then I neurons) and ``tot_inhib/<rule>1000.csv`` (nS, each E neuron's sum
of incoming I→E weights after training). The reference's ``tot_excit`` files are byte-identical
to ``tot_inhib`` (its analysis wrote the inhibitory sums twice), so they are not read.

Per assembly (``totweights/totweights_<P>.csv``, P = 800 … 3000): the members' mean robust g_e
and g_i and the replay count, for every rule. The inhibitory-specialisation tables
(``inhibitory_specialization/``, P = 800 … 3000): entropies
per E neuron, per I neuron over the assemblies and over random ones, and the self-feedback per
assembly (P = 1000), with an unnamed index column and one column per rule (and ``uniform``).
The linearised network (``overlaps/``, P = 1000 … 2000): per pattern the overlap of its linear
drive with it, the angle between them (P = 1000) and the completion overlaps per input error,
the same layout; ``perturb_responses.csv``: the fLHP network's mean E response to the E and I
blocks of the perturbation schedule at P = 1000.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pandas as pd

# the reference commit whose published data the checksums describe
REFERENCE_COMMIT = "e5ea85085efce1a51dcbe1b969358ec02cc05945"
# SHA-256 of every published file the workflow reads, by path below plotting/data
PUBLISHED_SHA256 = {
    name: digest
    for digest, name in (
        line.split(maxsplit=1)
        for line in (Path(__file__).parent / "reference_sha256.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
}
# the P of the published per-neuron files, the rules they cover and the kinds (folder names)
PUBLISHED_NEURON_PATTERNS = 1000
PUBLISHED_NEURON_RULES = ("hebb", "hebb_smooth_rate", "rate")
PUBLISHED_NEURON_KINDS = ("firing_rates", "tot_inhib")
# the reference network's E population: its firing_rates files list these E neurons first
PUBLISHED_N_EXC = 8000
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


def published_neuron_file(data_dir: str | os.PathLike, kind: str, rule: str) -> Path:
    """Path of the published per-neuron file ``kind`` (one of ``PUBLISHED_NEURON_KINDS``) of
    ``rule`` at P = ``PUBLISHED_NEURON_PATTERNS`` in ``data_dir``."""
    if kind not in PUBLISHED_NEURON_KINDS or rule not in PUBLISHED_NEURON_RULES:
        raise ValueError(f"no published {kind!r} values for rule {rule!r}")
    return Path(data_dir) / kind / f"{rule}{PUBLISHED_NEURON_PATTERNS}.csv"


def published_neuron_values(path: str | os.PathLike) -> np.ndarray:
    """A published per-neuron file (one number per line) as a float array."""
    return np.loadtxt(path, dtype=float, ndmin=1)


def published_neurons(
    data_dir: str | os.PathLike | None, kind: str, rules: list[str], patterns: int
) -> tuple[dict[str, np.ndarray] | None, str]:
    """The published per-neuron values ``kind`` of those ``rules`` the reference publishes, if
    ``data_dir`` is given and ``patterns`` is their P, else None; and a sentence for the
    figure saying which values are drawn, or why none are."""
    if data_dir is None:
        return None, "no published values drawn: reference_data_dir is not set"
    if int(patterns) != PUBLISHED_NEURON_PATTERNS:
        return None, (f"no published values drawn: the reference publishes {kind} at "
                      f"P = {PUBLISHED_NEURON_PATTERNS} only")  # fmt: skip
    chosen = [rule for rule in rules if rule in PUBLISHED_NEURON_RULES]
    values = {
        rule: published_neuron_values(published_neuron_file(data_dir, kind, rule))
        for rule in chosen
    }
    return values, (f"dashed: the reference's published values (plotting/data/{kind}, "
                    f"P = {PUBLISHED_NEURON_PATTERNS}, commit {REFERENCE_COMMIT[:7]})")  # fmt: skip


# the published inhibitory-specialisation tables (folder inhibitory_specialization): entropies
# (nats) per E neuron, per I neuron over the assemblies and over random assemblies, one column
# per rule and "uniform", for P = 800 … 3000; the self-feedback per assembly at P = 1000 only
SPECIALISATION_FOLDER = "inhibitory_specialization"
PUBLISHED_SPECIALISATION = {
    "neuron": "entropies_{patterns}.csv",
    "assembly": "entropies_assemblies_{patterns}.csv",
    "random": "entropies_rand_assemblies_{patterns}.csv",
    "feedback": "self_feedback_{patterns}.csv",
}


def published_specialisation_files(
    data_dir: str | os.PathLike | None, patterns: int
) -> dict[str, Path]:
    """The published specialisation tables of P = ``patterns`` in ``data_dir`` (keys of
    ``PUBLISHED_SPECIALISATION``; only those the reference publishes; none without
    ``data_dir``)."""
    if data_dir is None:
        return {}
    files = {}
    for table, name in PUBLISHED_SPECIALISATION.items():
        relative = f"{SPECIALISATION_FOLDER}/{name.format(patterns=int(patterns))}"
        if relative in PUBLISHED_SHA256:
            files[table] = Path(data_dir) / relative
    return files


def published_table(path: str | os.PathLike) -> pd.DataFrame:
    """A published table with an unnamed index column and one column per label."""
    return pd.read_csv(path, index_col=0)


# the published per-assembly table of each P (800 … 3000): for every rule the mean robust g_e
# and g_i of the members (nS) and the replay count, three header rows (rule, P, quantity)
PUBLISHED_EXCITABILITY = "totweights/totweights_{patterns}.csv"
_EXCITABILITY_COLUMNS = {
    "tot_excit": "excitation_nS",
    "tot_inhib": "inhibition_nS",
    "act_counts": "replay_count",
}


def published_excitability_file(data_dir: str | os.PathLike | None, patterns: int) -> Path | None:
    """The published per-assembly table of P = ``patterns`` in ``data_dir``, if the reference
    publishes one (and ``data_dir`` is given)."""
    relative = PUBLISHED_EXCITABILITY.format(patterns=int(patterns))
    if data_dir is None or relative not in PUBLISHED_SHA256:
        return None
    return Path(data_dir) / relative


def published_excitability(path: str | os.PathLike) -> pd.DataFrame:
    """A published per-assembly table as one row per rule × assembly with the columns of
    ``eiplast.analysis.excitability`` (rule, pattern, excitation_nS, inhibition_nS,
    replay_count)."""
    wide = pd.read_csv(path, header=[0, 1, 2], index_col=0)
    frames = []
    for rule in dict.fromkeys(wide.columns.get_level_values(0)):
        block = wide[rule].droplevel(0, axis=1).rename(columns=_EXCITABILITY_COLUMNS)
        block = block[list(_EXCITABILITY_COLUMNS.values())].rename_axis("pattern").reset_index()
        frames.append(block.assign(rule=rule))
    table = pd.concat(frames, ignore_index=True)
    return table[["rule", "pattern", *_EXCITABILITY_COLUMNS.values()]]


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


def published_nunique_at(
    reference: pd.DataFrame,
    growth: dict[tuple[str, int], pd.DataFrame],
    time_s: dict[str, float],
) -> pd.DataFrame:
    """``published_replay`` with each label's nunique replaced by its published growth curve
    (``published_growth``) at ``time_s[label]`` (linear interpolation), where both exist: the
    published nunique our runs of that length are comparable with. Other values unchanged."""
    out = reference.copy()
    for i, row in out.iterrows():
        curve = growth.get((row["label"], int(row["patterns"])))
        seconds = time_s.get(row["label"])
        if curve is not None and seconds is not None:
            out.loc[i, "nunique"] = np.interp(seconds, curve["time_s"], curve["nunique"])
    return out


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


# the published linearised-network tables (folder overlaps, P = 1000 … 2000 in steps of 200):
# overlaps and completion overlaps per pattern, angles at P = 1000 only, one column per rule and
# "uniform"; completion files per input error 0.1 … 0.9
PUBLISHED_OVERLAPS = "overlaps/overlaps{patterns}.csv"
PUBLISHED_ANGLES = "overlaps/angles{patterns}.csv"
PUBLISHED_COMPLETION = "overlaps/completion_{error:.1f}_{patterns}.csv"
# E-driven and I-driven mean responses of the fLHP network at P = 1000 (two rows of 400 bins of
# 10 ms: spikes per bin per E neuron), the perturbation schedule's E and I blocks
PUBLISHED_RESPONSES = "perturb_responses.csv"
PUBLISHED_RESPONSES_RULE = "hebb"
PUBLISHED_RESPONSES_PATTERNS = 1000


def published_linear_files(
    data_dir: str | os.PathLike | None, patterns: int, errors=()
) -> dict[str, Path]:
    """The published linearised-network tables of P = ``patterns`` (keys ``overlaps``,
    ``angles``, ``completion_<error>``), those the reference publishes (none without
    ``data_dir``)."""
    if data_dir is None:
        return {}
    wanted = {"overlaps": PUBLISHED_OVERLAPS.format(patterns=int(patterns)),
              "angles": PUBLISHED_ANGLES.format(patterns=int(patterns))}  # fmt: skip
    for error in errors:
        wanted[f"completion_{error:.1f}"] = PUBLISHED_COMPLETION.format(
            error=float(error), patterns=int(patterns)
        )
    return {k: Path(data_dir) / v for k, v in wanted.items() if v in PUBLISHED_SHA256}


def published_responses(path: str | os.PathLike) -> pd.DataFrame:
    """``perturb_responses.csv`` as the table of ``linear.perturbation_responses`` (drive,
    bin, spikes_per_bin; 10 ms bins)."""
    rows = np.loadtxt(path, ndmin=2)
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "drive": drive,
                    "bin": np.arange(rows.shape[1]),
                    "spikes_per_bin": rows[i],
                    "rate_hz": rows[i] * 100.0,
                }
            )  # fmt: skip
            for i, drive in enumerate(("exc", "inh"))
        ],
        ignore_index=True,
    )


# the published activity traces of the events of the fLHP network at P = 1800 inside 15–20 s of
# its spontaneous run: one row per event, 500 bins of 10 ms; rates (Hz) and active fractions
PUBLISHED_TRACES = {"rate_hz": "assembly_traces/rates.csv",
                    "active_fraction": "assembly_traces/activations.csv"}  # fmt: skip
PUBLISHED_TRACES_RULE = "hebb"
PUBLISHED_TRACES_PATTERNS = 1800
PUBLISHED_TRACES_START_S = 15.0


def published_assembly_traces(data_dir: str | os.PathLike) -> dict[str, np.ndarray]:
    """The published traces: ``rate_hz`` and ``active_fraction``, each (events, bins)."""
    return {key: np.loadtxt(Path(data_dir) / name, ndmin=2)
            for key, name in PUBLISHED_TRACES.items()}  # fmt: skip


# the published OU example of Fig 7A: rows time (ms), g_e, g_i (nS), 10 000 columns
PUBLISHED_OU = "ou.csv"


def published_ou(path: str | os.PathLike) -> pd.DataFrame:
    """The published OU draw as the table of ``ou.ou_pair`` (t_ms, g_e_nS, g_i_nS)."""
    rows = np.loadtxt(path, ndmin=2)
    return pd.DataFrame({"t_ms": rows[0], "g_e_nS": rows[1], "g_i_nS": rows[2]})


# the published persistent-activity data (Fig S1, P = 1000): per rule the cue-averaged response
# (500 or 450 rows of 10 ms from the given lead (s) before the onset; columns stimulated, other;
# spikes per member per bin) and the non-adapting network's traces in 10.5–22 s (columns xx (s),
# one per pattern, best)
PUBLISHED_PERSISTENT_PATTERNS = 1000
PUBLISHED_PERSISTENT_AVERAGES = {
    "hebb_nonadapt": ("persistent/averaged.csv", 1.0),
    "hebb_smooth_rate": ("persistent/averaged_sfa.csv", 0.5),
}
PUBLISHED_PERSISTENT_TRACES = {"hebb_nonadapt": "persistent/persistent_traces.csv"}
# the patterns cued inside the published traces' span (at 11 s and 21 s)
PUBLISHED_PERSISTENT_CUED = (1, 2)


def published_persistent_files(
    data_dir: str | os.PathLike | None, rule: str, patterns: int
) -> dict[str, Path]:
    """The published persistent-activity files of ``rule`` at P = ``patterns``: keys
    ``average`` and ``traces`` where the reference publishes them (none without ``data_dir``)."""
    if data_dir is None or int(patterns) != PUBLISHED_PERSISTENT_PATTERNS:
        return {}
    files = {}
    if rule in PUBLISHED_PERSISTENT_AVERAGES:
        files["average"] = Path(data_dir) / PUBLISHED_PERSISTENT_AVERAGES[rule][0]
    if rule in PUBLISHED_PERSISTENT_TRACES:
        files["traces"] = Path(data_dir) / PUBLISHED_PERSISTENT_TRACES[rule]
    return files


def published_cue_average(path: str | os.PathLike, rule: str) -> pd.DataFrame:
    """A published cue-averaged response as the table of ``persistent.cue_average`` (t_s from
    the onset, stimulated_hz, other_hz; 10 ms bins, counts × 100 → Hz)."""
    table = pd.read_csv(path)
    lead_s = PUBLISHED_PERSISTENT_AVERAGES[rule][1]
    return pd.DataFrame({
        "t_s": np.arange(len(table)) * 0.01 - lead_s,
        "stimulated_hz": table["stimulated"].to_numpy(float) * 100.0,
        "other_hz": table["other"].to_numpy(float) * 100.0,
    })  # fmt: skip


def published_persistent_traces(path: str | os.PathLike) -> pd.DataFrame:
    """The published traces as the table of ``persistent.persistent_traces`` (t_s, series,
    pattern, rate_hz; the patterns cued in the span are ``cued``, the authors' chosen ones
    ``other``)."""
    table = pd.read_csv(path)
    t = table["xx"].to_numpy(float)
    frames = []
    for column in table.columns.drop("xx"):
        if column == "best":
            series, pattern = "best", -1
        else:
            pattern = int(column)
            series = "cued" if pattern in PUBLISHED_PERSISTENT_CUED else "other"
        frames.append(
            pd.DataFrame(
                {
                    "t_s": t,
                    "series": series,
                    "pattern": pattern,
                    "rate_hz": table[column].to_numpy(float) * 100.0,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
