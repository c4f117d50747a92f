"""Rule figure_excitability: E neurons' g_e against g_i, assemblies' g_e against replays."""

from _common import logged

from eiplast.stages.figures import excitability_scatter

sm = snakemake  # noqa: F821

with logged(sm):
    excitability_scatter(
        sm.input.stats,
        sm.input.assemblies,
        sm.input.network,
        sm.output.png,
        rules=sm.params.rules,
        patterns=int(sm.wildcards.patterns),
        reference_dir=sm.params.reference_dir,
    )
