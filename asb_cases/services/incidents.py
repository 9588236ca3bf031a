"""Incidents: checking (`incident_validate`), recording (`incident_record`) and changing
(`incident_update`, whose update path the partner-system import shares).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from access import rules
from asb_cases.models import Case, Incident, IncidentType
from asb_cases.services._common import (
    CLOCK_SKEW,
    LocationInput,
    Verb,
    _organisation,
    _require_case,
    _require_perm,
    resolve_location,
)
from asb_cases.services.cases import case_link_incident, case_refresh_search_document
from asb_cases.signals import incidents_recorded
from partners.audit import audit_record, changes_between
from partners.models import User
from partners.postcodes import is_valid_postcode
from victims import services as victim_services
from victims.models import Person


@dataclass
class IncidentInput:
    occurred_at: dt.datetime
    reported_at: dt.datetime
    channel: str
    category: str
    incident_type: IncidentType
    description: str
    location: LocationInput = field(default_factory=LocationInput)
    hate_motivated: bool = False
    protected_characteristic: str = ""
    anonymous: bool = False
    reporter: Person | None = None
    victim: Person | None = None
    external_ref: str = ""


def incident_validate(data: IncidentInput, *, now: dt.datetime | None = None) -> None:
    """The rules an incident must meet, as field errors (shared by the pages and the API)."""
    now = now or timezone.now()
    errors: dict[str, str] = {}
    if data.occurred_at > now + CLOCK_SKEW:
        errors["occurred_at"] = "The date and time it happened must be in the past"
    if data.reported_at > now + CLOCK_SKEW:
        errors["reported_at"] = "The date and time it was reported must be in the past"
    if "occurred_at" not in errors and data.reported_at < data.occurred_at:
        errors["reported_at"] = "It cannot have been reported before it happened"
    if data.hate_motivated and not data.protected_characteristic:
        errors["protected_characteristic"] = (
            "Select the protected characteristic the hatred was about"
        )
    if data.anonymous and data.reporter is not None:
        errors["anonymous"] = "An anonymous report cannot name its reporter"
    if data.incident_type is None:
        errors["incident_type"] = "Select the type of incident"
    if data.location.postcode and not is_valid_postcode(data.location.postcode):
        errors["postcode"] = "Enter a real postcode, like DL1 5QT"
    if (data.location.latitude is None) != (data.location.longitude is None):
        errors["latitude"] = "Enter both a latitude and a longitude, or neither"
    if data.incident_type is not None and not data.incident_type.active:
        errors["incident_type"] = "This incident type is no longer in use"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def incident_record(
    *,
    actor: User,
    data: IncidentInput,
    duplicate_of: Incident | None = None,
    link_to_case: Case | None = None,
) -> Incident:
    """Record a report made to the actor's organisation."""
    _require_perm(actor, "asb_cases.add_incident")
    incident_validate(data)
    organisation = _organisation(actor)
    external_ref = data.external_ref.strip()
    if (
        external_ref
        and Incident.objects.filter(reported_to=organisation, external_ref=external_ref).exists()
    ):
        raise ValidationError(
            {"external_ref": f"{organisation} has already recorded an incident with this reference"}
        )
    if link_to_case is not None:
        _require_case(actor, link_to_case, rules.CONTRIBUTE)
    incident = Incident(
        reported_to=organisation,
        recorded_by=actor,
        occurred_at=data.occurred_at,
        reported_at=data.reported_at,
        channel=data.channel,
        category=data.category,
        incident_type=data.incident_type,
        hate_motivated=data.hate_motivated,
        protected_characteristic=data.protected_characteristic if data.hate_motivated else "",
        description=data.description.strip(),
        anonymous=data.anonymous,
        reporter=None if data.anonymous else data.reporter,
        victim=data.victim,
        duplicate_of=(duplicate_of.duplicate_of or duplicate_of) if duplicate_of else None,
        external_ref=external_ref,
        **resolve_location(data.location),
    )
    incident.full_clean()
    incident.save()
    audit_record(
        actor=actor,
        verb=Verb.CREATED,
        action="incident_record",
        target=incident,
        detail={
            "incident_type": incident.incident_type.code,
            "duplicate_of": str(incident.duplicate_of.uuid) if incident.duplicate_of else None,
            "external_ref": incident.external_ref,
        },
    )
    if link_to_case is not None:
        case_link_incident(actor=actor, case=link_to_case, incident=incident)
    if incident.victim_id:
        victim_services.person_statuses_refresh(person_ids=[incident.victim_id])
    incidents_recorded.send(sender=Incident, incident_ids=[incident.pk])
    return incident


def _comparable(value: Any) -> Any:
    if hasattr(value, "pk"):
        return str(value.pk)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, Decimal):
        return str(value.normalize())
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _incident_values(data: IncidentInput, location: dict[str, Any]) -> dict[str, Any]:
    return {
        "occurred_at": data.occurred_at,
        "reported_at": data.reported_at,
        "channel": data.channel,
        "category": data.category,
        "incident_type": data.incident_type,
        "hate_motivated": data.hate_motivated,
        "protected_characteristic": data.protected_characteristic if data.hate_motivated else "",
        "description": data.description.strip(),
        "anonymous": data.anonymous,
        "reporter": None if data.anonymous else data.reporter,
        "victim": data.victim,
        **location,
    }


def _incident_apply_update(*, actor: User, incident: Incident, values: dict[str, Any]) -> dict:
    """Set `values` on the incident and save what changed, audited; returns the changes."""
    before = {name: _comparable(getattr(incident, name)) for name in values}
    for name, value in values.items():
        setattr(incident, name, value)
    diff = changes_between(before, {name: _comparable(getattr(incident, name)) for name in values})
    if not diff:
        return diff
    incident.save(update_fields=[*values, "updated_at"])
    audit_record(
        actor=actor, verb=Verb.CHANGED, action="incident_update", target=incident, detail=diff
    )
    if {"address", "postcode"} & diff.keys():
        for case in Case.objects.filter(incident_links__incident=incident):
            case_refresh_search_document(case)
    incidents_recorded.send(sender=Incident, incident_ids=[incident.pk])
    return diff


def _require_own_incident(actor: User, incident: Incident) -> None:
    _require_perm(actor, "asb_cases.change_incident")
    if incident.reported_to_id != actor.membership.organisation_id:
        raise PermissionDenied("Only the organisation an incident was reported to can change it")


@transaction.atomic
def incident_update(*, actor: User, incident: Incident, data: IncidentInput) -> Incident:
    """Change an incident reported to the actor's organisation: what happened, when, where and
    to whom. Cases it is on keep it; the people's statuses are refreshed."""
    _require_own_incident(actor, incident)
    incident_validate(data)
    external_ref = data.external_ref.strip() or incident.external_ref
    if (
        external_ref != incident.external_ref
        and Incident.objects.filter(
            reported_to_id=incident.reported_to_id, external_ref=external_ref
        )
        .exclude(pk=incident.pk)
        .exists()
    ):
        raise ValidationError(
            {"external_ref": "Your organisation already has an incident with this reference"}
        )
    victims_before = {incident.victim_id}
    values = _incident_values(data, resolve_location(data.location))
    values["external_ref"] = external_ref
    diff = _incident_apply_update(actor=actor, incident=incident, values=values)
    people = {pk for pk in victims_before | {incident.victim_id} if pk}
    if diff and people:
        victim_services.person_statuses_refresh(person_ids=sorted(people))
    return incident
