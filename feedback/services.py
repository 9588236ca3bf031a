"""Writes for the victim's feedback: the invitation (a single-use link that expires, sent by
e-mail once per victim and closure) and the response."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from asb_cases.models import Case, CasePerson, CaseStatus, PersonRole
from community_trigger.models import Application, Stage
from feedback.models import Closure, SurveyInvitation, SurveyPolicy, SurveyResponse
from partners.audit import SystemActor, audit_record
from partners.models import AuditEvent, Organisation
from victims.models import PersonDetails

Verb = AuditEvent.Verb
MAILER = SystemActor("feedback-mailer")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def survey_policy_in_force(day: dt.date) -> SurveyPolicy | None:
    return (
        SurveyPolicy.objects.filter(effective_from__lte=day)
        .order_by("-effective_from", "-version")
        .first()
    )


def _invite(
    *,
    closure: str,
    closure_key: str,
    email: str,
    organisation: Organisation,
    case: Case | None = None,
    application: Application | None = None,
) -> bool:
    """Record one invitation and e-mail its link; False if it was already sent."""
    if SurveyInvitation.objects.filter(closure_key=closure_key).exists():
        return False
    now = timezone.now()
    policy = survey_policy_in_force(timezone.localdate(now))
    if policy is None:
        return False
    token = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            invitation = SurveyInvitation.objects.create(
                token_hash=token_hash(token),
                closure_key=closure_key,
                closure=closure,
                case=case,
                application=application,
                organisation=organisation,
                policy=policy,
                email=email,
                created_at=now,
                expires_at=now + dt.timedelta(days=policy.link_valid_days),
            )
            context = {
                "invitation": invitation,
                "link": f"{settings.SITE_URL}/feedback/{token}/",
                "organisation": organisation,
            }
            send_mail(
                subject="How did we do? Tell us about how your report of anti-social behaviour "
                "was handled",
                message=render_to_string("feedback/email/invitation.txt", context),
                from_email=None,
                recipient_list=[email],
            )
            audit_record(
                actor=MAILER,
                verb=Verb.SENT,
                action="survey_invite",
                target=invitation,
                detail={"closure": closure},
            )
    except IntegrityError:  # the same closure, invited by a concurrent run
        return False
    return True


def survey_invite_after_case(*, case_id: int) -> int:
    """Invite each victim on a closed case whom its lead organisation can e-mail."""
    case = Case.objects.filter(pk=case_id, status=CaseStatus.CLOSED).first()
    if case is None:
        return 0
    sent = 0
    victims = CasePerson.objects.filter(case=case, role=PersonRole.VICTIM).values_list(
        "person_id", flat=True
    )
    for person_id in sorted(set(victims)):
        details = (
            PersonDetails.objects.filter(person_id=person_id, organisation=case.lead_organisation)
            .exclude(email="")
            .first()
        )
        if details is None:
            continue
        sent += _invite(
            closure=Closure.CASE,
            closure_key=f"case:{case.pk}:{case.closed_at:%Y%m%d%H%M%S}:{person_id}",
            email=details.email,
            organisation=case.lead_organisation,
            case=case,
        )
    return sent


def survey_invite_after_review(*, application_id: int) -> int:
    """Invite the applicant of a completed Case Review. The lead organisation is the lead
    case's, or else the PCC's office that coordinates the reviews."""
    application = (
        Application.objects.filter(pk=application_id, stage=Stage.COMPLETED)
        .select_related("lead_case__lead_organisation")
        .first()
    )
    if application is None or not application.applicant_email:
        return 0
    organisation = (
        application.lead_case.lead_organisation
        if application.lead_case_id
        else Organisation.objects.filter(kind=Organisation.Kind.PCC_OFFICE, active=True)
        .order_by("pk")
        .first()
    )
    if organisation is None:
        return 0
    return int(
        _invite(
            closure=Closure.REVIEW,
            closure_key=f"review:{application.pk}",
            email=application.applicant_email,
            organisation=organisation,
            application=application,
        )
    )


class LinkProblem(Exception):
    """A survey link that does not work: unknown, expired or already used."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def invitation_for_token(token: str, *, lock: bool = False) -> SurveyInvitation:
    """The invitation a link's token opens; LinkProblem("unknown"|"expired"|"used") if none."""
    invitations = SurveyInvitation.objects.select_related("organisation")
    if lock:
        invitations = invitations.select_for_update()
    invitation = invitations.filter(token_hash=token_hash(token or "")).first()
    if invitation is None:
        raise LinkProblem("unknown")
    if invitation.used_at is not None:
        raise LinkProblem("used")
    if invitation.expires_at <= timezone.now():
        raise LinkProblem("expired")
    return invitation


@dataclass(frozen=True)
class Answers:
    satisfaction: str
    listened_to: str
    would_report_again: str
    comments: str = ""


@transaction.atomic
def survey_respond(*, token: str, answers: Answers) -> SurveyResponse:
    """Record the victim's answers and spend the link (single use)."""
    invitation = invitation_for_token(token, lock=True)
    errors = {}
    if answers.satisfaction not in SurveyResponse.Satisfaction.values:
        errors["satisfaction"] = "Select how satisfied you are with how your report was handled"
    if answers.listened_to not in SurveyResponse.Answer.values:
        errors["listened_to"] = "Select whether you felt listened to"
    if answers.would_report_again not in SurveyResponse.Again.values:
        errors["would_report_again"] = "Select whether you would report anti-social behaviour again"
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    response = SurveyResponse.objects.create(
        invitation=invitation,
        organisation=invitation.organisation,
        closure=invitation.closure,
        satisfaction=answers.satisfaction,
        listened_to=answers.listened_to,
        would_report_again=answers.would_report_again,
        comments=answers.comments.strip(),
        submitted_at=now,
    )
    invitation.used_at = now
    invitation.save(update_fields=["used_at"])
    audit_record(
        actor=SystemActor("survey respondent"),
        verb=Verb.CREATED,
        action="survey_respond",
        target=invitation,
    )
    return response
