"""Writes for people. Each is one transaction with its audit event.

A person is an identity; what an organisation knows of them is its own `PersonDetails`. An
organisation records and changes only its own details: choosing an existing person as a match
(or a partner system's strong match) records what the organisation typed as its own details of
that person, and never shows it anyone else's (docs/adr/0013-person-visibility.md). Records about
a victim on a case (risk, contact, referrals, statements) are written by asb_cases, which holds
them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

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
from partners.db_insert import insert_rows
from partners.models import AuditEvent, Organisation, User
from partners.postcodes import is_valid_postcode, normalise_postcode
from partners.roles import is_partnership_admin
from victims import matching, status
from victims.models import Person, PersonDetails, PersonMerge, StatusDefinition
from victims.signals import consent_withdrawn

Verb = AuditEvent.Verb
STATUS_ACTOR = SystemActor("victim-status")

IDENTITY_FIELDS = ["given_name", "family_name", "date_of_birth", "address", "postcode", "uprn"]
DETAIL_FIELDS = [
    *IDENTITY_FIELDS,
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


def _organisation(actor: User) -> Organisation:
    return actor.membership.organisation


def _keys(details: PersonDetails) -> None:
    details.family_name_key = matching.soundex(details.family_name)
    details.given_name_key = matching.normalise_name(details.given_name)


def _validate(details: PersonDetails) -> None:
    errors = {}
    if not details.given_name:
        errors["given_name"] = "Enter their first name"
    if not details.family_name:
        errors["family_name"] = "Enter their last name"
    if details.date_of_birth and details.date_of_birth > timezone.localdate():
        errors["date_of_birth"] = "The date of birth must be in the past"
    if details.postcode and not is_valid_postcode(details.postcode):
        errors["postcode"] = "Enter a real postcode, like DL1 5QT"
    if errors:
        raise ValidationError(errors)


def details_build(
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
    organisation: Organisation | None = None,
    person: Person | None = None,
) -> PersonDetails:
    """An organisation's details of a person, checked but not yet saved (ValidationError if
    they are wrong): of `person`, or of a new person (unsaved, on `details.person`).
    `people_create` saves a batch."""
    organisation = organisation or _organisation(actor)
    user = actor if isinstance(actor, User) else None
    if person is None:
        person = Person(created_by_organisation=organisation, created_by=user)
    details = PersonDetails(
        person=person,
        organisation=organisation,
        given_name=given_name.strip(),
        family_name=family_name.strip(),
        date_of_birth=date_of_birth,
        address=address.strip(),
        postcode=normalise_postcode(postcode) if postcode else "",
        uprn=uprn.strip(),
        phone=phone.strip(),
        email=email.strip(),
        created_by=user,
    )
    _validate(details)
    _keys(details)
    details.full_clean(exclude=["person", "organisation", "created_by"], validate_unique=False)
    return details


@transaction.atomic
def people_create(*, actor: User | SystemActor, details: list[PersonDetails]) -> None:
    """Save details built by `details_build`: new people first, then every organisation's
    details, each with its audit event. Details of an organisation that already holds a record
    of that person are not saved again."""
    if not details:
        return
    new_people = [d.person for d in details if d.person.pk is None]
    insert_rows(new_people)  # one statement, less Python per row (partners.db_insert)
    for each in details:
        each.person = each.person  # now saved: sets person_id and keeps the cached person
    held = set(
        PersonDetails.objects.filter(
            person_id__in={d.person_id for d in details},
            organisation_id__in={d.organisation_id for d in details},
        ).values_list("person_id", "organisation_id")
    )
    fresh = [d for d in details if (d.person_id, d.organisation_id) not in held]
    insert_rows(fresh)  # the district is generated: read back with the ids
    created = {person.pk for person in new_people}
    audit_record_many(
        [
            audit_event(
                actor=actor,
                verb=Verb.CREATED,
                action="person_create" if each.person_id in created else "person_link",
                target=each.person,
                organisation=each.organisation,
                detail={"details": each.pk},
            )
            for each in fresh
        ]
    )


@transaction.atomic
def person_create(
    *, actor: User | SystemActor, organisation: Organisation | None = None, **fields: Any
) -> Person:
    """Record a new person with the organisation's details of them. Officers are shown possible
    matches first (victims.selectors.person_candidates); this is for when none of them is the
    person. A system actor (a public application verified by staff) names the organisation."""
    details = details_build(actor=actor, organisation=organisation, **fields)
    people_create(actor=actor, details=[details])
    return details.person


@transaction.atomic
def person_link(
    *,
    actor: User | SystemActor,
    person: Person,
    organisation: Organisation | None = None,
    **fields: Any,
) -> Person:
    """The organisation records what it knows of a person the partnership already knows (an
    officer chose them as a match): its own details, made from what it typed. It sees no one
    else's record because of this; details it already holds are kept."""
    person = person.merged_into or person
    organisation = organisation or _organisation(actor)
    if not PersonDetails.objects.filter(person=person, organisation=organisation).exists():
        details = details_build(actor=actor, organisation=organisation, person=person, **fields)
        people_create(actor=actor, details=[details])
    return person


