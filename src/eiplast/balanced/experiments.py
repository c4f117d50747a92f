"""Workflow experiments on the plastic balanced network (Akil et al. 2021;
docs/model-description.md Part B).

Three experiments, each a set of independent parameter points (one simulation per point, via
``simulate.run_balanced_stage``); the workflow (``workflow/rules/balanced.smk``) builds the
points from the ``balanced`` section of the configuration, this module summarises the runs and
gathers them into tables for ``figures``:

* ``size``: rates and mean weights against the network size N, with the balanced-state
  mean-field prediction (``meanfield.fixed_point``);
* ``istdp``: I→E iSTDP from several initial I→E strengths j_ei; the E rate goes to ρ_ei;
* ``correlation``: mean weights (and rates, spike-count correlations) against the input
  correlation c_x.

Per run: ``summarize_run`` → a JSON-ready summary (``stats.summarize_balanced`` plus the run's
parameters and its experiment/point) and ``timecourse`` → population rates and recorded mean
weights in bins. Per experiment: ``gather_summaries`` → one row per run (``summary_row``),
``gather_timecourses`` → the time courses of every run, long format.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from eiplast.balanced import meanfield
from eiplast.balanced.params import CONNECTIONS, BalancedParams
from eiplast.balanced.stats import (
    load_balanced,
    mean_weights_over_time,
    rate_timecourse,
    summarize_balanced,
)
from eiplast.engine.formats import SPIKES
from eiplast.engine.h5io import atomic_path, open_checked, read

EXPERIMENTS = ("size", "istdp", "correlation")
# the column of the tables holding the value each experiment scans (N, initial j_ei, c_x)
SCAN_COLUMN = {"size": "n", "istdp": "j_ei_init", "correlation": "c_x", "optogenetics": "c_x"}
# the BalancedParams field each experiment scans, and its name in figures
SCAN_PARAM = {"size": "n", "istdp": "j_ei", "correlation": "c_x", "optogenetics": "c_x"}
SCAN_LABEL = {"n": "N", "j_ei": "j_ei(0)"}


def plastic_connections(params: Mapping | BalancedParams) -> list[str]:
    """Connections (of ``CONNECTIONS``) with a plasticity rule switched on."""
    p = params if isinstance(params, BalancedParams) else BalancedParams.from_dict(params)
    return [c for c in CONNECTIONS if p.rule(c)]


def run_params(spike_file) -> dict:
    """The ``BalancedParams`` fields a balanced spike file was simulated with."""
    with open_checked(spike_file, SPIKES, attrs=("balanced_params",)) as f:
        return json.loads(f.attrs["balanced_params"])


def _plain(value):
    """JSON-ready copy: numpy scalars and arrays to Python numbers and lists."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_plain(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def summarize_run(
    spike_file,
    *,
    experiment: str = "",
    point: str = "",
    burn_in_s: float | None = None,
    window_ms: float = 250.0,
    n_sample: int = 200,
    seed: int = 0,
) -> dict:
    """``stats.summarize_balanced`` of one run plus ``experiment``, ``point`` and the run's
    ``params`` (all ``BalancedParams`` fields), JSON-ready."""
    out = summarize_balanced(
        spike_file, burn_in_s=burn_in_s, window_ms=window_ms, n_sample=n_sample, seed=seed
    )
    out = {"experiment": experiment, "point": point, **_plain(out)}
    out["params"] = run_params(spike_file)
    out["recorded_mean_weights_after_burn_in"] = (
        dict.fromkeys(CONNECTIONS)
        if out["exploded_at_s"] is not None
        else recorded_mean_weights(spike_file, after_s=out["burn_in_s"])
    )
    return out


def recorded_mean_weights(spike_file, *, after_s: float = 0.0) -> dict:
    """Mean weight per connection (j units) over the sampled synapses and the record bins
    ending after ``after_s`` (a time average, steadier than the final snapshot when single
    weights fluctuate); None for a connection without sampled synapses or bins."""
    out = {}
    with open_checked(spike_file, SPIKES) as f:
        if "balanced/records/time_ms" not in f:
            return dict.fromkeys(CONNECTIONS)
        time_s = read(f["balanced/records/time_ms"]) / 1000.0
        keep = time_s > after_s
        for c in CONNECTIONS:
            w = read(f[f"balanced/records/weight_{c}"])
            sel = w[keep]
            out[c] = float(sel.mean(dtype=np.float64)) if sel.size else None
    return out


