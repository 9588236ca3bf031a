"""What asb_cases does when other apps announce something."""

from __future__ import annotations

from asb_cases.models import CaseShare
from victims.signals import consent_withdrawn


def _on_consent_withdrawn(sender, person_ids: list[int], **kwargs) -> int:
    """Flag every active share of a case the person is on, for the lead agency to review.
    Returns how many shares were flagged (the service reports it)."""
    shares = CaseShare.objects.filter(
        case__person_links__person_id__in=person_ids,
        revoked_at__isnull=True,
        needs_review=False,
    ).values("pk")
    return CaseShare.objects.filter(pk__in=shares).update(needs_review=True)


def connect() -> None:
    consent_withdrawn.connect(_on_consent_withdrawn, dispatch_uid="asb_cases.consent_withdrawn")
