"""Questionnaire forms built from instrument definitions, and the small plan forms.

A questionnaire form is not a django.forms.Form: its questions come from data (the instrument
file), one form may carry several instruments (one link, one flow), and each answer must be
kept exactly as typed when another one is wrong. The scoring engine validates; this module
turns its findings into messages in the respondent's language.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliance.measures import i18n
from alliance.measures.models import Instrument
from alliance.measures.scoring import Item, enabled_items, validate_answers

from .models import ClinicPlanEntry, EpisodeCheckinSettings, Schedule

IDEMPOTENCY_FIELD = "idempotency_key"
# Set by the "send anyway" step: the client has been told which ratings they skipped.
CONFIRM_PARTIAL_FIELD = "send_with_gaps"
# Rough reading-and-answering times for the intro's length, checked by a person against a
# stopwatch on a phone: a rating or choice is quick, writing a sentence is not.
SECONDS_PER_CHOICE = 10
SECONDS_PER_TEXT = 20


@dataclass
class Question:
    name: str
    item: Item
    text: str
    low: str = ""
    high: str = ""
    hint: str = ""
    value: str = ""
    error: str = ""
    lang: str = "en"  # the language the texts are in (a licensed instrument may stay English)
    choices: list[tuple[str, str]] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        """The id of the control an error summary links to (the first option of a group)."""
        return f"{self.name}-opt0" if self.kind in ("scale", "choice") else self.name

    @property
    def values(self) -> list[str]:
        if self.item.min is None or self.item.max is None:
            return []
        return [str(v) for v in range(self.item.min, self.item.max + 1)]

    @property
    def kind(self) -> str:
        if self.item.answer_type in ("text", "decimal", "date"):
            return self.item.answer_type
        return "scale" if self.item.answer_type == "integer" else "choice"

    @property
    def conditional(self) -> bool:
        """Asked only when an earlier answer switches it on (FHIR enableWhen)."""
        return bool(self.item.enable)

    enable_rules: str = ""  # the enableWhen rules in form terms, as JSON for enable-when.js
    heading: str = (
        ""  # the text of the group(s) this question opens (e.g. "Over the last 2 weeks…")
    )


@dataclass
class Section:
    instrument: Instrument
    title: str
    intro: str
    lang: str  # the language the texts are actually in
    notice: str
    questions: list[Question]
    error: str = ""


def _low_high_ids(raw_item: dict[str, Any]) -> tuple[str, str, str]:
    ids = {"lower": "", "upper": "", "flyover": "", "help": ""}
    for child in raw_item.get("item") or []:
        for ext in child.get("extension") or []:
            for coding in (ext.get("valueCodeableConcept") or {}).get("coding") or []:
                if coding.get("code") in ids:
                    ids[coding["code"]] = child.get("linkId", "")
    return ids["lower"], ids["upper"], ids["flyover"] or ids["help"]


def _raw_items(questionnaire: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    stack = list(questionnaire.get("item") or [])
    while stack:
        raw = stack.pop()
        found[raw.get("linkId", "")] = raw
        stack.extend(raw.get("item") or [])
    return found


def _group_headings(items: list[Any]) -> dict[str, Any]:
    """For the first question inside each group with a text: '#linkId' -> the group linkIds,
    so the stem a publisher put on the group is shown where its questions start."""
    found: dict[str, Any] = {}

    def walk(nodes: list[Any], pending: list[str]) -> list[str]:
        for node in nodes:
            if not isinstance(node, dict):
                continue
            if node.get("type") == "group":
                inner = pending + ([node.get("linkId", "")] if node.get("text") else [])
                pending = walk(node.get("item") or [], inner)
                continue
            if node.get("type") != "display" and pending:
                found["#" + str(node.get("linkId", ""))] = pending
                pending = []
        return pending

    walk(items, [])
    return found


def _group_text(raw: dict[str, dict[str, Any]], link_id: str) -> str:
    return str(raw.get(link_id, {}).get("text", ""))


def _form_value(parsed: Any, cond: Any) -> tuple[str, str] | None:
    """A condition's value as the form posts it ("2" for a choice coded "several-days")."""
    try:
        target = parsed.item(cond.question)
    except KeyError:
        return None
    value = cond.value
    if target.answer_type == "choice" and not isinstance(value, float):
        code = value.code if hasattr(value, "code") else str(value)
        option = next((o for o in target.options if o.coding.code == code), None)
        return ("text", str(option.value)) if option else ("text", "\u0000")
    if target.answer_type == "boolean":
        return "text", "1" if value is True else "0"
    if isinstance(value, float):
        return "number", str(value)
    return "text", str(value)


