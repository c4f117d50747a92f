"""Figures of the Barta & Fukai reproduction (matplotlib, Agg backend).

Every function takes arrays/DataFrames and returns a ``Figure``; write it with
``eiplast.analysis.style.save_figure``. The style (rcParams, colours, rule
names) lives in ``eiplast.analysis.style``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from eiplast.analysis.style import (
    ASSEMBLY_COLORS,
    EXC_COLOR,
    INH_COLOR,
    NEUTRAL,
    new_figure,
    rule_color,
    rule_label,
    styled,
)
from eiplast.analysis.summary import mean_interval


@styled
def raster_figure(
    neuron,
    step,
    *,
    n_exc: int,
    dt_ms: float = 0.1,
    t_start_s: float,
    t_stop_s: float,
    events: pd.DataFrame | None = None,
    pattern_indptr=None,
    pattern_members=None,
    skip_s: float = 10.0,
    step_ms: float = 10.0,
    window_ms: float = 100.0,
    max_events: int = 12,
) -> Figure:
    """Spike raster of ``[t_start_s, t_stop_s)``; E neurons below, I neurons above.

    If ``events`` (from ``detect_activations``) and the pattern CSR are given, the spikes of
    the members of each activated pattern during its event span are drawn in colour and the
    span is marked with a bar above the raster (at most ``max_events`` events).
    """
    neuron = np.asarray(neuron)
    step = np.asarray(step)
    t = step * dt_ms / 1000.0
    sel = (t >= t_start_s) & (t < t_stop_s)
    t, nrn = t[sel], neuron[sel]
    fig, axes = new_figure(width=6.0, height=3.2)
    ax = axes[0, 0]
    is_e = nrn < n_exc
    ax.scatter(t[is_e], nrn[is_e], s=0.3, c=NEUTRAL, marker=".", linewidths=0, rasterized=True)
    ax.scatter(t[~is_e], nrn[~is_e], s=0.3, c=INH_COLOR, marker=".", linewidths=0, rasterized=True)
    n_max = int(nrn.max()) + 1 if nrn.size else n_exc
    if events is not None and len(events) and pattern_indptr is not None:
        from eiplast.analysis.activations import event_spans_s

        t_on, t_off = event_spans_s(events, skip_s=skip_s, step_ms=step_ms, window_ms=window_ms)
        inside = np.flatnonzero((t_off > t_start_s) & (t_on < t_stop_s))[:max_events]
        indptr = np.asarray(pattern_indptr)
        members = np.asarray(pattern_members)
        for j, k in enumerate(inside):
            p = int(events["pattern"].iloc[k])
            mem = members[indptr[p] : indptr[p + 1]]
            m = np.isin(nrn, mem) & (t >= t_on[k]) & (t < t_off[k])
            color = ASSEMBLY_COLORS[j % len(ASSEMBLY_COLORS)]
            ax.scatter(t[m], nrn[m], s=2.0, c=color, marker=".", linewidths=0)
            y = n_max * (1.02 + 0.015 * (j % 4))
            ax.plot([max(t_on[k], t_start_s), min(t_off[k], t_stop_s)], [y, y], color=color, lw=2)
    ax.set_xlim(t_start_s, t_stop_s)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("neuron")
    ax.set_title("spike raster (E grey, I blue; coloured: activated assemblies)")
    return fig


def _note(fig: Figure, text: str | None) -> None:
    """A line under the panels saying where the published values are (or why they are not)."""
    if text:
        fig.supxlabel(text, x=0.01, ha="left", fontsize=6, color=NEUTRAL)


def _step_histograms(ax, values, edges, reference=None, *, fraction=False) -> None:
    """Step histograms of ``values`` (rule → 1-D array) on ``edges``, each rule in its colour
    with its mean in the legend; ``reference`` (rule → array) dashed in the same colour. Heights
    are densities, or with ``fraction`` the fraction of all values in each bin."""

    def draw(vals, **style):
        vals = np.asarray(vals, float)
        vals = vals[np.isfinite(vals)]
        label = f"{style.pop('label')} (mean {vals.mean():.3g})" if vals.size else style["label"]
        weights = np.full(vals.size, 1.0 / max(vals.size, 1)) if fraction else None
        ax.hist(vals, bins=edges, weights=weights, histtype="step", density=not fraction,
                label=label, **style)  # fmt: skip

    for i, (rule, vals) in enumerate(values.items()):
        color = rule_color(rule, i)
        draw(vals, color=color, label=rule_label(rule))
        if reference is not None and rule in reference:
            draw(reference[rule], color=color, ls="--", label=f"{rule_label(rule)} reference")
    # headroom above the curves for the legend, a line per curve
    entries = len(ax.get_legend_handles_labels()[1])
    ax.set_ylim(0.0, ax.get_ylim()[1] * (1.0 + 0.12 * entries))


# bins of the rate histograms: the paper's Fig 1H, 99 bins of log10(rate / Hz) from −2 to 2
RATE_LOG10_RANGE = (-2.0, 2.0)
RATE_BINS = 99


def rate_edges_hz(largest_hz: float) -> np.ndarray:
    """The paper's rate bins (Hz), extended by whole decades of bins as wide until
    ``largest_hz`` is inside."""
    low, high = RATE_LOG10_RANGE
    if largest_hz > 10.0**high:
        high = float(np.ceil(np.log10(largest_hz)))
    n_bins = round(RATE_BINS * (high - low) / (RATE_LOG10_RANGE[1] - RATE_LOG10_RANGE[0]))
    return np.logspace(low, high, n_bins + 1)


@styled
def rate_histograms_figure(
    rates: Mapping[str, tuple[np.ndarray, np.ndarray]],
    *,
    reference: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None,
    reference_note: str | None = None,
) -> Figure:
    """Histograms of per-neuron rates (Hz) on the paper's logarithmic bins (``rate_edges_hz``),
    E and I panels, one curve per rule, as the
    fraction of neurons per bin; silent neurons (0 Hz) have no bin, their number is in the
    panel's title.

    ``rates``: rule → (E rates, I rates); ``reference``: the published rates of some rules in
    the same form, drawn dashed; ``reference_note``: a line under the panels (where the
    published values come from, or why there are none).
    """
    fig, axes = new_figure(1, 2)
    for col, (name, color_pop) in enumerate((("E", EXC_COLOR), ("I", INH_COLOR))):
        ax = axes[0, col]
        ours = {rule: np.asarray(v[col], float) for rule, v in rates.items()}
        published = None if reference is None else {r: v[col] for r, v in reference.items()}
        everything = [*ours.values(), *(published or {}).values()]
        largest = max((np.nanmax(v) for v in everything if v.size), default=1.0)
        _step_histograms(ax, ours, rate_edges_hz(largest), published, fraction=True)
        silent = ", ".join(f"{rule_label(r)} {int((v == 0).sum())}" for r, v in ours.items())
        ax.set_xscale("log")
        ax.set_xlabel(f"{name} firing rate (Hz)")
        ax.set_ylabel("fraction of neurons")
        ax.set_title(f"{name} neurons (silent: {silent})", color=color_pop)
        ax.legend()
    _note(fig, reference_note)
    return fig


# bins of the total-inhibition histogram: the paper's Fig 1J (0–600 nS, 99 bins)
TOTAL_INHIBITION_EDGES_NS = np.linspace(0.0, 600.0, 100)


@styled
def input_totals_figure(
    totals: Mapping[str, tuple[np.ndarray, np.ndarray]],
    *,
    reference_inhibition: Mapping[str, np.ndarray] | None = None,
    reference_note: str | None = None,
    bins: int = 60,
) -> Figure:
    """Each E neuron's summed I→E weights (total inhibition) and summed E→E weights (total
    excitation), nS, one curve per rule.

    ``totals``: rule → (total inhibition, total excitation), each of shape (n_exc,);
    ``reference_inhibition``: the published total inhibition of some rules, dashed. The
    inhibition axis is the paper's (0–600 nS) widened to the largest value.
    """
    fig, axes = new_figure(1, 2)
    inhibition = {rule: np.asarray(v[0], float) for rule, v in totals.items()}
    excitation = {rule: np.asarray(v[1], float) for rule, v in totals.items()}
    largest = max([v.max() for v in inhibition.values() if v.size] + [600.0])
    edges = TOTAL_INHIBITION_EDGES_NS
    if largest > edges[-1]:
        edges = np.linspace(0.0, largest, edges.size)
    _step_histograms(axes[0, 0], inhibition, edges, reference_inhibition)
    axes[0, 0].set_xlabel("summed I→E weights per E neuron (nS)")
    axes[0, 0].set_title("total inhibition", color=INH_COLOR)
    present = [v for v in excitation.values() if v.size]
    lo = min((v.min() for v in present), default=0.0)
    hi = max((v.max() for v in present), default=1.0)
    _step_histograms(axes[0, 1], excitation, np.linspace(lo, max(hi, lo + 1.0), bins + 1))
    axes[0, 1].set_xlabel("summed E→E weights per E neuron (nS)")
    axes[0, 1].set_title("total excitation", color=EXC_COLOR)
    for ax in axes[0]:
        ax.set_ylabel("density")
        ax.legend()
    _note(fig, reference_note)
    return fig


@styled
def weight_distribution_figure(
    weights: Mapping[str, np.ndarray], *, bins: int = 60, log_y: bool = True
) -> Figure:
    """Distribution of trained I→E weights (nS), one curve per rule."""
    fig, axes = new_figure(width=3.8)
    ax = axes[0, 0]
    vals = {r: np.asarray(w, float)[np.isfinite(np.asarray(w, float))] for r, w in weights.items()}
    nonempty = [v for v in vals.values() if v.size]
    lo = min((v.min() for v in nonempty), default=0.0)
    hi = max((v.max() for v in nonempty), default=1.0)
    if hi <= lo:
        hi = lo + 1.0
    edges = np.linspace(lo, hi, bins + 1)
    for i, (rule, w) in enumerate(vals.items()):
        ax.hist(w, bins=edges, histtype="step", color=rule_color(rule, i), label=rule_label(rule))
    if log_y:
        ax.set_yscale("log")
    ax.set_xlabel("I→E weight (nS)")
    ax.set_ylabel("synapses")
    ax.set_title("trained inhibitory weights")
    ax.legend()
    return fig


# panels of the replay-diversity figure: statistic, axis label
DIVERSITY_PANELS = (
    ("nunique", "distinct assemblies replayed"),
    ("entropy", "exp(entropy) (bias-corrected)"),
    ("mean_freq", "replay frequency (events/s)"),
    ("mean_dur", "mean replay duration (10 ms windows)"),
)


def _interval_by(table: pd.DataFrame, keys: list[str], column: str) -> pd.DataFrame:
    """``mean_interval`` of ``column`` for every group of ``keys`` (columns n, mean, ci95_*)."""
    rows = [
        {**dict(zip(keys, key, strict=True)), **mean_interval(group[column].to_numpy())}
        for key, group in table.groupby(keys, sort=True)
    ]
    return pd.DataFrame(rows)


def _draw_mean_band(ax, x, summary: pd.DataFrame, *, color, label, dashed, marker="o") -> None:
    """Mean line (with ``marker``s), and the 95 % interval as a band where it exists (n ≥ 2)."""
    ax.plot(x, summary["mean"].to_numpy(), marker=marker, ms=3, ls="--" if dashed else "-",
            color=color, label=label)  # fmt: skip
    low, high = summary["ci95_low"].to_numpy(), summary["ci95_high"].to_numpy()
    if np.isfinite(low).any():
        ax.fill_between(x, low, high, color=color, alpha=0.2, lw=0)


@styled
def replay_diversity_figure(
    table: pd.DataFrame,
    *,
    rule_col: str = "rule",
    npat_col: str = "n_patterns",
    reference: pd.DataFrame | None = None,
) -> Figure:
    """nunique, exp(H), replay frequency and mean duration against the number of patterns.

    ``table``: one row per run with columns ``rule_col``, ``npat_col``, ``nunique``,
    ``entropy``, ``mean_freq`` (and ``mean_dur`` for the fourth panel); rows with the same rule
    and P (network realisations) give the line's mean and, from two rows on, its 95 % interval
    (``mean_interval``) as a band. ``reference``: the published values (columns ``label``,
    ``patterns`` and the statistics), drawn as open squares in each rule's colour at the P
    within the range of ``table``.
    The shuffle control is the rule named ``"shuffle"`` (dashed). The frequency axis is
    logarithmic when every frequency is positive.
    """
    needed = [rule_col, npat_col, "nunique", "entropy", "mean_freq"]
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise ValueError(f"replay table lacks columns {missing}")
    panels = [p for p in DIVERSITY_PANELS if p[0] in table.columns]
    fig, axes = new_figure(1, len(panels), width=2.8)
    rules = list(dict.fromkeys(table[rule_col]))
    for ax, (col, ylabel) in zip(axes[0], panels, strict=True):
        summary = _interval_by(table, [rule_col, npat_col], col)
        for i, rule in enumerate(rules):
            sub = summary[summary[rule_col] == rule]
            _draw_mean_band(ax, sub[npat_col].to_numpy(), sub, color=rule_color(rule, i),
                            label=rule_label(rule), dashed=rule == "shuffle")  # fmt: skip
            if reference is not None and col in reference.columns:
                ref = reference[reference["label"] == rule].sort_values("patterns")
                ref = ref[ref["patterns"].between(table[npat_col].min(), table[npat_col].max())]
                if ref.empty:
                    continue
                ax.plot(ref["patterns"].to_numpy(), ref[col].to_numpy(), ls="none", marker="s",
                        ms=4, mfc="none", mec=rule_color(rule, i),
                        label=f"{rule_label(rule)} (reference)")  # fmt: skip
        ax.set_xlabel("number of patterns P")
        ax.set_ylabel(ylabel)
        if col == "mean_freq" and (table[col] > 0).all():
            ax.set_yscale("log")  # the shuffle control replays ~100× more often than any rule
    fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="outside right upper")
    return fig


@styled
def replay_growth_figure(
    curves: Mapping[str, pd.DataFrame | Sequence[pd.DataFrame]],
    reference: Mapping[str, pd.DataFrame] | None = None,
) -> Figure:
    """Distinct assemblies replayed so far against time, one line per run.

    ``curves``: label (rule, or ``"shuffle"``, drawn dashed) → ``replay.replay_growth`` table
    (columns ``time_s``, ``nunique``), or a list of them (network realisations, on one time
    grid): their mean, with the 95 % interval as a band from two on. ``reference``: label →
    the published curve (columns ``time_s``, ``nunique``), drawn dotted in the rule's colour
    up to the end of ours.
    """
    fig, axes = new_figure(1, 1, width=3.6, height=2.8)
    ax = axes[0, 0]
    for i, (label, runs) in enumerate(curves.items()):
        runs = [runs] if isinstance(runs, pd.DataFrame) else list(runs)
        for curve in runs:
            missing = [c for c in ("time_s", "nunique") if c not in curve.columns]
            if missing:
                raise ValueError(f"replay growth curve {label!r} lacks columns {missing}")
        time_s = runs[0]["time_s"].to_numpy()
        if any(not np.array_equal(c["time_s"].to_numpy(), time_s) for c in runs):
            raise ValueError(f"replay growth curves of {label!r} are on different time grids")
        values = np.stack([c["nunique"].to_numpy(float) for c in runs])
        summary = pd.DataFrame([mean_interval(column) for column in values.T])
        color = rule_color(label, i)
        dashed = label.startswith("shuffle")
        _draw_mean_band(ax, time_s, summary, color=color, label=rule_label(label), dashed=dashed,
                        marker="")  # fmt: skip
        if reference is not None and label in reference:
            ref = reference[label]
            ref = ref[ref["time_s"] <= time_s[-1]]  # the published curve over our time only
            ax.plot(ref["time_s"].to_numpy(), ref["nunique"].to_numpy(), ls=":", color=color,
                    label=f"{rule_label(label)} (reference)")  # fmt: skip
    ax.set_xlabel("time after the skipped start (s)")
    ax.set_ylabel("distinct assemblies replayed so far")
    if curves:
        ax.legend(fontsize="small")
    return fig


@styled
def sensitivity_scatter_figure(
    sens: pd.DataFrame | Mapping[str, pd.DataFrame], *, max_points: int = 20000, seed: int = 0
) -> Figure:
    """activation_exc vs activation_inh per neuron (E red, I blue), one panel per rule.

    ``sens``: a frame from ``linear_sensitivity`` or rule → frame. At most ``max_points``
    neurons per panel (random subset, fixed ``seed``) are drawn.
    """
    frames = {"": sens} if isinstance(sens, pd.DataFrame) else dict(sens)
    fig, axes = new_figure(1, max(1, len(frames)), width=3.0, height=2.8)
    rng = np.random.default_rng(seed)
    for ax, (rule, df) in zip(axes[0], frames.items(), strict=False):
        for pop, color in (("E", EXC_COLOR), ("I", INH_COLOR)):
            sub = df[df["population"] == pop]
            if len(sub) > max_points:
                sub = sub.iloc[np.sort(rng.choice(len(sub), max_points, replace=False))]
            ax.scatter(
                sub["activation_exc"],
                sub["activation_inh"],
                s=2,
                c=color,
                alpha=0.5,
                linewidths=0,
                label=pop,
                rasterized=True,
            )
        ax.axhline(0, color="0.7", lw=0.5)
        ax.axvline(0, color="0.7", lw=0.5)
        ax.set_xlabel("activation_exc (spikes/bin/nS)")
        ax.set_ylabel("activation_inh (spikes/bin/nS)")
        if rule:
            ax.set_title(rule_label(rule))
        ax.legend(markerscale=4)
    return fig


def _shared_edges(tables, bins: int) -> np.ndarray:
    """``bins`` equal bins from the smallest to the largest finite value of all ``tables``."""
    finite = [np.asarray(t, float) for t in tables]
    finite = np.concatenate([v[np.isfinite(v)] for v in finite] or [np.zeros(0)])
    lo, hi = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
    return np.linspace(lo, hi if hi > lo else lo + 1.0, bins + 1)


# panels of the per-P specialisation figure: table, transform of its values, axis label
SPECIALISATION_PANELS = (
    ("neuron", "exp", "exp(H) of the I→E weights per E neuron"),
    ("assembly", "exp", "exp(H) over assemblies per I neuron"),
    ("gain", None, "per I neuron: exp(H) assemblies / random − 1 (%)"),
    ("feedback", None, "assembly self-feedback"),
)


def specialisation_gain(assembly: pd.DataFrame, random: pd.DataFrame) -> pd.DataFrame:
    """Per I neuron and label: exp(H) over the assemblies relative to random assemblies, −1,
    in % (negative: inhibition concentrated on fewer assemblies than chance would)."""
    return 100.0 * (np.exp(assembly) / np.exp(random[assembly.columns]) - 1.0)


def _columns(table: pd.DataFrame, transform: str | None) -> dict[str, np.ndarray]:
    """The columns of ``table`` as arrays, exponentiated when ``transform`` is ``"exp"``."""
    data = {c: table[c].to_numpy(float) for c in table.columns}
    return {c: np.exp(v) for c, v in data.items()} if transform == "exp" else data


@styled
def specialisation_figure(
    tables: Mapping[str, pd.DataFrame],
    *,
    reference: Mapping[str, pd.DataFrame] | None = None,
    reference_note: str | None = None,
    bins: int = 50,
) -> Figure:
    """Inhibitory specialisation of one P (paper Figs 5 and S2B): histograms (density) per
    label of exp(H) per E neuron, exp(H) over assemblies per I neuron, its gain over random
    assemblies and the assemblies' self-feedback.

    ``tables``: ``neuron``, ``assembly``, ``random`` (entropies in nats) and ``feedback``, one
    column per label (``eiplast.analysis.specialisation``); ``reference``: the published tables
    of the same P (any of them), drawn dashed.
    """

    def derived(source):
        out = dict(source)
        if "assembly" in out and "random" in out:
            out["gain"] = specialisation_gain(out["assembly"], out["random"])
        return out

    ours, published = derived(tables), derived(reference or {})
    fig, axes = new_figure(1, len(SPECIALISATION_PANELS), width=2.9)
    for ax, (name, transform, label) in zip(axes[0], SPECIALISATION_PANELS, strict=True):
        mine = _columns(ours[name], transform)
        theirs = _columns(published[name], transform) if name in published else None
        edges = _shared_edges([*mine.values(), *(theirs or {}).values()], bins)
        _step_histograms(ax, mine, edges, theirs)
        ax.set_xlabel(label)
        ax.set_ylabel("density")
        ax.legend(fontsize=5)
    _note(fig, reference_note)
    return fig


# panels of the specialisation-against-P figure: summary column, axis label, zero line
SPECIALISATION_SWEEP_PANELS = (
    ("neuron_exp_entropy", "mean exp(H) per E neuron", False),
    ("assembly_vs_random_pct", "exp(H) assemblies vs random (%)", True),
    ("paired_t", "paired t, assemblies vs random", True),
    ("mean_self_feedback", "mean assembly self-feedback", True),
)
# panels of the excitability-against-P figure (paper Fig 4F, G)
EXCITABILITY_SWEEP_PANELS = (
    ("spearman_excitation_replays", "Spearman r(excitation, replays)", True),
    ("pearson_excitation_replayed", "Pearson r(excitation, replayed)", True),
    ("assemblies_replayed", "assemblies replayed", False),
    ("mean_excitation_nS", "mean assembly g_e (nS)", False),
)


@styled
def summary_sweep_figure(
    summary: pd.DataFrame,
    panels: Sequence[tuple[str, str, bool]],
    *,
    reference: pd.DataFrame | None = None,
) -> Figure:
    """Summary statistics against P, a panel per (column, axis label, zero line) of
    ``panels``: per label the mean over realisations with its 95 % interval; ``reference``
    (same columns, one row per label and P) as open squares.

    ``summary``: one row per label × P × realisation, columns ``label``, ``patterns`` and the
    panels' columns."""
    fig, axes = new_figure(1, len(panels), width=2.8)
    labels = list(dict.fromkeys(summary["label"]))
    for ax, (column, ylabel, zero_line) in zip(axes[0], panels, strict=True):
        lines = _interval_by(summary.dropna(subset=[column]), ["label", "patterns"], column)
        for i, label in enumerate(labels):
            sub = lines[lines["label"] == label] if len(lines) else lines
            color = rule_color(label, i)
            if len(sub):
                _draw_mean_band(ax, sub["patterns"].to_numpy(), sub, color=color,
                                label=rule_label(label), dashed=False)  # fmt: skip
            if reference is not None and column in reference.columns:
                ref = reference[(reference["label"] == label) & reference[column].notna()]
                ref = ref.sort_values("patterns")
                if len(ref):
                    ax.plot(ref["patterns"].to_numpy(), ref[column].to_numpy(), ls="none",
                            marker="s", ms=4, mfc="none", mec=color,
                            label=f"{rule_label(label)} (reference)")  # fmt: skip
        if zero_line:
            ax.axhline(0.0, color=NEUTRAL, lw=0.5)
        ax.set_xlabel("number of patterns P")
        ax.set_ylabel(ylabel)
    fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="outside right upper")
    return fig


