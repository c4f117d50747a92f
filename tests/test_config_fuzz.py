"""Property-based test of the configuration checks (issue 6, part 4).

Hypothesis generates invalid configurations from the JSON schema itself
(config/schema/config.schema.yaml): a value of a wrong type (not a string the workflow reads as
the right type, such as '3' for an integer: eiplast.config_coercion), a value out of range (below a
minimum, above a maximum, not in an enum, against a pattern, duplicates in a unique list), an
unknown key at any level, an empty list of rules or pattern counts, a rule name that is not
defined, or a value that passes the schema but breaks a cross-check of
workflow/rules/validation.smk or balanced_config.smk. Each generated override (one or two
faults) is put on top of config/config.yaml and config/test.yaml exactly as ``--configfile``
would, and must be rejected while Snakemake parses the workflow, before it builds the job
graph, with
``Invalid configuration: key '<key>'`` naming one of the keys that were broken.

Most examples run through a persistent worker process that parses the workflow with
Snakemake's Python API (0.1 s per configuration instead of 2 s for a whole ``snakemake``
process); a smaller sample runs the real command line (``snakemake --dry-run``) and also checks
that no job was planned and no output directory created. The counts go to the reliability
table (tests/slurm/reliability.py).
"""

import copy
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent / "slurm"))
import reliability  # noqa: E402

from eiplast.config_coercion import ConfigTypeError, coerce_config  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SNAKEFILE = ROOT / "Snakefile"
TEST_CONFIG = ROOT / "config" / "test.yaml"
SCHEMA = yaml.safe_load((ROOT / "config" / "schema" / "config.schema.yaml").read_text())
DEFS = SCHEMA["$defs"]
_BIN = Path(sys.executable).with_name("snakemake")
SNAKEMAKE = [str(_BIN)] if _BIN.exists() else [sys.executable, "-m", "snakemake"]

FAST_EXAMPLES = int(os.environ.get("EIPLAST_FUZZ_EXAMPLES", "300"))
CLI_EXAMPLES = int(os.environ.get("EIPLAST_FUZZ_CLI_EXAMPLES", "12"))


def merged_config():
    """config/config.yaml with config/test.yaml on top (Snakemake's merge: dicts key by key)."""

    def update(base, new):
        for k, v in new.items():
            if isinstance(v, dict) and isinstance(base.get(k), dict):
                update(base[k], v)
            else:
                base[k] = copy.deepcopy(v)
        return base

    base = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    return update(base, yaml.safe_load(TEST_CONFIG.read_text()))


BASE = merged_config()


# ---------------------------------------------------------------------------------------------
# the schema, walked: every place a value can go wrong
# ---------------------------------------------------------------------------------------------


def resolve(schema):
    while "$ref" in schema:
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**DEFS[schema["$ref"].split("/")[-1]], **rest}
    return schema


def sites(schema=SCHEMA, path=(), value=BASE):
    """(path, subschema) of every key the schema names (present in the merged configuration
    or not) and of every list item present."""
    schema = resolve(schema)
    found = [(path, schema)] if path else []
    if isinstance(value, dict):
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key in sorted(set(props) | set(value)):
            sub = props.get(key, extra if isinstance(extra, dict) else None)
            if sub is not None:
                found += sites(sub, path + (key,), value.get(key))
    elif isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            found += sites(schema["items"], path + (i,), item)
    return found


SITES = sites()
OBJECT_SITES = [(p, s) for p, s in [((), SCHEMA), *SITES] if resolve(s).get("type") == "object"]
CLOSED_OBJECTS = [
    (p, s) for p, s in OBJECT_SITES if resolve(s).get("additionalProperties") is False
]
VALUE_SITES = [(p, s) for p, s in SITES if resolve(s).get("type") != "object"]


def is_valid(schema, value):
    return jsonschema.Draft202012Validator({**schema, "$defs": DEFS}).is_valid(value)


def refused(path, schema, value):
    """Whether the workflow refuses ``value`` at ``path``: a string the conversion of
    eiplast.config_coercion rejects, or a value (converted) that ``schema`` does not accept."""
    cfg = copy.deepcopy(BASE)
    put(cfg, path, value)
    try:
        coerce_config(cfg, SCHEMA)
    except ConfigTypeError:
        return True
    return not is_valid(schema, get(cfg, path))


def key_name(path):
    """The dotted key as the workflow prints it (list items as [i])."""
    key = ""
    for part in path:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key


def get(cfg, path):
    for part in path:
        cfg = cfg[part]
    return cfg


