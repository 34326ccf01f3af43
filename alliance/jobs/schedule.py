"""Work the worker does on a clock of its own (reminders, link expiry, digests, escalation).

An app registers a module-level function that takes no arguments in its `jobs.py`:

    @periodic(every=dt.timedelta(minutes=5))
    def send_due_reminders() -> None:
        "Wellbeing reminders that are due"   # the first docstring line names it on the Jobs page

The worker runs each registered function once per period across all workers (clock.py), so a
clinic needs no cron lines. A periodic function must be safe to run twice and must find its own
work (what is due now), because a slot that was missed while no worker ran is run once, late.
Work that belongs to one organization is best queued from here as its own `@job` carrying that
organization, so its failures show on that organization's Jobs page.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps


@dataclass(frozen=True)
class Periodic:
    name: str
    every: dt.timedelta
    func: Callable[[], object]

    @property
    def label(self) -> str:
        doc = (self.func.__doc__ or "").strip()
        return doc.splitlines()[0].rstrip(".") if doc else self.name.rsplit(".", 1)[-1]


PERIODIC: dict[str, Periodic] = {}


def periodic(*, every: dt.timedelta) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Register `func` to run every `every`, under its dotted name."""
    if every <= dt.timedelta(0):
        raise ValueError("a periodic function needs a positive period")

    def register(func: Callable[[], object]) -> Callable[[], object]:
        name = f"{func.__module__}.{func.__qualname__}"
        PERIODIC[name] = Periodic(name=name, every=every, func=func)
        return func

    return register


def autodiscover() -> dict[str, Periodic]:
    """Import every Alliance app's `jobs` module, so its periodic work is registered."""
    for config in apps.get_app_configs():
        if not config.name.startswith("alliance."):
            continue
        try:
            importlib.import_module(f"{config.name}.jobs")
        except ModuleNotFoundError as missing:
            if missing.name != f"{config.name}.jobs":
                raise
    return PERIODIC
