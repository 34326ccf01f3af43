"""The therapist hears about what matters: in-app lines, the content-free risk email through a
real SMTP server, each person's choices, the webhooks, and escalation."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.urls import reverse
from django.utils import timezone

from alliance.api.models import WebhookDelivery, WebhookEndpoint
from alliance.audit.models import Action, AuditEvent
from alliance.insights import services as insight_services
from alliance.insights.models import Alert, AlertEvent, AlertState
from alliance.notifications import jobs, mail, services
from alliance.notifications.models import Notification, Policy, Preference, RiskWatch
from tests.checkins.helpers import good_answers, issue
from tests.conftest import Clinic

from .helpers import body_of, phq9


def lines(clinic: Clinic, who: str) -> list[Notification]:
    return list(Notification.objects.filter(recipient=getattr(clinic, who)))


def test_a_client_check_in_tells_the_therapist_once_and_nobody_else(
    clinic: Clinic, django_capture_on_commit_callbacks: Any
) -> None:
    _request, token = issue(clinic)
    http = clinic.login("anonymous")
    key = re.search(
        r'name="idempotency_key" value="(\w+)"', http.get(f"/c/{token}/").content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        http.post(f"/c/{token}/", good_answers(key.group(1)))  # type: ignore[union-attr]
    mine = lines(clinic, "therapist")
    assert [(n.kind, n.session_number) for n in mine] == [("checkin", 1)]
    for other in ("colleague", "supervisor", "admin", "researcher", "outsider"):
        assert lines(clinic, other) == []


def test_the_badge_counts_unread_and_the_list_marks_them_read(
    clinic: Clinic, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        phq9(clinic, 0)
    tess = clinic.login("therapist")
    home = tess.get("/").content.decode()
    assert re.search(r'class="badge">1<span class="visually-hidden"> new', home)
    page = tess.get(reverse("notifications:list")).content.decode()
    assert "New check-in from Alex (C-0001) · session 1" in page
    assert f'href="/episodes/{clinic.episode.pk}/"' in page
    assert "1 new since you last looked" in page
    assert 'class="badge"' not in tess.get("/").content.decode()
    assert "0 new since you last looked" in tess.get(reverse("notifications:list")).content.decode()


def test_opening_the_episode_marks_its_notifications_read(
    clinic: Clinic, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        phq9(clinic, 0)
    assert services.unread_count(clinic.therapist, clinic.org.pk) == 1
    clinic.login("therapist").get(reverse("care:episode", args=[clinic.episode.pk]))
    assert services.unread_count(clinic.therapist, clinic.org.pk) == 0


def test_the_list_is_each_persons_own_and_audited(
    clinic: Clinic, django_capture_on_commit_callbacks: Any
) -> None:
    from alliance.audit.models import AuditEvent

    with django_capture_on_commit_callbacks(execute=True):
        phq9(clinic, 0)
    for who in ("colleague", "supervisor", "outsider"):
        page = clinic.login(who).get(reverse("notifications:list")).content.decode()
        assert "Alex" not in page and "C-0001" not in page
    clinic.login("therapist").get(reverse("notifications:list"))
    assert AuditEvent.objects.filter(
        actor=clinic.therapist, action="view", client_code="C-0001"
    ).exists()
    assert clinic.login("researcher").get(reverse("notifications:list")).status_code == 403


def test_a_risk_answer_sends_one_content_free_email_through_smtp(
    clinic: Clinic, mailbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        phq9(clinic, 2)
    with django_capture_on_commit_callbacks(execute=True):
        insight_services.recompute_episode(
            clinic.episode
        )  # the risk alert is raised: still one email
    with django_capture_on_commit_callbacks(execute=True):
        jobs.notify_missed_risk_alerts()
    assert len(mailbox) == 1
    message = mailbox[0]
    assert message["X-RcptTo"] == "tess@northside.test"
    text = message["Subject"] + "\n" + body_of(message)
    assert "answered a risk question" in text and "/notifications/" in text
    for clinical in ("Alex", "C-0001", "PHQ", "item 9", "dead", "harm", "More than half"):
        assert clinical not in text
    assert RiskWatch.objects.get().notice_sent_at is not None
    kinds = sorted(n.kind for n in lines(clinic, "therapist"))
    assert kinds == ["checkin", "risk"]


def test_a_person_may_turn_the_risk_email_off_unless_the_clinic_requires_it(
    clinic: Clinic, mailbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    tess = clinic.login("therapist")
    url = reverse("notifications:preferences")
    assert tess.post(url, {"digest_email": "on"}).status_code == 302
    assert not Preference.objects.get(user=clinic.therapist).risk_email
    with django_capture_on_commit_callbacks(execute=True):
        phq9(clinic, 1)
    assert mailbox == []
    assert [n.kind for n in lines(clinic, "therapist")].count("risk") == 1  # still in the app
    Policy.objects.create(organization=clinic.org, require_risk_email=True)
    page = tess.get(url).content.decode()
    assert "requires this email" in page and "disabled" in page
    assert tess.post(url, {}).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        phq9(clinic, 3, session=_next_session(clinic))
    assert len(mailbox) == 1


def _next_session(clinic: Clinic) -> Any:
    from tests.conftest import make_session

    return make_session(clinic.episode, 2)


def test_a_risk_alert_goes_out_through_the_webhooks_without_content(
    clinic: Clinic, django_capture_on_commit_callbacks: Any
) -> None:
    WebhookEndpoint.objects.create(
        organization=clinic.org, url="https://records.example/hook", secret="s" * 32
    )
    with django_capture_on_commit_callbacks(execute=True):
        phq9(clinic, 2)
    with django_capture_on_commit_callbacks(execute=True):
        insight_services.recompute_episode(clinic.episode)
    delivery = WebhookDelivery.objects.get(event="risk.answered")
    assert set(delivery.payload["alert"]) == {"id", "kind", "severity", "episode_id", "url"}
    assert "C-0001" not in str(delivery.payload)
    from alliance.api import webhooks

    webhooks.queue_new_deliveries()  # the alert's own "alert.created" still goes out too
    assert WebhookDelivery.objects.filter(event="alert.created").count() == 1


def _raise_risk(clinic: Clinic, capture: Any) -> Alert:
    with capture(execute=True):
        phq9(clinic, 2)
    with capture(execute=True):
        insight_services.recompute_episode(clinic.episode)
    return Alert.objects.get(kind="risk")


def test_an_unacknowledged_risk_alert_escalates_to_the_supervisor_once(
    clinic: Clinic, mailbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    alert = _raise_risk(clinic, django_capture_on_commit_callbacks)
    mailbox.clear()
    soon = timezone.now() + dt.timedelta(hours=23)
    assert services.escalate_due(soon) == {"escalated": 0, "acknowledged": 0}
    later = timezone.now() + dt.timedelta(hours=25)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.escalate_due(later)["escalated"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.escalate_due(later)["escalated"] == 0  # idempotent
    escalation = [n for n in lines(clinic, "supervisor") if n.kind == "escalation"]
    assert len(escalation) == 1
    assert [n.kind for n in lines(clinic, "therapist")].count("escalation") == 1  # Tess knows
    note = AlertEvent.objects.filter(alert=alert, note__startswith="Escalated").get().note
    assert note == "Escalated to Sam: not acknowledged within 24 hours."
    assert len(mailbox) == 1 and mailbox[0]["X-RcptTo"] == "sam@northside.test"
    text = mailbox[0]["Subject"] + body_of(mailbox[0])
    assert "not been acknowledged" in text and "Alex" not in text and "C-0001" not in text
    page = clinic.login("supervisor").get(reverse("notifications:list")).content.decode()
    assert (
        "Risk answer from Alex (C-0001), not acknowledged in time · session 1" in page
    )  # Sam may see it
    history = clinic.login("therapist").get(reverse("care:episode", args=[clinic.episode.pk]))
    assert "Escalated to Sam" in history.content.decode()


def test_an_acknowledged_risk_alert_does_not_escalate(
    clinic: Clinic, django_capture_on_commit_callbacks: Any
) -> None:
    alert = _raise_risk(clinic, django_capture_on_commit_callbacks)
    alert.transition(AlertState.ACKNOWLEDGED, by=clinic.therapist)
    done = services.escalate_due(timezone.now() + dt.timedelta(hours=48))
    assert done == {"escalated": 0, "acknowledged": 1}
    assert not Notification.objects.filter(kind="escalation").exists()


def test_escalation_to_a_named_duty_clinician_who_may_not_open_the_record(
    clinic: Clinic, mailbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    # Colin turned the risk email off for his own clients; as duty clinician he still gets it.
    Preference.objects.create(user=clinic.colleague, organization=clinic.org, risk_email=False)
    Policy.objects.create(
        organization=clinic.org,
        escalate_after_hours=2,
        escalate_to="duty",
        duty_clinician=clinic.colleague,
    )
    _raise_risk(clinic, django_capture_on_commit_callbacks)
    mailbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.escalate_due(timezone.now() + dt.timedelta(hours=3))
    assert [m["X-RcptTo"] for m in mailbox] == ["colin@northside.test"]
    page = clinic.login("colleague").get(reverse("notifications:list")).content.decode()
    assert "A client of Tess" in page and "Alex" not in page and "C-0001" not in page


def test_with_no_supervisor_the_admins_are_told(
    clinic: Clinic, django_capture_on_commit_callbacks: Any
) -> None:
    clinic.therapist.supervisor_links.all().delete()
    _raise_risk(clinic, django_capture_on_commit_callbacks)
    services.escalate_due(timezone.now() + dt.timedelta(hours=25))
    assert [n.kind for n in lines(clinic, "admin")] == ["escalation"]


def test_old_answers_from_a_loaded_history_make_no_notification(
    clinic: Clinic, mailbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    old = timezone.now() - dt.timedelta(days=30)
    with django_capture_on_commit_callbacks(execute=True):
        phq9(clinic, 2, sent={"submitted_at": old})
    assert not Notification.objects.exists() and not RiskWatch.objects.exists()


def test_a_lost_notice_is_found_by_the_sweep(
    clinic: Clinic, mailbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    phq9(clinic, 2)  # committed, but the notice after the commit never ran (a crash)
    insight_services.recompute_episode(clinic.episode)
    assert not RiskWatch.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.notify_missed_risk_alerts() == 1
    assert len(mailbox) == 1 and RiskWatch.objects.count() == 1


def test_a_failed_send_gives_the_claim_back_for_the_retry(
    clinic: Clinic, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    with django_capture_on_commit_callbacks(execute=True):
        phq9(clinic, 2)
    watch = RiskWatch.objects.get()
    assert watch.notice_sent_at is None and watch.notice_claimed_at is None


def test_the_daily_digest_has_counts_and_a_link_only_and_comes_once_a_day(
    clinic: Clinic, mailbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    Preference.objects.create(user=clinic.therapist, organization=clinic.org, digest_email=True)
    Preference.objects.create(user=clinic.colleague, organization=clinic.org, digest_email=True)
    with django_capture_on_commit_callbacks(execute=True):
        phq9(clinic, 0)
    assert jobs.send_daily_digests() == 1  # Colin had nothing: no email
    assert jobs.send_daily_digests() == 0
    text = body_of(mailbox[0])
    assert "New check-ins: 1" in text and "New alerts: 0" in text
    assert "Alex" not in text and "C-0001" not in text
    assert mail.send_digests(timezone.now() + dt.timedelta(hours=24)) == 0  # nothing new


def test_the_admin_sets_the_escalation_rules(clinic: Clinic) -> None:
    ada = clinic.login("admin")
    url = reverse("notifications:policy")
    bad = ada.post(url, {"escalate_after_hours": "4", "escalate_to": "duty"})
    assert bad.status_code == 400 and "Choose the duty clinician." in bad.content.decode()
    ok = ada.post(
        url,
        {
            "escalate_after_hours": "4",
            "escalate_to": "duty",
            "duty_clinician": clinic.colleague.pk,
            "require_risk_email": "on",
        },
    )
    assert ok.status_code == 302
    policy = Policy.objects.get(organization=clinic.org)
    assert (policy.escalate_after_hours, policy.duty_clinician, policy.require_risk_email) == (
        4,
        clinic.colleague,
        True,
    )
    outsider = ada.post(
        url,
        {"escalate_after_hours": "4", "escalate_to": "duty", "duty_clinician": clinic.outsider.pk},
    )
    assert outsider.status_code == 400
    assert clinic.login("therapist").get(url).status_code == 403


def test_a_therapists_own_rating_and_a_staff_typed_form_do_not_notify_the_typist(
    clinic: Clinic, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        phq9(clinic, 0, entered_by=clinic.therapist)
    assert lines(clinic, "therapist") == []


def test_a_new_alert_is_a_line_of_its_own(
    clinic: Clinic, django_capture_on_commit_callbacks: Any
) -> None:
    from tests.insights.test_alerts import rate

    for number, value in enumerate([10] * 10 + [8], start=1):
        rate(clinic.episode, number, value)
    with django_capture_on_commit_callbacks(execute=True):
        insight_services.recompute_episode(clinic.episode)
    alert_lines = [n for n in lines(clinic, "therapist") if n.kind == "alert"]
    assert [n.alert.kind for n in alert_lines] == ["drop"]  # type: ignore[union-attr]
    page = clinic.login("therapist").get(reverse("notifications:list")).content.decode()
    assert "Alliance drop: Alex (C-0001) · session 11" in page


def test_with_escalation_turned_off_nothing_escalates(
    clinic: Clinic, django_capture_on_commit_callbacks: Any
) -> None:
    Policy.objects.create(organization=clinic.org, escalate_after_hours=0)
    _raise_risk(clinic, django_capture_on_commit_callbacks)
    for hours in (25, 200, 2000):
        assert services.escalate_due(timezone.now() + dt.timedelta(hours=hours))["escalated"] == 0
    assert not Notification.objects.filter(kind="escalation").exists()


def test_two_workers_holding_the_same_watch_escalate_it_once(
    clinic: Clinic, django_capture_on_commit_callbacks: Any
) -> None:
    alert = _raise_risk(clinic, django_capture_on_commit_callbacks)
    watch = RiskWatch.objects.get()
    policy = services.policy_for(clinic.org.pk)
    later = timezone.now() + dt.timedelta(hours=25)
    first = services.escalate(watch, alert, policy, later)
    second = services.escalate(watch, alert, policy, later)  # read before the first claimed it
    assert (first, second) == (1, 0)
    assert AlertEvent.objects.filter(alert=alert, note__startswith="Escalated").count() == 1


def test_the_worker_runs_escalation_sweep_and_digest_on_its_own_clock() -> None:
    from alliance.jobs.schedule import autodiscover

    found = autodiscover()
    every = {name.rsplit(".", 1)[1]: p.every for name, p in found.items()}
    assert every["escalate_unacknowledged_risk"] == dt.timedelta(minutes=5)
    assert every["notify_missed_risk_alerts"] == dt.timedelta(minutes=10)
    assert every["send_daily_digests"] == dt.timedelta(hours=1)


def test_a_deactivated_duty_clinician_is_passed_over_for_the_supervisor(
    clinic: Clinic, mailbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    Policy.objects.create(
        organization=clinic.org,
        escalate_after_hours=2,
        escalate_to="duty",
        duty_clinician=clinic.colleague,
    )
    clinic.colleague.is_active = False
    clinic.colleague.save()
    _raise_risk(clinic, django_capture_on_commit_callbacks)
    services.escalate_due(timezone.now() + dt.timedelta(hours=3))
    assert lines(clinic, "colleague") == []
    assert [n.kind for n in lines(clinic, "supervisor")] == ["escalation"]


def test_the_sweep_queues_a_risk_webhook_the_alert_path_never_queued(
    clinic: Clinic, django_capture_on_commit_callbacks: Any
) -> None:
    WebhookEndpoint.objects.create(
        organization=clinic.org, url="https://records.example/hook", secret="s" * 32
    )
    _raise_risk(clinic, django_capture_on_commit_callbacks)
    # the watch exists (the response path), but the alert path failed before the webhook
    WebhookDelivery.objects.filter(event="risk.answered").delete()
    assert RiskWatch.objects.exists()
    with django_capture_on_commit_callbacks(execute=False):
        jobs.notify_missed_risk_alerts()
        jobs.notify_missed_risk_alerts()  # twice: still one delivery
    assert WebhookDelivery.objects.filter(event="risk.answered").count() == 1


def test_a_change_to_the_escalation_rules_is_audited_with_what_it_was(clinic: Clinic) -> None:
    Policy.objects.create(organization=clinic.org, escalate_after_hours=24)
    ada = clinic.login("admin")
    ok = ada.post(
        reverse("notifications:policy"), {"escalate_after_hours": "6", "escalate_to": "supervisor"}
    )
    assert ok.status_code == 302
    change = AuditEvent.objects.filter(action=Action.UPDATE).latest("pk")
    assert change.before["escalate_after_hours"] == 24
    assert change.after["escalate_after_hours"] == 6
