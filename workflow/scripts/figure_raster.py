"""Spike raster of a window of one spontaneous run with the detected assembly activations."""

from _common import logged, progress

from eiplast.analysis.activations import load_activations
from eiplast.analysis.figures import raster_figure
from eiplast.analysis.style import save_figure
from eiplast.analysis.summary import spike_file_info, spikes_between
from eiplast.assembly.connectivity import load_patterns

sm = snakemake  # noqa: F821

with logged(sm):
    events = load_activations(sm.input.activations)
    patterns = load_patterns(sm.input.network)
    info = spike_file_info(sm.input.spikes)
    dt_ms = info["dt_ms"]
    length = min(float(sm.params.length_s), info["duration_s"])
    t0 = min(float(sm.params.start_s), info["duration_s"] - length)  # keep inside the run
    neuron, step, _ = spikes_between(sm.input.spikes, t0, t0 + length)
    progress(f"raster of [{t0}, {t0 + length}) s: {len(neuron)} spikes, {len(events)} events")
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
    save_figure(fig, sm.output.png.removesuffix(".png"))
