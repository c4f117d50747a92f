"""Balanced-state mean-field predictions (Akil, Rosenbaum & Josić 2021; docs/model-description.md
Part B).

With weights J = j/√N, K = pN inputs per neuron and rates O(1), the mean input to population
a ∈ {E, I} is √N [(W r)_a + (W_x)_a r_x + j_stim,a] with W_ab = p_ab q_b j_ab and
(W_x)_a = p_ax q_x j_ax (q = population fractions). As N → ∞ the bracket must vanish (balance):

    W r + W_x r_x + j_stim = 0   ⇒   r = −W⁻¹ (W_x r_x + j_stim)

(rates in kHz inside, the reference's helper ``rBal = -inv(W)*Wx*rx`` in its MATLAB scripts).
Plasticity adds one condition per plastic connection, from the zero of the mean weight drift
at leading order (spike-time correlations neglected):

* iSTDP on EI (same form on II and homeostatic IE): ⟨ΔJ⟩ ∝ r_pre (r_post τ − α) + r_post r_pre τ
  = r_pre (2 τ r_post − α) = 0 ⇒ r_post = α/(2τ) = ρ: the *postsynaptic* rate is fixed at the
  target (E at ρ_ei whatever the initial weights), and the balance equations give the weight;
* EE Hebbian: −r_e (r_e τ) J + r_e (r_e τ) J_max = 0 ⇒ J = J_max (j_ee = jmax_ee); IE Hebbian
  (multiplicative depression) likewise j_ie = jmax_ie_hebb;
* EE Kohonen: r_e (β/√N) η r_e τ − η J r_e = 0 ⇒ j_ee = β τ r_e (quadratic balance).

``fixed_point`` solves the two balance equations with these conditions for (r_e, r_i, j_ee,
j_ie, j_ei, j_ii). The reference's theory values for EI+II iSTDP at c_x = 0 (its
``ii_ei_iSTDP_Ninf.m``: j_ei = −139.99, j_ii = −292.49) are reproduced (tests).

Correlations (``fixed_point(..., correlations=True)``, Akil et al. 2021). The mean drift of a
synapse k → q holds ⟨S_k x_q⟩ = r_k r_q τ + ∫_0^∞ e^(−s/τ) C_kq(s) ds (C_kq(s): covariance
density of k's spikes at t and q's at t − s) and ⟨S_q x_k⟩ likewise. With correlated input
(c_x > 0) spike trains in the balanced state have O(1) pairwise covariances; at leading order
their integral is (linear response, ``spike_train_covariance``)

    𝒞 = ∫ C(s) ds = (W⁻¹W_x)(W⁻¹W_x)ᵀ r_x c_eff,  c_eff = c_x + (1 − c_x)/N_x

(the second term: inputs shared by two neurons; the reference's theory keeps only c_x for
c_x > 0 and only it for c_x = 0). Two approximations make 𝒞 enough: the covariances are narrow
(jitter 5 ms, synaptic τ ≤ 10 ms) against τ_STDP (200 ms), so e^(−|s|/τ) ≈ 1 over them; and
where a rule sees only one ordering (Kohonen, Hebbian) the two halves of C are equal (exact on
average for E–E pairs, which are exchangeable). Then, per connection (post a ← pre b):

* iSTDP / homeostatic (both orderings): 2τ r_a r_b + 𝒞_ab − α r_b = 0, i.e.
  r_a = ρ − 𝒞_ab / (2τ r_b): correlations lower the rate the rule settles at;
* Kohonen on EE: j_ee = β (τ r_e + 𝒞_ee / (2 r_e)); without injected current
  (W⁻¹W_x)_e = −r_e/r_x, so j_ee = β r_e (τ + c_eff / (2 r_x)): with the defaults, c_x = 0.8
  raises τ by 20 %;
* Hebbian (multiplicative): unchanged, j = j_max.

Neglected: the O(1/√N) covariance of a connected pair through its own synapse, the shape of
C(s) beyond its integral, and second-order terms in η (weight fluctuations correlated with
the postsynaptic spikes; docs/balanced.md gives their measured size).
"""

import numpy as np

from eiplast.balanced.params import CONNECTIONS, BalancedParams


class MeanFieldError(ValueError):
    """No (unique, positive) balanced fixed point for these parameters."""


