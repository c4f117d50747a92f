"""Rule persistent: the cue-averaged response and the traces of one persistent-cue run."""

from _common import logged

from eiplast.stages.persistent import persistent_analysis

sm = snakemake  # noqa: F821

with logged(sm):
    persistent_analysis(
        sm.input.spikes,
        sm.input.network,
        sm.output.average,
        sm.output.traces,
        protocol=sm.params.protocol,
        config_key=f"stages.persistent.runs.{sm.wildcards.rule}",
        analysis=sm.params.analysis,
    )
