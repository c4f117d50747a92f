"""Histograms of per-neuron firing rates in the spontaneous runs of one P, one curve per rule."""

from _common import logged, progress

from eiplast.analysis.figures import rate_histograms_figure
from eiplast.analysis.style import save_figure
from eiplast.analysis.summary import neuron_rates

sm = snakemake  # noqa: F821

with logged(sm):
    rates = {}
    for rule, path in zip(sm.params.rules, sm.input.spikes, strict=True):
        rates[rule] = neuron_rates(path, skip_s=sm.params.skip_s)
        progress(f"{rule}: mean E {rates[rule][0].mean():.2f} Hz, I {rates[rule][1].mean():.2f} Hz")
    save_figure(rate_histograms_figure(rates), sm.output.png.removesuffix(".png"))
