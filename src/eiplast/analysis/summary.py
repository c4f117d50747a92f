"""Gathering helpers of the workflow's summary stage: shard tables, the replay table and its
aggregate over network realisations, the per-neuron sensitivity table, and the few spike-file
reads the summary figures need.

Every table is written through a temporary sibling and a rename
(``eiplast.engine.h5io.atomic_path``), so a file under its final name is always complete.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from eiplast.engine.formats import bisect_step, open_spikes
from eiplast.engine.h5io import DataFileError, atomic_path, read

# key columns of the replay table, then the headline statistics (docs/model-description.md A8);
# every other column of ``eiplast.analysis.replay.replay_row`` follows
REPLAY_KEYS = ["rule", "patterns", "realisation", "run"]
REPLAY_COLUMNS = REPLAY_KEYS + [
    "nunique",
    "entropy",
    "mean_freq",
    "mean_dur",
    "rate_exc",
    "rate_inh",
]
# replay_row names → replay table names
_RENAMED = {"rate_e_mean_hz": "rate_exc", "rate_i_mean_hz": "rate_inh"}
RUN_ORDER = ["spontaneous", "spontaneous_shuffle", "spontaneous_learning"]
# the statistics aggregated over realisations, and the columns of the aggregate table
AGGREGATED = REPLAY_COLUMNS[len(REPLAY_KEYS) :]
AGGREGATE_COLUMNS = ["rule", "patterns", "run", "label", "statistic", "n", "mean", "sd",
                     "ci95_low", "ci95_high"]  # fmt: skip


def write_csv(table: pd.DataFrame | Sequence[Mapping], path: str | os.PathLike) -> pd.DataFrame:
    """Write a frame (or a list of row dicts) as CSV atomically; return the frame."""
    df = table if isinstance(table, pd.DataFrame) else pd.DataFrame(list(table))
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False)
    return df


def gather_shards(
    paths: Iterable[str | os.PathLike], output: str | os.PathLike, *, n_neurons: int | None = None
) -> pd.DataFrame:
    """Concatenate per-shard tables with a ``neuron`` column, sorted by neuron.

    Checks that no neuron appears twice and, with ``n_neurons``, that the shards cover
    ``0 … n_neurons-1`` exactly; raises ``ValueError`` naming the shard files otherwise.
    """
    paths = [os.fspath(p) for p in paths]
    frames = [pd.read_csv(p) for p in paths]
    for p, df in zip(paths, frames, strict=True):
        if "neuron" not in df.columns:
            raise ValueError(f"{p}: shard table has no 'neuron' column")
    table = pd.concat(frames, ignore_index=True).sort_values("neuron", kind="stable")
    table = table.reset_index(drop=True)
    neurons = table["neuron"].to_numpy()
    if np.any(np.diff(neurons) == 0):
        dup = int(neurons[np.flatnonzero(np.diff(neurons) == 0)[0]])
        raise ValueError(f"neuron {dup} appears in more than one shard of {paths}")
    if n_neurons is not None and not np.array_equal(neurons, np.arange(n_neurons)):
        missing = np.setdiff1d(np.arange(n_neurons), neurons)
        raise ValueError(
            f"shards {paths} hold {len(neurons)} neurons, expected 0..{n_neurons - 1}"
            + (f" (first missing: {int(missing[0])})" if missing.size else "")
        )
    write_csv(table, output)
    return table


def replay_table(
    paths: Sequence[str | os.PathLike],
    realisations: Sequence[int],
    rule_order: Sequence[str] = (),
) -> pd.DataFrame:
    """One row per rule × P × realisation × run from the one-row CSVs of the replay stage
    (``realisations[k]``: the network realisation of ``paths[k]``).

    Columns: ``rule, patterns, realisation, run, nunique, entropy, mean_freq, mean_dur,
    rate_exc, rate_inh`` first (rates are the mean over neurons, Hz), then every other
    statistic of ``replay_row``. Rows sorted by run (spontaneous first), rule (``rule_order``),
    patterns, realisation.
    """
    if len(paths) != len(realisations):
        raise ValueError(f"{len(paths)} replay rows but {len(realisations)} realisations")
    frames = [
        pd.read_csv(p).assign(realisation=int(k)) for p, k in zip(paths, realisations, strict=True)
    ]
    if not frames:
        return pd.DataFrame(columns=REPLAY_COLUMNS)
    table = pd.concat(frames, ignore_index=True).rename(columns=_RENAMED)
    missing = [c for c in REPLAY_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"replay rows lack columns {missing}")
    rules = list(dict.fromkeys([*rule_order, *sorted(table["rule"].unique())]))
    runs = list(dict.fromkeys([*RUN_ORDER, *sorted(table["run"].unique())]))
    order = pd.DataFrame(
        {
            "r": table["run"].map({r: i for i, r in enumerate(runs)}),
            "u": table["rule"].map({r: i for i, r in enumerate(rules)}),
            "p": table["patterns"],
            "k": table["realisation"],
        }
    )
    table = table.loc[order.sort_values(["r", "u", "p", "k"], kind="stable").index]
    rest = [c for c in table.columns if c not in REPLAY_COLUMNS]
    return table[REPLAY_COLUMNS + rest].reset_index(drop=True)


def mean_interval(values: Sequence[float], level: float = 0.95) -> dict:
    """Mean of independent realisations with its ``level`` confidence interval from Student's
    t distribution: mean ± t_{(1+level)/2, n−1} · sd / √n (sd with n − 1 degrees of freedom).

    Returns ``n, mean, sd, ci95_low, ci95_high`` over the finite values; sd and the interval
    are NaN for fewer than two values, everything but n for none.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = int(x.size)
    mean = float(x.mean()) if n else np.nan
    sd = float(x.std(ddof=1)) if n > 1 else np.nan
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * sd / np.sqrt(n)) if n > 1 else np.nan
    return {"n": n, "mean": mean, "sd": sd, "ci95_low": mean - half, "ci95_high": mean + half}


