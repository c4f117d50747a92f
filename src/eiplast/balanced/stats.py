"""Statistics of balanced-network runs: rates, spike-count covariances/correlations, records.

Counterparts of the reference's ``plastic_balanced_network.helpers`` (``compute_firing_rate``,
``spike_count_cov``, ``cov2corr``, ``average_cov_corr_over_subpops``) on our spike format
(neuron, step arrays; spike time = step · dt), without the helpers' slips (docs/balanced.md):
the rate histogram spans [0, T] rather than the first to last spike, the covariance time window
[t1, t2) is applied and its last window is not dropped, and the I–I average includes the first
I neuron.
"""

import json

import numpy as np

from eiplast.balanced.params import CONNECTIONS
from eiplast.engine.formats import SPIKES
from eiplast.engine.h5io import open_checked, read

# bins of the weight and spike-count-correlation histograms of a run's summary
HISTOGRAM_BINS = 60


def load_balanced(path):
    """Read a balanced run's spike file: dict with neuron, step, attrs, params, records."""
    with open_checked(path, SPIKES, ("spikes/neuron", "spikes/step")) as f:
        out = {
            "neuron": read(f["spikes/neuron"]),
            "step": read(f["spikes/step"]),
            "attrs": dict(f.attrs),
            "params": json.loads(f.attrs["balanced_params"]) if "balanced_params" in f.attrs
            else None,
            "records": {name: read(ds) for name, ds in f["balanced/records"].items()}
            if "balanced/records" in f else {},
        }  # fmt: skip
        if "balanced/final" in f:
            out["final"] = {name: read(ds) for name, ds in f["balanced/final"].items()}
    return out


def spike_window(path, t_start_s, t_stop_s):
    """The spikes of a balanced run in [t_start_s, t_stop_s) without loading the rest (steps
    are sorted: two bisections, ``engine.formats.bisect_step``). Returns dict neuron, step
    (int64), dt_ms, n_exc, n_inh, t_start_s, t_stop_s (clipped to the run)."""
    from eiplast.engine.formats import bisect_step, open_spikes

    with open_spikes(path) as f:
        dt = float(f.attrs["dt_ms"])
        n_steps = int(f.attrs["n_steps"])
        lo = min(max(0, int(round(t_start_s * 1000.0 / dt))), n_steps)
        hi = min(max(lo, int(round(t_stop_s * 1000.0 / dt))), n_steps)
        ds_s = f["spikes/step"]
        row_lo = bisect_step(ds_s, lo)
        row_hi = bisect_step(ds_s, hi, row_lo)
        step = np.asarray(read(ds_s, slice(row_lo, row_hi)), dtype=np.int64)
        neuron = np.asarray(read(f["spikes/neuron"], slice(row_lo, row_hi)), dtype=np.int64)
        return {
            "neuron": neuron,
            "step": step,
            "dt_ms": dt,
            "n_exc": int(f.attrs["n_exc"]),
            "n_inh": int(f.attrs["n_inh"]),
            "t_start_s": lo * dt / 1000.0,
            "t_stop_s": hi * dt / 1000.0,
        }


def population_rates(neuron, step, n_exc, n_inh, dt_ms, t_start_s, t_stop_s):
    """Mean E and I rates (Hz) over [t_start_s, t_stop_s) (spike time = step · dt)."""
    t = np.asarray(step) * dt_ms / 1000.0
    sel = (t >= t_start_s) & (t < t_stop_s)
    span = t_stop_s - t_start_s
    neuron = np.asarray(neuron)[sel]
    n_e = np.count_nonzero(neuron < n_exc)
    return n_e / (n_exc * span), (len(neuron) - n_e) / (n_inh * span)


def neuron_rates(neuron, step, n, dt_ms, t_start_s, t_stop_s):
    """Rate of every neuron (Hz) over [t_start_s, t_stop_s) (spike time = step · dt)."""
    t = np.asarray(step) * dt_ms / 1000.0
    sel = (t >= t_start_s) & (t < t_stop_s)
    counts = np.bincount(np.asarray(neuron)[sel], minlength=n)
    return counts / (t_stop_s - t_start_s)


