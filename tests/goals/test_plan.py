"""The treatment plan page: goals and tasks written down together, every change in the history
and the audit trail; who may see and change it; bad input kept with a message beside it."""

from __future__ import annotations

import pytest

from alliance.audit.models import AuditEvent
from alliance.goals import services
from alliance.goals.models import AppendOnlyError, Goal, GoalChange, Task

from .helpers import two_goals


def plan_url(clinic, episode=None):
    return f"/episodes/{(episode or clinic.episode).pk}/plan/goals/"


def test_therapist_adds_a_goal_in_the_clients_words(clinic):
    http = clinic.login("therapist")
    response = http.post(
        plan_url(clinic),
        {
            "action": "add_goal",
            "new-wording": "  Feel less on edge at work  ",
            "new-proposed_by": "client",
            "new-review_on": "2027-01-15",
        },
    )
    assert response.status_code == 302
    goal = Goal.objects.get()
    assert goal.wording == "Feel less on edge at work"
    assert goal.proposed_by == "client" and goal.status == "active"
    assert str(goal.review_on) == "2027-01-15"
    assert GoalChange.objects.get().field == "created"
    event = AuditEvent.objects.get(action="create", object_type="goals.Goal")
    assert event.actor == clinic.therapist and event.client_code == "C-0001"
    page = http.get(plan_url(clinic)).content.decode()
    assert "Feel less on edge at work" in page and "15 Jan 2027" in page


