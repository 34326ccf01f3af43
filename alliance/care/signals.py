"""Events of the clinical record that higher layers (insights) subscribe to."""

from __future__ import annotations

from django.dispatch import Signal

# Sent with episode= and mapping={old number: new number} after sessions were renumbered to
# follow their dates, inside the transaction that moved them.
sessions_renumbered = Signal()

# Sent with viewer= (accounts.access.Viewer), episode= and notes= (a dict) when someone opens an
# episode's page: the notifications app marks what it had told them about the episode as read;
# the dashboard records the visit and notes the previous one as notes["since"] for its panel.
episode_viewed = Signal()
