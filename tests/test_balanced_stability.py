"""Mean-field conditions of the MATLAB-only E→E rules and the linear stability of the plastic
fixed point (``eiplast.balanced.meanfield``), against values worked out by hand."""

import numpy as np
import pytest

from eiplast.balanced import meanfield
from eiplast.balanced.params import BalancedParams


def params(**kw):
    return BalancedParams.from_dict({"n": 5000, **kw})


def balance_matrices(p, j_ee):
    """W (2, 2) and the drive (kHz units) written out from the model description."""
    q_e, q_i, q_x = p.n_exc / p.n, p.n_inh / p.n, p.n_ext / p.n
    W = np.array([[p.p_ee * q_e * j_ee, p.p_ei * q_i * p.j_ei],
                  [p.p_ie * q_e * p.j_ie, p.p_ii * q_i * p.j_ii]])  # fmt: skip
    drive = np.array([p.p_ex * q_x * p.j_ex, p.p_ix * q_x * p.j_ix]) * p.rate_x_hz / 1000.0
    return W, drive


def test_kohonen_stability_eigenvalue_by_hand():
    """One plastic weight: the Jacobian is the scalar f'(j) = η r_e (β τ r_e'(j) − 1) at the fixed
    point β τ r_e = j, with r = −W⁻¹d and r_e'(j) = −(W⁻¹ ∂W/∂j_ee r)_e, ∂W/∂j_ee = p_ee q_e
    in the E–E entry."""
    p = params(eta_ee_koh=0.05, j_ee=5.0, j_ei=-100.0)
    fp = meanfield.fixed_point(p)
    j = fp["j_ee"]
    W, drive = balance_matrices(p, j)
    r = -np.linalg.solve(W, drive)
    dW = np.zeros((2, 2))
    dW[0, 0] = p.p_ee * p.n_exc / p.n
    dr = -np.linalg.solve(W, dW @ r)
    assert p.beta * p.tau_stdp_ms * r[0] == pytest.approx(j, rel=1e-9)
    expected = p.eta_ee_koh * r[0] * (p.beta * p.tau_stdp_ms * dr[0] - 1.0)
    st = meanfield.stability(p)
    assert st["eigenvalues_real"] == [pytest.approx(expected, rel=1e-5)]
    assert st["max_real"] < 0 and st["stable"] is True


def test_istdp_eigenvalue_by_hand():
    """I→E iSTDP alone: f(j) = −√N η (j/j_norm) r_i 2τ (r_e − ρ) (J_norm = j_norm/√N); at
    r_e = ρ, f'(j) = −√N η (j/j_norm) r_i 2τ r_e'(j_ei): negative (stable) because more
    inhibition lowers r_e."""
    p = params(eta_ei=2e-3)
    fp = meanfield.fixed_point(p)
    j = fp["j_ei"]
    q_e, q_i = p.n_exc / p.n, p.n_inh / p.n
    W, drive = balance_matrices(p, p.j_ee)
    W[0, 1] = p.p_ei * q_i * j
    r = -np.linalg.solve(W, drive)
    dW = np.zeros((2, 2))
    dW[0, 1] = p.p_ei * q_i
    dr = -np.linalg.solve(W, dW @ r)
    expected = -p.eta_ei * np.sqrt(p.n) * (j / p.j_norm_ei) * r[1] * 2.0 * p.tau_stdp_ms * dr[0]
    assert r[0] * 1000 == pytest.approx(p.rho_ei_hz)
    assert dr[0] > 0 and expected < 0
    st = meanfield.stability(p)
    assert st["eigenvalues_real"][0] == pytest.approx(expected, rel=1e-5)
    assert q_e > 0 and st["stable"] is True


def test_static_network_has_no_eigenvalue():
    st = meanfield.stability(params())
    assert st == {"eigenvalues_real": [], "eigenvalues_imag": [], "max_real": None,
                  "stable": True}  # fmt: skip


