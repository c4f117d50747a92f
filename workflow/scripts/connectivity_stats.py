"""Rule connectivity_stats: E->E connections within assemblies and random assemblies."""

from _common import logged

from eiplast.stages.specialisation import connections_within_assemblies

sm = snakemake  # noqa: F821

with logged(sm):
    connections_within_assemblies(
        sm.input.network,
        sm.output.summary,
        patterns=int(sm.wildcards.patterns),
        realisation=int(sm.wildcards.realisation),
        seed=sm.params.seed,
    )