def rate_weighted_mean_weights(indptr, post, weight, rates_hz, n_exc, scale=1.0):
    """Per connection c (ee, ie, ei, ii): Σ_s J_s · r_pre(s) / Σ_s r_pre(s) · ``scale`` over the
    synapses s of type c — the mean weight a postsynaptic neuron feels per presynaptic spike
    (with ``scale`` = √N: j units). Unlike the plain mean it ignores synapses whose presynaptic
    neuron is silent, which plasticity gated by presynaptic spikes never updates. None for a
    connection without synapses or without presynaptic spikes."""
    from eiplast.balanced.connectivity import connection_masks

    pre_rate = np.repeat(np.asarray(rates_hz, dtype=np.float64), np.diff(indptr))
    w = np.asarray(weight, dtype=np.float64)
    out = {}
    for c, mask in connection_masks(indptr, post, n_exc).items():
        total = pre_rate[mask].sum()
        out[c] = float((w[mask] * pre_rate[mask]).sum() / total * scale) if total > 0 else None
    return out


def rate_timecourse(neuron, step, n_exc, n_inh, dt_ms, duration_s, bin_ms=10.0, smooth_bins=1):
    """Population rates in bins of ``bin_ms`` over [0, duration_s], optionally smoothed by a
    centred moving average of ``smooth_bins`` bins (the reference's ``compute_firing_rate``).
    Returns (bin end times in s, E rate Hz, I rate Hz)."""
    n_bins = int(round(duration_s * 1000.0 / bin_ms))
    t_ms = np.asarray(step) * dt_ms
    idx = np.minimum((t_ms // bin_ms).astype(np.int64), n_bins - 1)
    neuron = np.asarray(neuron)
    exc = neuron < n_exc
    e = np.bincount(idx[exc], minlength=n_bins)[:n_bins] / (bin_ms / 1000.0 * n_exc)
    i = np.bincount(idx[~exc], minlength=n_bins)[:n_bins] / (bin_ms / 1000.0 * n_inh)
    if smooth_bins > 1:
        kernel = np.ones(smooth_bins) / smooth_bins
        e = np.convolve(e, kernel, mode="same")
        i = np.convolve(i, kernel, mode="same")
    return (np.arange(n_bins) + 1) * bin_ms / 1000.0, e, i


def spike_counts(neuron, step, neurons, dt_ms, t1_ms, t2_ms, window_ms=250.0):
    """Spike counts (windows, len(neurons)) in consecutive windows [t1 + kw, t1 + (k+1)w) that
    fit in [t1_ms, t2_ms)."""
    neurons = np.asarray(neurons)
    n_win = int(np.floor((t2_ms - t1_ms) / window_ms + 1e-9))
    if n_win < 2:
        raise ValueError(f"need at least two windows of {window_ms} ms in [{t1_ms}, {t2_ms})")
    t = np.asarray(step) * dt_ms
    col = np.full(int(max(neurons.max(initial=0), np.max(neuron, initial=0))) + 1, -1)
    col[neurons] = np.arange(len(neurons))
    neuron = np.asarray(neuron)
    sel = (t >= t1_ms) & (t < t1_ms + n_win * window_ms)
    c = col[neuron[sel]]
    w = ((t[sel] - t1_ms) // window_ms).astype(np.int64)
    keep = c >= 0
    counts = np.zeros((n_win, len(neurons)))
    np.add.at(counts, (w[keep], c[keep]), 1.0)
    return counts


def spike_count_cov(counts):
    """Covariance matrix (neurons × neurons) of spike counts (windows × neurons)."""
    return np.cov(counts, rowvar=False)


def cov_to_corr(cov):
    """Correlation matrix from a covariance matrix (NaN rows for silent neurons)."""
    cov = np.asarray(cov)
    std = np.sqrt(np.diag(cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        return cov / np.outer(std, std)


def pair_values(C, is_exc):
    """Entries of a neurons × neurons matrix C by pair type: dict ``ee`` (distinct E–E pairs,
    upper triangle), ``ei`` (every E row, I column pair), ``ii`` (distinct I–I pairs)."""
    C = np.asarray(C)
    is_exc = np.asarray(is_exc, dtype=bool)
    upper = np.triu(np.ones(C.shape, dtype=bool), k=1)
    return {
        "ee": C[upper & np.outer(is_exc, is_exc)],
        "ei": C[np.outer(is_exc, ~is_exc)],
        "ii": C[upper & np.outer(~is_exc, ~is_exc)],
    }


def average_over_subpops(C, is_exc):
    """[[ee, ei], [ei, ii]] means of C over distinct E–E pairs, E–I pairs and distinct I–I
    pairs (NaN entries ignored), as the reference's ``average_cov_corr_over_subpops``."""
    pairs = pair_values(C, is_exc)

    def mean(x):
        return float(np.nanmean(x)) if np.any(np.isfinite(x)) else float("nan")

    m_ei = mean(pairs["ei"])
    return np.array([[mean(pairs["ee"]), m_ei], [m_ei, mean(pairs["ii"])]])


def histogram(values, bins=HISTOGRAM_BINS):
    """JSON-ready histogram of the finite ``values``: dict ``edges`` (bins + 1, spanning their
    range), ``counts`` (bins), ``n`` (values counted); when every value is the same (a static
    connection's weights, equal up to rounding: 1e-9 relative), one zero-width bin: edges
    [v, v] at their mean, counts [n]. None when no value is finite."""
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return None
    lo, hi = float(x.min()), float(x.max())
    if hi - lo <= 1e-9 * max(1.0, abs(lo), abs(hi)):
        mean = float(x.mean())
        return {"edges": [mean, mean], "counts": [int(x.size)], "n": int(x.size)}
    counts, edges = np.histogram(x, bins=bins, range=(lo, hi))
    return {"edges": edges.tolist(), "counts": counts.tolist(), "n": int(x.size)}


def mean_cov_corr(neuron, step, n_exc, n_total, dt_ms, t1_ms, t2_ms, window_ms=250.0,
                  n_sample=None, seed=0):  # fmt: skip
    """Population-averaged spike-count covariances and correlations.

    Uses all neurons, or ``n_sample`` E and ``n_sample`` I neurons drawn with ``seed`` (the
    full N×N matrix needs 8N² bytes). Returns dict cov (2, 2), corr (2, 2), corr_pairs (the
    pairwise correlations by pair type, ``pair_values``), n_windows."""
    if n_sample is None:
        neurons = np.arange(n_total)
    else:
        rng = np.random.default_rng(seed)
        e = rng.choice(n_exc, size=min(n_sample, n_exc), replace=False)
        i = rng.choice(np.arange(n_exc, n_total), size=min(n_sample, n_total - n_exc),
                       replace=False)  # fmt: skip
        neurons = np.sort(np.concatenate([e, i]))
    counts = spike_counts(neuron, step, neurons, dt_ms, t1_ms, t2_ms, window_ms)
    C = spike_count_cov(counts)
    is_exc = neurons < n_exc
    corr = cov_to_corr(C)
    return {
        "cov": average_over_subpops(C, is_exc),
        "corr": average_over_subpops(corr, is_exc),
        "corr_pairs": pair_values(corr, is_exc),
        "n_windows": counts.shape[0],
    }


def mean_weights_over_time(records):
    """Mean sampled weight (j units) per connection type over time: dict name → array, plus
    ``time_s``."""
    out = {"time_s": np.asarray(records["time_ms"]) / 1000.0}
    for c in CONNECTIONS:
        w = np.asarray(records[f"weight_{c}"])
        out[c] = w.mean(axis=1) if w.shape[1] else np.full(w.shape[0], np.nan)
    return out


def summarize_balanced(path, *, burn_in_s=None, window_ms=250.0, n_sample=200, seed=0):
    """JSON-ready summary of a balanced run's spike file: rates after the burn-in (default half
    the run, as the reference's scripts), their mean-field predictions (static balance and the
    plastic fixed point, without and with the covariance terms of the weight drift:
    ``meanfield_fixed_point``, ``meanfield_fixed_point_correlated``) and its stability under
    the mean weight dynamics (``meanfield_stability``), initial and final mean
    weights per connection (j units; the final ones also weighted by the presynaptic rates
    after the burn-in, ``final_rate_weighted_mean_weights``) and their histograms
    (``weight_histograms``, j units), population spike-count covariances and correlations
    (``n_sample`` E and I neurons, windows of ``window_ms`` after the burn-in) with the
    mean-field covariance prediction, and the histograms of the pairwise correlations
    (``correlation_histograms``: ee, ei, ii; ``histogram``). ``exploded_at_s``: where a run
    ended by its rate cap stopped (None otherwise); such a run has no steady-state rates,
    rate-weighted weights or covariances (None / absent)."""
    from eiplast.balanced import meanfield
    from eiplast.balanced.connectivity import connection_masks
    from eiplast.balanced.params import BalancedParams

    run = load_balanced(path)
    p = BalancedParams.from_dict(run["params"])
    attrs = run["attrs"]
    dt = float(attrs["dt_ms"])
    t_end = int(attrs["n_steps"]) * dt / 1000.0
    burn = t_end / 2 if burn_in_s is None else float(burn_in_s)
    # a run ended by its rate cap (on_explosion="stop") has no steady state: its rates,
    # rate-weighted weights and covariances are None; its final weights are those at the stop
    exploded = "stopped_at_s" in attrs
    if exploded:
        r_e = r_i = None
    else:
        r_e, r_i = population_rates(run["neuron"], run["step"], p.n_exc, p.n_inh, dt, burn, t_end)
    out = {
        "n": p.n,
        "duration_s": t_end,
        "burn_in_s": burn,
        "rate_exc_hz": r_e,
        "rate_inh_hz": r_i,
        "exploded_at_s": float(attrs["stopped_at_s"]) if exploded else None,
    }
    try:
        mf_e, mf_i = meanfield.balanced_rates(p)
        out["meanfield_static"] = {"rate_exc_hz": mf_e, "rate_inh_hz": mf_i}
    except meanfield.MeanFieldError as err:
        out["meanfield_static"] = {"error": str(err)}
    try:
        out["meanfield_stability"] = meanfield.stability(p)
    except (meanfield.MeanFieldError, np.linalg.LinAlgError) as err:
        out["meanfield_stability"] = {"error": str(err)}
    for key, correlations in (("meanfield_fixed_point", False),
                              ("meanfield_fixed_point_correlated", True)):  # fmt: skip
        try:
            out[key] = meanfield.fixed_point(p, correlations=correlations)
        except meanfield.MeanFieldError as err:
            out[key] = {"error": str(err)}
    if "final" in run:
        f = run["final"]
        masks = connection_masks(f["indptr"], f["post"], p.n_exc)
        out["final_mean_weights"] = {
            c: float(f["weight"][m].mean() * p.sqrt_n) if m.any() else None
            for c, m in masks.items()
        }
        if not exploded:
            rates = neuron_rates(run["neuron"], run["step"], p.n, dt, burn, t_end)
            out["final_rate_weighted_mean_weights"] = rate_weighted_mean_weights(
                f["indptr"], f["post"], f["weight"], rates, p.n_exc, scale=p.sqrt_n
            )
        out["weight_histograms"] = {
            c: histogram(f["weight"][m] * p.sqrt_n) for c, m in masks.items()
        }
    if run["records"]:
        w = mean_weights_over_time(run["records"])
        out["recorded_mean_weights_first_bin"] = {c: float(w[c][0]) for c in CONNECTIONS}
        out["recorded_mean_weights_last_bin"] = {c: float(w[c][-1]) for c in CONNECTIONS}
    if not exploded and (t_end - burn) * 1000.0 >= 2 * window_ms:
        cc = mean_cov_corr(run["neuron"], run["step"], p.n_exc, p.n, dt, burn * 1000.0,
                           t_end * 1000.0, window_ms, n_sample=n_sample, seed=seed)  # fmt: skip
        out["spike_count_cov"] = cc["cov"].tolist()
        out["spike_count_corr"] = cc["corr"].tolist()
        out["n_windows"] = cc["n_windows"]
        out["correlation_histograms"] = {k: histogram(v) for k, v in cc["corr_pairs"].items()}
        try:
            fp = out["meanfield_fixed_point"]
            weights = {c: fp[f"j_{c}"] for c in CONNECTIONS} if "j_ee" in fp else None
            out["meanfield_spike_count_cov"] = meanfield.spike_count_covariance(
                p, window_ms, weights
            ).tolist()
        except (meanfield.MeanFieldError, np.linalg.LinAlgError) as err:
            out["meanfield_spike_count_cov"] = {"error": str(err)}
    return out
