"""Writes for the PCC's review of "threshold not met" decisions: asked for by the applicant
(online, with reference and postcode) or by an officer on the victim's behalf; decided by the
PCC's office within the working days of the policy in force; the applicant told through the
outbox; counted in the published figures."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from access import rules
from access.viewer import viewer_for
from community_trigger.models import Application, Stage
from oversight.models import HousingStock, PccReview
from oversight.selectors import pcc_review_policy_in_force
from partners.audit import SystemActor, audit_record
from partners.models import AuditEvent, User
from partners.outbox import outbox_enqueue
from partners.working_days import add_working_days

Verb = AuditEvent.Verb
MAILER = SystemActor("PCC review mailer")


@transaction.atomic
def pcc_review_request(
    *,
    actor: User | None,
    application: Application,
    grounds: str,
    now: dt.datetime | None = None,
) -> PccReview:
    """Ask the PCC's office to review a "threshold not met" decision. `actor` None: the
    applicant, who has given the reference and postcode; otherwise an officer who may open
    the application."""
    if (
        actor is not None
        and not rules.applications(viewer_for(actor)).filter(pk=application.pk).exists()
    ):
        raise PermissionDenied("Cannot ask for a review of this application")
    application = Application.objects.select_for_update().get(pk=application.pk)
    errors = {}
    if application.stage != Stage.NOT_MET or application.applicant_told_at is None:
        errors["reference"] = (
            "A review by the Police and Crime Commissioner's office can only be asked for "
            "once you have been told the threshold was not met"
        )
    elif application.pcc_reviews.filter(status=PccReview.Status.REQUESTED).exists():
        errors["reference"] = "A review of this decision has already been asked for"
    if not grounds.strip():
        errors["grounds"] = "Tell us why the decision should be reviewed"
    now = now or timezone.now()
    policy = pcc_review_policy_in_force(timezone.localdate(now))
    if policy is None and not errors:
        errors["reference"] = "Reviews by the PCC's office cannot be asked for yet"
    if errors:
        raise ValidationError(errors)
    review = PccReview.objects.create(
        application=application,
        policy=policy,
        via=PccReview.Via.PUBLIC if actor is None else PccReview.Via.OFFICER,
        requested_by=actor,
        requested_by_organisation=actor.membership.organisation if actor else None,
        requested_at=now,
        grounds=grounds.strip(),
        decide_by=add_working_days(timezone.localdate(now), policy.decide_working_days),
    )
    audit_record(
        actor=actor or SystemActor("Applicant"),
        verb=Verb.CREATED,
        action="pcc_review_request",
        target=application,
        detail={"review": str(review.uuid), "via": review.via},
    )
    return review


@transaction.atomic
def pcc_review_decide(*, actor: User, review: PccReview, upheld: bool, reasons: str) -> PccReview:
    """The PCC's office's decision, with reasons; the applicant is told through the outbox."""
    if not rules.is_pcc_office(viewer_for(actor)):
        raise PermissionDenied("Only the PCC's office decides a PCC review")
    review = PccReview.objects.select_for_update().get(pk=review.pk)
    errors = {}
    if not review.is_open:
        errors["upheld"] = "This review has already been decided"
    if not reasons.strip():
        errors["reasons"] = "Enter the reasons for the decision"
    if errors:
        raise ValidationError(errors)
    review.status = PccReview.Status.UPHELD if upheld else PccReview.Status.NOT_UPHELD
    review.reasons = reasons.strip()
    review.decided_by = actor
    review.decided_at = timezone.now()
    review.save(update_fields=["status", "reasons", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="pcc_review_decide",
        target=review.application,
        detail={"review": str(review.uuid), "status": review.status},
    )
    if review.application.applicant_email:
        outbox_enqueue(task_name="oversight.pcc_review_tell", kwargs={"review_id": review.pk})
    return review


def pcc_review_tell(*, review_id: int) -> bool:
    """E-mail the applicant the PCC's office's decision. Sent once (idempotent)."""
    with transaction.atomic():
        review = (
            PccReview.objects.select_for_update()
            .select_related("application")
            .filter(pk=review_id, applicant_told_at__isnull=True)
            .exclude(status=PccReview.Status.REQUESTED)
            .first()
        )
        if review is None or not review.application.applicant_email:
            return False
        context = {"review": review, "site_url": settings.SITE_URL}
        send_mail(
            subject=f"The review of your ASB Case Review decision {review.application.reference}",
            message=render_to_string("oversight/email/pcc_review_decided.txt", context),
            from_email=None,
            recipient_list=[review.application.applicant_email],
        )
        review.applicant_told_at = timezone.now()
        review.save(update_fields=["applicant_told_at"])
        audit_record(
            actor=MAILER,
            verb=Verb.SENT,
            action="pcc_review_tell",
            target=review.application,
            detail={"review": str(review.uuid)},
        )
    return True


@transaction.atomic
def housing_stock_record(*, actor: User, year_start: int, homes: int):
    """Record (or correct) how many homes the actor's housing provider has in a year."""
    provider = rules.tsm_provider(viewer_for(actor))
    if provider is None or actor.membership.role not in ("partner_admin", "supervisor"):
        raise PermissionDenied("Only a housing provider's supervisors and admins record homes")
    if homes < 1:
        raise ValidationError({"homes": "Enter the number of homes, 1 or more"})
    stock, created = HousingStock.objects.update_or_create(
        organisation=provider,
        year_start=year_start,
        defaults={"homes": homes, "recorded_by": actor, "recorded_at": timezone.now()},
    )
    audit_record(
        actor=actor,
        verb=Verb.CREATED if created else Verb.CHANGED,
        action="housing_stock_record",
        target=stock,
        detail={"year_start": year_start, "homes": homes},
    )
    return stock
