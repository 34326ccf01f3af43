"""Bad input never breaks a form, and never loses what the person typed.

- Every Django form class of the project (found by scanning the source, so a new form fails
  here until it has a factory below) is bound to arbitrary text, control characters, huge
  strings and numbers: is_valid() answers, errors are messages, and the form still renders.
- A few key pages get hypothesis-made posts through the test client: never a 500, and the input
  is either saved exactly once or shown again, escaped, with a message.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django import forms
from django.db import transaction
from django.utils.datastructures import MultiValueDict
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import alliance
from alliance.language.models import LanguageSettings
from tests.conftest import Clinic

from .world import World, build

EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- what people (and scripts) type --------------------------------------------------------------

ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=80)  # control characters included
CONTROL = st.text(st.characters(max_codepoint=31), min_size=1, max_size=8)
HUGE = st.sampled_from(["x" * 100_000, "ä" * 5_000, "9" * 400, "\x00" * 50, "<b>" * 2_000])
NUMBERS = st.one_of(st.integers(), st.floats(allow_nan=True, allow_infinity=True)).map(str)
DATES = st.one_of(st.dates().map(dt.date.isoformat), st.just("2026-02-30"), st.just("31/31/31"))
JUNK = st.one_of(ANY_TEXT, CONTROL, HUGE, NUMBERS, DATES, st.just(""))


def plausible(field: forms.Field) -> st.SearchStrategy[Any]:
    """Values of the right kind, so the valid path is exercised as well as the refusals."""
    if isinstance(field, forms.ModelChoiceField):
        pks = [str(pk) for pk in field.queryset.values_list("pk", flat=True)[:20]]
        return st.sampled_from(pks) if pks else JUNK
    if isinstance(field, forms.ChoiceField):
        values = [str(v) for v, _label in field.choices if not isinstance(_label, list | tuple)]
        return st.sampled_from(values) if values else JUNK
    if isinstance(field, forms.BooleanField):
        return st.sampled_from(["on", "", "false"])
    if isinstance(field, forms.EmailField):
        return st.emails()
    if isinstance(field, forms.DateTimeField):
        return st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M"))
    if isinstance(field, forms.DateField):
        return st.dates().map(dt.date.isoformat)
    if isinstance(field, forms.IntegerField | forms.FloatField):
        return st.integers(-5, 800).map(str)
    return ANY_TEXT


def field_value(field: forms.Field) -> st.SearchStrategy[Any]:
    one = st.one_of(plausible(field), JUNK)
    if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        return st.lists(one, max_size=4)
    return one


def form_data(form: forms.BaseForm) -> st.SearchStrategy[dict[str, Any]]:
    """Every field of the form (under its prefix), each sometimes missing altogether."""
    return st.fixed_dictionaries(
        {},
        optional={form.add_prefix(name): field_value(f) for name, f in form.fields.items()},
    )


def as_post(data: dict[str, Any]) -> MultiValueDict:
    return MultiValueDict({k: v if isinstance(v, list) else [v] for k, v in data.items()})


# --- every form class of the project -------------------------------------------------------------


def project_form_classes() -> dict[str, type[forms.BaseForm]]:
    """Every form class defined in the project's source, wherever it lives."""
    found: dict[str, type[forms.BaseForm]] = {}
    for module in pkgutil.walk_packages(alliance.__path__, "alliance."):
        if ".migrations" in module.name or ".management" in module.name:
            continue
        spec = importlib.util.find_spec(module.name)
        origin = spec.origin if spec else None
        if not origin or not origin.endswith(".py"):
            continue
        with open(origin, encoding="utf-8") as source:
            text = source.read()
        if "forms.Form" not in text and "ModelForm" not in text:
            continue
        for value in vars(importlib.import_module(module.name)).values():
            if (
                isinstance(value, type)
                and issubclass(value, forms.BaseForm)
                and value.__module__ == module.name
            ):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return found


