"""What a configuration costs before it runs: CPU hours, and wall time on a few machine sizes.

    python tools/cost_model.py [snakemake arguments] [--cores 2,16,64] [--costs FILE]
    python tools/cost_model.py --configfile config/paper.yaml --cores 2,16,64,256

Asks Snakemake for every job of the configuration (a dry run with ``--forceall``: the whole
run, whatever already exists), prices each job from the measured per-unit stage costs
(``bench/results/stage_costs.yaml``: CPU s per simulated s, per neuron-step, per job; network
stages scaled by N / 10 000) and the configuration's durations, then plays the jobs through a
list scheduler on each number of cores: a job starts when its inputs exist and enough cores are
free, ready jobs taken by the workflow's priority, then by the longest chain of work still
behind them (what a good scheduler does; Snakemake's own choice can only be slower). Prints the
CPU hours per rule and in total, the critical path (unlimited cores) and the wall time on each
number of cores. A simulation job with ``threads: k`` occupies k cores and runs
``thread_speedup[k]`` times faster than on one.

What it leaves out: reading and writing files beyond what the measured stages include, the
cluster's queueing time, and differences of CPU (the costs are those of the CPU named in the
cost file).
"""

from __future__ import annotations

import argparse
import heapq
import re
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from eiplast.assembly.cues import CueProtocol
from eiplast.assembly.perturbation import PerturbationSchedule
from eiplast.config_files import merged_config
from eiplast.config_files import snakemake_args as parse_snakemake_args

ROOT = Path(__file__).resolve().parents[1]
COSTS = ROOT / "bench" / "results" / "stage_costs.yaml"
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
FULL_NETWORK = 10_000  # neurons of the network the per-unit costs were measured on
# the replay branch's priority (workflow/rules/resources.smk REPLAY_BRANCH_PRIORITY)
REPLAY_BRANCH_RULES = {"connectivity", "train", "spontaneous", "spontaneous_shuffle",
                       "spontaneous_learning",
                       "activations", "replay"}  # fmt: skip
SIMULATION_RULES = {"train", "spontaneous", "spontaneous_shuffle", "spontaneous_learning",
                    "conductances"}  # fmt: skip
# rules whose jobs run the connected network on the job's threads
THREADED_RULES = SIMULATION_RULES | {"cued_recall", "persistent_cue"}


@dataclass
class Job:
    """One job of the dry run: rule, wildcards, files, threads; ``cpu_s`` once priced."""

    jobid: int
    rule: str
    wildcards: dict = field(default_factory=dict)
    inputs: list = field(default_factory=list)
    outputs: list = field(default_factory=list)
    threads: int = 1
    cpu_s: float = 0.0


def parse_dry_run(text: str) -> list[Job]:
    """The jobs of a Snakemake dry run's output (blocks ``rule NAME:`` with indented ``input:``,
    ``output:``, ``jobid:``, ``wildcards:``, ``threads:`` lines; files comma-separated)."""
    jobs = []
    job = None
    for line in text.splitlines():
        header = re.fullmatch(r"(?:local)?(?:rule|checkpoint) (\w+):", line.strip())
        if header and not line.startswith(" "):
            job = Job(jobid=-1, rule=header.group(1))
            jobs.append(job)
            continue
        field_line = re.fullmatch(r"    (\w+): (.*)", line)
        if job is None or field_line is None:
            if not line.strip():
                job = None
            continue
        key, value = field_line.groups()
        if key == "jobid":
            job.jobid = int(value)
        elif key in ("input", "output"):
            files = [f.strip() for f in value.split(",") if f.strip()]
            (job.inputs if key == "input" else job.outputs).extend(files)
        elif key == "wildcards":
            for item in value.split(", "):
                name, _, wildcard = item.partition("=")
                job.wildcards[name] = wildcard
        elif key == "threads":
            job.threads = int(value)
    return jobs


