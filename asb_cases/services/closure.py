"""The closure notice to a case's victims (2025 guidance): when a case closes, the lead
organisation tells each victim it holds details for that, and why, it closed, and who their
single point of contact is. An e-mail notice is sent through the outbox."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from access import rules
from access.rules import CaseAccess
from access.viewer import viewer_for
from asb_cases.models import (
    Case,
    CaseClosureNotice,
    CaseStatus,
    ClosureNoticeHow,
    PersonRole,
)
from partners.audit import SystemActor, audit_record
from partners.models import AuditEvent, User
from partners.outbox import outbox_enqueue
from victims.models import Person, PersonDetails

Verb = AuditEvent.Verb
MAILER = SystemActor("closure-notice-mailer")
SEND_TASK = "asb_cases.send_closure_notice"


def closure_notice_recipients(*, actor: User, case: Case) -> list[tuple[Person, PersonDetails]]:
    """The victims on the case whose details the actor's organisation holds, with those
    details (the lead organisation's own record: it tells the victim), by name."""
    viewer = viewer_for(actor)
    victim_ids = (
        rules.case_people(viewer)
        .filter(case=case, role=PersonRole.VICTIM)
        .values_list("person_id", flat=True)
    )
    details = (
        rules.person_details_own(viewer)
        .filter(person_id__in=victim_ids)
        .select_related("person")
        .order_by("family_name", "given_name", "pk")
    )
    recipients: dict[int, tuple[Person, PersonDetails]] = {}
    for record in details:
        recipients.setdefault(record.person_id, (record.person, record))
    return list(recipients.values())


def closure_notice_allowed(*, actor: User, case: Case) -> bool:
    viewer = viewer_for(actor)
    return rules.case_closure_notice_allowed(viewer, case, CaseAccess.of(viewer, case))


@transaction.atomic
def case_closure_notice_record(
    *, actor: User, case: Case, person: Person, reasons: str, how: str
) -> CaseClosureNotice:
    """Record that a victim was told their case closed, why, and who their single point of
    contact is (the lead officer); by e-mail, the notice is sent through the outbox."""
    if not closure_notice_allowed(actor=actor, case=case):
        raise PermissionDenied("Only the lead organisation can tell the victim the case closed")
    case = (
        Case.objects.select_for_update(of=("self",)).select_related("lead_officer").get(pk=case.pk)
    )
    recipients = {p.pk: details for p, details in closure_notice_recipients(actor=actor, case=case)}
    errors = {}
    if case.status != CaseStatus.CLOSED:
        errors["reasons"] = "A closure notice can be recorded once the case is closed"
    elif case.lead_officer is None:
        errors["reasons"] = (
            "Assign the case a lead officer first: they are the victim's single point of contact"
        )
    if person.pk not in recipients:
        errors["person"] = "Select a victim on this case whose details your organisation holds"
    if not reasons.strip():
        errors["reasons"] = "Enter the reasons the victim was given for closing the case"
    if how not in ClosureNoticeHow.values:
        errors["how"] = "Select how the victim was told"
    elif (
        how == ClosureNoticeHow.EMAIL
        and person.pk in recipients
        and not recipients[person.pk].email
    ):
        errors["how"] = (
            "Your organisation holds no e-mail address for this victim: "
            "select another way they were told"
        )
    if errors:
        raise ValidationError(errors)
    officer = case.lead_officer
    notice = CaseClosureNotice.objects.create(
        case=case,
        person=person,
        reasons=reasons.strip(),
        how=how,
        contact_officer=officer,
        contact_name=officer.display_name,
        contact_organisation=case.lead_organisation,
        recorded_by=actor,
        organisation=actor.membership.organisation,
        recorded_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        verb=Verb.SENT,
        action="case_closure_notice_record",
        target=case,
        detail={"notice": str(notice.uuid), "how": how, "contact": officer.pk},
    )
    if how == ClosureNoticeHow.EMAIL:
        outbox_enqueue(task_name=SEND_TASK, kwargs={"notice_id": notice.pk})
    return notice


def closure_notice_send(*, notice_id: int) -> bool:
    """E-mail one closure notice to the victim, once: the case reference, the reasons and the
    single point of contact, nothing more. False if already sent (or nothing to send)."""
    with transaction.atomic():
        notice = (
            CaseClosureNotice.objects.select_for_update()
            .select_related("case", "contact_organisation")
            .filter(pk=notice_id, how=ClosureNoticeHow.EMAIL, email_sent_at__isnull=True)
            .first()
        )
        if notice is None:
            return False
        details = (
            PersonDetails.objects.filter(
                person_id=notice.person_id, organisation_id=notice.organisation_id
            )
            .exclude(email="")
            .first()
        )
        if details is None:
            return False
        send_mail(
            subject=f"Your anti-social behaviour case {notice.case.reference} has closed",
            message=render_to_string("asb_cases/email/closure_notice.txt", {"notice": notice}),
            from_email=None,
            recipient_list=[details.email],
        )
        notice.email_sent_at = timezone.now()
        notice.save(update_fields=["email_sent_at"])
        audit_record(
            actor=MAILER,
            verb=Verb.SENT,
            action="case_closure_notice_email",
            target=notice.case,
            detail={"notice": str(notice.uuid)},
        )
    return True
