"""Scoring engine: known answers from the instruments' published rules, plus properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alliance.measures.definition import parse_definition
from alliance.measures.registry import load_shipped
from alliance.measures.scoring import (
    Instrument,
    InvalidAnswers,
    clinical_cutoff_c,
    is_case,
    is_recovered,
    rci,
    rci_sdiff,
    reliable_change,
    score,
    validate_answers,
)

SHIPPED = load_shipped()
PHQ9 = SHIPPED["phq-9"]
GAD7 = SHIPPED["gad-7"]
CLIENT = SHIPPED["alliance-checkin-client"]


def phq(*values: int | str) -> dict[str, int | str | None]:
    return {f"phq9-{i}": v for i, v in enumerate(values, start=1)}


def gad(total: int) -> dict[str, int | str | None]:
    """Seven GAD-7 answers adding up to total (fill from the first item)."""
    answers: dict[str, int | str | None] = {}
    for i in range(1, 8):
        answers[f"gad7-{i}"] = min(3, total)
        total -= min(3, total)
    return answers


def test_phq9_all_twos_is_18_moderately_severe() -> None:
    result = score(PHQ9, phq(*[2] * 9))
    assert result.scales["total"] == 18
    assert result.bands["total"] == "moderately severe"
    assert result.complete and result.missing == []


def test_phq9_item9_raises_risk_even_when_total_is_one() -> None:
    result = score(PHQ9, phq(0, 0, 0, 0, 0, 0, 0, 0, 1))
    assert result.scales["total"] == 1
    assert result.bands["total"] == "minimal"
    assert [(f.link_id, f.value) for f in result.risk] == [("phq9-9", 1)]
    assert "today" in result.risk[0].message


def test_phq9_item9_zero_raises_no_flag_but_high_total_does_not_either() -> None:
    # Risk comes from item 9 alone; a high total is a severity band, not a risk flag.
    assert score(PHQ9, phq(3, 3, 3, 3, 3, 3, 3, 3, 0)).risk == []


def test_phq9_difficulty_item_is_not_scored() -> None:
    answers = phq(*[1] * 9) | {"phq9-10": 3}
    assert score(PHQ9, answers).scales["total"] == 9


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ],
)
def test_gad7_band_edges(total: int, band: str) -> None:
    result = score(GAD7, gad(total))
    assert result.scales["total"] == total
    assert result.bands["total"] == band


def test_phq9_prorates_one_missing_item_and_refuses_two() -> None:
    one_missing = phq(2, 2, 2, 2, 2, 2, 2, 2) | {"phq9-9": None}
    result = score(PHQ9, one_missing)
    assert result.scales["total"] == 18  # 16 * 9 / 8
    assert result.missing == ["phq9-9"] and not result.complete
    two_missing = phq(2, 2, 2, 2, 2, 2, 2)
    assert score(PHQ9, two_missing).scales["total"] is None
    assert "total" not in score(PHQ9, two_missing).bands


def test_prorated_total_rounds_half_up() -> None:
    # 1+1+0*6 = 2 over 8 items -> 2.25 -> 2; 4 ones over 8 -> 4.5 -> 5 (not banker's 4)
    assert score(PHQ9, phq(1, 1, 0, 0, 0, 0, 0, 0)).scales["total"] == 2
    assert score(PHQ9, phq(1, 1, 1, 1, 0, 0, 0, 0)).scales["total"] == 5


def test_alliance_mean_with_one_missing_and_none_with_two() -> None:
    one = score(CLIENT, {"bond": 9, "goals": 6, "tasks": 9})
    assert one.scales["alliance"] == 8
    assert one.scales["overall"] is None
    assert one.missing == ["overall"]
    two = score(CLIENT, {"bond": 9, "goals": 6})
    assert two.scales["alliance"] is None


def test_alliance_accepts_form_strings_and_ignores_blank_text() -> None:
    result = score(CLIENT, {"bond": "10", "goals": "8", "tasks": "7", "overall": "9", "change": ""})
    assert result.scales["alliance"] == 8.5
    assert result.complete


def test_text_answer_is_kept_out_of_scores() -> None:
    result = score(CLIENT, {"bond": 5, "goals": 5, "tasks": 5, "overall": 5, "change": "slower"})
    assert result.scales == {"bond": 5, "goals": 5, "tasks": 5, "overall": 5, "alliance": 5}


def test_score_refuses_malformed_answers() -> None:
    with pytest.raises(InvalidAnswers) as exc:
        score(CLIENT, {"bond": 11, "goals": "x"})
    assert set(exc.value.errors) == {"bond", "goals"}


def _tiny(reverse: bool, method: str = "sum") -> Instrument:
    item = {
        "linkId": "a",
        "text": "A",
        "type": "integer",
        "extension": [
            {"url": "http://hl7.org/fhir/StructureDefinition/minValue", "valueInteger": 1},
            {"url": "http://hl7.org/fhir/StructureDefinition/maxValue", "valueInteger": 5},
        ],
    }
    items = [item, dict(item, linkId="b", text="B")]
    return parse_definition(
        {
            "questionnaire": {
                "resourceType": "Questionnaire",
                "url": "https://x.test/q",
                "version": "1",
                "name": "Tiny",
                "title": "Tiny",
                "status": "draft",
                "item": items,
            },
            "scoring": {
                "key": "tiny",
                "version": "1",
                "respondent": ["client"],
                "timing": "after",
                "kind": "outcome",
                "validated": False,
                "items": [
                    {"linkId": "a", "min": 1, "max": 5},
                    {"linkId": "b", "min": 1, "max": 5, "reverse": reverse},
                ],
                "scales": [
                    {
                        "key": "s",
                        "label": "S",
                        "items": ["a", "b"],
                        "method": method,
                        "min": 2 if method == "sum" else 1,
                        "max": 10 if method == "sum" else 5,
                        "direction": "higher_is_worse",
                    }
                ],
            },
        }
    )


def test_reverse_keying_flips_within_the_item_range() -> None:
    assert score(_tiny(False), {"a": 5, "b": 2}).scales["s"] == 7
    assert score(_tiny(True), {"a": 5, "b": 2}).scales["s"] == 9  # b: 1 + 5 - 2 = 4
    assert score(_tiny(True, "mean"), {"a": 1, "b": 1}).scales["s"] == 3


def test_validate_answers_messages() -> None:
    errors = validate_answers(PHQ9, phq(0, 4, "two", 1, 1, 1, 1, 1) | {"nope": 1})
    assert errors["phq9-2"] == "Please choose one of the options shown."
    assert errors["phq9-3"] == "Please enter a whole number."
    assert errors["phq9-9"] == "This question needs an answer."
    assert errors["nope"] == "This question is not part of this questionnaire."
    assert validate_answers(PHQ9, phq(*[0] * 9)) == {}
    assert validate_answers(CLIENT, {"bond": -1})["bond"] == "Please choose a value from 0 to 10."
    assert validate_answers(CLIENT, {"change": "x" * 2001})["change"].startswith("Please keep")
    assert validate_answers(CLIENT, {"bond": True}) == {"bond": "Please enter a whole number."}


def test_caseness_and_reliable_change_phq9() -> None:
    assert is_case(10, PHQ9, "total") is True
    assert is_case(9, PHQ9, "total") is False
    assert reliable_change(18, 12, PHQ9, "total") == "improved"
    assert reliable_change(18, 13, PHQ9, "total") == "no_reliable_change"
    assert reliable_change(8, 14, PHQ9, "total") == "deteriorated"
    assert is_recovered(15, 9, PHQ9, "total") is True
    assert is_recovered(15, 10, PHQ9, "total") is False


def test_caseness_and_reliable_change_gad7() -> None:
    assert (is_case(8, GAD7, "total"), is_case(7, GAD7, "total")) == (True, False)
    assert reliable_change(12, 8, GAD7, "total") == "improved"
    assert reliable_change(12, 9, GAD7, "total") == "no_reliable_change"


def test_low_alliance_cutoff_is_below_seven() -> None:
    assert is_case(6.75, CLIENT, "alliance") is True
    assert is_case(7, CLIENT, "alliance") is False
    assert reliable_change(5, 9, CLIENT, "alliance") is None  # no validated threshold
    assert is_case(3, CLIENT, "bond") is None


def test_jacobson_truax_formulas() -> None:
    assert rci_sdiff(7.5, 0.88) == pytest.approx(math.sqrt(2) * 7.5 * math.sqrt(0.12))
    assert rci_sdiff(10, 1.0) == 0
    assert rci(20, 10, 5, 0.5) == pytest.approx(-10 / 5)
    assert clinical_cutoff_c(m0=5, sd0=4, m1=17, sd1=6) == pytest.approx((4 * 17 + 6 * 5) / 10)
    assert clinical_cutoff_c(0, 1, 10, 1) == 5  # equal SDs: the midpoint
    with pytest.raises(ValueError):
        rci_sdiff(5, 1.5)


# --- properties ---------------------------------------------------------------------------------


def answers_for(instrument: Instrument) -> st.SearchStrategy[dict[str, int | str | None]]:
    """Valid answers to the scored items, any of them possibly left blank."""
    scored = [instrument.item(k) for sc in instrument.scales for k in sc.items]
    return st.fixed_dictionaries(
        {it.link_id: st.one_of(st.none(), st.integers(it.min or 0, it.max or 0)) for it in scored}
    )


@given(st.sampled_from(sorted(SHIPPED)), st.data())
def test_scores_stay_within_scale_range(key: str, data: st.DataObject) -> None:
    instrument = SHIPPED[key]
    result = score(instrument, data.draw(answers_for(instrument)))
    for sc in instrument.scales:
        value = result.scales[sc.key]
        assert value is None or sc.min <= value <= sc.max


@given(answers_for(PHQ9), st.sampled_from([f"phq9-{i}" for i in range(1, 10)]))
def test_raising_an_item_never_lowers_a_higher_is_worse_total(
    answers: dict[str, int | str | None], link_id: str
) -> None:
    before = score(PHQ9, answers).scales["total"]
    current = answers[link_id]
    if before is None or current is None or current == 3:
        return
    raised = dict(answers, **{link_id: int(current) + 1})
    after = score(PHQ9, raised).scales["total"]
    assert after is not None and after >= before


@given(st.sampled_from(sorted(SHIPPED)), st.data())
def test_answer_order_changes_nothing(key: str, data: st.DataObject) -> None:
    instrument = SHIPPED[key]
    answers = data.draw(answers_for(instrument))
    shuffled = dict(data.draw(st.permutations(list(answers.items()))))
    assert score(instrument, shuffled) == score(instrument, answers)


@given(st.sampled_from(sorted(SHIPPED)), st.data())
def test_every_out_of_range_value_is_rejected(key: str, data: st.DataObject) -> None:
    instrument = SHIPPED[key]
    item = data.draw(st.sampled_from([i for i in instrument.items if i.answer_type != "text"]))
    assert item.min is not None and item.max is not None
    bad = data.draw(st.integers(max_value=item.min - 1) | st.integers(min_value=item.max + 1))
    as_text = data.draw(st.booleans())
    errors = validate_answers(instrument, {item.link_id: str(bad) if as_text else bad})
    assert item.link_id in errors
