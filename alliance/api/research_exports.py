"""Research exports built by the worker, with progress the page shows, offered for download to
the person who asked until they expire (docs/research-export.md).

The page asks (`start`), the worker builds (`build`, a job), the page polls the row, and the
person downloads (`download`). Only the person who asked, in the organization they asked in,
sees or downloads an export; the build and every download are in the audit trail.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from alliance.audit import context, trail
from alliance.audit.models import Action
from alliance.jobs.runner import enqueue_after_commit, job

from . import export
from .models import ExportState, ResearchExport

SHOWN = 5


def of_person(viewer: Any) -> QuerySet[ResearchExport]:
    """The viewer's own exports in the organization they are acting in, newest first."""
    return (
        ResearchExport.objects.filter(organization=viewer.organization, requested_by=viewer.user)
        .defer("content")
        .order_by("-created_at", "-pk")
    )


def start(viewer: Any, formats: tuple[str, ...]) -> ResearchExport | None:
    """Queue a new export, or None when one of the person's is still being prepared."""
    with transaction.atomic():
        if of_person(viewer).filter(state__in=[ExportState.QUEUED, ExportState.RUNNING]).exists():
            return None
        found = ResearchExport.objects.create(
            organization=viewer.organization, requested_by=viewer.user, formats=list(formats)
        )
        enqueue_after_commit(build_research_export, found.pk, organization_id=found.organization_id)
    return found


@job
def build_research_export(export_id: int, *, organization_id: int | None) -> str:
    """Build one research export (safe to run again: it starts over and replaces the file)."""
    found = ResearchExport.objects.select_related("organization", "requested_by").defer("content")
    row = found.filter(pk=export_id).first()
    if row is None or row.state in (ExportState.READY, ExportState.EXPIRED):
        return "already built" if row else "no such export"
    ResearchExport.objects.filter(pk=row.pk).update(
        state=ExportState.RUNNING, started_at=timezone.now(), rows_done=0, error=""
    )
    try:
        content, name, result = _zip(row)
    except Exception as error:
        ResearchExport.objects.filter(pk=row.pk).update(
            state=ExportState.FAILED, error=f"{type(error).__name__}: {error}"[:300]
        )
        raise
    _store(row, content, name, result)
    return f"{result.rows} rows, {len(content)} bytes"


def _zip(row: ResearchExport) -> tuple[bytes, str, export.ExportResult]:
    def progress(done: int, total: int) -> None:
        # Outside any transaction: the page sees each step at once.
        ResearchExport.objects.filter(pk=row.pk).update(rows_done=done, rows_total=total)

    with tempfile.TemporaryDirectory() as tmp:
        result = export.write(row.organization, Path(tmp), tuple(row.formats), progress=progress)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(result.directory.iterdir()):
                archive.write(path, f"{result.directory.name}/{path.name}")
    return buffer.getvalue(), f"{result.directory.name}.zip", result


def _store(row: ResearchExport, content: bytes, name: str, result: export.ExportResult) -> None:
    now = timezone.now()
    acting = context.ActingContext(
        request_id=context.new_request_id(),
        source="task",
        actor=row.requested_by,
        organization=row.organization,
    )
    with context.acting(acting), transaction.atomic():
        ResearchExport.objects.filter(pk=row.pk).update(
            state=ExportState.READY,
            content=content,
            size=len(content),
            file_name=name,
            rows_done=result.rows,
            rows_total=result.rows,
            finished_at=now,
            expires_at=now + dt.timedelta(hours=settings.EXPORT_KEEP_HOURS),
        )
        trail.record(
            Action.CREATE,
            object_type="api.research_export",
            object_id=str(row.pk),
            object_label=f"research export built ({result.rows} rows)",
            organization=row.organization,
            after={
                "rows": result.rows,
                "formats": list(row.formats),
                "suppressed": result.suppressed,
            },
        )


def downloadable(viewer: Any, pk: int) -> ResearchExport | None:
    """The viewer's own finished export that has not expired, with its file; else None."""
    return (
        ResearchExport.objects.filter(
            pk=pk,
            organization=viewer.organization,
            requested_by=viewer.user,
            state=ExportState.READY,
            expires_at__gt=timezone.now(),
        )
        .filter(content__isnull=False)
        .first()
    )


def record_download(row: ResearchExport) -> None:
    trail.record(
        Action.EXPORT,
        object_type="api.research_export",
        object_id=str(row.pk),
        object_label=f"research export downloaded ({row.rows_total} rows)",
        organization=row.organization,
        after={"rows": row.rows_total, "formats": list(row.formats), "file": row.file_name},
    )


def expire(now: dt.datetime | None = None) -> tuple[int, int]:
    """Remove the files of expired exports (the row stays as a record for a while), and the
    rows themselves after settings.JOB_KEEP_DAYS. Returns (files removed, rows deleted)."""
    now = now or timezone.now()
    files = ResearchExport.objects.filter(state=ExportState.READY, expires_at__lte=now).update(
        state=ExportState.EXPIRED, content=None
    )
    old = now - dt.timedelta(days=settings.JOB_KEEP_DAYS)
    deleted, _ = ResearchExport.objects.filter(created_at__lt=old).delete()
    return files, deleted
