"""Transcript files of every supported format become the same speaker turns."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alliance.language.transcripts import TranscriptError, Turn, guess_role, parse, speakers_in

EXPECTED = [
    Turn("Therapist", "What brings you here today? Take your time."),
    Turn("Client", "My sleep, mostly."),
]

VTT = """WEBVTT

NOTE synthetic

1
00:00:01.000 --> 00:00:03.000
<v Therapist>What brings you here today?</v>

2
00:00:03.500 --> 00:00:04.000
<v Therapist>Take your time.</v>

3
00:00:04.500 --> 00:00:06.000
<v Client>My sleep, mostly.</v>
"""

SRT = """1
00:00:01,000 --> 00:00:03,000
Therapist: What brings you here today?

2
00:00:03,500 --> 00:00:04,000
Therapist: Take your time.

3
00:00:04,500 --> 00:00:06,000
Client: My sleep, mostly.
"""

TXT = "Therapist: What brings you here today?\nTake your time.\n\nClient: My sleep, mostly.\n"


@pytest.mark.parametrize(
    ("name", "content"),
    [("s.vtt", VTT), ("s.srt", SRT), ("s.txt", TXT), ("s.txt", TXT.replace("\n", "\r\n"))],
)
def test_each_text_format_gives_the_same_turns_with_split_cues_joined(
    name: str, content: str
) -> None:
    assert parse(name, content.encode()) == EXPECTED


def test_a_word_document_is_read_paragraph_by_paragraph() -> None:
    import docx

    document = docx.Document()
    for line in TXT.strip().splitlines():
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    assert parse("session.docx", buffer.getvalue()) == EXPECTED


def test_vtt_with_names_in_the_text_and_timestamps_in_plain_text() -> None:
    vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\nDr Lee: Hello.\n\n00:02.000 --> 00:03.000\nSam: Hi.\n"
    assert speakers_in(parse("x.vtt", vtt.encode())) == ["Dr Lee", "Sam"]
    txt = "[00:01] Therapist: Hello.\n[00:03] Client: Hi.\n"
    assert parse("x.txt", txt.encode()) == [Turn("Therapist", "Hello."), Turn("Client", "Hi.")]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.txt", b"", "No speaker turns"),
        ("a.txt", b"just a line without a speaker\nand another", "No speaker turns"),
        ("a.vtt", b"WEBVTT\n\n00:01.000 --> 00:02.000\nhello there\n", "no speaker names"),
        ("a.txt", b"\x00\x01\x02binary", "not text"),
        ("a.docx", b"not a zip file", "could not be opened"),
    ],
)
def test_unreadable_files_get_a_message_in_the_users_terms(
    name: str, content: bytes, message: str
) -> None:
    with pytest.raises(TranscriptError, match=message):
        parse(name, content)


def test_a_file_in_an_old_windows_code_page_still_reads() -> None:
    turns = parse("a.txt", "Therapist: Café?\nClient: Oui.".encode("cp1252"))
    assert turns[0].text == "Café?"


def test_speaker_names_suggest_a_role_but_do_not_decide_it() -> None:
    assert [guess_role(s) for s in ("Therapist", "Counsellor Kim", "Client", "Anna")] == [
        "therapist",
        "therapist",
        "client",
        "",
    ]


@given(st.binary(max_size=400))
def test_any_bytes_give_turns_or_a_transcript_error(content: bytes) -> None:
    for name in ("x.txt", "x.vtt", "x.srt"):
        try:
            turns = parse(name, content)
        except TranscriptError:
            continue
        assert turns and all(isinstance(t, Turn) for t in turns)
