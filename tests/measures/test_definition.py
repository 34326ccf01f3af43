"""Definition files: shipped ones load; malformed ones fail with a message naming the path."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from alliance.measures.definition import (
    InstrumentDefinitionError,
    load_definition,
    loads_definition,
    parse_definition,
)
from alliance.measures.registry import load_shipped, shipped_definitions_dir

DIR = shipped_definitions_dir()


def raw(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DIR / f"{name}.json").read_text(encoding="utf-8"))
    return data


def messages(data: Any) -> list[str]:
    with pytest.raises(InstrumentDefinitionError) as exc:
        parse_definition(data)
    return exc.value.messages


def test_all_seven_instruments_ship() -> None:
    assert sorted(load_shipped()) == [
        "alliance-checkin-client",
        "alliance-checkin-conjoint",
        "alliance-checkin-interpreter",
        "alliance-checkin-therapist",
        "alliance-pulse",
        "gad-7",
        "phq-9",
    ]


def test_client_checkin_shape() -> None:
    inst = load_shipped()["alliance-checkin-client"]
    assert [i.link_id for i in inst.items] == ["bond", "goals", "tasks", "overall", "change"]
    assert (inst.kind, inst.timing, inst.respondent, inst.validated) == (
        "alliance",
        "after",
        ("client",),
        False,
    )
    bond = inst.item("bond")
    assert (bond.answer_type, bond.min, bond.max) == ("integer", 0, 10)
    assert bond.low_label and bond.high_label
    assert "not a place for therapy" in inst.item("change").hint
    alliance = inst.scale("alliance")
    assert alliance.items == ("bond", "goals", "tasks", "overall")
    assert (alliance.method, alliance.max_missing) == ("mean", 1)
    assert alliance.cutoff is not None and alliance.cutoff.value == 7 and alliance.cutoff.check
    assert "not a validated instrument" in inst.notice


def test_therapist_conjoint_and_interpreter_forms() -> None:
    shipped = load_shipped()
    therapist = shipped["alliance-checkin-therapist"]
    assert therapist.respondent == ("therapist",)
    assert [s.key for s in therapist.scales] == ["bond", "goals", "tasks", "overall", "alliance"]
    conjoint = shipped["alliance-checkin-conjoint"]
    assert "together" in [s.key for s in conjoint.scales]
    assert conjoint.scale("alliance").items == ("bond", "goals", "tasks", "overall")
    interpreter = shipped["alliance-checkin-interpreter"]
    assert interpreter.respondent == ("interpreter",)
    assert interpreter.scale("alliance").items == ("understood", "bond", "flow", "overall")


def test_phq9_wording_codes_and_rules() -> None:
    phq = load_shipped()["phq-9"]
    assert phq.intro == (
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    )
    assert phq.item("phq9-1").text == "Little interest or pleasure in doing things"
    assert phq.item("phq9-9").text == (
        "Thoughts that you would be better off dead or of hurting yourself in some way"
    )
    labels = [o.coding.display for o in phq.item("phq9-1").options]
    assert labels == ["Not at all", "Several days", "More than half the days", "Nearly every day"]
    codes = [o.coding.code for o in phq.item("phq9-5").options]
    assert codes == ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]
    loinc = [phq.item(f"phq9-{i}").code.code for i in range(1, 10)]  # type: ignore[union-attr]
    assert loinc == [
        "44250-9",
        "44255-8",
        "44259-0",
        "44254-1",
        "44251-7",
        "44258-2",
        "44252-5",
        "44253-3",
        "44260-8",
    ]
    assert phq.item("phq9-10").code.code == "69722-7"  # type: ignore[union-attr]
    assert "phq9-10" not in phq.scale("total").items
    assert phq.questionnaire["code"][0]["code"] == "44249-1"
    assert phq.scale("total").code.code == "44261-6"  # type: ignore[union-attr]
    assert [(r.link_id, r.threshold) for r in phq.risk_items] == [("phq9-9", 0)]


def test_gad7_wording_and_zero_label() -> None:
    gad = load_shipped()["gad-7"]
    assert gad.intro.startswith("Over the last 2 weeks, how often have you been bothered by the")
    assert gad.item("gad7-2").text == "Not being able to stop or control worrying"
    assert gad.item("gad7-1").options[0].coding.display == "Not at all"
    assert gad.questionnaire["code"][0]["code"] == "69737-5"
    assert gad.scale("total").code.code == "70274-6"  # type: ignore[union-attr]
    assert gad.scale("total").cutoff.value == 8  # type: ignore[union-attr]
    assert gad.scale("total").reliable_change.value == 4  # type: ignore[union-attr]


def test_non_json_names_the_line() -> None:
    with pytest.raises(InstrumentDefinitionError) as exc:
        loads_definition('{"questionnaire": {,}')
    assert exc.value.messages[0].startswith("file is not valid JSON:")
    assert "line 1" in exc.value.messages[0]


def test_missing_file_is_a_definition_error(tmp_path: Path) -> None:
    with pytest.raises(InstrumentDefinitionError, match="cannot read"):
        load_definition(tmp_path / "absent.json")


def test_not_an_object() -> None:
    assert "JSON object" in messages([1, 2])[0]


def test_missing_link_id() -> None:
    data = raw("phq-9")
    del data["questionnaire"]["item"][3]["linkId"]
    assert "questionnaire.item[3].linkId: is required" in messages(data)


def test_duplicate_link_id() -> None:
    data = raw("gad-7")
    data["questionnaire"]["item"][2]["linkId"] = "gad7-1"
    assert "questionnaire.item[2].linkId: 'gad7-1' is used more than once" in messages(data)


def test_scale_referencing_unknown_item() -> None:
    data = raw("alliance-checkin-client")
    data["scoring"]["scales"][1]["items"] = ["q12"]
    assert "scoring.scales[1].items: item 'q12' is not in the questionnaire" in messages(data)


def test_scale_cannot_score_a_text_item() -> None:
    data = raw("alliance-checkin-client")
    data["scoring"]["scales"][4]["items"].append("change")
    assert any("item 'change' has no scores" in m for m in messages(data))


def _with_bands(bands: list[dict[str, Any]]) -> dict[str, Any]:
    data = raw("gad-7")
    data["scoring"]["scales"][0]["bands"] = bands
    return data


def test_overlapping_bands() -> None:
    msgs = messages(
        _with_bands(
            [
                {"min": 0, "max": 9, "label": "low"},
                {"min": 8, "max": 21, "label": "high"},
            ]
        )
    )
    assert "scoring.scales[0].bands: band 'high' (8–21) overlaps 'low' (0–9)" in msgs


def test_gap_between_bands() -> None:
    msgs = messages(
        _with_bands(
            [
                {"min": 0, "max": 9, "label": "low"},
                {"min": 11, "max": 21, "label": "high"},
            ]
        )
    )
    assert "scoring.scales[0].bands: gap between 'low' (ends 9) and 'high' (starts 11)" in msgs


def test_bands_must_reach_the_scale_ends() -> None:
    msgs = messages(_with_bands([{"min": 1, "max": 20, "label": "all"}]))
    assert any("first band starts at 1" in m for m in msgs)
    assert any("last band ends at 20" in m for m in msgs)


def test_inverted_band() -> None:
    msgs = messages(_with_bands([{"min": 21, "max": 0, "label": "odd"}]))
    assert "scoring.scales[0].bands[0]: min 21 is greater than max 0" in msgs


def test_scale_range_must_match_items() -> None:
    data = raw("phq-9")
    data["scoring"]["scales"][0]["max"] = 30
    data["scoring"]["scales"][0]["bands"][-1]["max"] = 30
    msgs = messages(data)
    assert "scoring.scales[0]: min/max 0–30 do not match its items (expected 0–27)" in msgs


def test_several_problems_reported_together() -> None:
    data = raw("alliance-checkin-client")
    data["scoring"]["timing"] = "during"
    data["scoring"]["respondent"] = ["patient"]
    data["scoring"]["validated"] = "no"
    data["scoring"]["colour"] = "blue"
    msgs = messages(data)
    assert "scoring.timing: must be one of before, after; got 'during'" in msgs
    assert any(m.startswith("scoring.respondent[0]: 'patient' is not one of") for m in msgs)
    assert 'scoring.validated: must be true or false, got "no"' in msgs
    assert "scoring.colour: is not a known field (check the spelling)" in msgs
    assert len(msgs) == 4


def test_fhir_errors_are_reported_with_path() -> None:
    data = raw("alliance-checkin-client")
    data["questionnaire"]["status"] = "live"
    data["questionnaire"]["item"][1]["required"] = "perhaps"
    msgs = messages(data)
    assert (
        "questionnaire.status: must be one of draft, active, retired, unknown; got 'live'" in msgs
    )
    assert any(
        m.startswith("questionnaire.item[1].required: Input should be a valid boolean")
        for m in msgs
    )


def test_version_mismatch_and_missing_questionnaire_fields() -> None:
    data = raw("phq-9")
    data["scoring"]["version"] = "2.0.0"
    del data["questionnaire"]["url"]
    msgs = messages(data)
    assert "scoring.version: '2.0.0' differs from questionnaire.version '1.0.0'" in msgs
    assert "questionnaire.url: is required" in msgs


def test_scored_item_range_must_match_questionnaire() -> None:
    data = raw("alliance-checkin-client")
    data["scoring"]["items"][0]["max"] = 7
    assert "scoring.items[0]: range 0–7 does not match the questionnaire's 0–10 for 'bond'" in (
        messages(data)
    )


def test_risk_item_must_exist_and_cutoff_in_range() -> None:
    data = raw("phq-9")
    data["scoring"]["risk_items"][0]["linkId"] = "phq9-99"
    data["scoring"]["scales"][0]["cutoff"]["value"] = 40
    msgs = messages(data)
    assert any(m.startswith("scoring.risk_items[0].linkId: item 'phq9-99'") for m in msgs)
    assert "scoring.scales[0].cutoff.value: 40 is outside 0–27" in msgs


def test_choice_option_without_score() -> None:
    data = raw("phq-9")
    del data["questionnaire"]["item"][1]["answerOption"][2]["valueCoding"]["extension"]
    assert any(
        m.startswith("questionnaire.item[1]: some answers have a score") for m in messages(data)
    )


def test_error_str_lists_every_message() -> None:
    err = InstrumentDefinitionError(["a: one", "b: two"])
    assert str(err) == "Invalid instrument definition:\n- a: one\n- b: two"


def test_parse_does_not_mutate_input() -> None:
    data = raw("gad-7")
    before = copy.deepcopy(data)
    parse_definition(data)
    assert data == before
