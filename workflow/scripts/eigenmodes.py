"""Rule eigenmodes: eigenvalues of one rule's linearised network and its leading mode."""

from _common import logged

from eiplast.stages.linear import eigenmodes

sm = snakemake  # noqa: F821

with logged(sm):
    eigenmodes(
        sm.input.trained,
        sm.input.sensitivity,
        sm.output.spectrum,
        sm.output.modes,
        rule=sm.wildcards.rule,
        analysis=sm.params.analysis,
        seed=sm.params.seed,
    )
