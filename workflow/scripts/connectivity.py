"""Rule connectivity: the connected network with P assemblies (docs/model-description.md A1)."""

from _common import logged

from eiplast.stages.network import build_connectivity

sm = snakemake  # noqa: F821

with logged(sm):
    build_connectivity(sm.params.network, sm.wildcards.patterns, sm.params.seed, sm.output.network)
