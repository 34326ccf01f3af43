"""Questionnaires published by others (tests/measures/questionnaires/README.md): each is
imported bare with `alliance instruments import`, shown on the client's form, answered and
scored; the ones Alliance cannot take are refused with one clear sentence."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client as HttpClient

from alliance.checkins.models import Response
from alliance.measures.models import Instrument

from .helpers import form_key, issue

FILES = Path(__file__).resolve().parent.parent / "measures" / "questionnaires"

PHQ9 = [f"H1/T1/Q{i}" for i in range(1, 10)]
GAD7 = [
    "2bab9480-5251-4997-8a2e-937a1701cfe9",
    "d8c78a49-c02c-4986-800c-b076a5bb3553",
    "9756848f-1360-4e72-8884-a3bdc08799ed",
    "4158b3d6-c218-42f4-8e83-42932e590100",
    "1c05b1f1-763d-44cc-bb72-0a833b581aba",
    "2f0858ee-23d0-4cd0-86f7-a63609b62f6a",
    "8c6a877a-3867-4b36-c097-2b342649cadb",
]
LHC_CODES = "44250-9 44255-8 44259-0 44254-1 44251-7 44258-2 44252-5 44253-3 44260-8"
LHC_PHQ9 = [f"/{code}" for code in LHC_CODES.split()]
APGAR = ["32406-1", "32407-9", "32409-5", "32408-7", "32410-3"]
ICE = "f0f95365-96d2-4892-9ccf-2e2c0c74a87c"  # boolean that switches the group on
FLAVOUR, LAST_HAD = "59e7a3f7-4108-47a7-8fae-0fb892574a63", "7d7695e1-741b-4a4b-b479-a9908f86cf55"

# file, extra import options, key, the answers posted, what is shown on the form, total
CASES = [
    (
        "hl7-sdc-phq9.json",
        [],
        "questionnaire-sdc-profile-example-phq9",
        {**dict.fromkeys(PHQ9[:8], "1"), PHQ9[8]: "2"},
        [
            "Over the last two weeks, how often have you been bothered",  # the group's stem
            "Little interest or pleasure in doing things?",
            "Nearly every day",
        ],
        10.0,
    ),
    (
        "lhcforms-phq9.json",
        [],
        "phq-9-quick-depression-assessment-panel",
        {**dict.fromkeys(LHC_PHQ9, "2"), "/69722-7": "2"},
        ["Little interest or pleasure in doing things?", "Somewhat difficult"],
        18.0,
    ),
    (
        "researchkitonfhir-gad7.json",
        [],
        "generalized-anxiety-disorder-7",
        dict(zip(GAD7, ["3", "2", "2", "1", "0", "3", "1"], strict=True)),
        [
            "How often have you been bothered by the following over the past 2 weeks?",
            "Feeling nervous, anxious, or on edge",
            "More than half the days",
        ],
        12.0,
    ),
    (
        "lhcforms-apgar-itemweight.json",
        [],
        "1-minute-apgar-score",
        dict(zip(APGAR, ["2", "2", "1", "2", "1"], strict=True)),
        ["1-Min-Apgar Hautfarbe", "Guter, kräftiger Schrei"],
        8.0,
    ),
    (
        "researchkitonfhir-skip-logic.json",
        ["--unscored"],
        "cardinalkit-skip-logic-example",
        {ICE: "1", FLAVOUR: "2", LAST_HAD: "2026-11-01"},
        ["Do you like ice cream?", "Vanilla", 'type="date"'],
        None,
    ),
]


def _post(http: HttpClient, token: str, answers: dict[str, str]) -> str:
    html = http.get(f"/c/{token}/").content.decode()
    data = {"idempotency_key": form_key(html), **{f"q1-{k}": v for k, v in answers.items()}}
    # Questions left out on purpose: the client has been asked once and sends anyway.
    data["send_with_gaps"] = "1"
    return http.post(f"/c/{token}/", data, follow=True).content.decode()


@pytest.mark.parametrize(("name", "options", "key", "answers", "shown", "total"), CASES)
def test_published_questionnaire_imports_renders_and_scores(
    clinic, name, options, key, answers, shown, total
):
    call_command("instruments", "import", str(FILES / name), *options)
    row = Instrument.objects.get(key=key)
    _checkin, token = issue(clinic, only=(key,))
    http = HttpClient()
    page = http.get(f"/c/{token}/").content.decode()
    for text in shown:
        assert text in page
    _post(http, token, answers)
    stored = Response.objects.get(instrument=row)
    if total is None:
        assert stored.scores["scales"] == {}
    else:
        assert stored.scores["scales"]["total"] == total
        assert stored.scores["complete"] is True


def test_phq9_item_9_from_a_published_file_raises_the_risk_flag(clinic):
    call_command("instruments", "import", str(FILES / "hl7-sdc-phq9.json"))
    _checkin, token = issue(clinic, only=("questionnaire-sdc-profile-example-phq9",))
    _post(HttpClient(), token, {**dict.fromkeys(PHQ9[:8], "0"), PHQ9[8]: "1"})
    stored = Response.objects.get(instrument__key="questionnaire-sdc-profile-example-phq9")
    assert [r["linkId"] for r in stored.risk] == ["H1/T1/Q9"]


def test_lhc_phq9_item_9_is_the_risk_item(clinic):
    call_command("instruments", "import", str(FILES / "lhcforms-phq9.json"))
    key = "phq-9-quick-depression-assessment-panel"
    _checkin, token = issue(clinic, only=(key,))
    _post(HttpClient(), token, {**dict.fromkeys(LHC_PHQ9[:8], "0"), LHC_PHQ9[8]: "3"})
    stored = Response.objects.get(instrument__key=key)
    assert [r["linkId"] for r in stored.risk] == ["/44260-8"]
    assert stored.scores["scales"]["total"] == 3.0


def test_enable_when_false_means_not_required_and_not_kept(clinic):
    path = str(FILES / "researchkitonfhir-skip-logic.json")
    call_command("instruments", "import", path, "--unscored")
    key = "cardinalkit-skip-logic-example"
    _checkin, token = issue(clinic, only=(key,))
    # "No" switches the group off: its answers are neither required nor stored.
    _post(HttpClient(), token, {ICE: "0", FLAVOUR: "3"})
    stored = Response.objects.get(instrument__key=key)
    assert stored.answers == {ICE: 0}
    assert stored.scores["complete"] is True


def test_dry_run_shows_the_inferred_scoring(db, capsys):
    call_command("instruments", "import", str(FILES / "hl7-sdc-phq9.json"), "--dry-run")
    out = capsys.readouterr().out
    assert '"label": "Patient health questionnaire 9 item total score"' in out
    assert '"max": 27' in out and '"code": "44261-6"' in out
    assert '"linkId": "H1/T1/Q9"' in out  # the risk item
    assert "Dry run: nothing stored." in out
    assert not Instrument.objects.filter(key="questionnaire-sdc-profile-example-phq9").exists()


def test_file_without_scores_is_refused_in_one_sentence(db):
    with pytest.raises(CommandError) as err:
        call_command("instruments", "import", str(FILES / "researchkitonfhir-skip-logic.json"))
    assert "gives no score for any answer" in str(err.value)
    assert "--unscored" in str(err.value)


def test_external_value_set_is_refused_clearly(db):
    with pytest.raises(CommandError) as err:
        call_command("instruments", "import", str(FILES / "hl7-sdc-repeatable-nested-groups.json"))
    assert "is not a ValueSet contained in this file" in str(err.value)


def test_questionnaire_without_a_name_needs_a_key_and_must_be_valid_fhir(db):
    path = str(FILES / "lhcforms-contained-valueset-itemweight.json")
    with pytest.raises(CommandError, match="give one with --key"):
        call_command("instruments", "import", path)
    # Its weights are read, but the file is not valid R4 (status and the expansion's
    # timestamp are required), so it is refused with both problems named.
    with pytest.raises(CommandError) as err:
        call_command("instruments", "import", path, "--key", "lhc-weights")
    assert "questionnaire.status: is required" in str(err.value)
    assert "expansion.timestamp" in str(err.value)
