"""Events other apps may act on. Sent by services inside their transaction, so a receiver that
records work (in the outbox) commits or rolls back with the change."""

from django.dispatch import Signal

# Sent with `incident_ids` after incidents are recorded or changed: one incident from a page,
# or a partner system's whole batch.
incidents_recorded = Signal()

# Sent with `case` and `incident_ids` when incidents are put on a case (when it is opened or
# later): the partnership's default sharing rules act on it (governance.sharing).
case_incidents_linked = Signal()
# Sent with `case_id` when a case is closed (the victim's feedback survey is sent after it).
case_closed = Signal()
# What people should be told about (the notifications app listens). Each is sent inside the
# service's transaction, after the change is saved.
# `share`: a CaseShare just made.
case_shared = Signal()
# `transfer`: an OwnershipTransfer just proposed.
transfer_proposed = Signal()
# `case`, `officer`, `actor`: a case's lead officer set to `officer` by `actor`.
case_assigned = Signal()
# `task`, `actor`: a task just created.
task_assigned = Signal()
# `note`: a note just added.
note_added = Signal()
