"""tools/cost_model.py: the jobs of a dry run, their prices, and the schedule's wall time, on
planted examples whose answers are worked out by hand in the comments."""

import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import cost_model  # noqa: E402

DRY_RUN = """\
Building DAG of jobs...
Job stats:
job       count
------  -------
a             1
total         1

[Mon Dec  7 02:05:01 2026]
rule connectivity:
    output: out/networks/connectivity_P20_r0.h5
    log: out/logs/connectivity/P20_r0.log
    jobid: 3
    reason: Forced execution
    wildcards: patterns=20, realisation=0
    priority: 10
    resources: tmpdir=/tmp, runtime=10

[Mon Dec  7 02:05:01 2026]
rule train:
    input: out/networks/connectivity_P20_r0.h5
    output: out/train/hebb/P20_r0.h5, out/networks/trained_hebb_P20_r0.h5
    jobid: 2
    wildcards: rule=hebb, patterns=20, realisation=0
    threads: 2
    resources: tmpdir=/tmp

[Mon Dec  7 02:05:01 2026]
localrule all:
    input: out/train/hebb/P20_r0.h5, out/elsewhere.csv
    jobid: 0
    reason: Forced execution
    resources: tmpdir=/tmp

Job stats:
"""

COSTS = {
    "thread_speedup": {1: 1.0, 2: 1.2},
    "per_simulated_s": {
        "train": 0.2,
        "spontaneous": 0.15,
        "cued_recall": 0.1,
        "persistent_cue": 0.3,
    },
    "per_neuron_step_s": {"perturbation_shard": 4e-9},
    "per_job_s": {"connectivity": 5},
}


def test_parse_dry_run():
    jobs = {job.jobid: job for job in cost_model.parse_dry_run(DRY_RUN)}
    assert sorted(jobs) == [0, 2, 3]
    train = jobs[2]
    assert train.rule == "train" and train.threads == 2
    assert train.wildcards == {"rule": "hebb", "patterns": "20", "realisation": "0"}
    assert train.outputs == ["out/train/hebb/P20_r0.h5", "out/networks/trained_hebb_P20_r0.h5"]
    assert jobs[0].rule == "all" and jobs[3].threads == 1
    # all needs train (its first input), train needs connectivity; elsewhere.csv is no job's
    assert cost_model.dependencies(list(jobs.values())) == {3: set(), 2: {3}, 0: {2}}


def _job(jobid, rule, cpu_s, threads=1):
    return cost_model.Job(jobid=jobid, rule=rule, cpu_s=cpu_s, threads=threads)


def test_makespan_by_hand():
    # c (10 s) feeds b1 and b2 (100 s each), which feed s (1 s)
    jobs = [_job(1, "c", 10), _job(2, "b", 100), _job(3, "b", 100), _job(4, "s", 1)]
    deps = {1: set(), 2: {1}, 3: {1}, 4: {2, 3}}
    assert cost_model.makespan(jobs, deps, 1, COSTS) == 211  # 10 + 100 + 100 + 1
    assert cost_model.makespan(jobs, deps, 2, COSTS) == 111  # 10 + 100 + 1
    assert cost_model.makespan(jobs, deps, None, COSTS) == 111


def test_longest_chain_goes_first():
    # on 2 cores: a (10 s) → b (100 s) beside c, d (60 s each). Taking a first: b ends at 110,
    # c and d run one after the other on the second core until 120. Taking c and d first would
    # end at 60 + 10 + 100 = 170.
    jobs = [_job(1, "a", 10), _job(2, "b", 100), _job(3, "c", 60), _job(4, "d", 60)]
    deps = {1: set(), 2: {1}, 3: set(), 4: set()}
    assert cost_model.makespan(jobs, deps, 2, COSTS) == 120


def test_threads_occupy_cores_and_speed_up_simulations():
    # a 2-thread training of 120 CPU s: 100 s on 2 cores (speed-up 1.2), holding both, so the
    # one-thread job x (50 s) waits for it; on one core the training runs 120 s on one thread
    jobs = [_job(1, "train", 120, threads=2), _job(2, "x", 50)]
    deps = {1: set(), 2: set()}
    assert cost_model.makespan(jobs, deps, 2, COSTS) == 150
    assert cost_model.makespan(jobs, deps, 1, COSTS) == 170
    assert cost_model.wall_s(_job(3, "replay", 120, threads=2), 2, COSTS) == (120, 2)


