"""The cued-recall protocol (paper Fig 3; reference run type ``config/runtypes/stimuli100ms.yml``).

After a lead-in of ``start_s``, pattern i (i = 0 … n_cues − 1) is cued during
[start_s + i·spacing_s, start_s + i·spacing_s + cue_s): its first ``n_cued`` members in ascending
neuron index (every member when n_cued is None) each receive one background-weight event onto
g_e per step with probability min(1, rate_hz·dt) (``params.Stimulus``; 10 kHz at dt = 0.1 ms is
one 0.3 nS event every step).
The run lasts start_s + n_cues·spacing_s (the reference's ``full`` length, P + 1 s); learning
is off. The reference: start 1 s, cue 0.1 s, spacing 1 s, 10 members, 10 kHz, every pattern cued
(``stimuli100ms.yml``); for persistent activity (Fig S1) every member, 1 s apart
(``stimuli100ms_full.yml``) or 10 s apart, 201 cues (``stimuli100ms_persist.yml``).
"""

from dataclasses import dataclass

import numpy as np

from eiplast.assembly.connectivity import Patterns
from eiplast.assembly.params import Stimulus
from eiplast.engine.parameters import ParameterError


@dataclass(frozen=True)
class CueProtocol:
    """Cue schedule (s), members cued per pattern (None: all), cue event rate (Hz), patterns
    cued (None: every pattern from ``first_cue`` on), the first pattern cued."""

    n_cued: int | None = 10
    start_s: float = 1.0
    cue_s: float = 0.1
    spacing_s: float = 1.0
    rate_hz: float = 10000.0
    max_cues: int | None = None
    first_cue: int = 0

    def __post_init__(self):
        checks = (
            ("n_cued", self.n_cued, self.n_cued is None or self.n_cued >= 1,
             "must be >= 1 or null"),
            ("start_s", self.start_s, self.start_s >= 0, "must be >= 0"),
            ("cue_s", self.cue_s, 0 < self.cue_s <= self.spacing_s, "must be in (0, spacing_s]"),
            ("rate_hz", self.rate_hz, self.rate_hz > 0, "must be positive"),
            ("max_cues", self.max_cues, self.max_cues is None or self.max_cues >= 1,
             "must be >= 1 or null"),
            ("first_cue", self.first_cue, self.first_cue >= 0, "must be >= 0"),
        )  # fmt: skip
        for key, value, ok, why in checks:
            if not ok:
                raise ParameterError(f"{key} = {value!r}: {why}")

    @classmethod
    def from_config(cls, section, name="stages.cued_recall"):
        """From the configuration section ``name`` (keys other than the protocol's fields, such
        as ``enabled`` or ``chunk_s``, belong to the workflow and the run)."""
        fields = cls.__dataclass_fields__
        try:
            return cls(**{k: v for k, v in dict(section).items() if k in fields})
        except ParameterError as error:
            raise ParameterError(f"{name}.{error}") from None

    def n_cues(self, n_patterns: int) -> int:
        available = max(0, n_patterns - self.first_cue)
        return available if self.max_cues is None else min(available, self.max_cues)

    def cued_patterns(self, n_patterns: int) -> np.ndarray:
        """The patterns cued, in cue order: first_cue, first_cue + 1, …"""
        return self.first_cue + np.arange(self.n_cues(n_patterns))

    def duration_s(self, n_patterns: int) -> float:
        return self.start_s + self.n_cues(n_patterns) * self.spacing_s

    def onsets_s(self, n_patterns: int) -> np.ndarray:
        """Cue onset of the ``cued_patterns`` (s)."""
        return self.start_s + self.spacing_s * np.arange(self.n_cues(n_patterns))


def cued_members(patterns: Patterns, pattern: int, n_cued: int | None) -> np.ndarray:
    """The first ``n_cued`` members of ``pattern`` (ascending neuron index; all if fewer or
    ``n_cued`` is None)."""
    members = patterns.members[patterns.indptr[pattern] : patterns.indptr[pattern + 1]]
    return members if n_cued is None else members[:n_cued]


def cue_stimuli(patterns: Patterns, protocol: CueProtocol) -> tuple[Stimulus, ...]:
    """One ``Stimulus`` per cued pattern, in cue order."""
    return tuple(
        Stimulus(
            float(onset),
            float(onset) + protocol.cue_s,
            tuple(int(i) for i in cued_members(patterns, p, protocol.n_cued)),
            protocol.rate_hz,
        )
        for p, onset in zip(
            protocol.cued_patterns(patterns.n_patterns),
            protocol.onsets_s(patterns.n_patterns),
            strict=True,
        )
    )
