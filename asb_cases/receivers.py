"""What asb_cases does when other apps announce something."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_migrate, post_save

from access import rules
from asb_cases.models import CaseShare
from asb_cases.services.contact_due import contact_standards_changed
from victims.models import ContactStandard
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


def _on_contact_standard_changed(sender, **kwargs) -> None:
    """A contact standard added, edited or removed (there is no service for it: the admin, a
    data migration) moves victims' next contact: recompute them in the background."""
    if kwargs.get("raw"):  # loading fixtures
        return
    contact_standards_changed()


def connect() -> None:
    for signal in (post_save, post_delete):
        signal.connect(
            _on_contact_standard_changed,
            sender=ContactStandard,
            dispatch_uid=f"asb_cases.contact_standard_changed.{signal is post_save}",
        )
    consent_withdrawn.connect(_on_consent_withdrawn, dispatch_uid="asb_cases.consent_withdrawn")
    # The case's permission ids as access.rules keeps them: read again after every migrate
    # and flush (connected after django.contrib.auth's, which creates the permissions).
    post_migrate.connect(rules.case_permissions_changed, dispatch_uid="asb_cases.permission_ids")
