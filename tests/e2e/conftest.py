"""Fixtures for end-to-end tests against a real server process."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.server import ServerProcess


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    repo = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "ORCH_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'orchestrator.db'}",
        "ORCH_KB_DIR": str(repo / "data" / "kb"),
        "ORCH_RATE_LIMIT_PER_MINUTE": "100000",
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }
    process = ServerProcess(env=env, workdir=tmp_path)
    yield process
    process.kill()
