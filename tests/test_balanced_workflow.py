"""The balanced-network experiments of the workflow (Akil et al. 2021; issue 5, item 5).

* ``eiplast.balanced.experiments`` and ``figures`` on tiny real runs: summaries, table rows,
  time courses, gathering, the three figures;
* the balanced part of the workflow alone (``barta_fukai.enabled: false``) on the tiny
  configuration of config/test.yaml: every output, the tables' rows, nothing to redo afterwards,
  and a changed value reruns only what uses it (dry runs);
* switching each part off; bad balanced configurations stop before any job, naming the key.
"""

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from workflow_helpers import failure_message, job_counts, snakemake

from eiplast.analysis.style import save_figure
from eiplast.balanced import experiments, figures, stats
from eiplast.balanced.simulate import run_balanced_stage
from eiplast.balanced.stats import load_balanced

# the balanced part alone: config/test.yaml also switches the forgetting branch on
ONLY_BALANCED = "barta_fukai:\n  enabled: false\nforgetting:\n  enabled: false\n"
# the tiny experiments of config/test.yaml
POINTS = {
    "size": ["N500_s1", "N1000_s1"],
    "istdp": ["jei-200_s1", "jei-100_s1"],
    "correlation": ["cx0_s1", "cx0.3_s1"],
}
SWEEP_POINTS = {"static_jee": ["j_ee15_s1", "j_ee25_s1"], "kohonen_beta": ["beta2_s1", "beta3_s1"]}


# ---------------------------------------------------------------------------------------------
# experiments and figures on tiny runs
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_runs(tmp_path_factory):
    """Two tiny plastic runs (iSTDP on I→E, two initial strengths), summarised."""
    d = tmp_path_factory.mktemp("balanced_runs")
    base = dict(n=300, duration_s=1.0, chunk_s=0.5, c_x=0.0, eta_ei=0.05, n_record_weights=50)
    out = []
    for j_ei in (-200.0, -100.0):
        spikes = d / f"jei{j_ei:g}.h5"
        run_balanced_stage({**base, "j_ei": j_ei}, spikes, progress=False)
        summary = experiments.summarize_run(
            spikes, experiment="istdp", point=spikes.stem, window_ms=100.0, n_sample=50
        )
        experiments.write_json(summary, d / f"{spikes.stem}.json")
        tc = experiments.timecourse(spikes, bin_ms=100.0)
        tc.to_csv(d / f"{spikes.stem}_timecourse.csv", index=False)
        out.append((spikes, d / f"{spikes.stem}.json", d / f"{spikes.stem}_timecourse.csv"))
    return out


def test_summary_row_and_gather(tiny_runs):
    summaries = [s for _, s, _ in tiny_runs]
    loaded = json.loads(summaries[0].read_text())
    assert loaded["experiment"] == "istdp" and loaded["params"]["j_ei"] == -200.0
    assert set(loaded["recorded_mean_weights_after_burn_in"]) == {"ee", "ie", "ei", "ii"}

    table = experiments.gather_summaries(reversed(summaries), experiment="istdp")
    assert list(table.columns[:5]) == ["experiment", "point", "j_ei_init", "seed", "n"]
    assert table["j_ei_init"].tolist() == [-200.0, -100.0]  # sorted by the scanned value
    assert (table["plastic"] == "ei").all()
    assert (table[["rate_exc_hz", "rate_inh_hz"]] > 0).all().all()
    # static connections keep their weights; the plastic one moved towards the target
    assert np.allclose(table["j_ee"], 25.0) and np.allclose(table["j_ii_final"], -250.0)
    assert (table["j_ei"] != table["j_ei_init"]).all()
    # mean field of I→E iSTDP: the E rate at the target, the same j_ei for both
    assert np.allclose(table["mf_rate_exc_hz"], 10.0)
    assert np.allclose(table["mf_j_ei"], table["mf_j_ei"].iloc[0]) and table["mf_j_ei"].iloc[0] < 0
    assert table[["corr_ee", "corr_ei", "corr_ii", "mf_cov_ee"]].notna().all().all()


