"""Events other apps may act on. Sent by services inside their transaction, so a receiver that
records work (in the outbox) commits or rolls back with the change."""

from django.dispatch import Signal

# Sent with `incident_ids` after incidents are recorded or changed: one incident from a page,
# or a partner system's whole batch.
incidents_recorded = Signal()

# Sent with `case` and `incident_ids` when incidents are put on a case (when it is opened or
# later): the partnership's default sharing rules act on it (governance.sharing).
case_incidents_linked = Signal()
