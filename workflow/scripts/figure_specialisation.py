"""Rule figure_specialisation: the inhibitory specialisation of one P x realisation."""

from _common import logged

from eiplast.stages.figures import specialisation_tables

sm = snakemake  # noqa: F821

with logged(sm):
    specialisation_tables(
        {name: sm.input[name] for name in ("neuron", "assembly", "random", "feedback")},
        sm.output.png,
        patterns=int(sm.wildcards.patterns),
        reference_dir=sm.params.reference_dir,
    )