@styled
def excitability_figure(
    neuron_means: Mapping[str, pd.DataFrame],
    assemblies: pd.DataFrame,
    *,
    reference: pd.DataFrame | None = None,
    reference_note: str | None = None,
) -> Figure:
    """ "Winner takes all" for one P (paper Fig 4B–E): each E neuron's robust mean g_e against
    g_i (first panel, all rules), then per rule each assembly's mean g_e over its members
    against its replay count; ``reference`` (the published per-assembly table, same columns)
    in grey beneath.

    ``neuron_means``: rule → robust statistics of the E neurons (columns ``mean_e``,
    ``mean_i``, nS); ``assemblies``: columns ``rule``, ``excitation_nS``, ``replay_count``."""
    rules = list(neuron_means)
    fig, axes = new_figure(1, 1 + len(rules), width=2.6)
    ax = axes[0, 0]
    for i, (rule, table) in enumerate(neuron_means.items()):
        ax.scatter(table["mean_e"], table["mean_i"], s=0.5, color=rule_color(rule, i),
                   label=rule_label(rule), rasterized=True, linewidths=0)  # fmt: skip
    ax.set_xlabel("robust mean g_e (nS)")
    ax.set_ylabel("robust mean g_i (nS)")
    ax.set_title("E neurons")
    ax.legend(markerscale=8)
    for i, rule in enumerate(rules):
        ax = axes[0, 1 + i]
        if reference is not None:
            ref = reference[reference["rule"] == rule]
            ax.scatter(ref["excitation_nS"], ref["replay_count"], s=2, color="0.75",
                       label="reference", linewidths=0)  # fmt: skip
        ours = assemblies[assemblies["rule"] == rule]
        ax.scatter(ours["excitation_nS"], ours["replay_count"], s=2, color=rule_color(rule, i),
                   label="ours", linewidths=0)  # fmt: skip
        ax.set_xlabel("assembly mean g_e (nS)")
        ax.set_ylabel("replay events")
        ax.set_title(rule_label(rule))
        ax.legend(markerscale=3)
    _note(fig, reference_note)
    return fig