def _own_details(actor: User, person: Person) -> PersonDetails | None:
    group = [person.pk, *Person.objects.filter(merged_into=person).values_list("pk", flat=True)]
    return (
        PersonDetails.objects.select_for_update()
        .filter(person_id__in=group, organisation=_organisation(actor))
        .order_by("-updated_at")
        .first()
    )


def _values(details: PersonDetails) -> dict[str, Any]:
    values = {name: getattr(details, name) for name in DETAIL_FIELDS}
    values["date_of_birth"] = str(details.date_of_birth or "")
    values["vulnerability_factors"] = (
        sorted(details.vulnerability_factors.values_list("code", flat=True)) if details.pk else []
    )
    return values


@transaction.atomic
def person_details_update(
    *,
    actor: User,
    person: Person,
    vulnerability_factors: list | None = None,
    **changes: Any,
) -> PersonDetails:
    """Change the actor's organisation's own details of a person (recording them if it held
    none): names, contact details, preferences, access needs and vulnerability. Another
    organisation's record is never touched."""
    if not actor.has_perm("victims.change_person"):
        raise PermissionDenied("Your role cannot change people's details")
    unknown = set(changes) - set(DETAIL_FIELDS)
    if unknown:
        raise ValueError(f"Not person details: {sorted(unknown)}")
    details = _own_details(actor, person)
    creating = details is None
    if creating:
        details = PersonDetails(person=person, organisation=_organisation(actor), created_by=actor)
    before = _values(details)
    for name, value in changes.items():
        setattr(details, name, value.strip() if isinstance(value, str) else value)
    if details.postcode:
        details.postcode = normalise_postcode(details.postcode)
    _validate(details)
    _keys(details)
    details.full_clean(exclude=["person", "organisation", "created_by"])
    details.save()
    if vulnerability_factors is not None:
        details.vulnerability_factors.set(vulnerability_factors)
    diff = changes_between(before, _values(details))
    if diff:
        audit_record(
            actor=actor,
            verb=Verb.CREATED if creating else Verb.CHANGED,
            action="person_details_update",
            target=person,
            detail=diff,
        )
        status.person_statuses_refresh([person.pk])
    return details


def _require_own(actor: User, person: Person) -> PersonDetails:
    details = _own_details(actor, person)
    if details is None:
        raise ValidationError(
            "Your organisation holds no details of this person: record them first"
        )
    return details


@transaction.atomic
def person_consent_record(*, actor: User, person: Person, given_on: dt.date, scope: str) -> None:
    """Record the consent the person gave the actor's organisation to share what it holds,
    with its date and scope."""
    if not actor.has_perm("victims.change_person"):
        raise PermissionDenied("Your role cannot record consent")
    if given_on > timezone.localdate():
        raise ValidationError({"given_on": "The date consent was given must be in the past"})
    if scope not in PersonDetails.ConsentScope.values:
        raise ValidationError({"scope": "Select what the person agreed to"})
    details = _require_own(actor, person)
    before = {
        "given_on": str(details.consent_given_on or ""),
        "scope": details.consent_scope,
        "withdrawn_on": str(details.consent_withdrawn_on or ""),
    }
    details.consent_given_on = given_on
    details.consent_scope = scope
    details.consent_withdrawn_on = None
    details.save(
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


@transaction.atomic
def person_consent_withdraw(*, actor: User, person: Person, withdrawn_on: dt.date) -> int:
    """The person no longer agrees to their information being shared. From now on partners see
    only the signpost of them (access.rules), and every existing share of a case they are on is
    flagged for its lead agency to review. Returns how many shares were flagged."""
    if not actor.has_perm("victims.change_person"):
        raise PermissionDenied("Your role cannot record consent")
    if withdrawn_on > timezone.localdate():
        raise ValidationError(
            {"withdrawn_on": "The date consent was withdrawn must be in the past"}
        )
    details = _require_own(actor, person)
    details.consent_withdrawn_on = withdrawn_on
    details.save(update_fields=["consent_withdrawn_on", "updated_at"])
    group = [person.pk, *Person.objects.filter(merged_into=person).values_list("pk", flat=True)]
    flagged = sum(
        count or 0 for _, count in consent_withdrawn.send(sender=Person, person_ids=group)
    )
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
    """Record that two records are one person. Only an organisation that recorded both may say
    so: merging changes what every agency holding either record sees. Nothing is moved: the
    duplicate points at the survivor, so undoing the merge is exact."""
    if not actor.has_perm("victims.merge_person"):
        raise PermissionDenied("Your role cannot merge records")
    errors = {}
    if survivor.pk == duplicate.pk:
        errors["duplicate"] = "Choose a different record"
    if survivor.merged_into_id or duplicate.merged_into_id:
        errors["duplicate"] = "One of these records has already been merged"
    if not reason.strip():
        errors["reason"] = "Enter why these records are the same person"
    own = {
        person_id: details
        for details in PersonDetails.objects.filter(
            person_id__in=[survivor.pk, duplicate.pk], organisation=_organisation(actor)
        )
        for person_id in [details.person_id]
    }
    if "duplicate" not in errors and len(own) < 2:
        errors["duplicate"] = "Your organisation can merge only two records it holds itself"
    elif len(own) == 2:
        born = {details.date_of_birth for details in own.values()} - {None}
        if len(born) > 1:
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
    if merge.organisation_id != _organisation(actor).pk:
        raise PermissionDenied("Only the organisation that merged the records can undo it")
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
