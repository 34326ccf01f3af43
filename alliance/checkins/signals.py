"""Events of the check-in app that higher layers (insights, notifications) subscribe to.

Check-ins store answers and do not need to know who listens: the insights app (which keeps the
alerts up to date) and the notifications app hear these events; the pulse, kiosk, paper-entry,
FHIR import and erasure paths all store or remove answers through the same two.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with sender=Response, response=<the stored Response>, risk=<bool: it carries a risk
# answer> once the transaction that stored a new response has committed (never for a repeat
# of an answer already stored). A receiver that fails does not undo the stored answers; the
# notifications app keeps its own safety net for risk answers (notifications/jobs.py).
response_stored = Signal()

# Sent with sender=CareEpisode, episode=<the episode> INSIDE the transaction that stored or
# removed answers of the episode (once per submission, however many instruments it held).
# A receiver's writes commit or roll back with the answers: the insights app writes its durable
# "recompute pending" marker here, so the marker exists exactly when the answers do even if the
# process dies right after the commit (response_stored, sent after the commit, could not
# promise that). A receiver that raises rolls the answers back, so receivers only write a row
# and leave the heavy work to after the commit.
answers_changed = Signal()
