"""Rule susceptibility: χ^EE of every E neuron against its mean potential and participation."""

from _common import logged

from eiplast.stages.linear import susceptibility

sm = snakemake  # noqa: F821

with logged(sm):
    susceptibility(
        sm.input.network,
        sm.input.stats,
        sm.input.sensitivity,
        sm.output.neurons,
        sm.output.summary,
        rules=sm.params.rules,
        neurons=sm.params.neurons,
        patterns=int(sm.wildcards.patterns),
        realisation=int(sm.wildcards.realisation),
    )
