"""Figures of the balanced-network experiments (Akil et al. 2021; ``experiments``).

Every function takes the tables of ``experiments`` (``gather_summaries``,
``gather_timecourses``) and returns a matplotlib ``Figure`` in the project style of
``eiplast.analysis.style``; write it with ``eiplast.analysis.style.save_figure``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from eiplast.analysis.style import EXC_COLOR, INH_COLOR, NEUTRAL, new_figure, styled
from eiplast.balanced.params import CONNECTIONS

# connections are named post ← pre (``ie`` = E→I synapses)
CONNECTION_LABELS = {"ee": "E→E", "ie": "E→I", "ei": "I→E", "ii": "I→I"}
CONNECTION_COLORS = {"ee": EXC_COLOR, "ie": "#e67e22", "ei": INH_COLOR, "ii": "#8e44ad"}
POPULATIONS = (("exc", "E", EXC_COLOR), ("inh", "I", INH_COLOR))
CORRELATION_PAIRS = (("ee", "E–E", EXC_COLOR), ("ei", "E–I", "#e67e22"), ("ii", "I–I", INH_COLOR))


def _require(table: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{what} lacks columns {missing}")


def _plastic(table: pd.DataFrame, connections: Sequence[str] | None) -> list[str]:
    """The connections to draw: given, else the plastic ones of the table (every run's
    ``plastic`` column), else all four."""
    if connections is not None:
        unknown = [c for c in connections if c not in CONNECTIONS]
        if unknown:
            raise ValueError(f"unknown connections {unknown}; expected some of {CONNECTIONS}")
        return list(connections)
    found = set()
    if "plastic" in table.columns:
        for value in table["plastic"].dropna().astype(str):
            found.update(c for c in value.split("+") if c in CONNECTIONS)
    return [c for c in CONNECTIONS if c in found] or list(CONNECTIONS)


def _mean_sd(table: pd.DataFrame, by: str, column: str):
    """(x, mean, s.d.) of ``column`` over the rows (seeds) of each value of ``by``."""
    grouped = table.groupby(by, sort=True)[column]
    mean = grouped.mean()
    sd = grouped.std(ddof=1).fillna(0.0)
    return mean.index.to_numpy(dtype=float), mean.to_numpy(), sd.to_numpy()


def _prediction(table: pd.DataFrame, column: str) -> float | None:
    """The mean-field value of ``column`` when it is the same for every row, else None."""
    if column not in table.columns:
        return None
    values = pd.to_numeric(table[column], errors="coerce").dropna().unique()
    if len(values) == 0 or np.ptp(values) > 1e-9 * max(1.0, np.abs(values).max()):
        return None
    return float(values[0])


def _log_x(ax, values) -> None:
    """Logarithmic x axis labelled at ``values`` only."""
    ax.set_xscale("log")
    ax.set_xticks(values)
    ax.set_xticklabels([f"{v:g}" for v in values])
    ax.xaxis.set_minor_formatter(NullFormatter())


def _points(ax, table, by, column, color, label, *, log_x=False, prediction_column=None,
            predictions=()):  # fmt: skip
    """Mean ± s.d. over seeds against ``by`` and mean-field values: ``prediction_column``
    dashed, and each (column, line style) of ``predictions``; a horizontal line when the value
    is the same for every row, else a curve along ``by``."""
    x, mean, sd = _mean_sd(table, by, column)
    ax.errorbar(x, mean, yerr=sd, color=color, marker="o", ms=3, capsize=2, label=label)
    lines = ([(prediction_column, "--")] if prediction_column else []) + list(predictions)
    for pred, style in lines:
        if pred not in table.columns or table[pred].isna().all():
            continue
        fixed = _prediction(table, pred)
        if fixed is not None:
            ax.axhline(fixed, color=color, ls=style, lw=0.9)
        else:
            px, pm, _ = _mean_sd(table.dropna(subset=[pred]), by, pred)
            ax.plot(px, pm, color=color, ls=style, lw=0.9)
    if log_x:
        _log_x(ax, x)


@styled
def size_figure(
    table: pd.DataFrame,
    *,
    connections: Sequence[str] | None = None,
    scaling: pd.DataFrame | None = None,
) -> Figure:
    """Rates, mean weights, correlations and covariances against the network size N, with the
    mean field.

    ``table``: ``experiments.gather_summaries`` of the ``size`` experiment (one row per N and
    seed; seeds are averaged, bars are their s.d.). Top row: E and I rates after the burn-in;
    the mean weights of ``connections`` (default: the plastic ones) in j units; the relative
    distance |x/x_MF − 1| of both against N, log–log (rates dash-dotted, weights solid), with
    the fitted exponents of ``scaling`` (``scaling.size_scaling``) in the legend and an
    N^(−1/2) guide. Dashed: the balanced fixed point (``meanfield.fixed_point``). Bottom row:
    the mean spike-count correlations and covariances (E–E, E–I, I–I; log–log of their
    absolute value, open markers where negative) with their fitted exponents, the covariances
    with the leading-order prediction (dashed, ``mf_cov_*``); the table of fitted exponents."""
    _require(table, ["n", "rate_exc_hz", "rate_inh_hz", "mf_rate_exc_hz", "mf_rate_inh_hz"],
             "size table")  # fmt: skip
    conns = _plastic(table, connections)
    fits = {} if scaling is None else scaling.set_index("quantity")["exponent"].to_dict()
    fig, axes = new_figure(2, 3, width=2.8, height=2.6)
    ax_rate, ax_w, ax_err = axes[0]
    ax_corr, ax_cov, ax_fits = axes[1]
    for pop, name, color in POPULATIONS:
        _points(ax_rate, table, "n", f"rate_{pop}_hz", color, name, log_x=True,
                prediction_column=f"mf_rate_{pop}_hz")  # fmt: skip
    ax_rate.set_xlabel("network size N")
    ax_rate.set_ylabel("rate after burn-in (Hz)")
    ax_rate.set_title("rates (dashed: mean field)")
    ax_rate.legend()
    for c in conns:
        _points(ax_w, table, "n", f"j_{c}", CONNECTION_COLORS[c], CONNECTION_LABELS[c],
                log_x=True, prediction_column=f"mf_j_{c}")  # fmt: skip
    ax_w.set_xlabel("network size N")
    ax_w.set_ylabel("mean weight j = J·√N")
    ax_w.set_title("mean weights (dashed: mean field)")
    ax_w.legend()
    series = [(f"rate_{pop}_hz", f"mf_rate_{pop}_hz", f"{name} rate", color, "o", "-.",
               f"dist_rate_{pop}") for pop, name, color in POPULATIONS]  # fmt: skip
    series += [(f"j_{c}", f"mf_j_{c}", CONNECTION_LABELS[c], CONNECTION_COLORS[c], "s", "-",
                f"dist_j_{c}") for c in conns]  # fmt: skip
    n_all = np.sort(table["n"].unique()).astype(float)
    scale = []
    for column, mf_column, label, color, marker, style, quantity in series:
        if mf_column not in table.columns:
            continue
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = (table[column] / table[mf_column] - 1.0).abs()
        sub = pd.DataFrame({"n": table["n"], "rel": rel}).dropna()
        if sub.empty:
            continue
        x, mean, _ = _mean_sd(sub, "n", "rel")
        if quantity in fits:
            label = f"{label} (N^{fits[quantity]:.2f})"
        ax_err.plot(x, mean, marker=marker, ms=3, ls=style, color=color, label=label)
        scale.append(mean[0] * np.sqrt(x[0]))
    if scale and len(n_all) > 1:
        ref = np.nanmedian(scale)
        ax_err.plot(n_all, ref / np.sqrt(n_all), color=NEUTRAL, ls=":", label="∝ N^(−1/2)")
    _log_x(ax_err, n_all)
    ax_err.set_yscale("log")
    ax_err.set_xlabel("network size N")
    ax_err.set_ylabel("|simulated / mean field − 1|")
    ax_err.set_title("distance to the mean field")
    ax_err.legend()
    _pairs_against_n(ax_corr, table, fits, n_all, "corr", "|mean spike-count correlation|",
                     "correlations (open: negative)")  # fmt: skip
    _pairs_against_n(ax_cov, table, fits, n_all, "cov", "|mean spike-count covariance|",
                     "covariances (dashed: mean field)")  # fmt: skip
    _fits_table(ax_fits, scaling)
    return fig


def _fits_table(ax, scaling: pd.DataFrame | None) -> None:
    """The fitted exponents (95 % interval) of ``scaling.size_scaling`` as text."""
    ax.axis("off")
    ax.set_title("power laws y ∝ N^b (95 % interval)")
    if scaling is None or scaling.empty:
        ax.text(0.5, 0.5, "fewer than two sizes", transform=ax.transAxes, ha="center")
        return
    lines = [f"{row.quantity:<14} {row.exponent:+.2f} [{row.exponent_low:+.2f}, "
             f"{row.exponent_high:+.2f}]" for row in scaling.itertuples()]  # fmt: skip
    ax.text(0.0, 1.0, "\n".join(lines), transform=ax.transAxes, va="top", family="monospace",
            fontsize="small")  # fmt: skip


@styled
def costs_figure(costs: pd.DataFrame) -> Figure:
    """Time and peak memory of the size experiment's runs against N (``scaling.run_costs``):
    CPU and wall seconds per simulated second (log–log) and the peak resident memory."""
    _require(costs, ["n", "cpu_s_per_simulated_s", "wall_s_per_simulated_s", "max_rss_mb"],
             "cost table")  # fmt: skip
    fig, axes = new_figure(1, 2, width=2.8, height=2.6)
    ax_time, ax_mem = axes[0]
    n_all = np.sort(costs["n"].unique()).astype(float)
    for column, label, style in (("cpu_s_per_simulated_s", "CPU", "-"),
                                 ("wall_s_per_simulated_s", "wall", "--")):  # fmt: skip
        ok = costs.dropna(subset=[column])
        if not ok.empty:
            x, mean, _ = _mean_sd(ok, "n", column)
            ax_time.plot(x, mean, marker="o", ms=3, ls=style, color="black", label=label)
    ok = costs.dropna(subset=["max_rss_mb"])
    if not ok.empty:
        x, mean, _ = _mean_sd(ok, "n", "max_rss_mb")
        ax_mem.plot(x, mean / 1000.0, marker="o", ms=3, color="black")
        _log_y_if_wide(ax_mem, mean)
    _log_y_if_wide(ax_time, costs["cpu_s_per_simulated_s"].to_numpy())
    for ax in (ax_time, ax_mem):
        _log_x(ax, n_all)
        ax.set_xlabel("network size N")
    ax_time.set(ylabel="s per simulated s", title="time per simulated second")
    ax_time.legend()
    ax_mem.set(ylabel="peak resident memory (GB)", title="peak memory of a run")
    return fig


def _pairs_against_n(ax, table, fits, n_all, kind, ylabel, title) -> None:
    """Mean |spike-count ``kind``| (corr or cov) per pair type against N (log–log; open
    markers where the seed-averaged mean is negative), the fitted exponents in the legend and,
    for covariances, the mean-field prediction ``mf_cov_*`` dashed."""
    drawn = False
    for pair, name, color in CORRELATION_PAIRS:
        column = f"{kind}_{pair}"
        if column not in table.columns or table[column].isna().all():
            continue
        x, mean, _ = _mean_sd(table.dropna(subset=[column]), "n", column)
        label = name if column not in fits else f"{name} (N^{fits[column]:.2f})"
        ax.plot(x, np.abs(mean), color=color, ls="-", lw=0.9, label=label)
        negative = mean < 0
        ax.plot(x[~negative], mean[~negative], ls="none", marker="o", ms=3, color=color)
        ax.plot(x[negative], -mean[negative], ls="none", marker="o", ms=3, mfc="white",
                color=color)  # fmt: skip
        prediction = f"mf_{column}"
        if kind == "cov" and prediction in table.columns and table[prediction].notna().any():
            px, pm, _ = _mean_sd(table.dropna(subset=[prediction]), "n", prediction)
            ax.plot(px, np.abs(pm), color=color, ls="--", lw=0.9)
        drawn = True
    if drawn:
        ax.set_yscale("log")
        ax.legend()
    _log_x(ax, n_all)
    ax.set(xlabel="network size N", ylabel=ylabel, title=title)


@styled
def sweep_figure(
    table: pd.DataFrame,
    timecourse: pd.DataFrame,
    *,
    scan: str,
    title: str = "",
    connections: Sequence[str] | None = None,
) -> Figure:
    """One sweep of ``balanced.sweeps``: everything against the scanned parameter ``scan``.

    ``table``: ``experiments.gather_summaries(..., scan=scan)`` (column ``scanned``; seeds
    averaged, bars their s.d.); ``timecourse``: ``experiments.gather_timecourses`` with a
    ``scanned`` column. Top: E and I rates after the burn-in (dashed: the plastic fixed point,
    dotted: the static balance with each run's initial weights; red × at the top: runs that
    exploded, ``exploded_at_s``, whose rates and weights have no steady state; their time
    courses leave the axes of the bottom row, scaled to the runs that settled); the mean weights of
    ``connections`` (default: the plastic ones; circles the sampled time average, diamonds
    the rate-weighted final mean; dashed/dash-dotted: the mean field without/with covariance
    terms); the spike-count covariances (dashed: the leading-order prediction ``mf_cov_*``).
    Bottom: spike-count correlations; the E rate and the mean weight of the first drawn
    connection over time, one line per run coloured by the scanned value."""
    _require(table, ["scanned", "rate_exc_hz", "rate_inh_hz"], "sweep table")
    _require(timecourse, ["scanned", "seed", "time_s", "rate_exc_hz"], "sweep time course")
    conns = _plastic(table, connections)
    fig, axes = new_figure(2, 3, width=2.8, height=2.5)
    ax_rate, ax_w, ax_cov = axes[0]
    ax_corr, ax_rate_t, ax_w_t = axes[1]
    for pop, name, color in POPULATIONS:
        _points(ax_rate, table, "scanned", f"rate_{pop}_hz", color, name,
                prediction_column=f"mf_rate_{pop}_hz",
                predictions=[(f"mf_static_rate_{pop}_hz", ":")])  # fmt: skip
    if "exploded_at_s" in table.columns and table["exploded_at_s"].notna().any():
        blown = table.dropna(subset=["exploded_at_s"])
        ax_rate.plot(blown["scanned"], np.full(len(blown), 0.97), ls="none", marker="x", ms=6,
                     mew=1.5, color="red", transform=ax_rate.get_xaxis_transform(),
                     label="exploded (rate cap)")  # fmt: skip
    # a static balance that diverges (weak inhibition) leaves the axis: scaled to the runs and
    # the fixed point
    shown = [table[c] for c in ("rate_exc_hz", "rate_inh_hz", "mf_rate_exc_hz", "mf_rate_inh_hz")
             if c in table.columns]  # fmt: skip
    rates = np.concatenate([np.asarray(v, dtype=float) for v in shown])
    rates = rates[np.isfinite(rates)]
    if rates.size and ax_rate.get_ylim()[1] > 2.0 * rates.max():
        ax_rate.set_ylim(0.0, 1.4 * rates.max())
    ax_rate.set(xlabel=scan, ylabel="rate after burn-in (Hz)",
                title=f"{title}: rates (--: fixed point, ··: static)")  # fmt: skip
    ax_rate.legend()
    for c in conns:
        color = CONNECTION_COLORS[c]
        _points(ax_w, table, "scanned", f"j_{c}", color, CONNECTION_LABELS[c],
                prediction_column=f"mf_j_{c}", predictions=[(f"mf_cx_j_{c}", "-.")])  # fmt: skip
        column = f"j_{c}_rate_weighted"
        if column in table.columns and table[column].notna().any():
            ok = table.dropna(subset=[column])
            ax_w.plot(ok["scanned"], ok[column], ls="none", marker="D", ms=3, color=color,
                      mec="black", mew=0.4)  # fmt: skip
    ax_w.set(xlabel=scan, ylabel="mean weight j = J·√N", title="mean weights (◆ rate-weighted)")
    ax_w.legend()
    for pair, name, color in CORRELATION_PAIRS:
        if f"cov_{pair}" in table.columns and table[f"cov_{pair}"].notna().any():
            _points(ax_cov, table.dropna(subset=[f"cov_{pair}"]), "scanned", f"cov_{pair}",
                    color, name, prediction_column=f"mf_cov_{pair}")  # fmt: skip
        if f"corr_{pair}" in table.columns and table[f"corr_{pair}"].notna().any():
            _points(ax_corr, table.dropna(subset=[f"corr_{pair}"]), "scanned", f"corr_{pair}",
                    color, name)  # fmt: skip
    ax_cov.set(xlabel=scan, ylabel="mean spike-count covariance", title="covariances")
    ax_corr.set(xlabel=scan, ylabel="mean spike-count correlation", title="correlations")
    for ax in (ax_cov, ax_corr):
        if ax.get_legend_handles_labels()[0]:
            ax.legend()
    values = np.sort(timecourse["scanned"].unique())
    cmap = colormaps["viridis"]
    first_conn = conns[0]
    blown = set()
    if "exploded_at_s" in table.columns:
        blown = set(table.loc[table["exploded_at_s"].notna(), "scanned"])
    settled = {ax_rate_t: [], ax_w_t: []}
    for (value, _seed), run in timecourse.groupby(["scanned", "seed"], sort=True):
        k = int(np.searchsorted(values, value))
        color = cmap(k / max(1, len(values) - 1) * 0.9)
        for ax, column in ((ax_rate_t, "rate_exc_hz"), (ax_w_t, f"j_{first_conn}")):
            if column in run.columns:
                ax.plot(run["time_s"], run[column], color=color, lw=0.7)
                if value not in blown:
                    settled[ax].append(run[column].to_numpy(dtype=float))
    # exploded runs leave the axes: the scale is that of the runs that settled
    for ax, runs in settled.items():
        finite = np.concatenate(runs)[np.isfinite(np.concatenate(runs))] if runs else []
        if blown and len(finite):
            lo, hi = float(np.min(finite)), float(np.max(finite))
            pad = 0.15 * max(hi - lo, 0.1 * max(abs(lo), abs(hi)), 1e-9)
            ax.set_ylim(lo - pad, hi + pad)
    ax_rate_t.set(xlabel="time (s)", ylabel="E rate (Hz)", title=f"E rate (colour: {scan})")
    ax_w_t.set(xlabel="time (s)", ylabel=f"mean {CONNECTION_LABELS[first_conn]} weight",
               title="sampled synapses over time")  # fmt: skip
    if len(values) > 1:
        scale = ScalarMappable(Normalize(0.0, 1.0 / 0.9), cmap)
        bar = fig.colorbar(scale, ax=ax_w_t, fraction=0.08)
        ticks = np.unique(np.linspace(0, len(values) - 1, min(5, len(values))).round().astype(int))
        bar.set_ticks(ticks / max(1, len(values) - 1))
        bar.set_ticklabels([f"{values[k]:g}" for k in ticks])
        bar.set_label(scan)
    return fig


def _log_y_if_wide(ax, values) -> None:
    """Logarithmic y axis when the positive ``values`` span more than a factor of ten."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v) & (v > 0)]
    if v.size and v.max() > 10 * v.min():
        ax.set_yscale("log")


