"""Doing an outside effect of a job once, however often the job runs.

A job can run twice: a worker is killed after claiming it and the job is queued again
(runner.recover_stale), or an admin retries it. Whatever leaves the building (an email, a
webhook) is therefore claimed here before it is done and marked done after, in the same
transaction as the job's own record of it:

    if not effects.claim(key):
        return "already sent"
    try:
        send()
    except Exception:
        effects.release(key)
        raise
    with transaction.atomic():
        effects.done(key)
        ...record it...

No lock is held while the effect happens (an SMTP exchange can take seconds, and on SQLite a
held write lock would stop every page). A claim older than settings.JOB_STALE_SECONDS belonged to
a worker that died before it could finish or release it, and is taken over. The one case this
cannot cover is a worker killed after the mail server accepted the message and before `done`
committed: the message then goes out twice, which is the nature of SMTP and HTTP (webhook
receivers get a stable delivery id to drop the copy).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Effect


class EffectBusy(Exception):
    """Another worker is carrying out this effect right now; the job is retried later and then
    finds it done (or, if that worker died, takes it over)."""


def stale_after() -> dt.timedelta:
    return dt.timedelta(seconds=settings.JOB_STALE_SECONDS)


def claim(key: str) -> bool:
    """True when the caller should carry out the effect now; False when it was done already.
    Raises EffectBusy while another live worker holds it."""
    now = timezone.now()
    with transaction.atomic():
        effect = Effect.objects.select_for_update().filter(key=key).first()
        if effect is None:
            try:
                with transaction.atomic():
                    Effect.objects.create(key=key, claimed_at=now)
            except IntegrityError:
                raise EffectBusy(key) from None
            return True
        if effect.done_at is not None:
            return False
        if effect.claimed_at > now - stale_after():
            raise EffectBusy(key)
        effect.claimed_at = now  # its worker died with it; take it over
        effect.save(update_fields=["claimed_at"])
        return True


def done(key: str) -> None:
    """Mark the effect carried out; call in the transaction that records it."""
    Effect.objects.filter(key=key).update(done_at=timezone.now())


def release(key: str) -> None:
    """The effect failed before anything left (the server refused, the network was down): let
    the next attempt go ahead at once instead of waiting for the claim to go stale."""
    Effect.objects.filter(key=key, done_at__isnull=True).delete()


def is_done(key: str) -> bool:
    return Effect.objects.filter(key=key, done_at__isnull=False).exists()