def replay_aggregate(table: pd.DataFrame, statistics: Sequence[str] = AGGREGATED) -> pd.DataFrame:
    """The replay table (``replay_table``) over realisations: one row per rule × P × run ×
    statistic with ``n, mean, sd, ci95_low, ci95_high`` (``mean_interval``), in the replay
    table's order; ``label`` is kept when present (the figures' name of the run)."""
    rows = []
    keys = ["rule", "patterns", "run"]
    for key, group in table.groupby(keys, sort=False):
        label = group["label"].iloc[0] if "label" in group.columns else key[0]
        for statistic in statistics:
            rows.append(
                {
                    **dict(zip(keys, key, strict=True)),
                    "label": label,
                    "statistic": statistic,
                    **mean_interval(group[statistic].to_numpy()),
                }  # fmt: skip
            )
    return pd.DataFrame(rows, columns=AGGREGATE_COLUMNS)


def sensitivity_table(
    runs: Sequence[Mapping], sensitivity: Sequence[str], stats: Sequence[str]
) -> pd.DataFrame:
    """Per-neuron table of every rule × P × realisation: sensitivity (``linear_sensitivity``
    columns) joined with the robust conductance statistics on ``neuron``; the keys of ``runs``
    (``rule``, ``patterns``, ``realisation``) first."""
    frames = []
    for labels, sens_path, stats_path in zip(runs, sensitivity, stats, strict=True):
        sens = pd.read_csv(sens_path)
        st = pd.read_csv(stats_path)
        st = st.drop(columns=[c for c in st.columns if c in sens.columns and c != "neuron"])
        df = sens.merge(st, on="neuron", how="left", validate="one_to_one")
        for key, value in reversed(list(labels.items())):
            df.insert(0, key, value)
        frames.append(df)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def write_html_table(table: pd.DataFrame, path: str | os.PathLike, title: str) -> None:
    """A small self-contained HTML page with the table (for the Snakemake report)."""
    body = table.to_html(index=False, float_format=lambda x: f"{x:.4g}", na_rep="NaN", border=0)
    html = (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>"
        f"{title}</title><style>"
        "body{font-family:sans-serif;font-size:13px;margin:1em}"
        "table{border-collapse:collapse}"
        "th,td{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}"
        "th{background:#f2f2f2}"
        f"</style></head><body><h3>{title}</h3>\n{body}\n</body></html>\n"
    )
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(html)