@styled
def distributions_figure(summaries: Sequence[dict], *, scan: str, label: str) -> Figure:
    """Distributions of every run of an experiment: the final weights of each connection
    (j units; static connections are a single value) and the pairwise spike-count
    correlations of E–E, E–I and I–I pairs, one line (density) per run, coloured by the
    scanned value.

    ``summaries``: run summaries (``experiments.summarize_run``) with ``weight_histograms``
    and ``correlation_histograms`` (``stats.histogram``); ``scan``: the ``params`` field the
    experiment scans (``n``, ``j_ei``, ``c_x``); ``label``: its name in the legend."""
    runs = [s for s in summaries if s.get("weight_histograms") or s.get("correlation_histograms")]
    if not runs:
        raise ValueError("no summary holds weight or correlation histograms")
    runs = sorted(runs, key=lambda s: (float(s["params"][scan]), int(s["params"]["seed"])))
    values = sorted({float(s["params"][scan]) for s in runs})
    cmap = colormaps["viridis"]

    def color(value):
        return cmap(values.index(value) / max(1, len(values) - 1) * 0.9)

    fig, axes = new_figure(2, 4, width=2.4, height=2.2)
    panels = [("weight_histograms", c, f"{CONNECTION_LABELS[c]} weight j = J·√N")
              for c in CONNECTIONS]  # fmt: skip
    panels += [("correlation_histograms", pair, f"{name} spike-count correlation")
               for pair, name, _ in CORRELATION_PAIRS]  # fmt: skip
    seen = set()
    for ax, (key, part, xlabel) in zip(axes.flat, panels, strict=False):
        for summary in runs:
            hist = (summary.get(key) or {}).get(part)
            if not hist:
                continue
            value = float(summary["params"][scan])
            edges = np.asarray(hist["edges"], dtype=np.float64)
            first = value not in seen
            seen.add(value)
            legend = f"{label} = {value:g}" if first else None
            if edges[0] == edges[-1]:  # every weight the same: a static connection
                ax.axvline(edges[0], color=color(value), lw=0.9, label=legend)
                ax.set_title("static", fontsize="small")
                continue
            counts = np.asarray(hist["counts"], dtype=np.float64)
            density = counts / max(1.0, counts.sum()) / np.diff(edges)
            ax.stairs(density, edges, color=color(value), lw=0.9, label=legend)
        ax.set(xlabel=xlabel, ylabel="density")
    axes.flat[-1].axis("off")
    handles, labels = [], []
    for ax in axes.flat[:-1]:
        h, lab = ax.get_legend_handles_labels()
        handles += h
        labels += lab
    if handles:
        axes.flat[-1].legend(handles, labels, loc="center")
    return fig


