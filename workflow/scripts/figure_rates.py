"""Rule figure_rates: per-neuron firing rates of the spontaneous runs of one P."""

from _common import logged

from eiplast.stages.figures import rate_histograms

sm = snakemake  # noqa: F821

with logged(sm):
    rate_histograms(
        sm.input.spikes,
        sm.output.png,
        sm.output.key_numbers,
        rules=sm.params.rules,
        skip_s=sm.params.skip_s,
        patterns=int(sm.wildcards.patterns),
        reference_dir=sm.params.reference_dir,
    )
