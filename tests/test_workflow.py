"""End-to-end tests of the Snakemake workflow on the tiny network of config/test.yaml.

* the whole workflow runs (every stage, three rules, two pattern counts, two shards, the tiny
  balanced-network experiments) and produces every summary output with the expected replay
  table;
* its numbers are those of a working model: every spontaneous run replays, the rates lie in the
  band of the intact tiny network, excitatory pulses excite and inhibitory ones inhibit, and the
  shuffled control ran on a permutation of the trained I→E weights, with plasticity off, and is
  more active than the trained network;
* editing one stage parameter reruns exactly that stage and what depends on it, and adding
  realisations or pattern counts plans only the new runs (dry run);
* configurations that break the schema stop before any job, naming the key;
* the per-neuron stages give identical tables with 1 and 2 neuron shards;
* an interrupted simulation leaves no output and resumes from its checkpoint.

Each Snakemake call runs in its own working directory (``--directory``) so that its metadata
and locks stay out of the checkout; outputs go to ``output_dir`` inside it.
"""

import ast
import os
import re
import signal
import subprocess
import time

import h5py
import numpy as np
import pandas as pd
import pytest
import yaml
from workflow_helpers import (
    ROOT,
    SNAKEFILE,
    SNAKEMAKE,
    TEST_CONFIG,
    failure_message,
    job_counts,
    snakemake,
)

from eiplast.analysis.activations import load_activations

RULES = ["hebb", "hebb_smooth_rate", "rate"]
SHUFFLE_RULES = ["hebb"]
LEARNING_RULES = ["hebb"]  # config/test.yaml: spontaneous activity with plasticity on
PATTERNS = [20, 30]
# a pattern count run only through the replay branch (connectivity ... replay statistics)
REPLAY_ONLY_PATTERNS = [40]
N_NEURONS = 1000
# balanced-network experiments of config/test.yaml: runs (values x seeds) of each
BALANCED_EXPERIMENTS = {"size": 2, "istdp": 2, "correlation": 2, "optogenetics": 1}
BALANCED_SWEEPS = {"static_jee": 2, "kohonen_beta": 2}
REPLAY_COLUMNS = [
    "rule",
    "patterns",
    "realisation",
    "run",
    "nunique",
    "entropy",
    "mean_freq",
    "mean_dur",
    "rate_exc",
    "rate_inh",
]

pytestmark = pytest.mark.slow


def output_args(out):
    return ["--config", f"output_dir={out}", f"replay_only_patterns={REPLAY_ONLY_PATTERNS}"]


@pytest.fixture(scope="module")
def e2e(tmp_path_factory):
    """The complete tiny workflow, run once for the module."""
    workdir = tmp_path_factory.mktemp("workflow")
    out = workdir / "results"
    start = time.perf_counter()
    result = snakemake(workdir, *output_args(out))
    elapsed = time.perf_counter() - start
    assert result.returncode == 0, failure_message(result)
    print(f"tiny end-to-end workflow: {elapsed:.0f} s")
    return workdir, out


