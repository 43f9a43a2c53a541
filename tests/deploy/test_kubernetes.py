"""deploy/k8s: the overlay builds, every object validates against the Kubernetes v1.33 schemas
(strict: an unknown field is an error), and the objects agree with each other, the image and
Settings."""

from __future__ import annotations

import copy
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from deploy import dockerfile, kustomize
from deploy.support import (
    KUBERNETES_SCHEMA,
    ROOT,
    image_is_pinned,
    load_yaml_all,
    schema_errors,
    settings_variables,
    validator,
)
from orchestrator.config import Settings

BASE = ROOT / "deploy" / "k8s" / "base"
DOCKERFILE = ROOT / "Dockerfile"
PRODUCTION = ROOT / "deploy" / "k8s" / "overlays" / "production"
Resource = dict[str, Any]


def by_kind(resources: list[Resource], kind: str) -> Resource:
    found = [r for r in resources if r["kind"] == kind]
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def pod_spec(resource: Resource) -> dict[str, Any]:
    spec: dict[str, Any] = resource["spec"]["template"]["spec"]
    return spec


@pytest.fixture(scope="module")
def production() -> list[Resource]:
    return kustomize.build(PRODUCTION)


def all_objects() -> Iterator[Any]:
    for folder in (BASE, PRODUCTION):
        for resource in kustomize.build(folder):
            name = f"{folder.name}:{resource['kind']}/{resource['metadata']['name']}"
            yield pytest.param(resource, id=name)


@pytest.mark.parametrize("resource", list(all_objects()))
def test_every_object_validates_against_the_kubernetes_schema(resource: Resource) -> None:
    definition = f"{resource['apiVersion'].replace('/', '.')}.{resource['kind']}"
    assert schema_errors(validator(KUBERNETES_SCHEMA, definition), resource) == []


def test_a_misspelt_field_is_refused_by_the_strict_schema(production: list[Resource]) -> None:
    deployment = copy.deepcopy(by_kind(production, "Deployment"))
    pod_spec(deployment)["containers"][0]["livenesProbe"] = {"httpGet": {"path": "/health"}}
    errors = schema_errors(validator(KUBERNETES_SCHEMA, "apps.v1.Deployment"), deployment)
    assert any("livenesProbe" in e for e in errors)


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_the_emulated_build_matches_kubectl_kustomize(production: list[Resource]) -> None:
    out = subprocess.run(
        ["kubectl", "kustomize", str(PRODUCTION)], capture_output=True, text=True, check=True
    ).stdout
    expected = [doc for doc in yaml.safe_load_all(out) if doc is not None]

    def key(r: Resource) -> tuple[str, str]:
        return (r["kind"], r["metadata"]["name"])

    assert sorted(production, key=key) == sorted(expected, key=key)


def test_the_issue_s_objects_are_all_there(production: list[Resource]) -> None:
    kinds = {r["kind"] for r in production}
    assert kinds >= {
        "Deployment", "Service", "Ingress", "ConfigMap", "Secret", "Job",
        "HorizontalPodAutoscaler", "PodDisruptionBudget",
    }  # fmt: skip
    assert {r["metadata"].get("namespace") for r in production if r["kind"] != "Namespace"} == {
        "orchestrator"
    }


def test_probes_use_the_health_endpoints_on_a_declared_port(production: list[Resource]) -> None:
    container = pod_spec(by_kind(production, "Deployment"))["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["startupProbe"]["httpGet"]["path"] == "/health"
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        assert container[probe]["httpGet"]["port"] in ports
    assert container["args"][container["args"].index("--port") + 1] == str(ports["http"])


@pytest.mark.parametrize("kind", ["Deployment", "Job"])
def test_every_container_has_requests_and_limits(production: list[Resource], kind: str) -> None:
    for container in pod_spec(by_kind(production, kind))["containers"]:
        assert set(container["resources"]) == {"requests", "limits"}
        for part in ("requests", "limits"):
            assert set(container["resources"][part]) == {"cpu", "memory"}


def test_the_autoscaler_runs_2_to_10_replicas_at_70_percent_cpu(
    production: list[Resource],
) -> None:
    hpa = by_kind(production, "HorizontalPodAutoscaler")
    deployment = by_kind(production, "Deployment")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 10)
    assert hpa["spec"]["metrics"] == [
        {
            "type": "Resource",
            "resource": {
                "name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": 70},
            },
        }
    ]
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["apiVersion"], target["kind"], target["name"]) == (
        deployment["apiVersion"], "Deployment", deployment["metadata"]["name"],
    )  # fmt: skip
    assert "cpu" in pod_spec(deployment)["containers"][0]["resources"]["requests"]


