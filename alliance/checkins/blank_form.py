"""The questions of a client's blank check-in form, rendered once per process and reused.

Every client who opens a link gets the same questions for the same instruments in the same
language: only the hidden idempotency key and the header differ, and those are outside this
block. Rendering the questions (a template loop over every option of every item) was the largest
part of the form page's time, so a blank form's block is kept, keyed by everything it is made of:
the instruments (row, key and version), the client's language and the active one, and, when a
question is a risk item (which shows the clinic's crisis information beside it), that crisis
text's row and last change. A form shown again with answers or messages is rendered as before.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString

from .forms import QuestionnaireForm

# Instruments × languages × clinics with a risk item: a few hundred blocks of ~10-40 KB at most.
MAX_BLOCKS = 256
_blocks: OrderedDict[tuple[Any, ...], SafeString] = OrderedDict()


def _key(form: QuestionnaireForm, safety: Any) -> tuple[Any, ...]:
    instruments = tuple(
        (s.instrument.pk, s.instrument.key, s.instrument.version, s.lang) for s in form.sections
    )
    crisis: tuple[Any, ...] | None = None
    if any(q.risk for s in form.sections for q in s.questions):
        row = getattr(safety, "crisis", None)
        crisis = (row.pk, row.updated_at) if row is not None else ("none",)
    return (translation.get_language(), instruments, crisis)


def questions_html(form: QuestionnaireForm, safety: Any) -> SafeString | None:
    """The rendered questions of a blank client form, or None for a form that carries answers
    or messages (the template then renders the questions itself)."""
    if (
        form.data is not None
        or form.has_errors
        or any(s.instrument.pk is None for s in form.sections)
    ):
        return None
    key = _key(form, safety)
    found = _blocks.get(key)
    if found is None:
        found = SafeString(
            render_to_string(
                "checkins/_questions.html", {"form": form, "client": True, "safety": safety}
            )
        )
        _blocks[key] = found
        while len(_blocks) > MAX_BLOCKS:
            _blocks.popitem(last=False)
    return found


def forget() -> None:
    """Drop every kept block (tests; a process that changed a definition in place)."""
    _blocks.clear()