# probability mass inside the drawn covariance ellipses
ELLIPSE_MASS = 0.95


def _covariance_ellipse(ax, mean, cov, **style) -> None:
    """The ``ELLIPSE_MASS`` ellipse of a 2-D Gaussian with ``mean`` and ``cov``: semi-axes
    √(χ²₂(mass) λ) along the eigenvectors of ``cov``."""
    from matplotlib.patches import Ellipse
    from scipy.stats import chi2

    values, vectors = np.linalg.eigh(np.asarray(cov, float))
    scale = chi2.ppf(ELLIPSE_MASS, 2)
    angle = np.degrees(np.arctan2(vectors[1, -1], vectors[0, -1]))
    width, height = 2.0 * np.sqrt(scale * values[::-1])
    ax.add_patch(Ellipse(mean, width, height, angle=angle, fill=False, **style))


@styled
def conductance_fit_figure(
    g_e_nS: np.ndarray,
    g_i_nS: np.ndarray,
    *,
    robust: tuple[np.ndarray, np.ndarray],
    plain: tuple[np.ndarray, np.ndarray],
    title: str,
) -> Figure:
    """One neuron's conductance samples (g_e, g_i in nS) with the 95 % ellipses of the robust
    (MCD) and of the plain Gaussian fit (paper Fig 4A); ``robust``, ``plain``: (mean (2,),
    covariance (2, 2))."""
    fig, axes = new_figure(1, 1, width=3.2, height=3.0)
    ax = axes[0, 0]
    ax.scatter(g_e_nS, g_i_nS, s=0.5, color="black", linewidths=0, rasterized=True)
    _covariance_ellipse(ax, *plain, color="#8e44ad", lw=1.2, label="plain fit")
    _covariance_ellipse(ax, *robust, color=EXC_COLOR, lw=1.2, label="robust (MCD) fit")
    ax.set_xlabel("g_e (nS)")
    ax.set_ylabel("g_i (nS)")
    ax.set_title(title)
    ax.legend()
    return fig


