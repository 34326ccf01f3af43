"""Growth steps that pages share. Attribute definitions, client attributes, practice periods,
supervision notes and growth settings record their own audit events (alliance.audit.audited)."""

from __future__ import annotations

from typing import Any

from alliance.audit import trail
from alliance.audit.models import Action


def record_page_read(organization: Any, page: str, label: str, about: Any = None) -> None:
    """One audit event per page view of aggregated client data; `about` is the therapist or
    practice period the page is about, when there is one."""
    trail.record(
        Action.VIEW,
        about,
        object_type=f"growth.{page}",
        object_label=label,
        organization=organization,
    )
