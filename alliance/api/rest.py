"""The REST API for integrators, under /api/v1/ (OpenAPI document: /api/v1/openapi.json).

Thin handlers: lookup through the access layer (`visible_to`, as the token's viewer), audit,
and the same service functions the pages use. Errors always have the body
{"detail": ..., "code": ...} (alliance.api.errors).
"""

import datetime as dt
import re
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, FilterLookup, FilterSchema, NinjaAPI, Path, Query, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status
from pydantic import BeforeValidator

from alliance.accounts import access
from alliance.accounts.access import MAX_ID
from alliance.care.models import CareEpisode, Client, Participant, Session
from alliance.checkins import services
from alliance.checkins.models import CheckinRequest, Response
from alliance.insights.models import Alert
from alliance.measures.models import current_instrument

from . import errors
from . import services as api_services
from .auth import TokenAuth, organization_of, require_write, viewer_of

DESCRIPTION = """Alliance's REST API for a clinic's record system.

Authenticate with `Authorization: Bearer <token>`; an organization's admin creates tokens
(read or write scope) under *Integrations*. Every call is limited per token and audited.
Errors always have the body `{"detail": "...", "code": "..."}`. Lists are paginated with
`page` and `page_size` and return `{"items": [...], "count": n}`. See docs/api.md.
"""


class _Api(NinjaAPI):
    def get_openapi_operation_id(self, operation: Any) -> str:
        """Operation ids are the handlers' names (list_clients), so generated clients read well."""
        return str(operation.view_func.__name__)


api = _Api(
    title="Alliance API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    docs_url=None,  # Swagger UI loads from a CDN; the strict CSP forbids third-party requests
    auth=TokenAuth(),
)
errors.install(api)

Id = Path(..., ge=1, le=MAX_ID)


class Page(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int | None = Field(None, ge=1, le=200)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(page_size=50, max_page_size=200, **kwargs)


# --- schemas ------------------------------------------------------------------------------------


class ClientOut(Schema):
    id: int
    code: str
    display_name: str
    created_at: dt.datetime
    updated_at: dt.datetime


class ParticipantOut(Schema):
    id: int
    role: str
    client_id: int | None
    user_id: int | None
    joined_on: dt.date
    left_on: dt.date | None


class EpisodeOut(Schema):
    id: int
    title: str
    format: str
    status: str
    started_on: dt.date
    closed_on: dt.date | None
    participants: list[ParticipantOut]

    @staticmethod
    def resolve_participants(obj: Any) -> list[Any]:
        return list(obj.participants.all())


class SessionOut(Schema):
    id: int
    episode_id: int
    number: int
    starts_at: dt.datetime
    duration_minutes: int
    status: str


class CheckinRequestIn(Schema):
    session: int = Field(..., ge=1, le=MAX_ID, description="Session id")
    participant: int = Field(..., ge=1, le=MAX_ID, description="Participant id (of the episode)")
    instruments: list[str] | None = Field(
        None,
        max_length=10,
        description="Instrument keys; leave out for everything the plan still asks for.",
    )


class CheckinRequestOut(Schema):
    id: int
    session_id: int
    participant_id: int
    state: str
    expires_at: dt.datetime
    created_at: dt.datetime
    instruments: list[str]
    link: str | None = Field(None, description="Only in the answer that created the request.")

    @staticmethod
    def resolve_instruments(obj: Any) -> list[str]:
        return [item.instrument.key for item in obj.items.all()]


class ResponseOut(Schema):
    id: int
    session_id: int
    episode_id: int
    session_number: int
    participant_id: int
    participant_role: str
    instrument_key: str
    instrument_version: str
    channel: str
    submitted_at: dt.datetime
    answers: dict[str, Any]
    scores: dict[str, Any]
    risk: list[dict[str, Any]]

    @staticmethod
    def resolve_episode_id(obj: Any) -> int:
        return int(obj.session.episode_id)

    @staticmethod
    def resolve_session_number(obj: Any) -> int:
        return int(obj.session.number)

    @staticmethod
    def resolve_participant_role(obj: Any) -> str:
        return str(obj.participant.role)

    @staticmethod
    def resolve_instrument_version(obj: Any) -> str:
        return str(obj.instrument.version)


class AlertOut(Schema):
    id: int
    episode_id: int
    participant_id: int | None
    kind: str = Field(description="Stable key of the alert kind (docs/alert-rules.md)")
    kind_label: str = Field(description="The kind's one name, as every page shows it")
    severity: str
    state: str
    repair_state: str = Field(
        description="For drops in the client's rating: not_repaired, discussed or repaired"
    )
    scale: str
    session_number: int | None = Field(description="The session that raised the alert")
    latest_session_number: int | None = Field(
        description="The session the alert's current numbers come from"
    )
    reason: str = Field(description="The reason with its numbers, each dated by its session")
    numbers: dict[str, Any]
    raised_at: dt.datetime = Field(
        description="When raised: the session's date, or the moment a risk answer arrived"
    )
    opened_at: dt.datetime = Field(description="When the alert row was written")
    updated_at: dt.datetime

    @staticmethod
    def resolve_raised_at(obj: Any) -> dt.datetime:
        return obj.raised  # type: ignore[no-any-return]


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_only(value: Any) -> Any:
    """Dates are ISO 8601 (YYYY-MM-DD) only: pydantic alone would read ?until=0 as 1970."""
    if value is None or isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        raise ValueError("must be a date written as YYYY-MM-DD")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_only)]