@dataclass
class Ctx:
    world: World

    @property
    def c(self) -> Clinic:
        return self.world.clinic

    def fresh(self, obj: Any) -> Any:
        """A ModelForm changes its instance while validating: each example gets its own copy."""
        return type(obj)._base_manager.get(pk=obj.pk)


def _factories() -> dict[str, Callable[[Ctx], dict[str, Any]]]:
    """For each form: the arguments a view gives it besides the data."""
    from alliance.accounts import access
    from alliance.care.models import Client
    from alliance.checkins import sending
    from alliance.checkins import services as checkins
    from alliance.goals import services as goals
    from alliance.goals.models import ClientPreferences
    from alliance.growth.models import AttributeDefinition, GrowthSettings
    from alliance.insights import services as insights
    from alliance.wellbeing import privacy

    def therapist_viewer(x: Ctx) -> access.Viewer:
        return access.Viewer(x.c.therapist, x.c.org, frozenset({"therapist"}))

    def goal(x: Ctx) -> Any:
        return x.fresh(x.c.episode.goals.first())

    return {
        "alliance.accounts.forms.AddMemberForm": lambda x: dict(organization=x.c.org),
        "alliance.accounts.forms.AddRoleForm": lambda x: dict(),
        "alliance.accounts.forms.SupervisionForm": lambda x: dict(organization=x.c.org),
        "alliance.accounts.forms.OrganizationSettingsForm": lambda x: dict(
            instance=x.fresh(x.c.org)
        ),
        "alliance.accounts.forms.ClientSafetyForm": lambda x: dict(
            languages=[("en", "English"), ("de", "Deutsch")]
        ),
        "alliance.notifications.forms.PreferenceForm": lambda x: dict(required_by_clinic=True),
        "alliance.notifications.forms.PolicyForm": lambda x: dict(organization=x.c.org),
        "alliance.api.forms.TokenForm": lambda x: dict(prefix="token"),
        "alliance.api.forms.WebhookForm": lambda x: dict(prefix="hook"),
        "alliance.api.forms.ExportForm": lambda x: dict(),
        "alliance.audit.views.AuditFilterForm": lambda x: dict(),
        "alliance.care.forms.ClientForm": lambda x: dict(organization=x.c.org),
        "alliance.care.forms.EpisodeForm": lambda x: dict(
            clients=Client.objects.visible_to(therapist_viewer(x), write=True),
            organization=x.c.org,
            user=x.c.therapist,
        ),
        "alliance.care.forms.EpisodeDetailsForm": lambda x: dict(instance=x.fresh(x.c.episode)),
        "alliance.care.forms.StatusChangeForm": lambda x: dict(),
        "alliance.care.forms.AddClientParticipantForm": lambda x: dict(
            clients=Client.objects.visible_to(therapist_viewer(x), write=True),
        ),
        "alliance.care.forms.AddStaffParticipantForm": lambda x: dict(organization=x.c.org),
        "alliance.care.forms.SessionForm": lambda x: dict(instance=x.fresh(x.c.session)),
        "alliance.checkins.forms.PlanEntryForm": lambda x: dict(),
        "alliance.checkins.forms.ShareProgressForm": lambda x: dict(
            instance=checkins.episode_settings(x.c.episode)
        ),
        "alliance.checkins.forms.EpisodeSendingForm": lambda x: dict(
            instance=checkins.episode_settings(x.c.episode)
        ),
        "alliance.checkins.forms.ContactPreferencesForm": lambda x: dict(
            instance=sending.contact_preferences(x.c.client), client=x.c.client, prefix="c1"
        ),
        "alliance.checkins.forms.SendingSettingsForm": lambda x: dict(
            instance=sending.sending_settings(x.c.org)
        ),
        "alliance.goals.forms.GoalForm": lambda x: dict(instance=goal(x), prefix="g"),
        "alliance.goals.forms.TaskForm": lambda x: dict(prefix="nt"),
        "alliance.goals.forms.ReviewSettingsForm": lambda x: dict(
            instance=goals.review_settings(x.c.episode)
        ),
        "alliance.goals.forms.GoalReviewForm": lambda x: {
            "_args": (goals.active_goals(x.c.episode),)
        },
        "alliance.goals.forms.PreferencesForm": lambda x: dict(
            instance=ClientPreferences(participant=x.c.episode.participants.get(client=x.c.client)),
        ),
        "alliance.goals.forms.AgendaForm": lambda x: dict(),
        "alliance.growth.forms.AttributeDefinitionForm": lambda x: dict(organization=x.c.org),
        "alliance.growth.forms.ClientAttributesForm": lambda x: dict(
            definitions=list(AttributeDefinition.objects.filter(organization=x.c.org)), current={}
        ),
        "alliance.growth.forms.GrowthSettingsForm": lambda x: dict(
            instance=GrowthSettings(organization=x.c.org), prefix="days"
        ),
        "alliance.growth.forms.PracticePeriodForm": lambda x: {},
        "alliance.growth.forms.SupervisionNoteForm": lambda x: {},
        "alliance.rights.forms.ConfirmErasureForm": lambda x: dict(client_code=x.c.client.code),
        "alliance.wellbeing.forms.JournalEntryForm": lambda x: dict(
            episodes=privacy.linkable_episodes(therapist_viewer(x))
        ),
        "alliance.wellbeing.forms.ReminderForm": lambda x: {},
        "alliance.wellbeing.forms.SelfCheckForm": lambda x: {},
        "alliance.wellbeing.forms.ShareForm": lambda x: dict(
            supervisors=privacy.my_supervisors(therapist_viewer(x))
        ),
        "alliance.language.forms.UploadForm": lambda x: dict(),
        "alliance.language.forms.SpeakerMapForm": lambda x: dict(
            session_pk=x.c.session.pk, speakers=["Tess", "Client"]
        ),
        "alliance.language.forms.LanguageSettingsForm": lambda x: dict(
            instance=LanguageSettings(organization=x.c.org)
        ),
        "alliance.insights.forms.AlertActionForm": lambda x: dict(),
        "alliance.insights.forms.PromptForm": lambda x: dict(),
        "alliance.insights.forms.ThresholdsForm": lambda x: dict(
            current=insights.thresholds_for(x.c.org)
        ),
    }