def put(cfg, path, value):
    for part in path[:-1]:
        cfg = cfg.setdefault(part, {}) if isinstance(cfg, dict) else cfg[part]
    cfg[path[-1]] = value


# ---------------------------------------------------------------------------------------------
# strategies: one fault = (kind, path of the key that must be named, function editing the config)
# ---------------------------------------------------------------------------------------------

TYPE_SAMPLES = {
    "string": st.text(min_size=0, max_size=8),
    "integer": st.integers(-(10**6), 10**6),
    "number": st.floats(-1e6, 1e6, allow_nan=False).filter(lambda x: x != int(x)),
    "boolean": st.booleans(),
    "null": st.none(),
    "array": st.lists(st.integers(0, 5), max_size=3),
    # not empty: Snakemake merges a mapping into the value it overrides, and an empty mapping
    # leaves that value as it was (so the configuration would still be valid)
    "object": st.dictionaries(st.sampled_from(["a", "b", "x_1"]), st.integers(0, 3), min_size=1),
}


def allowed_types(schema):
    """JSON types ``schema`` accepts (a number type accepts integers)."""
    schema = resolve(schema)
    if "anyOf" in schema:
        return set().union(*(allowed_types(s) for s in schema["anyOf"]))
    if "type" in schema:
        types = {schema["type"]} if isinstance(schema["type"], str) else set(schema["type"])
    elif "enum" in schema or "const" in schema:
        values = schema.get("enum", [schema.get("const")])
        types = {type(v).__name__ for v in values}
        types = {{"str": "string", "bool": "boolean", "int": "integer"}.get(t, t) for t in types}
    else:
        return set(TYPE_SAMPLES)
    if "number" in types:
        types.add("integer")
    return types


@st.composite
def wrong_type(draw):
    path, schema = draw(st.sampled_from(SITES))
    kinds = sorted(set(TYPE_SAMPLES) - allowed_types(schema))
    value = draw(
        st.sampled_from(kinds)
        .flatmap(lambda k: TYPE_SAMPLES[k])
        .filter(lambda v: refused(path, schema, v))
    )
    return "wrong type", path, value


def _range_values(schema):
    """A strategy of values of the right type but out of range for ``schema`` (or None)."""
    schema = resolve(schema)
    if "anyOf" in schema:
        schema = resolve(next(s for s in schema["anyOf"] if resolve(s).get("type") != "null"))
    kind = schema.get("type")
    options = []
    if kind in ("number", "integer"):
        whole = kind == "integer"
        if "minimum" in schema:
            lo = schema["minimum"]
            options.append(
                st.integers(1, 10**6).map(lambda d: lo - d)
                if whole
                else st.floats(1e-6, 1e6).map(lambda d: lo - d)
            )
        if "exclusiveMinimum" in schema:
            lo = schema["exclusiveMinimum"]
            options.append(
                st.integers(0, 10**6).map(lambda d: lo - d)
                if whole
                else st.floats(0, 1e6).map(lambda d: lo - d)
            )
        if "maximum" in schema:
            hi = schema["maximum"]
            options.append(st.floats(1e-6, 1e6).map(lambda d: hi + d))
    elif "enum" in schema:
        options.append(st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8))
    elif "const" in schema:
        options.append(st.just(not schema["const"]))
    elif kind == "string" and "pattern" in schema:
        options.append(st.from_regex(r"\A([0-9_][A-Za-z0-9_]{0,6}|[a-z]+[-. ][a-z]+)\Z"))
    elif kind == "string" and schema.get("minLength"):
        options.append(st.just(""))
    if not options:
        return None
    return st.one_of(options).filter(lambda v: not is_valid(schema, v))


RANGE_SITES = [(p, s) for p, s in VALUE_SITES if _range_values(s) is not None]


@st.composite
def out_of_range(draw):
    path, schema = draw(st.sampled_from(RANGE_SITES))
    return "out of range", path, draw(_range_values(schema))


@st.composite
def duplicate_item(draw):
    name = draw(st.sampled_from(["rules", "patterns"]))
    items = list(BASE[name])
    i = draw(st.integers(0, len(items) - 1))
    return "out of range", (name,), [*items, items[i]]


KEY_NAMES = st.from_regex(r"\A[a-z][a-z0-9_]{0,11}\Z")


@st.composite
def unknown_key(draw):
    path, schema = draw(st.sampled_from(CLOSED_OBJECTS))
    allowed = set(resolve(schema).get("properties", {}))
    key = draw(KEY_NAMES.filter(lambda k: k not in allowed))
    value = draw(st.one_of(st.integers(0, 9), st.text(max_size=4), st.booleans()))
    return "unknown key", path + (key,), ("ADD", value)


