"""End-to-end tests of the Snakemake workflow on the tiny network of config/test.yaml.

* the whole workflow runs (every stage, two rules, two pattern counts, two shards, the tiny
  balanced-network experiments) and produces every summary output with the expected replay
  table;
* editing one stage parameter reruns exactly that stage and what depends on it (dry run);
* configurations that break the schema stop before any job, naming the key;
* the per-neuron stages give identical tables with 1 and 2 neuron shards;
* an interrupted simulation leaves no output and resumes from its checkpoint.

Each Snakemake call runs in its own working directory (``--directory``) so that its metadata
and locks stay out of the checkout; outputs go to ``output_dir`` inside it.
"""

import os
import re
import signal
import subprocess
import time

import h5py
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

RULES = ["hebb", "rate"]
SHUFFLE_RULES = ["hebb"]
PATTERNS = [20, 30]
# a pattern count run only through the replay branch (connectivity ... replay statistics)
REPLAY_ONLY_PATTERNS = [40]
N_NEURONS = 1000
# balanced-network experiments of config/test.yaml: runs (values x seeds) of each
BALANCED_EXPERIMENTS = {"size": 2, "istdp": 2, "correlation": 2}
REPLAY_COLUMNS = [
    "rule",
    "patterns",
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


# core functions the workflow calls that may not have landed yet
REQUIRED_CORE = ("conductance_statistics", "run_perturbation")


@pytest.fixture(scope="module")
def e2e(tmp_path_factory):
    """The complete tiny workflow, run once for the module."""
    import eiplast.stages

    missing = [name for name in REQUIRED_CORE if not hasattr(eiplast.stages, name)]
    if missing:
        pytest.skip(f"eiplast.stages lacks {', '.join(missing)} (called by the workflow)")
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
    expected = [summary / name for name in ("replay_stats.csv", "replay_stats.html")]
    expected.append(summary / "sensitivity.csv")
    figures = ["replay_diversity"]
    all_patterns = PATTERNS + REPLAY_ONLY_PATTERNS
    figures += [f"{kind}_P{p}" for kind in ("rates", "weights") for p in all_patterns]
    figures += [f"sensitivity_P{p}" for p in PATTERNS]
    figures += [f"raster_{r}_P{p}" for r in RULES for p in all_patterns]
    figures += [f"replay_growth_P{p}" for p in all_patterns]
    expected += [summary / "figures" / f"{f}.{ext}" for f in figures for ext in ("png", "pdf")]
    # the tiny balanced-network experiments (details: tests/test_balanced_workflow.py)
    balanced = out / "balanced"
    expected += [
        balanced / f"{e}.{ext}" for e in BALANCED_EXPERIMENTS for ext in ("csv", "png", "pdf")
    ]
    expected.append(balanced / "istdp_timecourse.csv")
    for path in expected:
        assert path.is_file() and path.stat().st_size > 0, f"missing or empty: {path}"
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
        assert not (summary / "figures" / f"sensitivity_P{p}.png").exists()
        assert not list(out.glob(f"spontaneous_shuffle/*/P{p}.h5"))
        assert not list(out.glob(f"conductances/*/P{p}.h5"))
        assert not list(out.glob(f"perturbation/*/P{p}"))

    replay = pd.read_csv(summary / "replay_stats.csv")
    assert list(replay.columns[: len(REPLAY_COLUMNS)]) == REPLAY_COLUMNS
    keys = set(zip(replay["rule"], replay["patterns"], replay["run"], strict=True))
    wanted = {(r, p, "spontaneous") for r in RULES for p in all_patterns}
    wanted |= {(r, p, "spontaneous_shuffle") for r in SHUFFLE_RULES for p in PATTERNS}
    assert keys == wanted and len(replay) == len(wanted)
    assert (replay["rate_exc"] > 0).all() and (replay["rate_inh"] > 0).all()
    assert replay[["nunique", "entropy", "mean_freq"]].notna().all().all()

    sens = pd.read_csv(summary / "sensitivity.csv")
    assert len(sens) == len(RULES) * len(PATTERNS) * N_NEURONS
    for column in ("rule", "patterns", "neuron", "activation_exc", "activation_inh", "mean_e"):
        assert column in sens.columns
    for (_, _), group in sens.groupby(["rule", "patterns"]):
        assert group["neuron"].tolist() == list(range(N_NEURONS))

    for experiment, n_runs in BALANCED_EXPERIMENTS.items():
        table = pd.read_csv(balanced / f"{experiment}.csv")
        assert len(table) == n_runs and (table["rate_exc_hz"] > 0).all()

    # every stage logged and benchmarked
    assert any((out / "logs" / "train").iterdir())
    assert any((out / "benchmarks" / "perturbation").iterdir())
    assert any((out / "benchmarks" / "balanced" / "run" / "istdp").iterdir())


def test_report(e2e, tmp_path):
    workdir, out = e2e
    report = tmp_path / "report.html"
    result = snakemake(workdir, *output_args(out), "--report", report)
    assert result.returncode == 0, failure_message(result)
    html = report.read_text()
    for name in ("replay_stats.html", "replay_diversity.png", "raster_hebb_P20.png", "istdp.png"):
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
        "all": 1,
    }


def test_gather_shards_checks_coverage(tmp_path):
    from eiplast.summary import gather_shards

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
    # output_args() sets replay_only_patterns to [40]
    "pattern_count_in_both_lists": ("patterns: [20, 40]\n", "replay_only_patterns"),
    "shuffle_control_shorter_than_skip": (
        "stages:\n  spontaneous_shuffle:\n    duration_s: 1\n",
        "analysis.activations.skip_s",
    ),
    "unknown_key": ("stages:\n  train:\n    durration_s: 3\n", "stages.train.durration_s"),
    "unknown_top_level_key": ("bogus_section: 1\n", "bogus_section"),
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
        f"{stage}/{r}/P{p}.csv"
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
    target = out / "spontaneous" / "rate" / "P20.h5"
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
    log = (out / "logs" / "spontaneous" / "rate_P20.log").read_text(errors="replace")
    assert re.search(r"checkpoint .* found at step [1-9]", log), log[-2000:]
    assert target.is_file() and not ckpt.exists()
    with h5py.File(target, "r") as f:
        assert int(f.attrs["n_steps"]) == 200 * 10000
