"""HTTP routes for tickets (filled in by the tickets domain)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["tickets"])
