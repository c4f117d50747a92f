# Where everything goes: the configured sets of runs, every output path below
# config["output_dir"] (with each rule's log and benchmark), the wildcard constraints, and the
# input functions that list a rule's files. Read after the configuration is validated.

import sys
from pathlib import Path

OUT = Path(config["output_dir"]).as_posix()
RULES = list(config["rules"])
SHUFFLE_RULES = list(config["shuffle_rules"])
LEARNING_RULES = list(config["learning_rules"])
PATTERNS = [int(p) for p in config["patterns"]]
# pattern counts that run only connectivity, training, spontaneous activity and replay
REPLAY_ONLY_PATTERNS = [int(p) for p in config["replay_only_patterns"]]
ALL_PATTERNS = PATTERNS + REPLAY_ONLY_PATTERNS
SHARDS = int(config["shards"])
SIMULATION_THREADS = int(config["simulation_threads"])
# network realisations 0 … R−1 of every rule × P (their seeds from realisation_seed, params.smk)
REALISATIONS = list(range(int(config["realisations"])))
BALANCED_POINTS = balanced_points(config)
# the enabled sweeps of balanced.sweeps, by name
BALANCED_SWEEPS = tuple(balanced_sweeps(config))
# the reference's published tables (checked in validation.smk), or none
REFERENCE_DIR = config["reference_data_dir"]
REFERENCE_REPLAY = [f"{REFERENCE_DIR}/activation_stats.csv"] if REFERENCE_DIR else []
REFERENCE_GROWTH = [f"{REFERENCE_DIR}/gradual.csv"] if REFERENCE_DIR else []
REFERENCE_TRACES = (
    [f"{REFERENCE_DIR}/assembly_traces/{n}.csv" for n in ("rates", "activations")]
    if REFERENCE_DIR
    else []
)

