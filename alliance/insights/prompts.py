"""The conversation prompts offered beside an alert: the organization's own, else the project's
seeds (prompts_seed.py)."""

from __future__ import annotations

from .models import Prompt
from .prompts_seed import SEED_PROMPTS


def prompts_for(organization: object, kind: str) -> list[str]:
    """The organization's own prompts for this kind of alert, else the project's seeds."""
    own = [p.text for p in Prompt.objects.filter(organization=organization, kind=kind, active=True)]
    return own or list(SEED_PROMPTS.get(kind, []))


def prompts_by_kind(organization: object, kinds: set[str]) -> dict[str, list[str]]:
    """`prompts_for` of several kinds of alert in one query (the episode page's alerts)."""
    own: dict[str, list[str]] = {}
    if kinds:
        rows = Prompt.objects.filter(organization=organization, kind__in=kinds, active=True)
        for kind, text in rows.values_list("kind", "text"):
            own.setdefault(kind, []).append(text)
    return {kind: own.get(kind) or list(SEED_PROMPTS.get(kind, [])) for kind in kinds}