@styled
def istdp_figure(
    timecourse: pd.DataFrame,
    table: pd.DataFrame | None = None,
    *,
    rho_ei_hz: float | None = None,
) -> Figure:
    """I→E iSTDP from several initial strengths: E rate and mean j_ei over time.

    ``timecourse``: ``experiments.gather_timecourses`` (columns ``j_ei_init``, ``seed``,
    ``time_s``, ``rate_exc_hz``, ``j_ei``); one colour per initial j_ei, one line per seed.
    Dashed: the target ρ_ei (``rho_ei_hz``, else the table's) and the mean-field I→E weight
    ``mf_j_ei`` of ``table`` (``gather_summaries``; homogeneous rates). Diamonds at the end: the
    table's final rate-weighted I→E weight ``j_ei_rate_weighted`` of every run (the inhibition
    E neurons receive; the plain mean keeps the initial weights of silent I neurons)."""
    _require(timecourse, ["j_ei_init", "seed", "time_s", "rate_exc_hz", "j_ei"], "time course")
    if rho_ei_hz is None and table is not None and "rho_ei_hz" in table.columns:
        rho_ei_hz = _prediction(table, "rho_ei_hz")
    fig, axes = new_figure(1, 2, width=3.4, height=2.6)
    ax_rate, ax_w = axes[0]
    inits = np.sort(timecourse["j_ei_init"].unique())
    cmap = colormaps["viridis"]
    for k, init in enumerate(inits):
        color = cmap(k / max(1, len(inits) - 1) * 0.9)
        runs = timecourse[timecourse["j_ei_init"] == init]
        for s, (_, run) in enumerate(runs.groupby("seed", sort=True)):
            label = f"j_ei(0) = {init:g}" if s == 0 else None
            ax_rate.plot(run["time_s"], run["rate_exc_hz"], color=color, lw=0.9, label=label)
            ax_w.plot(run["time_s"], run["j_ei"], color=color, lw=0.9, label=label)
    if rho_ei_hz is not None:
        ax_rate.axhline(rho_ei_hz, color=NEUTRAL, ls="--", lw=0.9, label=f"ρ_ei = {rho_ei_hz:g} Hz")
    if table is not None and {"j_ei_init", "j_ei_rate_weighted"} <= set(table.columns):
        t_end = timecourse["time_s"].max()
        for k, init in enumerate(inits):
            values = table.loc[np.isclose(table["j_ei_init"], init), "j_ei_rate_weighted"]
            values = values[np.isfinite(values)]
            label = "rate-weighted, end" if k == 0 else None
            ax_w.plot(np.full(len(values), t_end), values, ls="none", marker="D", ms=4,
                      color=cmap(k / max(1, len(inits) - 1) * 0.9), mec="black", mew=0.5,
                      label=label, clip_on=False)  # fmt: skip
    mf = _prediction(table, "mf_j_ei") if table is not None else None
    if mf is not None:
        ax_w.axhline(mf, color=NEUTRAL, ls="--", lw=0.9, label=f"mean field {mf:.1f}")
    ax_rate.set_xlabel("time (s)")
    ax_rate.set_ylabel("E rate (Hz)")
    ax_rate.set_title("E rate → target ρ_ei")
    ax_rate.legend()
    ax_w.set_xlabel("time (s)")
    ax_w.set_ylabel("mean I→E weight j_ei = J·√N")
    ax_w.set_title("I→E weights (sampled synapses)")
    ax_w.legend()
    return fig