def dependencies(jobs: list[Job]) -> dict[int, set[int]]:
    """jobid → jobids whose outputs it reads."""
    producer = {path: job.jobid for job in jobs for path in job.outputs}
    return {
        job.jobid: {producer[p] for p in job.inputs if p in producer and producer[p] != job.jobid}
        for job in jobs
    }


def _network_size(config: dict) -> int:
    return int(config["network"]["n_exc"]) + int(config["network"]["n_inh"])


def _shard_neurons(config: dict, scatteritem: str) -> int:
    i, n = (int(x) for x in scatteritem.split("-of-"))
    size = _network_size(config)
    return i * size // n - (i - 1) * size // n


def _perturbation_seconds(config: dict) -> float:
    return PerturbationSchedule.from_config(config["stages"]["perturbation"]).duration_s


def _balanced_point(config: dict, experiment: str, point: str) -> tuple[float, float]:
    """(neurons, simulated s) of one balanced-network run (an experiment's, or a sweep's of
    balanced.sweeps)."""
    bal = config["balanced"]
    if experiment in (bal.get("sweeps") or {}):
        section = bal["sweeps"][experiment]
        return float(section["n"]), float(section["duration_s"])
    section = bal[experiment]
    n = float(point[1:].split("_s")[0]) if point.startswith("N") else float(section["n"])
    return n, float(section["duration_s"])


def _cued_recall_seconds(config: dict, patterns: int) -> float:
    """Simulated seconds of one cued-recall run (P cues, one per spacing, after the lead-in)."""
    from eiplast.assembly.cues import CueProtocol

    return CueProtocol.from_config(config["stages"]["cued_recall"]).duration_s(patterns)


def _persistent_seconds(config: dict, rule: str, patterns: int) -> float:
    """Simulated seconds of one persistent-cue run (stages.persistent.runs.<rule>)."""
    from eiplast.assembly.cues import CueProtocol

    protocol = config["stages"]["persistent"]["runs"][rule]
    return CueProtocol.from_config(protocol).duration_s(patterns)


def _forgetting_cpu_s(rule: str, config: dict, costs: dict, scale: float) -> float:
    """CPU seconds of a job of the sequential-embedding branch (docs/forgetting.md), priced
    as the main runs' stages of the same kind."""
    per_sim, section = costs["per_simulated_s"], config["forgetting"]
    seconds = {
        "forgetting_train_scratch": ("train", config["stages"]["train"]["duration_s"]),
        "forgetting_train_block": ("train", section["block_train_s"]),
        "forgetting_spontaneous": ("spontaneous", section["spontaneous_s"]),
        "forgetting_activations": ("activations", section["spontaneous_s"]),
    }
    if rule == "forgetting_cued":
        protocol = dict(config["stages"]["cued_recall"], max_cues=section["cued"])
        cued_s = CueProtocol.from_config(protocol).duration_s(section["cued"])
        return per_sim["cued_recall"] * cued_s * scale
    if rule in seconds:
        kind, duration_s = seconds[rule]
        return per_sim[kind] * duration_s * scale
    jobs = {"forgetting_connectivity": "connectivity", "forgetting_blocks": "replay",
            "forgetting_embed": "weight_drift", "forgetting_frozen": "weight_drift",
            "forgetting_recall": "recall", "forgetting_summary": "figure"}  # fmt: skip
    return float(costs["per_job_s"][jobs[rule]])