def _fractions(p: BalancedParams):
    return p.n_exc / p.n, p.n_inh / p.n, p.n_ext / p.n


def mean_field_matrices(params: BalancedParams, weights=None):
    """(W (2, 2), W_x (2,)) in the paper's units; ``weights`` overrides j_ee, j_ie, j_ei, j_ii
    (dict keyed by connection name)."""
    p = params
    q_e, q_i, q_x = _fractions(p)
    j = {c: getattr(p, f"j_{c}") for c in CONNECTIONS}
    j.update(weights or {})
    W = np.array(
        [[p.p_ee * q_e * j["ee"], p.p_ei * q_i * j["ei"]],
         [p.p_ie * q_e * j["ie"], p.p_ii * q_i * j["ii"]]]
    )  # fmt: skip
    Wx = np.array([p.p_ex * q_x * p.j_ex, p.p_ix * q_x * p.j_ix])
    return W, Wx


def balanced_rates(params: BalancedParams, weights=None):
    """(r_E, r_I) in Hz of the static balanced state, r = −W⁻¹(W_x r_x + j_stim).
    ``MeanFieldError`` when W is singular or a rate is not positive (no balanced state: the
    weights cannot cancel the drive with rates ≥ 0)."""
    p = params
    W, Wx = mean_field_matrices(p, weights)
    drive = Wx * p.rate_x_hz / 1000.0 + np.array([p.j_stim_e, p.j_stim_i])
    try:
        r = -np.linalg.solve(W, drive)
    except np.linalg.LinAlgError:
        raise MeanFieldError(f"singular mean-field matrix W={W.tolist()}") from None
    if not (r > 0).all():
        raise MeanFieldError(
            f"no balanced state: r = −W⁻¹(W_x r_x) gives r_E = {r[0] * 1000.0:.3g} Hz, "
            f"r_I = {r[1] * 1000.0:.3g} Hz (rates must be positive)"
        )
    return float(r[0] * 1000.0), float(r[1] * 1000.0)


# (post, pre) populations (0 = E, 1 = I) of each connection
_POPS = {"ee": (0, 0), "ie": (1, 0), "ei": (0, 1), "ii": (1, 1)}


# strength = sign · j of each connection (E sources +1, I sources −1)
_SIGN = {"ee": 1.0, "ie": 1.0, "ei": -1.0, "ii": -1.0}


def triplet_rate_hz(p: BalancedParams) -> float:
    """The presynaptic rate at which the MATLAB "triplet" rule has no mean drift (Hz): with
    Poisson spike trains ⟨x_pre²⟩ = (τ r)² + τ r/2 (the trace's mean squared plus its shot-noise
    variance), so the drift η r_post (v_θ τ r_pre − ⟨x_pre²⟩) vanishes at
    τ r_pre = v_θ − 1/2, i.e. r_pre = θ − 1/(2τ) (on E→E: the E rate)."""
    return p.theta_triplet_hz - 1000.0 / (2.0 * p.tau_stdp_ms)


def _conditions(p: BalancedParams):
    """Per connection: ('weight', value) fixed weight, ('rate', kHz) postsynaptic rate fixed by
    the rule (at ρ without correlations), ('kohonen', β), or ('triplet', kHz) the E rate of
    ``triplet_rate_hz`` (no covariance term)."""
    out = {}
    for c in CONNECTIONS:
        rule = p.rule(c)
        if rule is None:
            out[c] = ("weight", getattr(p, f"j_{c}"))
        elif c == "ee" and rule == "hebb":
            out[c] = ("weight", p.jmax_ee)
        elif rule == "oja":  # drift γητ r_post r_pre (σβ − j): j = σβ
            out[c] = ("weight", _SIGN[c] * p.beta_oja)
        elif rule == "triplet":  # fixes the presynaptic rate
            out[c] = ("triplet", triplet_rate_hz(p) / 1000.0)
        elif rule == "hard_hebb":
            raise MeanFieldError(
                f"{c.upper()} hard-bound Hebbian: potentiation and depression have the same mean "
                f"(η τ r_post r_pre each) inside the bounds, so no condition fixes j_{c} at "
                "leading order"
            )
        elif c == "ee":
            out[c] = ("kohonen", p.beta)
        elif c == "ie" and rule == "hebb":
            if p.ie_hebb_depression != "multiplicative":
                raise MeanFieldError(
                    "IE Hebbian with additive depression (package 0.0.6 form) has no fixed "
                    "point: its mean drift is η r_e r_i τ (J_max − 1), of one sign"
                )
            out[c] = ("weight", p.jmax_ie_hebb)
        else:
            out[c] = ("rate", getattr(p, f"rho_{c}_hz") / 1000.0)
    return out


