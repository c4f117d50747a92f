# Configuration validation: against config/schema/config.schema.yaml first (filling in defaults),
# then the cross-references a schema cannot express and the core's own parameter checks. Only
# definitions: the Snakefile calls validate_config(config) once balanced_config.smk is included.

from pathlib import Path

import yaml
from jsonschema import ValidationError
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from eiplast.config_coercion import ConfigTypeError, coerce_config, key_path

SCHEMA = Path(workflow.basedir) / "config/schema/config.schema.yaml"

# the checks run at parse time, so a bad configuration stops before any job starts, with a
# message naming the key


def config_error(key, reason):
    """Stop the workflow with a message naming the configuration key."""
    raise WorkflowError(f"Invalid configuration: key '{key}': {reason}")


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


def check_config(cfg):
    """The cross-references (schema-valid values that contradict another key), then the core's
    checks; the balanced section's checks are in balanced_config.smk."""
    if cfg["reference_data_dir"] is not None:
        from eiplast.analysis.reference import published_files

        try:
            published_files(cfg["reference_data_dir"])
        except ValueError as err:
            config_error("reference_data_dir", str(err))
    defined = sorted(cfg["plasticity_rules"])
    for section in ("rules", "shuffle_rules", "learning_rules"):
        for i, name in enumerate(cfg[section]):
            if name not in cfg["plasticity_rules"]:
                config_error(
                    f"{section}[{i}]",
                    f"{name!r} is not defined under plasticity_rules (defined there: "
                    f"{', '.join(defined)})",
                )
    if not cfg["patterns"] and not cfg["replay_only_patterns"]:
        config_error("patterns", "no pattern count here nor in replay_only_patterns")
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
    for stage in ("spontaneous", "spontaneous_shuffle", "spontaneous_learning"):
        if stage == "spontaneous_learning" and not cfg["learning_rules"]:
            continue
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
    fit = cfg["analysis"]["figures"]
    if fit["conductance_fit_neuron"] >= n_total:
        config_error(
            "analysis.figures.conductance_fit_neuron",
            f"{fit['conductance_fit_neuron']} is not a neuron of a network of {n_total}",
        )
    if fit["conductance_fit_rule"] not in (None, *cfg["rules"]):
        config_error(
            "analysis.figures.conductance_fit_rule",
            f"{fit['conductance_fit_rule']!r} is not one of rules ({', '.join(cfg['rules'])})",
        )
    check_cued_recall(cfg)
    check_persistent(cfg)
    fig = cfg["analysis"]["figures"]
    acts = cfg["analysis"]["activations"]
    end = fig["traces_start_s"] + fig["traces_length_s"] + acts["window_ms"] / 1000.0
    if end > cfg["stages"]["spontaneous"]["duration_s"]:
        config_error(
            "analysis.figures.traces_start_s",
            f"the trace span {fig['traces_start_s']} + {fig['traces_length_s']} s (and one "
            f"{acts['window_ms']} ms window) ends after stages.spontaneous.duration_s = "
            f"{cfg['stages']['spontaneous']['duration_s']} s",
        )
    activity = cfg["analysis"]["eigen_activity"]
    shown_end = activity["window_start_s"] + activity["window_s"]
    analysed_end = min(activity["stop_s"], cfg["stages"]["spontaneous"]["duration_s"])
    if cfg["patterns"] and shown_end > analysed_end:
        config_error(
            "analysis.eigen_activity.window_start_s",
            f"the figure's span {activity['window_start_s']} + {activity['window_s']} s ends "
            f"after the analysed {analysed_end} s (stop_s, or the spontaneous run)",
        )
    linear = cfg["analysis"]["linear"]
    if cfg["patterns"] and linear["example_pattern"] >= min(cfg["patterns"]):
        config_error(
            "analysis.linear.example_pattern",
            f"{linear['example_pattern']} is not a pattern at every P of patterns "
            f"(the smallest is {min(cfg['patterns'])})",
        )
    check_forgetting(cfg)
    check_balanced(cfg)
    check_balanced_sweeps(cfg)
    check_with_core(cfg)
    check_balanced_with_core(cfg)


