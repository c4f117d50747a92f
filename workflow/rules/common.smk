# Shared definitions of the workflow: configuration validation (JSON schema, then the
# cross-references a schema cannot express), output paths, wildcard constraints, the per-rule
# parameter sets (params carry exactly the configuration a rule uses, so that editing one value
# reruns that stage and what depends on it, nothing else) and resource estimates. No rules here.

import math
import re
import sys
from pathlib import Path

import yaml
from jsonschema import ValidationError
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

# the checkout's core, importable at parse time (the configuration checks use it)
SRC = Path(workflow.basedir) / "src"
if SRC.is_dir():
    if str(SRC) in sys.path:
        sys.path.remove(str(SRC))
    sys.path.insert(0, str(SRC))

from eiplast.config_coercion import ConfigTypeError, coerce_config, key_path

SCHEMA = Path(workflow.basedir) / "config/schema/config.schema.yaml"

# ---------------------------------------------------------------------------------------------
# configuration checks; they run at parse time, so a bad configuration stops before any job
# starts, with a message naming the key
# ---------------------------------------------------------------------------------------------


def config_error(key, reason):
    """Stop the workflow with a message naming the configuration key."""
    raise WorkflowError(f"Invalid configuration: key '{key}': {reason}")


def check_config(cfg):
    defined = sorted(cfg["plasticity_rules"])
    for section in ("rules", "shuffle_rules"):
        for i, name in enumerate(cfg[section]):
            if name not in cfg["plasticity_rules"]:
                config_error(
                    f"{section}[{i}]",
                    f"{name!r} is not defined under plasticity_rules (defined there: "
                    f"{', '.join(defined)})",
                )
    both = sorted(set(cfg["patterns"]) & set(cfg["replay_only_patterns"]))
    if both:
        config_error(
            "replay_only_patterns",
            f"{both[0]} is also in patterns (a pattern count runs either every stage or "
            "only the replay branch)",
        )
    pert = cfg["stages"]["perturbation"]
    degree = cfg["analysis"]["sensitivity"]["degree"]
    if pert["n_amplitudes"] < degree + 1:
        config_error(
            "stages.perturbation.n_amplitudes",
            f"{pert['n_amplitudes']} amplitudes cannot be fitted by a polynomial of degree "
            f"{degree} (analysis.sensitivity.degree); need at least {degree + 1}",
        )
    skip = cfg["analysis"]["activations"]["skip_s"]
    for stage in ("spontaneous", "spontaneous_shuffle"):
        spont = cfg["stages"][stage]["duration_s"]
        if spont <= skip:
            config_error(
                "analysis.activations.skip_s",
                f"{skip} s is not shorter than stages.{stage}.duration_s = {spont} s",
            )
    cond = cfg["stages"]["conductances"]
    skip = cfg["analysis"]["conductance_stats"]["skip_s"]
    samples = (cond["duration_s"] - skip) * 1000.0 / cond["state_interval_ms"]
    if samples < 3:
        config_error(
            "analysis.conductance_stats.skip_s",
            f"leaves {samples:g} conductance samples of stages.conductances "
            f"(duration_s {cond['duration_s']}, state_interval_ms "
            f"{cond['state_interval_ms']}); the MCD needs at least 3",
        )
    n_total = network_size(cfg)
    if cfg["shards"] > n_total:
        config_error("shards", f"{cfg['shards']} shards for only {n_total} neurons")
    check_balanced(cfg)
    check_with_core(cfg)
    check_balanced_with_core(cfg)


def validate_config(cfg):
    """Check ``cfg`` against config/schema/config.schema.yaml (filling in defaults), then the
    cross-references; raise a WorkflowError naming the offending key. Strings where the schema
    wants numbers, integers, booleans or null (nested --config values, YAML 1.1's 1e-3) are
    converted first (eiplast.config_coercion)."""
    try:
        coerce_config(cfg, yaml.safe_load(SCHEMA.read_text()))
    except ConfigTypeError as err:
        config_error(err.key, err.reason)
    try:
        validate(cfg, str(SCHEMA))
    except WorkflowError as err:
        cause = err.__context__
        if not isinstance(cause, ValidationError):
            raise
        path = list(cause.absolute_path)
        if cause.validator == "additionalProperties" and isinstance(
            cause.instance, dict
        ):
            allowed = set(cause.schema.get("properties", {}))
            unknown = sorted(k for k in cause.instance if k not in allowed)
            config_error(
                key_path(path + unknown[:1]),
                f"unknown key (allowed here: {', '.join(sorted(allowed))})",
            )
        config_error(key_path(path) or "<top level>", cause.message)
    check_config(cfg)