def _rules_for_form(parsed: Any, prefix: str, item: Item) -> str:
    """enableWhen for the browser: which field, which operator, which posted value."""
    import json

    rules = []
    for rule in item.enable:
        conditions = []
        for cond in rule.conditions:
            found = _form_value(parsed, cond)
            if found is not None:
                kind, value = found
                conditions.append(
                    {
                        "name": f"{prefix}-{cond.question}",
                        "op": cond.operator,
                        "kind": kind,
                        "value": bool(cond.value) if cond.operator == "exists" else value,
                    }
                )
        rules.append({"behavior": rule.behavior, "conditions": conditions})
    return json.dumps(rules) if rules else ""


def _choices(item: Item) -> list[tuple[str, str]]:
    if item.answer_type == "boolean":
        return [("1", _("Yes")), ("0", _("No"))]
    return [(str(o.value), o.coding.display or o.coding.code) for o in item.options]


def build_section(instrument: Instrument, prefix: str, lang: str) -> Section:
    parsed = instrument.parsed()
    q = parsed.questionnaire
    use_lang = lang if i18n.is_translated(q, lang) else "en"
    texts = i18n.texts(q, use_lang) if use_lang != "en" else {}
    raw = _raw_items(dict(q))
    questions = []
    for item in parsed.items:
        low_id, high_id, hint_id = _low_high_ids(raw.get(item.link_id, {}))
        questions.append(
            Question(
                name=f"{prefix}-{item.link_id}",
                item=item,
                text=texts.get(item.link_id, item.text),
                low=texts.get(low_id, item.low_label),
                high=texts.get(high_id, item.high_label),
                hint=texts.get(hint_id, item.hint),
                choices=_choices(item),
                lang=use_lang,
            )
        )
    headings = _group_headings(list(q.get("item") or []))
    for question in questions:
        question.enable_rules = _rules_for_form(parsed, prefix, question.item)
        question.heading = " ".join(
            texts.get(gid) or _group_text(raw, gid)
            for gid in headings.get("#" + question.item.link_id, [])
        )
    intro_ids = [r.get("linkId", "") for r in q.get("item") or [] if r.get("type") == "display"][:1]
    intro = texts.get(intro_ids[0], parsed.intro) if intro_ids else parsed.intro
    return Section(
        instrument=instrument,
        title=texts.get("#title", parsed.title),
        intro=intro,
        lang=use_lang,
        notice=parsed.notice if not parsed.validated else "",
        questions=questions,
    )


