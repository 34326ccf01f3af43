"""What the API records about its reads, kept out of the endpoint modules. Tokens and webhook
endpoints record their own changes (alliance.audit.audited)."""

from __future__ import annotations

from typing import Any

from alliance.audit import trail
from alliance.audit.models import Action


def record_list_read(organization: Any, what: str, filters: dict[str, Any]) -> None:
    """An integration listed client data of one kind, with these filters."""
    trail.record(
        Action.VIEW,
        object_type=f"api.{what}",
        object_label=f"list of {what}",
        organization=organization,
        after={"filters": {k: str(v) for k, v in filters.items() if v is not None}},
    )


def record_viewed(instance: Any) -> None:
    """An integration read one object of client data."""
    trail.record_view(instance)


def record_bundle_exported(client: Any, responses: int) -> None:
    """A FHIR Bundle with everything about one client left the app."""
    trail.record(Action.EXPORT, client, after={"format": "fhir-bundle", "responses": responses})