def test_selectors_find_the_api_pods_and_not_the_migration_job(
    production: list[Resource],
) -> None:
    deployment, job = by_kind(production, "Deployment"), by_kind(production, "Job")
    api_labels = deployment["spec"]["template"]["metadata"]["labels"]
    job_labels = job["spec"]["template"]["metadata"]["labels"]

    def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
        return selector.items() <= labels.items()

    selectors = {
        "Deployment": deployment["spec"]["selector"]["matchLabels"],
        "Service": by_kind(production, "Service")["spec"]["selector"],
        "PodDisruptionBudget": by_kind(production, "PodDisruptionBudget")["spec"]["selector"][
            "matchLabels"
        ],
    }
    for kind, selector in selectors.items():
        assert selects(selector, api_labels), kind
        assert not selects(selector, job_labels), kind


def test_the_ingress_publishes_the_api_only_through_the_service(
    production: list[Resource],
) -> None:
    ingress, service = by_kind(production, "Ingress"), by_kind(production, "Service")
    port_names = {p["name"] for p in service["spec"]["ports"]}
    container_ports = {
        p["name"] for p in pod_spec(by_kind(production, "Deployment"))["containers"][0]["ports"]
    }
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= container_ports
    paths = [path for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]]
    assert [p["path"] for p in paths] == ["/api"]  # not /metrics, /health or /ready
    for path in paths:
        backend = path["backend"]["service"]
        assert backend["name"] == service["metadata"]["name"]
        assert backend["port"]["name"] in port_names
    hosts = {host for tls in ingress["spec"]["tls"] for host in tls["hosts"]}
    assert {rule["host"] for rule in ingress["spec"]["rules"]} <= hosts


def test_the_migration_job_runs_db_upgrade_with_the_service_s_image_and_settings(
    production: list[Resource],
) -> None:
    api = pod_spec(by_kind(production, "Deployment"))
    job = pod_spec(by_kind(production, "Job"))
    assert job["containers"][0]["args"] == ["db", "upgrade"]
    assert job["restartPolicy"] == "Never"
    assert job["containers"][0]["image"] == api["containers"][0]["image"]
    assert job["containers"][0]["envFrom"] == api["containers"][0]["envFrom"]


@pytest.mark.parametrize("kind", ["Deployment", "Job"])
def test_pods_run_as_the_image_s_non_root_user_locked_down(
    production: list[Resource], kind: str
) -> None:
    pod = pod_spec(by_kind(production, kind))
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert (
        str(pod["securityContext"]["runAsUser"])
        == dockerfile.runtime_user(DOCKERFILE.read_text()).split(":")[0]
    )
    assert pod["automountServiceAccountToken"] is False
    for container in pod["containers"]:
        assert image_is_pinned(container["image"]), container["image"]
        context = container["securityContext"]
        assert context["allowPrivilegeEscalation"] is False
        assert context["readOnlyRootFilesystem"] is True
        assert context["capabilities"]["drop"] == ["ALL"]
        mounts = {m["mountPath"] for m in container.get("volumeMounts", [])}
        assert "/tmp" in mounts  # the only writable path the image needs besides /app/var


def test_env_sources_exist_and_name_only_settings(production: list[Resource]) -> None:
    names = {(r["kind"], r["metadata"]["name"]) for r in production}
    for source in pod_spec(by_kind(production, "Deployment"))["containers"][0]["envFrom"]:
        ref = source.get("configMapRef") or source["secretRef"]
        kind = "ConfigMap" if "configMapRef" in source else "Secret"
        assert (kind, ref["name"]) in names
    known = settings_variables()
    assert set(by_kind(production, "ConfigMap")["data"]) <= known
    assert set(by_kind(production, "Secret")["stringData"]) <= known


def production_environment(production: list[Resource]) -> dict[str, str]:
    return {
        **by_kind(production, "ConfigMap")["data"],
        **by_kind(production, "Secret")["stringData"],
    }


