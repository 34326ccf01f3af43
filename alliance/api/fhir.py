"""FHIR R4 endpoints under /fhir/: Questionnaire, QuestionnaireResponse, a pseudonymous Patient,
a per-patient Bundle ($everything) and the CapabilityStatement at /fhir/metadata.

Same bearer tokens and organization scope as the REST API; errors are OperationOutcome
resources. Resources are built by alliance.measures.fhir and alliance.checkins.fhir_export.
"""

import hashlib
import json
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from alliance.audit import trail
from alliance.audit.models import Action
from alliance.checkins import services
from alliance.checkins.fhir_export import questionnaire_response
from alliance.measures import fhir as measures_fhir
from alliance.measures.models import Instrument
from alliance.measures.scoring import InvalidAnswers

from . import scope
from .auth import RateLimited, TokenAuth, organization_of, require_write
from .fhir_input import IncomingResponse, parse_incoming

FHIR_JSON = "application/fhir+json"
EXTERNAL_CHANNEL = "external"  # a response captured in another system and sent here
CLIENT_ID = re.compile(r"^(?:Patient/)?client-(\d{1,18})$")
RESPONSE_ID = re.compile(r"^response-(\d{1,18})$")
DATE_PARAM = re.compile(r"^(eq|ge|le|gt|lt)?(\d{4}-\d{2}-\d{2})$")
MAX_ENTRIES = 500

fhir = NinjaAPI(
    title="Alliance FHIR R4",
    version="R4",
    urls_namespace="fhir",
    docs_url=None,
    openapi_url=None,  # FHIR clients read /fhir/metadata instead
    auth=TokenAuth(),
)


# --- responses and errors ----------------------------------------------------------------------


def resource_response(resource: dict[str, Any], status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(resource, default=str), status=status, content_type=FHIR_JSON)


def outcome(status: int, code: str, message: str) -> HttpResponse:
    return resource_response(
        {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": code, "diagnostics": message}],
        },
        status,
    )


@fhir.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: Exception) -> HttpResponse:
    response = outcome(401, "login", "A valid, unrevoked API token is required.")
    response["WWW-Authenticate"] = "Bearer"
    return response


@fhir.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return outcome(403, "forbidden", str(exc) or "Not allowed.")


@fhir.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return outcome(404, "not-found", "Not found.")


@fhir.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: Exception) -> HttpResponse:
    return outcome(400, "invalid", "The request's parameters are not valid.")


@fhir.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = {400: "invalid", 409: "conflict", 422: "processing"}.get(exc.status_code, "exception")
    return outcome(exc.status_code, code, str(exc))


@fhir.exception_handler(RateLimited)
def _rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response = outcome(429, "throttled", "Too many requests for this token; slow down.")
    response["Retry-After"] = str(exc.retry_after)
    return response


def full_url(resource: dict[str, Any]) -> str:
    return f"{settings.SITE_URL}/fhir/{resource['resourceType']}/{resource['id']}"


def bundle(kind: str, resources: list[dict[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": kind,
        "timestamp": timezone.now().isoformat(),
    }
    if kind == "searchset":
        result["total"] = len(resources)
    if resources:
        result["entry"] = [{"fullUrl": full_url(r), "resource": r} for r in resources]
    return result


# --- CapabilityStatement ------------------------------------------------------------------------


def capability_statement() -> dict[str, Any]:
    def resource(kind: str, interactions: list[str], params: list[tuple[str, str]]) -> dict:
        entry: dict[str, Any] = {
            "type": kind,
            "interaction": [{"code": code} for code in interactions],
        }
        if params:
            entry["searchParam"] = [{"name": n, "type": t} for n, t in params]
        return entry

    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-11-22",
        "publisher": "Alliance project",
        "kind": "instance",
        "software": {"name": "Alliance"},
        "implementation": {
            "description": "Alliance routine alliance feedback",
            "url": f"{settings.SITE_URL}/fhir",
        },
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "description": "Bearer token (Authorization: Bearer …) made by an "
                    "organization's admin; scope read or write."
                },
                "resource": [
                    resource("Questionnaire", ["read", "search-type"], [("url", "uri")]),
                    resource(
                        "QuestionnaireResponse",
                        ["read", "search-type", "create"],
                        [("patient", "reference"), ("subject", "reference"), ("authored", "date")],
                    ),
                    resource("Patient", ["read"], []),
                ],
                "operation": [
                    {
                        "name": "everything",
                        "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
                    }
                ],
            }
        ],
    }


