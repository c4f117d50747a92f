"""Parameters of the plastic balanced network (MODEL.md Part B), validated.

One frozen dataclass holds everything the reference package
(``alanakil/PlasticBalancedNetsPackage``, ``plastic_balanced_network.network.PlasticNeuralNetwork``)
lets a user choose — network size and
E fraction, connection probabilities and strengths, duration, input rate and correlation,
injected currents, EIF parameters, every plasticity rule with its own parameters — plus the run
settings of our chunked runner. Defaults are the reference's defaults.

Units: ms, mV, Hz (the reference uses kHz for rates: ``rx = 0.01`` there is ``rate_x_hz = 10``
here, ``rho_ei = 0.010`` is ``rho_ei_hz = 10``). Unscaled strengths ``j_*`` are in the paper's
units; a synapse carries J = j/√N and a spike adds J/τ to the target's current.
"""

import math
from dataclasses import asdict, dataclass, fields

import numpy as np

from ..params import ParameterError

IE_HEBB_DEPRESSION = ("multiplicative", "additive")

# connection types, in the order used by the kernel and the records (post ← pre)
CONNECTIONS = ("ee", "ie", "ei", "ii")

_INT_KEYS = ("n", "seed", "record_every_steps", "n_record", "n_record_weights")
_BOOL_KEYS = ("autapses", "save_weights")
_OPTIONAL_INT_KEYS = ("connectivity_seed",)
_STR_KEYS = ("ie_hebb_depression",)


def _fail(key, value, reason):
    raise ParameterError(f"invalid parameter {key}={value!r}: {reason}")


def _is_real(value):
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def _is_int(value):
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


