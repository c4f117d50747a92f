"""Perturbation run of the isolated neurons of one shard (docs/model-description.md A6):
eiplast.stages.run_perturbation. Progress goes to the log; the core checkpoints beside the
output and resumes when rerun."""

import numpy as np
from _common import logged, progress, report_checkpoint, shard_range

from eiplast.stages import run_perturbation

sm = snakemake  # noqa: F821

with logged(sm):
    start, stop = shard_range(sm)
    cfg = dict(sm.params.schedule)
    schedule = {
        "n_repetitions": cfg["repetitions"],
        "amplitudes": np.linspace(
            cfg["amplitude_min_nS"], cfg["amplitude_max_nS"], cfg["n_amplitudes"]
        ),
        "step_s": cfg["step_s"],
        "stim_steps": cfg["stim_steps"],
        "inh_factor": cfg["inh_factor"],
    }
    progress(f"perturbation of neurons [{start}, {stop}); schedule {cfg}")
    report_checkpoint(sm.output.spikes)
    summary = run_perturbation(
        sm.input.stats,
        sm.output.spikes,
        network_file=sm.input.network,
        schedule=schedule,
        seed=sm.params.seed,
        neuron_start=start,
        neuron_stop=stop,
        neuron=dict(sm.params.neuron),
        chunk_s=cfg["chunk_s"],
        progress=True,
    )
    progress(f"perturbation finished: {summary}")
