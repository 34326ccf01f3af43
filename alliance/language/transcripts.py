"""Reading transcript files into speaker turns (pure: no Django).

Video platforms and transcription tools write WebVTT or SRT captions with the speaker's name in
the cue (`<v Name>` or `Name: text`); people write plain text with `Therapist:` / `Client:`
lines, or a Word document of the same. All four become one list of turns: consecutive pieces by
the same speaker are joined, because a caption file cuts one utterance into many short cues and
the model was trained on whole utterances.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

MAX_SPEAKERS = 12
MAX_TURNS = 5000


class TranscriptError(ValueError):
    """The file cannot be read as a transcript; the message says why in the user's terms."""


@dataclass(frozen=True)
class Turn:
    speaker: str
    text: str


_TIMING = re.compile(
    r"^\s*(\d{1,2}:)?\d{1,2}:\d{2}[.,]\d{1,3}\s*-->\s*(\d{1,2}:)?\d{1,2}:\d{2}[.,]\d{1,3}"
)
_VOICE = re.compile(r"^<v(?:\.[\w.-]+)?\s+([^>]+)>(.*?)(?:</v>)?$", re.S)
_TAG = re.compile(r"</?[a-z][^>]*>", re.I)
# "Name: text" where the name is short and has no sentence punctuation; timestamps are skipped.
_NAMED = re.compile(r"^\s*\[?([A-Za-z][\w .'\-]{0,39}?)\]?\s*:\s+(.+)$")
_BRACKETED = re.compile(r"^\s*\[([^\]]{1,40})\]\s*(.+)$")
_TIMESTAMP_PREFIX = re.compile(r"^\s*[\[(]?\d{1,2}:\d{2}(?::\d{2})?[\])]?\s*")


def parse(filename: str, content: bytes) -> list[Turn]:
    """Turns of a transcript file, whatever its format; TranscriptError when unreadable."""
    name = filename.lower()
    text = _docx_text(content) if name.endswith(".docx") else _decode(content)
    stripped = text.lstrip()
    if stripped.startswith("WEBVTT"):
        turns = _caption_turns(text, vtt=True)
    elif name.endswith(".srt") or _looks_like_srt(stripped):
        turns = _caption_turns(text, vtt=False)
    else:
        turns = _plain_turns(text.splitlines())
    return _checked(_joined(turns))


def _decode(content: bytes) -> str:
    if b"\x00" in content[:4096]:
        raise TranscriptError(
            "This file is not text. Upload a WebVTT (.vtt), SRT (.srt), plain-text (.txt) or "
            "Word (.docx) transcript."
        )
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Older Windows tools save transcripts in this code page; every byte decodes.
        return content.decode("cp1252", errors="replace")


def _docx_text(content: bytes) -> str:
    import docx  # python-docx: only needed for this format
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(content))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError):
        raise TranscriptError(
            "This Word file could not be opened; save it again as .docx."
        ) from None
    return "\n".join(p.text for p in document.paragraphs)


def _looks_like_srt(text: str) -> bool:
    lines = text.splitlines()[:3]
    return len(lines) >= 2 and lines[0].strip().isdigit() and bool(_TIMING.match(lines[1]))


def _caption_turns(text: str, *, vtt: bool) -> list[Turn]:
    """Cues are blocks separated by blank lines: an optional id, a timing line, text lines."""
    turns: list[Turn] = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        lines = [line for line in block.split("\n") if line.strip()]
        timing = next((i for i, line in enumerate(lines) if _TIMING.match(line)), None)
        if timing is None:
            continue  # the WEBVTT header, a NOTE or STYLE block
        cue = " ".join(lines[timing + 1 :]).strip()
        turn = _voiced(cue) if vtt else None
        turn = turn or _named(cue)
        if turn is None and cue:
            turn = Turn("", _TAG.sub("", cue).strip())
        if turn and turn.text:
            turns.append(turn)
    return turns


def _voiced(cue: str) -> Turn | None:
    match = _VOICE.match(cue)
    if not match:
        return None
    return Turn(match.group(1).strip(), _TAG.sub("", match.group(2)).strip())


def _named(line: str) -> Turn | None:
    line = _TIMESTAMP_PREFIX.sub("", _TAG.sub("", line))
    match = _NAMED.match(line) or _BRACKETED.match(line)
    if not match:
        return None
    return Turn(match.group(1).strip(), match.group(2).strip())


def _plain_turns(lines: Iterable[str]) -> list[Turn]:
    """`Name: text` starts a turn; a line without a name continues the turn before it."""
    turns: list[Turn] = []
    for raw in lines:
        if not raw.strip():
            continue
        turn = _named(raw)
        if turn:
            turns.append(turn)
        elif turns:
            turns[-1] = Turn(turns[-1].speaker, f"{turns[-1].text} {raw.strip()}")
    return turns


def _joined(turns: list[Turn]) -> list[Turn]:
    out: list[Turn] = []
    for turn in turns:
        if out and out[-1].speaker == turn.speaker:
            out[-1] = Turn(turn.speaker, f"{out[-1].text} {turn.text}")
        else:
            out.append(turn)
    return out


def _checked(turns: list[Turn]) -> list[Turn]:
    if not turns:
        raise TranscriptError(
            "No speaker turns were found. Each line or caption needs the speaker's name first, "
            "for example 'Therapist: How was your week?'."
        )
    speakers = speakers_in(turns)
    if speakers == [""]:
        raise TranscriptError(
            "The captions carry no speaker names, so therapist and client cannot be told apart. "
            "Turn on speaker labels in your transcription tool, or write 'Therapist:' and "
            "'Client:' before each line."
        )
    if len(speakers) > MAX_SPEAKERS:
        raise TranscriptError(
            f"This transcript names {len(speakers)} speakers; at most {MAX_SPEAKERS} are read. "
            "Is every line starting with a name?"
        )
    if len(turns) > MAX_TURNS:
        raise TranscriptError(f"This transcript has more than {MAX_TURNS} turns; split it up.")
    return turns


def speakers_in(turns: Iterable[Turn]) -> list[str]:
    """Speaker names in the order they first speak."""
    seen: dict[str, None] = {}
    for turn in turns:
        seen.setdefault(turn.speaker, None)
    return list(seen)


_THERAPIST_NAMES = re.compile(
    r"\b(therapist|counsell?or|clinician|psychologist|interviewer|t)\b", re.I
)
_CLIENT_NAMES = re.compile(r"\b(client|patient|interviewee|c)\b", re.I)


def guess_role(speaker: str) -> str:
    """A first guess for the speaker mapping form; the therapist confirms or changes it."""
    if _THERAPIST_NAMES.search(speaker):
        return "therapist"
    if _CLIENT_NAMES.search(speaker):
        return "client"
    return ""