REAL_SECRETS = {
    "ORCH_DATABASE_URL": "postgresql+asyncpg://orchestrator:Zq8v2kW@postgres:5432/orchestrator",
    "ORCH_REDIS_URL": "redis://:Xb7mN3p@redis:6379/0",
    "ORCH_LLM_API_KEY": "sk-live-0123456789",
    "ORCH_WEBHOOK_SECRET": "whsec-9f8e7d6c5b4a",
}


@pytest.fixture
def environ(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """A clean environment: only the variables a test sets reach Settings."""
    for name in settings_variables():
        monkeypatch.delenv(name, raising=False)
    yield monkeypatch


def test_the_production_settings_parse_once_the_secrets_are_real(
    production: list[Resource], environ: pytest.MonkeyPatch
) -> None:
    for name, value in {**production_environment(production), **REAL_SECRETS}.items():
        environ.setenv(name, value)
    settings = Settings(_env_file=None)
    assert settings.environment == "production"
    assert settings.classify_key_required
    assert settings.kb_dir is not None and settings.kb_dir.as_posix() == "/app/data/kb"


@pytest.mark.parametrize("placeholder", sorted(REAL_SECRETS))
def test_production_refuses_each_placeholder_left_in_the_secret(
    production: list[Resource], environ: pytest.MonkeyPatch, placeholder: str
) -> None:
    shipped = production_environment(production)
    assert "changeme" in shipped[placeholder]
    for name, value in {**shipped, **REAL_SECRETS, placeholder: shipped[placeholder]}.items():
        environ.setenv(name, value)
    with pytest.raises(ValidationError, match=placeholder):
        Settings(_env_file=None)


def test_development_accepts_the_placeholders(environ: pytest.MonkeyPatch) -> None:
    environ.setenv("ORCH_DATABASE_URL", "postgresql+asyncpg://u:changeme@db/orchestrator")
    environ.setenv("ORCH_LLM_API_KEY", "changeme")
    assert Settings(_env_file=None).environment == "development"


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        ({"op": "replace", "path": "/a/b", "value": 2}, {"a": {"b": 2, "c": [1, 2]}}),
        ({"op": "add", "path": "/a/d~1e", "value": 3}, {"a": {"b": 1, "c": [1, 2], "d/e": 3}}),
        ({"op": "add", "path": "/a/c/-", "value": 3}, {"a": {"b": 1, "c": [1, 2, 3]}}),
        ({"op": "add", "path": "/a/c/0", "value": 0}, {"a": {"b": 1, "c": [0, 1, 2]}}),
        ({"op": "remove", "path": "/a/c/1"}, {"a": {"b": 1, "c": [1]}}),
        ({"op": "remove", "path": "/a/b"}, {"a": {"c": [1, 2]}}),
    ],
)
def test_json_patch_operations(operation: dict[str, Any], expected: dict[str, Any]) -> None:
    document = {"a": {"b": 1, "c": [1, 2]}}
    kustomize.json_patch(document, operation)
    assert document == expected


@pytest.mark.parametrize(
    "operation",
    [{"op": "move", "path": "/a", "from": "/b"}, {"op": "replace", "path": "/missing", "value": 1}],
)
def test_json_patch_refuses_what_it_cannot_apply(operation: dict[str, Any]) -> None:
    with pytest.raises((kustomize.Unsupported, KeyError)):
        kustomize.json_patch({"a": 1}, operation)


def test_an_unemulated_kustomize_feature_is_an_error(tmp_path: Any) -> None:
    (tmp_path / "kustomization.yaml").write_text(
        "resources: []\nconfigMapGenerator:\n  - name: x\n    literals: [A=1]\n"
    )
    with pytest.raises(kustomize.Unsupported, match="configMapGenerator"):
        kustomize.build(tmp_path)


def test_base_files_are_plain_yaml_documents() -> None:
    for path in sorted(BASE.glob("*.yaml")):
        for document in load_yaml_all(path):
            assert isinstance(document, dict), path


def test_the_ingress_waits_longer_than_one_llm_classification_may_take(
    production: list[Resource],
) -> None:
    annotations = by_kind(production, "Ingress")["metadata"]["annotations"]
    deadline = float(by_kind(production, "ConfigMap")["data"]["ORCH_LLM_DEADLINE_SECONDS"])
    assert deadline < int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"])
