"""What the deployment tests share: paths, YAML, the bundled schemas, the Settings' variables."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from jsonschema.protocols import Validator

from orchestrator.config import Settings

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = Path(__file__).resolve().parent / "schemas"
KUBERNETES_SCHEMA = "kubernetes-v1.33.0-strict.json"
# name[:tag][@digest]; a tag is what follows the last colon after the last slash.
IMAGE = re.compile(
    r"^(?P<name>[^@]+?)(?::(?P<tag>[\w][\w.-]{0,127}))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?$"
)


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


class Yaml12Loader(yaml.SafeLoader):
    """YAML 1.2 booleans (only true/false), as GitHub Actions and Compose read their files:
    PyYAML's 1.1 rules would turn a workflow's `on:` key into True."""


Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load_yaml12(path: Path) -> Any:
    return yaml.load(path.read_text(), Loader=Yaml12Loader)


def load_yaml_all(path: Path) -> list[Any]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


@functools.cache
def _schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SCHEMAS / name).read_text())
    return schema


def validator(name: str, definition: str | None = None) -> Validator:
    """A validator for a bundled schema; `definition` picks one of its $defs as the root."""
    schema = _schema(name)
    if definition is not None:
        if definition not in schema["$defs"]:
            raise KeyError(f"{definition} is not in {name}: add it in refresh_schemas.py")
        schema = {**schema, "$ref": f"#/$defs/{definition}"}
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    result: Validator = cls(schema)
    return result


def schema_errors(validator: Validator, instance: Any) -> list[str]:
    """Readable messages (path: message), so a failing test says where the file is wrong."""
    found = sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in found]


def settings_variables() -> set[str]:
    """Every environment variable Settings reads: ORCH_ names and aliases (OPENAI_API_KEY)."""
    names: set[str] = set()
    prefix = Settings.model_config.get("env_prefix", "")
    for field_name, field in Settings.model_fields.items():
        alias = field.validation_alias
        if alias is None:
            names.add(f"{prefix}{field_name}".upper())
        elif isinstance(alias, str):
            names.add(alias.upper())
        else:
            names.update(str(choice).upper() for choice in alias.choices if str(choice).isupper())
    return names


def image_is_pinned(reference: str) -> bool:
    """A digest, or an explicit tag with a version number that is not `latest`."""
    match = IMAGE.match(reference)
    if match is None:
        return False
    if match["digest"]:
        return True
    tag = match["tag"]
    return tag is not None and tag != "latest" and any(ch.isdigit() for ch in tag)