def network_size(cfg):
    net = cfg["network"]
    return net.get("n_exc", 8000) + net.get("n_inh", 2000)


def check_with_core(cfg):
    """Build the core's parameter objects once, so that their own checks (e.g. assemblies of
    at least 2 neurons) fail here, before any job, naming the key."""
    from eiplast.assembly import params as core

    checks = [("neuron", core.NeuronParams, cfg["neuron"])]
    checks.append(("background", core.BackgroundParams, cfg["background"]))
    for name, rule_def in cfg["plasticity_rules"].items():
        checks.append((f"plasticity_rules.{name}", core.PlasticityParams, rule_def))
    for p in cfg["patterns"] + cfg["replay_only_patterns"]:
        network = {
            **cfg["network"],
            "n_patterns": int(p),
            "seed": cfg["seeds"]["connectivity"],
        }
        checks.append(
            (f"network (with patterns {p})", core.ConnectivityParams, network)
        )
    for stage, run in stage_runs(cfg).items():
        checks.append((f"stages.{stage}", core.RunParams, run))
    for key, cls, values in checks:
        try:
            cls.from_dict(values)
        except (core.ParameterError, TypeError) as err:
            config_error(key, str(err))


def stage_runs(cfg):
    """RunParams of every simulation stage (eiplast.assembly.params.RunParams fields)."""
    stages, seeds = cfg["stages"], cfg["seeds"]
    train = stages["train"]
    spont = stages["spontaneous"]
    shuffle = stages["spontaneous_shuffle"]
    cond = stages["conductances"]
    return {
        "train": {
            "duration_s": train["duration_s"],
            "learning_rate": train["learning_rate"],
            "chunk_s": train["chunk_s"],
            "seed": seeds["train"],
            "save_weights": True,
        },
        "spontaneous": {
            "duration_s": spont["duration_s"],
            "chunk_s": spont["chunk_s"],
            "seed": seeds["spontaneous"],
        },
        "spontaneous_shuffle": {
            "duration_s": shuffle["duration_s"],
            "chunk_s": shuffle["chunk_s"],
            "seed": seeds["shuffle"],
            "shuffle_ei": True,
        },
        "conductances": {
            "duration_s": cond["duration_s"],
            "chunk_s": cond["chunk_s"],
            "record_state": cond["record_state"],
            "state_interval_ms": cond["state_interval_ms"],
            "seed": seeds["conductances"],
        },
    }


# ---------------------------------------------------------------------------------------------
# balanced networks (Akil et al. 2021, section `balanced`, workflow/rules/balanced.smk): the
# parameter points of every experiment and their checks
# ---------------------------------------------------------------------------------------------

BALANCED_EXPERIMENTS = ("size", "istdp", "correlation")
# config key listing the scanned values -> the BalancedParams field it sets, point-name prefix
BALANCED_SCAN = {
    "size": ("n", "N"),
    "istdp": ("j_ei", "jei"),
    "correlation": ("c_x", "cx"),
}
# fields every experiment sets itself (not allowed in balanced.params or <experiment>.params)
BALANCED_OWN_KEYS = ("n", "duration_s", "seed")


def balanced_points(cfg):
    """{experiment: {point name: BalancedParams config dict}} of the enabled experiments. A
    point's configuration is balanced.params, then <experiment>.params, then the experiment's
    n, duration_s, seed and scanned value on top."""
    bal = cfg["balanced"]
    if not bal["enabled"]:
        return {}
    points = {}
    for exp in BALANCED_EXPERIMENTS:
        section = bal[exp]
        if not section["enabled"]:
            continue
        key, prefix = BALANCED_SCAN[exp]
        for value in section[key]:
            for seed in section["seeds"]:
                conf = {**bal["params"], **section["params"]}
                conf.update(duration_s=section["duration_s"], seed=seed)
                if exp != "size":
                    conf["n"] = section["n"]
                conf[key] = value
                name = f"{prefix}{float(value):.10g}_s{seed}"
                points.setdefault(exp, {})[name] = conf
    return points