def test_timecourse_bins_and_gather(tiny_runs):
    spikes, summary, course = tiny_runs[0]
    tc = pd.read_csv(course)
    assert len(tc) == 10 and np.allclose(tc["time_s"], np.arange(1, 11) * 0.1)
    run = load_balanced(spikes)
    n_exc = 240
    e_spikes = np.count_nonzero(run["neuron"] < n_exc)
    assert tc["rate_exc_hz"].sum() * 0.1 * n_exc == pytest.approx(e_spikes)
    # one record bin (1000 steps = 100 ms) per time bin: the recorded mean itself
    recorded = run["records"]["weight_ei"].mean(axis=1)
    assert np.allclose(tc["j_ei"], recorded, rtol=1e-6)
    assert np.allclose(tc["j_ee"], 25.0, rtol=1e-6)

    both = experiments.gather_timecourses(
        [c for *_, c in reversed(tiny_runs)], [s for _, s, _ in reversed(tiny_runs)]
    )
    assert list(both.columns[:5]) == ["point", "j_ei_init", "c_x", "seed", "time_s"]
    assert both["j_ei_init"].unique().tolist() == [-200.0, -100.0] and len(both) == 20
    with pytest.raises(ValueError, match="2 time courses for 1 summaries"):
        experiments.gather_timecourses([course, course], [summary])


def test_figures(tiny_runs, tmp_path):
    table = experiments.gather_summaries([s for _, s, _ in tiny_runs])
    course = experiments.gather_timecourses(
        [c for *_, c in tiny_runs], [s for _, s, _ in tiny_runs]
    )
    # a size table from the same rows (two "sizes"), a correlation table (two c_x)
    size_table = table.assign(n=[300, 600])
    corr_table = table.assign(c_x=[0.0, 0.3])
    made = {
        "size": figures.size_figure(size_table),
        "istdp": figures.istdp_figure(course, table),
        "correlation": figures.correlation_figure(corr_table, connections=["ei", "ee"]),
    }
    for name, fig in made.items():
        assert isinstance(fig, Figure)
        written = save_figure(fig, tmp_path / name)
        for path in written:
            assert Path(path).stat().st_size > 0
    assert len(made["size"].axes) == 6 and len(made["istdp"].axes) == 2
    # the I→E panel of the iSTDP figure: one line per run, target and mean-field lines
    labels = [t.get_text() for t in made["istdp"].axes[0].get_legend().get_texts()]
    assert labels == ["j_ei(0) = -200", "j_ei(0) = -100", "ρ_ei = 10 Hz"]
    # the weight panel ends with each run's rate-weighted I→E weight (one diamond per run)
    assert np.isfinite(table["j_ei_rate_weighted"]).all()
    diamonds = [ln for ln in made["istdp"].axes[1].get_lines() if ln.get_marker() == "D"]
    ends = np.sort(np.concatenate([ln.get_ydata() for ln in diamonds]))
    np.testing.assert_allclose(ends, np.sort(table["j_ei_rate_weighted"]))
    # a span of a spike file read without the rest, and the balance figure's raster of it
    spikes = tiny_runs[0][0]
    run = load_balanced(spikes)
    window = stats.spike_window(spikes, 0.25, 0.6)
    t = run["step"] * 0.1 / 1000.0
    inside = (t >= 0.25) & (t < 0.6)
    np.testing.assert_array_equal(window["step"], run["step"][inside])
    np.testing.assert_array_equal(window["neuron"], run["neuron"][inside])
    assert (window["t_start_s"], window["t_stop_s"]) == pytest.approx((0.25, 0.6))
    assert stats.spike_window(spikes, 5.0, 9.0)["step"].size == 0  # after the run's 1 s
    first = course[course["point"] == course["point"].iloc[0]]
    fig = figures.balance_figure(first, title="tiny", raster=window, n_shown=(20, 5), marked_exc=3)
    raster_ax = fig.axes[-1]
    assert len(fig.axes) == 3 and raster_ax.get_xlim() == pytest.approx((0.25, 0.6))
    drawn = np.concatenate([ln.get_ydata() for ln in raster_ax.get_lines()])
    assert drawn.size > 0 and drawn.min() >= 0 and drawn.max() < 25
    labels = [t.get_text() for t in raster_ax.get_legend().get_texts()]
    assert "stimulated E" in labels
    with pytest.raises(ValueError, match="lacks columns"):
        figures.size_figure(table.drop(columns=["mf_rate_exc_hz"]))
    with pytest.raises(ValueError, match="unknown connections"):
        figures.correlation_figure(corr_table, connections=["xy"])


