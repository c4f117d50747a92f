"""Strings read as the types the configuration schema expects (eiplast.config_coercion): nested
``--config`` values (Snakemake passes them on as strings) and YAML 1.1's ``1e-3``.

* the conversion on the real schema (config/schema/config.schema.yaml) and on small schemas
  (type lists, $ref anywhere, additionalProperties, items, anyOf, const);
* the messages for strings that are none of the allowed types;
* ``snakemake --dry-run`` with the --config forms users write, and a YAML file with ``1e-3``.
"""

import copy

import pytest
import yaml
from workflow_helpers import ROOT, failure_message, job_counts, snakemake

from eiplast.config_coercion import ConfigTypeError, coerce_config

SCHEMA = yaml.safe_load((ROOT / "config" / "schema" / "config.schema.yaml").read_text())
BASE = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())


def coerced(**sections):
    """config/config.yaml with ``sections`` replacing its top-level keys, converted."""
    cfg = {**copy.deepcopy(BASE), **sections}
    coerce_config(cfg, SCHEMA)
    return cfg


def test_strings_become_the_types_of_the_real_schema():
    analysis = copy.deepcopy(BASE["analysis"])
    analysis["activations"]["threshold"] = "0.8"
    analysis["replay"] = {"measure_s": "null", "chunk_s": "1e2"}
    stages = copy.deepcopy(BASE["stages"])
    stages["train"]["learning_rate"] = "1e-3"
    stages["perturbation"]["repetitions"] = "12"
    stages["conductances"]["record_state"] = "true"  # const: true
    balanced = copy.deepcopy(BASE["balanced"])
    balanced["enabled"] = "false"
    balanced["params"]["autapses"] = "yes"
    balanced["correlation"]["c_x"] = ["0.0", "0.3"]
    cfg = coerced(
        analysis=analysis,
        stages=stages,
        balanced=balanced,
        patterns=["800", "1000"],
        plasticity_rules={"hebb": {"kind": "hebb", "tau_stdp_ms": "20"}},
        output_dir="123",
        shards="2",
    )
    assert cfg["analysis"]["activations"]["threshold"] == 0.8
    assert cfg["analysis"]["replay"] == {"measure_s": None, "chunk_s": 100.0}
    assert cfg["stages"]["train"]["learning_rate"] == 0.001
    repetitions = cfg["stages"]["perturbation"]["repetitions"]
    assert repetitions == 12 and type(repetitions) is int
    assert cfg["stages"]["conductances"]["record_state"] is True
    assert cfg["balanced"]["enabled"] is False
    assert cfg["balanced"]["params"]["autapses"] is True
    assert cfg["balanced"]["correlation"]["c_x"] == [0.0, 0.3]
    assert cfg["patterns"] == [800, 1000]
    assert cfg["plasticity_rules"]["hebb"] == {"kind": "hebb", "tau_stdp_ms": 20}
    assert cfg["output_dir"] == "123" and cfg["shards"] == 2
    # the rest is as config.yaml has it
    assert cfg["rules"] == BASE["rules"] and cfg["network"] == BASE["network"]


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        (
            {"analysis": {"activations": {"threshold": "abc"}}},
            "key 'analysis.activations.threshold': received the string 'abc', "
            "expected a number (write e.g. 0.8)",
        ),
        (
            {"patterns": ["20", "2.5"]},
            "key 'patterns[1]': received the string '2.5', expected an integer (write e.g. 3)",
        ),
        (
            {"balanced": {"enabled": "maybe"}},
            "key 'balanced.enabled': received the string 'maybe', expected true or false "
            "(write e.g. true)",
        ),
        (
            {"analysis": {"replay": {"measure_s": "long"}}},
            "key 'analysis.replay.measure_s': received the string 'long', expected null or a "
            "number (write e.g. null or 0.8)",
        ),
        (
            {"stages": {"train": {"learning_rate": "nan"}}},
            "key 'stages.train.learning_rate': received the string 'nan', expected a number",
        ),
    ],
)
def test_unreadable_strings_name_key_value_and_form(sections, message):
    cfg = {**copy.deepcopy(BASE), **sections}
    with pytest.raises(ConfigTypeError) as info:
        coerce_config(cfg, SCHEMA)
    assert str(info.value).startswith(message)


