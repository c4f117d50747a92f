"""Model and run parameters (docs/model-description.md A1–A5), with validation that names the
offending value.

Every class is built from the matching section of ``config/config.yaml`` with ``from_dict``;
defaults are the reference values (``oist-ncbc/barta_fukai_2025``: ``config/networks/basic.yml``,
``config/systems/*.yml``, ``src/network_ch.py``).
"""

from dataclasses import dataclass, field, fields

import numpy as np

from eiplast.engine.parameters import ParameterError


def _check(condition, key, value, reason):
    if not condition:
        raise ParameterError(f"invalid parameter {key}={value!r}: {reason}", key=key)


DRAWS = ("sequential", "nested")


def _from_dict(cls, values, section):
    values = dict(values or {})
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ParameterError(f"unknown key(s) in {section}: {', '.join(unknown)}")
    return cls(**values)


@dataclass(frozen=True)
class ConnectivityParams:
    """Network size, assemblies and block connectivity (A1). Weights in nS."""

    n_exc: int = 8000
    n_inh: int = 2000
    n_patterns: int = 1000
    pattern_sparsity: float = 0.01
    p_ee: float = 0.05
    p_ei: float = 0.1
    p_ie: float = 0.1
    p_ii: float = 0.1
    ee_mean_nS: float = 0.25
    ee_var_nS2: float = 0.125
    ei_nS: float = 0.5
    ie_nS: float = 0.5
    ii_nS: float = 1.5
    delay_range_ms: float = 2.0
    exc_extra_delay_ms: float = 1.0
    dt_ms: float = 0.1
    seed: int = 42
    # how the random numbers are laid out (connectivity.py): "sequential", one stream in order
    # as the reference; "nested", the first P₀ patterns and every synapse's draws independent
    # of the number of patterns (sequential embedding, docs/forgetting.md)
    draws: str = "sequential"

    @classmethod
    def from_dict(cls, values):
        return _from_dict(cls, values, "connectivity")

    def __post_init__(self):
        for key in ("n_exc", "n_inh", "n_patterns", "seed"):
            value = getattr(self, key)
            _check(isinstance(value, int | np.integer), key, value, "must be an integer")
        _check(self.n_exc >= 2, "n_exc", self.n_exc, "need at least 2 excitatory neurons")
        _check(self.n_inh >= 1, "n_inh", self.n_inh, "need at least 1 inhibitory neuron")
        _check(self.n_patterns >= 1, "n_patterns", self.n_patterns, "must be positive")
        _check(self.seed >= 0, "seed", self.seed, "must be non-negative")
        for key in ("pattern_sparsity", "p_ee", "p_ei", "p_ie", "p_ii"):
            value = getattr(self, key)
            _check(0.0 <= value <= 1.0, key, value, "a probability must lie in [0, 1]")
        expected = self.n_patterns * self.pattern_sparsity * self.n_exc
        _check(
            expected >= 2,
            "n_patterns*pattern_sparsity*n_exc",
            expected,
            "assemblies would hold fewer than 2 neurons on average",
        )
        for key in ("ee_mean_nS", "ee_var_nS2"):
            _check(getattr(self, key) > 0, key, getattr(self, key), "must be positive")
        for key in ("ei_nS", "ie_nS", "ii_nS", "delay_range_ms", "exc_extra_delay_ms"):
            _check(getattr(self, key) >= 0, key, getattr(self, key), "must be non-negative")
        _check(self.dt_ms > 0, "dt_ms", self.dt_ms, "must be positive")
        _check(self.draws in DRAWS, "draws", self.draws, f"must be one of {DRAWS}")

    @property
    def n_total(self):
        return self.n_exc + self.n_inh


@dataclass(frozen=True)
class NeuronParams:
    """Conductance-based neuron with MAT threshold (A2). mV, nS, pF, ms."""

    c_pF: float = 200.0
    g_leak_nS: float = 10.0
    e_leak_mV: float = -80.0
    e_exc_mV: float = 0.0
    e_inh_mV: float = -80.0
    tau_exc_ms: float = 6.0
    tau_inh_ms: float = 6.0
    theta0_mV: float = -55.0
    theta_max_mV: float = 0.0
    tau_h1_ms: float = 10.0
    tau_h2_ms: float = 200.0
    a1_mV: float = 2.0
    a1_alpha_scale_mV: float = 0.25
    a2_mV: float = 0.3
    refractory_ms: float = 2.0
    v_init_span_mV: float = 10.0

    @classmethod
    def from_dict(cls, values):
        return _from_dict(cls, values, "neuron")

    def __post_init__(self):
        # every field is a float (mV, nS, pF, ms): an integer from a config file becomes one
        for f in fields(self):
            object.__setattr__(self, f.name, float(getattr(self, f.name)))
        for key in ("c_pF", "g_leak_nS", "tau_exc_ms", "tau_inh_ms", "tau_h1_ms", "tau_h2_ms"):
            _check(getattr(self, key) > 0, key, getattr(self, key), "must be positive")
        for key in ("refractory_ms", "v_init_span_mV"):
            _check(getattr(self, key) >= 0, key, getattr(self, key), "must be non-negative")


