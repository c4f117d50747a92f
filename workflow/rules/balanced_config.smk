# The balanced-network experiments (Akil et al. 2021, section `balanced`, balanced.smk) as
# parameter points, and the checks of the section; validate_config (validation.smk) runs them.
# Only definitions: the points are computed after validation, as BALANCED_POINTS (paths.smk).


from eiplast.balanced.experiments import SCAN_PARAM

BALANCED_EXPERIMENTS = ("size", "istdp", "correlation", "optogenetics")
# experiment -> the BalancedParams field it scans (its config key lists the values; the core's
# SCAN_PARAM), point-name prefix
BALANCED_SCAN = {
    exp: (SCAN_PARAM[exp], prefix)
    for exp, prefix in zip(BALANCED_EXPERIMENTS, ("N", "jei", "cx", "cx"), strict=True)
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
    for name, section in balanced_sweeps(cfg).items():
        key = section["scan"]
        for value in section["values"]:
            for seed in section["seeds"]:
                conf = {**bal["params"], **section.get("params", {})}
                conf.update(n=section["n"], duration_s=section["duration_s"], seed=seed)
                conf[key] = value
                points.setdefault(name, {})[f"{key}{float(value):.10g}_s{seed}"] = conf
    return points


def balanced_sweeps(cfg):
    """{name: section} of the enabled sweeps under balanced.sweeps (none when the balanced
    part is off)."""
    bal = cfg["balanced"]
    if not bal["enabled"]:
        return {}
    return {k: v for k, v in (bal.get("sweeps") or {}).items() if v["enabled"]}


def check_balanced_sweeps(cfg):
    """A sweep's name must differ from the fixed experiments', its scanned key must be a
    BalancedParams field other than n, duration_s and seed, not also set in its params, and its
    values must be distinct at 10 significant digits."""
    from dataclasses import fields

    from eiplast.balanced.params import BalancedParams

    names = {f.name for f in fields(BalancedParams)}
    bal = cfg["balanced"]
    for name, section in balanced_sweeps(cfg).items():
        where = f"balanced.sweeps.{name}"
        if name in BALANCED_EXPERIMENTS:
            config_error(where, f"a sweep cannot be named like the experiment {name!r}")
        key = section["scan"]
        if key not in names or key in BALANCED_OWN_KEYS:
            config_error(
                f"{where}.scan",
                f"{key!r} is not a BalancedParams field that a sweep can scan "
                "(n, duration_s and seed are set by the sweep itself)",
            )
        for own in BALANCED_OWN_KEYS + (key,):
            if own in section.get("params", {}):
                config_error(f"{where}.params.{own}", f"set by {where}")
        values = [f"{float(v):.10g}" for v in section["values"]]
        if len(set(values)) < len(values):
            config_error(
                f"{where}.values",
                "values that differ only beyond 10 significant digits",
            )
        burn = bal["summary"]["burn_in_s"]
        if burn is not None and burn >= section["duration_s"]:
            config_error(
                "balanced.summary.burn_in_s",
                f"{burn} s is not shorter than {where}.duration_s = {section['duration_s']} s",
            )


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
    from eiplast.engine.parameters import ParameterError

    bal = cfg["balanced"]
    sweeps = balanced_sweeps(cfg)
    for exp, points in balanced_points(cfg).items():
        if exp in sweeps:
            section, scan_key = sweeps[exp], sweeps[exp]["scan"]
            section = {**section, "params": section.get("params", {})}
            prefix = f"balanced.sweeps.{exp}"
        else:
            section, scan_key = bal[exp], BALANCED_SCAN[exp][0]
            prefix = f"balanced.{exp}"
        for conf in points.values():
            try:
                BalancedParams.from_dict(conf)
            except (ParameterError, TypeError) as err:
                name = getattr(err, "key", None)  # the offending parameter, if one
                if name in section["params"]:
                    key = f"{prefix}.params.{name}"
                elif name in bal["params"]:
                    key = f"balanced.params.{name}"
                elif name == scan_key and exp in sweeps:
                    key = f"{prefix}.values"
                elif name in (scan_key, "n", "duration_s"):
                    key = f"{prefix}.{name}"
                elif name == "seed":
                    key = f"{prefix}.seeds"
                else:
                    key = prefix
                config_error(key, str(err))