@pytest.mark.parametrize(
    ("wording", "review_on", "message"),
    [
        ("   ", "", "Write the goal in the client&#x27;s own words."),
        ("Sleep\x00 better", "", "Null characters are not allowed."),
        (
            "Sleep better",
            "next tuesday",
            "Enter it as day/month/year, e.g. 22/10/2026 or 22 Oct 2026.",
        ),
        ("x" * 501, "", "Ensure this value has at most 500 characters"),
    ],
)
def test_bad_goal_input_is_shown_beside_the_field_and_kept(clinic, wording, review_on, message):
    http = clinic.login("therapist")
    response = http.post(
        plan_url(clinic),
        {"action": "add_goal", "new-wording": wording, "new-review_on": review_on},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    if review_on:
        assert f'value="{review_on}"' in html
    assert not Goal.objects.exists()


def test_changing_a_goal_writes_one_history_line_per_field_and_an_audit_snapshot(clinic):
    goal, _second = two_goals(clinic)
    http = clinic.login("therapist")
    response = http.post(
        plan_url(clinic),
        {
            "action": "edit_goal",
            "goal": goal.pk,
            f"g{goal.pk}-wording": "Sleep through most nights",
            f"g{goal.pk}-proposed_by": "together",
            f"g{goal.pk}-status": "achieved",
            f"g{goal.pk}-review_on": "",
        },
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.status == "achieved"
    changes = list(goal.changes.exclude(field="created"))
    assert [(c.field, c.before, c.after) for c in changes] == [("status", "active", "achieved")]
    assert changes[0].changed_by == clinic.therapist
    event = AuditEvent.objects.get(action="update", object_type="goals.Goal")
    assert event.before["status"] == "active" and event.after["status"] == "achieved"
    page = http.get(plan_url(clinic)).content.decode()
    assert "Achieved or set aside" in page and "“active” → “achieved”" in page


def test_history_is_append_only(clinic):
    goal, _ = two_goals(clinic)
    line = goal.changes.first()
    with pytest.raises(AppendOnlyError):
        line.save()
    with pytest.raises(AppendOnlyError):
        GoalChange.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        GoalChange.objects.update(after="rewritten")


def test_tasks_are_added_and_changed_with_history(clinic):
    goal, _ = two_goals(clinic)
    http = clinic.login("therapist")
    added = http.post(
        plan_url(clinic),
        {
            "action": "add_task",
            "goal": goal.pk,
            f"nt{goal.pk}-wording": "Wind-down routine",
            f"nt{goal.pk}-proposed_by": "therapist",
        },
    )
    assert added.status_code == 302
    task = Task.objects.get()
    assert task.status == "agreed" and task.proposed_by == "therapist"
    done = http.post(
        plan_url(clinic),
        {
            "action": "edit_task",
            "task": task.pk,
            f"t{task.pk}-wording": "Wind-down routine",
            f"t{task.pk}-proposed_by": "therapist",
            f"t{task.pk}-status": "done",
        },
    )
    assert done.status_code == 302
    task.refresh_from_db()
    assert task.status == "done"
    assert goal.changes.filter(task=task, field="status", after="done").exists()
    blank = http.post(
        plan_url(clinic),
        {
            "action": "add_task",
            "goal": goal.pk,
            f"nt{goal.pk}-wording": " ",
            f"nt{goal.pk}-proposed_by": "therapist",
        },
    )
    assert blank.status_code == 400
    assert "Describe the task or approach you agreed." in blank.content.decode()


def test_a_goal_of_another_episode_is_not_found(clinic):
    other = services.add_goal(clinic.outsider_episode, by=clinic.outsider, wording="Elsewhere")
    http = clinic.login("therapist")
    for data in (
        {"action": "edit_goal", "goal": other.pk},
        {"action": "add_task", "goal": other.pk},
        {"action": "edit_goal", "goal": "1" * 30},
        {"action": "edit_goal", "goal": "abc"},
        {"action": "nonsense"},
    ):
        assert http.post(plan_url(clinic), data).status_code == 404
    other.refresh_from_db()
    assert other.wording == "Elsewhere"


def test_review_schedule_is_validated(clinic):
    http = clinic.login("therapist")
    bad = http.post(plan_url(clinic), {"action": "settings", "every_n": "99"})
    assert bad.status_code == 400
    assert 'value="99"' in bad.content.decode()
    assert http.post(plan_url(clinic), {"action": "settings", "every_n": "2"}).status_code == 302
    assert services.review_settings(clinic.episode).every_n == 2


@pytest.mark.parametrize("who", ["outsider", "colleague", "researcher", "admin", "anonymous"])
def test_people_outside_the_episode_get_404(clinic, who):
    goal, _ = two_goals(clinic)
    http = clinic.login(who)
    base = plan_url(clinic)
    for url in (base, base + "print/", base + "plan.pdf"):
        response = http.get(url)
        expected = 302 if who == "anonymous" else 404
        assert response.status_code == expected, (who, url)
    response = http.post(base, {"action": "add_goal", "new-wording": "x"})
    assert response.status_code in ((302,) if who == "anonymous" else (404,))
    assert Goal.objects.count() == 2


def test_supervisor_reads_but_cannot_write(clinic):
    goal, _ = two_goals(clinic)
    http = clinic.login("supervisor")
    page = http.get(plan_url(clinic))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Sleep through most nights" in html and "Read-only" in html
    assert 'value="add_goal"' not in html
    assert (
        http.post(plan_url(clinic), {"action": "add_goal", "new-wording": "x"}).status_code == 403
    )
    assert http.post(plan_url(clinic), {"action": "edit_goal", "goal": goal.pk}).status_code == 403
    assert Goal.objects.count() == 2


def test_viewing_the_plan_is_audited(clinic):
    two_goals(clinic)
    clinic.login("therapist").get(plan_url(clinic))
    assert AuditEvent.objects.filter(action="view", object_type="care.CareEpisode").exists()


def test_episode_page_shows_the_plan_section(clinic):
    two_goals(clinic)
    html = clinic.login("therapist").get(f"/episodes/{clinic.episode.pk}/").content.decode()
    assert "Goals and tasks" in html and "Go back to the choir" in html
    assert f"/episodes/{clinic.episode.pk}/plan/goals/" in html


def test_printable_plan_and_pdf(clinic):
    two_goals(clinic)
    http = clinic.login("therapist")
    printed = http.get(plan_url(clinic) + "print/")
    html = printed.content.decode()
    assert printed.status_code == 200
    assert "Sleep through most nights" in html and "goals/print.css" in html
    assert "<script" not in html and "style=" not in html
    pdf = http.get(plan_url(clinic) + "plan.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="export", object_type="care.CareEpisode").count() == 2
    # The supervisor may read, so may print too.
    assert clinic.login("supervisor").get(plan_url(clinic) + "plan.pdf").status_code == 200


def test_admin_allowed_to_read_clinical_data_reads_but_cannot_write(clinic):
    two_goals(clinic)
    clinic.org.admins_see_clinical_data = True
    clinic.org.save()
    http = clinic.login("admin")
    assert http.get(plan_url(clinic)).status_code == 200
    assert (
        http.post(plan_url(clinic), {"action": "add_goal", "new-wording": "x"}).status_code == 403
    )
    assert Goal.objects.count() == 2