def test_small_schemas():
    schema = {
        "$defs": {"count": {"type": "integer", "minimum": 0}},
        "type": "object",
        "properties": {
            "either": {"type": ["integer", "null"]},
            "text_or_number": {"type": ["string", "number"]},
            "alias": {"$ref": "#/properties/flag"},
            "flag": {"type": "boolean"},
            "mode": {"enum": ["fast", "slow"]},
            "any": {},
            "grid": {
                "type": "array",
                "items": {"type": "array", "items": {"$ref": "#/$defs/count"}},
            },
            "one": {"oneOf": [{"type": "boolean"}, {"$ref": "#/$defs/count"}]},
        },
        "additionalProperties": {"type": "number"},
    }
    cfg = {
        "either": "~",
        "text_or_number": "7",
        "alias": "off",
        "flag": True,
        "mode": "fast",
        "any": "9",
        "grid": [["1", "2"], ["3"]],
        "one": "4",
        "extra": "-2.5e1",
    }
    coerce_config(cfg, schema)
    assert cfg == {
        "either": None,
        "text_or_number": "7",  # a string is allowed: left alone
        "alias": False,
        "flag": True,
        "mode": "fast",
        "any": "9",  # no type given: left alone
        "grid": [[1, 2], [3]],
        "one": 4,
        "extra": -25.0,
    }
    with pytest.raises(ConfigTypeError, match=r"key 'grid\[1\]\[0\]': received the string 'x'"):
        coerce_config({"grid": [["1"], ["x"]]}, schema)


# ---------------------------------------------------------------------------------------------
# the command line: snakemake --dry-run on the tiny configuration
# ---------------------------------------------------------------------------------------------


def dry_run(tmp_path, *config, configfiles=()):
    out = tmp_path / "results"
    return snakemake(
        tmp_path / "wd",
        "--dry-run",
        "--config",
        f"output_dir={out}",
        *config,
        configfiles=configfiles,
    )


@pytest.mark.parametrize(
    "value",
    [
        'analysis={"activations":{"threshold":0.8}}',
        "analysis={'activations': {'threshold': 8e-1}}",
        'stages={"perturbation":{"repetitions":2,"n_amplitudes":6}}',
    ],
)
def test_nested_command_line_values(tmp_path, value):
    result = dry_run(tmp_path, value)
    assert result.returncode == 0, failure_message(result)
    assert job_counts(result.stdout)


def test_nested_command_line_booleans_switch_parts_off(tmp_path):
    result = dry_run(tmp_path, 'balanced={"enabled":false}')
    assert result.returncode == 0, failure_message(result)
    counts = job_counts(result.stdout)
    assert counts["train"] > 0 and "balanced_run" not in counts
    result = dry_run(tmp_path, 'barta_fukai={"enabled":false}')
    assert result.returncode == 0, failure_message(result)
    counts = job_counts(result.stdout)
    assert counts["balanced_run"] > 0 and "train" not in counts


def test_nested_command_line_value_that_is_no_number(tmp_path):
    result = dry_run(tmp_path, 'analysis={"activations":{"threshold":"abc"}}')
    printed = result.stdout + result.stderr
    assert result.returncode != 0
    assert (
        "Invalid configuration: key 'analysis.activations.threshold': received the string "
        "'abc', expected a number (write e.g. 0.8)"
    ) in printed
    assert "Job stats" not in printed


def test_exponent_without_dot_in_a_config_file(tmp_path):
    config = tmp_path / "rate.yaml"
    config.write_text("stages:\n  train:\n    duration_s: 4\n    learning_rate: 1e-3\n")
    assert yaml.safe_load(config.read_text())["stages"]["train"]["learning_rate"] == "1e-3"
    result = dry_run(tmp_path, configfiles=[config])
    assert result.returncode == 0, failure_message(result)
