"""Linear sensitivity of isolated neurons to conductance perturbations (docs/model-description.md
A6; reference ``src/linear_sensitivity.py``). The schedule the neurons were driven with is
``eiplast.assembly.perturbation``.

Analysis: spike counts per neuron in bins of ``step_s`` aligned with the schedule (bin k =
steps ``[k·B, (k+1)·B)``, B = step_s/dt), averaged over repetitions at each stimulus-onset
bin (the reference reshapes the counts to blocks of 40, takes odd blocks for E and even
blocks ≥ 2 for I, averages and keeps every 5th bin), then a cubic in the amplitude grid
``a`` — the same grid for both kinds, although the inhibitory pulses are 2a — fitted per
neuron. Units, as in the reference: responses are spike counts per ``step_s`` bin, so
``activation_exc``/``activation_inh`` are (spikes per 0.1 s bin) per nS of ``a``, and the
reference's ``rate`` (mean of the two intercepts) is spikes per bin; we also give
``rate_hz = rate / step_s``.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from numba import njit

from eiplast.assembly.perturbation import DEFAULT_AMPLITUDES, check_schedule_args
from eiplast.engine.formats import iter_spike_chunks, open_spikes, spike_meta, steps_per


@njit(cache=True)
def _onset_counts(neurons, bins, init, block, stim_steps, n_rep, counts):
    """Add each spike to counts[neuron, kind, amplitude] if its bin is a stimulus onset."""
    for k in range(neurons.shape[0]):
        b = bins[k]
        if b < init:
            continue
        q = b - init
        r = q // (2 * block)
        if r >= n_rep:
            continue
        w = q - r * 2 * block
        kind = w // block
        o = w - kind * block
        if o % stim_steps != 0:
            continue
        counts[neurons[k], kind, o // stim_steps] += 1


def fit_sensitivity(
    mean_exc: np.ndarray, mean_inh: np.ndarray, amplitudes, degree: int = 3
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-neuron polynomial fit of the onset responses, one least-squares solve for all.

    ``mean_exc``/``mean_inh``: (N, n_amp) mean counts. Returns ``(activation_exc,
    activation_inh, rate)``: the linear coefficients and the mean of the two intercepts
    (same as ``np.polyfit(a, y, degree)[-2]`` and ``[-1]`` neuron by neuron).
    """
    amplitudes = np.asarray(amplitudes, np.float64)
    if amplitudes.size < degree + 1:
        raise ValueError(
            f"a degree-{degree} fit needs at least {degree + 1} amplitudes, got {amplitudes.size}"
        )
    n = mean_exc.shape[0]
    vander = np.vander(amplitudes, degree + 1)  # columns a^d … a, 1
    rhs = np.concatenate([mean_exc, mean_inh], axis=0).T  # (n_amp, 2N)
    coef, *_ = np.linalg.lstsq(vander, rhs, rcond=None)
    lin, icpt = coef[-2], coef[-1]
    return lin[:n], lin[n:], 0.5 * (icpt[:n] + icpt[n:])


def linear_sensitivity(
    spike_file: str | os.PathLike,
    *,
    n_repetitions: int | None = 1000,
    amplitudes=DEFAULT_AMPLITUDES,
    step_s: float = 0.1,
    stim_steps: int = 5,
    degree: int = 3,
    chunk_s: float = 100.0,
) -> pd.DataFrame:
    """Linear sensitivity of every neuron of a perturbation run (streamed over the file).

    ``n_repetitions=None`` infers it from the file length. The file must cover at least the
    whole schedule (``n_steps ≥ len(schedule)·step_s/dt``; later spikes are ignored).
    Returns one row per neuron: ``neuron`` (global index), ``population`` ("E"/"I"),
    ``n_index`` (index within its population), ``activation_exc``, ``activation_inh``
    (spikes per bin per nS of the amplitude grid), ``rate`` (spikes per ``step_s`` bin, the
    reference's unit) and ``rate_hz``.
    """
    amplitudes, _, stim_steps = check_schedule_args(
        0 if n_repetitions is None else n_repetitions, amplitudes, stim_steps, 2.0
    )
    if not step_s > 0:
        raise ValueError(f"step_s must be positive, got {step_s}")
    if amplitudes.size < degree + 1:
        raise ValueError(
            f"a degree-{degree} fit needs at least {degree + 1} amplitudes, got {amplitudes.size}"
        )
    block = stim_steps * amplitudes.size
    with open_spikes(spike_file) as f:
        meta = spike_meta(f)
        bin_steps = steps_per(meta.path, step_s * 1000.0, meta.dt_ms, "step_s")
        n_bins = meta.n_steps // bin_steps
        if n_repetitions is None:
            n_repetitions = (n_bins - block) // (2 * block)
            if n_repetitions < 1:
                raise ValueError(
                    f"{meta.path}: n_steps={meta.n_steps} holds no full repetition of the "
                    f"perturbation schedule (needs {3 * block} bins of {step_s} s)"
                )
        n_rep = int(n_repetitions)
        if n_rep < 1:
            raise ValueError(f"n_repetitions must be ≥ 1, got {n_repetitions}")
        needed = block * (1 + 2 * n_rep)
        if n_bins < needed:
            raise ValueError(
                f"{meta.path}: n_steps={meta.n_steps} covers {n_bins} bins of {step_s} s but "
                f"the schedule ({n_rep} repetitions) needs {needed}"
            )
        n_total = meta.n_exc + meta.n_inh
        counts = np.zeros((n_total, 2, amplitudes.size), np.int64)
        chunk_steps = max(1, int(round(chunk_s * 1000.0 / meta.dt_ms)) // bin_steps) * bin_steps
        for _, _, neurons, steps in iter_spike_chunks(
            f, meta, 0, needed * bin_steps, chunk_steps, align_steps=bin_steps
        ):
            _onset_counts(neurons, steps // bin_steps, block, block, stim_steps, n_rep, counts)
    mean = counts / n_rep
    act_e, act_i, rate = fit_sensitivity(mean[:, 0, :], mean[:, 1, :], amplitudes, degree)
    neuron = np.arange(n_total)
    return pd.DataFrame(
        {
            "neuron": neuron,
            "population": np.where(neuron < meta.n_exc, "E", "I"),
            "n_index": np.where(neuron < meta.n_exc, neuron, neuron - meta.n_exc),
            "activation_exc": act_e,
            "activation_inh": act_i,
            "rate": rate,
            "rate_hz": rate / step_s,
        }
    )
