"""URL converters shared by every app."""

from __future__ import annotations

import re


class IdConverter:
    """A database id: 1 to 18 digits, so no URL can ask for a number the database cannot hold
    (PostgreSQL bigint); a longer one is simply not found."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


ID_PATTERN = re.compile(r"[0-9]{1,18}")


def parse_id(raw: object) -> int | None:
    """An id typed into a form or a query string, or None. `str.isdigit` is not enough: it
    accepts '²', which `int` then refuses."""
    text = str(raw or "").strip()
    return int(text) if ID_PATTERN.fullmatch(text) else None
