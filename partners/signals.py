"""What partners announces to the apps above it (partners imports no other app).

`notices_recorded`: `partners.Notification` rows (ASB Case Review alerts and notices) were
recorded for `user_ids` under `keys`, in the current transaction. The notifications app
e-mails them as each person chooses, through the same outbox task and daily digest as its
own (docs/adr/0018-notifications-and-my-work.md, addendum).
"""

from django.dispatch import Signal

notices_recorded = Signal()  # keys: list[str], user_ids: list[int]