def check_balanced(cfg):
    """Cross-checks of the balanced section (keys an experiment sets itself, burn-in and bins
    against the durations); a WorkflowError names the key."""
    bal = cfg["balanced"]
    if not bal["enabled"]:
        return
    for key in BALANCED_OWN_KEYS:
        if key in bal["params"]:
            config_error(
                f"balanced.params.{key}",
                "set per experiment (balanced.<experiment>.n, duration_s, seeds)",
            )
    summary = bal["summary"]
    for exp in BALANCED_EXPERIMENTS:
        section = bal[exp]
        if not section["enabled"]:
            continue
        scan_key = BALANCED_SCAN[exp][0]
        for key in BALANCED_OWN_KEYS + (scan_key,):
            if key in section["params"]:
                own = "seeds" if key == "seed" else key
                config_error(
                    f"balanced.{exp}.params.{key}", f"set by balanced.{exp}.{own}"
                )
        names = [f"{float(v):.10g}" for v in section[scan_key]]
        if len(set(names)) < len(names):
            config_error(
                f"balanced.{exp}.{scan_key}",
                "values that differ only beyond 10 significant digits",
            )
        duration = section["duration_s"]
        burn = summary["burn_in_s"]
        if burn is not None and burn >= duration:
            config_error(
                "balanced.summary.burn_in_s",
                f"{burn} s is not shorter than balanced.{exp}.duration_s = {duration} s",
            )
        if summary["bin_ms"] > duration * 1000.0:
            config_error(
                "balanced.summary.bin_ms",
                f"{summary['bin_ms']} ms is longer than balanced.{exp}.duration_s = "
                f"{duration} s",
            )
        measured_ms = (duration - (duration / 2 if burn is None else burn)) * 1000.0
        if exp == "correlation" and measured_ms < 2 * summary["window_ms"]:
            config_error(
                "balanced.summary.window_ms",
                f"fewer than two windows of {summary['window_ms']} ms after the burn-in "
                f"of balanced.correlation (duration_s {duration}); the spike-count "
                "correlations need at least two",
            )


def check_balanced_with_core(cfg):
    """Build every point's BalancedParams once (the core's checks), naming the key that set
    the offending parameter."""
    from eiplast.balanced.params import BalancedParams
    from eiplast.assembly.params import ParameterError

    bal = cfg["balanced"]
    for exp, points in balanced_points(cfg).items():
        section = bal[exp]
        scan_key = BALANCED_SCAN[exp][0]
        for conf in points.values():
            try:
                BalancedParams.from_dict(conf)
            except (ParameterError, TypeError) as err:
                found = re.search(r"parameters? (\w+)=", str(err))
                name = found.group(1) if found else None
                if name in section["params"]:
                    key = f"balanced.{exp}.params.{name}"
                elif name in bal["params"]:
                    key = f"balanced.params.{name}"
                elif name in (scan_key, "n", "duration_s"):
                    key = f"balanced.{exp}.{name}"
                elif name == "seed":
                    key = f"balanced.{exp}.seeds"
                else:
                    key = f"balanced.{exp}"
                config_error(key, str(err))


validate_config(config)

# ---------------------------------------------------------------------------------------------
# output paths: everything below config["output_dir"]
# ---------------------------------------------------------------------------------------------

OUT = Path(config["output_dir"]).as_posix()
RULES = list(config["rules"])
SHUFFLE_RULES = list(config["shuffle_rules"])
PATTERNS = [int(p) for p in config["patterns"]]
# pattern counts that run only connectivity, training, spontaneous activity and replay
REPLAY_ONLY_PATTERNS = [int(p) for p in config["replay_only_patterns"]]
ALL_PATTERNS = PATTERNS + REPLAY_ONLY_PATTERNS
N_TOTAL = network_size(config)
SHARDS = int(config["shards"])

