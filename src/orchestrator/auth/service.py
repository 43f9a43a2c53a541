"""API keys: made once (the secret is shown once), stored as sha256, checked in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.auth.models import KEY_PREFIX, Scope
from orchestrator.storage.tables import ApiKey


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the key's id (safe to log and to record as an actor), its scopes, and
    its rate-limit tier (None: the default limit)."""

    key_id: str
    name: str
    scopes: frozenset[Scope]
    tier: str | None = None

    def allows(self, scope: Scope) -> bool:
        return Scope.ADMIN in self.scopes or scope in self.scopes


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _split(presented: str) -> tuple[str, str] | None:
    parts = presented.strip().split("_")
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


async def create_key(
    session: AsyncSession, *, name: str, scopes: Sequence[Scope], tier: str | None = None
) -> tuple[ApiKey, str]:
    """Returns the stored row and the one-time plaintext `orch_<id>_<secret>`."""
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32).replace("_", "-")
    row = ApiKey(
        id=key_id,
        name=name,
        secret_sha256=_digest(secret),
        scopes=sorted({Scope(s).value for s in scopes}),
        created_at=datetime.now(UTC),
        revoked_at=None,
        rate_limit_tier=tier,
    )
    session.add(row)
    await session.commit()
    return row, f"{KEY_PREFIX}_{key_id}_{secret}"


async def authenticate(session: AsyncSession, *, presented: str) -> Principal | None:
    split = _split(presented)
    if split is None:
        return None
    key_id, secret = split
    row = await session.get(ApiKey, key_id)
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(row.secret_sha256, _digest(secret)):
        return None
    return Principal(row.id, row.name, frozenset(Scope(s) for s in row.scopes), row.rate_limit_tier)


async def list_keys(session: AsyncSession) -> list[ApiKey]:
    return list((await session.scalars(select(ApiKey).order_by(ApiKey.created_at))).all())


async def set_tier(session: AsyncSession, *, key_id: str, tier: str | None) -> bool:
    """Move a key to another rate-limit tier (None: the default); takes effect at once."""
    row = await session.get(ApiKey, key_id)
    if row is None:
        return False
    row.rate_limit_tier = tier
    await session.commit()
    return True


async def revoke_key(session: AsyncSession, *, key_id: str) -> bool:
    row = await session.get(ApiKey, key_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = datetime.now(UTC)
    await session.commit()
    return True
