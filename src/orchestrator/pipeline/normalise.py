"""Step 1 of the pipeline: one canonical form for every channel's text."""

from __future__ import annotations

import re
import unicodedata

_WHITESPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Unicode NFC, whitespace collapsed, trimmed. Voice transcripts keep every word."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()