# the paper's Fig 3 histogram bins: retrieval quality 0–1, peak rate 0–150 Hz (30 bins each)
RECALL_QUALITY_EDGES = np.linspace(0.0, 1.0, 30)
RECALL_PEAK_EDGES_HZ = np.linspace(0.0, 150.0, 30)
RECALL_SWEEP_PANELS = (
    ("quality_mean", "mean retrieval quality", False),
    ("quality_after_cue_mean", "mean quality after the cue", False),
    ("peak_rate_median_hz", "median peak rate (Hz)", False),
    ("spearman_quality_replays", "Spearman r(quality, replays)", True),
)


@styled
def recall_figure(
    tables: Mapping[str, pd.DataFrame],
    traces: Mapping[str, pd.DataFrame],
    *,
    example_rule: str,
    patterns: int,
) -> Figure:
    """Cued recall at one P (paper Fig 3). Top: the example pattern of ``example_rule`` —
    active fraction of its cued and other members per 100 ms window, and their rates — and
    the other members' active fraction averaged over all cued patterns, per rule. Bottom, per
    rule: histograms of retrieval quality and of the peak rate (the paper's bins), and quality
    against the pattern's spontaneous replay count.

    ``tables``: rule → ``analysis.recall.recall_table``; ``traces``: rule →
    ``analysis.recall.recall_traces`` (t_s relative to the cue onset)."""
    from eiplast.analysis.recall import MEAN_TRACE

    fig, axes = new_figure(2, 3, width=2.8)
    example = traces[example_rule]
    example = example[example["trace"] != MEAN_TRACE]
    pattern = example["trace"].iloc[0]
    t = example["t_s"].to_numpy()
    ax = axes[0, 0]
    ax.axvspan(0.0, 0.1, color=NEUTRAL, alpha=0.2, lw=0)
    ax.step(t, example["cued_active"], where="post", color="tab:red", label="cued members")
    ax.step(t, example["rest_active"], where="post", color="k", label="other members")
    ax.set(xlabel="time from cue onset (s)", ylabel="fraction active (100 ms)", ylim=(0, 1.05),
           title=f"{rule_label(example_rule)}, pattern {pattern}")  # fmt: skip
    ax.legend()
    ax = axes[0, 1]
    ax.axvspan(0.0, 0.1, color=NEUTRAL, alpha=0.2, lw=0)
    ax.plot(t, example["cued_rate_hz"], color="tab:red", lw=0.8, label="cued members")
    ax.plot(t, example["rest_rate_hz"], color="k", lw=0.8, label="other members")
    ax.set(xlabel="time from cue onset (s)", ylabel="rate (Hz, 10 ms bins)",
           title=f"{rule_label(example_rule)}, pattern {pattern}")  # fmt: skip
    ax = axes[0, 2]
    ax.axvspan(0.0, 0.1, color=NEUTRAL, alpha=0.2, lw=0)
    for i, (rule, trace) in enumerate(traces.items()):
        mean = trace[trace["trace"] == MEAN_TRACE]
        ax.step(mean["t_s"], mean["rest_active"], where="post", color=rule_color(rule, i),
                label=rule_label(rule))  # fmt: skip
    ax.set(xlabel="time from cue onset (s)", ylabel="other members active (mean)",
           ylim=(0, 1.05), title=f"mean over cued patterns, P = {patterns}")  # fmt: skip
    ax.legend()
    quality = {rule: table["quality"] for rule, table in tables.items()}
    peak = {rule: table["peak_rate_hz"] for rule, table in tables.items()}
    _step_histograms(axes[1, 0], quality, RECALL_QUALITY_EDGES)
    axes[1, 0].set(xlabel="retrieval quality", ylabel="density")
    axes[1, 0].legend()
    _step_histograms(axes[1, 1], peak, RECALL_PEAK_EDGES_HZ)
    axes[1, 1].set(xlabel="peak rate of other members (Hz)", ylabel="density")
    axes[1, 1].legend()
    ax = axes[1, 2]
    for i, (rule, table) in enumerate(tables.items()):
        ax.scatter(table["replay_count"], table["quality"], s=2, color=rule_color(rule, i),
                   label=rule_label(rule), linewidths=0)  # fmt: skip
    ax.set(xlabel="spontaneous replay events", ylabel="retrieval quality")
    ax.legend(markerscale=3)
    _note(fig, "no published values: the reference does not publish its cued-recall data")
    return fig


