"""Shared fixtures: the real model loaded once, apps built with their own settings."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from orchestrator.classifiers.local import LocalClassifier  # noqa: E402
from orchestrator.config import DEFAULT_MODEL_DIR, Settings  # noqa: E402
from orchestrator.main import create_app  # noqa: E402
from support.apps import serving

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def local_classifier() -> LocalClassifier:
    """The shipped model on the real all-MiniLM-L6-v2 embeddings."""
    return LocalClassifier.from_paths(DEFAULT_MODEL_DIR)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'orchestrator.db'}",
        log_json=True,
    )


@pytest.fixture
def app(settings: Settings, local_classifier: LocalClassifier) -> FastAPI:
    return create_app(settings, classifier=local_classifier)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(app) as http:
        yield http


@pytest.fixture
def repo_root() -> Iterator[Path]:
    yield ROOT
