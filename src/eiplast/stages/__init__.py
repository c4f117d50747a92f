"""The application layer: one function per workflow rule, plain config sections (as written in
the configuration) and file paths in, files out. Every ``workflow/scripts/*.py`` maps
``snakemake.input/params/output`` to exactly one of these calls; each checks its parameters
before any heavy work starts and writes its outputs atomically.

=========================  ===================================================================
module                     rules
=========================  ===================================================================
``stages.network``         connectivity, train / spontaneous / spontaneous_shuffle /
                           conductances, conductance_stats_shard, perturbation_shard,
                           sensitivity_shard (the Barta & Fukai network, A1, A5, A6)
``stages.replay``          activations, replay (A7, A8)
``stages.tables``          conductance_stats / sensitivity (gathering shards), summary
``stages.figures``         figure_* (the reproduction's figures)
``stages.balanced``        balanced_run, balanced_summary, balanced_size / _istdp /
                           _correlation (Akil et al. 2021)
=========================  ===================================================================
"""

from eiplast.stages.network import (
    build_connectivity,
    conductance_statistics,
    run_network_stage,
    run_perturbation,
    sensitivity_shard,
)

__all__ = [
    "build_connectivity",
    "conductance_statistics",
    "run_network_stage",
    "run_perturbation",
    "sensitivity_shard",
]