def forgetting_rules(cfg):
    """The plasticity rules of the sequential-embedding branch (forgetting.rules, or rules)."""
    return list(cfg["forgetting"]["rules"] or cfg["rules"])


def forgetting_patterns(cfg):
    """P₀, P₀ + ΔP, …, P₀ + n_blocks·ΔP of the sequential-embedding branch."""
    section = cfg["forgetting"]
    first, step = section["first_patterns"], section["block_patterns"]
    return [first + k * step for k in range(section["n_blocks"] + 1)]


def forgetting_runs(cfg):
    """RunParams of the branch's block training and spontaneous runs (seeds per realisation
    and block: params.smk)."""
    section, seeds = cfg["forgetting"], cfg["seeds"]
    train = cfg["stages"]["train"]
    return {
        "block": {
            "duration_s": section["block_train_s"],
            "learning_rate": train["learning_rate"],
            "chunk_s": train["chunk_s"],
            "seed": seeds["forgetting"],
            "save_weights": True,
        },
        "spontaneous": {
            "duration_s": section["spontaneous_s"],
            "chunk_s": section["chunk_s"],
            "seed": seeds["spontaneous"],
        },
    }


def check_forgetting(cfg):
    """When the sequential-embedding branch is on: its rules are defined, its spontaneous runs
    outlast the activations' skip_s, and the nested networks at P₀ and the last P and both
    runs pass the core's checks."""
    from eiplast.assembly import params as core

    section = cfg["forgetting"]
    if not section["enabled"]:
        return
    for i, name in enumerate(forgetting_rules(cfg)):
        if name not in cfg["plasticity_rules"]:
            config_error(
                f"forgetting.rules[{i}]",
                f"{name!r} is not defined under plasticity_rules",
            )
    skip = cfg["analysis"]["activations"]["skip_s"]
    if section["spontaneous_s"] <= skip:
        config_error(
            "forgetting.spontaneous_s",
            f"{section['spontaneous_s']} s is not longer than analysis.activations.skip_s "
            f"= {skip} s",
        )
    checks = []
    for p in (forgetting_patterns(cfg)[0], forgetting_patterns(cfg)[-1]):
        network = {**cfg["network"], "n_patterns": p, "draws": "nested"}
        network["seed"] = cfg["seeds"]["connectivity"]
        checks.append(
            (
                f"forgetting (network with {p} patterns)",
                core.ConnectivityParams,
                network,
            )
        )
    for name, run in forgetting_runs(cfg).items():
        key = (
            "forgetting.block_train_s"
            if name == "block"
            else "forgetting.spontaneous_s"
        )
        checks.append((key, core.RunParams, run))
    for key, cls, values in checks:
        try:
            cls.from_dict(values)
        except (core.ParameterError, TypeError) as err:
            config_error(key, str(err))


def check_persistent(cfg):
    """Every persistent run names a defined rule and a valid cue protocol, and its run (at the
    smallest full-chain P) holds the traces span and at least one whole cue-averaged span.
    """
    from eiplast.assembly.cues import CueProtocol
    from eiplast.engine.parameters import ParameterError

    section = cfg["stages"]["persistent"]
    analysis = cfg["analysis"]["persistent"]
    if not section["enabled"] or not cfg["patterns"]:
        return
    if analysis["traces_stop_s"] <= analysis["traces_start_s"]:
        config_error(
            "analysis.persistent.traces_stop_s",
            f"{analysis['traces_stop_s']} is not after traces_start_s = "
            f"{analysis['traces_start_s']}",
        )
    for name, run in section["runs"].items():
        key = f"stages.persistent.runs.{name}"
        if name not in cfg["plasticity_rules"]:
            config_error(
                key,
                f"{name!r} is not defined under plasticity_rules (defined there: "
                f"{', '.join(sorted(cfg['plasticity_rules']))})",
            )
        try:
            protocol = CueProtocol.from_config(run, key)
        except ParameterError as err:
            config_error(key, str(err))
        n_patterns = min(cfg["patterns"])
        duration = protocol.duration_s(n_patterns)
        if analysis["traces_stop_s"] > duration:
            config_error(
                "analysis.persistent.traces_stop_s",
                f"{analysis['traces_stop_s']} s is after the end of the {name} run "
                f"({duration:g} s at P = {n_patterns})",
            )
        onsets = protocol.onsets_s(n_patterns)
        fits = (onsets - analysis["before_s"] >= 0) & (
            onsets + analysis["after_s"] <= duration
        )
        if not fits.any():
            config_error(
                "analysis.persistent.after_s",
                f"no cue of the {name} run has the whole span [onset - "
                f"{analysis['before_s']} s, onset + {analysis['after_s']} s) inside the run "
                f"({duration:g} s at P = {n_patterns})",
            )


