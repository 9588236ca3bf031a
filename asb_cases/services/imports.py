"""Incidents from partner systems (`incidents_import`).

A partner system (a housing CRM, the police records system) sends incidents with its own
reference; sending one again updates it. People are matched without an officer to
confirm, so only on a strong match: the same normalised name and the same date of birth. A match
links the incident to the partnership's person and records what the partner system sent as its
organisation's own details of them; it never shows the organisation anyone else's record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from asb_cases import geography
from asb_cases.models import Incident
from asb_cases.services._common import (
    LocationInput,
    Verb,
    _organisation,
    _require_perm,
    postcode_areas,
    postcode_areas_many,
)
from asb_cases.services.incidents import (
    IncidentInput,
    _incident_apply_update,
    _incident_values,
    _require_own_incident,
    incident_validate,
)
from asb_cases.signals import incidents_recorded
from partners.audit import audit_event, audit_record_many
from partners.db_insert import insert_rows
from partners.models import LocalAuthority, Organisation, User
from partners.outbox import outbox_enqueue
from partners.postcodes import normalise_postcode
from victims import selectors as victim_selectors
from victims import services as victim_services
from victims.matching import normalise_name
from victims.models import Person, PersonDetails

IMPORT_CREATED = "created"
IMPORT_UPDATED = "updated"
IMPORT_ERROR = "error"
# Incident fields a partner system's update may change (with the location fields).
INCIDENT_INPUT_FIELDS = [
    "occurred_at",
    "reported_at",
    "channel",
    "category",
    "incident_type",
    "hate_motivated",
    "protected_characteristic",
    "description",
    "anonymous",
    "reporter",
    "victim",
]


@dataclass
class ImportedPerson:
    """A person as a partner system describes them."""

    given_name: str
    family_name: str
    date_of_birth: dt.date | None = None
    postcode: str = ""
    address: str = ""

    def same_as(self, details: PersonDetails) -> bool:
        """Whether the organisation's record has this name (normalised) and date of birth (or
        neither has one)."""
        return (
            normalise_name(self.given_name) == normalise_name(details.given_name)
            and normalise_name(self.family_name) == normalise_name(details.family_name)
            and self.date_of_birth == details.date_of_birth
        )

    def fields(self) -> dict[str, Any]:
        return {
            "given_name": self.given_name,
            "family_name": self.family_name,
            "date_of_birth": self.date_of_birth,
            "postcode": self.postcode,
            "address": self.address,
        }


@dataclass
class _People:
    """What an import knows about people: strong matches across the partnership (`known`),
    people it created (`created`, by match key), the organisation's own details of people
    already on its incidents (`own`), and the people it holds details of (`held`)."""

    known: dict
    own: dict[int, PersonDetails]
    held: set[int]
    created: dict = field(default_factory=dict)


@dataclass
class IncidentImport:
    """One incident from a partner system. `data.external_ref` is required; the reporter and
    victim are given as details (`data.reporter` and `data.victim` are set from them)."""

    data: IncidentInput
    reporter: ImportedPerson | None = None
    victim: ImportedPerson | None = None
    victim_is_reporter: bool = False


@dataclass
class ImportResult:
    external_ref: str
    outcome: str  # IMPORT_CREATED, IMPORT_UPDATED or IMPORT_ERROR
    incident: Incident | None = None
    # Field name -> messages; a person's fields are "reporter.<field>" and "victim.<field>".
    errors: dict[str, list[str]] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)


def _import_person(
    *,
    actor: User,
    details: ImportedPerson | None,
    previous: Person | None,
    people: _People,
    created: dict,
    new_details: list[PersonDetails],
    role: str,
) -> Person | None:
    """The person the details describe: the one already on the incident if the organisation's
    record of them is the same, else the partnership's person on a strong match (with the
    organisation's own details recorded if it holds none), else a new person. New details are
    built here, added to `new_details`, and saved with the others before the incidents."""
    if details is None:
        return None
    own = people.own.get(previous.pk) if previous is not None else None
    if own is not None and details.same_as(own):
        return previous
    key = None
    if details.date_of_birth is not None:
        key = victim_selectors.strong_match_key(
            details.given_name, details.family_name, details.date_of_birth
        )
        if key in created or key in people.created:
            return created.get(key) or people.created[key]
    person = people.known.get(key) if key is not None else None
    if person is not None and person.pk in people.held:
        return person
    try:
        built = victim_services.details_build(actor=actor, person=person, **details.fields())
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        raise ValidationError(
            {
                f"{role}.{name}" if name != "__all__" else role: messages
                for name, messages in errors.items()
            }
        ) from exc
    new_details.append(built)
    if key is not None:
        created[key] = built.person
    return built.person


@dataclass
class _Places:
    """What an import looks up about places once: the local authorities (by code and by id),
    and the areas known for each postcode it meets (`postcode_areas`, once per postcode)."""

    by_code: dict[str, LocalAuthority]
    by_pk: dict[int, LocalAuthority]
    postcodes: dict[str, dict[str, Any] | None] = field(default_factory=dict)

    @classmethod
    def load(cls) -> _Places:
        authorities = list(LocalAuthority.objects.all())
        return cls(
            by_code={authority.code: authority for authority in authorities},
            by_pk={authority.pk: authority for authority in authorities},
        )

    def read_postcodes(self, items: list[IncidentImport]) -> None:
        """The known areas of every postcode of the items that come without coordinates,
        read together before the items are checked."""
        wanted = {
            normalise_postcode(item.data.location.postcode)
            for item in items
            if item.data.location is not None
            and item.data.location.postcode
            and (item.data.location.latitude is None or item.data.location.longitude is None)
        }
        self.postcodes.update(postcode_areas_many(wanted - set(self.postcodes)))

    def areas_of(self, postcode: str) -> dict[str, Any] | None:
        if postcode not in self.postcodes:
            self.postcodes[postcode] = postcode_areas(postcode)
        return self.postcodes[postcode]


def _import_location(location: LocationInput, places: _Places) -> dict[str, Any]:
    """`resolve_location` for a batch: the local authorities are looked up in memory, and each
    postcode's known areas once per import."""
    area = None
    if location.latitude is not None and location.longitude is not None:
        area = geography.area_for_point(location.latitude, location.longitude)
    postcode = normalise_postcode(location.postcode) if location.postcode else ""
    fields: dict[str, Any] = {
        "address": location.address.strip(),
        "postcode": postcode,
        "uprn": location.uprn.strip(),
        "latitude": location.latitude,
        "longitude": location.longitude,
        "lsoa_code": "",
        "lsoa_vintage": None,
        "ward_code": "",
        "ward_year": None,
        "local_authority": location.local_authority,
    }
    if area is not None:
        fields.update(
            lsoa_code=area.lsoa_code,
            lsoa_vintage=area.lsoa_vintage,
            ward_code=area.ward_code,
            ward_year=area.ward_year,
            local_authority=places.by_code.get(area.local_authority_code)
            or location.local_authority,
        )
    elif postcode and (known := places.areas_of(postcode)):
        fields.update(known)
        fields["local_authority"] = (
            places.by_pk.get(known["local_authority"]) or location.local_authority
        )
    return fields


