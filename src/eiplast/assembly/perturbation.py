"""The perturbation schedule of the isolation runs (docs/model-description.md A6; reference
``src/network_ch.py``, isolation mode, "weak" schedule).

Entries of ``step_s`` = 0.1 s. A stimulus is ``stim_steps`` = 5 entries, the first carrying the
amplitude, the other four zero. A *block* is one stimulus per amplitude (8 × 5 = 40 entries).
The schedule is one silent block (the reference's ``init_steps = stim_steps · len(amplitudes)``
= 40 entries = 4 s), then ``n_repetitions`` × [excitatory block (a on g_ext,e), inhibitory
block (``inh_factor``·a on g_ext,i)]. Total 40 + 1000 · 80 = 80 040 entries = 8004 s.

The schedule is built once per stage from the configuration section ``stages.perturbation`` as
written (:meth:`PerturbationSchedule.from_config`); the perturbation run drives the neurons
with :meth:`PerturbationSchedule.conductances_nS`, the sensitivity fit reads the same object.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

DEFAULT_AMPLITUDES = np.linspace(-0.35, 0.35, 8)  # nS, the reference's amplitude grid
CONFIG_KEYS = (
    "repetitions",
    "amplitude_min_nS",
    "amplitude_max_nS",
    "n_amplitudes",
    "step_s",
    "stim_steps",
    "inh_factor",
)


def check_schedule_args(n_repetitions, amplitudes, stim_steps, inh_factor):
    """``(amplitudes as float64, n_repetitions, stim_steps)``; ValueError naming the value."""
    amplitudes = np.asarray(amplitudes, np.float64)
    if amplitudes.ndim != 1 or amplitudes.size == 0:
        raise ValueError(f"amplitudes must be a non-empty 1-D array, got shape {amplitudes.shape}")
    if int(n_repetitions) != n_repetitions or n_repetitions < 0:
        raise ValueError(f"n_repetitions must be a non-negative integer, got {n_repetitions}")
    if int(stim_steps) != stim_steps or stim_steps < 1:
        raise ValueError(f"stim_steps must be a positive integer, got {stim_steps}")
    if not np.isfinite(inh_factor):
        raise ValueError(f"inh_factor must be finite, got {inh_factor}")
    return amplitudes, int(n_repetitions), int(stim_steps)


def perturbation_schedule(
    n_repetitions: int = 1000,
    amplitudes=DEFAULT_AMPLITUDES,
    stim_steps: int = 5,
    *,
    inh_factor: float = 2.0,
) -> tuple[np.ndarray, np.ndarray]:
    """External conductances (nS) per schedule entry: ``(g_ext_e_nS, g_ext_i_nS)``, each of
    length ``stim_steps·len(amplitudes)·(1 + 2·n_repetitions)`` (see the module docstring).
    How long an entry lasts is the run's business (``step_s``), not the schedule's."""
    amplitudes, n_rep, stim_steps = check_schedule_args(
        n_repetitions, amplitudes, stim_steps, inh_factor
    )
    block = stim_steps * amplitudes.size
    pulse = np.zeros(block)
    pulse[::stim_steps] = amplitudes
    ge = np.zeros(block * (1 + 2 * n_rep))
    gi = np.zeros_like(ge)
    body_e = ge[block:].reshape(n_rep, 2, block)
    body_i = gi[block:].reshape(n_rep, 2, block)
    body_e[:, 0, :] = pulse
    body_i[:, 1, :] = pulse * inh_factor
    return ge, gi


@dataclass(frozen=True)
class PerturbationSchedule:
    """One perturbation schedule: ``n_repetitions`` blocks pairs, amplitudes (nS), entry
    length ``step_s`` (s), entries per stimulus ``stim_steps``, inhibitory factor."""

    n_repetitions: int
    amplitudes_nS: tuple[float, ...]
    step_s: float
    stim_steps: int
    inh_factor: float

    @classmethod
    def from_config(cls, section: Mapping) -> PerturbationSchedule:
        """From the configuration section ``stages.perturbation`` as written (amplitudes
        ``linspace(amplitude_min_nS, amplitude_max_nS, n_amplitudes)``; other keys of the
        section, such as ``chunk_s``, are the run's)."""
        missing = [key for key in CONFIG_KEYS if key not in section]
        if missing:
            raise ValueError(f"stages.perturbation: missing keys {missing}")
        amplitudes = np.linspace(
            section["amplitude_min_nS"], section["amplitude_max_nS"], section["n_amplitudes"]
        )
        schedule = cls(
            n_repetitions=section["repetitions"],
            amplitudes_nS=tuple(float(a) for a in amplitudes),
            step_s=section["step_s"],
            stim_steps=section["stim_steps"],
            inh_factor=section["inh_factor"],
        )
        check_schedule_args(
            schedule.n_repetitions, amplitudes, schedule.stim_steps, schedule.inh_factor
        )
        if not schedule.step_s > 0:
            raise ValueError(f"stages.perturbation.step_s must be positive, got {schedule.step_s}")
        return schedule

    @property
    def amplitudes(self) -> np.ndarray:
        return np.asarray(self.amplitudes_nS, np.float64)

    @property
    def n_entries(self) -> int:
        """Entries of the schedule: one silent block, then two blocks per repetition."""
        return self.stim_steps * len(self.amplitudes_nS) * (1 + 2 * self.n_repetitions)

    @property
    def duration_s(self) -> float:
        """Length of the schedule (s)."""
        return self.n_entries * self.step_s

    def conductances_nS(self) -> tuple[np.ndarray, np.ndarray]:
        """``(g_ext_e_nS, g_ext_i_nS)`` per entry (:func:`perturbation_schedule`)."""
        return perturbation_schedule(
            self.n_repetitions, self.amplitudes, self.stim_steps, inh_factor=self.inh_factor
        )
