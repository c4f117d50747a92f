"""Connectivity with P assemblies (docs/model-description.md A1):
eiplast.stages.build_connectivity."""

from _common import logged, progress

from eiplast.stages import build_connectivity

sm = snakemake  # noqa: F821

with logged(sm):
    n_patterns = int(sm.wildcards.patterns)
    progress(f"building connectivity with {n_patterns} patterns, seed {sm.params.seed}")
    build_connectivity(dict(sm.params.network), n_patterns, sm.params.seed, sm.output.network)
