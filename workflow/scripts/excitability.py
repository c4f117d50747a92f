"""Rule excitability: assemblies' mean robust conductances and replay counts of one P x
realisation."""

from _common import logged

from eiplast.stages.excitability import excitability

sm = snakemake  # noqa: F821

with logged(sm):
    excitability(
        sm.input.stats,
        sm.input.activations,
        sm.input.network,
        sm.output.assemblies,
        sm.output.summary,
        rules=sm.params.rules,
        patterns=int(sm.wildcards.patterns),
        realisation=int(sm.wildcards.realisation),
    )
