"""Rule linear_response: linear drive of every pattern (overlaps, angles, completion)."""

from _common import logged

from eiplast.stages.linear import linear_response

sm = snakemake  # noqa: F821

with logged(sm):
    linear_response(
        sm.input.network,
        sm.input.sensitivity,
        {name: sm.output[name] for name in sm.output.keys()},
        rules=sm.params.rules,
        analysis=sm.params.analysis,
        seed=sm.params.seed,
        patterns=int(sm.wildcards.patterns),
        realisation=int(sm.wildcards.realisation),
    )
