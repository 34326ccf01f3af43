"""What the worker keeps of its own: which scheduled slots have been started, and which effects
of a job (an email, a delivery) have been carried out, so running a job twice does them once."""

from __future__ import annotations

from django.db import models


class ScheduledRun(models.Model):
    """One slot of one periodic function, written by the first worker that starts it. The unique
    pair is the whole coordination between workers: a second worker's insert fails and it moves
    on, on SQLite and PostgreSQL alike, with no lock held while the work runs."""

    name = models.CharField(max_length=200)
    slot_start = models.DateTimeField()
    started_at = models.DateTimeField(auto_now_add=True)
    worker_id = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "slot_start"], name="scheduled_slot_once")
        ]
        indexes = [models.Index(fields=["started_at"])]

    def __str__(self) -> str:
        return f"{self.name} @ {self.slot_start:%Y-%m-%d %H:%M:%S}"


class Effect(models.Model):
    """An outside effect of a job (an email sent, a webhook posted), claimed before it is done
    and marked done after. A second run of the job finds it done and does nothing."""

    key = models.CharField(max_length=200, unique=True)
    claimed_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["claimed_at"])]

    def __str__(self) -> str:
        return self.key