CONNECTIVITY = f"{OUT}/networks/connectivity_P{{patterns}}_r{{realisation}}.h5"
TRAINED = f"{OUT}/networks/trained_{{rule}}_P{{patterns}}_r{{realisation}}.h5"
TRAIN = f"{OUT}/train/{{rule}}/P{{patterns}}_r{{realisation}}.h5"
SPONTANEOUS = f"{OUT}/spontaneous/{{rule}}/P{{patterns}}_r{{realisation}}.h5"
SHUFFLE = f"{OUT}/spontaneous_shuffle/{{rule}}/P{{patterns}}_r{{realisation}}.h5"
LEARNING = f"{OUT}/spontaneous_learning/{{rule}}/P{{patterns}}_r{{realisation}}.h5"
# how far the I->E weights of a learning run moved from the trained ones (one row)
WEIGHT_DRIFT = (
    f"{OUT}/spontaneous_learning/{{rule}}/P{{patterns}}_r{{realisation}}_drift.csv"
)
CONDUCTANCES = f"{OUT}/conductances/{{rule}}/P{{patterns}}_r{{realisation}}.h5"
CUED_RECALL = f"{OUT}/cued_recall/{{rule}}/P{{patterns}}_r{{realisation}}.h5"
# <RECALL>.csv, <RECALL>_traces.csv and <RECALL>_summary.csv of every run (rule x P x realisation)
RECALL = f"{OUT}/recall/{{rule}}/P{{patterns}}_r{{realisation}}"
# cued recall (paper Fig 3) for every rule x P, unless switched off
CUED_RECALL_ENABLED = bool(config["stages"]["cued_recall"]["enabled"])
# persistent activity (paper Fig S1): the cued run of every rule under stages.persistent.runs at
# every full-chain P, and its tables <PERSISTENT>_average.csv and <PERSISTENT>_traces.csv
PERSISTENT_RUN = f"{OUT}/persistent/{{rule}}/P{{patterns}}_r{{realisation}}.h5"
PERSISTENT = f"{OUT}/persistent/{{rule}}/P{{patterns}}_r{{realisation}}"
PERSISTENT_RULES = (
    list(config["stages"]["persistent"]["runs"])
    if config["stages"]["persistent"]["enabled"]
    else []
)
ACTIVATIONS = f"{OUT}/activations/{{run}}/{{rule}}/P{{patterns}}_r{{realisation}}.h5"
REPLAY_ROW = f"{OUT}/replay/{{run}}/{{rule}}/P{{patterns}}_r{{realisation}}.csv"
STATS_SHARD = f"{OUT}/conductance_stats/{{rule}}/P{{patterns}}_r{{realisation}}/{{scatteritem}}.csv"
STATS = f"{OUT}/conductance_stats/{{rule}}/P{{patterns}}_r{{realisation}}.csv"
PERTURBATION_SHARD = (
    f"{OUT}/perturbation/{{rule}}/P{{patterns}}_r{{realisation}}/{{scatteritem}}.h5"
)
SENSITIVITY_SHARD = (
    f"{OUT}/sensitivity/{{rule}}/P{{patterns}}_r{{realisation}}/{{scatteritem}}.csv"
)
SENSITIVITY = f"{OUT}/sensitivity/{{rule}}/P{{patterns}}_r{{realisation}}.csv"
SUMMARY = f"{OUT}/summary"
FIGURES = f"{OUT}/summary/figures"
SPECIALISATION = f"{OUT}/specialisation/P{{patterns}}_r{{realisation}}"
EXCITABILITY = f"{OUT}/excitability/P{{patterns}}_r{{realisation}}"
# the replay-event traces and inter-event intervals of one P x realisation
TRACES = f"{OUT}/traces/P{{patterns}}_r{{realisation}}"
# the linearised network of one full-chain P x realisation (eiplast.stages.linear)
LINEAR = f"{OUT}/linear/P{{patterns}}_r{{realisation}}"
LINEAR_TABLES = ("overlaps", "angles", "completion", "example", "summary")
# the plasticity rule whose neuron the conductance-fit figure draws (paper Fig 4A, GHP)
CONDUCTANCE_FIT_RULE = config["analysis"]["figures"]["conductance_fit_rule"] or (
    "rate" if "rate" in RULES else RULES[0]
)
# the tables of the specialisation rule (eiplast.stages.specialisation)
SPECIALISATION_TABLES = ("neuron", "assembly", "random", "feedback")
# each figure's key numbers for the paper-vs-ours table
PAPER_KEYS = f"{OUT}/summary/paper"
# the excitability analysis needs the robust statistics: only with a full-chain P
EXCITABILITY_KEYS = [f"{PAPER_KEYS}/excitability.csv"] if PATTERNS else []
REFERENCE_COMPARISON = [f"{SUMMARY}/reference_comparison.csv"] if REFERENCE_DIR else []
BALANCED = f"{OUT}/balanced"
BALANCED_RUN = f"{BALANCED}/runs/{{experiment}}/{{point}}.h5"
BALANCED_SUMMARY = f"{BALANCED}/summaries/{{experiment}}/{{point}}.json"
BALANCED_TIMECOURSE = f"{BALANCED}/summaries/{{experiment}}/{{point}}_timecourse.csv"
# outputs of one sweep of balanced.sweeps: <name>.csv, .png, _timecourse.csv, _distributions.png
BALANCED_SWEEP = f"{BALANCED}/sweeps/{{sweep}}{{suffix}}"
# sequential embedding (docs/forgetting.md): nested networks, the trained/embedded networks of
# each protocol (scratch: trained from scratch; sequential: blocks learnt in turn; frozen: the
# first block's inhibition without plasticity; embedded: a block's network before training),
# their runs and each run's rows per block of assemblies
FORGETTING_ENABLED = bool(config["forgetting"]["enabled"])
FORGETTING_RULES = forgetting_rules(config) if FORGETTING_ENABLED else []
FORGETTING_PATTERNS = forgetting_patterns(config)
FORGETTING_FIRST = FORGETTING_PATTERNS[0]
FORGETTING_REALISATIONS = list(range(int(config["forgetting"]["realisations"])))
FORGETTING_CONTROLS = list(config["forgetting"]["controls"])
# the P after P₀ of the controls (forgetting.controls_at): every one, or the largest
FORGETTING_CONTROL_PATTERNS = (
    FORGETTING_PATTERNS[1:]
    if config["forgetting"]["controls_at"] == "every_block"
    else FORGETTING_PATTERNS[-1:]
)
FORGET = f"{OUT}/forgetting"
FORGET_CONNECTIVITY = (
    f"{FORGET}/networks/connectivity_P{{patterns}}_r{{realisation}}.h5"
)
FORGET_NETWORK = (
    f"{FORGET}/networks/{{protocol}}_{{rule}}_P{{patterns}}_r{{realisation}}.h5"
)
FORGET_TRAIN = f"{FORGET}/train/{{protocol}}/{{rule}}/P{{patterns}}_r{{realisation}}.h5"
FORGET_SPONTANEOUS = (
    f"{FORGET}/spontaneous/{{protocol}}/{{rule}}/P{{patterns}}_r{{realisation}}.h5"
)
FORGET_ACTIVATIONS = (
    f"{FORGET}/activations/{{protocol}}/{{rule}}/P{{patterns}}_r{{realisation}}.h5"
)
FORGET_BLOCKS = (
    f"{FORGET}/blocks/{{protocol}}/{{rule}}/P{{patterns}}_r{{realisation}}.csv"
)
# cued recall of the first assemblies of the first block (old) or of the latest block (new)
FORGETTING_CUED = int(config["forgetting"]["cued"])
FORGET_CUED = (
    f"{FORGET}/cued/{{protocol}}/{{rule}}/P{{patterns}}_r{{realisation}}_{{age}}.h5"
)
FORGET_RECALL = (
    f"{FORGET}/recall/{{protocol}}/{{rule}}/P{{patterns}}_r{{realisation}}_{{age}}.csv"
)
LOGS = f"{OUT}/logs"
BENCHMARKS = f"{OUT}/benchmarks"


