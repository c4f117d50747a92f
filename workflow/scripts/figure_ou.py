"""Rule figure_ou: paper Fig 7A, an OU conductance pair of the isolation drive."""

from _common import logged

from eiplast.stages.figures import ou_example

sm = snakemake  # noqa: F821

with logged(sm):
    ou_example(
        sm.output.png,
        sm.output.key_numbers,
        example=sm.params.example,
        dt_ms=sm.params.dt_ms,
        seed=sm.params.seed,
        reference_dir=sm.params.reference_dir,
    )
