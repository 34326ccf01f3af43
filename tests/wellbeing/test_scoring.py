"""Known answers for every number the wellbeing pages show (worked by hand in docs/wellbeing.md)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alliance.wellbeing import scoring, suggestions

# Items in order: drained, rest (exhaustion); carry_home, heavy (compassion fatigue);
# irritated, bored (irritability or boredom); distant (detachment); worthwhile (satisfaction).
KEYS = scoring.ITEM_KEYS


def answers(*values: int) -> dict[str, int]:
    assert len(values) == len(KEYS)
    return dict(zip(KEYS, values, strict=True))


A = answers(4, 2, 1, 2, 0, 3, 1, 3)
H1 = answers(1, 1, 1, 1, 1, 1, 1, 3)
H2 = answers(2, 2, 2, 2, 2, 2, 2, 2)


def by_area(result: scoring.Reading) -> dict[str, scoring.AreaReading]:
    return {a.key: a for a in result.areas}


def test_items_are_the_projects_own_and_cover_every_area() -> None:
    assert len(scoring.ITEMS) == 8
    assert {i.area for i in scoring.ITEMS} == {a.key for a in scoring.AREAS}
    assert [a.key for a in scoring.AREAS if a.reverse_keyed] == ["satisfaction"]
    assert scoring.TOTAL_MAX == 32


def test_area_scores_are_the_mean_answer_per_area() -> None:
    assert scoring.area_scores(A) == {
        "exhaustion": 3.0,
        "compassion_fatigue": 1.5,
        "irritability_boredom": 1.5,
        "detachment": 1.0,
        "satisfaction": 3.0,
    }


def test_total_strain_reverses_satisfaction() -> None:
    # 4 + 2 + 1 + 2 + 0 + 3 + 1 + (4 - 3) = 14
    assert scoring.total_strain(A) == 14
    assert scoring.total_strain(answers(0, 0, 0, 0, 0, 0, 0, 4)) == 0
    assert scoring.total_strain(answers(4, 4, 4, 4, 4, 4, 4, 0)) == 32


def test_high_is_a_strain_of_three_or_more_whatever_the_history() -> None:
    areas = by_area(scoring.reading(A, []))
    assert areas["exhaustion"].high and areas["exhaustion"].strain == 3.0
    assert not areas["satisfaction"].high and areas["satisfaction"].strain == 1.0
    assert areas["exhaustion"].usual is None and areas["exhaustion"].change is None
    low_satisfaction = by_area(scoring.reading(answers(0, 0, 0, 0, 0, 0, 0, 1), []))
    assert low_satisfaction["satisfaction"].high  # 1 of 4 satisfied is a strain of 3


def test_change_is_against_the_mean_of_the_earlier_checks() -> None:
    result = scoring.reading(A, [H1, H2])
    areas = by_area(result)
    assert areas["exhaustion"].usual == 1.5 and areas["exhaustion"].change == 1.5
    assert areas["exhaustion"].rising  # strain 3.0 against a usual 1.5
    assert areas["compassion_fatigue"].change == 0.0 and not areas["compassion_fatigue"].rising
    assert areas["detachment"].usual == 1.5 and areas["detachment"].change == -0.5
    assert areas["satisfaction"].usual == 2.5 and areas["satisfaction"].change == 0.5
    assert not areas["satisfaction"].rising  # more satisfied is less strain
    # Totals 8 and 16 before: usual 12, now 14.
    assert result.usual_total == 12.0 and result.total_change == 2.0


def test_rising_needs_a_full_step_above_usual() -> None:
    usual = answers(1, 1, 1, 1, 1, 1, 1, 3)
    just_under = answers(2, 1, 1, 1, 1, 1, 1, 3)  # exhaustion 1.5 against 1.0
    exactly = answers(2, 2, 1, 1, 1, 1, 1, 3)  # exhaustion 2.0 against 1.0
    assert not by_area(scoring.reading(just_under, [usual, usual]))["exhaustion"].rising
    assert by_area(scoring.reading(exactly, [usual, usual]))["exhaustion"].rising


def test_falling_satisfaction_is_rising_strain() -> None:
    earlier = [answers(1, 1, 1, 1, 1, 1, 1, 4)] * 2
    areas = by_area(scoring.reading(answers(1, 1, 1, 1, 1, 1, 1, 2), earlier))
    assert areas["satisfaction"].change == -2.0 and areas["satisfaction"].rising
    assert not areas["satisfaction"].high


def test_flags_say_low_and_below_usual_for_satisfaction() -> None:
    areas = by_area(scoring.reading(A, [H1, H2]))
    assert areas["exhaustion"].flag == "high" and areas["compassion_fatigue"].flag == ""
    low = by_area(scoring.reading(answers(0, 0, 0, 0, 0, 0, 0, 1), []))
    assert low["satisfaction"].flag == "low"
    earlier = [answers(1, 1, 1, 1, 1, 1, 1, 4)] * 2
    falling = by_area(scoring.reading(answers(2, 2, 1, 1, 1, 1, 1, 2), earlier))
    assert falling["satisfaction"].flag == "below_usual"
    assert falling["exhaustion"].flag == "above_usual"


def test_one_earlier_check_is_not_a_usual_level() -> None:
    result = scoring.reading(A, [H1])
    assert result.usual_total is None and result.total_change is None
    assert not any(a.rising for a in result.areas)


def test_usual_is_the_last_six_earlier_checks() -> None:
    old = [answers(4, 4, 4, 4, 4, 4, 4, 0)] * 3  # too long ago to count
    recent = [answers(1, 1, 1, 1, 1, 1, 1, 3)] * 6
    result = scoring.reading(A, old + recent)
    assert result.usual_total == 8.0 and result.total_change == 6.0
    assert by_area(result)["exhaustion"].usual == 1.0


def test_trend_reads_each_check_against_those_before_it() -> None:
    rows = scoring.trend([H1, H2, A])
    assert [r.total for r in rows] == [8, 16, 14]
    assert [r.usual_total for r in rows] == [None, None, 12.0]
    assert rows[2].total_change == 2.0


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({**A, "drained": "5"}, "from 0 to 4"),
        ({**A, "drained": "-1"}, "from 0 to 4"),
        ({**A, "drained": "²"}, "from 0 to 4"),
        ({k: v for k, v in A.items() if k != "bored"}, "Please answer every statement"),
    ],
)
def test_bad_answers_get_a_plain_message(raw: dict[str, object], message: str) -> None:
    with pytest.raises(scoring.AnswerError, match=message):
        scoring.clean_answers(raw)


def test_answers_as_form_text_are_cleaned_to_numbers() -> None:
    assert scoring.clean_answers({k: str(v) for k, v in A.items()}) == A


@given(st.lists(st.integers(0, 4), min_size=8, max_size=8))
def test_total_strain_is_the_sum_of_area_strains_times_their_items(values: list[int]) -> None:
    given_answers = answers(*values)
    scores = scoring.area_scores(given_answers)
    counts = {a.key: sum(1 for i in scoring.ITEMS if i.area == a.key) for a in scoring.AREAS}
    rebuilt = sum(scoring.strain_of(k, s) * counts[k] for k, s in scores.items())
    assert rebuilt == pytest.approx(scoring.total_strain(given_answers))
    assert 0 <= scoring.total_strain(given_answers) <= scoring.TOTAL_MAX


def test_suggestions_only_for_areas_high_or_above_usual() -> None:
    found = suggestions.for_reading(scoring.reading(A, [H1, H2]))
    assert [s.area for s in found] == ["exhaustion"]
    assert found[0].intro == "Exhaustion looks high in this check."
    assert any("late sessions" in idea for idea in found[0].ideas)
    calm = scoring.reading(answers(1, 1, 1, 1, 1, 1, 1, 3), [H1, H1])
    assert suggestions.for_reading(calm) == []


def test_suggestions_never_diagnose() -> None:
    words = " ".join(" ".join(ideas) for ideas in suggestions.IDEAS.values()).lower()
    for word in ("burnout", "depress", "disorder", "diagnos", "you have"):
        assert word not in words


# --- reminders -----------------------------------------------------------------------------------

MONDAY = dt.date(2026, 3, 2)


def test_next_due_is_an_interval_after_the_last_check() -> None:
    since = dt.date(2026, 1, 1)
    assert scoring.next_due("weekly", MONDAY, since) == dt.date(2026, 3, 9)
    assert scoring.next_due("fortnightly", MONDAY, since) == dt.date(2026, 3, 16)
    assert scoring.next_due("monthly", MONDAY, since) == dt.date(2026, 4, 1)
    assert scoring.next_due("off", MONDAY, since) is None
    assert scoring.next_due("weekly", None, since) == since  # no check yet: due at once


def test_one_reminder_per_due_date_then_one_per_interval() -> None:
    due = dt.date(2026, 3, 9)
    assert not scoring.reminder_needed(dt.date(2026, 3, 8), due, None, "weekly")
    assert scoring.reminder_needed(due, due, None, "weekly")
    assert scoring.reminder_needed(dt.date(2026, 3, 12), due, dt.date(2026, 3, 1), "weekly")
    # Reminded on the due date: nothing more within the week, one more a week later.
    assert not scoring.reminder_needed(dt.date(2026, 3, 9), due, due, "weekly")
    assert not scoring.reminder_needed(dt.date(2026, 3, 15), due, due, "weekly")
    assert scoring.reminder_needed(dt.date(2026, 3, 16), due, due, "weekly")
    assert not scoring.reminder_needed(dt.date(2026, 3, 16), due, due, "fortnightly")
    assert not scoring.reminder_needed(dt.date(2026, 3, 12), None, None, "weekly")
    assert not scoring.reminder_needed(dt.date(2026, 3, 12), due, None, "off")