def make(name: str, ctx: Ctx, data: Any) -> forms.BaseForm:
    """The form class `name` (module.Class), bound to data (or unbound for None)."""
    module, cls = name.rsplit(".", 1)
    kwargs = FACTORIES[name](ctx)
    args = kwargs.pop("_args", ())
    return getattr(importlib.import_module(module), cls)(*args, data, **kwargs)


FACTORIES = _factories()


def test_every_form_class_has_a_factory() -> None:
    missing = sorted(set(project_form_classes()) - set(FACTORIES))
    assert not missing, (
        f"Add these forms to FACTORIES in tests/security/test_forms_hypothesis.py: {missing}"
    )


@pytest.fixture
def ctx(clinic: Clinic) -> Ctx:
    return Ctx(build(clinic))


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_any_input_gives_a_verdict_and_messages_never_an_exception(ctx: Ctx, name: str) -> None:
    shape = make(name, ctx, None)

    @EXAMPLES
    @given(data=form_data(shape))
    def bind(data: dict[str, Any]) -> None:
        form = make(name, ctx, as_post(data))
        if form.is_valid():
            assert set(form.cleaned_data) >= set(form.fields), name
        else:
            for field, messages in form.errors.items():
                assert messages and all(isinstance(m, str) and m.strip() for m in messages), (
                    name,
                    field,
                    messages,
                )
        assert form.render()  # shown again with its errors, whatever was typed

    bind()


