"""Rule figure_conductance_fit: one neuron's conductances with its robust and plain fits."""

from _common import logged

from eiplast.stages.figures import conductance_fit

sm = snakemake  # noqa: F821

with logged(sm):
    conductance_fit(
        sm.input.conductances,
        sm.input.stats,
        sm.output.png,
        neuron=sm.params.neuron,
        skip_s=sm.params.skip_s,
        rule=sm.params.rule,
    )
