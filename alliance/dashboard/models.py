"""When each person last opened each clinical page, for "new since your last visit"."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone


class PageVisit(models.Model):
    """One row per (person, page, object): the moment they last opened it.

    Only the latest moment is kept; the audit trail holds the full record of who viewed what.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    page = models.CharField(max_length=40)  # "caseload", "episode", "supervision"
    object_id = models.PositiveBigIntegerField(default=0)  # the episode's id; 0 for list pages
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "page", "object_id"], name="one_visit_per_page")
        ]

    def __str__(self) -> str:
        return f"{self.page} {self.object_id} at {self.at:%Y-%m-%d %H:%M}"

    @classmethod
    def previous(cls, user: object, page: str, object_id: int = 0) -> dt.datetime | None:
        """The person's last visit to this page, without recording one (a redrawn part of the
        page is not a new visit)."""
        return (
            cls.objects.filter(user=user, page=page, object_id=object_id)
            .values_list("at", flat=True)
            .first()
        )

    @classmethod
    def previous_and_record(cls, user: object, page: str, object_id: int = 0) -> dt.datetime | None:
        """The person's previous visit to this page (None on a first visit); now is recorded."""
        now = timezone.now()
        previous = cls.previous(user, page, object_id)
        # One upsert, first visit or not: the page's query count stays the same.
        cls.objects.bulk_create(
            [cls(user=user, page=page, object_id=object_id, at=now)],
            update_conflicts=True,
            unique_fields=["user", "page", "object_id"],
            update_fields=["at"],
        )
        return previous
