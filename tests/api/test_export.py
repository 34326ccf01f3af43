"""Research export: de-identified rows that read back from Parquet exactly as the database has
them, pseudonyms stable within and unlinkable across exports, small cells coarsened."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import polars as pl
import pytest
from django.core.management import call_command
from django.utils import timezone

from alliance.api import export, research_exports
from alliance.api.models import ExportState, ResearchExport
from alliance.audit.models import AuditEvent
from alliance.checkins.models import Response
from tests.checkins.helpers import form_key, good_answers, issue
from tests.conftest import Clinic, make_session

pytestmark = pytest.mark.django_db


def answer_sessions(clinic: Clinic, count: int = 3) -> None:
    sessions = [clinic.session] + [make_session(clinic.episode) for _ in range(count - 1)]
    for session in sessions:
        _request, token = issue(clinic, session)
        page = clinic.login("anonymous").get(f"/c/{token}/")
        clinic.login("anonymous").post(
            f"/c/{token}/", good_answers(form_key(page.content.decode()))
        )


def test_parquet_round_trip_matches_the_database(clinic: Clinic, tmp_path: Path, settings) -> None:
    settings.EXPORT_MIN_CELL = 1
    answer_sessions(clinic)
    result = export.write(clinic.org, tmp_path)
    df = pl.read_parquet(result.directory / "responses.parquet")
    stored = list(Response.objects.select_related("session__episode").order_by("pk"))
    assert df.height == len(stored) == 3
    assert df["session_number"].to_list() == [r.session.number for r in stored]
    assert df["score_alliance"].to_list() == [r.scores["scales"]["alliance"] for r in stored]
    assert df["episode_format"].to_list() == ["individual"] * 3
    assert df["days_since_episode_start"].to_list()[0] == 28
    assert df["client_pseudonym"].n_unique() == 1 and df["therapist_pseudonym"].n_unique() == 1
    text = (result.directory / "responses.csv").read_text() + str(df.to_dicts())
    for identifying in ("C-0001", "Alex", "tess", "More time for the homework"):
        assert identifying not in text
    dictionary = pl.read_csv(result.directory / "data_dictionary.csv")
    assert set(df.columns) == set(dictionary["column"].to_list())


def test_pseudonyms_differ_between_exports_unless_a_key_is_configured(
    clinic: Clinic,
    tmp_path: Path,
    settings,
) -> None:
    settings.EXPORT_MIN_CELL = 1
    answer_sessions(clinic, 1)

    def pseudonym() -> str:
        result = export.write(clinic.org, tmp_path, ("parquet",))
        return pl.read_parquet(result.directory / "responses.parquet")["client_pseudonym"][0]

    assert pseudonym() != pseudonym()
    settings.EXPORT_PSEUDONYM_KEY = "a-study-wide-key"
    assert pseudonym() == pseudonym()


def test_small_cells_are_suppressed(clinic: Clinic, tmp_path: Path, settings) -> None:
    settings.EXPORT_MIN_CELL = 5
    answer_sessions(clinic, 2)
    result = export.write(clinic.org, tmp_path, ("csv",))
    df = pl.read_csv(result.directory / "responses.csv")
    assert set(df["episode_format"].to_list()) == {"suppressed"}
    assert set(df["therapist_pseudonym"].to_list()) == {"suppressed"}
    # With every format hidden, the instrument would tell individual from conjoint episodes.
    assert set(df["instrument_key"].to_list()) == {"suppressed"}
    assert result.suppressed == {
        "episode_format": 2,
        "therapist_pseudonym": 2,
        "respondent_role": 0,
        "instrument_key": 2,
    }


def test_command_writes_files_and_shows_progress(clinic: Clinic, tmp_path: Path) -> None:
    answer_sessions(clinic, 1)
    out = io.StringIO()
    call_command("export", organization="northside", out=str(tmp_path), stdout=out)
    assert "read 1 of 1 responses" in out.getvalue()
    folder = next(tmp_path.iterdir())
    assert {p.name for p in folder.iterdir()} >= {"responses.csv", "responses.parquet"}
    assert AuditEvent.objects.filter(action="export", source="cli").exists()


def _start_and_build(http, captured, formats=("csv", "parquet")):
    """Ask on the page; the job runs once the request's transaction commits."""
    with captured(execute=True):
        response = http.post("/org/research-export/", {"formats": list(formats)})
    assert response.status_code == 302
    return ResearchExport.objects.latest("pk")