def _effective_input_correlation(p: BalancedParams):
    """c_eff = c_x + (1 − c_x)/N_x: mean covariance of the external input of two neurons in units
    of r_x (correlated X neurons, plus the X neurons both receive)."""
    return p.c_x + (1.0 - p.c_x) / max(p.n_ext, 1)


def spike_train_covariance(params: BalancedParams, weights=None):
    """Integrated spike-train cross-covariances 𝒞 = [[𝒞_ee, 𝒞_ei], [𝒞_ei, 𝒞_ii]] (1/ms, i.e.
    spike-count covariance per ms of window for windows ≫ the correlation time) between two
    distinct neurons, at leading order: (W⁻¹W_x)(W⁻¹W_x)ᵀ r_x c_eff (module docstring)."""
    p = params
    W, Wx = mean_field_matrices(p, weights)
    try:
        v = np.linalg.solve(W, Wx)
    except np.linalg.LinAlgError:
        raise MeanFieldError(f"singular mean-field matrix W={W.tolist()}") from None
    return np.outer(v, v) * (p.rate_x_hz / 1000.0) * _effective_input_correlation(p)


def fixed_point(params: BalancedParams, *, correlations: bool = False):
    """Balanced fixed point with plasticity at leading order in 1/√N (module docstring).

    Returns dict rate_exc_hz, rate_inh_hz and j_ee, j_ie, j_ei, j_ii (paper's units). With no
    plastic connection this is ``balanced_rates``. ``correlations``: include the spike-train
    covariance terms of the weight drift (``spike_train_covariance`` at the fixed point's own
    weights; module docstring); the result then also holds ``cov_ee``, ``cov_ei``, ``cov_ii``
    (𝒞, 1/ms). Raises ``MeanFieldError`` when the conditions do not determine a unique positive
    solution (e.g. homeostatic IE and II both fix the I rate).
    """
    from scipy.optimize import root

    p = params
    cond = _conditions(p)
    q_e, q_i, q_x = _fractions(p)
    prob = {"ee": p.p_ee * q_e, "ie": p.p_ie * q_e, "ei": p.p_ei * q_i, "ii": p.p_ii * q_i}
    # rates in Hz inside the solver (all unknowns of order 1–100): balance rows ×1000
    drive = np.array([p.p_ex * q_x * p.j_ex, p.p_ix * q_x * p.j_ix]) * p.rate_x_hz
    drive = drive + 1000.0 * np.array([p.j_stim_e, p.j_stim_i])
    fixed_pops = [_POPS[c][0] for c, kind in cond.items() if kind[0] == "rate"]
    fixed_pops += [_POPS[c][1] for c, kind in cond.items() if kind[0] == "triplet"]
    if len(fixed_pops) != len(set(fixed_pops)):
        raise MeanFieldError(
            "two homeostatic rules fix the same population's rate; the weights are not "
            "determined at leading order"
        )

    def unpack(u):
        return u[0], u[1], dict(zip(CONNECTIONS, u[2:], strict=True))

    tau = p.tau_stdp_ms

    def covariance(j):
        if not correlations:
            return np.zeros((2, 2))
        try:
            return spike_train_covariance(p, j)
        except MeanFieldError:
            return np.full((2, 2), np.nan)

    def residual(u):
        r_e, r_i, j = unpack(u)
        res = [
            prob["ee"] * j["ee"] * r_e + prob["ei"] * j["ei"] * r_i + drive[0],
            prob["ie"] * j["ie"] * r_e + prob["ii"] * j["ii"] * r_i + drive[1],
        ]
        r = np.array([r_e, r_i]) / 1000.0  # kHz
        cov = covariance(j)
        for c in CONNECTIONS:
            kind = cond[c]
            a, b = _POPS[c]
            if kind[0] == "weight":
                res.append(j[c] - kind[1])
            elif kind[0] == "kohonen":  # j = β (τ r_e + 𝒞_ee / (2 r_e))
                res.append(j[c] - kind[1] * (tau * r[0] + cov[0, 0] / (2.0 * r[0])))
            elif kind[0] == "triplet":  # r_pre = θ − 1/(2τ); covariances not carried
                res.append(1000.0 * (r[b] - kind[1]))
            else:  # 2τ r_a r_b + 𝒞_ab − α r_b = 0 with α = 2ρτ: r_a = ρ − 𝒞_ab / (2τ r_b)
                res.append(1000.0 * (r[a] - kind[1] + cov[a, b] / (2.0 * tau * r[b])))
        return np.array(res)

    if correlations:  # start from the uncorrelated fixed point (the balanced branch)
        start = fixed_point(p)
        u0 = np.array([start["rate_exc_hz"], start["rate_inh_hz"]]
                      + [start[f"j_{c}"] for c in CONNECTIONS])  # fmt: skip
    else:
        try:
            r0 = np.array(balanced_rates(p))
        except MeanFieldError:
            r0 = np.array([5.0, 10.0])
        u0 = np.concatenate([np.abs(r0), [getattr(p, f"j_{c}") for c in CONNECTIONS]])
    sol = root(residual, u0, method="hybr")
    scale = 1.0 + np.abs(sol.x).max()
    if np.max(np.abs(residual(sol.x))) > 1e-10 * scale:
        raise MeanFieldError(f"no balanced fixed point found ({sol.message})")
    r_e, r_i, j = unpack(sol.x)
    if r_e <= 0 or r_i <= 0:
        raise MeanFieldError(
            f"the balanced fixed point has non-positive rates r_e={r_e:.3g} Hz, "
            f"r_i={r_i:.3g} Hz: no balanced state for these parameters"
        )
    out = {"rate_exc_hz": float(r_e), "rate_inh_hz": float(r_i)}
    out.update({f"j_{c}": float(j[c]) for c in CONNECTIONS})
    if correlations:
        cov = covariance(j)
        out.update(cov_ee=float(cov[0, 0]), cov_ei=float(cov[0, 1]), cov_ii=float(cov[1, 1]))
    return out