def log_path(name):
    """A rule's log, <output_dir>/logs/<name>.log (``name`` may hold wildcards)."""
    return f"{LOGS}/{name}.log"


def benchmark_path(name):
    """A rule's benchmark table, <output_dir>/benchmarks/<name>.tsv (the log's ``name``)."""
    return f"{BENCHMARKS}/{name}.tsv"


# a balanced run's benchmark: its time and peak memory enter the size experiment's cost table,
# which, a measurement of the machine rather than a result, lives with the benchmarks
BALANCED_RUN_BENCHMARK = benchmark_path("balanced/run/{experiment}/{point}")
BALANCED_SIZE_COSTS = f"{BENCHMARKS}/balanced/size_costs"


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
    realisation=r"[0-9]+",
    run="spontaneous|spontaneous_shuffle|spontaneous_learning",
    experiment="|".join((*BALANCED_EXPERIMENTS, *BALANCED_SWEEPS)) or "size",
    sweep="|".join(BALANCED_SWEEPS) or "none",
    point=r"[A-Za-z_]+[-+0-9.e]+_s[0-9]+",
    protocol="scratch|sequential|frozen",
    age="old|new",


def replay_runs():
    """(run, rule, patterns, realisation) of every replay analysis: spontaneous for every rule
    and pattern count, the shuffled control for the shuffle rules and the plastic run for the
    learning rules at the full-chain pattern counts; each in every realisation.
    """
    runs = [("spontaneous", r, p) for r in RULES for p in ALL_PATTERNS]
    runs += [("spontaneous_shuffle", r, p) for r in SHUFFLE_RULES for p in PATTERNS]
    runs += [("spontaneous_learning", r, p) for r in LEARNING_RULES for p in PATTERNS]
    return [(run, r, p, k) for run, r, p in runs for k in REALISATIONS]


def sensitivity_runs():
    """(rule, patterns, realisation) of every conductance/perturbation/sensitivity chain."""
    return [(r, p, k) for r in RULES for p in PATTERNS for k in REALISATIONS]


