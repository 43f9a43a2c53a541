"""`kustomize build` for the subset deploy/k8s uses, so the suite needs no kustomize binary.

Supported: `resources` (files, or folders with a kustomization.yaml), `namespace`, `labels`
(metadata only: no selectors, no templates), `images`, and `patches` written as inline JSON 6902
operations (add, replace, remove) with a kind/name target. Anything else raises, so a feature
added to the manifests cannot be silently ignored here; test_kubernetes.py compares the result
with `kubectl kustomize` where kubectl is installed. The order of the transformations is
kustomize's: patches, namespace, labels, images.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

Resource = dict[str, Any]
SUPPORTED = {"apiVersion", "kind", "resources", "namespace", "labels", "images", "patches"}
CLUSTER_SCOPED = {"Namespace"}
POD_TEMPLATE_KINDS = {"Deployment", "Job", "StatefulSet", "DaemonSet"}


class Unsupported(ValueError):
    """The kustomization uses something this emulation does not implement."""


def build(folder: Path) -> list[Resource]:
    """The resources a kustomization folder produces."""
    spec = yaml.safe_load((folder / "kustomization.yaml").read_text())
    unknown = set(spec) - SUPPORTED
    if unknown:
        raise Unsupported(f"{folder}: kustomization fields not emulated: {sorted(unknown)}")
    resources: list[Resource] = []
    for entry in spec.get("resources", []):
        path = (folder / entry).resolve()
        if path.is_dir():
            resources.extend(build(path))
        else:
            resources.extend(d for d in yaml.safe_load_all(path.read_text()) if d is not None)
    for patch in spec.get("patches", []):
        _apply_patch(resources, patch)
    if "namespace" in spec:
        for resource in resources:
            if resource["kind"] not in CLUSTER_SCOPED:
                resource["metadata"]["namespace"] = spec["namespace"]
    for labels in spec.get("labels", []):
        if set(labels) - {"pairs"}:
            raise Unsupported(f"labels options not emulated: {sorted(set(labels) - {'pairs'})}")
        for resource in resources:
            resource["metadata"].setdefault("labels", {}).update(labels["pairs"])
    for image in spec.get("images", []):
        _set_image(resources, image)
    return resources


def _apply_patch(resources: list[Resource], patch: dict[str, Any]) -> None:
    if set(patch) != {"target", "patch"} or set(patch["target"]) - {"kind", "name"}:
        raise Unsupported(f"only inline JSON 6902 patches with a kind/name target: {patch}")
    target = patch["target"]
    matched = [
        r
        for r in resources
        if r["kind"] == target.get("kind", r["kind"])
        and r["metadata"]["name"] == target.get("name", r["metadata"]["name"])
    ]
    if not matched:
        raise ValueError(f"patch target matches nothing: {target}")
    operations = yaml.safe_load(patch["patch"])
    for resource in matched:
        for operation in operations:
            json_patch(resource, operation)


def json_patch(document: Any, operation: dict[str, Any]) -> None:
    """One RFC 6902 operation (add, replace, remove), in place."""
    op, path = operation["op"], operation["path"]
    if op not in {"add", "replace", "remove"}:
        raise Unsupported(f"JSON patch op {op!r}")
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in path.split("/")[1:]]
    parent = document
    for token in tokens[:-1]:
        parent = parent[int(token)] if isinstance(parent, list) else parent[token]
    last = tokens[-1]
    if isinstance(parent, list):
        index = len(parent) if last == "-" else int(last)
        if op == "add":
            parent.insert(index, copy.deepcopy(operation["value"]))
        elif op == "replace":
            parent[index] = copy.deepcopy(operation["value"])
        else:
            del parent[index]
        return
    if op in {"replace", "remove"} and last not in parent:
        raise KeyError(f"{path}: nothing to {op}")
    if op == "remove":
        del parent[last]
    else:
        parent[last] = copy.deepcopy(operation["value"])


def _set_image(resources: list[Resource], image: dict[str, str]) -> None:
    if set(image) - {"name", "newName", "newTag"}:
        raise Unsupported(f"images options not emulated: {image}")
    for resource in resources:
        if resource["kind"] not in POD_TEMPLATE_KINDS:
            continue
        pod = resource["spec"]["template"]["spec"]
        for container in pod.get("containers", []) + pod.get("initContainers", []):
            reference = container["image"]
            colon = reference.rfind(":")
            has_tag = colon > reference.rfind("/")
            name, tag = (reference[:colon], reference[colon + 1 :]) if has_tag else (reference, "")
            if name == image["name"]:
                new_tag = image.get("newTag", tag)
                container["image"] = image.get("newName", name) + (f":{new_tag}" if new_tag else "")
