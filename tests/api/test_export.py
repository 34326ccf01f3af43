"""Research export: de-identified rows that read back from Parquet exactly as the database has
them, pseudonyms stable within and unlinkable across exports, small cells coarsened."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import polars as pl
import pytest
from django.core.management import call_command

from alliance.api import export
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


def test_parquet_round_trip_matches_the_database(clinic: Clinic, tmp_path: Path, settings) -> None:  # noqa: ANN001
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
    settings,  # noqa: ANN001
) -> None:
    settings.EXPORT_MIN_CELL = 1
    answer_sessions(clinic, 1)

    def pseudonym() -> str:
        result = export.write(clinic.org, tmp_path, ("parquet",))
        return pl.read_parquet(result.directory / "responses.parquet")["client_pseudonym"][0]

    assert pseudonym() != pseudonym()
    settings.EXPORT_PSEUDONYM_KEY = "a-study-wide-key"
    assert pseudonym() == pseudonym()


def test_small_cells_are_suppressed(clinic: Clinic, tmp_path: Path, settings) -> None:  # noqa: ANN001
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


def test_researcher_downloads_a_zip_from_the_page(clinic: Clinic) -> None:
    answer_sessions(clinic, 1)
    http = clinic.login("researcher")
    assert http.get("/org/research-export/").status_code == 200
    response = http.post("/org/research-export/", {"formats": ["csv", "parquet"]})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert any(n.endswith("responses.parquet") for n in names)
    assert AuditEvent.objects.filter(action="export", actor=clinic.researcher).exists()


def test_export_page_refuses_other_roles_and_bad_input(clinic: Clinic) -> None:
    assert clinic.login("therapist").get("/org/research-export/").status_code == 403
    assert clinic.login("supervisor").post("/org/research-export/", {}).status_code == 403
    bad = clinic.login("admin").post("/org/research-export/", {"formats": ["xls\x00"]})
    assert bad.status_code == 400
    assert b'class="error"' in bad.content


def test_outsider_export_holds_none_of_our_data(clinic: Clinic) -> None:
    answer_sessions(clinic, 1)
    response = clinic.login("outsider").post("/org/research-export/", {"formats": ["csv"]})
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    csv_name = next(n for n in archive.namelist() if n.endswith("responses.csv"))
    assert archive.read(csv_name).decode().strip().count("\n") == 0  # header only
