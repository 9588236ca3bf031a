"""Victims on a case (the case_victim_* services): the victims app records these; the case
decides who may.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from asb_cases import access
from asb_cases.models import Case
from asb_cases.services._common import Verb, _require_case, _touch
from asb_cases.services.cases import _refresh_victims
from partners.audit import audit_record
from partners.models import User
from victims import services as victim_services
from victims.models import Person, RiskQuestionnaire


def _require_person_on_case(case: Case, person: Person) -> None:
    if not case.person_links.filter(person=person).exists():
        raise ValidationError("The person is not on this case")


@transaction.atomic
def case_victim_assess_risk(
    *,
    actor: User,
    case: Case,
    person: Person,
    questionnaire: RiskQuestionnaire,
    answers: dict[int, bool],
    notes: str = "",
):
    """Record a risk assessment; the case takes the victim's assessed band when it is higher
    or the lead organisation made the assessment."""
    _require_case(actor, case, access.CONTRIBUTE)
    _require_person_on_case(case, person)
    assessment = victim_services.risk_assessment_record(
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
    else:
        _touch(case)
    return assessment


@transaction.atomic
def case_victim_contact(*, actor: User, case: Case, person: Person, **details):
    _require_case(actor, case, access.CONTRIBUTE)
    contact = victim_services.contact_record(actor=actor, person=person, case=case, **details)
    _touch(case)
    return contact


@transaction.atomic
def case_victim_refer(*, actor: User, case: Case, person: Person, **details):
    _require_case(actor, case, access.CONTRIBUTE)
    referral = victim_services.referral_create(actor=actor, person=person, case=case, **details)
    _touch(case)
    return referral


@transaction.atomic
def case_victim_referral_update(*, actor: User, referral, status: str, outcome: str = ""):
    _require_case(actor, referral.case, access.CONTRIBUTE)
    return victim_services.referral_update(
        actor=actor, referral=referral, status_=status, outcome=outcome
    )


@transaction.atomic
def case_victim_statement(*, actor: User, case: Case, person: Person, text: str, reading: str):
    _require_case(actor, case, access.CONTRIBUTE)
    statement = victim_services.statement_record(
        actor=actor,
        person=person,
        case=case,
        text=text,
        reading=reading,
        source="officer",
    )
    _touch(case)
    return statement


@transaction.atomic
def case_victim_statement_correct(
    *, actor: User, statement, text: str, reading: str, correction_note: str
):
    _require_case(actor, statement.case, access.CONTRIBUTE)
    return victim_services.statement_correct(
        actor=actor,
        statement=statement,
        text=text,
        reading=reading,
        correction_note=correction_note,
    )
