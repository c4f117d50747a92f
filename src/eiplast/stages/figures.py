"""Stages that draw the reproduction's figures: each writes ``<name>.png`` and ``<name>.pdf``
(``output_png`` names the PNG) and, where a figure has data of its own, a CSV beside it."""

import pandas as pd

from eiplast.analysis.activations import load_activations
from eiplast.analysis.figures import (
    raster_figure,
    rate_histograms_figure,
    replay_diversity_figure,
    replay_growth_figure,
    sensitivity_scatter_figure,
    weight_distribution_figure,
)
from eiplast.analysis.replay import replay_growth
from eiplast.analysis.style import save_figure
from eiplast.analysis.summary import (
    ei_weights,
    neuron_rates,
    spike_file_info,
    spikes_between,
    write_csv,
)
from eiplast.assembly.connectivity import load_patterns
from eiplast.engine.progress import note


def _save(fig, output_png):
    save_figure(fig, str(output_png).removesuffix(".png"))


def raster(spike_file, activations_file, network_file, output_png, *, start_s, length_s):
    """Rule ``figure_raster``: spike raster of ``[start_s, start_s + length_s)`` (s) of one
    spontaneous run, with its detected assembly activations (the window is moved inside the
    run if it would end after it)."""
    events = load_activations(activations_file)
    patterns = load_patterns(network_file)
    info = spike_file_info(spike_file)
    dt_ms = info["dt_ms"]
    length = min(float(length_s), info["duration_s"])
    t0 = min(float(start_s), info["duration_s"] - length)
    neuron, step, _ = spikes_between(spike_file, t0, t0 + length)
    note(f"raster of [{t0}, {t0 + length}) s: {len(neuron)} spikes, {len(events)} events")
    fig = raster_figure(
        neuron,
        step,
        n_exc=info["n_exc"],
        dt_ms=dt_ms,
        t_start_s=t0,
        t_stop_s=t0 + length,
        events=events,
        pattern_indptr=patterns.indptr,
        pattern_members=patterns.members,
        skip_s=events.attrs["skip_steps"] * dt_ms / 1000.0,
        step_ms=events.attrs["step_steps"] * dt_ms,
        window_ms=events.attrs["window_steps"] * dt_ms,
    )
    _save(fig, output_png)


def rate_histograms(spike_files, output_png, *, rules, skip_s):
    """Rule ``figure_rates``: per-neuron firing rates of the spontaneous runs of one P, one
    curve per rule (``rules[k]`` ran ``spike_files[k]``)."""
    rates = {}
    for rule, path in zip(rules, spike_files, strict=True):
        rates[rule] = neuron_rates(path, skip_s=skip_s)
        note(f"{rule}: mean E {rates[rule][0].mean():.2f} Hz, I {rates[rule][1].mean():.2f} Hz")
    _save(rate_histograms_figure(rates), output_png)


def weight_distribution(trained_files, output_png, *, rules):
    """Rule ``figure_weights``: the trained I→E weights of one P, one curve per rule."""
    weights = {rule: ei_weights(path) for rule, path in zip(rules, trained_files, strict=True)}
    _save(weight_distribution_figure(weights), output_png)


def replay_diversity(replay_csv, output_png):
    """Rule ``figure_replay_diversity``: distinct assemblies replayed, exp(entropy) and
    frequency against P, one line per rule (the summary's replay table)."""
    table = pd.read_csv(replay_csv)
    _save(replay_diversity_figure(table, rule_col="label", npat_col="patterns"), output_png)


def replay_growth_curves(activations_files, output_png, output_csv, *, labels, n_points):
    """Rule ``figure_replay_growth``: distinct assemblies replayed so far against time in the
    runs of one P (``labels[k]`` names ``activations_files[k]``); the curves also as CSV."""
    curves = {}
    for label, path in zip(labels, activations_files, strict=True):
        curves[label] = replay_growth(path, n_points=n_points)
        note(f"{label}: {curves[label]['nunique'].iloc[-1]} distinct assemblies at the end")
    table = pd.concat([c.assign(label=label) for label, c in curves.items()], ignore_index=True)
    write_csv(table[["label", "time_s", "nunique", "n_patterns_replayed"]], output_csv)
    _save(replay_growth_figure(curves), output_png)


def sensitivity_scatter(sensitivity_files, output_png, *, rules):
    """Rule ``figure_sensitivity``: sensitivity to excitatory against inhibitory
    perturbations of one P, a panel per rule."""
    frames = {rule: pd.read_csv(path) for rule, path in zip(rules, sensitivity_files, strict=True)}
    _save(sensitivity_scatter_figure(frames), output_png)