def job_cpu_s(job: Job, config: dict, costs: dict) -> float:
    """CPU seconds of ``job`` on one thread (``costs``: the stage-cost file's mapping)."""
    rule, wc = job.rule, job.wildcards
    scale = _network_size(config) / FULL_NETWORK
    per_sim = costs["per_simulated_s"]
    stages, analysis = config["stages"], config["analysis"]
    if rule in SIMULATION_RULES:
        return per_sim[rule] * stages[rule]["duration_s"] * scale
    if rule == "cued_recall":
        return per_sim["cued_recall"] * _cued_recall_seconds(config, int(wc["patterns"])) * scale
    if rule == "persistent_cue":
        seconds = _persistent_seconds(config, wc["rule"], int(wc["patterns"]))
        return per_sim["persistent_cue"] * seconds * scale
    if rule == "activations":
        run = wc.get("run", "spontaneous")
        key = "activations_shuffle" if run == "spontaneous_shuffle" else "activations"
        return per_sim[key] * stages[run]["duration_s"] * scale
    if rule == "conductance_stats_shard":
        cond = stages["conductances"]
        samples = (cond["duration_s"] - analysis["conductance_stats"]["skip_s"]) * 1000.0
        samples /= cond["state_interval_ms"]
        rate = costs["per_neuron_sample_s"][rule]
        return rate * samples * _shard_neurons(config, wc["scatteritem"])
    if rule == "perturbation_shard":
        steps = _perturbation_seconds(config) * 1000.0 / config["network"]["dt_ms"]
        rate = costs["per_neuron_step_s"][rule]
        return rate * steps * _shard_neurons(config, wc["scatteritem"])
    if rule == "sensitivity_shard":
        rate = costs["per_neuron_schedule_s"][rule]
        return rate * _perturbation_seconds(config) * _shard_neurons(config, wc["scatteritem"])
    if rule.startswith("forgetting_"):
        return _forgetting_cpu_s(rule, config, costs, scale)
    if rule == "balanced_run":
        model = costs["balanced_run_per_simulated_s"]
        n, duration_s = _balanced_point(config, wc["experiment"], wc["point"])
        size = n / model["reference_n"]
        return duration_s * (model["linear"] * size + model["quadratic"] * size**2)
    if rule == "balanced_summary":
        n, duration_s = _balanced_point(config, wc["experiment"], wc["point"])
        return n * 20.0 * duration_s / costs["balanced_summary_spikes_per_s"]
    if rule.startswith("figure_"):
        return costs["per_job_s"]["figure"]
    if rule.startswith("balanced_"):
        return costs["per_job_s"]["balanced_table"]
    if rule == "all":
        return 0.0
    if rule in costs["per_job_s"]:
        return float(costs["per_job_s"][rule])
    raise ValueError(f"no cost for rule {rule!r} in the stage-cost file")


def wall_s(job: Job, cores: int, costs: dict) -> tuple[float, int]:
    """(wall seconds, cores held) of ``job`` on a machine of ``cores`` cores: a job asks for
    its threads, and gets at most the machine's cores (as Snakemake scales them down)."""
    held = max(1, min(job.threads, cores))
    speedups = {int(k): float(v) for k, v in costs["thread_speedup"].items()}
    speedup = speedups.get(held, speedups[max(k for k in speedups if k <= held)])
    if job.rule not in THREADED_RULES:
        speedup = 1.0
    return job.cpu_s / speedup, held


def users_of(deps: dict[int, set[int]]) -> dict[int, set[int]]:
    """jobid → jobids that read its outputs (``deps`` turned around)."""
    users = defaultdict(set)
    for jobid, needed in deps.items():
        for d in needed:
            users[d].add(jobid)
    return users


def critical_tail(jobs: dict[int, Job], deps: dict[int, set[int]], cores: int, costs: dict):
    """jobid → wall seconds of the longest chain from the job's start to the end of the run."""
    users = users_of(deps)
    tail = {}

    def visit(jobid):
        if jobid not in tail:
            after = max((visit(u) for u in users[jobid]), default=0.0)
            tail[jobid] = wall_s(jobs[jobid], cores, costs)[0] + after
        return tail[jobid]

    sys.setrecursionlimit(max(10_000, 4 * len(jobs)))
    for jobid in jobs:
        visit(jobid)
    return tail


