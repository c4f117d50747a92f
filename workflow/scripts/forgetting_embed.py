"""Rules forgetting_embed and forgetting_frozen: a trained network's inhibition carried into the
network with more assemblies (docs/forgetting.md)."""

from _common import logged

from eiplast.stages.forgetting import embed

sm = snakemake  # noqa: F821

with logged(sm):
    embed(sm.input.network, sm.input.trained, sm.output.network)