@dataclass(frozen=True)
class BackgroundParams:
    """Independent Poisson sources onto g_e of every neuron (A3)."""

    n_sources: int = 1000
    rate_hz: float = 2.0
    weight_nS: float = 0.3

    @classmethod
    def from_dict(cls, values):
        return _from_dict(cls, values, "background")

    def __post_init__(self):
        _check(self.n_sources >= 0, "n_sources", self.n_sources, "must be non-negative")
        _check(self.rate_hz >= 0, "rate_hz", self.rate_hz, "must be non-negative")
        _check(self.weight_nS >= 0, "weight_nS", self.weight_nS, "must be non-negative")


RULE_KINDS = ("hebb", "rate", "static")


@dataclass(frozen=True)
class PlasticityParams:
    """I→E plasticity (A4). ``kind``: hebb (fLHP/sLHP), rate (GHP) or static."""

    kind: str = "hebb"
    tau_stdp_ms: float = 20.0
    target_rate_hz: float = 3.0
    tau_rate_s: float = 10.0
    w_max_nS: float = 100.0

    @classmethod
    def from_dict(cls, values):
        return _from_dict(cls, values, "plasticity")

    def __post_init__(self):
        _check(self.kind in RULE_KINDS, "kind", self.kind, f"must be one of {RULE_KINDS}")
        for key in ("tau_stdp_ms", "tau_rate_s", "w_max_nS"):
            _check(getattr(self, key) > 0, key, getattr(self, key), "must be positive")
        _check(self.target_rate_hz >= 0, "target_rate_hz", self.target_rate_hz, "must be >= 0")


@dataclass(frozen=True)
class Stimulus:
    """Extra drive onto g_e of chosen E neurons during [start_s, end_s) (cued recall): each step,
    each neuron gets one event of the background weight with probability min(1, rate_hz·dt)
    (the reference's Brian2 ``PoissonGroup``; at 10 kHz and dt = 0.1 ms, one event per step)."""

    start_s: float
    end_s: float
    neurons: tuple
    rate_hz: float = 10000.0

    def __post_init__(self):
        _check(0 <= self.start_s < self.end_s, "stimuli.start_s/end_s", (self.start_s, self.end_s),
               "need 0 <= start_s < end_s")  # fmt: skip
        _check(self.rate_hz >= 0, "stimuli.rate_hz", self.rate_hz, "must be >= 0")


@dataclass(frozen=True)
class RunParams:
    """One simulation stage (A5): duration, learning rate, recording, seed."""

    duration_s: float
    learning_rate: float = 0.0
    seed: int = 1
    chunk_s: float = 10.0
    record_state: bool = False
    state_interval_ms: float = 1.0
    shuffle_ei: bool = False
    save_weights: bool = False
    stimuli: tuple = field(default_factory=tuple)

    @classmethod
    def from_dict(cls, values):
        """Stimuli may be given as dicts with start_s, end_s, neurons (and rate_hz)."""
        values = dict(values or {})
        stimuli = values.get("stimuli", ())
        values["stimuli"] = tuple(
            s if isinstance(s, Stimulus) else Stimulus(**{**s, "neurons": tuple(s["neurons"])})
            for s in stimuli
        )
        return _from_dict(cls, values, "run")

    def __post_init__(self):
        _check(self.duration_s > 0, "duration_s", self.duration_s, "must be positive")
        _check(self.chunk_s > 0, "chunk_s", self.chunk_s, "must be positive")
        _check(self.learning_rate >= 0, "learning_rate", self.learning_rate, "must be >= 0")
        _check(self.state_interval_ms > 0, "state_interval_ms", self.state_interval_ms, "> 0")
        _check(
            isinstance(self.seed, int | np.integer) and self.seed >= 0,
            "seed",
            self.seed,
            "must be a non-negative integer",
        )
