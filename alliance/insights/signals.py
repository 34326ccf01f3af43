"""Events of the insights app that higher layers (notifications) subscribe to."""

from __future__ import annotations

from django.dispatch import Signal

# Sent with sender=Alert and alert_ids=[...] once the transaction that raised new alerts has
# committed. The analysis writes alerts with bulk_create, which sends no post_save.
alerts_raised = Signal()
