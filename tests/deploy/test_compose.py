"""compose.yaml against the compose-spec schema, and its services, nginx and Prometheus wired to
each other and to Settings."""

from __future__ import annotations

import copy
import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from deploy.support import (
    ROOT,
    image_is_pinned,
    load_yaml,
    load_yaml12,
    schema_errors,
    settings_variables,
    validator,
)
from orchestrator.config import Settings

COMPOSE = load_yaml12(ROOT / "compose.yaml")
SERVICES: dict[str, Any] = COMPOSE["services"]
NGINX = (ROOT / "deploy" / "nginx" / "nginx.conf").read_text()
PROMETHEUS = load_yaml(ROOT / "deploy" / "prometheus" / "prometheus.yml")
INTERPOLATION = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def interpolate(value: str, environ: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error} with this environment."""

    def one(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        # with a colon an empty value counts as unset
        present = bool(environ.get(name)) if op in (":-", ":?") else name in environ
        if present:
            return environ[name]
        if op in (":?", "?"):
            raise ValueError(f"{name} is required: {arg}")
        return arg if op in (":-", "-") else ""

    return INTERPOLATION.sub(one, value)


def app_port() -> int:
    command = SERVICES["app"]["command"]
    return int(command[command.index("--port") + 1])


def test_compose_validates_against_the_compose_spec() -> None:
    assert schema_errors(validator("compose-spec.json"), COMPOSE) == []


def test_the_schema_refuses_a_misplaced_key() -> None:
    broken = copy.deepcopy(COMPOSE)
    broken["services"]["app"]["replicas"] = broken["services"]["app"].pop("deploy")["replicas"]
    assert any("replicas" in e for e in schema_errors(validator("compose-spec.json"), broken))


def test_two_replicas_start_after_the_one_shot_migration() -> None:
    app, migrate = SERVICES["app"], SERVICES["migrate"]
    assert app["deploy"]["replicas"] == 2
    assert app["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert migrate["command"] == ["db", "upgrade"]
    assert migrate["restart"] == "no" and "deploy" not in migrate
    assert migrate["image"] == app["image"] and migrate["environment"] == app["environment"]
    assert migrate["depends_on"]["postgres"] == {"condition": "service_healthy"}
    assert "ports" not in app  # reached through nginx only


def test_every_service_healthy_condition_has_a_healthcheck() -> None:
    for name, service in SERVICES.items():
        for target, condition in service.get("depends_on", {}).items():
            assert target in SERVICES, f"{name} depends on unknown {target}"
            if condition["condition"] == "service_healthy":
                assert "test" in SERVICES[target]["healthcheck"], target


def test_pulled_images_are_pinned() -> None:
    for name, service in SERVICES.items():
        if "build" not in service:
            assert image_is_pinned(service["image"]), f"{name}: {service['image']}"


def test_bind_mounted_files_exist() -> None:
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{name}: {source}"


@pytest.fixture
def compose_environment(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The service's environment as compose renders it with no .env and nothing exported."""
    for name in settings_variables():
        monkeypatch.delenv(name, raising=False)
    return {k: interpolate(str(v), {}) for k, v in SERVICES["app"]["environment"].items()}


def test_the_service_environment_names_only_settings(compose_environment: dict[str, str]) -> None:
    orch = {name for name in compose_environment if name.startswith("ORCH_")}
    assert orch <= settings_variables()
    assert set(compose_environment) - orch == {"OMP_NUM_THREADS"}


def test_the_service_environment_builds_settings_that_reach_the_stack(
    compose_environment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in compose_environment.items():
        monkeypatch.setenv(name, value)
    settings = Settings(_env_file=None)
    database = urlsplit(settings.database_url)
    postgres = {k: interpolate(v, {}) for k, v in SERVICES["postgres"]["environment"].items()}
    assert database.scheme == "postgresql+asyncpg" and database.hostname == "postgres"
    assert (database.username, database.password, database.path) == (
        postgres["POSTGRES_USER"], postgres["POSTGRES_PASSWORD"], f"/{postgres['POSTGRES_DB']}",
    )  # fmt: skip
    assert settings.redis_url is not None and urlsplit(settings.redis_url).hostname in SERVICES
    assert settings.trusted_proxies, "nginx's X-Forwarded-For must be believed"


def test_interpolation_follows_compose() -> None:
    assert interpolate("${A:-x}", {}) == "x"
    assert interpolate("${A:-x}", {"A": ""}) == "x"
    assert interpolate("${A-x}", {"A": ""}) == ""
    assert interpolate("a${A}b", {"A": "1"}) == "a1b"
    with pytest.raises(ValueError, match="A is required"):
        interpolate("${A:?set it}", {})


def test_nginx_proxies_to_the_app_replicas_through_docker_dns() -> None:
    assert "resolver 127.0.0.11" in NGINX  # re-resolved, so every replica is found
    upstream = re.search(r"set \$\w+ http://(?P<host>[\w-]+):(?P<port>\d+);", NGINX)
    assert upstream is not None
    assert upstream["host"] == "app" and int(upstream["port"]) == app_port()
    listen = re.search(r"listen (\d+);", NGINX)
    assert listen is not None
    assert SERVICES["nginx"]["ports"][0].endswith(f":{listen[1]}")
    assert "/etc/nginx/nginx.conf" in SERVICES["nginx"]["volumes"][0]
    assert NGINX.count("{") == NGINX.count("}")


def test_nginx_keeps_metrics_private_and_forwards_the_request_id() -> None:
    metrics = re.search(r"location = /metrics \{\s*return (\d+);", NGINX)
    assert metrics is not None and metrics[1] == "404"
    assert "proxy_set_header X-Request-ID" in NGINX
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in NGINX
    assert "$request " not in NGINX and "$args" not in NGINX  # no query strings in the log


def test_prometheus_scrapes_each_replica_on_metrics() -> None:
    (job,) = [j for j in PROMETHEUS["scrape_configs"] if j["job_name"] == "orchestrator"]
    assert job["metrics_path"] == "/metrics"
    (discovery,) = job["dns_sd_configs"]
    assert discovery == {**discovery, "names": ["app"], "type": "A", "port": app_port()}
    mounts = SERVICES["prometheus"]["volumes"]
    assert "./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro" in mounts


def test_grafana_is_provisioned_with_the_dashboard() -> None:
    provisioning = ROOT / "deploy" / "grafana" / "provisioning"
    (provider,) = load_yaml(provisioning / "dashboards" / "orchestrator.yml")["providers"]
    mounts = SERVICES["grafana"]["volumes"]
    target = f"{provider['options']['path']}/orchestrator.json"
    assert f"./deploy/grafana/dashboard.json:{target}:ro" in mounts
    (source,) = load_yaml(provisioning / "datasources" / "prometheus.yml")["datasources"]
    assert source["type"] == "prometheus" and source["url"] == "http://prometheus:9090"


def test_nginx_waits_longer_than_one_llm_classification_may_take() -> None:
    timeout = re.search(r"proxy_read_timeout (\d+)s;", NGINX)
    assert timeout is not None
    assert Settings.model_fields["llm_deadline_seconds"].default < int(timeout[1])