# the figures of single runs (rasters, rates, weights, sensitivity) that `all` draws: those of
# realisation 0; any other realisation's are drawn when asked for by name
FIGURE_REALISATION = 0


def summary_outputs():
    """Every final output of the Barta & Fukai part: the summary tables and all figures (PNG;
    the PDFs come along); none when barta_fukai.enabled is false."""
    if not config["barta_fukai"]["enabled"]:
        return []
    tables = [
        f"{SUMMARY}/{name}"
        for name in (
            "replay_stats.csv",
            "replay_stats_aggregate.csv",
            "sensitivity.csv",
        )
    ]
    tables += REFERENCE_COMPARISON + [f"{SUMMARY}/paper_vs_ours.csv"]
    figures = [f"{FIGURES}/replay_diversity.png"]
    # the drive of the perturbation branch, drawn (paper Fig 7A), where that branch runs
    figures += [f"{FIGURES}/ou_example.png"] if PATTERNS else []
    k = FIGURE_REALISATION
    for kind in ("rates", "weights", "input_totals"):
        figures += [f"{FIGURES}/{kind}_P{p}_r{k}.png" for p in ALL_PATTERNS]
    figures += [f"{FIGURES}/sensitivity_P{p}_r{k}.png" for p in PATTERNS]
    figures += [
        f"{FIGURES}/raster_{r}_P{p}_r{k}.png" for r in RULES for p in ALL_PATTERNS
    ]
    figures += [f"{FIGURES}/replay_growth_P{p}.png" for p in ALL_PATTERNS]
    figures += [f"{FIGURES}/assembly_traces_P{p}_r{k}.png" for p in ALL_PATTERNS]
    figures += [f"{FIGURES}/specialisation_P{p}_r{k}.png" for p in ALL_PATTERNS]
    figures.append(f"{FIGURES}/specialisation_sweep.png")
    figures.append(f"{FIGURES}/connectivity_sweep.png")
    figures += [f"{FIGURES}/excitability_P{p}_r{k}.png" for p in PATTERNS]
    figures += [f"{FIGURES}/conductance_fit_P{p}_r{k}.png" for p in PATTERNS]
    if PATTERNS:
        figures.append(f"{FIGURES}/excitability_sweep.png")
    for kind in (
        "linear_response",
        "completion",
        "susceptibility",
        "replay_conductances",
        "eigenmodes",
        "eigen_activity",
    ):
        figures += [f"{FIGURES}/{kind}_P{p}_r{k}.png" for p in PATTERNS]
    if PATTERNS:
        figures += [
            f"{FIGURES}/linear_sweep.png",
            f"{FIGURES}/susceptibility_sweep.png",
        ]
    if CUED_RECALL_ENABLED:
        figures += [f"{FIGURES}/recall_P{p}_r{k}.png" for p in ALL_PATTERNS]
        figures.append(f"{FIGURES}/recall_sweep.png")
    if PERSISTENT_RULES:
        figures += [f"{FIGURES}/persistent_P{p}_r{k}.png" for p in PATTERNS]
    tables += [
        WEIGHT_DRIFT.format(rule=r, patterns=p, realisation=k)
        for run, r, p, k in replay_runs()
        if run == "spontaneous_learning"
    ]
    return tables + figures


def paper_key_files():
    """The key-number tables of the figures `all` draws (realisation FIGURE_REALISATION)."""
    k = FIGURE_REALISATION
    return (
        [
            f"{PAPER_KEYS}/{kind}_P{p}_r{k}.csv"
            for kind in ("rates", "input_totals")
            for p in ALL_PATTERNS
        ]
        + [f"{PAPER_KEYS}/specialisation.csv", f"{PAPER_KEYS}/connectivity.csv"]
        + ([f"{PAPER_KEYS}/ou_example.csv"] if PATTERNS else [])
        + EXCITABILITY_KEYS
        + [f"{PAPER_KEYS}/responses_P{p}_r{k}.csv" for p in PATTERNS]
        + [f"{PAPER_KEYS}/replay_conductances_P{p}_r{k}.csv" for p in PATTERNS]
        + [f"{PAPER_KEYS}/eigenmodes_P{p}_r{k}.csv" for p in PATTERNS]
        + [f"{PAPER_KEYS}/eigen_activity_P{p}_r{k}.csv" for p in PATTERNS]
        + (
            [f"{PAPER_KEYS}/{n}.csv" for n in ("linear", "susceptibility")]
            if PATTERNS
            else []
        )
        + ([f"{PAPER_KEYS}/recall.csv"] if CUED_RECALL_ENABLED else [])
        + (
            [f"{PAPER_KEYS}/persistent_P{p}_r{k}.csv" for p in PATTERNS]
            if PERSISTENT_RULES
            else []
        )
    )