def test_any_answers_to_a_questionnaire_give_a_verdict(ctx: Ctx) -> None:
    """The check-in form is built from instrument files, not django.forms: same promise."""
    from alliance.checkins.forms import QuestionnaireForm
    from alliance.measures.models import current_instrument

    instruments = [current_instrument(k) for k in ("alliance-checkin-client", "phq-9")]
    names = [q.name for s in QuestionnaireForm(instruments, "en").sections for q in s.questions]

    @EXAMPLES
    @given(data=st.fixed_dictionaries({}, optional=dict.fromkeys(names, JUNK)))
    def bind(data: dict[str, str]) -> None:
        form = QuestionnaireForm(instruments, "en", data)
        if not form.is_valid():
            assert form.has_errors
            shown = [q.value for s in form.sections for q in s.questions]
            assert shown == [str(data.get(n, "")) for n in names]  # nothing typed is lost

    bind()


# --- key pages, through the test client ----------------------------------------------------------


def _rolled_back(action: Callable[[], None]) -> None:
    with transaction.atomic():
        action()
        transaction.set_rollback(True)


def _kept_or_saved(response: Any, typed: dict[str, Any], saved: int) -> None:
    """Saved exactly once, or shown again with a message and every typed text escaped."""
    assert response.status_code < 500, response.status_code
    if saved:
        assert saved == 1, f"saved {saved} times"
        assert response.status_code == 302
        return
    html = response.content.decode()
    assert response.status_code in (200, 400), response.status_code
    assert 'class="error' in html or "errorlist" in html or 'role="alert"' in html
    for name, value in typed.items():
        if isinstance(value, str) and value.strip() and "\r" not in value:
            assert escape(value) in html, f"{name}={value!r} was not shown again"


TEXT_INPUT = st.one_of(ANY_TEXT, CONTROL, st.sampled_from(["<script>alert(1)</script>", "a&b"]))


def test_client_create_saves_once_or_keeps_the_input(ctx: Ctx) -> None:
    from alliance.care.models import Client

    http = ctx.world.browser("therapist")

    @EXAMPLES
    @given(code=TEXT_INPUT, name=TEXT_INPUT | HUGE, email=JUNK | st.emails())
    def post(code: str, name: str, email: str) -> None:
        def act() -> None:
            before = Client.objects.count()
            typed = {"code": code, "display_name": name, "email": email}
            response = http.post("/clients/new/", typed)
            _kept_or_saved(response, typed, Client.objects.count() - before)
            if response.status_code == 302:
                stored = Client.objects.latest("pk")
                assert (stored.code, stored.display_name) == (code.strip(), name.strip())

        _rolled_back(act)

    post()


def test_episode_create_saves_once_or_keeps_the_input(ctx: Ctx) -> None:
    from alliance.care.models import CareEpisode

    http = ctx.world.browser("therapist")
    client = ctx.world.ids["client"]

    @EXAMPLES
    @given(
        fmt=st.sampled_from(["individual", "couple", "group"]) | JUNK,
        title=TEXT_INPUT,
        started=DATES | JUNK,
        clients=st.lists(st.sampled_from([client, "0", "x"]) | JUNK, max_size=3),
    )
    def post(fmt: str, title: str, started: str, clients: list[str]) -> None:
        def act() -> None:
            before = CareEpisode.objects.count()
            typed = {"format": fmt, "title": title, "started_on": started}
            response = http.post("/episodes/new/", {**typed, "clients": clients})
            _kept_or_saved(response, typed, CareEpisode.objects.count() - before)

        _rolled_back(act)

    post()


def test_ids_the_database_cannot_hold_get_a_message(ctx: Ctx) -> None:
    """Found by the property above: SQLite cannot compare a number above 2**63 (was a 500)."""
    http = ctx.world.browser("therapist")
    huge = "9" * 25
    for field in ("clients", "co_therapists", "interpreters"):
        data = {"format": "individual", "title": "t", "started_on": "2026-01-05"}
        data.setdefault("clients", [ctx.world.ids["client"]])
        response = http.post("/episodes/new/", {**data, field: [huge]})
        html = response.content.decode()
        assert response.status_code == 200
        assert huge in html and "is not a valid value" in html, field