@st.composite
def empty_list(draw):
    name = draw(st.sampled_from(["rules", "patterns"]))
    return "empty list", (name,), []


@st.composite
def undefined_rule(draw):
    name = draw(KEY_NAMES.filter(lambda k: k not in BASE["plasticity_rules"]))
    section = draw(st.sampled_from(["rules", "shuffle_rules"]))
    items = list(BASE[section])
    i = draw(st.integers(0, len(items)))
    items.insert(i, name)
    return "undefined rule", (section, i), ("LIST", section, items)


@st.composite
def incomplete_rule(draw):
    name = draw(KEY_NAMES.filter(lambda k: k not in BASE["plasticity_rules"]))
    body = draw(st.dictionaries(st.sampled_from(["tau_stdp_ms", "w_max_nS"]), st.just(1.0)))
    return "wrong type", ("plasticity_rules", name), ("ADD", body)


@st.composite
def cross_check(draw):
    """Values the schema accepts that contradict another key (validation.smk: check_config)."""
    case = draw(st.sampled_from(["shards", "skip", "amplitudes", "samples"]))
    n_total = BASE["network"]["n_exc"] + BASE["network"]["n_inh"]
    if case == "shards":
        return "cross-check", ("shards",), draw(st.integers(n_total + 1, 10**7))
    if case == "skip":
        spont = BASE["stages"]["spontaneous"]["duration_s"]
        skip = draw(st.floats(spont, 1e6))
        return "cross-check", ("analysis", "activations", "skip_s"), skip
    if case == "amplitudes":
        degree = draw(st.integers(4, 50))
        return (
            "cross-check",
            ("stages", "perturbation", "n_amplitudes"),
            (
                "SET2",
                ("analysis", "sensitivity", "degree"),
                degree,
                draw(st.integers(4, degree)),
            ),
        )
    duration = BASE["stages"]["conductances"]["duration_s"]
    skip = draw(st.floats(max(0.0, duration - 0.002), 1e4))
    return "cross-check", ("analysis", "conductance_stats", "skip_s"), skip


FAULT = st.one_of(
    wrong_type(),
    out_of_range(),
    duplicate_item(),
    unknown_key(),
    empty_list(),
    undefined_rule(),
    incomplete_rule(),
    cross_check(),
)


def apply(cfg, fault):
    """Apply one fault to ``cfg`` (a full configuration); return the key that must be named."""
    kind, path, value = fault
    if isinstance(value, tuple) and value and value[0] == "ADD":
        put(cfg, path, value[1])
    elif isinstance(value, tuple) and value and value[0] == "LIST":
        cfg[value[1]] = value[2]
    elif isinstance(value, tuple) and value and value[0] == "SET2":
        _, other, other_value, mine = value
        put(cfg, other, other_value)
        put(cfg, path, mine)
    else:
        put(cfg, path, value)
    return key_name(path)


def _overlaps(a, b):
    n = min(len(a), len(b))
    return a[:n] == b[:n] or a[0] == b[0] in ("rules", "shuffle_rules", "patterns", "analysis")


@st.composite
def invalid_config(draw):
    """(kinds, keys, full configuration) with one or two independent faults."""
    faults = [draw(FAULT)]
    if draw(st.booleans()):
        second = draw(FAULT)
        if not _overlaps(second[1], faults[0][1]):
            faults.append(second)
    cfg = copy.deepcopy(BASE)
    keys = [apply(cfg, f) for f in faults]
    return [f[0] for f in faults], keys, cfg


# ---------------------------------------------------------------------------------------------
# the checks: a worker process parsing the workflow with the Snakemake API, and the real CLI
# ---------------------------------------------------------------------------------------------

WORKER = r"""
import json, os, sys, traceback
from pathlib import Path
proto = os.fdopen(os.dup(1), "w", buffering=1)
os.dup2(2, 1)
from snakemake.api import SnakemakeApi
from snakemake.settings.types import ConfigSettings, OutputSettings, ResourceSettings
root, base = Path(sys.argv[1]), Path(sys.argv[2])
for n, line in enumerate(sys.stdin):
    req = json.loads(line)
    cfg = base / f"cfg{n}.json"
    cfg.write_text(json.dumps(req["config"]))
    stage, reply = "parse", {}
    try:
        with SnakemakeApi(OutputSettings()) as api:
            wf = api.workflow(
                resource_settings=ResourceSettings(cores=1),
                config_settings=ConfigSettings(configfiles=[root / "config/test.yaml", cfg]),
                snakefile=root / "Snakefile",
                workdir=base / "wd",
            )
            wf.dag()  # parses the Snakefile (the configuration checks run here)
            reply = {"rejected": False, "stage": stage}
    except Exception as err:
        reply = {"rejected": True, "stage": stage, "error": type(err).__name__,
                 "message": str(err)}
    proto.write(json.dumps(reply) + "\n")
"""