class QuestionnaireForm:
    """One or more instruments in one form, with an idempotency key carried in a hidden field."""

    def __init__(self, instruments: list[Instrument], lang: str, data: Any = None) -> None:
        self.sections = [
            build_section(inst, f"q{pos}", lang) for pos, inst in enumerate(instruments, 1)
        ]
        self.data = data
        self.idempotency_key = self._key(data)
        self.answers: dict[str, dict[str, str]] = {}
        if data is not None:
            for section in self.sections:
                for q in section.questions:
                    q.value = str(data.get(q.name, "") or "")

    @staticmethod
    def _key(data: Any) -> str:
        raw = str((data or {}).get(IDEMPOTENCY_FIELD, "") or "")
        try:
            return uuid.UUID(raw).hex
        except ValueError:
            return uuid.uuid4().hex

    @property
    def key_was_posted(self) -> bool:
        return bool(self.data) and self.idempotency_key == str(
            self.data.get(IDEMPOTENCY_FIELD, "")
        ).replace("-", "")

    def is_valid(self) -> bool:
        ok = True
        for section in self.sections:
            answers = {q.item.link_id: q.value for q in section.questions}
            errors = validate_answers(section.instrument.parsed(), answers)
            for q in section.questions:
                if q.item.link_id in errors:
                    q.error = _message(q)
                    ok = False
            if not any(v.strip() for v in answers.values()):
                section.error = _("Please answer at least one question.")
                ok = False
            self.answers[section.instrument.parsed().key] = answers
        return ok

    @property
    def has_conditions(self) -> bool:
        """Some question depends on another's answer: the page loads enable-when.js."""
        return any(q.enable_rules for s in self.sections for q in s.questions)

    @property
    def has_errors(self) -> bool:
        return any(s.error or any(q.error for q in s.questions) for s in self.sections)

    @property
    def problems(self) -> list[dict[str, str]]:
        """Each answer to look at again, for the summary at the top of the page: the id to link
        to, the question (or part), its language and the message."""
        found = []
        for section in self.sections:
            first = section.questions[0]
            if section.error:
                found.append(
                    {
                        "anchor": first.anchor,
                        "label": section.title,
                        "lang": section.lang,
                        "message": section.error,
                    }
                )
            found.extend(
                {"anchor": q.anchor, "label": q.text, "lang": q.lang, "message": q.error}
                for q in section.questions
                if q.error
            )
        return found

    @property
    def skipped(self) -> list[Question]:
        """The rating and choice questions left blank (a blank comment box is not a gap, nor
        a question that the client's own answers switched off by enableWhen)."""
        found = []
        for section in self.sections:
            answers = {q.item.link_id: q.value for q in section.questions}
            shown = enabled_items(section.instrument.parsed(), answers)
            found += [
                q
                for q in section.questions
                if q.kind in ("scale", "choice") and not q.value.strip() and q.item.link_id in shown
            ]
        return found

    @property
    def gaps_confirmed(self) -> bool:
        return bool(self.data) and self.data.get(CONFIRM_PARTIAL_FIELD) == "1"

    @property
    def length(self) -> dict[str, int]:
        """What the intro promises: parts, rating questions, comment boxes and minutes."""
        questions = [q for section in self.sections for q in section.questions]
        texts = sum(1 for q in questions if q.kind == "text")
        choices = len(questions) - texts
        seconds = choices * SECONDS_PER_CHOICE + texts * SECONDS_PER_TEXT
        return {
            "parts": len(self.sections),
            "questions": choices,
            "comments": texts,
            "minutes": max(1, round(seconds / 60)),
        }


def _message(q: Question) -> str:
    if not q.value.strip():
        return _("This question needs an answer.")
    if q.kind == "text":
        return _("Please keep this under %(n)d characters.") % {"n": q.item.max_length or 0}
    if q.kind == "decimal":
        return _("Please enter a number, e.g. 72.5.")
    if q.kind == "date":
        return _("Please enter a date (YYYY-MM-DD).")
    return _("Please choose one of the options shown.")


class PlanEntryForm(forms.ModelForm):
    class Meta:
        model = ClinicPlanEntry
        fields = ["instrument_key", "respondent", "schedule", "every_n", "timing"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        keys = Instrument.objects.order_by("key").values_list("key", "title").distinct()
        seen: dict[str, str] = {}
        for key, title in keys:
            seen[key] = title
        # Questionnaires by name; the key only where two share a name.
        titles = [t for t in seen.values()]
        self.fields["instrument_key"] = forms.ChoiceField(
            label=gettext_lazy("Instrument"),
            choices=[(k, t if titles.count(t) == 1 else f"{t} ({k})") for k, t in seen.items()],
        )
        self.fields["every_n"].label = gettext_lazy("Every how many sessions")
        self.fields["every_n"].widget.attrs.update(min=1, max=52)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("schedule") == Schedule.EVERY_N and not 1 <= (data.get("every_n") or 0) <= 52:
            self.add_error("every_n", _("Choose a number from 1 to 52."))
        return data


class ShareProgressForm(forms.ModelForm):
    class Meta:
        model = EpisodeCheckinSettings
        fields = ["share_progress_with_client"]
