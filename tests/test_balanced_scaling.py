"""Scaling with N, run costs and distributions of the balanced-network experiments
(``eiplast.balanced.scaling``, ``stats.histogram``/``pair_values``, the size and distribution
figures), on hand-made inputs whose answers are known."""

import json

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from eiplast.balanced import figures, scaling, stats


def test_power_law_exact():
    n = np.array([1000.0, 2000.0, 5000.0, 10000.0])
    fit = scaling.fit_power_law(n, 3.0 / np.sqrt(n))
    assert fit["exponent"] == pytest.approx(-0.5, abs=1e-12)
    assert fit["prefactor"] == pytest.approx(3.0, rel=1e-12)
    assert fit["r2"] == pytest.approx(1.0)
    assert fit["exponent_low"] == pytest.approx(-0.5) and fit["exponent_high"] == pytest.approx(
        -0.5
    )
    assert (fit["n_points"], fit["n_min"], fit["n_max"]) == (4, 1000.0, 10000.0)


def test_power_law_recovers_planted_inverse_sqrt_law():
    """y = 0.4·N^(−1/2) with 10 % log-normal scatter, three seeds per size: the fitted
    exponent lies within 0.05 of −1/2 and its 95 % interval holds −1/2."""
    rng = np.random.default_rng(3)
    sizes = np.repeat([1000, 2000, 5000, 10000, 20000, 50000, 100000], 3).astype(float)
    y = 0.4 / np.sqrt(sizes) * np.exp(rng.normal(0.0, 0.1, sizes.size))
    fit = scaling.fit_power_law(sizes, y)
    assert abs(fit["exponent"] + 0.5) < 0.05
    assert fit["exponent_low"] < -0.5 < fit["exponent_high"]
    # a 1/N law is told apart from it
    fit_n = scaling.fit_power_law(sizes, 0.4 / sizes * np.exp(rng.normal(0.0, 0.1, sizes.size)))
    assert fit_n["exponent_high"] < -0.9


def test_power_law_needs_two_sizes_and_drops_nonpositive():
    with pytest.raises(ValueError, match="two distinct sizes"):
        scaling.fit_power_law([1000, 1000], [0.1, 0.2])
    with pytest.raises(ValueError, match="two distinct sizes"):
        scaling.fit_power_law([1000, 2000], [0.1, -0.2])
    fit = scaling.fit_power_law([1000, 2000, 4000, 8000], [0.2, -1.0, 0.1, 0.05])
    assert fit["n_points"] == 3 and np.isfinite(fit["exponent"])


def size_table():
    """A size table with planted laws: rates 10/20 Hz + 0.4·√(1000/N) relative offsets, the
    I→E weight's distance 0.3·(1000/N)^0.5, correlations 0.01·(1000/N), two seeds."""
    rows = []
    for n in (1000, 4000, 16000):
        for seed in (1, 2):
            d = np.sqrt(1000 / n)
            rows.append({
                "n": n, "seed": seed, "plastic": "ei",
                "rate_exc_hz": 10 * (1 + 0.4 * d), "mf_rate_exc_hz": 10.0,
                "rate_inh_hz": 20 * (1 - 0.2 * d), "mf_rate_inh_hz": 20.0,
                "j_ei": -100 * (1 + 0.3 * d), "mf_j_ei": -100.0,
                "j_ee": 25.0, "mf_j_ee": 20.0,
                "corr_ee": 0.01 * 1000 / n, "corr_ei": 0.01 * 1000 / n,
                "corr_ii": -0.01 * 1000 / n if n == 16000 else 0.01 * 1000 / n,
                "cov_ee": 0.02 * 1000 / n, "cov_ei": 0.02 * 1000 / n, "cov_ii": 0.02 * 1000 / n,
            })  # fmt: skip
    return pd.DataFrame(rows)


def test_size_scaling_of_planted_table():
    fits = scaling.size_scaling(size_table()).set_index("quantity")
    # only plastic weights enter (E→E is static here)
    assert "dist_j_ee" not in fits.index
    for name, prefactor in (("dist_rate_exc", 0.4 * np.sqrt(1000)),
                            ("dist_rate_inh", 0.2 * np.sqrt(1000)),
                            ("dist_j_ei", 0.3 * np.sqrt(1000))):  # fmt: skip
        assert fits.loc[name, "exponent"] == pytest.approx(-0.5, abs=1e-9)
        assert fits.loc[name, "prefactor"] == pytest.approx(prefactor, rel=1e-9)
    assert fits.loc["corr_ee", "exponent"] == pytest.approx(-1.0, abs=1e-9)
    assert fits.loc["cov_ii", "prefactor"] == pytest.approx(20.0, rel=1e-9)
    # the negative I–I correlations at the largest N are counted and left out
    assert fits.loc["corr_ii", "n_nonpositive"] == 2 and fits.loc["corr_ii", "n_points"] == 4


