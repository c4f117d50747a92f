"""Linear sensitivity of the neurons of one shard (docs/model-description.md A6):
eiplast.analysis.sensitivity.linear_sensitivity on the shard's perturbation run."""

import numpy as np
from _common import logged, progress, shard_range

from eiplast.analysis.sensitivity import linear_sensitivity
from eiplast.analysis.summary import write_csv

sm = snakemake  # noqa: F821

with logged(sm):
    start, stop = shard_range(sm)
    fit = sm.params.fit
    amplitudes = np.linspace(fit["amplitude_min_nS"], fit["amplitude_max_nS"], fit["n_amplitudes"])
    table = linear_sensitivity(
        sm.input.spikes,
        n_repetitions=fit["repetitions"],
        amplitudes=amplitudes,
        step_s=fit["step_s"],
        stim_steps=fit["stim_steps"],
        degree=fit["degree"],
        chunk_s=fit["chunk_s"],
    )
    table = table[(table["neuron"] >= start) & (table["neuron"] < stop)]
    progress(f"sensitivity of {len(table)} neurons [{start}, {stop})")
    write_csv(table, sm.output.sensitivity)