# the paper's Fig 7C bins of χ^EE (spikes per 100 ms per nS) and Fig 7E / S4 bins of overlaps
CHI_EDGES = np.linspace(-0.2, 1.2, 30)
OVERLAP_EDGES = np.linspace(0.0, 1.0, 41)
LINEAR_SWEEP_PANELS = (
    ("overlap_mean", "mean linear overlap", False),
    ("angle_mean_deg", "mean angle (degrees)", False),
    ("completion_0.5", "mean completion at error 0.5", False),
)


def _response_trace(table: pd.DataFrame) -> np.ndarray:
    """Rates (Hz) of the E block then the I block, one value per bin."""
    exc = table[table["drive"] == "exc"].sort_values("bin")["rate_hz"].to_numpy()
    inh = table[table["drive"] == "inh"].sort_values("bin")["rate_hz"].to_numpy()
    return np.concatenate([exc, inh])


@styled
def linear_response_figure(
    responses: Mapping[str, pd.DataFrame],
    chi: Mapping[str, np.ndarray],
    overlaps: pd.DataFrame,
    example: pd.DataFrame,
    *,
    bin_ms: float,
    reference_responses: pd.DataFrame | None = None,
    reference_rule: str | None = None,
    reference_overlaps: pd.DataFrame | None = None,
    reference_note: str | None = None,
) -> Figure:
    """The linearised network at one P (paper Fig 7B–E): the E neurons' mean rate over the E
    blocks then the I blocks of the perturbation schedule, per rule (the published responses of
    ``reference_rule`` dashed); histograms of χ^EE per rule; the largest linear drives of the
    example pattern (members red) with the overlap so far; histograms of the overlaps per label
    (published dashed)."""
    fig, axes = new_figure(1, 4, width=2.8)
    ax = axes[0, 0]
    for i, (rule, table) in enumerate(responses.items()):
        trace = _response_trace(table)
        t = np.arange(trace.size) * bin_ms / 1000.0
        ax.plot(t, trace, lw=0.6, color=rule_color(rule, i), label=rule_label(rule))
        if reference_responses is not None and rule == reference_rule:
            ref = _response_trace(reference_responses)
            ax.plot(np.arange(ref.size) * bin_ms / 1000.0, ref, lw=0.6, ls="--", color="k",
                    label=f"{rule_label(rule)} reference")  # fmt: skip
    ax.axvline(t[-1] / 2.0, color=NEUTRAL, lw=0.5)
    ax.set(xlabel="time in E block, then I block (s)", ylabel="mean E rate (Hz)")
    ax.legend()
    ax = axes[0, 1]
    _step_histograms(ax, chi, CHI_EDGES)
    ax.set(xlabel="χ^EE (spikes per 100 ms per nS)", ylabel="density")
    ax.legend()
    ax = axes[0, 2]
    colors = np.where(example["member"].to_numpy() == 1, "tab:red", "k")
    ax.bar(example["rank"], example["drive"], width=1.0, color=colors, lw=0)
    n = int(example["members"].iloc[0])
    ax.axvspan(-0.5, n - 0.5, color=NEUTRAL, alpha=0.15, lw=0)
    title = f"{rule_label(example['label'].iloc[0])}, pattern {example['pattern'].iloc[0]}"
    ax.set(xlabel="rank of linear drive", ylabel="drive (χ·nS)", title=title)
    twin = ax.twinx()
    twin.plot(example["rank"], example["overlap_so_far"], color="navy", lw=0.8)
    twin.set_ylabel("members among ranks so far", color="navy")
    twin.set_ylim(0, 1.05)
    ax = axes[0, 3]
    labels = [c for c in overlaps.columns if c != "pattern"]
    ours = {label: overlaps[label].to_numpy() for label in labels}
    reference = None
    if reference_overlaps is not None:
        reference = {k: reference_overlaps[k].to_numpy() for k in labels if k in reference_overlaps}
    _step_histograms(ax, ours, OVERLAP_EDGES, reference)
    ax.set(xlabel="overlap of drive and pattern", ylabel="density")
    ax.legend(fontsize=5)
    _note(fig, reference_note)
    return fig