CONNECTIVITY = f"{OUT}/networks/connectivity_P{{patterns}}.h5"
TRAINED = f"{OUT}/networks/trained_{{rule}}_P{{patterns}}.h5"
TRAIN = f"{OUT}/train/{{rule}}/P{{patterns}}.h5"
SPONTANEOUS = f"{OUT}/spontaneous/{{rule}}/P{{patterns}}.h5"
SHUFFLE = f"{OUT}/spontaneous_shuffle/{{rule}}/P{{patterns}}.h5"
CONDUCTANCES = f"{OUT}/conductances/{{rule}}/P{{patterns}}.h5"
ACTIVATIONS = f"{OUT}/activations/{{run}}/{{rule}}/P{{patterns}}.h5"
REPLAY_ROW = f"{OUT}/replay/{{run}}/{{rule}}/P{{patterns}}.csv"
STATS_SHARD = f"{OUT}/conductance_stats/{{rule}}/P{{patterns}}/{{scatteritem}}.csv"
STATS = f"{OUT}/conductance_stats/{{rule}}/P{{patterns}}.csv"
PERTURBATION_SHARD = f"{OUT}/perturbation/{{rule}}/P{{patterns}}/{{scatteritem}}.h5"
SENSITIVITY_SHARD = f"{OUT}/sensitivity/{{rule}}/P{{patterns}}/{{scatteritem}}.csv"
SENSITIVITY = f"{OUT}/sensitivity/{{rule}}/P{{patterns}}.csv"
SUMMARY = f"{OUT}/summary"
FIGURES = f"{OUT}/summary/figures"
LOGS = f"{OUT}/logs"
BENCHMARKS = f"{OUT}/benchmarks"


def remove_stale_checkpoints():
    """Remove checkpoints (<X>.ckpt, <X>.parts) of finished outputs below output_dir."""
    from eiplast.engine.chunked import remove_finished_checkpoints

    for path in remove_finished_checkpoints(OUT):
        print(f"removed {path}: its output is complete", file=sys.stderr)


def rule_pattern():
    """Regular expression matching exactly the configured rule names."""
    names = sorted(set(config["plasticity_rules"]), key=len, reverse=True)
    return "|".join(names)


wildcard_constraints:
    rule=rule_pattern(),
    patterns=r"[1-9][0-9]*",
    run="spontaneous|spontaneous_shuffle",


def replay_runs():
    """(run, rule, patterns) of every replay analysis: spontaneous for every rule and pattern
    count, the shuffled control for the shuffle rules and the full-chain pattern counts.
    """
    runs = [("spontaneous", r, p) for r in RULES for p in ALL_PATTERNS]
    runs += [("spontaneous_shuffle", r, p) for r in SHUFFLE_RULES for p in PATTERNS]
    return runs


# ---------------------------------------------------------------------------------------------
# parameters of every stage, built from exactly the configuration that stage uses
# ---------------------------------------------------------------------------------------------


STAGE_RUNS = stage_runs(config)


def plasticity_of(wildcards):
    return dict(config["plasticity_rules"][wildcards.rule])


def shard_bounds(wildcards):
    """Neuron range [start, stop) of a shard "i-of-n" (global indices, E first)."""
    i, n = (int(x) for x in wildcards.scatteritem.split("-of-"))
    return (i - 1) * N_TOTAL // n, i * N_TOTAL // n


def shard_start(wildcards):
    return shard_bounds(wildcards)[0]


def shard_stop(wildcards):
    return shard_bounds(wildcards)[1]


def perturbation_schedule():
    """The isolation schedule as passed to eiplast.stages.run_perturbation (A6)."""
    return dict(config["stages"]["perturbation"])


def sensitivity_params():
    """What the sensitivity fit needs of the schedule (inh_factor only shapes the run)."""
    pert = config["stages"]["perturbation"]
    keys = ("repetitions", "amplitude_min_nS", "amplitude_max_nS", "n_amplitudes")
    fit = {k: pert[k] for k in keys + ("step_s", "stim_steps")}
    fit.update(config["analysis"]["sensitivity"])
    return fit