def makespan(jobs: list[Job], deps: dict[int, set[int]], cores: int | None, costs: dict) -> float:
    """Wall seconds of the whole run on ``cores`` cores (None: unlimited, the critical path)
    with the list scheduler of the module docstring."""
    by_id = {j.jobid: j for j in jobs}
    limit = cores if cores is not None else 10**9
    tail = critical_tail(by_id, deps, limit, costs)
    waiting = {jobid: set(needed) for jobid, needed in deps.items()}
    users = users_of(deps)

    def rank(jobid):
        priority = 10 if by_id[jobid].rule in REPLAY_BRANCH_RULES else 0
        return (-priority, -tail[jobid], jobid)

    ready = [rank(j) for j, needed in waiting.items() if not needed]
    heapq.heapify(ready)
    running = []  # (end time, jobid, cores held)
    free, now, done = limit, 0.0, 0
    while done < len(jobs):
        deferred = []
        while ready:
            key = heapq.heappop(ready)
            duration, held = wall_s(by_id[key[2]], limit, costs)
            if held <= free:
                free -= held
                heapq.heappush(running, (now + duration, key[2], held))
            else:
                deferred.append(key)
        for key in deferred:
            heapq.heappush(ready, key)
        if not running:
            raise ValueError("the jobs' dependencies form a cycle or name missing jobs")
        now, jobid, held = heapq.heappop(running)
        free += held
        done += 1
        for user in users[jobid]:
            waiting[user].discard(jobid)
            if not waiting[user]:
                heapq.heappush(ready, rank(user))
    return now


def load_costs(path) -> dict:
    """The stage-cost file; ``ValueError`` naming the file and key of a value that is not a
    number (YAML 1.1 reads ``2.5e6`` without a dot or exponent sign as a string)."""
    costs = yaml.safe_load(Path(path).read_text())
    for section, values in costs.items():
        for key, value in values.items() if isinstance(values, dict) else ():
            if not isinstance(value, int | float):
                raise ValueError(f"{path}: {section}.{key} = {value!r} is not a number")
    return costs


def dry_run_jobs(snakemake_args: list[str]) -> list[Job]:
    """Every job of the configuration (``--dry-run --forceall``)."""
    command = [str(SNAKEMAKE), "--dry-run", "--forceall", *snakemake_args]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"the dry run failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return parse_dry_run(done.stdout)


def report(jobs: list[Job], deps, costs: dict, cores: list[int]) -> str:
    """The Markdown tables: CPU hours per rule, then wall hours per machine size."""
    table = pd.DataFrame({"rule": [j.rule for j in jobs], "cpu_s": [j.cpu_s for j in jobs]})
    per_rule = table.groupby("rule", sort=False).agg(jobs=("cpu_s", "size"),
                                                     cpu_h=("cpu_s", "sum"))  # fmt: skip
    per_rule["cpu_h"] /= 3600.0
    per_rule = per_rule.sort_values("cpu_h", ascending=False).reset_index()
    total = table["cpu_s"].sum() / 3600.0
    rows = [{"cores": "unlimited (critical path)", "wall_h": makespan(jobs, deps, None, costs)}]
    rows += [{"cores": c, "wall_h": makespan(jobs, deps, c, costs)} for c in cores]
    for row in rows:
        row["wall_h"] /= 3600.0
    walls = pd.DataFrame(rows)
    return (
        f"Costs: {costs['cpu']}\n\n### CPU hours per rule\n\n"
        f"{per_rule.to_markdown(index=False, floatfmt='.3g')}\n\n"
        f"**total: {len(jobs)} jobs, {total:.4g} CPU h**\n\n### Wall time\n\n"
        f"{walls.to_markdown(index=False, floatfmt='.3g')}\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cores", default="2,16,64",
                        help="comma-separated machine sizes (default 2,16,64)")  # fmt: skip
    parser.add_argument("--costs", default=str(COSTS), help="the stage-cost file")
    args, snakemake_args = parser.parse_known_args(argv)
    snakemake_args = ["--snakefile", str(ROOT / "Snakefile"), *snakemake_args]
    costs = load_costs(args.costs)
    config = merged_config(parse_snakemake_args(snakemake_args))
    jobs = dry_run_jobs(snakemake_args)
    for job in jobs:
        job.cpu_s = job_cpu_s(job, config, costs)
    cores = [int(c) for c in args.cores.split(",") if c.strip()]
    print(report(jobs, dependencies(jobs), costs, cores))
    return 0


if __name__ == "__main__":
    sys.exit(main())
