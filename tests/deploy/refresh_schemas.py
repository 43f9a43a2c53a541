"""Rebuild tests/deploy/schemas/ from two PyPI wheels (nothing else is fetched).

    pip download --no-deps check-jsonschema==0.39.0 kubernetes-validate==1.37.0 -d /tmp/wheels
    python tests/deploy/refresh_schemas.py /tmp/wheels

check-jsonschema vendors the compose-spec and SchemaStore's GitHub workflow and action schemas;
kubernetes-validate ships the Kubernetes OpenAPI definitions as JSON Schema (2020-12) per version.
The Kubernetes part is pruned to the kinds the manifests may use and the definitions they reach,
so the suite carries ~0.36 MB instead of 1.4 MB of definitions.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

SCHEMAS = Path(__file__).resolve().parent / "schemas"
CHECK_JSONSCHEMA = "check_jsonschema/builtin_schemas/vendor/"
VENDORED = {
    "compose-spec.json": "compose-spec.json",
    "github-workflows.json": "github-workflow.json",
    "github-actions.json": "github-action.json",
}
LICENSES = {
    "LICENSE.compose-spec": "LICENSE.compose-spec",
    "LICENSE.schemastore": "LICENSE.schemastore",
}
KUBERNETES_VERSION = "v1.33.0"
# (file in kubernetes-validate, apiVersion, kind): every kind deploy/k8s may contain.
KINDS = [
    ("configmap-v1.json", "v1", "ConfigMap"),
    ("secret-v1.json", "v1", "Secret"),
    ("service-v1.json", "v1", "Service"),
    ("serviceaccount-v1.json", "v1", "ServiceAccount"),
    ("namespace-v1.json", "v1", "Namespace"),
    ("deployment-apps-v1.json", "apps/v1", "Deployment"),
    ("job-batch-v1.json", "batch/v1", "Job"),
    ("horizontalpodautoscaler-autoscaling-v2.json", "autoscaling/v2", "HorizontalPodAutoscaler"),
    ("poddisruptionbudget-policy-v1.json", "policy/v1", "PodDisruptionBudget"),
    ("ingress-networking-v1.json", "networking.k8s.io/v1", "Ingress"),
    ("networkpolicy-networking-v1.json", "networking.k8s.io/v1", "NetworkPolicy"),
]
REF = re.compile(r"#/\$defs/([^\"]+)")


def kind_key(api_version: str, kind: str) -> str:
    """The $defs key a kind's schema is stored under ("apps.v1.Deployment")."""
    return f"{api_version.replace('/', '.')}.{kind}"


def _wheel(folder: Path, prefix: str) -> Path:
    found = sorted(folder.glob(f"{prefix}-*.whl"))
    if not found:
        raise SystemExit(f"no {prefix}-*.whl in {folder}")
    return found[-1]


def _closure(defs: dict[str, Any], roots: set[str]) -> dict[str, Any]:
    keep: dict[str, Any] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        keep[name] = defs[name]
        todo.extend(REF.findall(json.dumps(defs[name])))
    return dict(sorted(keep.items()))


def kubernetes_bundle(wheel: Path) -> dict[str, Any]:
    base = f"kubernetes_validate/kubernetes-json-schema/{KUBERNETES_VERSION}-local-strict/"
    with zipfile.ZipFile(wheel) as zf:
        defs = json.loads(zf.read(base + "_definitions.json"))["$defs"]
        kinds: dict[str, Any] = {}
        for filename, api_version, kind in KINDS:
            text = zf.read(base + filename).decode().replace("/api/_definitions.json#", "#")
            schema = json.loads(text)
            for keyword in ("$id", "$schema"):
                schema.pop(keyword, None)
            kinds[kind_key(api_version, kind)] = schema
    roots = {name for schema in kinds.values() for name in REF.findall(json.dumps(schema))}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": f"Kubernetes {KUBERNETES_VERSION} (strict) from {wheel.name}, pruned.",
        "$defs": {**_closure(defs, roots), **kinds},
    }


def main(folder: Path) -> None:
    SCHEMAS.mkdir(exist_ok=True)
    sources = []
    cj = _wheel(folder, "check_jsonschema")
    with zipfile.ZipFile(cj) as zf:
        for src, dest in {**VENDORED, **{f"licenses/{k}": v for k, v in LICENSES.items()}}.items():
            (SCHEMAS / dest).write_bytes(zf.read(CHECK_JSONSCHEMA + src))
    kv = _wheel(folder, "kubernetes_validate")
    bundle = kubernetes_bundle(kv)
    out = SCHEMAS / f"kubernetes-{KUBERNETES_VERSION}-strict.json"
    out.write_text(json.dumps(bundle, indent=1, sort_keys=False) + "\n")
    with zipfile.ZipFile(kv) as zf:
        licence = next(n for n in zf.namelist() if n.endswith("licenses/LICENSE"))
        (SCHEMAS / "LICENSE.kubernetes-validate").write_bytes(zf.read(licence))
    for wheel in (cj, kv):
        sources.append(f"{wheel.name}  sha256 {hashlib.sha256(wheel.read_bytes()).hexdigest()}")
    print("\n".join(sources))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