def sensitivity_runs():
    """(rule, patterns) of every conductance/perturbation/sensitivity chain."""
    return [(r, p) for r in RULES for p in PATTERNS]


def summary_outputs():
    """Every final output of the Barta & Fukai part: the summary tables and all figures (PNG;
    the PDFs come along); none when barta_fukai.enabled is false."""
    if not config["barta_fukai"]["enabled"]:
        return []
    tables = [f"{SUMMARY}/{name}" for name in ("replay_stats.csv", "sensitivity.csv")]
    figures = [f"{FIGURES}/replay_diversity.png"]
    for kind in ("rates", "weights"):
        figures += [f"{FIGURES}/{kind}_P{p}.png" for p in ALL_PATTERNS]
    figures += [f"{FIGURES}/sensitivity_P{p}.png" for p in PATTERNS]
    figures += [f"{FIGURES}/raster_{r}_P{p}.png" for r in RULES for p in ALL_PATTERNS]
    figures += [f"{FIGURES}/replay_growth_P{p}.png" for p in ALL_PATTERNS]
    return tables + figures


def replay_growth_inputs(wildcards):
    """Activation files of every replay run of one pattern count, in replay_runs() order."""
    return [
        ACTIVATIONS.format(run=run, rule=r, patterns=p)
        for run, r, p in replay_runs()
        if p == int(wildcards.patterns)
    ]


def replay_growth_labels(wildcards):
    """Figure labels matching replay_growth_inputs."""
    return [
        replay_label(run, r)
        for run, r, p in replay_runs()
        if p == int(wildcards.patterns)
    ]


def replay_label(run, rule):
    """Label of a replay run in figures: the rule, or "shuffle" for the shuffled control (with
    the rule appended when several rules get the control)."""
    if run == "spontaneous":
        return rule
    return "shuffle" if len(SHUFFLE_RULES) == 1 else f"shuffle_{rule}"


# the replay branch (connectivity, training, spontaneous runs, replay analysis) goes before the
# per-neuron branch whenever both have jobs ready: the headline results come first, and the long
# perturbation runs (which take every core) do not hold them back
REPLAY_BRANCH_PRIORITY = 10

# ---------------------------------------------------------------------------------------------
# resources: estimates for the full network, scaled by size and duration (override them with
# --set-resources, see profiles/). The connected network takes about 0.5-1 wall s per
# simulated s for 10 000 neurons on one core (static; plastic runs about twice that).
# ---------------------------------------------------------------------------------------------

SIZE = N_TOTAL / 10000.0


def minutes(seconds, floor=10):
    """Runtime request in minutes: twice the estimate plus 5 min, at least ``floor``."""
    return max(floor, math.ceil(2.0 * seconds / 60.0) + 5)


# wall s per simulated s of the full network: static runs at ~3 Hz, plastic training (rates of
# 10-30 Hz at first), and the shuffled control, which runs away to E ~120 Hz (~6 wall s per s)
WALL_PER_SIM_S = {"train": 2.0, "spontaneous_shuffle": 10.0}


def simulation_runtime(stage):
    wall_per_sim_s = WALL_PER_SIM_S.get(stage, 1.0) * SIZE
    return minutes(STAGE_RUNS[stage]["duration_s"] * wall_per_sim_s)


def conductance_samples():
    cond = config["stages"]["conductances"]
    skip = config["analysis"]["conductance_stats"]["skip_s"]
    return (cond["duration_s"] - skip) * 1000.0 / cond["state_interval_ms"]


def conductance_mem_mb():
    # the g_e/g_i matrices (float32) of the whole run, written through 128 MB chunks
    rows = config["stages"]["conductances"]["duration_s"] * 1000.0
    rows /= config["stages"]["conductances"]["state_interval_ms"]
    return 2000 + math.ceil(rows * N_TOTAL * 8 / 2**20 * 0.1)


def shard_size():
    return math.ceil(N_TOTAL / SHARDS)


def stats_mem_mb():
    # g_e and g_i of the shard's neurons (float32), a float64 copy, and the working set
    return 1000 + math.ceil(conductance_samples() * shard_size() * 8 * 3 / 2**20)