def _audit_list(request: HttpRequest, what: str, filters: dict[str, Any]) -> None:
    api_services.record_list_read(organization_of(request), what, filters)


def _viewed(obj: Any) -> Any:
    api_services.record_viewed(obj)
    return obj


# --- clients ------------------------------------------------------------------------------------


class ClientFilter(FilterSchema):
    since: Annotated[IsoDate | None, FilterLookup("updated_at__date__gte")] = Field(
        None, description="Changed on or after this date (YYYY-MM-DD)"
    )
    until: Annotated[IsoDate | None, FilterLookup("updated_at__date__lte")] = Field(
        None, description="Changed on or before this date (YYYY-MM-DD)"
    )


@api.get("/clients", response={200: list[ClientOut], **errors.ERROR_RESPONSES}, tags=["clients"])
@paginate(Page)
def list_clients(request: HttpRequest, filters: Query[ClientFilter]) -> Any:
    """Clients of the organization; `since`/`until` filter by last change."""
    _audit_list(request, "clients", filters.dict())
    return filters.filter(Client.objects.visible_to(viewer_of(request))).order_by("pk")


@api.get("/clients/{pk}", response={200: ClientOut, **errors.ERROR_RESPONSES}, tags=["clients"])
def get_client(request: HttpRequest, pk: int = Id) -> Any:
    return _viewed(access.get_in(Client.objects.visible_to(viewer_of(request)), pk))


# --- episodes -----------------------------------------------------------------------------------


class EpisodeFilter(FilterSchema):
    since: Annotated[IsoDate | None, FilterLookup("started_on__gte")] = Field(
        None, description="Started on or after this date (YYYY-MM-DD)"
    )
    until: Annotated[IsoDate | None, FilterLookup("started_on__lte")] = Field(
        None, description="Started on or before this date (YYYY-MM-DD)"
    )
    client: Annotated[int | None, FilterLookup("participants__client_id")] = Field(
        None, ge=1, le=MAX_ID, description="Only this client's episodes"
    )
    status: Annotated[str | None, FilterLookup("status")] = Field(None, pattern="^(open|closed)$")


@api.get("/episodes", response={200: list[EpisodeOut], **errors.ERROR_RESPONSES}, tags=["episodes"])
@paginate(Page)
def list_episodes(request: HttpRequest, filters: Query[EpisodeFilter]) -> Any:
    """Care episodes; `since`/`until` filter by start date."""
    _audit_list(request, "episodes", filters.dict())
    qs = CareEpisode.objects.visible_to(viewer_of(request)).prefetch_related("participants")
    return filters.filter(qs).distinct().order_by("pk")


@api.get("/episodes/{pk}", response={200: EpisodeOut, **errors.ERROR_RESPONSES}, tags=["episodes"])
def get_episode(request: HttpRequest, pk: int = Id) -> Any:
    qs = CareEpisode.objects.visible_to(viewer_of(request)).prefetch_related("participants__client")
    return _viewed(access.get_in(qs, pk))


# --- sessions -----------------------------------------------------------------------------------


class SessionFilter(FilterSchema):
    since: Annotated[IsoDate | None, FilterLookup("starts_at__date__gte")] = Field(
        None, description="On or after this date (YYYY-MM-DD)"
    )
    until: Annotated[IsoDate | None, FilterLookup("starts_at__date__lte")] = Field(
        None, description="On or before this date (YYYY-MM-DD)"
    )
    episode: Annotated[int | None, FilterLookup("episode_id")] = Field(None, ge=1, le=MAX_ID)


@api.get("/sessions", response={200: list[SessionOut], **errors.ERROR_RESPONSES}, tags=["sessions"])
@paginate(Page)
def list_sessions(request: HttpRequest, filters: Query[SessionFilter]) -> Any:
    """Sessions; `since`/`until` filter by the session's date."""
    _audit_list(request, "sessions", filters.dict())
    return filters.filter(Session.objects.visible_to(viewer_of(request))).order_by("pk")


@api.get("/sessions/{pk}", response={200: SessionOut, **errors.ERROR_RESPONSES}, tags=["sessions"])
def get_session(request: HttpRequest, pk: int = Id) -> Any:
    qs = Session.objects.visible_to(viewer_of(request)).select_related("episode__organization")
    return _viewed(access.get_in(qs, pk))


# --- check-in requests --------------------------------------------------------------------------