def test_researcher_starts_an_export_and_downloads_the_finished_zip(
    clinic: Clinic, django_capture_on_commit_callbacks
) -> None:
    answer_sessions(clinic, 1)
    http = clinic.login("researcher")
    assert http.get("/org/research-export/").status_code == 200
    row = _start_and_build(http, django_capture_on_commit_callbacks)
    assert row.state == ExportState.READY and row.rows_total == 1 and row.percent == 100
    page = http.get("/org/research-export/").content.decode()
    assert "Ready to download" in page and row.file_name in page
    assert "hx-trigger" not in page  # nothing left to poll for
    response = http.get(f"/org/research-export/{row.pk}/download/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "no-store"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert any(n.endswith("responses.parquet") for n in names)
    built = AuditEvent.objects.get(action="create", object_type="api.research_export")
    assert built.actor == clinic.researcher and built.source == "task"
    downloaded = AuditEvent.objects.get(action="export", object_type="api.research_export")
    assert downloaded.actor == clinic.researcher and downloaded.after["rows"] == 1


def test_only_the_person_who_asked_downloads_it_and_only_until_it_expires(
    clinic: Clinic, django_capture_on_commit_callbacks
) -> None:
    answer_sessions(clinic, 1)
    row = _start_and_build(clinic.login("researcher"), django_capture_on_commit_callbacks)
    url = f"/org/research-export/{row.pk}/download/"
    assert clinic.login("admin").get(url).status_code == 404  # same clinic, someone else's
    assert clinic.login("outsider").get(url).status_code == 404
    assert (
        "alliance-export" not in clinic.login("admin").get("/org/research-export/").content.decode()
    )
    ResearchExport.objects.filter(pk=row.pk).update(expires_at=timezone.now())
    assert clinic.login("researcher").get(url).status_code == 404
    assert research_exports.expire() == (1, 0)
    row.refresh_from_db()
    assert row.state == ExportState.EXPIRED and row.content is None
    page = clinic.login("researcher").get("/org/research-export/").content.decode()
    assert "start a new export" in page


def test_the_page_shows_progress_and_polls_while_the_worker_prepares_it(clinic: Clinic) -> None:
    http = clinic.login("researcher")
    http.post("/org/research-export/", {"formats": ["csv"]})  # no commit here: the job waits
    waiting = http.get("/org/research-export/").content.decode()
    assert "Waiting for the background worker" in waiting
    assert 'hx-trigger="every 2s"' in waiting
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in waiting
    ResearchExport.objects.update(state=ExportState.RUNNING, rows_done=4000, rows_total=10000)
    part = http.get("/org/research-export/", HTTP_HX_REQUEST="true").content.decode()
    assert part.startswith('<section id="research-exports"')  # only the list, for htmx
    assert "4000 of 10000 responses read" in part and 'value="38"' in part
    again = http.post("/org/research-export/", {"formats": ["csv"]}, follow=True)
    assert "still being prepared" in again.content.decode()
    assert ResearchExport.objects.count() == 1


def test_export_page_refuses_other_roles_and_bad_input(clinic: Clinic) -> None:
    assert clinic.login("therapist").get("/org/research-export/").status_code == 403
    assert clinic.login("supervisor").post("/org/research-export/", {}).status_code == 403
    bad = clinic.login("admin").post("/org/research-export/", {"formats": ["xls\x00"]})
    assert bad.status_code == 400
    assert b'class="error"' in bad.content


def test_outsider_export_holds_none_of_our_data(
    clinic: Clinic, django_capture_on_commit_callbacks
) -> None:
    answer_sessions(clinic, 1)
    http = clinic.login("outsider")
    row = _start_and_build(http, django_capture_on_commit_callbacks, formats=("csv",))
    assert row.organization == clinic.other_org
    response = http.get(f"/org/research-export/{row.pk}/download/")
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    csv_name = next(n for n in archive.namelist() if n.endswith("responses.csv"))
    assert archive.read(csv_name).decode().strip().count("\n") == 0  # header only
