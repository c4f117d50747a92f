"""Rule weight_drift: how far the I->E weights moved during spontaneous activity with
plasticity on."""

from _common import logged

from eiplast.stages.replay import weight_drift_table

sm = snakemake  # noqa: F821

with logged(sm):
    weight_drift_table(
        sm.input.trained,
        sm.input.learned,
        sm.output.table,
        change_fraction=sm.params.change_fraction,
        rule=sm.wildcards.rule,
        patterns=int(sm.wildcards.patterns),
        realisation=int(sm.wildcards.realisation),
    )