def test_matlab_rules_mean_field_conditions():
    # "Oja": drift γητ r_e² (β − j): the weight goes to β_oja
    assert meanfield.fixed_point(params(eta_ee_oja=0.01, beta_oja=30.0))["j_ee"] == pytest.approx(
        30.0
    )
    # "triplet": τ r_e = v_θ − 1/2 (θ = 10 Hz, τ = 200 ms: r_e = 10 − 2.5 = 7.5 Hz)
    p = params(eta_ee_triplet=1e-3)
    assert meanfield.triplet_rate_hz(p) == pytest.approx(7.5)
    fp = meanfield.fixed_point(p)
    assert fp["rate_exc_hz"] == pytest.approx(7.5)
    drift = meanfield.weight_drift(p, {"ee": fp["j_ee"]})
    assert drift["ee"] == pytest.approx(0.0, abs=1e-12)
    # hard-bound Hebbian: no leading-order condition
    with pytest.raises(meanfield.MeanFieldError, match="hard-bound"):
        meanfield.fixed_point(params(eta_ee_hard=1e-3))
    # the Kohonen rule is still the Kohonen rule
    fp = meanfield.fixed_point(params(eta_ee_koh=0.05, j_ee=5.0, j_ei=-100.0))
    assert fp["j_ee"] == pytest.approx(params().beta * 200.0 * fp["rate_exc_hz"] / 1000.0)


def test_drift_signs_pull_towards_the_fixed_point():
    p = params(eta_ei=2e-3, eta_ii=2e-3)
    fp = meanfield.fixed_point(p)
    at = {c: fp[f"j_{c}"] for c in ("ee", "ie", "ei", "ii")}
    assert all(abs(v) < 1e-9 for v in meanfield.weight_drift(p, at).values())
    # too little inhibition onto E (j_ei less negative): E above ρ, the drift makes j_ei more
    # negative
    weaker = meanfield.weight_drift(p, {**at, "ei": at["ei"] * 0.9})
    assert weaker["ei"] < 0


def test_learning_rates_scale_the_jacobian_rows():
    """Two plastic connections (EI, II): slowing II tenfold divides the II row of the Jacobian
    by ten, so the eigenvalues change while the fixed point does not."""
    fast = params(eta_ei=1e-3, eta_ii=1e-3, rho_ii_hz=23.0, j_norm_ei=-200.0, j_norm_ii=-200.0)
    slow = fast.replace(eta_ii=1e-4)
    fp_fast, fp_slow = meanfield.fixed_point(fast), meanfield.fixed_point(slow)
    assert fp_fast == pytest.approx(fp_slow)
    at = {c: fp_fast[f"j_{c}"] for c in ("ee", "ie", "ei", "ii")}
    moved = {**at, "ei": at["ei"] * 0.95}
    d_fast = meanfield.weight_drift(fast, moved)
    d_slow = meanfield.weight_drift(slow, moved)
    assert d_slow["ei"] == pytest.approx(d_fast["ei"])
    assert d_slow["ii"] == pytest.approx(d_fast["ii"] / 10.0)
    assert meanfield.stability(fast)["eigenvalues_real"] != pytest.approx(
        meanfield.stability(slow)["eigenvalues_real"]
    )


def test_matlab_rules_on_inhibitory_connections_mean_field():
    """On I→E the "Oja" rule drives the strength −j to β_oja; the "triplet" rule on I→I fixes
    its presynaptic (I) rate at θ − 1/(2τ); the drift vanishes there and pulls towards it."""
    fp = meanfield.fixed_point(params(eta_ei_oja=0.01, beta_oja=130.0))
    assert fp["j_ei"] == pytest.approx(-130.0)
    p = params(eta_ii_triplet=1e-4, theta_triplet_hz=25.0)
    fp = meanfield.fixed_point(p)
    assert fp["rate_inh_hz"] == pytest.approx(25.0 - 1000.0 / 400.0)
    at = {c: fp[f"j_{c}"] for c in ("ee", "ie", "ei", "ii")}
    assert meanfield.weight_drift(p, at)["ii"] == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(meanfield.MeanFieldError, match="IE hard-bound"):
        meanfield.fixed_point(params(eta_ie_hard=1e-3))
