"""Rule perturbation_response: the E neurons' mean response to the perturbation schedule."""

from _common import logged

from eiplast.stages.linear import perturbation_response

sm = snakemake  # noqa: F821

with logged(sm):
    perturbation_response(
        sm.input.shards, sm.output.table, schedule=sm.params.schedule, bin_ms=sm.params.bin_ms
    )