@styled
def completion_figure(
    completion: pd.DataFrame,
    *,
    reference: Mapping[float, pd.DataFrame] | None = None,
    reference_note: str | None = None,
) -> Figure:
    """Linear pattern completion (paper Fig S4): per input error, histograms of the overlap of
    the drive of the corrupted cue with the whole pattern, per label (published dashed), a
    dashed line at 1 − error (the fraction of the pattern in the cue)."""
    errors = sorted(completion["error"].unique())
    columns = 3
    rows = -(-len(errors) // columns)
    fig, axes = new_figure(rows, columns, width=2.6)
    labels = [c for c in completion.columns if c not in ("error", "pattern")]
    for ax, error in zip(axes.ravel(), errors, strict=False):
        rows_e = completion[completion["error"] == error]
        ref = None if reference is None else reference.get(round(float(error), 1))
        published = None if ref is None else {k: ref[k].to_numpy() for k in labels if k in ref}
        _step_histograms(ax, {k: rows_e[k].to_numpy() for k in labels}, OVERLAP_EDGES, published)
        ax.axvline(1.0 - error, color=NEUTRAL, ls="--", lw=0.8)
        ax.set(title=f"input error {error:.1f}", xlabel="overlap", ylabel="density")
        ax.legend(fontsize=4)
    for ax in axes.ravel()[len(errors) :]:
        ax.set_visible(False)
    _note(fig, reference_note)
    return fig


# inter-event-interval bins (s): the reference's linspace(0, 80, 15) in 10 ms units
IEI_EDGES_S = np.linspace(0.0, 0.8, 15)
# the detector's activation threshold, drawn on the active-fraction traces
TRACE_THRESHOLD = 0.9


def _draw_traces(ax_rate, ax_active, t, rates, actives, title):
    colors = [ASSEMBLY_COLORS[i % len(ASSEMBLY_COLORS)] for i in range(len(rates))]
    for color, rate, active in zip(colors, rates, actives, strict=True):
        ax_rate.plot(t, rate, lw=0.6, color=color)
        ax_active.plot(t, active, lw=0.6, color=color)
    ax_active.axhline(TRACE_THRESHOLD, color=NEUTRAL, ls="--", lw=0.6)
    ax_rate.set(ylabel="assembly rate (Hz)", title=title)
    ax_active.set(xlabel="time (s)", ylabel="members active (100 ms)", ylim=(0, 1.05))


@styled
def assembly_traces_figure(
    traces: pd.DataFrame,
    intervals: pd.DataFrame,
    *,
    label: str,
    patterns: int,
    reference: Mapping[str, np.ndarray] | None = None,
    reference_title: str = "",
    reference_start_s: float = 0.0,
    bin_ms: float = 10.0,
) -> Figure:
    """Replay events in a few seconds of spontaneous activity (paper Fig 2A): per event the
    replayed assembly's rate and the fraction of its members active in the 100 ms from each bin
    (threshold dashed), ours (``label`` at P = ``patterns``) and the reference's published
    events beside them; and per rule the histogram of the intervals between events of
    different patterns (``intervals``: columns rule, interval_s)."""
    fig, axes = new_figure(2, 3, width=2.8)
    rates = [g["rate_hz"].to_numpy() for _, g in traces.groupby("event", sort=True)]
    actives = [g["active_fraction"].to_numpy() for _, g in traces.groupby("event", sort=True)]
    t = traces["t_s"].drop_duplicates().to_numpy() if len(traces) else np.zeros(0)
    title = f"{rule_label(label)}, P = {patterns}: {len(rates)} events"
    _draw_traces(axes[0, 0], axes[1, 0], t, rates, actives, title)
    if reference is not None:
        n_bins = reference["rate_hz"].shape[1]
        t_ref = reference_start_s + np.arange(n_bins) * bin_ms / 1000.0
        _draw_traces(axes[0, 1], axes[1, 1], t_ref, list(reference["rate_hz"]),
                     list(reference["active_fraction"]), reference_title)  # fmt: skip
    else:
        axes[0, 1].text(0.5, 0.5, "no published traces\n(reference_data_dir not set)",
                        ha="center", va="center", transform=axes[0, 1].transAxes)  # fmt: skip
        axes[0, 1].set_axis_off()
        axes[1, 1].set_visible(False)
    ax = axes[0, 2]
    values = {rule: g["interval_s"].to_numpy() for rule, g in intervals.groupby("rule", sort=False)}
    _step_histograms(ax, values, IEI_EDGES_S)
    ax.set(xlabel="interval between events of different assemblies (s)", ylabel="density")
    ax.legend()
    axes[1, 2].set_visible(False)
    return fig


SUSCEPTIBILITY_SWEEP_PANELS = (
    ("chi_mean", "mean χ^EE", False),
    ("chi_cv", "CV of χ^EE", False),
    ("spearman_chi_participation", "Spearman r(χ^EE, participation)", True),
)


@styled
def susceptibility_figure(neurons: pd.DataFrame) -> Figure:
    """Paper Fig S3 at one P: per rule each E neuron's robust mean g_e against its mean
    potential V̄, V̄ against χ^EE, and χ^EE against participation (mean ± sd per count, rules
    side by side). ``neurons``: columns rule, chi_ee, mean_e, v_mean_mV, participation."""
    fig, axes = new_figure(1, 3, width=2.8)
    rules = list(dict.fromkeys(neurons["rule"]))
    offsets = np.linspace(-0.2, 0.2, len(rules)) if len(rules) > 1 else [0.0]
    for i, (rule, offset) in enumerate(zip(rules, offsets, strict=True)):
        table = neurons[neurons["rule"] == rule]
        color = rule_color(rule, i)
        axes[0, 0].scatter(table["mean_e"], table["v_mean_mV"], s=0.5, color=color,
                           label=rule_label(rule), linewidths=0, rasterized=True)  # fmt: skip
        axes[0, 1].scatter(table["v_mean_mV"], table["chi_ee"], s=0.5, color=color,
                           linewidths=0, rasterized=True)  # fmt: skip
        by_count = table.groupby("participation")["chi_ee"].agg(["mean", "std"])
        axes[0, 2].errorbar(by_count.index + offset, by_count["mean"], yerr=by_count["std"],
                            fmt="o", ms=2, lw=0.6, color=color, label=rule_label(rule))  # fmt: skip
    axes[0, 0].set(xlabel="robust mean g_e (nS)", ylabel="mean potential V̄ (mV)")
    axes[0, 0].legend(markerscale=8)
    axes[0, 1].set(xlabel="mean potential V̄ (mV)", ylabel="χ^EE (spikes per 100 ms per nS)")
    axes[0, 2].set(xlabel="assemblies the neuron belongs to", ylabel="χ^EE (mean ± sd)")
    return fig


CONNECTIVITY_SWEEP_PANELS = (
    ("connection_probability", "E→E connection probability within", False),
    ("connection_weight_nS", "mean E→E weight within (nS)", False),
)


@styled
def replay_conductances_figure(traces: Mapping[str, pd.DataFrame]) -> Figure:
    """Paper Fig 6: per rule, mean over replay events of the replayed assembly's g_e, its g_i
    (solid) and the other assemblies' g_i (dashed), and the replayed assembly's inhibition
    relative to the others' (%), around the event (``traces``: rule →
    ``replay_conductances.replay_conductance_traces`` table with ``n_events``)."""
    fig, axes = new_figure(1, 3, width=2.8)
    for i, (rule, table) in enumerate(traces.items()):
        color = rule_color(rule, i)
        label = f"{rule_label(rule)} ({int(table['n_events'].iloc[0])} events)"
        t = table["t_s"].to_numpy()
        axes[0, 0].plot(t, table["g_e_replayed_nS"], color=color, lw=0.8, label=label)
        axes[0, 1].plot(t, table["g_i_replayed_nS"], color=color, lw=0.8)
        axes[0, 1].plot(t, table["g_i_others_nS"], color=color, lw=0.8, ls="--")
        axes[0, 2].plot(t, 100.0 * (table["inhibition_ratio"] - 1.0), color=color, lw=0.8)
    axes[0, 0].set(xlabel="time from replay (s)", ylabel="g_e of the replayed assembly (nS)")
    axes[0, 0].legend()
    axes[0, 1].set(xlabel="time from replay (s)",
                   ylabel="g_i: replayed (solid), others (dashed) (nS)")  # fmt: skip
    axes[0, 2].axhline(0.0, color=NEUTRAL, ls="--", lw=0.6)
    axes[0, 2].set(xlabel="time from replay (s)", ylabel="inhibition of replayed vs others (%)")
    return fig


@styled
def eigen_figure(spectrum: pd.DataFrame, modes: pd.DataFrame, *, patterns: int) -> Figure:
    """Paper Fig 8 at one P: per rule the eigenvalues of the linearised network J (Re against
    Im; the line Re = 1 is linear instability), its leading eigenvalue circled; below, the
    patterns sharing most neurons with the leading mode's eigen-assembly."""
    rules = list(dict.fromkeys(spectrum["rule"]))
    fig, axes = new_figure(2, len(rules), width=2.6)
    for i, rule in enumerate(rules):
        color = rule_color(rule, i)
        values = spectrum[spectrum["rule"] == rule]
        mode = modes[modes["rule"] == rule]
        ax = axes[0, i]
        ax.scatter(values["re"], values["im"], s=0.5, color=color, linewidths=0, rasterized=True)
        ax.scatter(mode["eigenvalue_re"].iloc[:1], mode["eigenvalue_im"].iloc[:1], s=30,
                   facecolors="none", edgecolors="k", lw=0.8)  # fmt: skip
        ax.axvline(1.0, color=NEUTRAL, ls="--", lw=0.6)
        ax.set(xlim=(-1, 1.2), ylim=(-1, 1), xlabel="Re λ", ylabel="Im λ",
               title=f"{rule_label(rule)}, P = {patterns}")  # fmt: skip
        ax = axes[1, i]
        ax.bar(np.arange(len(mode)), mode["shared"], color=color)
        ax.set_xticks(np.arange(len(mode)), [str(p) for p in mode["pattern"]])
        size = int(mode["assembly_size"].iloc[0]) if len(mode) else 0
        ax.set(xlabel="pattern", ylabel=f"neurons shared with the top-{size} eigen-assembly")
    return fig


def _draw_persistent_traces(ax, trace: pd.DataFrame) -> None:
    """The traces table of ``analysis.persistent``: cued patterns red, the others in the
    assembly colours, the largest uncued rate dotted black."""
    from eiplast.analysis.persistent import BEST, CUED, OTHER

    labels = {CUED: "cued pattern", OTHER: "most active others", BEST: "largest uncued"}
    for series, width in ((OTHER, 0.5), (CUED, 0.9), (BEST, 0.6)):
        parts = trace[trace["series"] == series].groupby("pattern", sort=False)
        for k, (_, part) in enumerate(parts):
            color = {CUED: "tab:red", BEST: "k"}.get(
                series, ASSEMBLY_COLORS[k % len(ASSEMBLY_COLORS)]
            )
            ax.plot(
                part["t_s"],
                part["rate_hz"],
                color=color,
                lw=width,
                ls=":" if series == BEST else "-",
                label=labels[series] if k == 0 else None,
            )


@styled
def persistent_figure(
    averages: Mapping[str, pd.DataFrame],
    traces: Mapping[str, pd.DataFrame],
    *,
    cue_s: Mapping[str, float],
    patterns: int,
    published_averages: Mapping[str, pd.DataFrame] | None = None,
    published_traces: Mapping[str, pd.DataFrame] | None = None,
) -> Figure:
    """Activity after a cue (paper Fig S1), one row per cued run (rule → tables of
    ``analysis.persistent``): left, the traces of the patterns cued in the span, of the other
    patterns most active there and the largest rate of all uncued ones; right, the cue-averaged
    rate of the cued pattern, the largest other pattern's (the reference's ``other``) and the
    largest uncued one's, with the published curves (grey) where the reference has them."""
    from eiplast.analysis.persistent import BEST

    published_averages = published_averages or {}
    published_traces = published_traces or {}
    fig, axes = new_figure(len(averages), 2, width=3.6, height=2.4)
    axes = np.atleast_2d(axes)
    for row, (rule, average) in enumerate(averages.items()):
        ax = axes[row, 0]
        _draw_persistent_traces(ax, traces[rule])
        if rule in published_traces:
            best = published_traces[rule]
            best = best[best["series"] == BEST]
            ax.plot(best["t_s"], best["rate_hz"], color=NEUTRAL, lw=0.6, alpha=0.6,
                    label="published largest uncued")  # fmt: skip
        ax.set(xlabel="time (s)", ylabel="pattern rate (Hz, 10 ms)",
               title=f"{rule_label(rule)}, P = {patterns}")  # fmt: skip
        ax.legend(fontsize=5)
        ax = axes[row, 1]
        ax.axvspan(0.0, cue_s[rule], color=NEUTRAL, alpha=0.2, lw=0)
        ax.plot(average["t_s"], average["stimulated_hz"], color="tab:red", lw=0.9,
                label="cued pattern")  # fmt: skip
        ax.plot(average["t_s"], average["other_hz"], color="k", lw=0.7, ls=":",
                label="largest other")  # fmt: skip
        ax.plot(average["t_s"], average["other_uncued_hz"], color="k", lw=0.7,
                label="largest not cued in the span")  # fmt: skip
        if rule in published_averages:
            theirs = published_averages[rule]
            ax.plot(theirs["t_s"], theirs["stimulated_hz"], color=NEUTRAL, lw=0.9, alpha=0.7,
                    label="published cued")  # fmt: skip
            ax.plot(theirs["t_s"], theirs["other_hz"], color=NEUTRAL, lw=0.7, ls=":",
                    alpha=0.7, label="published other")  # fmt: skip
        ax.set(xlabel="time from cue onset (s)", ylabel="rate (Hz, mean over cues)",
               title=f"{rule_label(rule)}: cue-averaged")  # fmt: skip
        ax.legend(fontsize=5)
    missing = [rule_label(r) for r in averages if r not in published_averages]
    _note(fig, "published values: grey" + (
        f"; none for {', '.join(missing)}" if missing else ""))  # fmt: skip
    return fig


@styled
def eigen_activity_figure(
    vectors: Mapping[str, pd.DataFrame],
    activity: Mapping[str, pd.DataFrame],
    *,
    patterns: int,
    window_s: tuple[float, float],
) -> Figure:
    """Paper Fig 8 B–G at one P, one row per rule: the leading eigenvector's E components by
    neuron (eigen-assembly members coloured, the smallest member component dashed); the active
    fraction (100 ms bins) of the eigen-assembly (black) and of its closest patterns in the
    spontaneous run over ``window_s``; each pattern's shared neurons and the correlation of its
    activity with the eigen-assembly's over the whole span."""
    from eiplast.analysis.eigen import activation_correlations

    fig, axes = new_figure(len(vectors), 3, width=2.9, height=2.2)
    axes = np.atleast_2d(axes)
    for row, (rule, vector) in enumerate(vectors.items()):
        color = rule_color(rule, row)
        ax = axes[row, 0]
        member = vector["member"].to_numpy(bool)
        ax.scatter(vector["neuron"][~member], vector["component"][~member], s=0.3, color=NEUTRAL,
                   linewidths=0, rasterized=True)  # fmt: skip
        ax.scatter(vector["neuron"][member], vector["component"][member], s=3, color=color,
                   linewidths=0, label="eigen-assembly")  # fmt: skip
        if member.any():
            ax.axhline(vector["component"][member].min(), color=color, ls="--", lw=0.5)
        ax.set(xlabel="E neuron", ylabel="eigenvector component",
               title=f"{rule_label(rule)}, P = {patterns}")  # fmt: skip
        ax.legend(markerscale=3)
        ax = axes[row, 1]
        table = activity[rule]
        shown = table[(table["t_s"] >= window_s[0]) & (table["t_s"] < window_s[1])]
        for k, (key, part) in enumerate(shown.groupby(["set", "pattern"], sort=True)):
            set_index, pattern = key
            eigen = set_index == 0
            ax.step(part["t_s"], part["active_fraction"], where="post",
                    color="k" if eigen else ASSEMBLY_COLORS[(k - 1) % len(ASSEMBLY_COLORS)],
                    lw=1.0 if eigen else 0.6,
                    label="eigen-assembly" if eigen else f"pattern {pattern}")  # fmt: skip
        ax.set(xlabel="time (s)", ylabel="fraction active (100 ms)", ylim=(0, 1.05))
        ax.legend(fontsize=5)
        ax = axes[row, 2]
        corr = activation_correlations(table)
        x = np.arange(len(corr))
        ax.bar(x, corr["correlation"], color=color)
        for xi, (shared, r) in enumerate(zip(corr["shared"], corr["correlation"], strict=True)):
            ax.annotate(f"{shared}", (xi, max(float(np.nan_to_num(r)), 0.0)), ha="center",
                        va="bottom", fontsize=5)  # fmt: skip
        ax.set_xticks(x, [str(p) for p in corr["pattern"]])
        ax.set(xlabel="pattern (shared neurons above)", ylim=(-0.1, 1.05),
               ylabel="r with eigen-assembly activity")  # fmt: skip
    _note(fig, "the reference publishes no eigen-assembly data")
    return fig


@styled
def ou_figure(ours: pd.DataFrame, published: pd.DataFrame | None = None) -> Figure:
    """Paper Fig 7A: a pair of OU conductances (g_e black, g_i grey) over time, ours and, when
    given, the reference's published draw."""
    draws = {"ours": ours, **({"published": published} if published is not None else {})}
    fig, axes = new_figure(1, len(draws), width=3.2, height=2.0)
    for ax, (name, table) in zip(np.ravel(axes), draws.items(), strict=True):
        ax.plot(table["t_ms"], table["g_e_nS"], color="k", lw=0.5, label="g_e")
        ax.plot(table["t_ms"], table["g_i_nS"], color=NEUTRAL, lw=0.5, label="g_i")
        ax.set(xlabel="time (ms)", ylabel="conductance (nS)", title=name)
        ax.legend()
    if published is None:
        _note(fig, "no published draw: reference_data_dir is not set")
    return fig
