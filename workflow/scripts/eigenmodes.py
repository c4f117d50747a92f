"""Rule eigenmodes: eigenvalues of the linearised network and its leading mode."""

from _common import logged

from eiplast.stages.linear import eigenmodes

sm = snakemake  # noqa: F821

with logged(sm):
    eigenmodes(
        sm.input.trained,
        sm.input.sensitivity,
        sm.output.spectrum,
        sm.output.modes,
        rules=sm.params.rules,
        analysis=sm.params.analysis,
        seed=sm.params.seed,
    )
