"""The caseload as the page shows it: searched, sorted, one page at a time, with what is new.

The rows come from `caseload.caseload_rows` (ordered by need, a fixed number of queries); this
module only rearranges them in memory, so searching, sorting and paging add no query.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from .caseload import CaseloadRow

PAGE_SIZE = 25
SORTS: list[tuple[str, Any]] = [
    ("need", _("Most in need first")),
    ("next", _("Next session")),
    ("last", _("Last check-in, most recent first")),
    ("name", _("Client name")),
]
_FAR = dt.datetime.max.replace(tzinfo=dt.UTC)
_LONG_AGO = dt.datetime.min.replace(tzinfo=dt.UTC)


@dataclass
class CaseloadPage:
    rows: list[CaseloadRow]
    total: int  # rows matching the search, on all pages
    page: int
    pages: int
    show_staff: bool
    new_count: int = 0
    query: str = ""
    sort: str = "need"
    numbers: list[int] = field(default_factory=list)

    @property
    def previous(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    @property
    def next(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None


def _matches(row: CaseloadRow, words: list[str]) -> bool:
    text = " ".join([*row.clients, row.episode.title or "", *row.staff]).lower()
    return all(w in text for w in words)


def _sorted(rows: list[CaseloadRow], sort: str) -> list[CaseloadRow]:
    if sort == "next":
        return sorted(rows, key=lambda r: r.episode.next_session_at or _FAR)
    if sort == "last":
        return sorted(rows, key=lambda r: r.last_checkin or _LONG_AGO, reverse=True)
    if sort == "name":
        return sorted(rows, key=lambda r: ", ".join(r.clients).casefold())
    return rows  # already ordered by need


def mark_new(rows: list[CaseloadRow], since: dt.datetime | None) -> int:
    """Flag rows with a check-in or an alert that arrived after `since`; returns how many."""
    if since is None:
        return 0
    count = 0
    for row in rows:
        fresh_checkin = row.last_checkin is not None and row.last_checkin > since
        fresh_alert = any(a.opened_at > since for a in row.alerts)
        row.is_new = fresh_checkin or fresh_alert  # type: ignore[attr-defined]
        count += row.is_new  # type: ignore[attr-defined]
    return count


def arrange(
    rows: list[CaseloadRow],
    *,
    query: str = "",
    sort: str = "need",
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> CaseloadPage:
    words = [w for w in query.lower().split() if w]
    # Therapists, not staff: an interpreter beside the one therapist is not a shared caseload.
    therapists = {email for row in rows for email in row.therapists}
    found = [r for r in rows if _matches(r, words)] if words else rows
    sort = sort if sort in dict(SORTS) else "need"
    found = _sorted(found, sort)
    pages = max(1, -(-len(found) // page_size))
    page = min(max(page, 1), pages)
    return CaseloadPage(
        rows=found[(page - 1) * page_size : page * page_size],
        total=len(found),
        page=page,
        pages=pages,
        # One therapist's own caseload needs no staff column; a shared one does.
        show_staff=len(therapists) > 1,
        query=query,
        sort=sort,
        numbers=list(range(1, pages + 1)),
    )
