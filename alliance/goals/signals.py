"""Events of the treatment plan that higher layers (insights) subscribe to.

Goals sit below insights: a stored review does not call the analysis, it says what happened and
insights decides what to recompute (docs/architecture.md).
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with sender=GoalReview, review=<the stored GoalReview> and episode=<its CareEpisode>
# INSIDE the transaction that stores the review, so a receiver's own writes (insights' durable
# recompute marker) commit or roll back with it; a receiver that raises undoes the review.
review_stored = Signal()