def stats_runtime():
    # FastMCD of ~2e4 samples: about 0.1 s per neuron on one core
    return minutes(shard_size() * 0.1 * conductance_samples() / 2e4)


def schedule_seconds():
    pert = config["stages"]["perturbation"]
    entries = pert["stim_steps"] * pert["n_amplitudes"] * (1 + 2 * pert["repetitions"])
    return entries * pert["step_s"]


def perturbation_runtime():
    # ~30 ns per neuron-step of two correlated OU conductances
    dt_ms = config["network"].get("dt_ms", 0.1)
    steps = schedule_seconds() * 1000.0 / dt_ms
    return minutes(steps * shard_size() * 30e-9)


def analysis_runtime(seconds_of_data, per_100s=2.0):
    """Streaming analyses: ``per_100s`` wall s per 100 s of data of the full network."""
    return minutes(seconds_of_data / 100.0 * per_100s * SIZE)


# ---------------------------------------------------------------------------------------------
# balanced networks: output paths, parameters and resources of workflow/rules/balanced.smk
# ---------------------------------------------------------------------------------------------

BALANCED_POINTS = balanced_points(config)
BALANCED = f"{OUT}/balanced"
BALANCED_RUN = f"{BALANCED}/runs/{{experiment}}/{{point}}.h5"
BALANCED_SUMMARY = f"{BALANCED}/summaries/{{experiment}}/{{point}}.json"
BALANCED_TIMECOURSE = f"{BALANCED}/summaries/{{experiment}}/{{point}}_timecourse.csv"


wildcard_constraints:
    experiment="|".join(BALANCED_EXPERIMENTS),
    point=r"(N|jei|cx)[-+0-9.e]+_s[0-9]+",


def balanced_point_config(wildcards):
    """The BalancedParams config dict of one point (params of balanced_run)."""
    try:
        return dict(BALANCED_POINTS[wildcards.experiment][wildcards.point])
    except KeyError:
        configured = sorted(BALANCED_POINTS.get(wildcards.experiment, {}))
        raise WorkflowError(
            f"balanced point {wildcards.experiment}/{wildcards.point} is not in the "
            f"configuration (configured: {', '.join(configured) or 'none'})"
        ) from None


def balanced_files(pattern, experiment):
    """``pattern`` for every point of ``experiment``."""
    points = BALANCED_POINTS.get(experiment, {})
    return [pattern.format(experiment=experiment, point=p) for p in points]


def balanced_outputs():
    """Final outputs of the enabled balanced experiments (PNGs; the PDFs come along)."""
    outputs = []
    for exp in BALANCED_EXPERIMENTS:
        if exp in BALANCED_POINTS:
            outputs += [f"{BALANCED}/{exp}.csv", f"{BALANCED}/{exp}.png"]
    if "istdp" in BALANCED_POINTS:
        outputs.append(f"{BALANCED}/istdp_timecourse.csv")
    return outputs


# resources: ~0.1 CPU s per simulated s at N = 5000 with two plastic connections on one core
# (docs/balanced.md, benchmark); spike delivery and plasticity grow as N^2, the neuron pass as N


def balanced_scale(wildcards):
    conf = balanced_point_config(wildcards)
    return conf["n"] / 5000.0, float(conf["duration_s"])


def balanced_run_runtime(wildcards):
    size, duration = balanced_scale(wildcards)
    return minutes(duration * (0.05 * size + 0.15 * size**2))


def balanced_run_mem_mb(wildcards):
    # synapses (recurrent + external, ~32 bytes each with the incoming index) and every spike
    # (~20 Hz, 16 bytes) when the spike file is assembled
    size, duration = balanced_scale(wildcards)
    n = size * 5000.0
    return 1000 + math.ceil(0.12 * n**2 * 32 / 2**20 + n * 20 * duration * 16 / 2**20)


def balanced_summary_mem_mb(wildcards):
    size, duration = balanced_scale(wildcards)
    return 1000 + math.ceil(size * 5000.0 * 20 * duration * 32 / 2**20)


def balanced_summary_runtime(wildcards):
    # reading and binning ~1e7 spikes per wall second
    size, duration = balanced_scale(wildcards)
    return minutes(size * 5000.0 * 20 * duration / 1e7 * 4)