# incident_validate's names for location errors, as the import reports them.
_LOCATION_ERRORS = {"postcode": "location.postcode", "latitude": "location.latitude"}


def _import_values(
    *,
    actor: User,
    item: IncidentImport,
    existing: Incident | None,
    people: _People,
    created: dict,
    new_details: list[PersonDetails],
    places: _Places,
) -> dict[str, Any]:
    """The incident's fields from a partner system's item, checked, with its people found or
    built (ValidationError, naming the item's own fields, if it is wrong)."""
    data = item.data
    if data.anonymous and item.reporter is not None:
        raise ValidationError({"anonymous": "An anonymous report cannot name its reporter"})
    if existing is not None:
        _require_own_incident(actor, existing)
    data.reporter = None
    data.victim = None
    try:
        incident_validate(data)
    except ValidationError as exc:
        raise ValidationError(
            {
                _LOCATION_ERRORS.get(name, name): messages
                for name, messages in exc.message_dict.items()
            }
        ) from exc
    found = {"people": people, "created": created, "new_details": new_details}
    data.reporter = _import_person(
        actor=actor,
        details=None if data.anonymous else item.reporter,
        previous=existing.reporter if existing else None,
        role="reporter",
        **found,
    )
    if item.victim_is_reporter:
        data.victim = data.reporter
    else:
        data.victim = _import_person(
            actor=actor,
            details=item.victim,
            previous=existing.victim if existing else None,
            role="victim",
            **found,
        )
    return _incident_values(data, _import_location(data.location, places))


