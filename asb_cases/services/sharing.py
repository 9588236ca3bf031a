"""Sharing a case with partner organisations, revoking shares, and transfers of a case's
ownership (propose, accept, decline, withdraw).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from access import grants, rules
from asb_cases.models import Case, CaseShare, OwnershipTransfer, PersonRole
from asb_cases.services._common import Verb, _require_case, _touch
from asb_cases.services.cases import _validate_lead_officer
from asb_cases.services.contact_due import victims_contact_due_refresh
from asb_cases.signals import case_assigned, case_shared, transfer_proposed
from partners.audit import SystemActor, audit_record
from partners.models import Organisation, User
from victims.models import PersonDetails


@transaction.atomic
def case_share_with_partner(
    *,
    actor: User,
    case: Case,
    organisation: Organisation,
    access_level: str,
    purpose: str,
    legal_basis: str,
    include_people: bool = True,
) -> CaseShare:
    """Share a case with a partner organisation; only the lead organisation can. With
    `include_people`, the partner also sees the records of the people on the case, as each of
    them agreed (access.rules.person_details)."""
    _require_case(actor, case, rules.SHARE)
    return _share(
        case=case,
        organisation=organisation,
        access_level=access_level,
        purpose=purpose,
        legal_basis=legal_basis,
        include_people=include_people,
        shared_by=actor,
        audit_actor=actor,
        detail={},
    )


# The purpose recorded on a share made by a partnership default rule.
PARTNERSHIP_RULE = "Partnership default rule"
RULE_ACTOR = SystemActor("sharing-rule")


@transaction.atomic
def case_share_by_partnership_rule(
    *,
    case: Case,
    organisation: Organisation,
    access_level: str,
    include_people: bool,
    rule_id: int,
    rule: str,
    set_by: User,
) -> CaseShare:
    """Share a case as one of the partnership's default sharing rules says (set by the
    partnership's admin under the information sharing agreement; governance.sharing finds
    the rules that apply). No person shares it: the audit names the rule and who set it, and
    every check of a share made by hand (consent withdrawn, an inactive partner, a share
    already there) still applies."""
    return _share(
        case=case,
        organisation=organisation,
        access_level=access_level,
        purpose=f"{PARTNERSHIP_RULE}: {rule}",
        legal_basis=CaseShare.LegalBasis.ISA,
        include_people=include_people,
        shared_by=set_by,
        audit_actor=RULE_ACTOR,
        detail={"rule": rule_id, "rule_set_by": set_by.get_username()},
    )


def _share(
    *,
    case: Case,
    organisation: Organisation,
    access_level: str,
    purpose: str,
    legal_basis: str,
    include_people: bool,
    shared_by: User,
    audit_actor,
    detail: dict,
) -> CaseShare:
    errors = {}
    if organisation.pk == case.lead_organisation_id:
        errors["organisation"] = "You cannot share a case with your own organisation"
    elif not organisation.active:
        errors["organisation"] = f"{organisation} is not an active partner"
    elif CaseShare.objects.filter(
        case=case, organisation=organisation, revoked_at__isnull=True
    ).exists():
        errors["organisation"] = f"The case is already shared with {organisation}"
    withdrawn = PersonDetails.objects.filter(
        person__case_links__case=case,
        person__case_links__role__in=[PersonRole.VICTIM, PersonRole.COMPLAINANT],
        consent_withdrawn_on__isnull=False,
    ).exists()
    if withdrawn:
        errors["organisation"] = (
            "A victim or complainant on this case withdrew consent to share: the case cannot "
            "be shared further. Review the existing shares instead."
        )
    if access_level not in CaseShare.AccessLevel.values:
        errors["access_level"] = "Select what the partner can do"
    if not purpose.strip():
        errors["purpose"] = "Enter why the partner needs the case"
    if legal_basis not in CaseShare.LegalBasis.values:
        errors["legal_basis"] = "Select the legal basis for sharing"
    if errors:
        raise ValidationError(errors)
    share = CaseShare.objects.create(
        case=case,
        organisation=organisation,
        access_level=access_level,
        purpose=purpose.strip(),
        legal_basis=legal_basis,
        include_people=include_people,
        shared_by=shared_by,
        shared_at=timezone.now(),
    )
    granted = grants.case_permissions_sync(case)
    _touch(case)
    audit_record(
        actor=audit_actor,
        verb=Verb.SHARED,
        action="case_share_with_partner",
        target=case,
        organisation=case.lead_organisation,
        detail={
            **detail,
            "with": organisation.slug,
            "access_level": access_level,
            "legal_basis": legal_basis,
            "include_people": include_people,
            "purpose": share.purpose,
            "permissions": granted,
        },
    )
    case_shared.send(sender=CaseShare, share=share)
    return share


@transaction.atomic
def case_share_revoke(*, actor: User, share: CaseShare, reason: str = "") -> CaseShare:
    _require_case(actor, share.case, rules.SHARE)
    if share.revoked_at is not None:
        return share
    share.revoked_at = timezone.now()
    share.revoked_by = actor
    share.revoke_reason = reason.strip()
    share.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    granted = grants.case_permissions_sync(share.case)
    _touch(share.case)
    audit_record(
        actor=actor,
        verb=Verb.REVOKED,
        action="case_share_revoke",
        target=share.case,
        detail={
            "with": share.organisation.slug,
            "reason": share.revoke_reason,
            "permissions": granted,
        },
    )
    return share


@transaction.atomic
def case_transfer_propose(
    *, actor: User, case: Case, to_organisation: Organisation, reason: str
) -> OwnershipTransfer:
    """Propose that another organisation lead the case. It sees the case while it decides."""
    _require_case(actor, case, rules.SHARE)
    errors = {}
    if to_organisation.pk == case.lead_organisation_id:
        errors["to_organisation"] = "Choose another organisation: yours already leads the case"
    elif not to_organisation.active:
        errors["to_organisation"] = f"{to_organisation} is not an active partner"
    if not reason.strip():
        errors["reason"] = "Enter why the other organisation should lead the case"
    if case.transfers.filter(status=OwnershipTransfer.Status.PENDING).exists():
        errors["to_organisation"] = "A transfer of this case is already awaiting an answer"
    if case.is_closed:
        errors["to_organisation"] = "A closed case cannot be transferred"
    if errors:
        raise ValidationError(errors)
    transfer = OwnershipTransfer.objects.create(
        case=case,
        from_organisation=case.lead_organisation,
        to_organisation=to_organisation,
        reason=reason.strip(),
        proposed_by=actor,
        proposed_at=timezone.now(),
    )
    granted = grants.case_permissions_sync(case)
    _touch(case)
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="case_transfer_propose",
        target=case,
        detail={"to": to_organisation.slug, "reason": transfer.reason, "permissions": granted},
    )
    transfer_proposed.send(sender=OwnershipTransfer, transfer=transfer)
    return transfer


def _require_decider(actor: User, transfer: OwnershipTransfer) -> None:
    if actor.membership.organisation_id != transfer.to_organisation_id or not actor.has_perm(
        "asb_cases.decide_transfer"
    ):
        raise PermissionDenied("Only a supervisor of the receiving organisation can decide.")
    if transfer.status != OwnershipTransfer.Status.PENDING:
        raise ValidationError(
            f"This transfer has already been {transfer.get_status_display().lower()}"
        )


@transaction.atomic
def case_transfer_accept(
    *,
    actor: User,
    transfer: OwnershipTransfer,
    lead_officer: User | None = None,
    reason: str = "",
) -> OwnershipTransfer:
    """The receiving organisation takes the lead. The previous lead keeps contribute access,
    recorded as a share, so it can go on helping."""
    _require_decider(actor, transfer)
    case = transfer.case
    _validate_lead_officer(lead_officer, transfer.to_organisation)
    now = timezone.now()
    transfer.status = OwnershipTransfer.Status.ACCEPTED
    transfer.decided_by = actor
    transfer.decided_at = now
    transfer.decision_reason = reason.strip()
    transfer.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    previous = case.lead_organisation
    CaseShare.objects.filter(
        case=case, organisation=transfer.to_organisation, revoked_at__isnull=True
    ).update(revoked_at=now, revoked_by=actor, revoke_reason="Now leads the case")
    CaseShare.objects.create(
        case=case,
        organisation=previous,
        access_level=CaseShare.AccessLevel.CONTRIBUTE,
        purpose=f"Led the case until {transfer.to_organisation} accepted it",
        legal_basis=CaseShare.LegalBasis.CDA_S115,
        shared_by=actor,
        shared_at=now,
    )
    Case.objects.filter(pk=case.pk).update(
        lead_organisation=transfer.to_organisation,
        lead_officer=lead_officer,
        version=F("version") + 1,
        updated_at=now,
    )
    case.refresh_from_db()
    granted = grants.case_permissions_sync(case)
    victims_contact_due_refresh(case_ids=[case.pk])
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="case_transfer_accept",
        target=case,
        detail={
            "lead_organisation": {"before": previous.slug, "after": transfer.to_organisation.slug},
            "lead_officer": lead_officer.get_username() if lead_officer else None,
            "reason": transfer.decision_reason,
            "permissions": granted,
        },
    )
    if lead_officer is not None and lead_officer != actor:
        case_assigned.send(sender=Case, case=case, officer=lead_officer, actor=actor)
    return transfer


@transaction.atomic
def case_transfer_decline(
    *, actor: User, transfer: OwnershipTransfer, reason: str
) -> OwnershipTransfer:
    _require_decider(actor, transfer)
    if not reason.strip():
        raise ValidationError({"reason": "Enter why you are declining the case"})
    transfer.status = OwnershipTransfer.Status.DECLINED
    transfer.decided_by = actor
    transfer.decided_at = timezone.now()
    transfer.decision_reason = reason.strip()
    transfer.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    granted = grants.case_permissions_sync(transfer.case)
    _touch(transfer.case)
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="case_transfer_decline",
        target=transfer.case,
        detail={
            "to": transfer.to_organisation.slug,
            "reason": transfer.decision_reason,
            "permissions": granted,
        },
    )
    return transfer


@transaction.atomic
def case_transfer_withdraw(*, actor: User, transfer: OwnershipTransfer) -> OwnershipTransfer:
    _require_case(actor, transfer.case, rules.SHARE)
    if transfer.status != OwnershipTransfer.Status.PENDING:
        raise ValidationError("Only a transfer awaiting an answer can be withdrawn")
    transfer.status = OwnershipTransfer.Status.WITHDRAWN
    transfer.decided_by = actor
    transfer.decided_at = timezone.now()
    transfer.save(update_fields=["status", "decided_by", "decided_at"])
    granted = grants.case_permissions_sync(transfer.case)
    _touch(transfer.case)
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="case_transfer_withdraw",
        target=transfer.case,
        detail={"to": transfer.to_organisation.slug, "permissions": granted},
    )
    return transfer
