"""Assembly activations of one spontaneous run (docs/model-description.md A7):
eiplast.analysis.activations.detect_activations, saved with save_activations."""

from _common import logged, progress

from eiplast.analysis.activations import detect_activations, save_activations

sm = snakemake  # noqa: F821

with logged(sm):
    analysis = dict(sm.params.analysis)
    progress(f"detecting activations in {sm.input.spikes} with {analysis}")
    events = detect_activations(sm.input.spikes, sm.input.network, **analysis)
    progress(f"{len(events)} activations of {events['pattern'].nunique()} patterns")
    save_activations(events, sm.output.activations)
