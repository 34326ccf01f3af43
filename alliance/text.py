"""Free text as the product stores it."""

from __future__ import annotations

from typing import Any


def clean_text(value: Any) -> str:
    """Text as stored: no NUL (PostgreSQL refuses it), no surrounding blanks."""
    return str(value or "").replace("\x00", "").strip()
