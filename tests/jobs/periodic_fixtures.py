"""Periodic functions for the schedule tests, registered only while a test uses them."""

from __future__ import annotations

import datetime as dt

from alliance.jobs import schedule

calls: list[str] = []


def every_five_minutes() -> str:
    """Counting test runs"""
    calls.append("five")
    return "counted"


def register() -> None:
    schedule.periodic(every=dt.timedelta(minutes=5))(every_five_minutes)


def unregister() -> None:
    schedule.PERIODIC.pop(f"{__name__}.every_five_minutes", None)