@dataclass(frozen=True)
class BalancedParams:
    """Everything that defines a plastic balanced network run (reference defaults).

    Plasticity: a rule is on when its learning rate ``eta_*`` is non-zero; at most one rule per
    connection (EE: ``eta_ee_hebb`` or ``eta_ee_koh``; IE: ``eta_ie_homeo`` or ``eta_ie_hebb``).
    ``jmax_*``, ``beta`` and ``j_norm_*`` are unscaled (divided by √N in the rules).
    """

    # network (PlasticNeuralNetwork.__init__ / .connectivity)
    n: int = 5000
    frac_exc: float = 0.8
    frac_ext: float = 0.2
    p_ee: float = 0.1
    p_ie: float = 0.1
    p_ei: float = 0.1
    p_ii: float = 0.1
    p_ex: float = 0.1
    p_ix: float = 0.1
    j_ee: float = 25.0
    j_ie: float = 112.5
    j_ei: float = -150.0
    j_ii: float = -250.0
    j_ex: float = 180.0
    j_ix: float = 135.0
    autapses: bool = True
    # external layer X (.ffwd_spikes)
    rate_x_hz: float = 10.0
    c_x: float = 0.1
    tau_jitter_ms: float = 5.0
    # constant injected current √N·j_stim_{e,i} from stim_start_ms on
    j_stim_e: float = 0.0
    j_stim_i: float = 0.0
    stim_start_ms: float = 0.0
    # EIF neuron and synapses (.simulate)
    c_m: float = 1.0
    g_l: float = 1.0 / 15.0
    e_l_mV: float = -72.0
    v_t_mV: float = -55.0
    delta_t_mV: float = 1.0
    v_th_mV: float = -50.0
    v_re_mV: float = -75.0
    tau_e_ms: float = 8.0
    tau_i_ms: float = 4.0
    tau_x_ms: float = 10.0
    # plasticity
    tau_stdp_ms: float = 200.0
    eta_ee_hebb: float = 0.0
    jmax_ee: float = 30.0
    eta_ee_koh: float = 0.0
    beta: float = 2.0
    eta_ie_homeo: float = 0.0
    rho_ie_hz: float = 20.0
    eta_ie_hebb: float = 0.0
    jmax_ie_hebb: float = 125.0
    ie_hebb_depression: str = "multiplicative"
    eta_ei: float = 0.0
    rho_ei_hz: float = 10.0
    eta_ii: float = 0.0
    rho_ii_hz: float = 20.0
    j_norm_ie: float = 112.5
    j_norm_ei: float = -150.0
    j_norm_ii: float = -250.0
    # run
    duration_s: float = 1.0
    dt_ms: float = 0.1
    seed: int = 1
    connectivity_seed: int | None = None
    chunk_s: float = 10.0
    record_every_steps: int = 1000
    n_record: int = 100
    n_record_weights: int = 100
    max_rate_hz: float = 50.0
    rate_window_ms: float = 1000.0
    save_weights: bool = True

    @classmethod
    def from_dict(cls, values):
        """Build from a plain dict (a config section); unknown keys are an error."""
        values = dict(values or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ParameterError(f"unknown key(s) in balanced parameters: {', '.join(unknown)}")
        return cls(**values)

    def to_dict(self):
        return asdict(self)

    def replace(self, **changes):
        return type(self).from_dict({**self.to_dict(), **changes})

    # derived sizes -------------------------------------------------------------------------
    @property
    def n_exc(self):
        return int(round(self.frac_exc * self.n))

    @property
    def n_inh(self):
        return self.n - self.n_exc

    @property
    def n_ext(self):
        return int(round(self.frac_ext * self.n))

    @property
    def n_steps(self):
        return int(round(self.duration_s * 1000.0 / self.dt_ms))

    @property
    def sqrt_n(self):
        return math.sqrt(self.n)

    @property
    def net_seed(self):
        return self.seed if self.connectivity_seed is None else self.connectivity_seed

    def rule(self, connection):
        """Name of the rule on ``connection`` (ee, ie, ei, ii) or None when static."""
        if connection == "ee":
            if self.eta_ee_hebb:
                return "hebb"
            return "kohonen" if self.eta_ee_koh else None
        if connection == "ie":
            if self.eta_ie_homeo:
                return "homeostatic"
            return "hebb" if self.eta_ie_hebb else None
        if connection == "ei":
            return "istdp" if self.eta_ei else None
        if connection == "ii":
            return "istdp" if self.eta_ii else None
        raise ValueError(f"unknown connection {connection!r}; expected one of {CONNECTIONS}")

    @property
    def plastic(self):
        return any(self.rule(c) for c in CONNECTIONS)

    # validation ----------------------------------------------------------------------------
    def __post_init__(self):
        for f in fields(self):
            key, value = f.name, getattr(self, f.name)
            if key in _INT_KEYS:
                if not _is_int(value):
                    _fail(key, value, "must be an integer")
            elif key in _OPTIONAL_INT_KEYS:
                if value is not None and not _is_int(value):
                    _fail(key, value, "must be an integer or None")
            elif key in _BOOL_KEYS:
                if not isinstance(value, bool | np.bool_):
                    _fail(key, value, "must be true or false")
            elif key in _STR_KEYS:
                if not isinstance(value, str):
                    _fail(key, value, "must be a string")
            elif not _is_real(value):
                _fail(key, value, "must be a real number")
            elif not math.isfinite(value):
                _fail(key, value, "must be finite")
        self._check_values()

    def _check_values(self):
        def positive(*keys):
            for key in keys:
                if not getattr(self, key) > 0:
                    _fail(key, getattr(self, key), "must be positive")

        def non_negative(*keys):
            for key in keys:
                if not getattr(self, key) >= 0:
                    _fail(key, getattr(self, key), "must be >= 0")

        def negative(*keys):
            for key in keys:
                if not getattr(self, key) < 0:
                    _fail(key, getattr(self, key), "must be negative (inhibitory)")

        positive("n", "duration_s", "dt_ms", "chunk_s", "record_every_steps")
        positive("c_m", "g_l", "delta_t_mV", "tau_e_ms", "tau_i_ms", "tau_x_ms", "tau_stdp_ms")
        positive("tau_jitter_ms", "max_rate_hz", "rate_window_ms")
        for key in ("frac_exc", "frac_ext", "p_ee", "p_ie", "p_ei", "p_ii", "p_ex", "p_ix", "c_x"):
            value = getattr(self, key)
            if not 0.0 <= value <= 1.0:
                _fail(key, value, "must lie in [0, 1]")
        positive("j_ee", "j_ie", "j_ex", "j_ix")
        negative("j_ei", "j_ii")
        non_negative("rate_x_hz", "stim_start_ms", "n_record", "n_record_weights", "seed")
        if self.connectivity_seed is not None:
            non_negative("connectivity_seed")
        # plasticity
        non_negative("eta_ee_hebb", "eta_ee_koh", "eta_ie_homeo", "eta_ie_hebb")
        non_negative("eta_ei", "eta_ii")
        positive("jmax_ee", "beta", "rho_ie_hz", "jmax_ie_hebb", "rho_ei_hz", "rho_ii_hz")
        positive("j_norm_ie")
        negative("j_norm_ei", "j_norm_ii")
        if self.ie_hebb_depression not in IE_HEBB_DEPRESSION:
            _fail("ie_hebb_depression", self.ie_hebb_depression, f"one of {IE_HEBB_DEPRESSION}")
        if self.eta_ee_hebb and self.eta_ee_koh:
            raise ParameterError(
                f"invalid parameters eta_ee_hebb={self.eta_ee_hebb!r} and "
                f"eta_ee_koh={self.eta_ee_koh!r}: two plasticity rules (Hebbian and Kohonen) "
                "on the same EE connection; set one of them to 0"
            )
        if self.eta_ie_hebb and self.eta_ie_homeo:
            raise ParameterError(
                f"invalid parameters eta_ie_hebb={self.eta_ie_hebb!r} and "
                f"eta_ie_homeo={self.eta_ie_homeo!r}: two plasticity rules (Hebbian and "
                "homeostatic) on the same IE connection; set one of them to 0"
            )
        # neuron: reset below threshold, the EIF upswing (V_T) below the spike cut (V_th)
        if not self.v_re_mV < self.v_th_mV:
            _fail("v_re_mV", self.v_re_mV, f"reset must lie below v_th_mV={self.v_th_mV}")
        if not self.v_t_mV < self.v_th_mV:
            _fail("v_t_mV", self.v_t_mV, f"must lie below the spike cut v_th_mV={self.v_th_mV}")
        # sizes
        if self.n_exc < 1:
            _fail("frac_exc", self.frac_exc, f"gives {self.n_exc} E neurons for n={self.n}")
        if self.n_inh < 1:
            _fail("frac_exc", self.frac_exc, f"gives {self.n_inh} I neurons for n={self.n}")
        if self.n_ext < 1 and self.rate_x_hz > 0 and (self.p_ex > 0 or self.p_ix > 0):
            _fail("frac_ext", self.frac_ext, f"gives no X neuron for n={self.n}")
        if self.n_steps < 1:
            _fail("duration_s", self.duration_s, f"shorter than one step of {self.dt_ms} ms")
        if self.rate_x_hz * self.dt_ms / 1000.0 * max(self.n_ext, 1) > 1e6:
            _fail("rate_x_hz", self.rate_x_hz, "more than 1e6 input spikes per step")
        for key in ("tau_e_ms", "tau_i_ms", "tau_x_ms", "tau_stdp_ms"):
            if getattr(self, key) <= self.dt_ms:
                _fail(key, getattr(self, key), f"forward Euler needs tau > dt_ms={self.dt_ms}")
        if self.c_m / self.g_l <= self.dt_ms:
            _fail("g_l", self.g_l, f"membrane time constant c_m/g_l must exceed dt_ms={self.dt_ms}")
