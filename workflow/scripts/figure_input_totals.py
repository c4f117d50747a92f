"""Rule figure_input_totals: each E neuron's summed I->E and E->E weights, one curve per rule."""

from _common import logged

from eiplast.stages.figures import input_totals

sm = snakemake  # noqa: F821

with logged(sm):
    input_totals(
        sm.input.trained,
        sm.output.png,
        sm.output.key_numbers,
        rules=sm.params.rules,
        patterns=int(sm.wildcards.patterns),
        reference_dir=sm.params.reference_dir,
    )