def write_run(tmp_path, name, n, seed, duration_s, wall_s, cpu_s, rss_mb):
    summary = {"point": name, "duration_s": duration_s, "params": {"n": n, "seed": seed}}
    s = tmp_path / f"{name}.json"
    s.write_text(json.dumps(summary))
    b = tmp_path / f"{name}.tsv"
    b.write_text(
        "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
        f"{wall_s}\t0:00:01\t{rss_mb}\t1\t1\t1\t0\t0\t50\t{cpu_s}\n"
    )
    return s, b


def test_run_costs_from_benchmarks(tmp_path):
    runs = [write_run(tmp_path, "N2000_s1", 2000, 1, 20.0, 30.0, 24.0, 800.5),
            write_run(tmp_path, "N1000_s1", 1000, 1, 10.0, 5.0, 4.0, 400.0)]  # fmt: skip
    costs = scaling.run_costs([s for s, _ in runs], [b for _, b in runs])
    assert costs["n"].tolist() == [1000, 2000]  # sorted by N
    assert costs["cpu_s_per_simulated_s"].tolist() == pytest.approx([0.4, 1.2])
    assert costs["wall_s_per_simulated_s"].tolist() == pytest.approx([0.5, 1.5])
    assert costs["max_rss_mb"].tolist() == pytest.approx([400.0, 800.5])
    with pytest.raises(ValueError, match="1 benchmarks for 2 summaries"):
        scaling.run_costs([s for s, _ in runs], [runs[0][1]])
    (tmp_path / "empty.tsv").write_text("s\tcpu_time\n")
    with pytest.raises(ValueError, match="empty benchmark"):
        scaling.read_benchmark(tmp_path / "empty.tsv")


def test_histogram_and_pair_values():
    h = stats.histogram([0.0, 0.1, 0.1, 1.0, np.nan], bins=10)
    assert h["n"] == 4 and sum(h["counts"]) == 4 and len(h["edges"]) == 11
    assert h["edges"][0] == 0.0 and h["edges"][-1] == 1.0
    assert h["counts"][0] == 1 and h["counts"][1] == 2 and h["counts"][-1] == 1
    assert stats.histogram([-250.0] * 5) == {"edges": [-250.0, -250.0], "counts": [5], "n": 5}
    # equal up to rounding (J·√N of one static weight)
    static = stats.histogram([15.0, 15.000000000000004, 14.999999999999996])
    assert static["counts"] == [3] and static["edges"][0] == static["edges"][1]
    assert static["edges"][0] == pytest.approx(15.0)
    assert stats.histogram([np.nan]) is None
    # neurons 0, 1 excitatory, 2, 3 inhibitory
    C = np.arange(16, dtype=float).reshape(4, 4)
    pairs = stats.pair_values(C, [True, True, False, False])
    assert pairs["ee"].tolist() == [1.0]
    assert sorted(pairs["ei"].tolist()) == [2.0, 3.0, 6.0, 7.0]
    assert pairs["ii"].tolist() == [11.0]
    avg = stats.average_over_subpops(C, [True, True, False, False])
    np.testing.assert_allclose(avg, [[1.0, 4.5], [4.5, 11.0]])