@fhir.get("/metadata", auth=None)
def metadata(request: HttpRequest) -> HttpResponse:
    return resource_response(capability_statement())


# --- Questionnaire ------------------------------------------------------------------------------


def current_instruments() -> list[Instrument]:
    keys = Instrument.objects.values_list("key", flat=True).distinct().order_by("key")
    return [row for key in keys if (row := Instrument.objects.current(key)) is not None]


def questionnaire_of(row: Instrument) -> dict[str, Any]:
    resource = measures_fhir.questionnaire(row.parsed())
    resource["id"] = row.key
    return resource


@fhir.get("/Questionnaire")
def search_questionnaires(request: HttpRequest, url: str | None = None) -> HttpResponse:
    found = [questionnaire_of(row) for row in current_instruments()]
    if url:
        wanted = url.split("|", 1)[0]
        found = [q for q in found if q.get("url") == wanted]
    return resource_response(bundle("searchset", found))


@fhir.get("/Questionnaire/{qid}")
def read_questionnaire(request: HttpRequest, qid: str) -> HttpResponse:
    row = Instrument.objects.current(qid[:60]) if re.fullmatch(r"[\w.-]{1,60}", qid) else None
    if row is None:
        raise Http404
    return resource_response(questionnaire_of(row))


# --- Patient ------------------------------------------------------------------------------------


def patient_resource(client: Any) -> dict[str, Any]:
    """Pseudonymous: the clinic's client code as identifier, no name or contact details."""
    return {
        "resourceType": "Patient",
        "id": f"client-{client.pk}",
        "identifier": [
            {
                "system": f"{settings.SITE_URL}/fhir/sid/client-code/{client.organization.slug}",
                "value": client.code,
            }
        ],
    }


def _client(request: HttpRequest, ref: str) -> Any:
    match = CLIENT_ID.match(ref or "")
    if not match:
        raise Http404
    return scope.get(
        scope.clients(organization_of(request)).select_related("organization"), match.group(1)
    )


@fhir.get("/Patient/{pid}")
def read_patient(request: HttpRequest, pid: str) -> HttpResponse:
    client = _client(request, pid)
    trail.record_view(client)
    return resource_response(patient_resource(client))


@fhir.get("/Patient/{pid}/$everything")
def patient_everything(request: HttpRequest, pid: str) -> HttpResponse:
    """A Bundle with the patient, every response about them and the questionnaires used."""
    client = _client(request, pid)
    rows = list(_responses_of(request, client)[:MAX_ENTRIES])
    questionnaires = {r.instrument_id: r.instrument for r in rows}
    resources = [patient_resource(client)]
    resources += [questionnaire_of(row) for row in questionnaires.values()]
    resources += [questionnaire_response(r) for r in rows]
    trail.record(Action.EXPORT, client, after={"format": "fhir-bundle", "responses": len(rows)})
    return resource_response(bundle("collection", resources))


# --- QuestionnaireResponse ----------------------------------------------------------------------


def _responses_of(request: HttpRequest, client: Any) -> Any:
    return (
        scope.responses(organization_of(request))
        .filter(participant__client=client)
        .select_related("session__episode", "participant", "instrument")
        .order_by("submitted_at", "pk")
    )


@fhir.get("/QuestionnaireResponse/{rid}")
def read_response(request: HttpRequest, rid: str) -> HttpResponse:
    match = RESPONSE_ID.match(rid)
    if not match:
        raise Http404
    qs = scope.responses(organization_of(request)).select_related(
        "session__episode", "participant", "instrument"
    )
    response = scope.get(qs, match.group(1))
    trail.record_view(response)
    return resource_response(questionnaire_response(response))


