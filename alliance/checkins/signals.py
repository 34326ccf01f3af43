"""Events of the check-in app that higher layers (notifications) subscribe to.

Check-ins store answers and do not need to know who listens: the notifications app (and the
pulse and kiosk pages, which store through the same path) all hear one event.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with sender=Response, response=<the stored Response>, risk=<bool: it carries a risk
# answer> once the transaction that stored a new response has committed (never for a repeat
# of an answer already stored). A receiver that fails does not undo the stored answers; the
# notifications app keeps its own safety net for risk answers (notifications/jobs.py).
response_stored = Signal()
