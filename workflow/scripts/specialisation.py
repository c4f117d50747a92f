"""Rule specialisation: entropies of the trained I->E weights and assembly self-feedback of one
P x realisation."""

from _common import logged

from eiplast.stages.specialisation import specialisation

sm = snakemake  # noqa: F821

with logged(sm):
    specialisation(
        sm.input.trained,
        sm.output.neuron,
        sm.output.assembly,
        sm.output.random,
        sm.output.feedback,
        sm.output.summary,
        rules=sm.params.rules,
        patterns=int(sm.wildcards.patterns),
        realisation=int(sm.wildcards.realisation),
        seed=sm.params.seed,
    )