@styled
def correlation_figure(table: pd.DataFrame, *, connections: Sequence[str] | None = None) -> Figure:
    """Mean weights, rates and spike-count correlations against the input correlation c_x.

    ``table``: ``experiments.gather_summaries`` of the ``correlation`` experiment (seeds
    averaged, bars their s.d.). Dashed: the mean-field fixed point that neglects correlations
    (``mf_*``, flat in c_x); dash-dotted: the fixed point with the spike-train covariance terms
    of the weight drift (``mf_cx_*``, ``meanfield.fixed_point(..., correlations=True)``)."""
    _require(table, ["c_x", "rate_exc_hz", "rate_inh_hz", "corr_ee", "corr_ei", "corr_ii"],
             "correlation table")  # fmt: skip
    conns = _plastic(table, connections)
    fig, axes = new_figure(1, 3, width=2.8, height=2.6)
    ax_w, ax_rate, ax_corr = axes[0]
    for c in conns:
        _points(ax_w, table, "c_x", f"j_{c}", CONNECTION_COLORS[c], CONNECTION_LABELS[c],
                prediction_column=f"mf_j_{c}", predictions=[(f"mf_cx_j_{c}", "-.")])  # fmt: skip
    ax_w.set_xlabel("input correlation c_x")
    ax_w.set_ylabel("mean weight j = J·√N")
    ax_w.set_title("mean weights")
    for pop, name, color in POPULATIONS:
        _points(ax_rate, table, "c_x", f"rate_{pop}_hz", color, name,
                prediction_column=f"mf_rate_{pop}_hz",
                predictions=[(f"mf_cx_rate_{pop}_hz", "-.")])  # fmt: skip
    ax_rate.set_xlabel("input correlation c_x")
    ax_rate.set_ylabel("rate after burn-in (Hz)")
    ax_rate.set_title("rates")
    for ax in (ax_w, ax_rate):
        ax.plot([], [], color=NEUTRAL, ls="--", lw=0.9, label="mean field")
        ax.plot([], [], color=NEUTRAL, ls="-.", lw=0.9, label="with covariances")
        ax.legend()
    for pair, name, color in CORRELATION_PAIRS:
        _points(ax_corr, table, "c_x", f"corr_{pair}", color, name)
    ax_corr.set_xlabel("input correlation c_x")
    ax_corr.set_ylabel("mean spike-count correlation")
    ax_corr.set_title("spike-count correlations")
    ax_corr.legend()
    return fig