def write_json(data: Mapping, path) -> None:
    """Write ``data`` as indented JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(_plain(data), indent=2, sort_keys=True) + "\n")


def timecourse(spike_file, *, bin_ms: float = 1000.0) -> pd.DataFrame:
    """Population rates (Hz) in bins of ``bin_ms`` and the mean recorded weight per connection
    (j units; the mean over the sampled synapses and the record bins ending inside each bin;
    NaN where nothing was recorded). Columns ``time_s`` (bin end), ``rate_exc_hz``,
    ``rate_inh_hz``, ``j_ee``, ``j_ie``, ``j_ei``, ``j_ii``, the mean recorded currents of the
    E and I neurons (``_current_columns``); with a stimulation layer
    (``BalancedParams.opto_*``) also the rates of the stimulated and the other E neurons
    (``rate_stim_hz``, ``rate_unstim_hz``) and the mean recorded I→E weight onto each
    (``j_ei_stim``, ``j_ei_unstim``)."""
    run = load_balanced(spike_file)
    p = BalancedParams.from_dict(run["params"])
    dt = float(run["attrs"]["dt_ms"])
    duration_s = int(run["attrs"]["n_steps"]) * dt / 1000.0
    t, r_e, r_i = rate_timecourse(run["neuron"], run["step"], p.n_exc, p.n_inh, dt, duration_s,
                                  bin_ms=bin_ms)  # fmt: skip
    table = pd.DataFrame({"time_s": t, "rate_exc_hz": r_e, "rate_inh_hz": r_i})
    n_bins = len(t)
    records = run["records"]
    if records and len(records.get("time_ms", ())):
        w = mean_weights_over_time(records)
        # a record bin ending at time τ belongs to the rate bin containing (τ − ε)
        idx = np.floor((np.asarray(records["time_ms"]) - 1e-9) / bin_ms).astype(np.int64)
        idx = np.clip(idx, 0, n_bins - 1)
        counts = np.bincount(idx, minlength=n_bins)
        for c in CONNECTIONS:
            values = np.asarray(w[c], dtype=np.float64)
            ok = np.isfinite(values)
            sums = np.bincount(idx[ok], weights=values[ok], minlength=n_bins)
            n_ok = np.bincount(idx[ok], minlength=n_bins)
            with np.errstate(invalid="ignore", divide="ignore"):
                table[f"j_{c}"] = np.where((counts > 0) & (n_ok > 0), sums / n_ok, np.nan)
    else:
        for c in CONNECTIONS:
            table[f"j_{c}"] = np.nan
    _current_columns(table, records, p.n_exc, bin_ms)
    if p.opto:
        _stimulation_columns(table, run, p, dt, duration_s, bin_ms)
    return table


CURRENTS = ("i_e", "i_i", "i_x")


def _current_columns(table, records, n_exc, bin_ms):
    """Per bin, the mean recorded input currents of the sampled E and I neurons
    (``i_e_exc``, ``i_i_exc``, ``i_x_exc``, ``i_total_exc`` and the same for ``inh``; the
    record bins ending inside each bin, averaged; NaN without records)."""
    n_bins = len(table)
    names = [f"{c}_{pop}" for pop in ("exc", "inh") for c in (*CURRENTS, "i_total")]
    if not records or not len(records.get("time_ms", ())):
        for name in names:
            table[name] = np.nan
        return
    idx = np.clip(np.floor((np.asarray(records["time_ms"]) - 1e-9) / bin_ms).astype(np.int64),
                  0, n_bins - 1)  # fmt: skip
    counts = np.bincount(idx, minlength=n_bins)
    exc = np.asarray(records["neurons"]) < n_exc
    for pop, cols in (("exc", exc), ("inh", ~exc)):
        total = np.zeros(len(idx))
        for c in CURRENTS:
            per_row = np.asarray(records[c], dtype=np.float64)[:, cols].mean(axis=1)
            total += per_row
            sums = np.bincount(idx, weights=per_row, minlength=n_bins)
            with np.errstate(invalid="ignore", divide="ignore"):
                table[f"{c}_{pop}"] = np.where(counts > 0, sums / counts, np.nan)
        sums = np.bincount(idx, weights=total, minlength=n_bins)
        with np.errstate(invalid="ignore", divide="ignore"):
            table[f"i_total_{pop}"] = np.where(counts > 0, sums / counts, np.nan)


def _stimulation_columns(table, run, p, dt, duration_s, bin_ms):
    """The stimulated (E neurons below ``p.n_opto_targets``) and other E neurons' rates, and
    the mean recorded I→E weight onto each group per bin (``timecourse``)."""
    targets = p.n_opto_targets
    for name, lo, hi in (("stim", 0, targets), ("unstim", targets, p.n_exc)):
        mine = (run["neuron"] >= lo) & (run["neuron"] < hi)
        _, rates, _ = rate_timecourse(run["neuron"][mine] - lo, run["step"][mine], hi - lo, 1,
                                      dt, duration_s, bin_ms=bin_ms)  # fmt: skip
        table[f"rate_{name}_hz"] = rates
    records = run["records"]
    n_bins = len(table)
    for name in ("stim", "unstim"):
        table[f"j_ei_{name}"] = np.nan
    if not records or not len(records.get("time_ms", ())):
        return
    weights = np.asarray(records["weight_ei"], dtype=np.float64)
    onto_stim = np.asarray(records["synapse_ei"])[:, 0] < targets
    idx = np.clip(np.floor((np.asarray(records["time_ms"]) - 1e-9) / bin_ms).astype(np.int64),
                  0, n_bins - 1)  # fmt: skip
    for name, cols in (("stim", onto_stim), ("unstim", ~onto_stim)):
        if cols.any():
            per_row = weights[:, cols].mean(axis=1)
            sums = np.bincount(idx, weights=per_row, minlength=n_bins)
            counts = np.bincount(idx, minlength=n_bins)
            with np.errstate(invalid="ignore", divide="ignore"):
                table[f"j_ei_{name}"] = np.where(counts > 0, sums / counts, np.nan)


def _matrix_entries(matrix, name: str) -> dict:
    """{name_ee, name_ei, name_ii} of a [[ee, ei], [ei, ii]] matrix (NaN when absent)."""
    if not isinstance(matrix, list | tuple | np.ndarray):
        return {f"{name}_{k}": np.nan for k in ("ee", "ei", "ii")}
    m = np.asarray(matrix, dtype=np.float64)
    return {f"{name}_ee": m[0, 0], f"{name}_ei": m[0, 1], f"{name}_ii": m[1, 1]}


def _number(value) -> float:
    """A summary's number, NaN for None (a run without a steady state)."""
    return np.nan if value is None else float(value)


