"""An alert before it is stored: what each rule (analysis, pulse, goals, unanswered risk)
finds, in one shape that services.apply_drafts turns into alerts. A module of its own so that
the rules can build drafts without importing the services that store them."""

from __future__ import annotations

import dataclasses

from . import analysis


@dataclasses.dataclass(frozen=True)
class AlertDraft:
    episode_id: int
    participant_id: int | None
    kind: str
    severity: str
    scale: str
    session_number: int
    reason: str
    numbers: dict[str, float]
    fingerprint: str
    resolution_proposed: str = ""
    # What the alert is about: one active alert per concern (default: the fingerprint without
    # its session, i.e. the same rule for the same person and score).
    concern: str = ""
    # The findings behind it; the reason is written from them with the sessions' dates.
    findings: tuple[analysis.Finding, ...] = ()

    @property
    def concern_key(self) -> str:
        return self.concern or self.fingerprint.rsplit(":", 1)[0]

    @property
    def latest_session(self) -> int:
        return max([f.session_number for f in self.findings] or [self.session_number])
