"""Small-cell suppression of the research export against a dataset built to defeat it (issue 14,
finding 8): staff ratings must not count as extra clients, and no other column may give away a
suppressed format."""

from __future__ import annotations

import copy
from typing import Any

from alliance.api.export import SUPPRESSED, apply_small_cells

MINIMUM = 10
CLIENT_FORM, THERAPIST_FORM, CONJOINT = (
    "alliance-checkin-client",
    "alliance-checkin-therapist",
    "alliance-checkin-conjoint",
)


def _row(episode: str, therapist: str, fmt: str, client: str | None, role: str, form: str) -> dict:
    scores: dict[str, Any] = {"score_alliance": 8.0}
    if form == CONJOINT:
        scores["score_together"] = 7.0  # a scale only the conjoint form has
    return {
        "row": 0,
        "client_pseudonym": client,
        "episode_pseudonym": episode,
        "therapist_pseudonym": therapist,
        "respondent_role": role,
        "episode_format": fmt,
        "instrument_key": form,
        "instrument_version": "1.0.0",
        **scores,
    }


def _episode(name: str, therapist: str, fmt: str, clients: list[str], role: str) -> list[dict]:
    form = CLIENT_FORM if fmt == "individual" else CONJOINT
    rows = [_row(name, therapist, fmt, c, role, form) for c in clients]
    # The therapist rates every session too: a row without a client.
    return [*rows, _row(name, therapist, fmt, None, "therapist", THERAPIST_FORM)]


def attack_dataset() -> list[dict]:
    rows: list[dict] = []
    # Small-practice Tess: 6 real clients, each also rated by her: 12 rows "with someone".
    for n in range(6):
        rows += _episode(f"e-tess-{n}", "t-tess", "individual", [f"c-tess-{n}"], "client")
    # A large practice keeps the individual format above the limit.
    for n in range(12):
        rows += _episode(f"e-big-{n}", "t-big", "individual", [f"c-big-{n}"], "client")
    # One couple and one group: far below the limit, and each with its tell-tale roles and form.
    rows += _episode("e-couple", "t-big", "couple", ["c-p1", "c-p2"], "partner")
    rows += _episode("e-group", "t-big", "group", ["c-g1", "c-g2", "c-g3"], "group_member")
    return rows


def test_a_therapist_with_six_clients_is_suppressed_whatever_she_rated() -> None:
    rows = attack_dataset()
    apply_small_cells(rows, MINIMUM)
    tess = [r for r in rows if r["episode_pseudonym"].startswith("e-tess")]
    assert {r["therapist_pseudonym"] for r in tess} == {SUPPRESSED}
    big = [r for r in rows if r["episode_pseudonym"].startswith("e-big")]
    assert {r["therapist_pseudonym"] for r in big} == {"t-big"}


def test_no_column_gives_away_a_suppressed_format() -> None:
    rows = attack_dataset()
    original = copy.deepcopy(rows)
    counts = apply_small_cells(rows, MINIMUM)
    hidden = [r for r in rows if r["episode_format"] == SUPPRESSED]
    assert {o["episode_format"] for o, r in zip(original, rows, strict=True) if r in hidden} == {
        "couple",
        "group",
    }
    shown = [r for r in rows if r["episode_format"] != SUPPRESSED]
    # Every value a hidden row shows is also shown by rows of a format that is not hidden, so
    # it narrows nothing down: roles, instruments, versions and which scores are present.
    for column in ("respondent_role", "instrument_key", "instrument_version"):
        seen_elsewhere = {r[column] for r in shown} | {SUPPRESSED}
        leaking = {r[column] for r in hidden} - seen_elsewhere
        assert not leaking, (column, leaking)
    shown_scores = {k for r in shown for k in r if k.startswith("score_")}
    assert not {k for r in hidden for k in r if k.startswith("score_")} - shown_scores

    # Couple rows and group rows cannot be told apart by anything but pseudonyms.
    def profile(fmt: str) -> set[tuple]:
        return {
            (r["respondent_role"], r["instrument_key"], tuple(sorted(k for k in r if "score" in k)))
            for o, r in zip(original, rows, strict=True)
            if o["episode_format"] == fmt
        }

    assert profile("couple") == profile("group")
    assert counts["respondent_role"] == 5 and counts["instrument_key"] == 5
