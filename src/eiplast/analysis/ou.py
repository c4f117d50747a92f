"""The drive of the perturbation experiment, drawn (paper Fig 7A; reference
``analysis/ou_process.py``): one pair of correlated Ornstein–Uhlenbeck conductances with the
update and noise amplitudes of the isolation kernel (``assembly.isolation.ou_noise_amplitudes``),
started at the means. The reference draws it unseeded with μ_e = 6.6 nS, μ_i = 12.2 nS,
σ_e = 1.6 nS, σ_i = 3.2 nS, r = 0.2, τ = 6 ms, dt = 0.1 ms over 1000 ms.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from eiplast.assembly.isolation import OU_TAU_MS, ou_noise_amplitudes

SUMMARY_COLUMNS = ("mean_e_nS", "mean_i_nS", "std_e_nS", "std_i_nS", "correlation")


def ou_pair(
    *, mean_e_nS, mean_i_nS, std_e_nS, std_i_nS, correlation, dt_ms, duration_ms, seed,
    tau_ms=OU_TAU_MS,
) -> pd.DataFrame:  # fmt: skip
    """Columns t_ms, g_e_nS, g_i_nS of one draw (``duration_ms / dt_ms`` steps from the means,
    standard normals from ``numpy.random.default_rng(seed)``)."""
    stats = {"mean_e": [mean_e_nS], "mean_i": [mean_i_nS], "std_e": [std_e_nS],
             "std_i": [std_i_nS], "pearson_r": [correlation]}  # fmt: skip
    mu_e, mu_i, s_e, s_ic, s_ip = (float(a[0]) for a in ou_noise_amplitudes(stats, dt_ms, tau_ms))
    n = int(round(duration_ms / dt_ms))
    z = np.random.default_rng(seed).standard_normal((n, 2))
    g = np.empty((n, 2))
    g_e, g_i = mu_e, mu_i
    k = dt_ms / tau_ms
    for step in range(n):
        g[step] = g_e, g_i
        g_e, g_i = (g_e + k * (mu_e - g_e) + s_e * z[step, 0],
                    g_i + k * (mu_i - g_i) + s_ic * z[step, 0] + s_ip * z[step, 1])  # fmt: skip
    return pd.DataFrame({"t_ms": np.arange(n) * dt_ms, "g_e_nS": g[:, 0], "g_i_nS": g[:, 1]})


def ou_summary(table: pd.DataFrame) -> dict[str, float]:
    """Sample mean and sd (ddof 0) of both conductances and their Pearson correlation."""
    g_e, g_i = table["g_e_nS"].to_numpy(float), table["g_i_nS"].to_numpy(float)
    values = (g_e.mean(), g_i.mean(), g_e.std(), g_i.std(), np.corrcoef(g_e, g_i)[0, 1])
    return {name: float(v) for name, v in zip(SUMMARY_COLUMNS, values, strict=True)}
