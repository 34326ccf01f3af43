"""FHIR output validates against the R4B models in fhir.resources (closest to R4)."""

from __future__ import annotations

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from alliance.measures.fhir import questionnaire, questionnaire_response
from alliance.measures.registry import load_shipped
from alliance.measures.scoring import Instrument, InvalidAnswers

SHIPPED = load_shipped()


def full_answers(instrument: Instrument) -> dict[str, int | str | None]:
    answers: dict[str, int | str | None] = {}
    for item in instrument.items:
        answers[item.link_id] = (
            "try a bit more structure" if item.answer_type == "text" else (item.max)
        )
    return answers


def respond(instrument: Instrument, answers: dict[str, int | str | None], **kw: str) -> dict:  # type: ignore[type-arg]
    return questionnaire_response(
        instrument,
        answers,
        response_id="r1",
        subject_reference="Patient/c-17",
        authored_iso="2025-03-04T10:15:00+00:00",
        **kw,
    )


@pytest.mark.parametrize("key", sorted(SHIPPED))
def test_every_shipped_questionnaire_is_valid_fhir(key: str) -> None:
    resource = Questionnaire.model_validate(questionnaire(SHIPPED[key]))
    assert resource.url and resource.version and resource.name and resource.title


@pytest.mark.parametrize("key", sorted(SHIPPED))
def test_every_shipped_response_is_valid_fhir(key: str) -> None:
    instrument = SHIPPED[key]
    data = respond(instrument, full_answers(instrument), author_reference="Practitioner/t-1")
    resource = QuestionnaireResponse.model_validate(data)
    assert resource.status == "completed"
    assert data["questionnaire"] == f"{instrument.url}|{instrument.version}"
    assert [i["linkId"] for i in data["item"]] == [i.link_id for i in instrument.items]


def test_phq9_answers_are_loinc_codings() -> None:
    data = respond(SHIPPED["phq-9"], {"phq9-1": 0, "phq9-9": "3", "phq9-10": 1})
    by_id = {i["linkId"]: i["answer"][0] for i in data["item"]}
    assert by_id["phq9-1"] == {
        "valueCoding": {"system": "http://loinc.org", "code": "LA6568-5", "display": "Not at all"}
    }
    assert by_id["phq9-9"]["valueCoding"]["code"] == "LA6571-9"
    assert by_id["phq9-10"]["valueCoding"]["display"] == "Somewhat difficult"
    assert set(by_id) == {"phq9-1", "phq9-9", "phq9-10"}  # unanswered ones are left out


def test_checkin_answers_are_integers_and_text() -> None:
    data = respond(
        SHIPPED["alliance-checkin-client"],
        {"bond": "8", "change": "more time"},
        status="in-progress",
    )
    by_id = {i["linkId"]: i["answer"][0] for i in data["item"]}
    assert by_id == {"bond": {"valueInteger": 8}, "change": {"valueString": "more time"}}
    assert data["status"] == "in-progress" and "author" not in data
    QuestionnaireResponse.model_validate(data)


def test_empty_response_has_no_items_and_is_still_valid() -> None:
    data = respond(SHIPPED["gad-7"], {}, status="stopped")
    assert "item" not in data
    QuestionnaireResponse.model_validate(data)


def test_bad_answer_or_status_is_refused() -> None:
    with pytest.raises(InvalidAnswers):
        respond(SHIPPED["gad-7"], {"gad7-1": 4})
    with pytest.raises(ValueError, match="status"):
        respond(SHIPPED["gad-7"], {}, status="done")


def test_questionnaire_is_a_copy() -> None:
    q = questionnaire(SHIPPED["phq-9"])
    q["title"] = "changed"
    assert questionnaire(SHIPPED["phq-9"])["title"] != "changed"