def _date_filters(values: list[str]) -> dict[str, Any]:
    lookups = {"eq": "", "ge": "__gte", "le": "__lte", "gt": "__gt", "lt": "__lt"}
    out: dict[str, Any] = {}
    for value in values:
        match = DATE_PARAM.match(value)
        if not match:
            raise HttpError(400, f"authored must look like ge2026-01-31, not {value[:40]!r}.")
        try:
            day = timezone.datetime.fromisoformat(match.group(2)).date()
        except ValueError:
            raise HttpError(400, f"{value[:40]!r} is not a date.") from None
        out[f"submitted_at__date{lookups[match.group(1) or 'eq']}"] = day
    return out


@fhir.get("/QuestionnaireResponse")
def search_responses(
    request: HttpRequest,
    patient: str | None = None,
    subject: str | None = None,
) -> HttpResponse:
    """Search by patient (or subject) and authored date:
    ?patient=client-7&authored=ge2026-01-01&authored=lt2026-02-01."""
    who = patient or subject
    if not who:
        raise HttpError(400, "Give a patient, e.g. ?patient=client-7.")
    client = _client(request, who)
    rows = _responses_of(request, client).filter(**_date_filters(request.GET.getlist("authored")))
    resources = [questionnaire_response(r) for r in rows[:MAX_ENTRIES]]
    for r in rows[:MAX_ENTRIES]:
        trail.record_view(r)
    return resource_response(bundle("searchset", resources))


@fhir.post("/QuestionnaireResponse")
def create_response(request: HttpRequest) -> HttpResponse:
    """Store a response captured elsewhere; it is scored on arrival like any other. The session
    it belongs to is named by `encounter` (Encounter/session-<id>) and the client by `subject`."""
    token = require_write(request)
    incoming = parse_incoming(request.body)
    org = token.organization
    client = _client(request, incoming.subject)
    session = scope.get(scope.sessions(org).select_related("episode"), incoming.session_id)
    participant = session.episode.participants.filter(client=client).first()
    if participant is None:
        raise HttpError(422, "The subject is not a client of the encounter's episode.")
    instrument = _instrument_for(incoming)
    response, created = _save(incoming, session, participant, instrument)
    resource = questionnaire_response(response)
    missing = response.scores.get("missing") or []
    if missing:
        # Accepted and flagged, as on paper: the stored response says what is unanswered and
        # the therapist is told when a risk item is; the sender learns it here.
        http = resource_response(_unanswered_outcome(response, missing), 201 if created else 200)
    else:
        http = resource_response(resource, 201 if created else 200)
    http["Location"] = full_url(resource)
    return http


def _unanswered_outcome(response: Any, missing: list[str]) -> dict[str, Any]:
    risk = set(response.scores.get("risk_unanswered") or [])
    issues = [
        {
            "severity": "warning",
            "code": "required",
            "diagnostics": f"Item {link_id} was not answered. The response is stored"
            + (
                "; this is a risk item, so the therapist is told to ask about it."
                if link_id in risk
                else "."
            ),
            "expression": [f"QuestionnaireResponse.item.where(linkId='{link_id}')"],
        }
        for link_id in missing
    ]
    return {"resourceType": "OperationOutcome", "issue": issues}


def _instrument_for(incoming: IncomingResponse) -> Instrument:
    url, _sep, version = incoming.questionnaire.partition("|")
    key = url.rstrip("/").rsplit("/", 1)[-1][:60]
    qs = Instrument.objects.filter(key=key)
    row = qs.filter(version=version[:30]).first() if version else qs.order_by("-pk").first()
    if row is None or row.parsed().url != url:
        raise HttpError(422, "Unknown questionnaire; see GET /fhir/Questionnaire.")
    return row


def _save(incoming: IncomingResponse, session: Any, participant: Any, instrument: Instrument):  # noqa: ANN202
    answers = incoming.answers_for(instrument.parsed())
    key = incoming.identifier or hashlib.sha256(json.dumps(incoming.raw).encode()).hexdigest()
    try:
        with transaction.atomic():
            saved = services.save_response(
                session=session,
                participant=participant,
                instrument=instrument,
                answers=answers,
                idempotency_key=f"fhir:{key}",
                channel=EXTERNAL_CHANNEL,
            )
            if saved[1]:  # the recompute marker commits with the response
                services.refresh_insights(session.episode)
            return saved
    except InvalidAnswers as exc:
        raise HttpError(422, str(exc)[:500]) from None
