"""Events other apps act on. Sent by services inside their transaction, so a receiver's writes
commit or roll back with the change."""

from django.dispatch import Signal

# Sent with `person_ids` (the person and the records merged into them) when an organisation
# records that the person withdrew consent to share: asb_cases flags the shares of their cases
# for the lead agency to review.
consent_withdrawn = Signal()
