"""What the plan looks like to staff: the section on the episode page, the plan page and the
printed plan all take their data from here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from alliance import charts
from alliance.accounts import access
from alliance.care.models import CLIENT_ROLES, CareEpisode
from alliance.care.panels import Page
from alliance.charts.render import render_svg, svg_data_uri

from . import services
from .models import ClientPreferences, Goal, GoalRating, GoalStatus

# Prompts for exploring differences (DOMAIN.md section 4), offered beside the preferences.
DIFFERENCE_PROMPTS = [
    "You told me how you would like us to work. How is that going so far?",
    "Are there ways our backgrounds differ that you notice here? How do they show up?",
    "What would I need to understand about your culture, faith, identity or circumstances "
    "to be helpful to you?",
    "How would you like me to ask you if something I say doesn't fit your experience?",
]


@dataclass
class GoalRow:
    goal: Goal
    number: int
    latest: GoalRating | None = None
    previous: GoalRating | None = None


@dataclass
class PlanPanel:
    episode: CareEpisode
    can_change: bool
    rows: list[GoalRow]
    past: list[GoalRow]
    proposals: list[Any]
    preferences: list[tuple[str, ClientPreferences]] = field(default_factory=list)
    prompts: list[str] = field(default_factory=list)
    charts: list[tuple[str, str]] = field(default_factory=list)  # (title, data URI of an SVG)
    review_every: int = 4

    @property
    def overdue(self) -> list[GoalRow]:
        return [r for r in self.rows if r.goal.review_overdue]

    @property
    def next_review(self) -> Any:
        dates = [r.goal.review_on for r in self.rows if r.goal.review_on]
        return min(dates) if dates else None


def _rows(episode: CareEpisode) -> tuple[list[GoalRow], list[GoalRow], list[GoalRating]]:
    goals = list(episode.goals.prefetch_related("tasks"))
    ratings = list(
        GoalRating.objects.filter(goal__episode=episode)
        .select_related("review__session")
        .order_by("review__session__number", "pk")
    )
    by_goal: dict[int, list[GoalRating]] = {}
    for rating in ratings:
        by_goal.setdefault(rating.goal_id, []).append(rating)
    rows = []
    for number, goal in enumerate(goals, 1):
        mine = by_goal.get(goal.pk, [])
        rows.append(
            GoalRow(goal, number, mine[-1] if mine else None, mine[-2] if len(mine) > 1 else None)
        )
    active = [r for r in rows if r.goal.status == GoalStatus.ACTIVE]
    return active, [r for r in rows if r.goal.status != GoalStatus.ACTIVE], ratings


def _chart_uris(rows: list[GoalRow], ratings: list[GoalRating]) -> list[tuple[str, str]]:
    labels = {r.goal.pk: f"{r.number}. {r.goal.wording[:40]}" for r in rows}
    result = []
    for attr, title in (
        ("progress", _("Progress you feel")),
        ("still_right", _("Still the right goal")),
    ):
        points = [
            charts.GoalPoint(r.review.session.number, labels[r.goal_id], getattr(r, attr))
            for r in ratings
            if r.goal_id in labels and getattr(r, attr) is not None
        ]
        if points:
            result.append((title, svg_data_uri(render_svg(charts.goal_lines(points, title)))))
    return result


def preferences(episode: CareEpisode) -> list[tuple[str, ClientPreferences]]:
    clients = [p for p in episode.participants.all() if p.role in CLIENT_ROLES]
    found = {
        p.participant_id: p
        for p in ClientPreferences.objects.filter(participant__in=[c.pk for c in clients])
    }
    return [
        (c.client.display_name, found[c.pk])
        for c in clients
        if c.pk in found and not found[c.pk].is_empty
    ]


def plan_panel(
    viewer: access.Viewer,
    episode: CareEpisode,
    *,
    with_charts: bool = True,
    can_change: bool | None = None,
) -> PlanPanel:
    """The plan as the viewer may see it; the caller has already checked access and audited
    (and the episode page has already asked whether the viewer may change it)."""
    rows, past, ratings = _rows(episode)
    return PlanPanel(
        episode=episode,
        can_change=access.may_change(viewer, episode) if can_change is None else can_change,
        rows=rows,
        past=past,
        proposals=services.pending_proposals(episode),
        preferences=preferences(episode),
        prompts=DIFFERENCE_PROMPTS,
        charts=_chart_uris(rows + past, ratings) if with_charts else [],
        review_every=services.review_settings(episode).every_n,
    )


def episode_panel(page: Page) -> dict[str, Any]:
    """The plan's section of the episode page (registered in GoalsConfig.ready)."""
    return {"goal_plan": plan_panel(page.viewer, page.subject, can_change=page.can_change)}
