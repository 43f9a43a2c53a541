"""Labelled evaluation rows: `text,category` and optional `intent,severity,channel`."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from orchestrator.domain import Category


class EvalDataError(ValueError):
    """The file is missing a required column or has an unknown category."""


@dataclass(frozen=True, slots=True)
class EvalRow:
    text: str
    category: Category
    intent: str | None
    severity: str | None
    channel: str


def load_rows(path: Path) -> list[EvalRow]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"text", "category"} - set(reader.fieldnames or ())
        if missing:
            raise EvalDataError(f"{path.name}: missing column(s) {sorted(missing)}")
        rows: list[EvalRow] = []
        for line, row in enumerate(reader, start=2):
            try:
                category = Category(row["category"].strip())
            except ValueError as exc:
                raise EvalDataError(f"{path.name}:{line}: {exc}") from exc
            rows.append(
                EvalRow(
                    text=row["text"],
                    category=category,
                    intent=(row.get("intent") or "").strip() or None,
                    severity=(row.get("severity") or "").strip() or None,
                    channel=(row.get("channel") or "chat").strip() or "chat",
                )
            )
    if not rows:
        raise EvalDataError(f"{path.name}: no rows")
    return rows
