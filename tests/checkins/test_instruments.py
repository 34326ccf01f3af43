"""Instruments as stored versions, and `alliance instruments import FILE`."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client as HttpClient

from alliance.measures.models import Instrument, current_instrument, sync_shipped
from alliance.measures.registry import shipped_definitions_dir

from .helpers import form_key, good_answers, issue


def _licensed_copy(tmp_path, key="clinic-srs-like", version="1.0.0"):
    data = json.loads((shipped_definitions_dir() / "alliance-checkin-client.json").read_text())
    data["scoring"]["key"] = key
    data["scoring"]["version"] = data["questionnaire"]["version"] = version
    path = tmp_path / f"{key}-{version}.json"
    path.write_text(json.dumps(data))
    return path, data


def test_shipped_instruments_are_loaded_once(db):
    assert Instrument.objects.filter(source="shipped").count() == 7
    assert sync_shipped() == []
    assert Instrument.objects.count() == 7


def test_import_stores_a_new_instrument(db, tmp_path, capsys):
    path, _data = _licensed_copy(tmp_path)
    call_command("instruments", "import", str(path), "--dry-run")
    assert not Instrument.objects.filter(key="clinic-srs-like").exists()
    call_command("instruments", "import", str(path))
    row = Instrument.objects.get(key="clinic-srs-like")
    assert row.source == "imported" and row.parsed().key == "clinic-srs-like"
    call_command("instruments", "import", str(path))  # again: nothing to do
    assert Instrument.objects.filter(key="clinic-srs-like").count() == 1
    call_command("instruments", "list")
    assert "clinic-srs-like" in capsys.readouterr().out


def test_malformed_file_is_reported_with_paths_and_nothing_stored(db, tmp_path):
    path, data = _licensed_copy(tmp_path)
    data["scoring"]["scales"][4]["items"].append("nope")
    data["scoring"]["timing"] = "during"
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError) as err:
        call_command("instruments", "import", str(path))
    text = str(err.value)
    assert "scoring.scales[4].items: item 'nope' is not in the questionnaire" in text
    assert "scoring.timing" in text
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("instruments", "import", str(broken))
    assert not Instrument.objects.filter(key="clinic-srs-like").exists()


def test_changed_file_needs_a_new_version(db, tmp_path):
    path, data = _licensed_copy(tmp_path)
    call_command("instruments", "import", str(path))
    data["questionnaire"]["item"][1]["text"] = "Changed wording."
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError, match="new version"):
        call_command("instruments", "import", str(path))


def test_responses_keep_the_version_they_were_answered_on(clinic, tmp_path):
    _checkin, token = issue(clinic)
    http = HttpClient()
    http.post(f"/c/{token}/", good_answers(form_key(http.get(f"/c/{token}/").content.decode())))
    first = current_instrument("alliance-checkin-client")
    data = json.loads(json.dumps(first.definition))
    data["scoring"]["version"] = data["questionnaire"]["version"] = "2.0.0"
    path = tmp_path / "v2.json"
    path.write_text(json.dumps(data))
    call_command("instruments", "import", str(path))
    assert current_instrument("alliance-checkin-client").version == "2.0.0"
    from alliance.checkins.models import Response

    assert Response.objects.get().instrument.version == "1.0.0"
