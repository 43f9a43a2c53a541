"""The GitHub Actions workflow and its setup action against SchemaStore's schemas, and the jobs
the issue asks for."""

from __future__ import annotations

import copy
import re
import tomllib
from typing import Any

import pytest

from deploy.support import ROOT, load_yaml12, schema_errors, validator

WORKFLOW_PATH = ROOT / ".github" / "workflows" / "ci.yml"
ACTION_PATH = ROOT / ".github" / "actions" / "setup" / "action.yml"
WORKFLOW = load_yaml12(WORKFLOW_PATH)
ACTION = load_yaml12(ACTION_PATH)
JOBS: dict[str, Any] = WORKFLOW["jobs"]


def commands(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def uses(job: dict[str, Any]) -> list[str]:
    return [step["uses"] for step in job["steps"] if "uses" in step]


def test_the_workflow_validates_against_the_github_workflow_schema() -> None:
    assert schema_errors(validator("github-workflow.json"), WORKFLOW) == []


def test_the_setup_action_validates_against_the_github_action_schema() -> None:
    assert schema_errors(validator("github-action.json"), ACTION) == []


def test_the_schema_refuses_a_job_without_runs_on() -> None:
    broken = copy.deepcopy(WORKFLOW)
    del broken["jobs"]["lint"]["runs-on"]
    assert schema_errors(validator("github-workflow.json"), broken) != []


def test_the_workflow_runs_on_pushes_and_pull_requests() -> None:
    assert {"push", "pull_request"} <= set(WORKFLOW["on"])


@pytest.mark.parametrize(
    ("job", "expected"),
    [
        ("lint", [r"ruff check src tests", r"ruff format --check src tests"]),
        ("types", [r"mypy src"]),
        ("test", [r"make test"]),
        ("security", [r"bandit -r src", r"pip-audit"]),
    ],
)
def test_each_job_runs_its_tools(job: str, expected: list[str]) -> None:
    assert "./.github/actions/setup" in uses(JOBS[job])
    for pattern in expected:
        assert re.search(pattern, commands(JOBS[job])), pattern


def test_tests_run_with_postgresql_redis_ci_and_coverage() -> None:
    test = JOBS["test"]
    assert set(test["services"]) == {"postgres", "redis"}
    assert "5432:5432" in test["services"]["postgres"]["ports"]
    assert "6379:6379" in test["services"]["redis"]["ports"]
    assert test["services"]["postgres"]["env"]["POSTGRES_HOST_AUTH_METHOD"] == "trust"
    assert test["env"]["CI"] == "true"  # PostgreSQL/Redis tests fail instead of skipping
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^test:.*\n\t.*pytest --cov .*--cov-fail-under", makefile, re.M)
    assert any("actions/upload-artifact" in u for u in uses(test))


def test_the_image_is_built_without_pushing_and_smoke_tested() -> None:
    image = JOBS["image"]
    (build,) = [
        s for s in image["steps"] if s.get("uses", "").startswith("docker/build-push-action")
    ]
    assert build["with"]["push"] is False and build["with"]["context"] == "."
    tag = build["with"]["tags"]
    smoke = commands(image)
    assert f"docker run -d --name orchestrator --network none {tag}" in smoke  # offline start
    assert "/ready" in smoke and re.search(r"docker run --rm --entrypoint id \S+ -u", smoke)


def test_torch_is_installed_cpu_only_with_pyproject_s_pin() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    (pin,) = [d for d in pyproject["project"]["dependencies"] if d.startswith("torch==")]
    runs = [step.get("run", "") for step in ACTION["runs"]["steps"]]
    cpu = f"pip install {pin} --index-url https://download.pytorch.org/whl/cpu"
    torch_step = next(i for i, run in enumerate(runs) if cpu in run)
    assert torch_step < runs.index("make install")  # then make finds torch satisfied


def test_the_workflow_can_only_read_the_repository() -> None:
    assert WORKFLOW["permissions"] == {"contents": "read"}
    for job in JOBS.values():
        assert "permissions" not in job
        assert job["timeout-minutes"] <= 60