@styled
def optogenetics_figure(
    timecourse: pd.DataFrame, *, window_s: tuple[float, float], rho_ei_hz: float | None = None
) -> Figure:
    """Stimulation of a fraction of the E neurons (the package's MATLAB optogenetics scripts),
    one row per input correlation c_x: the rates of the stimulated and the other E neurons and
    of the I neurons over time, and the mean recorded I→E weight onto each E group (the
    stimulation window shaded; dashed: the iSTDP target ρ_ei).

    ``timecourse``: ``experiments.gather_timecourses`` of the runs (columns ``c_x``, ``seed``,
    ``time_s``, ``rate_stim_hz``, ``rate_unstim_hz``, ``rate_inh_hz``, ``j_ei_stim``,
    ``j_ei_unstim``)."""
    _require(timecourse, ["c_x", "seed", "time_s", "rate_stim_hz", "rate_unstim_hz",
                          "rate_inh_hz", "j_ei_stim", "j_ei_unstim"], "time course")  # fmt: skip
    values = np.sort(timecourse["c_x"].unique())
    fig, axes = new_figure(len(values), 2, width=3.4, height=2.3)
    axes = np.atleast_2d(axes)
    groups = (("stim", "stimulated E", EXC_COLOR), ("unstim", "other E", "#f1948a"))
    for row, c_x in enumerate(values):
        runs = timecourse[timecourse["c_x"] == c_x]
        ax_rate, ax_w = axes[row]
        for ax in (ax_rate, ax_w):
            ax.axvspan(*window_s, color=NEUTRAL, alpha=0.15, lw=0)
        for s, (_, run) in enumerate(runs.groupby("seed", sort=True)):
            for name, label, color in groups:
                ax_rate.plot(run["time_s"], run[f"rate_{name}_hz"], color=color, lw=0.9,
                             label=label if s == 0 else None)  # fmt: skip
                ax_w.plot(run["time_s"], run[f"j_ei_{name}"], color=color, lw=0.9,
                          label=f"onto {label}" if s == 0 else None)  # fmt: skip
            ax_rate.plot(run["time_s"], run["rate_inh_hz"], color=INH_COLOR, lw=0.7,
                         label="I" if s == 0 else None)  # fmt: skip
        if rho_ei_hz is not None:
            ax_rate.axhline(
                rho_ei_hz, color=NEUTRAL, ls="--", lw=0.8, label=f"ρ_ei = {rho_ei_hz:g} Hz"
            )
        ax_rate.set(xlabel="time (s)", ylabel="rate (Hz)", title=f"c_x = {c_x:g}")
        ax_w.set(xlabel="time (s)", ylabel="mean I→E weight j_ei = J·√N",
                 title="I→E weights (sampled synapses)")  # fmt: skip
        ax_rate.legend()
        ax_w.legend()
    return fig


