"""The client's data rights, on the client page: everything about them as one download, and
their erasure. Both are for the client's therapist (or an admin who may see clinical data), both
ask for the password again, and both are audited.

The access check comes first, so someone who may not see the client gets a 404, not a password
prompt; then allauth's re-authentication, so a stolen session alone exports or erases nothing.
"""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from alliance.accounts import access
from alliance.care import services as care_services
from alliance.care.models import Client

from . import erasure, export
from .forms import ConfirmErasureForm


def _client_for_data_rights(viewer: access.Viewer, pk: int) -> Client:
    """A client whose data rights (export, erasure) this person may carry out: a therapist who
    may change the client and works in every episode of theirs, or an admin of an organization
    that lets admins see clinical data (answering such requests is often the clinic's admin's
    job). A supervisor, a therapist who works in only some of the client's episodes, or an admin
    who may not see clinical data, is refused: they would otherwise read what they may not."""
    client = access.get_for(viewer, Client, pk)
    if not Client.objects.can_exercise_data_rights(viewer, client):
        raise PermissionDenied(
            "Only a therapist who works in all of the client's episodes, or the clinic's admin, "
            "may do this."
        )
    return client


@access.staff_page()
def client_export(request: access.StaffRequest, pk: int) -> HttpResponse:
    client = _client_for_data_rights(request.viewer, pk)
    return _export(request, client)


@reauthentication_required
def _export(request: HttpRequest, client: Client) -> HttpResponse:
    if request.method != "POST":
        care_services.record_viewed(client)
        return render(request, "rights/export.html", {"client": client})
    bundle = export.build(client)
    data = bundle.zip_bytes()
    export.record_downloaded(client, bundle)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{bundle.filename}"'
    response["Cache-Control"] = "no-store"
    return response


@access.staff_page()
def client_erase(request: access.StaffRequest, pk: int) -> HttpResponse:
    client = _client_for_data_rights(request.viewer, pk)
    return _erase(request, client)


@reauthentication_required
def _erase(request: HttpRequest, client: Client) -> HttpResponse:
    form = ConfirmErasureForm(request.POST or None, client_code=client.code)
    if request.method == "POST" and form.is_valid():
        try:
            result = erasure.erase(client)
        except Client.DoesNotExist:
            # A second click, or a colleague, erased them a moment ago (the row lock waited).
            raise Http404("Not found") from None
        except (ProtectedError, RestrictedError):
            messages.error(
                request,
                _(
                    "The client could not be erased: other records still refer to them. "
                    "Nothing was deleted."
                ),
            )
        else:
            messages.success(request, _erased_message(result))
            return redirect("care:clients")
    if request.method != "POST":
        care_services.record_viewed(client)
    context = {"client": client, "form": form, "plan": erasure.plan(client)}
    return render(request, "rights/erase.html", context, status=400 if form.errors else 200)


def _erased_message(result: erasure.ErasureResult) -> str:
    deleted = ", ".join(f"{count} {label}" for label, count in result.counts.items() if count)
    return _(
        "The client has been erased. Deleted: %(deleted)s. %(events)d audit events were redacted; "
        "the erasure is recorded as %(tombstone)s."
    ) % {"deleted": deleted, "events": result.audit_events_redacted, "tombstone": result.tombstone}