def test_job_prices():
    config = {
        "network": {"n_exc": 800, "n_inh": 200, "dt_ms": 0.1},
        "stages": {"train": {"duration_s": 2000}, "spontaneous": {"duration_s": 10_000},
                   "perturbation": {"repetitions": 1, "amplitude_min_nS": -0.35,
                                    "amplitude_max_nS": 0.35, "n_amplitudes": 8, "step_s": 0.1,
                                    "stim_steps": 5, "inh_factor": 2, "chunk_s": 100},
                   "cued_recall": {"enabled": True, "n_cued": 10, "start_s": 1, "cue_s": 0.1,
                                   "spacing_s": 1, "rate_hz": 10000, "max_cues": None,
                                   "chunk_s": 10},
                   "persistent": {"runs": {"hebb_nonadapt": {
                       "n_cued": None, "start_s": 1, "cue_s": 0.1, "spacing_s": 10,
                       "rate_hz": 10000, "max_cues": 201}}}},
        "analysis": {},
    }  # fmt: skip
    price = cost_model.job_cpu_s
    # 0.2 CPU s per simulated s of the 10 000-neuron network, 2000 s, 1000 neurons: 40 s
    assert price(cost_model.Job(1, "train"), config, COSTS) == pytest.approx(40.0)
    assert price(cost_model.Job(2, "connectivity"), config, COSTS) == 5.0
    # shard 2 of 3 of 1000 neurons: neurons 333 … 665, 333 of them
    shard = cost_model.Job(3, "perturbation_shard", wildcards={"scatteritem": "2-of-3"})
    seconds = cost_model._perturbation_seconds(config)
    assert price(shard, config, COSTS) == pytest.approx(4e-9 * seconds * 1e4 * 333)
    # cued recall at P = 1000: 1001 s (a cue per second after 1 s) at 0.1 CPU s per s, 1000 neurons
    recall = cost_model.Job(5, "cued_recall", wildcards={"patterns": "1000"})
    assert price(recall, config, COSTS) == pytest.approx(0.1 * 1001 * 0.1)
    # the non-adapting network's persistent run: 201 cues 10 s apart after 1 s = 2011 s
    persist = cost_model.Job(
        6, "persistent_cue", wildcards={"patterns": "1000", "rule": "hebb_nonadapt"}
    )
    assert price(persist, config, COSTS) == pytest.approx(0.3 * 2011 * 0.1)
    with pytest.raises(ValueError, match="no cost for rule 'mystery'"):
        price(cost_model.Job(4, "mystery"), config, COSTS)


def test_sweep_configs_plan_the_designed_runs(tmp_path):
    """config/sweep.yaml: 3 rules × 5 P through the replay branch and cued recall, nothing else;
    config/realisations.yaml: 3 rules × 3 realisations at P = 1000, replay branch only;
    config/paper.yaml: 3 rules × 12 P × 5 realisations, the perturbation branch and the
    shuffled control at the 6 full-chain P; config/balanced_large.yaml: the balanced size
    experiment alone (counts by hand from the configs)."""
    out = ["--directory", str(tmp_path), "--config", f"output_dir={tmp_path / 'results'}"]

    def planned(name):
        configfile = str(cost_model.ROOT / "config" / name)
        snakefile = str(cost_model.ROOT / "Snakefile")
        return cost_model.dry_run_jobs(["--snakefile", snakefile, "--configfile", configfile, *out])

    jobs = planned("sweep.yaml")
    counts = pd.Series([j.rule for j in jobs]).value_counts().to_dict()
    runs = 3 * 5
    assert counts == {"connectivity": 5, "train": runs, "spontaneous": runs,
                      "activations": runs, "replay": runs, "figure_raster": runs,
                      "figure_rates": 5, "figure_weights": 5, "figure_input_totals": 5,
                      "figure_replay_growth": 5, "figure_replay_diversity": 1, "summary": 1,
                      "specialisation": 5, "figure_specialisation": 5,
                      "figure_specialisation_sweep": 1, "paper_vs_ours": 1, "all": 1,
                      "cued_recall": runs, "recall": runs, "figure_recall": 5,
                      "figure_recall_sweep": 1, "assembly_traces": 5,
                      "figure_assembly_traces": 5, "connectivity_stats": 5,
                      "figure_connectivity_sweep": 1}  # fmt: skip

    jobs = planned("realisations.yaml")
    counts = pd.Series([j.rule for j in jobs]).value_counts().to_dict()
    assert counts["connectivity"] == 3 and counts["train"] == counts["spontaneous"] == 3 * 3
    assert counts["replay"] == 3 * 3 and "conductances" not in counts
    assert "cued_recall" not in counts  # switched off there

    jobs = planned("paper.yaml")
    counts = pd.Series([j.rule for j in jobs]).value_counts().to_dict()
    # and the non-adapting network of the persistent runs at every full-chain P, realisation 0
    assert counts["train"] == 3 * 12 * 5 + 6 and counts["connectivity"] == 12 * 5
    assert counts["persistent_cue"] == counts["persistent"] == 2 * 6
    assert counts["spontaneous_shuffle"] == 6 * 5 and counts["conductances"] == 3 * 6 * 5
    assert counts["perturbation_shard"] == 3 * 6 * 5 * 4  # 4 shards (config.yaml)
    assert counts["excitability"] == 6 * 5 and counts["specialisation"] == 12 * 5
    assert counts["cued_recall"] == counts["recall"] == 3 * 12 * 5
    assert "balanced_run" not in counts

    # config/balanced_large.yaml: the size experiment alone, 6 N × 2 seeds, nothing else
    jobs = planned("balanced_large.yaml")
    counts = pd.Series([j.rule for j in jobs]).value_counts().to_dict()
    assert counts == {"balanced_run": 12, "balanced_summary": 12, "balanced_size": 1, "all": 1}