def test_session_create_saves_once_or_keeps_the_input(ctx: Ctx) -> None:
    from alliance.care.models import Session

    http = ctx.world.browser("therapist")
    path = f"/episodes/{ctx.world.ids['episode']}/sessions/new/"

    @EXAMPLES
    @given(
        starts=st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M")) | JUNK,
        minutes=st.integers(-10, 1000).map(str) | JUNK,
        status=st.sampled_from(["scheduled", "attended"]) | JUNK,
    )
    def post(starts: str, minutes: str, status: str) -> None:
        def act() -> None:
            before = Session.objects.count()
            typed = {"starts_at": starts, "duration_minutes": minutes, "status": status}
            response = http.post(path, typed)
            _kept_or_saved(response, {"starts_at": starts}, Session.objects.count() - before)

        _rolled_back(act)

    post()


def test_client_checkin_saves_once_or_keeps_the_answers(ctx: Ctx) -> None:
    from alliance.checkins.models import Response

    http = ctx.world.browser("link")
    path = f"/c/{ctx.world.link_token}/"
    score = st.integers(0, 10).map(str) | JUNK

    @EXAMPLES
    @given(bond=score, goals=score, tasks=score, overall=score, change=TEXT_INPUT | HUGE)
    def post(bond: str, goals: str, tasks: str, overall: str, change: str) -> None:
        def act() -> None:
            before = Response.objects.count()
            typed = {"q1-bond": bond, "q1-goals": goals, "q1-tasks": tasks, "q1-overall": overall}
            response = http.post(path, {**typed, "q1-change": change})
            saved = Response.objects.count() - before
            # Scores are radio buttons: only the free text can be shown back as typed.
            _kept_or_saved(response, {"q1-change": change}, saved)
            if saved:
                stored = Response.objects.latest("pk").answers
                # Kept as typed, give or take surrounding white space.
                assert str(stored.get("change") or "").strip() == change.strip()

        _rolled_back(act)

    post()


def test_alert_discussion_saves_once_or_keeps_the_input(ctx: Ctx) -> None:
    from alliance.insights.models import AlertEvent

    http = ctx.world.browser("therapist")
    path = f"/alerts/{ctx.world.ids['alert']}/"

    @EXAMPLES
    @given(
        to_state=st.sampled_from(["acknowledged", "discussed", "resolved", "open"]) | JUNK,
        said=TEXT_INPUT | HUGE,
        reply=TEXT_INPUT,
        note=TEXT_INPUT,
    )
    def post(to_state: str, said: str, reply: str, note: str) -> None:
        def act() -> None:
            before = AlertEvent.objects.count()
            typed = {"what_was_said": said, "client_response": reply, "note": note}
            response = http.post(path, {"to_state": to_state, **typed})
            saved = AlertEvent.objects.count() - before
            _kept_or_saved(response, typed, saved)
            if saved:
                event = AlertEvent.objects.latest("pk")
                assert (event.what_was_said, event.note) == (said.strip(), note.strip())

        _rolled_back(act)

    post()


def test_goal_create_saves_once_or_keeps_the_input(ctx: Ctx) -> None:
    from alliance.goals.models import Goal

    http = ctx.world.browser("therapist")
    path = f"/episodes/{ctx.world.ids['episode']}/plan/goals/"

    @EXAMPLES
    @given(
        wording=TEXT_INPUT | HUGE,
        by=st.sampled_from(["client", "therapist", "together"]) | JUNK,
        review_on=DATES | JUNK,
    )
    def post(wording: str, by: str, review_on: str) -> None:
        def act() -> None:
            before = Goal.objects.count()
            typed = {"new-wording": wording, "new-proposed_by": by, "new-review_on": review_on}
            response = http.post(path, {"action": "add_goal", **typed})
            saved = Goal.objects.count() - before
            _kept_or_saved(response, {"new-wording": wording}, saved)
            if saved:
                assert Goal.objects.latest("pk").wording == wording.strip()

        _rolled_back(act)

    post()