def summary_row(summary: Mapping) -> dict:
    """One table row of a run's summary (``summarize_run``).

    Columns: ``experiment``, ``point``, ``n``, ``seed``, ``c_x``, ``duration_s``,
    ``burn_in_s``; ``rate_exc_hz``, ``rate_inh_hz`` after the burn-in; ``exploded_at_s``
    (where a run ended by its rate cap stopped, NaN otherwise; such a run's rates and
    ``j_<c>`` are NaN and ``j_<c>_final`` are its weights at the stop); ``plastic`` (e.g.
    ``ei+ii``, or ``none``); the targets ``rho_ei_hz``, ``rho_ii_hz``; per connection c
    ``j_<c>_init``, ``j_<c>`` (mean weight after the burn-in: sampled synapses, time average;
    the final mean when nothing was recorded), ``j_<c>_final`` (mean over all synapses at
    the end) and ``j_<c>_rate_weighted`` (the final weights weighted by their presynaptic
    neuron's rate after the burn-in, ``stats.rate_weighted_mean_weights``); the mean-field
    predictions ``mf_rate_exc_hz``, ``mf_rate_inh_hz``, ``mf_j_<c>``
    (``meanfield.fixed_point``: the balanced state with the plasticity conditions at leading
    order, correlations neglected; NaN when it does not exist), the same with the spike-train
    covariance terms of the weight drift ``mf_cx_rate_exc_hz``, ``mf_cx_rate_inh_hz``,
    ``mf_cx_j_<c>`` (``fixed_point(..., correlations=True)``) and
    ``mf_static_rate_{exc,inh}_hz`` (balance with the initial weights); the fixed point's
    stability under the mean weight dynamics, ``mf_max_eigenvalue`` (largest real part, per ms
    and unit learning rate; ``meanfield.stability``) and ``mf_stable``; population spike-count
    correlations and covariances ``corr_*``, ``cov_*`` and the covariance prediction
    ``mf_cov_*`` (ee, ei, ii)."""
    params = dict(summary["params"])
    p = BalancedParams.from_dict(params)
    row = {
        "experiment": summary.get("experiment", ""),
        "point": summary.get("point", ""),
        "n": p.n,
        "seed": p.seed,
        "c_x": p.c_x,
        "duration_s": summary["duration_s"],
        "burn_in_s": summary["burn_in_s"],
        "rate_exc_hz": _number(summary["rate_exc_hz"]),
        "rate_inh_hz": _number(summary["rate_inh_hz"]),
        "exploded_at_s": _number(summary.get("exploded_at_s")),
        "plastic": "+".join(plastic_connections(p)) or "none",
        "rho_ei_hz": p.rho_ei_hz,
        "rho_ii_hz": p.rho_ii_hz,
    }
    final = summary.get("final_mean_weights") or {}
    recorded = summary.get("recorded_mean_weights_after_burn_in") or {}
    rate_weighted = summary.get("final_rate_weighted_mean_weights") or {}
    for c in CONNECTIONS:
        row[f"j_{c}_init"] = getattr(p, f"j_{c}")
        value = final.get(c)
        row[f"j_{c}_final"] = np.nan if value is None else float(value)
        value = recorded.get(c)
        if summary.get("exploded_at_s") is not None:
            row[f"j_{c}"] = np.nan  # no steady state; j_<c>_final holds the weights at the stop
        else:
            row[f"j_{c}"] = row[f"j_{c}_final"] if value is None else float(value)
        value = rate_weighted.get(c)
        row[f"j_{c}_rate_weighted"] = np.nan if value is None else float(value)
    fp = summary.get("meanfield_fixed_point") or {}
    fp_cx = summary.get("meanfield_fixed_point_correlated")
    if fp_cx is None:  # summaries written before it was added
        try:
            fp_cx = meanfield.fixed_point(p, correlations=True)
        except meanfield.MeanFieldError:
            fp_cx = {}
    for prefix, point in (("mf", fp), ("mf_cx", fp_cx)):
        row[f"{prefix}_rate_exc_hz"] = point.get("rate_exc_hz", np.nan)
        row[f"{prefix}_rate_inh_hz"] = point.get("rate_inh_hz", np.nan)
        for c in CONNECTIONS:
            row[f"{prefix}_j_{c}"] = point.get(f"j_{c}", np.nan)
    stab = summary.get("meanfield_stability") or {}
    row["mf_max_eigenvalue"] = stab.get("max_real", np.nan)
    row["mf_stable"] = stab.get("stable", np.nan)
    static = summary.get("meanfield_static") or {}
    row["mf_static_rate_exc_hz"] = static.get("rate_exc_hz", np.nan)
    row["mf_static_rate_inh_hz"] = static.get("rate_inh_hz", np.nan)
    row.update(_matrix_entries(summary.get("spike_count_corr"), "corr"))
    row.update(_matrix_entries(summary.get("spike_count_cov"), "cov"))
    row.update(_matrix_entries(summary.get("meanfield_spike_count_cov"), "mf_cov"))
    return row