@styled
def balance_figure(
    timecourse: pd.DataFrame,
    *,
    title: str,
    raster: dict | None = None,
    n_shown: tuple[int, int] = (200, 50),
    marked_exc: int = 0,
) -> Figure:
    """E/I balance over time in one run: the mean recorded excitatory, inhibitory, external and
    total input current of the sampled E neurons (left) and I neurons (right), mV/ms
    (``experiments.timecourse``: columns ``i_e_exc`` … ``i_total_inh``). In the balanced state
    the large excitatory and inhibitory inputs cancel to a small total.

    ``raster``: a span of the run's spikes (``stats.spike_window``), drawn below as a raster of
    ``n_shown`` (E, I) neurons spread evenly over each population (E below, I above);
    ``marked_exc``: E neurons with indices below it (the stimulated ones) are drawn darker."""
    _require(timecourse, ["time_s"] + [f"{c}_{pop}" for pop in ("exc", "inh")
                                       for c in ("i_e", "i_i", "i_x", "i_total")],
             "time course")  # fmt: skip
    rows = 2 if raster is not None else 1
    fig, axes = new_figure(rows, 2, width=3.2, height=2.4)
    lines = (("i_e", "excitatory", EXC_COLOR, "-"), ("i_i", "inhibitory", INH_COLOR, "-"),
             ("i_x", "external", "#e67e22", "-"), ("i_total", "total", "black", "--"))  # fmt: skip
    for ax, (pop, label) in zip(axes[0], (("exc", "E neurons"), ("inh", "I neurons")), strict=True):
        for column, name, color, style in lines:
            ax.plot(timecourse["time_s"], timecourse[f"{column}_{pop}"], color=color, ls=style,
                    lw=0.9, label=name)  # fmt: skip
        ax.axhline(0.0, color=NEUTRAL, lw=0.5)
        ax.set(xlabel="time (s)", ylabel="mean input current (mV/ms)", title=f"{title}: {label}")
        ax.legend()
    if raster is not None:
        gs = axes[1, 0].get_gridspec()
        for ax in axes[1]:
            ax.remove()
        _raster(fig.add_subplot(gs[1, :]), raster, n_shown, marked_exc)
    return fig