def check_cued_recall(cfg):
    """The cue windows of the analysis inside the cued run, the protocol itself (CueProtocol),
    and the example pattern cued at every P."""
    from eiplast.assembly.cues import CueProtocol
    from eiplast.engine.parameters import ParameterError

    cues = cfg["stages"]["cued_recall"]
    recall = cfg["analysis"]["recall"]
    if not cues["enabled"]:
        return
    try:
        protocol = CueProtocol.from_config(cues)
    except ParameterError as err:
        config_error("stages.cued_recall", str(err))
    if recall["before_s"] > protocol.start_s:
        config_error(
            "analysis.recall.before_s",
            f"{recall['before_s']} s before the first cue starts before the run "
            f"(stages.cued_recall.start_s = {protocol.start_s} s)",
        )
    if recall["after_s"] > protocol.spacing_s:
        config_error(
            "analysis.recall.after_s",
            f"{recall['after_s']} s after the last cue ends after the run "
            f"(stages.cued_recall.spacing_s = {protocol.spacing_s} s)",
        )
    fewest = protocol.n_cues(min(cfg["patterns"] + cfg["replay_only_patterns"]))
    if recall["example_pattern"] >= fewest:
        config_error(
            "analysis.recall.example_pattern",
            f"{recall['example_pattern']} is not cued at every P (only patterns 0 … "
            f"{fewest - 1} are)",
        )


def network_value(cfg, key):
    """A value of the section network, the core's default (ConnectivityParams) when unset."""
    from eiplast.assembly.params import ConnectivityParams

    return cfg["network"].get(key, getattr(ConnectivityParams(), key))


def network_size(cfg):
    return network_value(cfg, "n_exc") + network_value(cfg, "n_inh")


def check_with_core(cfg):
    """Build the core's parameter objects once, so that their own checks (e.g. assemblies of
    at least 2 neurons) fail here, before any job, naming the key."""
    from eiplast.assembly import params as core

    checks = [("neuron", core.NeuronParams, cfg["neuron"])]
    checks.append(("background", core.BackgroundParams, cfg["background"]))
    for name, rule_def in cfg["plasticity_rules"].items():
        plasticity = {k: v for k, v in rule_def.items() if k != "neuron"}
        checks.append((f"plasticity_rules.{name}", core.PlasticityParams, plasticity))
        if "neuron" in rule_def:
            neuron = {**cfg["neuron"], **rule_def["neuron"]}
            checks.append(
                (f"plasticity_rules.{name}.neuron", core.NeuronParams, neuron)
            )
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
    """RunParams of every simulation stage (eiplast.assembly.params.RunParams fields); checked
    here, passed to the simulations as STAGE_RUNS (params.smk)."""
    stages, seeds = cfg["stages"], cfg["seeds"]
    train = stages["train"]
    spont = stages["spontaneous"]
    shuffle = stages["spontaneous_shuffle"]
    learning = stages["spontaneous_learning"]
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
        # plastic: its spike file keeps the final I->E weights, as the training's does
        "spontaneous_learning": {
            "duration_s": learning["duration_s"],
            "learning_rate": learning["learning_rate"],
            "chunk_s": learning["chunk_s"],
            "seed": seeds["spontaneous_learning"],
            "save_weights": True,
        },
        "conductances": {
            "duration_s": cond["duration_s"],
            "chunk_s": cond["chunk_s"],
            "record_state": cond["record_state"],
            "state_interval_ms": cond["state_interval_ms"],
            "seed": seeds["conductances"],
        },
    }