@dataclass
class _ImportBatch:
    """New incidents from one import, written together: their new people first, then the
    incidents in one statement, their audit events in another, and one signal for them all."""

    actor: User
    organisation: Organisation
    people: list[PersonDetails] = field(default_factory=list)
    incidents: dict[int, Incident] = field(default_factory=dict)  # by the item's index

    refs: set[str] = field(default_factory=set)

    def add(self, index: int, values: dict[str, Any], external_ref: str) -> None:
        self.refs.add(external_ref)
        self.incidents[index] = Incident(
            reported_to=self.organisation,
            recorded_by=self.actor,
            external_ref=external_ref,
            **values,
        )

    def write(self) -> dict[int, Incident | None]:
        """Save the batch; returns each index's incident (None where another request recorded
        the same reference meanwhile)."""
        victim_services.people_create(actor=self.actor, details=self.people)
        written: dict[int, Incident | None] = dict(self.incidents)
        try:
            with transaction.atomic():
                insert_rows(list(self.incidents.values()))
        except IntegrityError:  # a reference taken meanwhile: find which, one at a time
            for index, incident in self.incidents.items():
                try:
                    with transaction.atomic():
                        incident.save(force_insert=True)
                except IntegrityError:
                    written[index] = None
        saved = [incident for incident in written.values() if incident is not None]
        audit_record_many(
            [
                audit_event(
                    actor=self.actor,
                    verb=Verb.CREATED,
                    action="incident_record",
                    target=incident,
                    detail={
                        "incident_type": incident.incident_type.code,
                        "external_ref": incident.external_ref,
                    },
                )
                for incident in saved
            ]
        )
        if saved:
            incidents_recorded.send(
                sender=Incident, incident_ids=[incident.pk for incident in saved]
            )
        self.people, self.incidents, self.refs = [], {}, set()
        return written


