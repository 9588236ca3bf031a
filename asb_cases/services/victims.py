"""Victims on a case: risk assessments, contact, referrals and the victim's own statements. The
records live beside the case (asb_cases.models); the case decides who may add them (its
contribute permission), and access.rules who may read them.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from access.rules import CONTRIBUTE, may_change_victim_record
from access.viewer import viewer_for
from asb_cases.models import (
    Case,
    ContactLog,
    ImpactStatement,
    RiskAssessment,
    SupportReferral,
)
from asb_cases.services._common import Verb, _organisation, _require_case, _touch
from asb_cases.services.cases import _refresh_victims
from asb_cases.services.contact_due import victims_contact_due_refresh
from partners.audit import audit_record, changes_between
from partners.models import User
from victims import services as victim_services
from victims.models import Person, RiskQuestionnaire


def _require_own_record(actor: User, record, kind: str) -> None:
    if not may_change_victim_record(viewer_for(actor), record):
        raise PermissionDenied(f"Only the organisation that recorded this {kind} can change it")


def _require_person_on_case(case: Case, person: Person) -> None:
    if not case.person_links.filter(person=person).exists():
        raise ValidationError("The person is not on this case")


def answers_score(questionnaire: RiskQuestionnaire, answers: dict[int, bool]) -> int:
    questions = list(questionnaire.questions.all())
    missing = [q for q in questions if q.pk not in answers]
    if missing:
        raise ValidationError({f"question_{q.pk}": "Answer yes or no" for q in missing})
    return sum(q.weight for q in questions if answers[q.pk])


@transaction.atomic
def risk_assessment_record(
    *,
    actor: User,
    person: Person,
    case,
    questionnaire: RiskQuestionnaire,
    answers: dict[int, bool],
    notes: str = "",
) -> RiskAssessment:
    """Score an answered questionnaire, band it and set its review dates. A reassessment is a
    new row that supersedes the last one; history is kept."""
    if not actor.has_perm("asb_cases.add_riskassessment"):
        raise PermissionDenied("Your role cannot assess risk")
    score = answers_score(questionnaire, answers)
    band = questionnaire.band_for(score)
    now = timezone.now()
    today = timezone.localtime(now).date()
    review_dates = [
        str(today + dt.timedelta(days=days)) for days in questionnaire.review_days.get(band, [])
    ]
    previous = RiskAssessment.objects.filter(person=person, case=case).first()
    assessment = RiskAssessment.objects.create(
        person=person,
        case=case,
        questionnaire=questionnaire,
        answers={str(pk): answer for pk, answer in answers.items()},
        score=score,
        band=band,
        referral_prompted=score >= questionnaire.referral_from,
        notes=notes.strip(),
        assessed_by=actor,
        organisation=_organisation(actor),
        assessed_at=now,
        review_dates=review_dates,
        next_review_on=review_dates[0] if review_dates else None,
        supersedes=previous,
    )
    if previous is not None:
        RiskAssessment.objects.filter(pk=previous.pk).update(next_review_on=None)
    victim_services.person_statuses_refresh(person_ids=[person.pk])
    audit_record(
        actor=actor,
        verb=Verb.CREATED,
        action="risk_assessment_record",
        target=person,
        detail={
            "case": str(case.uuid),
            "score": score,
            "band": band,
            "questionnaire": f"{questionnaire.name} v{questionnaire.version}",
            "supersedes": str(previous.uuid) if previous else None,
        },
    )
    return assessment


@transaction.atomic
def contact_record(
    *,
    actor: User,
    person: Person,
    case,
    contacted_at: dt.datetime,
    method: str,
    summary: str,
    made_contact: bool = True,
) -> ContactLog:
    errors = {}
    if contacted_at > timezone.now() + dt.timedelta(minutes=5):
        errors["contacted_at"] = "The date and time of the contact must be in the past"
    if method not in ContactLog.Method.values:
        errors["method"] = "Select how you contacted them"
    if not summary.strip():
        errors["summary"] = "Enter a summary of the contact"
    if errors:
        raise ValidationError(errors)
    contact = ContactLog.objects.create(
        person=person,
        case=case,
        contacted_at=contacted_at,
        method=method,
        made_contact=made_contact,
        summary=summary.strip(),
        by=actor,
        organisation=_organisation(actor),
    )
    victims_contact_due_refresh(case_ids=[case.pk])
    audit_record(
        actor=actor,
        verb=Verb.CREATED,
        action="contact_record",
        target=person,
        detail={"case": str(case.uuid), "method": method, "made_contact": made_contact},
    )
    return contact


@transaction.atomic
def referral_create(
    *, actor: User, person: Person, case, service: str, reason: str, provider: str = ""
) -> SupportReferral:
    errors = {}
    if service not in SupportReferral.Service.values:
        errors["service"] = "Select the service"
    if not reason.strip():
        errors["reason"] = "Enter why you are referring them"
    if errors:
        raise ValidationError(errors)
    referral = SupportReferral.objects.create(
        person=person,
        case=case,
        service=service,
        provider=provider.strip(),
        reason=reason.strip(),
        referred_by=actor,
        organisation=_organisation(actor),
        referred_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        verb=Verb.CREATED,
        action="referral_create",
        target=person,
        detail={"case": str(case.uuid), "service": service, "referral": str(referral.uuid)},
    )
    return referral


@transaction.atomic
def referral_update(
    *, actor: User, referral: SupportReferral, status_: str, outcome: str = ""
) -> SupportReferral:
    if status_ not in SupportReferral.Status.values:
        raise ValidationError({"status": "Select the referral's status"})
    before = {"status": referral.status, "outcome": referral.outcome}
    referral.status = status_
    referral.outcome = outcome.strip()
    referral.save(update_fields=["status", "outcome", "updated_at"])
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="referral_update",
        target=referral.person,
        detail={
            "referral": str(referral.uuid),
            **changes_between(before, {"status": status_, "outcome": referral.outcome}),
        },
    )
    return referral


@transaction.atomic
def statement_record(
    *, actor: User, person: Person, case: Case, text: str, reading: str, source: str
) -> ImpactStatement:
    """The victim's account on a case, recorded by an officer in their words. Never edited: a
    correction is a new version (`statement_correct`)."""
    errors = {}
    if not text.strip():
        errors["text"] = "Enter how the anti-social behaviour is affecting them"
    if reading not in ImpactStatement.Reading.values:
        errors["reading"] = "Select how the statement should be used at the meeting"
    if errors:
        raise ValidationError(errors)
    statement = ImpactStatement.objects.create(
        person=person,
        case=case,
        text=text.strip(),
        reading=reading,
        source=source,
        recorded_by=actor,
        organisation=_organisation(actor),
        created_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        verb=Verb.CREATED,
        action="statement_record",
        target=person,
        detail={"statement": str(statement.statement_id), "source": source, "case": case.reference},
    )
    return statement


@transaction.atomic
def statement_correct(
    *, actor: User, statement: ImpactStatement, text: str, reading: str, correction_note: str
) -> ImpactStatement:
    """A correction is a new version; the earlier version stays exactly as it was."""
    latest = (
        ImpactStatement.objects.select_for_update()
        .filter(statement_id=statement.statement_id)
        .order_by("-version")
        .first()
    )
    errors = {}
    if not text.strip():
        errors["text"] = "Enter the corrected statement"
    if not correction_note.strip():
        errors["correction_note"] = "Say what was corrected and at whose request"
    if reading not in ImpactStatement.Reading.values:
        errors["reading"] = "Select how the statement should be used at the meeting"
    if errors:
        raise ValidationError(errors)
    corrected = ImpactStatement.objects.create(
        statement_id=latest.statement_id,
        version=latest.version + 1,
        person=latest.person,
        case=latest.case,
        text=text.strip(),
        reading=reading,
        source=latest.source,
        recorded_by=actor,
        organisation=_organisation(actor),
        correction_note=correction_note.strip(),
        created_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        verb=Verb.CREATED,
        action="statement_correct",
        target=latest.person,
        detail={"statement": str(latest.statement_id), "version": corrected.version},
    )
    return corrected


@transaction.atomic
def case_victim_assess_risk(
    *,
    actor: User,
    case: Case,
    person: Person,
    questionnaire: RiskQuestionnaire,
    answers: dict[int, bool],
    notes: str = "",
) -> RiskAssessment:
    """Record a risk assessment; the case takes the victim's assessed band when it is higher
    or the lead organisation made the assessment."""
    _require_case(actor, case, CONTRIBUTE)
    _require_person_on_case(case, person)
    assessment = risk_assessment_record(
        actor=actor,
        person=person,
        case=case,
        questionnaire=questionnaire,
        answers=answers,
        notes=notes,
    )
    order = {"standard": 0, "medium": 1, "high": 2}
    lead_assessed = actor.membership.organisation_id == case.lead_organisation_id
    if assessment.band != case.risk_band and (
        lead_assessed or order[assessment.band] > order[case.risk_band]
    ):
        before = case.risk_band
        Case.objects.filter(pk=case.pk).update(
            risk_band=assessment.band, version=F("version") + 1, updated_at=timezone.now()
        )
        case.refresh_from_db()
        audit_record(
            actor=actor,
            verb=Verb.CHANGED,
            action="case_risk_from_assessment",
            target=case,
            detail={
                "risk_band": {"before": before, "after": assessment.band},
                "assessment": str(assessment.uuid),
            },
        )
        _refresh_victims(case)
        victims_contact_due_refresh(case_ids=[case.pk])
    else:
        _touch(case)
    return assessment


@transaction.atomic
def case_victim_contact(*, actor: User, case: Case, person: Person, **details) -> ContactLog:
    _require_case(actor, case, CONTRIBUTE)
    _require_person_on_case(case, person)
    contact = contact_record(actor=actor, person=person, case=case, **details)
    _touch(case)
    return contact


@transaction.atomic
def case_victim_refer(*, actor: User, case: Case, person: Person, **details) -> SupportReferral:
    _require_case(actor, case, CONTRIBUTE)
    _require_person_on_case(case, person)
    referral = referral_create(actor=actor, person=person, case=case, **details)
    _touch(case)
    return referral


@transaction.atomic
def case_victim_referral_update(
    *, actor: User, referral: SupportReferral, status: str, outcome: str = ""
) -> SupportReferral:
    _require_case(actor, referral.case, CONTRIBUTE)
    _require_own_record(actor, referral, "referral")
    return referral_update(actor=actor, referral=referral, status_=status, outcome=outcome)


@transaction.atomic
def case_victim_statement(
    *, actor: User, case: Case, person: Person, text: str, reading: str
) -> ImpactStatement:
    _require_case(actor, case, CONTRIBUTE)
    _require_person_on_case(case, person)
    statement = statement_record(
        actor=actor,
        person=person,
        case=case,
        text=text,
        reading=reading,
        source=ImpactStatement.Source.OFFICER,
    )
    _touch(case)
    return statement


@transaction.atomic
def case_victim_statement_correct(
    *, actor: User, statement: ImpactStatement, text: str, reading: str, correction_note: str
) -> ImpactStatement:
    _require_case(actor, statement.case, CONTRIBUTE)
    _require_own_record(actor, statement, "statement")
    return statement_correct(
        actor=actor,
        statement=statement,
        text=text,
        reading=reading,
        correction_note=correction_note,
    )