def istdp_fixed_point(params: BalancedParams):
    """I→E iSTDP fixed point: the E rate goes to ρ_ei; (r_E, r_I) Hz and the mean j_ei.

    The other connections keep their static weights (or their own rules' conditions)."""
    p = params if params.eta_ei else params.replace(eta_ei=1e-5)
    fp = fixed_point(p)
    return fp["rate_exc_hz"], fp["rate_inh_hz"], fp["j_ei"]


def spike_count_covariance(params: BalancedParams, window_ms, weights=None):
    """Mean-field spike-count covariances [[C_ee, C_ei], [C_ei, C_ii]] (counts²) for windows
    of ``window_ms``, as the reference's theory (``ii_ei_iSTDP_Ninf.m``):

    c_x = 0: (T_win/N) W⁻¹ W_x W_xᵀ W⁻ᵀ r_x / q_x;  c_x > 0: T_win W⁻¹ W_x W_xᵀ W⁻ᵀ c_x r_x

    (leading order in N; with plasticity pass the fixed-point weights, e.g.
    ``fixed_point``'s j_*)."""
    p = params
    W, Wx = mean_field_matrices(p, weights)
    Winv = np.linalg.inv(W)
    outer = Winv @ np.outer(Wx, Wx) @ Winv.T
    rx = p.rate_x_hz / 1000.0
    if p.c_x < 1e-5:
        return window_ms / p.n * outer * rx / (p.n_ext / p.n)
    return window_ms * outer * p.c_x * rx


