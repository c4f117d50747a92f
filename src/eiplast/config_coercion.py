"""Strings in the workflow configuration read as the number, integer, boolean or null that the
JSON schema expects at their position.

Snakemake reads nested ``--config`` values with YAML's BaseLoader, which keeps every scalar a
string (``analysis={"activations":{"threshold":0.8}}`` gives ``'0.8'``), and PyYAML follows
YAML 1.1, which reads ``1e-3`` (no dot) as a string. ``coerce_config`` converts such strings
before the schema validation; a string that is none of the types allowed at its position raises
ConfigTypeError naming the key, the string received and how to write the value.
"""

import math

import yaml
from referencing import Registry
from referencing.jsonschema import DRAFT202012

_URI = "urn:eiplast:config-schema"
_JSON_TYPES = {type(None): "null", bool: "boolean", int: "integer", float: "number", str: "string"}
# conversion order when several types are allowed, and how the message names and writes each
_ORDER = ("null", "boolean", "integer", "number")
_NAMES = {"null": "null", "boolean": "true or false", "integer": "an integer", "number": "a number"}
_EXAMPLES = {"null": "null", "boolean": "true", "integer": "3", "number": "0.8"}


class ConfigTypeError(ValueError):
    """A string at ``key`` that is none of the types the schema allows there."""

    def __init__(self, key, reason):
        super().__init__(f"key '{key}': {reason}")
        self.key = key
        self.reason = reason


def key_path(path):
    """Dotted name of a position in the configuration (list items as [i])."""
    key = ""
    for part in path:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key


def coerce_config(config, schema):
    """Convert, in place, every string of ``config`` where ``schema`` allows no string but a
    number, integer, boolean or null (following properties, additionalProperties, items,
    $ref, type lists, enum/const, anyOf and oneOf)."""
    resolver = Registry().with_resource(_URI, DRAFT202012.create_resource(schema)).resolver(_URI)
    _coerce(config, schema, resolver, ())


def _resolved(schema, resolver):
    """``schema`` with its $ref followed (sibling keywords kept) and the resolver inside it."""
    while "$ref" in schema:
        found = resolver.lookup(schema["$ref"])
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        schema, resolver = {**found.contents, **rest}, found.resolver
    return schema, resolver


def _coerce(value, schema, resolver, path):
    """``value`` converted (dicts and lists in place)."""
    schema, resolver = _resolved(schema, resolver)
    if isinstance(value, str):
        return _from_string(value, _types(schema, resolver), path)
    if isinstance(value, dict):
        props, extra = schema.get("properties", {}), schema.get("additionalProperties")
        for key, item in value.items():
            sub = props.get(key, extra)
            if isinstance(sub, dict):
                value[key] = _coerce(item, sub, resolver, (*path, key))
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            value[i] = _coerce(item, schema["items"], resolver, (*path, i))
    return value


def _types(schema, resolver):
    """The JSON types ``schema`` allows (empty if it does not constrain the type)."""
    schema, resolver = _resolved(schema, resolver)
    kind = schema.get("type", [])
    types = {kind} if isinstance(kind, str) else set(kind)
    values = schema.get("enum", []) + ([schema["const"]] if "const" in schema else [])
    types.update(_JSON_TYPES.get(type(v), "other") for v in values)
    for branch in schema.get("anyOf", []) + schema.get("oneOf", []):
        types |= _types(branch, resolver)
    return types


def _from_string(text, types, path):
    """``text`` as the first of ``types`` it can be read as (left a string if one is allowed)."""
    wanted = [kind for kind in _ORDER if kind in types]
    if not wanted or "string" in types:
        return text
    for kind in wanted:
        try:
            return _READERS[kind](text)
        except ValueError:
            pass
    expected = " or ".join(_NAMES[k] for k in wanted)
    examples = " or ".join(_EXAMPLES[k] for k in wanted)
    raise ConfigTypeError(
        key_path(path), f"received the string {text!r}, expected {expected} (write e.g. {examples})"
    )


def _yaml_scalar(text, kind):
    """``text`` as YAML reads it, if that is of Python type ``kind`` (``true``, ``no``, ``~``)."""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        value = text
    if type(value) is not kind:
        raise ValueError(text)
    return value


def _number(text):
    """Integer if ``text`` is one, else a finite float (``1e-3`` included)."""
    try:
        return int(text)
    except ValueError:
        value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


_READERS = {
    "null": lambda text: _yaml_scalar(text, type(None)),
    "boolean": lambda text: _yaml_scalar(text, bool),
    "integer": int,
    "number": _number,
}