def incidents_import(*, actor: User, items: list[IncidentImport]) -> list[ImportResult]:
    """Record incidents a partner system sends, or update those it sent before (the same
    `external_ref`), reporting each one's outcome. An item with errors is reported and loses
    nothing of the others: new incidents are checked first and written together; an update is
    written in its own savepoint. The people's repeat and vulnerable statuses are refreshed
    once for the whole batch, by a worker through the outbox."""
    _require_perm(actor, "asb_cases.add_incident")
    organisation = _organisation(actor)
    refs = {item.data.external_ref.strip() for item in items} - {""}
    results: dict[int, ImportResult] = {}
    with transaction.atomic():
        existing = _existing_incidents(organisation, refs)
        known = victim_selectors.people_strong_matches(
            people=[
                (details.given_name, details.family_name, details.date_of_birth)
                for item in items
                for details in (item.reporter, item.victim)
                if details is not None
            ]
        )
        on_incidents = {
            pk
            for incident in existing.values()
            for pk in (incident.reporter_id, incident.victim_id)
            if pk is not None
        }
        own = {
            details.person_id: details
            for details in PersonDetails.objects.filter(
                organisation=organisation,
                person_id__in=on_incidents | {person.pk for person in known.values()},
            )
        }
        people = _People(known=known, own=own, held=set(own))
        places = _Places.load()
        places.read_postcodes(items)
        batch = _ImportBatch(actor=actor, organisation=organisation)
        victims: set[int] = set()

        def write_batch() -> None:
            for index, incident in batch.write().items():
                ref = items[index].data.external_ref.strip()
                if incident is None:
                    results[index] = ImportResult(ref, IMPORT_ERROR, errors=_REF_TAKEN)
                    continue
                existing[ref] = incident
                victims.update({incident.victim_id} - {None})
                results[index] = ImportResult(ref, IMPORT_CREATED, incident=incident)

        for index, item in enumerate(items):
            ref = item.data.external_ref.strip()
            if not ref:
                results[index] = ImportResult(
                    ref, IMPORT_ERROR, errors={"external_ref": ["Enter your reference"]}
                )
                continue
            previous = existing.get(ref)
            # An update is written on its own, after the new incidents before it (the same
            # reference sent twice in one batch: the second is an update of the first).
            if batch.incidents and (previous is not None or ref in batch.refs):
                write_batch()
                previous = existing.get(ref)
            created: dict = {}
            new_details: list[PersonDetails] = []
            try:
                if previous is None:
                    values = _import_values(
                        actor=actor,
                        item=item,
                        existing=None,
                        people=people,
                        created=created,
                        new_details=new_details,
                        places=places,
                    )
                    batch.people += new_details
                    batch.add(index, values, ref)
                    _remember(people, created, new_details)
                    continue
                with transaction.atomic():
                    values = _import_values(
                        actor=actor,
                        item=item,
                        existing=previous,
                        people=people,
                        created=created,
                        new_details=new_details,
                        places=places,
                    )
                    victim_services.people_create(actor=actor, details=new_details)
                    victims_before = {previous.victim_id}
                    diff = _incident_apply_update(actor=actor, incident=previous, values=values)
            except ValidationError as exc:
                errors = exc.message_dict if hasattr(exc, "error_dict") else {}
                results[index] = ImportResult(
                    ref, IMPORT_ERROR, errors=errors or {"non_field_errors": exc.messages}
                )
                continue
            except PermissionDenied:
                results[index] = ImportResult(ref, IMPORT_ERROR, errors=_ROLE_CANNOT_CHANGE)
                continue
            except IntegrityError:
                results[index] = ImportResult(ref, IMPORT_ERROR, errors=_REF_TAKEN)
                continue
            _remember(people, created, new_details)
            if diff:
                victims.update((victims_before | {previous.victim_id}) - {None})
            results[index] = ImportResult(
                ref, IMPORT_UPDATED, incident=previous, changed=sorted(diff)
            )
        write_batch()
        if victims:
            # Repeat and vulnerable statuses may lag the import by a moment: recomputed by a
            # worker, once for the batch, after the commit (the nightly run catches up too).
            outbox_enqueue(
                task_name="victims.person_statuses_refresh",
                kwargs={"person_ids": sorted(victims)},
            )
    return [results[index] for index in range(len(items))]


def _existing_incidents(organisation: Organisation, refs: set[str]) -> dict[str, Incident]:
    """The organisation's incidents with these references, by reference, with their people
    and type. First their ids alone: "<> ''" as well, as the partial unique index on
    (reported_to, external_ref) serves a long IN list only when the query repeats its
    condition; read with the joins and the default order, the planner expected 2,000 rows of
    500 references and gathered parallel workers for none (20 ms, against 2 ms)."""
    ids = list(
        Incident.objects.filter(reported_to=organisation, external_ref__in=refs)
        .exclude(external_ref="")
        .order_by()
        .values_list("pk", flat=True)
    )
    if not ids:
        return {}
    return {
        incident.external_ref: incident
        for incident in Incident.objects.filter(pk__in=ids).select_related(
            "reporter", "victim", "incident_type"
        )
    }


def _remember(people: _People, created: dict, new_details: list[PersonDetails]) -> None:
    """What an item that succeeded added: its new people, and the people the organisation now
    holds details of."""
    people.created.update(created)
    people.held.update(d.person.pk for d in new_details if d.person.pk is not None)


_REF_TAKEN = {"external_ref": ["Another request recorded this reference: retry"]}
_ROLE_CANNOT_CHANGE = {"external_ref": ["Your role cannot change incidents"]}
