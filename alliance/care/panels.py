"""The parts of the episode and session pages that the apps above the clinical record draw.

The clinical record knows nothing of check-ins, goals, insights or the dashboard; each of them
registers its panel here in its AppConfig.ready(), and the page draws whatever is registered, in
order, top to bottom. A panel's `draw` gets the page being drawn and returns its entries for the
page's template (the panel's `name` among them); the panel is shown when that entry is not empty.
A panel that builds on another's data asks the page for it (`page.data("insights")`): each panel
is drawn once per page, whoever asks first.

What several panels read (the episode's sessions, whether the viewer may change it, or an app's
own rows such as the check-in responses) is read once per page too: `page.sessions`,
`page.can_change`, and `page.once(key, read)` for an app's own, so a page of forty sessions does
not read them four times.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.http import HttpRequest

from alliance.accounts import access

from .models import CareEpisode, Session

T = TypeVar("T")

EPISODE = "episode"
SESSION = "session"


@dataclass
class Page:
    """One page being drawn: who asks, about what (`subject`: the episode or the session), and
    what the view or the receivers of care.signals.episode_viewed noted for the panels."""

    kind: str
    request: HttpRequest
    viewer: Any  # accounts.access.Viewer
    subject: Any  # CareEpisode on the episode page, Session on the session page
    options: Mapping[str, Any] = field(default_factory=dict)
    _drawn: dict[str, dict[str, Any]] = field(default_factory=dict)
    _read: dict[str, Any] = field(default_factory=dict)

    def once(self, key: str, read: Callable[[], T]) -> T:
        """`read()`'s result, read by whichever panel asks first and kept for the rest of the
        page. `key` names the data with its app ("checkins.responses"), so apps never collide."""
        if key not in self._read:
            self._read[key] = read()
        found: T = self._read[key]
        return found

    @property
    def episode(self) -> CareEpisode:
        subject = self.subject
        return subject if self.kind == EPISODE else subject.episode

    @property
    def sessions(self) -> list[Session]:
        """The episode's sessions by number, each knowing its episode (no query to reach it)."""
        return self.once("care.sessions", lambda: list(self.episode.sessions.order_by("number")))

    @property
    def can_change(self) -> bool:
        """Whether the viewer may change the episode (buttons and forms show or hide)."""
        return self.once("care.can_change", lambda: access.may_change(self.viewer, self.episode))

    def entries(self, name: str) -> dict[str, Any]:
        """Everything the panel called `name` gives the template, drawn on first asking."""
        if name not in self._drawn:
            self._drawn[name] = _panels[self.kind][name].draw(self)
        return self._drawn[name]

    def data(self, name: str) -> Any:
        """The panel's own data: what its template reads by the panel's name."""
        return self.entries(name).get(name)


@dataclass(frozen=True)
class Panel:
    name: str  # the panel's data in the template, and how another panel asks for it
    order: int  # place on the page, top to bottom
    draw: Callable[[Page], dict[str, Any]]
    template: str
    always: bool = False  # shown even when its data is empty (it says "nothing yet" itself)


_panels: dict[str, dict[str, Panel]] = {EPISODE: {}, SESSION: {}}


def register(
    name: str,
    order: int,
    draw: Callable[[Page], dict[str, Any]],
    template: str,
    *,
    page: str = EPISODE,
    always: bool = False,
) -> None:
    """Add a panel to the episode page (or, with page=SESSION, to the session page). Registering
    the same name again replaces the panel, so a reloaded app config does not draw it twice."""
    _panels[page][name] = Panel(name, order, draw, template, always)


def registered(page: str = EPISODE) -> list[Panel]:
    return sorted(_panels[page].values(), key=lambda p: (p.order, p.name))


def draw(page: Page) -> dict[str, Any]:
    """The template context of every registered panel, and `panels`: those to show, in order."""
    context: dict[str, Any] = {}
    shown = []
    for panel in registered(page.kind):
        entries = page.entries(panel.name)
        context.update(entries)
        if panel.always or entries.get(panel.name):
            shown.append(panel)
    context["panels"] = shown
    return context
