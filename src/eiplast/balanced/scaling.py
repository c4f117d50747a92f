"""How the size experiment's quantities scale with the network size N, and what each run cost.

Balanced-state theory predicts that the rates and (plastic) mean weights of a finite network
deviate from the mean-field values by O(N^(−1/2)) (docs/balanced.md, "Mean field"); the
size experiment measures them at several N. ``fit_power_law`` fits y = a·N^b by least squares
on log y against log N (scipy.stats.linregress) with a 95 % interval on the exponent b;
``size_scaling`` applies it to every quantity of a size table; ``run_costs`` reads the
Snakemake benchmark file of every run (wall and CPU seconds, peak resident memory) into one
table per N.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats as sps

from eiplast.balanced.experiments import load_summary
from eiplast.balanced.params import CONNECTIONS


def fit_power_law(n, y, *, confidence: float = 0.95) -> dict:
    """Fit y = prefactor · n^exponent to positive finite y (least squares in log–log).

    Returns dict ``exponent``, ``exponent_low``, ``exponent_high`` (the ``confidence``
    interval of the slope, Student t with len − 2 degrees of freedom; NaN with two points),
    ``prefactor``, ``r2``, ``n_points``, ``n_min``, ``n_max``. Raises ValueError with fewer
    than two usable points or fewer than two distinct n."""
    n = np.asarray(n, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    ok = np.isfinite(n) & np.isfinite(y) & (n > 0) & (y > 0)
    n, y = n[ok], y[ok]
    if n.size < 2 or np.unique(n).size < 2:
        raise ValueError(f"a power law needs two distinct sizes with positive values, got {n}")
    fit = sps.linregress(np.log(n), np.log(y))
    dof = n.size - 2
    half = sps.t.ppf(0.5 + confidence / 2, dof) * fit.stderr if dof > 0 else np.nan
    return {
        "exponent": float(fit.slope),
        "exponent_low": float(fit.slope - half),
        "exponent_high": float(fit.slope + half),
        "prefactor": float(np.exp(fit.intercept)),
        "r2": float(fit.rvalue**2),
        "n_points": int(n.size),
        "n_min": float(n.min()),
        "n_max": float(n.max()),
    }


def scaling_quantities(table: pd.DataFrame) -> dict[str, pd.Series]:
    """The per-run quantities of a size table (``experiments.gather_summaries``) whose scaling
    with N is fitted: the relative distance |x/x_MF − 1| of the E and I rates and of the mean
    weight of every plastic connection to the mean-field fixed point (``dist_rate_exc``,
    ``dist_rate_inh``, ``dist_j_<c>``), and the mean spike-count correlations and covariances
    (``corr_ee`` …, ``cov_ii``) as they are."""
    out = {}
    plastic = set()
    for value in table.get("plastic", pd.Series(dtype=str)).dropna().astype(str):
        plastic.update(value.split("+"))
    series = [(f"rate_{pop}", f"rate_{pop}_hz", f"mf_rate_{pop}_hz") for pop in ("exc", "inh")]
    series += [(f"j_{c}", f"j_{c}", f"mf_j_{c}") for c in CONNECTIONS if c in plastic]
    for name, column, mf_column in series:
        if column in table.columns and mf_column in table.columns:
            with np.errstate(invalid="ignore", divide="ignore"):
                out[f"dist_{name}"] = (table[column] / table[mf_column] - 1.0).abs()
    for kind in ("corr", "cov"):
        for pair in ("ee", "ei", "ii"):
            if f"{kind}_{pair}" in table.columns:
                out[f"{kind}_{pair}"] = table[f"{kind}_{pair}"]
    return out


def size_scaling(table: pd.DataFrame) -> pd.DataFrame:
    """One row per quantity of ``scaling_quantities`` with its power-law fit against N over
    every run (seeds as repeated points; ``fit_power_law``) and ``n_nonpositive``, the runs
    left out because the value was not positive (a correlation can be negative). Quantities
    with fewer than two usable sizes are left out."""
    rows = []
    for name, values in scaling_quantities(table).items():
        values = pd.to_numeric(values, errors="coerce")
        try:
            fit = fit_power_law(table["n"], values)
        except ValueError:
            continue
        rows.append({"quantity": name, **fit, "n_nonpositive": int((values <= 0).sum())})
    columns = ["quantity", "exponent", "exponent_low", "exponent_high", "prefactor", "r2",
               "n_points", "n_min", "n_max", "n_nonpositive"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def read_benchmark(path) -> dict:
    """The last row of a Snakemake benchmark file (tab-separated, columns ``s``, ``max_rss``
    in MB, ``cpu_time`` …): dict wall_s, cpu_s, max_rss_mb (NaN where not measured)."""
    table = pd.read_csv(path, sep="\t")
    if table.empty:
        raise ValueError(f"{path}: empty benchmark file")
    row = table.iloc[-1]

    def value(column):
        v = pd.to_numeric(pd.Series([row.get(column, np.nan)]), errors="coerce").iloc[0]
        return float(v)

    return {"wall_s": value("s"), "cpu_s": value("cpu_time"), "max_rss_mb": value("max_rss")}


def run_costs(summary_files: Sequence, benchmark_files: Sequence) -> pd.DataFrame:
    """Time and peak memory of every run of an experiment: the run's N, seed and simulated
    seconds (from its summary: a dict or its JSON file) beside its benchmark
    (``read_benchmark``), with wall and CPU seconds per simulated second.
    ``benchmark_files[k]`` belongs to ``summary_files[k]``. Sorted by N and seed."""
    if len(summary_files) != len(benchmark_files):
        raise ValueError(f"{len(benchmark_files)} benchmarks for {len(summary_files)} summaries")
    rows = []
    for item, bench_path in zip(summary_files, benchmark_files, strict=True):
        summary = load_summary(item)
        params = summary["params"]
        cost = read_benchmark(bench_path)
        duration = float(summary["duration_s"])
        rows.append({
            "point": summary.get("point", ""),
            "n": int(params["n"]),
            "seed": int(params["seed"]),
            "duration_s": duration,
            **cost,
            "wall_s_per_simulated_s": cost["wall_s"] / duration,
            "cpu_s_per_simulated_s": cost["cpu_s"] / duration,
        })  # fmt: skip
    return pd.DataFrame(rows).sort_values(["n", "seed"], kind="stable").reset_index(drop=True)
