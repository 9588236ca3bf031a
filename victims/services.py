"""Writes for people and the support of victims. Each is one transaction with its audit event.

Services that concern a case (risk assessments, contacts, referrals, statements) take the case
already fetched through a selector scoped to the actor; asb_cases checks the actor may
contribute to it before calling them (asb_cases.services.case_victim_*).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from partners.audit import (
    SystemActor,
    audit_event,
    audit_record,
    audit_record_many,
    changes_between,
)
from partners.models import AuditEvent, User
from partners.postcodes import is_valid_postcode, normalise_postcode
from partners.roles import is_partnership_admin
from victims import matching, status
from victims.models import (
    ContactLog,
    ImpactStatement,
    Person,
    PersonMerge,
    RiskAssessment,
    RiskQuestionnaire,
    StatusDefinition,
    SupportReferral,
    VulnerabilityFactor,
)

Verb = AuditEvent.Verb
STATUS_ACTOR = SystemActor("victim-status")


def _organisation(actor: User):
    return actor.membership.organisation


def _keys(person: Person) -> None:
    person.family_name_key = matching.soundex(person.family_name)
    person.given_name_key = matching.normalise_name(person.given_name)


def _validate_person(person: Person) -> None:
    errors = {}
    if person.date_of_birth and person.date_of_birth > timezone.localdate():
        errors["date_of_birth"] = "The date of birth must be in the past"
    if person.postcode and not is_valid_postcode(person.postcode):
        errors["postcode"] = "Enter a real postcode, like DL1 5QT"
    if errors:
        raise ValidationError(errors)


def person_build(
    *,
    actor: User | SystemActor,
    given_name: str,
    family_name: str,
    date_of_birth: dt.date | None = None,
    address: str = "",
    postcode: str = "",
    uprn: str = "",
    phone: str = "",
    email: str = "",
    organisation=None,
) -> Person:
    """A new person, checked but not yet saved (ValidationError if the details are wrong):
    `person_create` saves one, `people_create` a batch."""
    person = Person(
        given_name=given_name.strip(),
        family_name=family_name.strip(),
        date_of_birth=date_of_birth,
        address=address.strip(),
        postcode=normalise_postcode(postcode) if postcode else "",
        uprn=uprn.strip(),
        phone=phone.strip(),
        email=email.strip(),
        created_by_organisation=organisation or _organisation(actor),
        created_by=actor if isinstance(actor, User) else None,
    )
    _validate_person(person)
    _keys(person)
    # The organisation and user are the actor's own and the uuid is new: no need to ask the
    # database about them.
    person.full_clean(exclude=["created_by_organisation", "created_by"], validate_unique=False)
    return person


@transaction.atomic
def person_create(
    *,
    actor: User | SystemActor,
    given_name: str,
    family_name: str,
    date_of_birth: dt.date | None = None,
    address: str = "",
    postcode: str = "",
    uprn: str = "",
    phone: str = "",
    email: str = "",
    organisation=None,
) -> Person:
    """Record a new person. Officers are shown possible matches first (victims.selectors
    .person_candidates); this is for when none of them is the person. A system actor (such as a
    public application) names the organisation that holds the record."""
    person = person_build(
        actor=actor,
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth,
        address=address,
        postcode=postcode,
        uprn=uprn,
        phone=phone,
        email=email,
        organisation=organisation,
    )
    people_create(actor=actor, people=[person])
    return person


@transaction.atomic
def people_create(*, actor: User | SystemActor, people: list[Person]) -> None:
    """Record new people built by `person_build`, together, each with its audit event."""
    if not people:
        return
    Person.objects.bulk_create(people, batch_size=1_000)
    audit_record_many(
        [
            audit_event(
                actor=actor,
                verb=Verb.CREATED,
                action="person_create",
                target=person,
                detail={"given_name": person.given_name, "family_name": person.family_name},
            )
            for person in people
        ]
    )


PERSON_FIELDS = [
    "given_name",
    "family_name",
    "date_of_birth",
    "address",
    "postcode",
    "uprn",
    "phone",
    "email",
    "preferred_contact_method",
    "preferred_contact_times",
    "safe_to_leave_messages",
    "interpreter_needed",
    "language",
    "large_print",
    "other_access_needs",
]


def _values(person: Person) -> dict[str, Any]:
    values = {name: getattr(person, name) for name in PERSON_FIELDS}
    values["date_of_birth"] = str(person.date_of_birth or "")
    values["vulnerability_factors"] = sorted(
        person.vulnerability_factors.values_list("code", flat=True)
    )
    return values


@transaction.atomic
def person_update(
    *,
    actor: User,
    person: Person,
    vulnerability_factors: list[VulnerabilityFactor] | None = None,
    **changes: Any,
) -> Person:
    """Change a person's details, preferences, access needs and vulnerability factors."""
    unknown = set(changes) - set(PERSON_FIELDS)
    if unknown:
        raise ValueError(f"Not person fields: {sorted(unknown)}")
    before = _values(person)
    for name, value in changes.items():
        setattr(person, name, value.strip() if isinstance(value, str) else value)
    if "postcode" in changes and person.postcode:
        person.postcode = normalise_postcode(person.postcode)
    _validate_person(person)
    _keys(person)
    person.full_clean()
    person.save()
    if vulnerability_factors is not None:
        person.vulnerability_factors.set(vulnerability_factors)
    diff = changes_between(before, _values(person))
    if diff:
        audit_record(
            actor=actor, verb=Verb.CHANGED, action="person_update", target=person, detail=diff
        )
        status.person_statuses_refresh([person.pk])
    return person


