"""Rule figure_linear_response: paper Fig 7B-E at one P."""

from _common import logged

from eiplast.stages.figures import linear_response_panels

sm = snakemake  # noqa: F821

with logged(sm):
    linear_response_panels(
        sm.input.responses,
        sm.input.sensitivity,
        sm.input.overlaps,
        sm.input.example,
        sm.output.png,
        sm.output.key_numbers,
        rules=sm.params.rules,
        patterns=int(sm.wildcards.patterns),
        bin_ms=sm.params.bin_ms,
        schedule=sm.params.schedule,
        reference_dir=sm.params.reference_dir,
    )
