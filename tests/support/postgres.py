"""A fresh, migrated PostgreSQL database per test session, shared by every suite that needs one.

Without a PostgreSQL on the expected server the tests skip with the reason, except when env `CI`
is set: then they fail, because CI must run them.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import NoReturn

import asyncpg
import pytest

from orchestrator.storage import engine as storage

# The server the suite expects; TEST_POSTGRES_SERVER points it elsewhere (user@host:port).
POSTGRES_SERVER = os.environ.get("TEST_POSTGRES_SERVER", "postgres@127.0.0.1:5432")
POSTGRES_ADMIN_DSN = f"postgresql://{POSTGRES_SERVER}/postgres"


def unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: PostgreSQL tests must run)")
    pytest.skip(reason)


@asynccontextmanager
async def fresh_database(prefix: str, *, migrate: bool = True) -> AsyncIterator[str]:
    """Create `<prefix>_<random>`, migrate it to head (unless told not to), yield its URL, drop
    it afterwards."""
    name = f"{prefix}_{secrets.token_hex(6)}"
    try:
        admin = await asyncpg.connect(POSTGRES_ADMIN_DSN, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        unavailable(f"PostgreSQL unreachable at {POSTGRES_SERVER}: {exc}")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = f"postgresql+asyncpg://{POSTGRES_SERVER}/{name}"
    try:
        if migrate:
            await storage.upgrade(url)
        yield url
    finally:
        admin = await asyncpg.connect(POSTGRES_ADMIN_DSN, timeout=5)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