@transaction.atomic
def person_consent_record(*, actor: User, person: Person, given_on: dt.date, scope: str) -> Person:
    """Record the person's consent to share, with its date and scope."""
    if given_on > timezone.localdate():
        raise ValidationError({"given_on": "The date consent was given must be in the past"})
    if scope not in Person.ConsentScope.values:
        raise ValidationError({"scope": "Select what the person agreed to"})
    before = {
        "given_on": str(person.consent_given_on or ""),
        "scope": person.consent_scope,
        "withdrawn_on": str(person.consent_withdrawn_on or ""),
    }
    person.consent_given_on = given_on
    person.consent_scope = scope
    person.consent_withdrawn_on = None
    person.save(
        update_fields=["consent_given_on", "consent_scope", "consent_withdrawn_on", "updated_at"]
    )
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="person_consent_record",
        target=person,
        detail=changes_between(
            before, {"given_on": str(given_on), "scope": scope, "withdrawn_on": ""}
        ),
    )
    return person


@transaction.atomic
def person_consent_withdraw(*, actor: User, person: Person, withdrawn_on: dt.date) -> int:
    """The person no longer agrees to their information being shared. Nothing about them is
    shared further, and every existing share of a case they are on is flagged for review.
    Returns how many shares were flagged."""
    if withdrawn_on > timezone.localdate():
        raise ValidationError(
            {"withdrawn_on": "The date consent was withdrawn must be in the past"}
        )
    person.consent_withdrawn_on = withdrawn_on
    person.save(update_fields=["consent_withdrawn_on", "updated_at"])
    share_model = apps.get_model("asb_cases", "CaseShare")
    flagged = share_model.objects.filter(
        case__person_links__person=person, revoked_at__isnull=True, needs_review=False
    ).update(needs_review=True)
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="person_consent_withdraw",
        target=person,
        detail={"withdrawn_on": str(withdrawn_on), "shares_flagged_for_review": flagged},
    )
    return flagged


# Merging ---------------------------------------------------------------------------------------


@transaction.atomic
def person_merge(*, actor: User, survivor: Person, duplicate: Person, reason: str) -> PersonMerge:
    """Record that two records are one person. Nothing is moved: the duplicate points at the
    survivor, so undoing the merge is exact."""
    errors = {}
    if survivor.pk == duplicate.pk:
        errors["duplicate"] = "Choose a different record"
    if survivor.merged_into_id or duplicate.merged_into_id:
        errors["duplicate"] = "One of these records has already been merged"
    if not reason.strip():
        errors["reason"] = "Enter why these records are the same person"
    if (
        survivor.date_of_birth
        and duplicate.date_of_birth
        and survivor.date_of_birth != duplicate.date_of_birth
    ):
        errors["duplicate"] = "These records have different dates of birth"
    if errors:
        raise ValidationError(errors)
    repointed = list(Person.objects.filter(merged_into=duplicate).values_list("pk", flat=True))
    Person.objects.filter(pk__in=repointed).update(merged_into=survivor)
    Person.objects.filter(pk=duplicate.pk).update(merged_into=survivor)
    duplicate.merged_into = survivor
    merge = PersonMerge.objects.create(
        survivor=survivor,
        duplicate=duplicate,
        reason=reason.strip(),
        merged_by=actor,
        organisation=_organisation(actor),
        merged_at=timezone.now(),
        repointed=repointed,
    )
    status.person_statuses_refresh([survivor.pk, duplicate.pk])
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="person_merge",
        target=survivor,
        detail={
            "survivor": str(survivor.uuid),
            "duplicate": str(duplicate.uuid),
            "reason": merge.reason,
            "repointed": repointed,
        },
    )
    return merge