# ---------------------------------------------------------------------------------------------
# the workflow
# ---------------------------------------------------------------------------------------------


def config_file(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def balanced_e2e(tmp_path_factory):
    """The balanced part of the tiny workflow alone, run once for the module."""
    workdir = tmp_path_factory.mktemp("balanced_workflow")
    only = config_file(workdir, "only_balanced.yaml", ONLY_BALANCED)
    out = workdir / "results"
    start = time.perf_counter()
    result = snakemake(workdir, "--config", f"output_dir={out}", configfiles=[only])
    elapsed = time.perf_counter() - start
    assert result.returncode == 0, failure_message(result)
    print(f"tiny balanced workflow: {elapsed:.0f} s")
    return workdir, out, only


@pytest.mark.slow
def test_balanced_outputs(balanced_e2e):
    _, out, _ = balanced_e2e
    bal = out / "balanced"
    expected = [bal / f"{e}.{ext}" for e in POINTS for ext in ("csv", "png", "pdf")]
    expected += [bal / f"{e}_distributions.{ext}" for e in POINTS for ext in ("png", "pdf")]
    expected += [bal / "istdp_timecourse.csv", bal / "size_scaling.csv"]
    # the time and memory of the size runs live with the benchmarks (they measure the machine)
    expected += [out / "benchmarks" / "balanced" / f"size_costs.{ext}" for ext in ("csv", "png")]
    for exp, points in POINTS.items():
        for p in points:
            expected += [bal / "runs" / exp / f"{p}.h5", bal / "summaries" / exp / f"{p}.json"]
            expected.append(bal / "summaries" / exp / f"{p}_timecourse.csv")
            expected.append(out / "logs" / "balanced" / "run" / exp / f"{p}.log")
    for sweep, points in SWEEP_POINTS.items():
        expected += [bal / "runs" / sweep / f"{p}.h5" for p in points]
        expected += [bal / "summaries" / sweep / f"{p}.json" for p in points]
    for path in expected:
        assert path.is_file() and path.stat().st_size > 0, f"missing or empty: {path}"
    assert not (out / "summary").exists()  # the Barta & Fukai part was switched off

    size = pd.read_csv(bal / "size.csv")
    assert size["n"].tolist() == [500, 1000] and (size["plastic"] == "ei+ii").all()
    # every run's time and peak memory from its benchmark file; a fit per quantity
    costs = pd.read_csv(out / "benchmarks" / "balanced" / "size_costs.csv")
    assert costs["n"].tolist() == [500, 1000] and (costs["cpu_s_per_simulated_s"] > 0).all()
    assert (costs["max_rss_mb"] > 50).all()
    fits = pd.read_csv(bal / "size_scaling.csv")
    assert {"dist_rate_exc", "dist_j_ei", "dist_j_ii", "corr_ee"} <= set(fits["quantity"])
    summary = json.loads((bal / "summaries" / "size" / "N500_s1.json").read_text())
    assert summary["weight_histograms"]["ei"]["n"] > 0
    assert (
        summary["weight_histograms"]["ee"]["edges"][0]
        == summary["weight_histograms"]["ee"]["edges"][-1]
    )
    assert (size[["rate_exc_hz", "rate_inh_hz"]] > 0).all().all()
    assert np.allclose(size[["mf_rate_exc_hz", "mf_rate_inh_hz"]], [10.0, 20.0])
    istdp = pd.read_csv(bal / "istdp.csv")
    assert istdp["j_ei_init"].tolist() == [-200.0, -100.0] and (istdp["plastic"] == "ei").all()
    course = pd.read_csv(bal / "istdp_timecourse.csv")
    assert len(course) == 2 * 12  # 3 s in bins of 250 ms per run
    assert course[["rate_exc_hz", "j_ei"]].notna().all().all()
    # the sweeps: one row per value, the scanned value and the fixed point's stability
    sweep = pd.read_csv(bal / "sweeps" / "kohonen_beta.csv")
    assert sweep["scan"].tolist() == ["beta", "beta"] and sweep["scanned"].tolist() == [2.0, 3.0]
    assert (sweep["plastic"] == "ee").all() and sweep["mf_stable"].all()
    assert (sweep["mf_j_ee"] > 0).all() and (sweep["mf_max_eigenvalue"] < 0).all()
    static = pd.read_csv(bal / "sweeps" / "static_jee.csv")
    assert (
        static["j_ee"].tolist() == pytest.approx([15.0, 25.0])
        and (static["plastic"] == "none").all()
    )
    course = pd.read_csv(bal / "sweeps" / "kohonen_beta_timecourse.csv")
    assert sorted(course["scanned"].unique()) == [2.0, 3.0]
    for name in ("kohonen_beta", "static_jee"):
        for suffix in (".png", ".pdf", "_distributions.png", "_timecourse.csv"):
            assert (bal / "sweeps" / f"{name}{suffix}").stat().st_size > 0
    corr = pd.read_csv(bal / "correlation.csv")
    assert corr["c_x"].tolist() == [0.0, 0.3] and (corr["plastic"] == "ee").all()
    assert corr["corr_ee"].iloc[1] > corr["corr_ee"].iloc[0]


@pytest.mark.slow
def test_balanced_incremental(balanced_e2e, tmp_path):
    workdir, out, only = balanced_e2e
    args = ["--config", f"output_dir={out}", "--dry-run"]
    result = snakemake(workdir, *args, configfiles=[only])
    assert result.returncode == 0, failure_message(result)
    assert "Nothing to be done" in result.stdout + result.stderr

    # one more c_x: one run, its summary, the correlation figure
    more = config_file(
        tmp_path, "more.yaml", "balanced:\n  correlation:\n    c_x: [0.0, 0.3, 0.6]\n"
    )
    result = snakemake(workdir, *args, configfiles=[only, more])
    assert result.returncode == 0, failure_message(result)
    assert job_counts(result.stdout) == {
        "balanced_run": 1,
        "balanced_summary": 1,
        "balanced_correlation": 1,
        "all": 1,
    }
    # another learning rate for the iSTDP experiment: its two points, nothing else
    eta = config_file(
        tmp_path, "eta.yaml", "balanced:\n  istdp:\n    params:\n      eta_ei: 0.04\n"
    )
    result = snakemake(workdir, *args, configfiles=[only, eta])
    assert result.returncode == 0, failure_message(result)
    assert job_counts(result.stdout) == {
        "balanced_run": 2,
        "balanced_summary": 2,
        "balanced_istdp": 1,
        "all": 1,
    }
    # another time-course bin: every summary and figure, no simulation
    bins = config_file(tmp_path, "bins.yaml", "balanced:\n  summary:\n    bin_ms: 500\n")
    result = snakemake(workdir, *args, configfiles=[only, bins])
    assert result.returncode == 0, failure_message(result)
    assert job_counts(result.stdout) == {
        "balanced_summary": 11,
        "balanced_size": 1,
        "balanced_istdp": 1,
        "balanced_correlation": 1,
        "balanced_optogenetics": 1,
        "balanced_sweep": 2,
        "all": 1,
    }
    # one more value of a sweep: its run, summary and figure only
    more_beta = config_file(
        tmp_path, "beta.yaml", "balanced:\n  sweeps:\n    kohonen_beta:\n      values: [2, 3, 4]\n"
    )
    result = snakemake(workdir, *args, configfiles=[only, more_beta])
    assert result.returncode == 0, failure_message(result)
    assert job_counts(result.stdout) == {
        "balanced_run": 1,
        "balanced_summary": 1,
        "balanced_sweep": 1,
        "all": 1,
    }


@pytest.mark.slow
def test_parts_switch_off(tmp_path):
    """Each part can be switched off (and each balanced experiment); the forgetting branch
    runs or not by its own switch."""
    out = tmp_path / "results"
    only = config_file(tmp_path, "only.yaml", ONLY_BALANCED)
    one = config_file(
        tmp_path,
        "one.yaml",
        "balanced:\n  size:\n    enabled: false\n  istdp:\n    enabled: false\n"
        "  optogenetics:\n    enabled: false\n  sweeps: null\n",
    )
    result = snakemake(
        tmp_path / "wd", "--config", f"output_dir={out}", "--dry-run", configfiles=[only, one]
    )
    assert result.returncode == 0, failure_message(result)
    assert job_counts(result.stdout) == {
        "balanced_run": 2,
        "balanced_summary": 2,
        "balanced_correlation": 1,
        "all": 1,
    }
    off = config_file(tmp_path, "off.yaml", "balanced:\n  enabled: false\n")
    result = snakemake(
        tmp_path / "wd", "--config", f"output_dir={out}", "--dry-run", configfiles=[off]
    )
    assert result.returncode == 0, failure_message(result)
    counts = job_counts(result.stdout)
    assert counts["summary"] == 1 and not any(rule.startswith("balanced") for rule in counts)
    # the forgetting branch has its own switch (on in config/test.yaml)
    assert counts["forgetting_summary"] == 1


BAD_BALANCED = {
    "own_key_in_params": ("balanced:\n  params:\n    n: 100\n", "balanced.params.n"),
    "scanned_key_in_params": (
        "balanced:\n  correlation:\n    params:\n      c_x: 0.2\n",
        "balanced.correlation.params.c_x",
    ),
    "positive_inhibition": (
        "balanced:\n  istdp:\n    j_ei: [-100, 50]\n",
        "balanced.istdp.j_ei[1]",
    ),
    "burn_in_too_long": ("balanced:\n  summary:\n    burn_in_s: 3\n", "balanced.summary.burn_in_s"),
    "core_check": (  # passes the schema, fails BalancedParams (forward Euler needs tau > dt)
        "balanced:\n  istdp:\n    params:\n      tau_e_ms: 0.05\n",
        "balanced.istdp.params.tau_e_ms",
    ),
    "two_rules_on_one_connection": (
        "balanced:\n  correlation:\n    params:\n      eta_ee_hebb: 0.01\n",
        "balanced.correlation.params.eta_ee_hebb",
    ),
    "no_correlation_windows": (
        "balanced:\n  summary:\n    window_ms: 1000\n",
        "balanced.summary.window_ms",
    ),
    "switch_not_boolean": ("barta_fukai:\n  enabled: 1\n", "barta_fukai.enabled"),
    "sweep_scans_unknown_field": (
        "balanced:\n  sweeps:\n    static_jee:\n      scan: j_xx\n",
        "balanced.sweeps.static_jee.scan",
    ),
    "sweep_scans_its_size": (
        "balanced:\n  sweeps:\n    static_jee:\n      scan: n\n",
        "balanced.sweeps.static_jee.scan",
    ),
    "sweep_scanned_key_in_params": (
        "balanced:\n  sweeps:\n    static_jee:\n      params:\n        j_ee: 3\n",
        "balanced.sweeps.static_jee.params.j_ee",
    ),
    "sweep_named_like_an_experiment": (
        "balanced:\n  sweeps:\n    size: {enabled: true, n: 500, scan: j_ee, values: [1],"
        " seeds: [1], duration_s: 3}\n",
        "balanced.sweeps.size",
    ),
    "sweep_value_the_core_refuses": (  # a positive inhibitory weight
        "balanced:\n  sweeps:\n    static_jei:\n      enabled: true\n      values: [-100, 20]\n",
        "balanced.sweeps.static_jei.values",
    ),
    "sweep_bad_name": (
        "balanced:\n  sweeps:\n    Bad-Name: {enabled: true, n: 500, scan: j_ee, values: [1],"
        " seeds: [1], duration_s: 3}\n",
        "balanced.sweeps",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(BAD_BALANCED))
def test_bad_balanced_config_stops_before_any_job(case, tmp_path):
    text, key = BAD_BALANCED[case]
    bad = config_file(tmp_path, "bad.yaml", text)
    out = tmp_path / "results"
    result = snakemake(
        tmp_path / "wd", "--config", f"output_dir={out}", "--dry-run", configfiles=[bad]
    )
    assert result.returncode != 0
    printed = result.stdout + result.stderr
    assert "Invalid configuration" in printed
    assert f"key '{key}'" in printed, printed[-3000:]
    assert "Job stats" not in printed
    assert not out.exists()
