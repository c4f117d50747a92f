"""Rule eigen_activity: the leading eigenvector of one rule's linearised network and the
activity of its eigen-assembly and closest patterns in the spontaneous run (paper Fig 8 B-F)."""

from _common import logged

from eiplast.stages.linear import eigen_activity

sm = snakemake  # noqa: F821

with logged(sm):
    eigen_activity(
        sm.input.trained,
        sm.input.sensitivity,
        sm.input.spikes,
        sm.output.vector,
        sm.output.activity,
        rule=sm.wildcards.rule,
        eigen=sm.params.eigen,
        activity=sm.params.activity,
        seed=sm.params.seed,
    )