def test_size_figure_with_scaling_and_the_costs_figure(tmp_path):
    table = size_table()
    fig = figures.size_figure(table, scaling=scaling.size_scaling(table))
    assert isinstance(fig, Figure) and len(fig.axes) == 6
    labels = [t.get_text() for t in fig.axes[2].get_legend().get_texts()]
    assert "E rate (N^-0.50)" in labels and "I→E (N^-0.50)" in labels
    ax_corr, ax_cov, ax_fits = fig.axes[3], fig.axes[4], fig.axes[5]
    open_markers = [ln for ln in ax_corr.get_lines() if ln.get_markerfacecolor() == "white"]
    assert sum(len(ln.get_xdata()) for ln in open_markers) == 1  # the negative I–I point
    assert not any(ln.get_linestyle() == "--" for ln in ax_cov.get_lines())  # no mf_cov_*
    with_prediction = figures.size_figure(table.assign(mf_cov_ee=0.02 * 1000 / table["n"]))
    dashed = [ln for ln in with_prediction.axes[4].get_lines() if ln.get_linestyle() == "--"]
    assert len(dashed) == 1
    np.testing.assert_allclose(dashed[0].get_ydata(), [0.02, 0.005, 0.00125])
    assert "dist_j_ei" in ax_fits.texts[0].get_text()
    runs = [write_run(tmp_path, f"N{n}_s1", n, 1, 10.0, n / 1000, n / 2000, 300 + n / 10)
            for n in (1000, 4000, 16000)]  # fmt: skip
    costs = scaling.run_costs([s for s, _ in runs], [b for _, b in runs])
    fig = figures.costs_figure(costs)
    cpu = fig.axes[0].get_lines()[0]
    np.testing.assert_allclose(cpu.get_ydata(), [0.05, 0.2, 0.8])
    assert fig.axes[0].get_yscale() == "log"  # a factor of 16
    assert fig.axes[1].get_yscale() == "linear"  # 0.4 to 1.9 GB
    with pytest.raises(ValueError, match="lacks columns"):
        figures.costs_figure(costs.drop(columns=["max_rss_mb"]))


def test_distributions_figure():
    def summary(c_x, seed, center):
        return {
            "params": {"c_x": c_x, "seed": seed},
            "weight_histograms": {
                "ee": stats.histogram(np.linspace(center - 1, center + 1, 101), bins=10),
                "ie": stats.histogram([112.5] * 10), "ei": None, "ii": None,
            },
            "correlation_histograms": {"ee": stats.histogram([0.0, 0.1, 0.2]),
                                       "ei": None, "ii": None},
        }  # fmt: skip

    fig = figures.distributions_figure(
        [summary(0.3, 1, 5.0), summary(0.0, 1, 3.0), summary(0.0, 2, 3.5)], scan="c_x", label="c_x"
    )
    ax_ee, ax_ie = fig.axes[0], fig.axes[1]
    steps = ax_ee.patches
    assert len(steps) == 3
    # every density integrates to one
    for patch in steps:
        values, edges, _ = patch.get_data()
        assert float(np.sum(values * np.diff(edges))) == pytest.approx(1.0)
    legend = [t.get_text() for t in fig.axes[-1].get_legend().get_texts()]
    assert legend[:2] == ["c_x = 0", "c_x = 0.3"]
    # the static E→I weights: one vertical line per run at 112.5
    lines = ax_ie.get_lines()
    assert len(lines) == 3 and all(ln.get_xdata()[0] == 112.5 for ln in lines)
    with pytest.raises(ValueError, match="no summary holds"):
        figures.distributions_figure([{"params": {"c_x": 0, "seed": 1}}], scan="c_x", label="c_x")


def test_sweep_figure_marks_exploded_runs_at_their_scanned_values():
    """A sweep with two settled runs and one that exploded: the rate panel draws one red ×
    at the exploded run's scanned value, and no rate point for it."""
    table = pd.DataFrame({
        "scanned": [1.0, 2.0, 3.0], "seed": [1, 1, 1],
        "rate_exc_hz": [5.0, 7.0, np.nan], "rate_inh_hz": [15.0, 18.0, np.nan],
        "j_ee": [2.0, 3.0, np.nan], "exploded_at_s": [np.nan, np.nan, 23.0],
    })  # fmt: skip
    course = pd.DataFrame({
        "scanned": [1.0, 1.0, 3.0, 3.0], "seed": 1, "time_s": [1.0, 2.0] * 2,
        "rate_exc_hz": [5.0, 5.0, 9.0, 900.0], "j_ee": [2.0, 2.0, 3.0, 9.0],
    })  # fmt: skip
    fig = figures.sweep_figure(table, course, scan="beta", connections=["ee"])
    ax_rate = fig.axes[0]
    crosses = [line for line in ax_rate.lines if line.get_marker() == "x"]
    assert len(crosses) == 1
    assert list(crosses[0].get_xdata()) == [3.0] and crosses[0].get_color() == "red"
    assert "exploded" in crosses[0].get_label()
    # the time courses are scaled to the run that settled (5 Hz), not the 900 Hz explosion
    assert fig.axes[4].get_ylim()[1] < 10.0
    settled = table.drop(columns="exploded_at_s")
    fig = figures.sweep_figure(settled, course, scan="beta", connections=["ee"])
    assert not [line for line in fig.axes[0].lines if line.get_marker() == "x"]
