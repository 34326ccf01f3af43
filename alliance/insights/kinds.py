"""The one registry of alert kinds: key, name, and what each is about.

Every page, the API, the webhook payload and the docs name an alert kind from here, so a kind has
one name everywhere (a low-alliance alert is never called an "alliance drop"). `AlertKind` in
models.py is built from this list; adding a kind means adding one line here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class KindInfo:
    key: str
    label: StrOrPromise  # lazily translated; the one name of this kind
    # True for kinds about the client's rating falling away from their usual level, which have
    # a repair state (not yet back, discussed, back at the usual level).
    rupture: bool = False
    # Shown for alerts kept from before a kind was merged into another; never raised now.
    legacy: bool = False


KINDS: tuple[KindInfo, ...] = (
    KindInfo("risk", _("Risk answer")),
    KindInfo("drop", _("Alliance drop"), rupture=True),
    KindInfo("subscale_drop", _("Drop in one part of the alliance"), rupture=True),
    KindInfo("low_alliance", _("Low alliance")),
    KindInfo("weak_early_alliance", _("Weak early alliance")),
    KindInfo("overestimation", _("Therapist rates above the client")),
    KindInfo("split", _("Split alliance")),
    KindInfo("not_on_track", _("Not on track")),
    KindInfo("goal_agreement", _("Goal agreement falling")),
    KindInfo("goal_progress", _("Goal progress falling")),
    KindInfo("risk_unanswered", _("Risk item not answered")),
    KindInfo("pulse_fall", _("Sharp fall between sessions")),
    # Earlier versions raised these separately; they are now part of other kinds (an unrepaired
    # rupture is an alliance drop's repair state, a reliable deterioration is one fact of "not on
    # track" for the same score). Old rows keep their names.
    KindInfo("unrepaired", _("Rupture not yet repaired"), rupture=True, legacy=True),
    KindInfo("deterioration", _("Reliable deterioration"), legacy=True),
)
BY_KEY = {k.key: k for k in KINDS}
RUPTURE_KINDS = frozenset(k.key for k in KINDS if k.rupture)


def label(key: str) -> str:
    info = BY_KEY.get(key)
    return str(info.label) if info else key