class Worker:
    def __init__(self, base):
        self.base = base
        self.log = open(base / "worker.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WORKER, str(ROOT), str(base)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            cwd=base,
        )

    def check(self, cfg):
        self.proc.stdin.write(json.dumps({"config": cfg}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"worker died, see {self.base / 'worker.log'}")
        return json.loads(line)

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=60)
        self.log.close()


STATS = {"fast": Counter(), "cli": Counter()}


@pytest.fixture(scope="module")
def worker(tmp_path_factory):
    base = tmp_path_factory.mktemp("fuzz_worker")
    w = Worker(base)
    yield w
    w.close()


@pytest.fixture(scope="module", autouse=True)
def reliability_rows(tmp_path_factory):
    yield
    directory = reliability.records_dir(tmp_path_factory)
    for mode, label, how in (
        ("fast", "in-process", "workflow parsed with the Snakemake API"),
        ("cli", "command line", "`snakemake --dry-run`, no job planned, no output directory"),
    ):
        stats = STATS[mode]
        if not stats["generated"]:
            continue
        kinds = ", ".join(
            f"{stats['kind:' + k]} {k}"
            for k in sorted(k[5:] for k in stats if k.startswith("kind:"))
        )
        reliability.record(
            directory,
            f"test_config_fuzz ({label})",
            section="config",
            fault=f"invalid configurations from the schema: {kinds}",
            executor="none (parse only)",
            injected=stats["generated"],
            compared=f"{how}; message must name a broken key",
            bytes_lost=None,
            result=f"{stats['rejected']}/{stats['generated']} rejected before any job, "
            f"{stats['named']}/{stats['generated']} naming the key",
            seconds=stats["seconds"],
        )
    reliability.write_table(directory)


def _count(mode, kinds, rejected, named, started):
    stats = STATS[mode]
    stats["seconds"] += time.perf_counter() - started
    stats["generated"] += 1
    stats["rejected"] += bool(rejected)
    stats["named"] += bool(named)
    for kind in set(kinds):
        stats["kind:" + kind] += 1


def test_base_config_is_valid(worker):
    """The unmodified configuration passes, so a rejection below is the fault's doing."""
    reply = worker.check(copy.deepcopy(BASE))
    assert not reply["rejected"], reply
    assert len(SITES) > 80 and len(CLOSED_OBJECTS) >= 15 and len(RANGE_SITES) > 60


@settings(
    max_examples=FAST_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    database=None,
)
@given(case=invalid_config())
def test_invalid_config_rejected_naming_the_key(worker, case):
    kinds, keys, cfg = case
    started = time.perf_counter()
    reply = worker.check(cfg)
    message = reply.get("message", "")
    named = any(f"Invalid configuration: key '{k}'" in message for k in keys)
    _count("fast", kinds, reply["rejected"] and reply["stage"] == "parse", named, started)
    assert reply["rejected"], f"accepted: {kinds} {keys}"
    assert reply["stage"] == "parse", reply
    assert reply["error"] == "WorkflowError", reply
    assert named, f"{kinds} {keys}: {message[-1500:]}"


@settings(
    max_examples=CLI_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    database=None,
)
@given(case=invalid_config())
def test_invalid_config_rejected_by_the_command_line(tmp_path_factory, case):
    kinds, keys, cfg = case
    started = time.perf_counter()
    base = tmp_path_factory.mktemp("fuzz_cli")
    bad = base / "bad.yaml"
    bad.write_text(yaml.safe_dump(cfg))
    out = base / "results"
    cmd = [*SNAKEMAKE, "--snakefile", SNAKEFILE, "--directory", base / "wd", "--cores", "1"]
    cmd += ["--configfile", TEST_CONFIG, bad, "--config", f"output_dir={out}", "--dry-run"]
    result = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=300)
    printed = result.stdout + result.stderr
    named = any(f"Invalid configuration: key '{k}'" in printed for k in keys)
    planned = "Job stats" in printed or "Select jobs to execute" in printed
    rejected = result.returncode != 0 and not planned and not out.exists()
    _count("cli", kinds, rejected, named, started)
    assert result.returncode != 0, f"accepted: {kinds} {keys}"
    assert not planned and not out.exists()
    assert named, f"{kinds} {keys}: {printed[-1500:]}"