def _raster(ax, raster: dict, n_shown: tuple[int, int], marked_exc: int) -> None:
    """Raster of ``n_shown`` (E, I) neurons spread evenly over each population."""
    n_exc, n_inh = raster["n_exc"], raster["n_inh"]
    shown_e = np.unique(np.linspace(0, n_exc - 1, min(n_shown[0], n_exc)).astype(np.int64))
    shown_i = n_exc + np.unique(np.linspace(0, n_inh - 1, min(n_shown[1], n_inh)).astype(np.int64))
    row = np.full(n_exc + n_inh, -1, dtype=np.int64)
    row[shown_e] = np.arange(len(shown_e))
    row[shown_i] = len(shown_e) + np.arange(len(shown_i))
    neuron, t = np.asarray(raster["neuron"]), np.asarray(raster["step"]) * raster["dt_ms"] / 1e3
    y = row[neuron]
    keep = y >= 0
    exc = neuron < n_exc
    groups = [(keep & exc & (neuron >= marked_exc), EXC_COLOR, "E"),
              (keep & exc & (neuron < marked_exc), "#641e16", "stimulated E"),
              (keep & ~exc, INH_COLOR, "I")]  # fmt: skip
    for mask, color, label in groups:
        if mask.any():
            ax.plot(t[mask], y[mask], ls="none", marker="|", ms=2, mew=0.5, color=color,
                    label=label)  # fmt: skip
    ax.set_xlim(raster["t_start_s"], raster["t_stop_s"])
    ax.set_ylim(-1, len(shown_e) + len(shown_i))
    ax.set(xlabel="time (s)", ylabel="neuron (E below, I above)",
           title=f"raster: {len(shown_e)} E and {len(shown_i)} I neurons")  # fmt: skip
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), markerscale=3)