def _sort_columns(experiment: str) -> list[str]:
    return [SCAN_COLUMN.get(experiment, "n"), "seed"]


def load_summary(item) -> Mapping:
    """A run's summary: ``item`` itself, or read from the JSON file ``item``."""
    return item if isinstance(item, Mapping) else json.loads(Path(item).read_text())


def gather_summaries(
    summaries: Iterable, *, experiment: str | None = None, scan: str | None = None
):
    """One row per summary (``summary_row``; dicts of ``summarize_run`` or their JSON files),
    sorted by the scanned value and seed; the
    scanned column comes first after ``experiment`` and ``point``. ``scan``: the
    ``BalancedParams`` field a sweep scans; its value goes into the column ``scanned`` (and
    the field's name into ``scan``), which then sorts the table."""
    rows = []
    for item in summaries:
        summary = load_summary(item)
        row = summary_row(summary)
        if scan is not None:
            row["scan"] = scan
            row["scanned"] = float(summary["params"][scan])
        rows.append(row)
    if not rows:
        raise ValueError("no summaries to gather")
    table = pd.DataFrame(rows)
    experiment = experiment or str(table["experiment"].iloc[0])
    keys = ["scanned", "seed"] if scan is not None else _sort_columns(experiment)
    table = table.sort_values(keys, kind="stable").reset_index(drop=True)
    first = ["experiment", "point", *(["scan"] if scan is not None else []), *keys]
    return table[first + [c for c in table.columns if c not in first]]


def gather_timecourses(paths: Sequence[str | os.PathLike], summaries: Sequence) -> pd.DataFrame:
    """The time courses of every run (``timecourse`` CSVs, in the order of their ``summaries``:
    dicts or JSON files), long format with the run's ``point``, ``seed`` and ``j_ei_init``
    (initial I→E strength) in front."""
    if len(paths) != len(summaries):
        raise ValueError(f"{len(paths)} time courses for {len(summaries)} summaries")
    parts = []
    for path, item in zip(paths, summaries, strict=True):
        summary = load_summary(item)
        tc = pd.read_csv(path)
        tc.insert(0, "seed", int(summary["params"]["seed"]))
        tc.insert(0, "c_x", float(summary["params"]["c_x"]))
        tc.insert(0, "j_ei_init", float(summary["params"]["j_ei"]))
        tc.insert(0, "point", summary.get("point", ""))
        parts.append(tc)
    if not parts:
        raise ValueError("no time courses to gather")
    table = pd.concat(parts, ignore_index=True)
    keys = ["j_ei_init", "c_x", "seed", "time_s"]
    return table.sort_values(keys, kind="stable").reset_index(drop=True)
