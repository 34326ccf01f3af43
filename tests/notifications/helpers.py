from __future__ import annotations

import itertools
from typing import Any

from alliance.checkins import services
from alliance.measures.models import current_instrument
from tests.conftest import Clinic

_keys = itertools.count()


def phq9(clinic: Clinic, item9: int, session: Any = None, **kw: Any) -> Any:
    """The clinic's client answers the PHQ-9 (every item 1, item 9 as given), committed."""
    answers = {f"phq9-{i}": "1" for i in range(1, 9)} | {"phq9-9": str(item9)}
    participant = clinic.episode.participants.get(client=clinic.client)
    response, _created = services.save_response(
        session=session or clinic.session,
        participant=participant,
        instrument=current_instrument("phq-9"),
        answers=answers,
        idempotency_key=f"n{next(_keys)}",
        channel="link",
        **kw,
    )
    return response


def body_of(message: Any) -> str:
    payload = message.get_payload(decode=True)
    return payload.decode() if isinstance(payload, bytes) else str(message.get_payload())