@api.post(
    "/checkin-requests",
    response={201: CheckinRequestOut, 409: errors.ErrorOut, **errors.ERROR_RESPONSES},
    tags=["check-in requests"],
)
def create_checkin_request(request: HttpRequest, body: CheckinRequestIn) -> Any:
    """A new single-use check-in link for one participant of one session, for the record system
    to send. An earlier active link of the same person for the same session stops working."""
    require_write(request)
    session = access.get_in(
        Session.objects.visible_to(viewer_of(request)).select_related("episode__organization"),
        body.session,
    )
    participant = access.get_in(
        Participant.objects.visible_to(viewer_of(request)).filter(
            episode_id=session.episode_id, left_on__isnull=True
        ),
        body.participant,
    )
    instruments = None
    if body.instruments is not None:
        instruments = [_instrument(key) for key in body.instruments]
    issued = services.issue_link(session, participant, by=None, instruments=instruments)
    if issued is None:
        raise HttpError(409, "Nothing is due for this participant at this session.")
    checkin, raw = issued
    checkin.link = services.link_url(raw)
    return Status(201, checkin)


def _instrument(key: str) -> Any:
    found = current_instrument(key[:60]) if "\x00" not in key else None
    if found is None:
        raise HttpError(422, f"Unknown instrument: {key[:60]!r}.")
    return found


@api.get(
    "/checkin-requests/{pk}",
    response={200: CheckinRequestOut, **errors.ERROR_RESPONSES},
    tags=["check-in requests"],
)
def get_checkin_request(request: HttpRequest, pk: int = Id) -> Any:
    """A check-in request and its state; the link itself is never shown again."""
    qs = CheckinRequest.objects.visible_to(viewer_of(request)).select_related(
        "session__episode__organization", "participant__client"
    )
    return _viewed(access.get_in(qs, pk))


# --- responses ----------------------------------------------------------------------------------


class ResponseFilter(FilterSchema):
    since: Annotated[IsoDate | None, FilterLookup("submitted_at__date__gte")] = Field(
        None, description="Submitted on or after this date (YYYY-MM-DD)"
    )
    until: Annotated[IsoDate | None, FilterLookup("submitted_at__date__lte")] = Field(
        None, description="Submitted on or before this date (YYYY-MM-DD)"
    )
    episode: Annotated[int | None, FilterLookup("session__episode_id")] = Field(
        None, ge=1, le=MAX_ID
    )
    session: Annotated[int | None, FilterLookup("session_id")] = Field(None, ge=1, le=MAX_ID)
    instrument: Annotated[str | None, FilterLookup("instrument_key")] = Field(
        None, max_length=60, pattern=r"^[A-Za-z0-9_.-]+$"
    )


def _responses(request: HttpRequest) -> QuerySet[Any]:
    return Response.objects.visible_to(viewer_of(request)).select_related(
        "session", "participant", "instrument"
    )


@api.get(
    "/responses", response={200: list[ResponseOut], **errors.ERROR_RESPONSES}, tags=["responses"]
)
@paginate(Page)
def list_responses(request: HttpRequest, filters: Query[ResponseFilter]) -> Any:
    """Scored responses; `since`/`until` filter by submission date."""
    _audit_list(request, "responses", filters.dict())
    return filters.filter(_responses(request)).order_by("pk")


@api.get(
    "/responses/{pk}", response={200: ResponseOut, **errors.ERROR_RESPONSES}, tags=["responses"]
)
def get_response(request: HttpRequest, pk: int = Id) -> Any:
    return _viewed(access.get_in(_responses(request), pk))


# --- alerts -------------------------------------------------------------------------------------


class AlertFilter(FilterSchema):
    since: Annotated[IsoDate | None, FilterLookup("opened_at__date__gte")] = Field(
        None, description="Raised on or after this date (YYYY-MM-DD)"
    )
    until: Annotated[IsoDate | None, FilterLookup("opened_at__date__lte")] = Field(
        None, description="Raised on or before this date (YYYY-MM-DD)"
    )
    episode: Annotated[int | None, FilterLookup("episode_id")] = Field(None, ge=1, le=MAX_ID)
    state: Annotated[str | None, FilterLookup("state")] = Field(
        None, pattern="^(open|acknowledged|discussed|resolved)$"
    )


@api.get("/alerts", response={200: list[AlertOut], **errors.ERROR_RESPONSES}, tags=["alerts"])
@paginate(Page)
def list_alerts(request: HttpRequest, filters: Query[AlertFilter]) -> Any:
    """Alerts; `since`/`until` filter by the date the alert was raised."""
    _audit_list(request, "alerts", filters.dict())
    return filters.filter(Alert.objects.visible_to(viewer_of(request))).order_by("pk")


@api.get("/alerts/{pk}", response={200: AlertOut, **errors.ERROR_RESPONSES}, tags=["alerts"])
def get_alert(request: HttpRequest, pk: int = Id) -> Any:
    qs = Alert.objects.visible_to(viewer_of(request)).select_related("episode")
    return _viewed(access.get_in(qs, pk))