def published_neuron_inputs(kind):
    """Input function: the reference's published per-neuron files ``kind`` of the configured
    rules it publishes, when reference_data_dir is set and P is theirs (else none)."""
    from eiplast.analysis.reference import (
        PUBLISHED_NEURON_PATTERNS,
        PUBLISHED_NEURON_RULES,
        published_neuron_file,
    )

    def inputs(wildcards):
        if not REFERENCE_DIR or int(wildcards.patterns) != PUBLISHED_NEURON_PATTERNS:
            return []
        return [
            str(published_neuron_file(REFERENCE_DIR, kind, r))
            for r in RULES
            if r in PUBLISHED_NEURON_RULES
        ]

    return inputs


def published_specialisation_inputs(wildcards):
    """The reference's published specialisation tables of the job's P (none without
    reference_data_dir, or at a P it does not publish)."""
    from eiplast.analysis.reference import published_specialisation_files

    files = published_specialisation_files(REFERENCE_DIR, int(wildcards.patterns))
    return [str(path) for path in files.values()]


def published_specialisation_sweep_inputs():
    """The reference's published specialisation tables of every configured P."""
    from eiplast.analysis.reference import published_specialisation_files

    return [
        str(path)
        for p in ALL_PATTERNS
        for path in published_specialisation_files(REFERENCE_DIR, p).values()
    ]


def published_persistent_inputs(wildcards):
    """The reference's published persistent-activity files of the persistent rules at the
    job's P (none without reference_data_dir, or at a P it does not publish)."""
    from eiplast.analysis.reference import published_persistent_files

    return [
        str(path)
        for rule in PERSISTENT_RULES
        for path in published_persistent_files(
            REFERENCE_DIR, rule, int(wildcards.patterns)
        ).values()
    ]


def published_excitability_inputs(wildcards):
    """The reference's published per-assembly table of the job's P (if any)."""
    from eiplast.analysis.reference import published_excitability_file

    path = published_excitability_file(REFERENCE_DIR, int(wildcards.patterns))
    return [] if path is None else [str(path)]


def published_excitability_sweep_inputs():
    """The reference's published per-assembly tables of every full-chain P."""
    from eiplast.analysis.reference import published_excitability_file

    paths = [published_excitability_file(REFERENCE_DIR, p) for p in PATTERNS]
    return [str(path) for path in paths if path is not None]


def published_linear_inputs(wildcards):
    """The reference's published linearised-network tables (and responses) of the job's P."""
    from eiplast.analysis.reference import (
        PUBLISHED_RESPONSES,
        PUBLISHED_RESPONSES_PATTERNS,
        published_linear_files,
    )

    p = int(wildcards.patterns)
    errors = config["analysis"]["linear"]["completion_errors"]
    files = [
        str(path) for path in published_linear_files(REFERENCE_DIR, p, errors).values()
    ]
    if REFERENCE_DIR and p == PUBLISHED_RESPONSES_PATTERNS:
        files.append(f"{REFERENCE_DIR}/{PUBLISHED_RESPONSES}")
    return files


def published_linear_sweep_inputs():
    """The reference's published linearised-network tables of every full-chain P."""
    from eiplast.analysis.reference import published_linear_files

    errors = config["analysis"]["linear"]["completion_errors"]
    return [
        str(path)
        for p in PATTERNS
        for path in published_linear_files(REFERENCE_DIR, p, errors).values()
    ]