def neuron_rates(
    spike_file: str | os.PathLike, *, skip_s: float = 0.0, chunk: int = 2**22
) -> tuple[np.ndarray, np.ndarray]:
    """Per-neuron firing rates (Hz) of a spike file after ``skip_s``: (E rates, I rates).

    Reads the spikes ``chunk`` at a time, so memory does not grow with the run length.
    """
    with open_spikes(spike_file) as f:
        n_exc, n_inh = int(f.attrs["n_exc"]), int(f.attrs["n_inh"])
        dt_ms, n_steps = float(f.attrs["dt_ms"]), int(f.attrs["n_steps"])
        skip = round(skip_s * 1000.0 / dt_ms)
        if n_steps <= skip:
            raise ValueError(f"{spike_file}: run of {n_steps} steps is not longer than skip_s")
        steps, neurons = f["spikes/step"], f["spikes/neuron"]
        first = bisect_step(steps, skip)
        counts = np.zeros(n_exc + n_inh, np.int64)
        for lo in range(first, steps.shape[0], chunk):
            block = read(neurons, slice(lo, lo + chunk))
            counts += np.bincount(block, minlength=n_exc + n_inh)
    rates = counts / ((n_steps - skip) * dt_ms / 1000.0)
    return rates[:n_exc], rates[n_exc:]


def spike_file_info(spike_file: str | os.PathLike) -> dict:
    """Root attributes n_exc, n_inh, dt_ms, n_steps of a spike file, and its duration_s."""
    with open_spikes(spike_file) as f:
        info = {k: f.attrs[k].item() for k in ("n_exc", "n_inh", "dt_ms", "n_steps")}
    info["duration_s"] = info["n_steps"] * info["dt_ms"] / 1000.0
    return info


def spikes_between(
    spike_file: str | os.PathLike, t_start_s: float, t_stop_s: float
) -> tuple[np.ndarray, np.ndarray, dict]:
    """Spikes in ``[t_start_s, t_stop_s)``: (neuron, step, root attributes)."""
    with open_spikes(spike_file) as f:
        attrs = {k: f.attrs[k] for k in ("n_exc", "n_inh", "dt_ms", "n_steps")}
        dt_ms = float(attrs["dt_ms"])
        steps = f["spikes/step"]
        lo = bisect_step(steps, round(t_start_s * 1000.0 / dt_ms))
        hi = bisect_step(steps, round(t_stop_s * 1000.0 / dt_ms))
        return read(f["spikes/neuron"], slice(lo, hi)), read(steps, slice(lo, hi)), attrs


def ei_weights(train_file: str | os.PathLike) -> np.ndarray:
    """Trained I→E weights (nS) stored by the training run (``weights/ei_weight_nS``)."""
    with open_spikes(train_file) as f:
        if "weights/ei_weight_nS" not in f:
            raise DataFileError(f"{train_file}: no weights/ei_weight_nS (not a training run?)")
        return read(f["weights/ei_weight_nS"])


def weight_drift(before_nS: np.ndarray, after_nS: np.ndarray, *, change_fraction: float) -> dict:
    """How far I→E weights moved between two runs (same synapses, same order, nS): the mean
    before and after, the mean |Δw|, the relative change mean |Δw| / mean w_before, the
    Pearson correlation of the two, and the fraction of synapses with
    |Δw| > change_fraction · w_before."""
    before = np.asarray(before_nS, float)
    after = np.asarray(after_nS, float)
    if before.shape != after.shape:
        raise ValueError(f"{before.size} weights before, {after.size} after: not the same synapses")
    change = np.abs(after - before)
    with np.errstate(invalid="ignore"):
        correlation = float(np.corrcoef(before, after)[0, 1]) if before.size > 1 else np.nan
    return {
        "synapses": int(before.size),
        "mean_before_nS": float(before.mean()),
        "mean_after_nS": float(after.mean()),
        "mean_abs_change_nS": float(change.mean()),
        "relative_change": float(change.mean() / before.mean()),
        "correlation": correlation,
        "changed_fraction": float(np.mean(change > change_fraction * before)),
    }
