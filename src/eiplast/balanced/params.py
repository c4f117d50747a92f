"""Parameters of the plastic balanced network (docs/model-description.md Part B), validated.

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

from eiplast.engine.parameters import ParameterError

IE_HEBB_DEPRESSION = ("multiplicative", "additive")
# what a run does when its population rate exceeds max_rate_hz: raise RateExplosionError, or
# end there and write the file up to that window (a result of a stability sweep)
ON_EXPLOSION = ("error", "stop")

# connection types, in the order used by the kernel and the records (post ← pre)
CONNECTIONS = ("ee", "ie", "ei", "ii")
# the learning rate of every rule a connection can carry (at most one non-zero) and the rule's
# name, in the order ``BalancedParams.rule`` reports them; the last three of each are the rules
# of the package's MATLAB scripts (hard-bound Hebbian, "Oja", "triplet")
_MATLAB_RULES = (("hard", "hard_hebb"), ("oja", "oja"), ("triplet", "triplet"))
RULE_RATES = {
    "ee": (("eta_ee_hebb", "hebb"), ("eta_ee_koh", "kohonen")),
    "ie": (("eta_ie_homeo", "homeostatic"), ("eta_ie_hebb", "hebb")),
    "ei": (("eta_ei", "istdp"),),
    "ii": (("eta_ii", "istdp"),),
}
RULE_RATES = {
    c: rates + tuple((f"eta_{c}_{suffix}", name) for suffix, name in _MATLAB_RULES)
    for c, rates in RULE_RATES.items()
}

_INT_KEYS = ("n", "seed", "record_every_steps", "n_record", "n_record_weights")
_BOOL_KEYS = ("autapses", "save_weights")
_OPTIONAL_INT_KEYS = ("connectivity_seed",)
_STR_KEYS = ("ie_hebb_depression", "on_explosion")


def _fail(key, value, reason):
    raise ParameterError(f"invalid parameter {key}={value!r}: {reason}", key=key)


def _check(params, keys, ok, reason):
    """Raise ``ParameterError`` naming the first of ``keys`` whose value fails ``ok``."""
    for key in keys:
        value = getattr(params, key)
        if not ok(value):
            _fail(key, value, reason)


def _is_real(value):
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def _is_int(value):
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def _is_int_or_none(value):
    return value is None or _is_int(value)


def _is_bool(value):
    return isinstance(value, bool | np.bool_)


@dataclass(frozen=True)
class BalancedParams:
    """Everything that defines a plastic balanced network run (reference defaults).

    Plasticity: a rule is on when its learning rate ``eta_*`` is non-zero; at most one rule per
    connection (``RULE_RATES``: EE ``eta_ee_hebb`` or ``eta_ee_koh``, IE ``eta_ie_homeo`` or
    ``eta_ie_hebb``, EI ``eta_ei``, II ``eta_ii``, and on every connection c the MATLAB
    scripts' rules ``eta_<c>_hard``, ``eta_<c>_oja``, ``eta_<c>_triplet``). ``jmax_*``,
    ``jmin_*``, ``beta``, ``beta_oja`` and ``j_norm_*`` are unscaled (divided by √N in the
    rules); the hard bounds are magnitudes |J| on every connection.
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
    # optogenetic-style stimulation (the package's MATLAB optogenetics scripts): a second
    # Poisson layer of opto_frac_ext·N neurons at opto_rate_hz, active in [opto_start_s,
    # opto_stop_s), projecting with probability p_opto and weight j_opto/√N onto the first
    # opto_frac·N E neurons only; off while opto_frac is 0
    opto_frac: float = 0.0
    opto_frac_ext: float = 0.2
    opto_rate_hz: float = 5.0
    j_opto: float = 180.0
    p_opto: float = 0.1
    opto_start_s: float = 0.0
    opto_stop_s: float = 0.0
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
    # rules of the package's MATLAB scripts only (docs/balanced.md, "The MATLAB-only rules")
    eta_ee_hard: float = 0.0
    jmax_ee_hard: float = 1000.0
    jmin_ee_hard: float = 0.0
    eta_ee_oja: float = 0.0
    beta_oja: float = 25.0
    gamma_oja: float = 1.0
    eta_ee_triplet: float = 0.0
    theta_triplet_hz: float = 10.0
    # the same rules on the other connections (bounds are magnitudes |J|; docs/balanced.md)
    eta_ie_hard: float = 0.0
    jmax_ie_hard: float = 1000.0
    jmin_ie_hard: float = 0.0
    eta_ie_oja: float = 0.0
    eta_ie_triplet: float = 0.0
    eta_ei_hard: float = 0.0
    jmax_ei_hard: float = 1000.0
    jmin_ei_hard: float = 0.0
    eta_ei_oja: float = 0.0
    eta_ei_triplet: float = 0.0
    eta_ii_hard: float = 0.0
    jmax_ii_hard: float = 1000.0
    jmin_ii_hard: float = 0.0
    eta_ii_oja: float = 0.0
    eta_ii_triplet: float = 0.0
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
    on_explosion: str = "error"
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
    def n_opto_targets(self):
        """The stimulated E neurons 0 … n_opto_targets − 1 (none when stimulation is off)."""
        return int(round(self.opto_frac * self.n)) if self.opto else 0

    @property
    def n_opto(self):
        """Neurons of the stimulation layer (none when stimulation is off)."""
        return int(round(self.opto_frac_ext * self.n)) if self.opto else 0

    @property
    def opto(self):
        """Whether the stimulation layer exists: targets, a rate and a window."""
        return self.opto_frac > 0 and self.opto_rate_hz > 0 and self.opto_stop_s > self.opto_start_s

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
        if connection not in CONNECTIONS:
            raise ValueError(f"unknown connection {connection!r}; expected one of {CONNECTIONS}")
        for key, name in RULE_RATES[connection]:
            if getattr(self, key):
                return name
        return None

    def matlab_rule_rate(self, connection, rule):
        """Learning rate of a MATLAB-only rule (``hard_hebb``, ``oja``, ``triplet``) on
        ``connection``."""
        suffix = {"hard_hebb": "hard", "oja": "oja", "triplet": "triplet"}[rule]
        return getattr(self, f"eta_{connection}_{suffix}")

    @property
    def plastic(self):
        return any(self.rule(c) for c in CONNECTIONS)

    # validation ----------------------------------------------------------------------------
    def __post_init__(self):
        # types: every field not listed as int, bool, optional int or string is a real number
        special = {*_INT_KEYS, *_BOOL_KEYS, *_OPTIONAL_INT_KEYS, *_STR_KEYS}
        reals = [f.name for f in fields(self) if f.name not in special]
        _check(self, _INT_KEYS, _is_int, "must be an integer")
        _check(self, _OPTIONAL_INT_KEYS, _is_int_or_none, "must be an integer or None")
        _check(self, _BOOL_KEYS, _is_bool, "must be true or false")
        _check(self, _STR_KEYS, lambda v: isinstance(v, str), "must be a string")
        _check(self, reals, _is_real, "must be a real number")
        _check(self, reals, math.isfinite, "must be finite")
        self._check_values()

    def _check_values(self):
        def positive(*keys):
            _check(self, keys, lambda v: v > 0, "must be positive")

        def non_negative(*keys):
            _check(self, keys, lambda v: v >= 0, "must be >= 0")

        def negative(*keys):
            _check(self, keys, lambda v: v < 0, "must be negative (inhibitory)")

        def below(key, bound_key, reason):
            bound = getattr(self, bound_key)
            _check(self, [key], lambda v: v < bound, f"{reason} {bound_key}={bound}")

        positive("n", "duration_s", "dt_ms", "chunk_s", "record_every_steps")
        positive("c_m", "g_l", "delta_t_mV", "tau_e_ms", "tau_i_ms", "tau_x_ms", "tau_stdp_ms")
        positive("tau_jitter_ms", "max_rate_hz", "rate_window_ms")
        fractions = ("frac_exc", "frac_ext", "p_ee", "p_ie", "p_ei", "p_ii", "p_ex", "p_ix", "c_x",
                     "opto_frac", "opto_frac_ext", "p_opto")  # fmt: skip
        _check(self, fractions, lambda v: 0.0 <= v <= 1.0, "must lie in [0, 1]")
        positive("j_ee", "j_ie", "j_ex", "j_ix")
        negative("j_ei", "j_ii")
        non_negative("rate_x_hz", "stim_start_ms", "n_record", "n_record_weights", "seed")
        non_negative("opto_rate_hz", "j_opto", "opto_start_s", "opto_stop_s")
        _check(self, ["connectivity_seed"], lambda v: v is None or v >= 0, "must be >= 0")
        # plasticity
        non_negative("eta_ee_hebb", "eta_ee_koh", "eta_ie_homeo", "eta_ie_hebb")
        non_negative("theta_triplet_hz")
        for c in CONNECTIONS:
            non_negative(f"eta_{c}_hard", f"eta_{c}_oja", f"eta_{c}_triplet", f"jmin_{c}_hard")
            below(f"jmin_{c}_hard", f"jmax_{c}_hard", "must lie below")
        positive("beta_oja", "gamma_oja")
        non_negative("eta_ei", "eta_ii")
        positive("jmax_ee", "beta", "rho_ie_hz", "jmax_ie_hebb", "rho_ei_hz", "rho_ii_hz")
        positive("j_norm_ie")
        negative("j_norm_ei", "j_norm_ii")
        _check(
            self,
            ["ie_hebb_depression"],
            lambda v: v in IE_HEBB_DEPRESSION,
            f"one of {IE_HEBB_DEPRESSION}",
        )
        _check(self, ["on_explosion"], lambda v: v in ON_EXPLOSION, f"one of {ON_EXPLOSION}")
        for conn, rates in RULE_RATES.items():
            on = [(key, name) for key, name in rates if getattr(self, key)]
            if len(on) > 1:
                (a, rule_a), (b, rule_b) = on[:2]
                raise ParameterError(
                    f"invalid parameters {a}={getattr(self, a)!r} and {b}={getattr(self, b)!r}: "
                    f"two plasticity rules ({rule_a} and {rule_b}) on the same "
                    f"{conn.upper()} connection; set one of them to 0",
                    key=a,
                )
        # neuron: reset below threshold, the EIF upswing (V_T) below the spike cut (V_th)
        below("v_re_mV", "v_th_mV", "reset must lie below")
        below("v_t_mV", "v_th_mV", "must lie below the spike cut")
        # sizes (conditions on derived quantities, reported on the key that sets them)
        n, dt = self.n, self.dt_ms
        needs_x = self.rate_x_hz > 0 and (self.p_ex > 0 or self.p_ix > 0)
        x_per_step = self.rate_x_hz * dt / 1000.0 * max(self.n_ext, 1)
        _check(
            self, ["frac_exc"], lambda _: self.n_exc >= 1, f"gives {self.n_exc} E neurons for n={n}"
        )
        _check(
            self, ["frac_exc"], lambda _: self.n_inh >= 1, f"gives {self.n_inh} I neurons for n={n}"
        )
        _check(
            self,
            ["frac_ext"],
            lambda _: self.n_ext >= 1 or not needs_x,
            f"gives no X neuron for n={n}",
        )
        _check(
            self, ["duration_s"], lambda _: self.n_steps >= 1, f"shorter than one step of {dt} ms"
        )
        _check(
            self, ["opto_frac"], lambda v: round(v * n) <= self.n_exc,
            f"stimulates more than the {self.n_exc} E neurons of n={n}",
        )  # fmt: skip
        _check(
            self, ["opto_frac_ext"], lambda _: not self.opto or self.n_opto >= 1,
            f"gives no stimulation neuron for n={n}",
        )  # fmt: skip
        _check(
            self, ["rate_x_hz"], lambda _: x_per_step <= 1e6, "more than 1e6 input spikes per step"
        )
        # forward Euler is unstable for time constants at or below the step
        taus = ("tau_e_ms", "tau_i_ms", "tau_x_ms", "tau_stdp_ms")
        _check(self, taus, lambda v: v > dt, f"forward Euler needs tau > dt_ms={dt}")
        _check(
            self,
            ["g_l"],
            lambda v: self.c_m / v > dt,
            f"membrane time constant c_m/g_l must exceed dt_ms={dt}",
        )
