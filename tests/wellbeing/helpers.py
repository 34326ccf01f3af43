from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from alliance.wellbeing import scoring, services
from alliance.wellbeing.models import JournalEntry, SelfCheck

SECRET = "I dread Thursdays with Alex, and I notice I want to rescue him"


def answers(*values: int) -> dict[str, int]:
    return dict(zip(scoring.ITEM_KEYS, values, strict=True))


def form_data(*values: int, key: str = "") -> dict[str, str]:
    data = {k: str(v) for k, v in answers(*values).items()}
    data["action"] = "check"
    if key:
        data["form_key"] = key
    return data


def check(person: Any, *values: int, days_ago: int = 0) -> SelfCheck:
    made = services.record_check(person, answers(*values))
    made.checked_at = timezone.now() - dt.timedelta(days=days_ago)
    made.save(update_fields=["checked_at"])
    return made


def entry(author: Any, text: str = SECRET, **fields: Any) -> JournalEntry:
    return services.add_entry(author, text=text, topic="hard_client", **fields)
