"""HTTP routes for compliance (filled in by the compliance domain)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["compliance"])
