"""Events other apps may act on. Sent by services inside their transaction, so a receiver that
records work (in the outbox) commits or rolls back with the change."""

from django.dispatch import Signal

# Sent with `application_id` when a Case Review is completed (its outcome sent).
review_completed = Signal()