def test_end_to_end_outputs(e2e):
    _, out = e2e
    summary = out / "summary"
    tables = ("replay_stats", "replay_stats_aggregate")
    expected = [summary / f"{name}.{ext}" for name in tables for ext in ("csv", "html")]
    expected.append(summary / "sensitivity.csv")
    figures = ["replay_diversity", "ou_example"]
    all_patterns = PATTERNS + REPLAY_ONLY_PATTERNS
    kinds = ("rates", "weights", "input_totals")
    figures += [f"{kind}_P{p}_r0" for kind in kinds for p in all_patterns]
    figures += [f"sensitivity_P{p}_r0" for p in PATTERNS]
    figures += [f"raster_{r}_P{p}_r0" for r in RULES for p in all_patterns]
    figures += [f"replay_growth_P{p}" for p in all_patterns]
    figures += [f"assembly_traces_P{p}_r0" for p in all_patterns]
    figures += [f"specialisation_P{p}_r0" for p in all_patterns] + ["specialisation_sweep"]
    figures += ["connectivity_sweep"]
    figures += [f"excitability_P{p}_r0" for p in PATTERNS] + ["excitability_sweep"]
    figures += [f"conductance_fit_P{p}_r0" for p in PATTERNS]
    figures += [f"recall_P{p}_r0" for p in all_patterns] + ["recall_sweep"]
    kinds = ("linear_response", "completion", "susceptibility", "replay_conductances", "eigenmodes",
             "eigen_activity")  # fmt: skip
    figures += [f"{kind}_P{p}_r0" for kind in kinds for p in PATTERNS]
    figures += ["linear_sweep", "susceptibility_sweep"]
    figures += [f"persistent_P{p}_r0" for p in PATTERNS]
    expected += [summary / "figures" / f"{f}.{ext}" for f in figures for ext in ("png", "pdf")]
    # the tiny balanced-network experiments (details: tests/test_balanced_workflow.py)
    balanced = out / "balanced"
    expected += [
        balanced / f"{e}.{ext}" for e in BALANCED_EXPERIMENTS for ext in ("csv", "png", "pdf")
    ]
    expected += [balanced / f"{e}_{kind}" for e in ("istdp", "optogenetics")
                 for kind in ("timecourse.csv", "balance.png", "balance.pdf")]  # fmt: skip
    expected += [balanced / f"{e}_distributions.{ext}" for e in BALANCED_EXPERIMENTS
                 for ext in ("png", "pdf")]  # fmt: skip
    expected += [balanced / "size_scaling.csv", out / "benchmarks/balanced/size_costs.csv"]
    suffixes = (".csv", ".png", ".pdf", "_timecourse.csv", "_distributions.png")
    expected += [balanced / "sweeps" / f"{s}{x}" for s in BALANCED_SWEEPS for x in suffixes]
    # the tiny sequential-embedding branch (config/test.yaml: 20 + 2 blocks of 10, GHP, the
    # controls at the last P only)
    forgetting = out / "forgetting"
    expected += [forgetting / f for f in ("forgetting.csv", "forgetting_curves.csv",
                                          "forgetting_recall.csv", "forgetting.png",
                                          "forgetting.pdf")]  # fmt: skip
    for path in expected:
        assert path.is_file() and path.stat().st_size > 0, f"missing or empty: {path}"
    blocks = pd.read_csv(forgetting / "forgetting.csv")
    runs = blocks.groupby(["protocol", "rule", "patterns"])["block"].agg(list)
    assert sorted(runs.index) == sorted(
        [(protocol, "rate", p) for protocol in ("scratch", "frozen") for p in (20, 40)]
        + [("sequential", "rate", p) for p in (20, 30, 40)]
    )
    for (_, _, p), block_list in runs.items():
        assert block_list == list(range(1 + (p - 20) // 10))
    # the frozen control keeps the first block's inhibition exactly; blocks in turn move it
    frozen = blocks[blocks["protocol"] == "frozen"]
    assert (frozen["since_first_mean_abs_change_nS"] == 0).all()
    later = blocks[(blocks["protocol"] == "sequential") & (blocks["patterns"] > 20)]
    assert (later["since_previous_mean_abs_change_nS"] > 0).all()
    # cued recall of the first block's assemblies after every block, of the latest block's
    # after every block but the first (from its first pattern on)
    recall = pd.read_csv(forgetting / "forgetting_recall.csv")
    assert len(recall) == 3 + 3 + 5 and set(recall["cued_patterns"]) == {3}
    new = recall[recall["age"] == "new"]
    assert sorted(set(new["patterns"])) == [30, 40]
    assert sorted(new.loc[new["protocol"] != "sequential", "patterns"]) == [40, 40]
    assert (new["first_cue"] == new["patterns"] - 10).all()
    assert (recall.loc[recall["age"] == "old", "first_cue"] == 0).all()
    # the replay-growth curves end at the replay table's nunique, run by run
    table = pd.read_csv(summary / "replay_stats.csv")
    for p in all_patterns:
        growth = pd.read_csv(summary / f"replay_growth_P{p}.csv")
        end = growth.groupby("label")["nunique"].last()
        rows = table[table["patterns"] == p].set_index("label")["nunique"]
        assert end.sort_index().to_dict() == rows.sort_index().to_dict()
        assert (growth.groupby("label")["nunique"].diff().dropna() >= 0).all()
    # the replay-only pattern count has no shuffled control and no perturbation branch
    for p in REPLAY_ONLY_PATTERNS:
        assert not list((summary / "figures").glob(f"sensitivity_P{p}_*"))
        assert not list(out.glob(f"spontaneous_shuffle/*/P{p}_*"))
        assert not list(out.glob(f"conductances/*/P{p}_*"))
        assert not list(out.glob(f"perturbation/*/P{p}_*"))

    replay = pd.read_csv(summary / "replay_stats.csv")
    assert list(replay.columns[: len(REPLAY_COLUMNS)]) == REPLAY_COLUMNS
    keys = set(zip(replay["rule"], replay["patterns"], replay["run"], strict=True))
    wanted = {(r, p, "spontaneous") for r in RULES for p in all_patterns}
    wanted |= {(r, p, "spontaneous_shuffle") for r in SHUFFLE_RULES for p in PATTERNS}
    wanted |= {(r, p, "spontaneous_learning") for r in LEARNING_RULES for p in PATTERNS}
    assert keys == wanted and len(replay) == len(wanted)
    assert (replay["realisation"] == 0).all()
    # one realisation: the aggregate's mean is the row's value, with n = 1 and no interval
    aggregate = pd.read_csv(summary / "replay_stats_aggregate.csv")
    nunique = aggregate[aggregate["statistic"] == "nunique"]
    assert len(nunique) == len(wanted) and (nunique["n"] == 1).all()
    assert nunique["ci95_low"].isna().all()
    merged = nunique.merge(replay, on=["rule", "patterns", "run"])
    np.testing.assert_array_equal(merged["mean"], merged["nunique"])
    assert (replay["rate_exc"] > 0).all() and (replay["rate_inh"] > 0).all()
    assert replay[["nunique", "entropy", "mean_freq"]].notna().all().all()

    # the paper-vs-ours table: the rate and summed-input key numbers of every P, no published
    # values (no reference_data_dir); the rates are the replay table's mean rates
    paper = pd.read_csv(summary / "paper_vs_ours.csv")
    assert set(paper["figure"]) == {
        "Fig 1H", "Fig 1J", "Fig 3", "Fig 4", "Figs 5, S2", "Fig 6", "Fig 7A", "Fig 7B",
        "Figs 7E, S4",
        "Fig 8", "Fig S1", "Fig S3",
        "connectivity",
    }  # fmt: skip
    assert paper["reference"].isna().all()
    assert set(paper["patterns"]) == {*all_patterns, 0}  # 0: the OU draw, no P
    assert set(paper[paper["patterns"] == 0]["figure"]) == {"Fig 7A"}
    labels = {*RULES, "hebb_nonadapt", "uniform", "assemblies", "random", "OU"}
    assert set(paper["label"]) == labels
    e_mean = paper[paper["quantity"] == "E rate (Hz), mean"].set_index(["label", "patterns"])
    spontaneous = replay[replay["run"] == "spontaneous"].set_index(["rule", "patterns"])
    for (rule, p), row in e_mean.iterrows():
        assert row["ours"] == pytest.approx(spontaneous.loc[(rule, p), "rate_exc"], rel=1e-9)

    # cued recall: every pattern of every run cued, in cue order, one summary row per run
    recall = pd.read_csv(summary / "recall.csv")
    assert len(recall) == len(RULES) * len(all_patterns)
    assert (recall["cued_patterns"] == recall["patterns"]).all()
    for r in RULES:
        for p in all_patterns:
            table = pd.read_csv(out / "recall" / r / f"P{p}_r0.csv")
            assert table["pattern"].tolist() == list(range(p))
            assert table["onset_s"].tolist() == pytest.approx(1.0 + np.arange(p))
            assert (table["cued"] <= 3).all()  # config/test.yaml cues 3 members
            events = load_activations(out / "activations" / "spontaneous" / r / f"P{p}_r0.h5")
            assert table["replay_count"].sum() == len(events)
            # the cue drives the cued members far above the tiny network's ~11 Hz
            assert table["cued_peak_rate_hz"].median() > 100

    # spontaneous learning: the weights moved, but stay close to the trained ones in 6 s
    for p in PATTERNS:
        drift = pd.read_csv(out / "spontaneous_learning" / "hebb" / f"P{p}_r0_drift.csv")
        assert len(drift) == 1 and drift["synapses"].iloc[0] > 0
        assert 0 < drift["relative_change"].iloc[0] < 0.5 and drift["correlation"].iloc[0] > 0.5

    # persistent activity (config/test.yaml: hebb_nonadapt 4 cues 2 s apart, sLHP 6 cues 1 s
    # apart, from 1 s; 0.5 s before to 1.5 s after): the cues whose span lies in the run are
    # averaged, every member driven at 10 kHz fires far above the pattern's rate before its cue;
    # the traces of 1.5-5 s hold the patterns cued inside (at 3 s; at 2, 3, 4 s)
    for p in PATTERNS:
        for r, n_cues, cued in (("hebb_nonadapt", 4, [1]), ("hebb_smooth_rate", 5, [1, 2, 3])):
            average = pd.read_csv(out / "persistent" / r / f"P{p}_r0_average.csv")
            assert (average["n_cues"] == n_cues).all() and len(average) == 200
            assert average["t_s"].iloc[[0, -1]].tolist() == pytest.approx([-0.5, 1.49])
            during = average[average["t_s"].between(0, 0.09)]["stimulated_hz"].mean()
            before = average[average["t_s"] < 0]["stimulated_hz"].mean()
            assert during > 2 * before
            traces = pd.read_csv(out / "persistent" / r / f"P{p}_r0_traces.csv")
            assert traces[traces["series"] == "cued"]["pattern"].unique().tolist() == cued
            assert traces["t_s"].between(1.5, 5.0, inclusive="left").all()

    # replay traces: events of the first rule strictly inside the configured 5-10 s span, 500
    # bins of 10 ms each; intervals of every rule, none negative
    for p in all_patterns:
        traces = pd.read_csv(out / "traces" / f"P{p}_r0" / "traces.csv")
        if len(traces):
            assert traces["event_t_s"].between(5.0, 10.0, inclusive="neither").all()
            assert (traces.groupby("event").size() == 500).all()
            assert traces["active_fraction"].between(0, 1).all()
        intervals = pd.read_csv(out / "traces" / f"P{p}_r0" / "intervals.csv")
        assert set(intervals["rule"]) <= set(RULES) and (intervals["interval_s"] >= 0).all()

    # the linearised network: every pattern of every full-chain P, overlaps as fractions; the
    # response tables cover the 8 pulses of both block kinds
    for p in PATTERNS:
        overlaps = pd.read_csv(out / "linear" / f"P{p}_r0" / "overlaps.csv")
        assert overlaps["pattern"].tolist() == list(range(p))
        assert list(overlaps.columns[1:]) == [*RULES, "uniform"]
        assert overlaps[[*RULES, "uniform"]].stack().between(0, 1).all()
        completion = pd.read_csv(out / "linear" / f"P{p}_r0" / "completion.csv")
        assert len(completion) == 9 * p
        for r in RULES:
            response = pd.read_csv(out / "linear" / f"P{p}_r0" / f"responses_{r}.csv")
            assert len(response) == 2 * 400 and (response["rate_hz"] >= 0).all()
            assert sorted(response["amplitude_index"].unique()) == list(range(8))

    sens = pd.read_csv(summary / "sensitivity.csv")
    assert len(sens) == len(RULES) * len(PATTERNS) * N_NEURONS
    for column in ("rule", "patterns", "realisation", "neuron", "population", "activation_exc",
                   "activation_inh", "mean_e"):  # fmt: skip
        assert column in sens.columns
    for (_, _), group in sens.groupby(["rule", "patterns"]):
        assert group["neuron"].tolist() == list(range(N_NEURONS))

    for experiment, n_runs in BALANCED_EXPERIMENTS.items():
        table = pd.read_csv(balanced / f"{experiment}.csv")
        assert len(table) == n_runs and (table["rate_exc_hz"] > 0).all()
    for sweep, n_runs in BALANCED_SWEEPS.items():
        table = pd.read_csv(balanced / "sweeps" / f"{sweep}.csv")
        assert len(table) == n_runs and (table["rate_exc_hz"] > 0).all()

    # every stage logged and benchmarked
    assert any((out / "logs" / "train").iterdir())
    assert any((out / "benchmarks" / "perturbation").iterdir())
    assert any((out / "benchmarks" / "balanced" / "run" / "istdp").iterdir())


# Band of the tiny network's mean rates (Hz), from the model: intact, its spontaneous and shuffled
# runs give E 10.6-13.7 Hz and I 17.8-23.0 Hz (every rule and pattern count, seeds 2-7 of the
# spontaneous stage). Broken, on the same trained networks: no inhibition E 28 / I 69 Hz, no I->E
# synapses 28 / 43 Hz, E_inh = 0 mV 130-150 / 250 Hz, no background input (or half of it) 0 / 0 Hz,
# no recurrent excitation 1.1 / 1.0 Hz. The band leaves at least 5 Hz on either side.
RATE_BAND_HZ = {"rate_exc": (5.0, 20.0), "rate_inh": (10.0, 32.0)}
# The shuffled control against the trained network (rule hebb): shuffling undoes what fLHP
# learned (more inhibition onto the more active neurons), and the tiny network's E rate rises by
# 0.7-0.8 Hz (10.6-10.9 -> 11.4-11.6 Hz over seeds 2-7, standard deviation 0.06 Hz per run).
SHUFFLE_MIN_RISE_HZ = 0.3


def _replay_rows(out):
    table = pd.read_csv(out / "summary" / "replay_stats.csv")
    return table[table["realisation"] == 0].set_index(["rule", "patterns", "run"])


def test_every_spontaneous_run_replays(e2e):
    _, out = e2e
    replay = _replay_rows(out)
    assert len(replay) == len(RULES) * (len(PATTERNS) + len(REPLAY_ONLY_PATTERNS)) + len(
        SHUFFLE_RULES + LEARNING_RULES
    ) * len(PATTERNS)
    silent = replay[(replay["n_events"] <= 0) | (replay["nunique"] <= 0)]
    assert silent.empty, f"runs without replay:\n{silent[['n_events', 'nunique']]}"


def test_rates_in_the_band_of_the_intact_model(e2e):
    _, out = e2e
    replay = _replay_rows(out)
    for column, (low, high) in RATE_BAND_HZ.items():
        outside = replay[(replay[column] < low) | (replay[column] > high)]
        assert outside.empty, f"{column} outside [{low}, {high}] Hz:\n{outside[column]}"


def test_shuffled_control_differs_from_the_trained_network(e2e):
    _, out = e2e
    replay = _replay_rows(out)
    stats = ["n_events", "nunique", "entropy", "mean_freq", "mean_dur", "rate_exc", "rate_inh"]
    for rule in SHUFFLE_RULES:
        for p in PATTERNS:
            trained = replay.loc[(rule, p, "spontaneous"), stats]
            shuffled = replay.loc[(rule, p, "spontaneous_shuffle"), stats]
            assert not trained.equals(shuffled), (rule, p)
            rise = shuffled["rate_exc"] - trained["rate_exc"]
            assert rise > SHUFFLE_MIN_RISE_HZ, (rule, p, trained["rate_exc"], shuffled["rate_exc"])


def test_sensitivity_signs(e2e):
    """Median linear sensitivity > 0 to excitatory and < 0 to inhibitory pulses, in every rule,
    pattern count and population. The tiny run has 3 repetitions per amplitude, so single
    neurons are noisy (15-35 % of them lack the median's sign), but the medians stay 5.5-18
    bootstrap standard errors away from 0 (E: +0.59 … +0.66 and −0.37 … −0.59; I: +1.59 … +1.66
    and −1.08 … −1.35)."""
    _, out = e2e
    sens = pd.read_csv(out / "summary" / "sensitivity.csv")
    groups = sens.groupby(["rule", "patterns", "population"])
    assert len(groups) == len(RULES) * len(PATTERNS) * 2
    medians = groups[["activation_exc", "activation_inh"]].median()
    print(medians)
    wrong = medians[(medians["activation_exc"] <= 0) | (medians["activation_inh"] >= 0)]
    assert wrong.empty, f"sensitivities of the wrong sign:\n{wrong}"


def _logged_run(out, stage, rule, patterns):
    """The RunParams fields the workflow gave a simulation job (the "run {...}" line that
    workflow/scripts/simulate.py writes to the job's log)."""
    log = (out / "logs" / stage / f"{rule}_P{patterns}_r0.log").read_text(errors="replace")
    found = re.findall(rf"{stage}: \S+ -> \S+; run (\{{.*\}})$", log, re.MULTILINE)
    assert found, f"no 'run {{...}}' line in the {stage} log of {rule} P{patterns}:\n{log}"
    return ast.literal_eval(found[-1])


def _spikes(path):
    with h5py.File(path, "r") as f:
        return f["spikes/neuron"][:], f["spikes/step"][:]


def test_shuffled_control_permutes_the_trained_weights(e2e, tmp_path):
    """The shuffled run's I→E weights are not in its output (the stage saves no weights), so the
    job is repeated at stage level: eiplast.stages.run_network_stage with the run parameters the
    workflow gave it (from its log) and ``save_weights``, on the workflow's trained network. The
    repetition must give the workflow's spikes exactly; then its I→E weights at the start are
    the trained ones permuted (same multiset, another assignment, every other synapse as
    trained), and at the end unchanged (η = 0)."""
    from eiplast.assembly.connectivity import load_connectivity
    from eiplast.assembly.params import BackgroundParams, NeuronParams, PlasticityParams, RunParams
    from eiplast.assembly.simulate import NetworkSimulator
    from eiplast.stages import run_network_stage

    _, out = e2e
    for rule in RULES:
        for p in PATTERNS:
            spont = RunParams.from_dict(_logged_run(out, "spontaneous", rule, p))
            assert not spont.shuffle_ei and spont.learning_rate == 0, (rule, p, spont)
    for rule in SHUFFLE_RULES:
        for p in PATTERNS:
            run = _logged_run(out, "spontaneous_shuffle", rule, p)
            params = RunParams.from_dict(run)
            assert params.shuffle_ei and params.learning_rate == 0, (rule, p, run)
            trained_file = out / "networks" / f"trained_{rule}_P{p}_r0.h5"
            again = tmp_path / f"shuffle_{rule}_P{p}.h5"
            run_network_stage(trained_file, again, run={**run, "save_weights": True},
                              stage="spontaneous_shuffle", progress=False)  # fmt: skip
            workflow_spikes = _spikes(out / "spontaneous_shuffle" / rule / f"P{p}_r0.h5")
            for ours, theirs in zip(_spikes(again), workflow_spikes, strict=True):
                np.testing.assert_array_equal(ours, theirs)

            trained = load_connectivity(trained_file)
            mask = trained.ei_mask()
            w_trained = trained.weight_nS[mask]
            sim = NetworkSimulator(trained, NeuronParams(), BackgroundParams(),
                                   PlasticityParams(kind="static"), params)  # fmt: skip
            w_start = sim.weight_nS[mask]
            with h5py.File(again, "r") as f:
                w_end = f["weights/ei_weight_nS"][:]
            assert len(w_trained) > 1000 and np.unique(w_trained).size > 0.9 * len(w_trained)
            np.testing.assert_array_equal(np.sort(w_start), np.sort(w_trained))
            np.testing.assert_array_equal(sim.weight_nS[~mask], trained.weight_nS[~mask])
            moved = np.mean(w_start != w_trained)
            r = np.corrcoef(w_start, w_trained)[0, 1]
            print(f"{rule} P{p}: {moved:.3f} of the I→E weights moved, r = {r:+.4f}")
            # a random permutation of ~16 000 distinct weights: r ~ N(0, 0.008)
            assert moved > 0.9 and abs(r) < 0.05, (rule, p, moved, r)
            np.testing.assert_array_equal(w_end, w_start.astype(w_end.dtype))


def test_report(e2e, tmp_path):
    workdir, out = e2e
    report = tmp_path / "report.html"
    result = snakemake(workdir, *output_args(out), "--report", report)
    assert result.returncode == 0, failure_message(result)
    html = report.read_text()
    names = ("replay_stats.html", "replay_stats_aggregate.html", "replay_diversity.png",
             "raster_hebb_P20_r0.png", "istdp.png", "input_totals_P20_r0.png",
             "paper_vs_ours.html")  # fmt: skip
    for name in names:
        assert name in html


def test_incremental_dry_run(e2e, tmp_path):
    workdir, out = e2e
    result = snakemake(workdir, *output_args(out), "--dry-run")
    assert result.returncode == 0, failure_message(result)
    assert "Nothing to be done" in result.stdout + result.stderr

    edited = tmp_path / "edited.yaml"
    edited.write_text("stages:\n  spontaneous:\n    duration_s: 16\n")
    result = snakemake(workdir, *output_args(out), "--dry-run", configfiles=[edited])
    assert result.returncode == 0, failure_message(result)
    # the shuffled control has its own duration (stages.spontaneous_shuffle): not rerun
    n_patterns = len(PATTERNS) + len(REPLAY_ONLY_PATTERNS)
    n_replay = len(RULES) * n_patterns
    assert job_counts(result.stdout) == {
        "spontaneous": len(RULES) * n_patterns,
        "activations": n_replay,
        "replay": n_replay,
        "summary": 1,
        "figure_replay_diversity": 1,
        "figure_rates": n_patterns,
        "figure_raster": len(RULES) * n_patterns,
        "figure_replay_growth": n_patterns,
        "assembly_traces": n_patterns,
        "figure_assembly_traces": n_patterns,
        "excitability": len(PATTERNS),  # replay counts of the full-chain P
        "figure_excitability": len(PATTERNS),
        "figure_excitability_sweep": 1,
        "recall": len(RULES) * n_patterns,  # replay counts of every P
        "figure_recall": n_patterns,
        "figure_recall_sweep": 1,
        "eigen_activity": len(RULES) * len(PATTERNS),  # the eigen-assembly's activity
        "figure_eigen_activity": len(PATTERNS),
        "paper_vs_ours": 1,  # the rate figures' key numbers
        "all": 1,
    }


def test_new_realisations_and_pattern_counts_plan_only_new_jobs(e2e):
    """After a complete run, a second realisation plans every stage once per run of it (and the
    summaries over realisations), and a new pattern count only the runs of that count; nothing
    of the runs already done."""
    workdir, out = e2e
    result = snakemake(workdir, *output_args(out), "realisations=2", "--dry-run")
    assert result.returncode == 0, failure_message(result)
    all_patterns = PATTERNS + REPLAY_ONLY_PATTERNS
    n_sim, n_chain = len(RULES) * len(all_patterns), len(RULES) * len(PATTERNS)
    n_shuffle = len(SHUFFLE_RULES) * len(PATTERNS)
    n_learning = len(LEARNING_RULES) * len(PATTERNS)
    per_chain = {"conductances": 1, "conductance_stats_shard": 2, "conductance_stats": 1,
                 "perturbation_shard": 2, "sensitivity_shard": 2, "sensitivity": 1}  # fmt: skip
    assert job_counts(result.stdout) == {
        "connectivity": len(all_patterns),
        "train": n_sim,
        "spontaneous": n_sim,
        "spontaneous_shuffle": n_shuffle,
        "spontaneous_learning": n_learning,
        "weight_drift": n_learning,
        "activations": n_sim + n_shuffle + n_learning,
        "replay": n_sim + n_shuffle + n_learning,
        **{rule: n * n_chain for rule, n in per_chain.items()},
        "summary": 1,
        "figure_replay_diversity": 1,
        "figure_replay_growth": len(all_patterns),
        "specialisation": len(all_patterns),
        "figure_specialisation_sweep": 1,
        "connectivity_stats": len(all_patterns),
        "figure_connectivity_sweep": 1,
        "excitability": len(PATTERNS),
        "figure_excitability_sweep": 1,
        "cued_recall": n_sim,
        "recall": n_sim,
        "figure_recall_sweep": 1,
        # the traces, responses, conductances around replay and eigenmodes feed only the
        # figures of realisation 0; the sweeps gather every realisation
        "linear_response": len(PATTERNS),
        "figure_linear_sweep": 1,
        "susceptibility": len(PATTERNS),
        "figure_susceptibility_sweep": 1,
        "paper_vs_ours": 1,
        "all": 1,
    }
    outputs = re.findall(r"^    output: (.*)$", result.stdout, re.MULTILINE)
    of_runs = [line for line in outputs if re.search(r"P[0-9]+_r[0-9]+", line)]
    assert of_runs and all("_r1" in line and "_r0" not in line for line in of_runs)

    result = snakemake(workdir, *output_args(out), f"patterns={PATTERNS + [50]}", "--dry-run")
    assert result.returncode == 0, failure_message(result)
    assert job_counts(result.stdout) == {
        "connectivity": 1,
        "train": len(RULES) + 1,  # and the non-adapting network of the persistent runs
        "spontaneous": len(RULES),
        "spontaneous_shuffle": len(SHUFFLE_RULES),
        "spontaneous_learning": len(LEARNING_RULES),
        "weight_drift": len(LEARNING_RULES),
        "activations": len(RULES) + len(SHUFFLE_RULES) + len(LEARNING_RULES),
        "replay": len(RULES) + len(SHUFFLE_RULES) + len(LEARNING_RULES),
        **{rule: n * len(RULES) for rule, n in per_chain.items()},
        "summary": 1,
        "figure_replay_diversity": 1,
        "figure_replay_growth": 1,
        "figure_rates": 1,
        "figure_weights": 1,
        "figure_input_totals": 1,
        "specialisation": 1,
        "figure_specialisation": 1,
        "figure_specialisation_sweep": 1,
        "connectivity_stats": 1,
        "figure_connectivity_sweep": 1,
        "excitability": 1,
        "figure_excitability": 1,
        "figure_excitability_sweep": 1,
        "figure_conductance_fit": 1,
        "cued_recall": len(RULES),
        "recall": len(RULES),
        "figure_recall": 1,
        "figure_recall_sweep": 1,
        "assembly_traces": 1,
        "figure_assembly_traces": 1,
        "perturbation_response": len(RULES),
        "linear_response": 1,
        "figure_linear_response": 1,
        "figure_completion": 1,
        "figure_linear_sweep": 1,
        "susceptibility": 1,
        "figure_susceptibility": 1,
        "replay_conductances": len(RULES),
        "figure_replay_conductances": 1,
        "eigenmodes": len(RULES),
        "figure_eigenmodes": 1,
        "eigen_activity": len(RULES),
        "figure_eigen_activity": 1,
        "figure_susceptibility_sweep": 1,
        "persistent_cue": 2,
        "persistent": 2,
        "figure_persistent": 1,
        "paper_vs_ours": 1,
        "figure_raster": len(RULES),
        "figure_sensitivity": 1,
        "all": 1,
    }


def test_gather_shards_checks_coverage(tmp_path):
    from eiplast.analysis.summary import gather_shards

    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    pd.DataFrame({"neuron": [2, 3], "x": [0.2, 0.3]}).to_csv(b, index=False)
    pd.DataFrame({"neuron": [0, 1], "x": [0.0, 0.1]}).to_csv(a, index=False)
    table = gather_shards([b, a], tmp_path / "all.csv", n_neurons=4)
    assert table["neuron"].tolist() == [0, 1, 2, 3]
    assert pd.read_csv(tmp_path / "all.csv")["x"].tolist() == [0.0, 0.1, 0.2, 0.3]
    with pytest.raises(ValueError, match="expected 0..4"):
        gather_shards([a, b], tmp_path / "bad.csv", n_neurons=5)
    with pytest.raises(ValueError, match="more than one shard"):
        gather_shards([a, a, b], tmp_path / "bad.csv")
    assert not (tmp_path / "bad.csv").exists()


def _schema_keys(schema, defs, prefix=""):
    """Dotted names of every property the schema allows (``<name>`` for free-form names)."""
    if "$ref" in schema:
        schema = {**defs[schema["$ref"].split("/")[-1]], **schema}
        schema.pop("$ref")
    keys = []
    for name, sub in schema.get("properties", {}).items():
        keys.append(f"{prefix}{name}")
        keys += _schema_keys(sub, defs, f"{prefix}{name}.")
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        keys += _schema_keys(extra, defs, f"{prefix}<name>.")
    return keys


def test_every_config_key_is_documented():
    schema = yaml.safe_load((ROOT / "config" / "schema" / "config.schema.yaml").read_text())
    readme = (ROOT / "config" / "README.md").read_text()
    keys = _schema_keys(schema, schema["$defs"])
    assert len(keys) > 80
    undocumented = [k for k in keys if not re.search(rf"\b{re.escape(k.split('.')[-1])}\b", readme)]
    assert not undocumented


BAD_CONFIGS = {
    "forgetting_unknown_rule": (
        "forgetting:\n  enabled: true\n  rules: [hebb, bogus]\n",
        "forgetting.rules[1]",
    ),
    "forgetting_too_short": (
        "forgetting:\n  enabled: true\n  spontaneous_s: 1\n",
        "forgetting.spontaneous_s",
    ),
    "unknown_rule": ("rules: [hebb, bogus]\n", "rules[1]"),
    "unknown_rule_kind": (
        "plasticity_rules:\n  weird:\n    kind: stdp\n",
        "plasticity_rules.weird.kind",
    ),
    "negative_duration": (
        "stages:\n  spontaneous:\n    duration_s: -5\n",
        "stages.spontaneous.duration_s",
    ),
    "fractional_pattern_count": ("patterns: [20, 2.5]\n", "patterns[1]"),
    "zero_pattern_count": ("patterns: [0]\n", "patterns[0]"),
    "fit_neuron_outside_the_network": (
        "analysis:\n  figures:\n    conductance_fit_neuron: 1000\n",  # the tiny N is 1000
        "analysis.figures.conductance_fit_neuron",
    ),
    "fit_rule_not_run": (
        "analysis:\n  figures:\n    conductance_fit_rule: shuffle\n",
        "analysis.figures.conductance_fit_rule",
    ),
    # output_args() sets replay_only_patterns to [40]
    "pattern_count_in_both_lists": ("patterns: [20, 40]\n", "replay_only_patterns"),
    "shuffle_control_shorter_than_skip": (
        "stages:\n  spontaneous_shuffle:\n    duration_s: 1\n",
        "analysis.activations.skip_s",
    ),
    "unknown_key": ("stages:\n  train:\n    durration_s: 3\n", "stages.train.durration_s"),
    "unknown_top_level_key": ("bogus_section: 1\n", "bogus_section"),
    "missing_reference_data": ("reference_data_dir: /nonexistent\n", "reference_data_dir"),
    "zero_realisations": ("realisations: 0\n", "realisations"),
    "recall_window_before_the_run": (
        "analysis:\n  recall:\n    before_s: 2\n",
        "analysis.recall.before_s",
    ),
    "trace_span_after_the_run": (
        "analysis:\n  figures:\n    traces_start_s: 12\n",  # 12 + 5 s of a 15 s run
        "analysis.figures.traces_start_s",
    ),
    "linear_example_not_a_pattern": (
        "analysis:\n  linear:\n    example_pattern: 20\n",  # the smallest full-chain P is 20
        "analysis.linear.example_pattern",
    ),
    "persistent_run_of_an_undefined_rule": (
        "stages:\n  persistent:\n    runs:\n      nowhere:\n        n_cued: null\n"
        "        start_s: 1\n        cue_s: 0.1\n        spacing_s: 1\n        rate_hz: 10000\n"
        "        max_cues: 2\n",
        "stages.persistent.runs.nowhere",
    ),
    "eigen_activity_window_after_the_run": (
        "analysis:\n  eigen_activity:\n    window_start_s: 12\n",  # 12 + 5 s of a 15 s run
        "analysis.eigen_activity.window_start_s",
    ),
    "persistent_traces_after_the_run": (
        "analysis:\n  persistent:\n    traces_stop_s: 30\n",  # the tiny runs last 9 and 7 s
        "analysis.persistent.traces_stop_s",
    ),
    "rule_neuron_override_invalid": (
        "plasticity_rules:\n  hebb_nonadapt:\n    kind: hebb\n    neuron:\n      c_pF: -1\n",
        "plasticity_rules.hebb_nonadapt.neuron.c_pF",
    ),
    "recall_example_not_cued": (
        "analysis:\n  recall:\n    example_pattern: 20\n",  # the tiny P are 20, 30, 40
        "analysis.recall.example_pattern",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_bad_config_stops_before_any_job(case, tmp_path):
    text, key = BAD_CONFIGS[case]
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    out = tmp_path / "results"
    result = snakemake(tmp_path / "wd", *output_args(out), "--dry-run", configfiles=[bad])
    assert result.returncode != 0
    printed = result.stdout + result.stderr  # Snakemake 9 logs errors to stdout
    assert "Invalid configuration" in printed
    assert f"key '{key}'" in printed, printed[-3000:]
    assert "Job stats" not in printed and "Select jobs to execute" not in printed
    assert not out.exists()


def test_shard_invariance(e2e):
    """Robust statistics and sensitivity are identical with 1 and 2 neuron shards."""
    workdir, out = e2e
    tables = [
        f"{stage}/{r}/P{p}_r0.csv"
        for stage in ("conductance_stats", "sensitivity")
        for r in RULES
        for p in PATTERNS
    ]
    two_shards = {t: pd.read_csv(out / t) for t in tables}
    result = snakemake(workdir, *output_args(out), "shards=1", "--", *[out / t for t in tables])
    assert result.returncode == 0, failure_message(result)
    assert "1-of-1" in result.stdout + result.stderr  # the tables were really recomputed
    for t in tables:
        pd.testing.assert_frame_equal(pd.read_csv(out / t), two_shards[t], check_exact=True)


def test_interrupted_simulation_resumes(e2e, tmp_path):
    """Ctrl-C during a simulation leaves no output; the rerun resumes from the checkpoint."""
    workdir, out = e2e
    longer = tmp_path / "longer.yaml"
    longer.write_text("stages:\n  spontaneous:\n    duration_s: 200\n    chunk_s: 2\n")
    target = out / "spontaneous" / "rate" / "P20_r0.h5"
    ckpt = target.with_name(target.name + ".ckpt")
    cmd = [
        *SNAKEMAKE,
        "--snakefile",
        str(SNAKEFILE),
        "--directory",
        str(workdir),
        "--cores",
        "1",
        "--configfile",
        str(TEST_CONFIG),
        str(longer),
        *output_args(out),
        "--",
        str(target),
    ]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, like a terminal's foreground job
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 120
        while not ckpt.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ckpt.exists(), "no checkpoint appeared"
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode != 0
    if target.exists():  # the run finished before the interrupt arrived; nothing to resume
        pytest.skip("simulation finished before the interrupt")
    assert ckpt.exists() and target.with_name(target.name + ".parts").is_dir()

    result = snakemake(workdir, *output_args(out), "--", target, configfiles=[longer])
    assert result.returncode == 0, failure_message(result)
    log = (out / "logs" / "spontaneous" / "rate_P20_r0.log").read_text(errors="replace")
    assert re.search(r"checkpoint .* found at step [1-9]", log), log[-2000:]
    assert target.is_file() and not ckpt.exists()
    with h5py.File(target, "r") as f:
        assert int(f.attrs["n_steps"]) == 200 * 10000
