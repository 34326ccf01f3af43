"""The caseload's stored alliance trend stays complete when check-ins arrive together."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from alliance.care.models import Client, EpisodeFormat
from alliance.checkins import services
from alliance.insights import trends
from alliance.insights.models import AllianceTrend
from alliance.measures.models import current_instrument
from tests.conftest import Clinic, make_episode, make_session


def _answer(session, participant, value: int) -> None:
    services.save_response(
        session=session,
        participant=participant,
        instrument=current_instrument(services.CONJOINT_FORM),
        answers={k: str(value) for k in ("bond", "goals", "tasks", "overall")},
        idempotency_key=f"{participant.pk}",
        channel="link",
    )


def _refresh_in_thread(name: str, episode_id: int) -> threading.Thread:
    def run() -> None:
        try:
            trends.refresh([episode_id])
        finally:
            connection.close()

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_two_refreshes_at_once_keep_both_partners_answers(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Partner A's refresh has computed (without B's answer) but not yet written when B's
    answer arrives and B's refresh runs: the row must still end up with both answers."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks; SQLite serialises writers, so no real race")
    partner = Client.objects.create(organization=clinic.org, code="P-1", display_name="Pat")
    couple = make_episode(
        clinic.org, clinic.therapist, [clinic.client, partner], EpisodeFormat.COUPLE
    )
    session = make_session(couple)
    first, second = couple.participants.filter(client__isnull=False).order_by("pk")
    _answer(session, first, 8)

    computed, write = threading.Event(), threading.Event()
    real_compute = trends.compute

    def compute_then_pause(ids):
        result = real_compute(ids)
        if threading.current_thread().name == "first":
            computed.set()
            write.wait(timeout=10)
        return result

    monkeypatch.setattr(trends, "compute", compute_then_pause)
    early = _refresh_in_thread("first", couple.pk)
    assert computed.wait(timeout=10)
    _answer(session, second, 4)
    late = _refresh_in_thread("second", couple.pk)
    late.join(timeout=1)
    write.set()
    early.join(timeout=10)
    late.join(timeout=10)
    assert AllianceTrend.objects.get(episode=couple).points == [[session.number, 6.0]]