def weight_drift(params: BalancedParams, weights) -> dict:
    """Mean drift dj/dt (j units per ms) of every plastic connection's mean weight at leading
    order (correlations neglected), the rates following the weights through the static
    balance (``balanced_rates``; rates fast against weights). Per connection c = (post a ← pre
    b), its rule's learning rate η, rates r in kHz, τ = τ_STDP, α = 2ρτ:

    * iSTDP (EI, II) and homeostatic IE: −√N η (j/j_norm) r_b (2τ r_a − α) (J_norm is
      j_norm/√N, so a spike changes J by the fraction √N η (x − α)/j_norm);
    * Hebbian EE, IE: η τ r_a r_b (j_max − j); Oja: γ η τ r_a r_b (σ β_oja − j);
    * Kohonen EE: η r_e (β τ r_e − j);
    * triplet: σ √N η τ r_a r_b (v_θ − τ r_b − 1/2) (Poisson ⟨x²⟩; its updates are not scaled
      by 1/√N, so in j units they carry √N);

    with σ = +1 on connections from E, −1 from I (the MATLAB rules act on the strength σj).

    The learning rates set the time scales, so rules with separated time scales (slow EI, slow
    II) give different ``stability`` at the same fixed point. ``weights``: dict of j_ee … j_ii
    overriding the parameters'. Raises ``MeanFieldError`` for a rule without a leading-order
    drift (hard-bound Hebbian) or a singular balance."""
    p = params
    j = {c: getattr(p, f"j_{c}") for c in CONNECTIONS}
    j.update(weights)
    r = np.array(balanced_rates(p, j)) / 1000.0
    tau = p.tau_stdp_ms
    out = {}
    for c in CONNECTIONS:
        rule = p.rule(c)
        if rule is None:
            continue
        a, b = _POPS[c]
        if rule in ("istdp", "homeostatic"):
            eta = p.eta_ie_homeo if c == "ie" else getattr(p, f"eta_{c}")
            rho = getattr(p, f"rho_{c}_hz") / 1000.0
            # the update −(η/J_norm)(x − α)J with J_norm = j_norm/√N changes J by a fraction
            # √N η/j_norm per unit trace: in j units the same fraction of j
            out[c] = (-eta * p.sqrt_n * (j[c] / getattr(p, f"j_norm_{c}")) * r[b] * 2.0 * tau
                      * (r[a] - rho))  # fmt: skip
        elif rule == "hebb":
            eta, j_max = (p.eta_ee_hebb, p.jmax_ee) if c == "ee" else (p.eta_ie_hebb,
                                                                        p.jmax_ie_hebb)  # fmt: skip
            out[c] = eta * tau * r[a] * r[b] * (j_max - j[c])
        elif rule == "oja":
            eta = p.gamma_oja * p.matlab_rule_rate(c, rule)
            out[c] = eta * tau * r[a] * r[b] * (_SIGN[c] * p.beta_oja - j[c])
        elif rule == "kohonen":
            out[c] = p.eta_ee_koh * r[0] * (p.beta * tau * r[0] - j[c])
        elif rule == "triplet":
            v_theta = p.theta_triplet_hz / 1000.0 * tau
            eta = p.sqrt_n * p.matlab_rule_rate(c, rule)
            out[c] = _SIGN[c] * eta * tau * r[a] * r[b] * (v_theta - tau * r[b] - 0.5)
        else:
            raise MeanFieldError(f"no leading-order weight drift for the {rule} rule on {c}")
    return out


def stability(params: BalancedParams, *, rel_step: float = 1e-6) -> dict:
    """Linear stability of the plastic fixed point (``fixed_point``) under the mean weight
    dynamics of ``weight_drift``: the eigenvalues of its Jacobian in the plastic weights
    (central differences, step ``rel_step``·max(1, |j|)), per ms.
    Returns dict ``eigenvalues`` (real parts, then imaginary parts: lists), ``max_real``
    and ``stable`` (every real part below zero); without plastic connections no eigenvalue
    and ``stable`` True. Raises ``MeanFieldError`` where the fixed point or the drift does not
    exist."""
    fp = fixed_point(params)
    plastic = [c for c in CONNECTIONS if params.rule(c)]
    if not plastic:
        return {"eigenvalues_real": [], "eigenvalues_imag": [], "max_real": None,
                "stable": True}  # fmt: skip
    j0 = {c: fp[f"j_{c}"] for c in CONNECTIONS}
    jac = np.zeros((len(plastic), len(plastic)))
    for k, c in enumerate(plastic):
        h = rel_step * max(1.0, abs(j0[c]))
        up = weight_drift(params, {**j0, c: j0[c] + h})
        down = weight_drift(params, {**j0, c: j0[c] - h})
        jac[:, k] = [(up[d] - down[d]) / (2.0 * h) for d in plastic]
    eig = np.linalg.eigvals(jac)
    return {
        "eigenvalues_real": eig.real.tolist(),
        "eigenvalues_imag": eig.imag.tolist(),
        "max_real": float(eig.real.max()),
        "stable": bool(eig.real.max() < 0.0),
    }
