"""{% load client_safety %}: the "who reads this" and crisis blocks of the client pages.

The page needs `safety` (checkins.safety.ClientSafety), a `checkin` (CheckinRequest) or an
`episode` in its context; the kiosk and pulse pages include checkins/_who_reads.html as is.
"""

from __future__ import annotations

from typing import Any

from django import template

from alliance.checkins import safety

register = template.Library()


@register.inclusion_tag("checkins/_crisis.html", takes_context=True)
def crisis_information(context: Any, prominent: bool = False) -> dict[str, Any]:
    return {"safety": safety.from_context(context), "prominent": prominent}


@register.simple_tag(takes_context=True)
def client_safety(context: Any) -> safety.ClientSafety | None:
    return safety.from_context(context)