@transaction.atomic
def person_merge_undo(*, actor: User, merge: PersonMerge) -> PersonMerge:
    if merge.undone_at is not None:
        raise ValidationError("This merge has already been undone")
    if merge.survivor.merged_into_id:
        raise ValidationError("Undo the later merge of the surviving record first")
    Person.objects.filter(pk=merge.duplicate_id).update(merged_into=None)
    Person.objects.filter(pk__in=merge.repointed).update(merged_into=merge.duplicate)
    merge.undone_at = timezone.now()
    merge.undone_by = actor
    merge.save(update_fields=["undone_at", "undone_by"])
    status.person_statuses_refresh([merge.survivor_id, merge.duplicate_id])
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="person_merge_undo",
        target=merge.survivor,
        detail={"survivor": str(merge.survivor.uuid), "duplicate": str(merge.duplicate.uuid)},
    )
    return merge


# Status ----------------------------------------------------------------------------------------


def person_statuses_refresh(*, person_ids: list[int] | None = None) -> int:
    """Recompute repeat and vulnerable statuses: for these people, or (nightly) everyone whose
    status could have changed. Idempotent; audited once per run."""
    ids = list(person_ids) if person_ids is not None else list(status.people_needing_refresh())
    with transaction.atomic():
        written = status.person_statuses_refresh(ids)
        if person_ids is None:
            audit_record(
                actor=STATUS_ACTOR,
                verb=Verb.CHANGED,
                action="person_statuses_refresh",
                target_type="victims.personstatus",
                detail={"people": written},
            )
    return written


# Victims on cases ------------------------------------------------------------------------------


def _require_on_case(person: Person, case) -> None:
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
    _require_on_case(person, case)
    if not actor.has_perm("victims.add_riskassessment"):
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
    status.person_statuses_refresh([person.pk])
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
    _require_on_case(person, case)
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
    _require_on_case(person, case)
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
    *,
    person: Person,
    text: str,
    reading: str,
    source: str,
    actor: User | None = None,
    case=None,
) -> ImpactStatement:
    """The victim's account, recorded by an officer or written by the victim. Never edited."""
    errors = {}
    if not text.strip():
        errors["text"] = "Enter how the anti-social behaviour is affecting you"
    if reading not in ImpactStatement.Reading.values:
        errors["reading"] = "Select how the statement should be used at the meeting"
    if errors:
        raise ValidationError(errors)
    if case is not None:
        _require_on_case(person, case)
    statement = ImpactStatement.objects.create(
        person=person,
        case=case,
        text=text.strip(),
        reading=reading,
        source=source,
        recorded_by=actor,
        organisation=_organisation(actor) if actor else None,
        created_at=timezone.now(),
    )
    audit_record(
        actor=actor or SystemActor("public"),
        verb=Verb.CREATED,
        action="statement_record",
        target=person,
        detail={"statement": str(statement.statement_id), "source": source},
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
def status_definition_update(
    *,
    actor: User,
    repeat_incident_count: int,
    repeat_window_months: int,
    second_report_window_months: int,
    vulnerable_risk_bands: list[str],
) -> StatusDefinition:
    """A new definition of repeat and vulnerable victims, in force from today. The old one is
    kept; statuses are recomputed tonight (or now, by the caller)."""
    if not is_partnership_admin(actor):
        raise PermissionDenied("Only the partnership's admin can change the definition")
    before = status.current_definition()
    definition = StatusDefinition.objects.create(
        effective_from=timezone.localdate(),
        repeat_incident_count=repeat_incident_count,
        repeat_window_months=repeat_window_months,
        second_report_window_months=second_report_window_months,
        vulnerable_risk_bands=sorted(vulnerable_risk_bands),
        created_by=actor,
    )
    definition.full_clean()
    fields = [
        "repeat_incident_count",
        "repeat_window_months",
        "second_report_window_months",
        "vulnerable_risk_bands",
    ]
    audit_record(
        actor=actor,
        verb=Verb.CHANGED,
        action="status_definition_update",
        target=definition,
        detail=changes_between(
            {name: getattr(before, name) for name in fields},
            {name: getattr(definition, name) for name in fields},
        ),
    )
    return definition