def replay_growth_inputs(wildcards):
    """Activation files of every replay run of one pattern count, in replay_runs() order."""
    return [
        ACTIVATIONS.format(run=run, rule=r, patterns=p, realisation=k)
        for run, r, p, k in replay_runs()
        if p == int(wildcards.patterns)
    ]


def balanced_files(pattern, experiment):
    """``pattern`` for every point of ``experiment``."""
    points = BALANCED_POINTS.get(experiment, {})
    return [pattern.format(experiment=experiment, point=p) for p in points]


def balanced_sweep_summaries(wildcards):
    """The run summaries of one sweep of balanced.sweeps."""
    return balanced_files(BALANCED_SUMMARY, wildcards.sweep)


def balanced_sweep_timecourses(wildcards):
    """The run time courses of one sweep, in the order of its summaries."""
    return balanced_files(BALANCED_TIMECOURSE, wildcards.sweep)


def balanced_outputs():
    """Final outputs of the enabled balanced experiments (PNGs; the PDFs come along)."""
    outputs = []
    for exp in BALANCED_EXPERIMENTS:
        if exp in BALANCED_POINTS:
            outputs += [f"{BALANCED}/{exp}.csv", f"{BALANCED}/{exp}.png"]
            outputs.append(f"{BALANCED}/{exp}_distributions.png")
    if "size" in BALANCED_POINTS:
        outputs += [f"{BALANCED}/size_scaling.csv", f"{BALANCED_SIZE_COSTS}.csv"]
    for exp in ("istdp", "optogenetics"):
        if exp in BALANCED_POINTS:
            outputs.append(f"{BALANCED}/{exp}_timecourse.csv")
            outputs.append(f"{BALANCED}/{exp}_balance.png")
    suffixes = (".csv", ".png", "_timecourse.csv", "_distributions.png")
    for name in BALANCED_SWEEPS:
        outputs += [BALANCED_SWEEP.format(sweep=name, suffix=s) for s in suffixes]
    return outputs


def forgetting_runs_list():
    """(protocol, rule, patterns, realisation) of every spontaneous run of the sequential-
    embedding branch: the from-scratch network at P₀ (the first block of every protocol),
    blocks in turn at every later P, and each control of forgetting.controls at the P of
    forgetting.controls_at."""
    runs = [("scratch", r, FORGETTING_FIRST) for r in FORGETTING_RULES]
    runs += [
        ("sequential", r, p) for r in FORGETTING_RULES for p in FORGETTING_PATTERNS[1:]
    ]
    runs += [
        (control, r, p)
        for control in ("scratch", "frozen")
        if control in FORGETTING_CONTROLS
        for r in FORGETTING_RULES
        for p in FORGETTING_CONTROL_PATTERNS
    ]
    return [(*run, k) for run in runs for k in FORGETTING_REALISATIONS]


def forgetting_block_files():
    """The block rows of every run of the branch."""
    return [
        FORGET_BLOCKS.format(protocol=pr, rule=r, patterns=p, realisation=k)
        for pr, r, p, k in forgetting_runs_list()
    ]


def forgetting_recall_files():
    """The cued-recall rows of every run of the branch: old assemblies after every block, new
    ones after every block but the first (none when forgetting.cued is 0)."""
    if not FORGETTING_CUED:
        return []
    return [
        FORGET_RECALL.format(protocol=pr, rule=r, patterns=p, realisation=k, age=age)
        for pr, r, p, k in forgetting_runs_list()
        for age in (("old", "new") if p > FORGETTING_FIRST else ("old",))
    ]


def forgetting_outputs():
    """The branch's table, curves and figure (none when forgetting.enabled is false)."""
    if not FORGETTING_ENABLED:
        return []
    tables = ("forgetting.csv", "forgetting_curves.csv", "forgetting_recall.csv")
    return [f"{FORGET}/{name}" for name in (*tables, "forgetting.png")]
