"""Uploading a transcript, mapping speakers, the analysis page, privacy and access."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from alliance.audit.models import AuditEvent
from alliance.language.models import LanguageSettings, SessionTranscript
from alliance.rights import erasure
from tests.conftest import Clinic

SAMPLE = Path(__file__).parents[2] / "alliance/language/samples/synthetic-session.vtt"
# Words from the sample that appear nowhere else: if they are in the database, text was kept.
MARKERS = ("daughter's wedding", "Saturdays are just normal", "Sky Sample", "Dr Rowan Example")


def _upload(http: Any, clinic: Clinic, content: bytes | None = None, name: str = "s.vtt") -> Any:
    data = SimpleUploadedFile(name, content if content is not None else SAMPLE.read_bytes())
    return http.post(f"/sessions/{clinic.session.pk}/transcript/upload/", {"file": data})


def _payload(response: Any) -> str:
    match = re.search(r'name="payload" value="([^"]+)"', response.content.decode())
    assert match, "the mapping form carries the parsed turns"
    return match.group(1)


def _map(http: Any, clinic: Clinic, payload: str, therapist: str = "0") -> Any:
    return http.post(
        f"/sessions/{clinic.session.pk}/transcript/upload/",
        {
            "payload": payload,
            "role_0": "therapist" if therapist == "0" else "client",
            "role_1": "client" if therapist == "0" else "therapist",
        },
    )


def _database_text() -> str:
    """Every row of every table as text: where a leaked sentence would show."""
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            parts.append(repr(cursor.fetchall()))
    return "\n".join(parts)


def test_upload_map_and_see_labels_summary_and_moves_with_the_text_discarded(
    clinic: Clinic,
) -> None:
    http = clinic.login("therapist")
    step1 = _upload(http, clinic)
    assert step1.status_code == 200
    assert "Dr Rowan Example" in step1.content.decode()
    result = _map(http, clinic, _payload(step1))
    page = result.content.decode()
    assert result.status_code == 200
    assert "Complex reflection" in page and "Open question" in page
    assert 'data-move="agenda_check"' in page and "Possible withdrawal" in page
    assert "daughter&#x27;s wedding" in page  # shown once, right after the upload
    transcript = SessionTranscript.objects.get(session=clinic.session)
    assert transcript.encrypted_text is None
    assert transcript.summary["turns"] == {"therapist": 9, "client": 9}
    assert transcript.summary["moves"]["feedback_request"] == 1
    assert len(transcript.labels) == 18
    stored = _database_text()
    assert not [m for m in MARKERS if m in stored]
    later = http.get(f"/sessions/{clinic.session.pk}/transcript/").content.decode()
    assert "daughter" not in later and "Complex reflection" in later


def test_kept_text_is_encrypted_and_every_view_is_audited(clinic: Clinic, settings: Any) -> None:
    settings.TRANSCRIPT_KEYS = [Fernet.generate_key().decode()]
    LanguageSettings.objects.create(organization=clinic.org, keep_text=True)
    http = clinic.login("therapist")
    _map(http, clinic, _payload(_upload(http, clinic)))
    transcript = SessionTranscript.objects.get(session=clinic.session)
    assert transcript.keeps_text
    assert not [m for m in MARKERS if m in _database_text()]
    before = AuditEvent.objects.filter(object_type="language.SessionTranscript", action="view")
    count = before.count()
    page = http.get(f"/sessions/{clinic.session.pk}/transcript/").content.decode()
    assert "daughter&#x27;s wedding" in page
    assert before.count() == count + 1
    settings.TRANSCRIPT_KEYS = [Fernet.generate_key().decode()]  # the key was lost
    page = http.get(f"/sessions/{clinic.session.pk}/transcript/").content.decode()
    assert "daughter" not in page and "Complex reflection" in page


def test_an_organization_cannot_choose_to_keep_text_without_a_key(clinic: Clinic) -> None:
    http = clinic.login("admin")
    response = http.post("/org/transcripts/", {"keep_text": "on", "rules_language": "en"})
    assert response.status_code == 400
    assert "no transcript key" in response.content.decode()
    assert not LanguageSettings.objects.filter(organization=clinic.org, keep_text=True).exists()


def test_supervisor_sees_it_only_once_shared_and_colleague_never(clinic: Clinic) -> None:
    http = clinic.login("therapist")
    _map(http, clinic, _payload(_upload(http, clinic)))
    url = f"/sessions/{clinic.session.pk}/transcript/"
    assert clinic.login("supervisor").get(url).status_code == 404
    http.post(f"{url}share/", {"share": "1"})
    assert clinic.login("supervisor").get(url).status_code == 200
    assert clinic.login("colleague").get(url).status_code == 404
    assert clinic.login("admin").get(url).status_code == 404
    episode_page = clinic.login("supervisor").get(f"/episodes/{clinic.episode.pk}/language/")
    assert episode_page.status_code == 200 and "ρ = .15" in episode_page.content.decode()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("s.pdf", b"%PDF", "Upload a .vtt, .srt, .txt or .docx file"),
        ("s.txt", b"no speakers here at all", "No speaker turns"),
    ],
)
def test_a_bad_file_gets_a_message_and_nothing_is_stored(
    clinic: Clinic, name: str, content: bytes, message: str
) -> None:
    response = _upload(clinic.login("therapist"), clinic, content, name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SessionTranscript.objects.exists()


def test_a_changed_or_foreign_payload_is_refused(clinic: Clinic) -> None:
    http = clinic.login("therapist")
    payload = _payload(_upload(http, clinic))
    response = _map(http, clinic, payload[:-3] + "abc")
    assert response.status_code == 400 and "upload the file again" in response.content.decode()
    response = http.post(
        f"/sessions/{clinic.session.pk}/transcript/upload/",
        {"payload": payload, "role_0": "client", "role_1": "client"},
    )
    assert response.status_code == 400 and "at least one speaker" in response.content.decode()
    assert not SessionTranscript.objects.exists()


def test_erasing_the_client_erases_the_analysis(clinic: Clinic) -> None:
    http = clinic.login("therapist")
    _map(http, clinic, _payload(_upload(http, clinic)))
    result = erasure.erase(clinic.client)
    assert result.counts["session transcript analyses"] == 1
    assert not SessionTranscript.objects.exists()


def test_the_session_page_offers_upload_to_its_therapist_only(clinic: Clinic) -> None:
    url = f"/sessions/{clinic.session.pk}/"
    assert "Add a transcript" in clinic.login("therapist").get(url).content.decode()
    assert "Add a transcript" not in clinic.login("supervisor").get(url).content.decode()


def test_practice_period_compares_language_and_ratings_before_and_during(clinic: Clinic) -> None:
    import datetime as dt

    from django.utils import timezone

    from alliance.growth.models import PracticePeriod
    from tests.conftest import make_session

    today = timezone.localdate()
    period = PracticePeriod.objects.create(
        organization=clinic.org,
        therapist=clinic.therapist,
        skill="Asking for feedback",
        starts_on=today - dt.timedelta(days=9),
        ends_on=today,
    )
    earlier = make_session(clinic.episode, starts_at=timezone.now() - dt.timedelta(days=15))
    for session, rq in ((earlier, 0.5), (clinic.session, 1.5)):
        SessionTranscript.objects.create(
            session=session,
            file_format="txt",
            model_version="t",
            summary={"reflection_question_ratio": rq, "moves": {"agenda_check": 1}},
        )
    page = clinic.login("therapist").get(f"/practice/{period.pk}/language/")
    text = page.content.decode()
    assert page.status_code == 200 and "ρ = .15" in text
    rows = re.findall(r'<tr data-period="\d">(.*?)</tr>', text, re.S)
    assert ">1<" in rows[0] and "0.50" in rows[0]
    assert ">1<" in rows[1] and "1.50" in rows[1]
    assert clinic.login("colleague").get(f"/practice/{period.pk}/language/").status_code == 404


def test_the_clients_export_holds_the_counts_but_no_words(clinic: Clinic) -> None:
    from alliance.rights import export

    http = clinic.login("therapist")
    _map(http, clinic, _payload(_upload(http, clinic)))
    result = export.build(clinic.client)
    table = next(t for t in result.tables if t.name == "session_language")
    assert len(table.rows) == 1
    assert table.rows[0][table.columns.index("reflection_question_ratio")] == 0.8
    assert not [t.name for t in result.tables if "wedding" in export.csv_text(t)]


def test_keep_without_a_key_discards_the_text_and_says_so(clinic: Clinic, settings: Any) -> None:
    LanguageSettings.objects.create(organization=clinic.org, keep_text=True)
    settings.TRANSCRIPT_KEYS = []  # the key was removed after the choice
    http = clinic.login("therapist")
    page = _map(http, clinic, _payload(_upload(http, clinic))).content.decode()
    assert "no transcript key, so it was not kept" in page
    assert SessionTranscript.objects.get().encrypted_text is None
    assert not [m for m in MARKERS if m in _database_text()]


def test_a_malformed_key_stops_the_server_at_start() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", "import alliance.settings"],
        env={**__import__("os").environ, "ALLIANCE_TRANSCRIPT_KEYS": "not-a-key"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert (
        result.returncode != 0 and "ALLIANCE_TRANSCRIPT_KEYS must hold Fernet keys" in result.stderr
    )
