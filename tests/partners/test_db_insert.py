"""`partners.db_insert.insert_rows` writes exactly the rows `bulk_create` writes (ADR 0023):
the same columns for incidents (with people saved after the incidents were built), for audit
events (JSON, addresses, no actor) and for person details (a generated column, read back), ids
set and instances marked saved."""

import datetime as dt
from decimal import Decimal

import pytest
from django.forms.models import model_to_dict

from asb_cases.models import Incident, IncidentType
from partners.audit import SystemActor, audit_event
from partners.db_insert import insert_rows
from partners.models import AuditEvent, LocalAuthority
from tests.factories import OrganisationFactory, user_in
from victims.models import Person, PersonDetails

pytestmark = pytest.mark.django_db

# Columns each write fills in itself: the key, new UUIDs, and the times of writing.
OWN = {"id", "uuid", "external_ref", "created_at", "updated_at", "reporter", "victim"}


def _incidents(officer, tag: str) -> tuple[list[Incident], list[Person]]:
    organisation = officer.membership.organisation
    noise = IncidentType.objects.get(code="noise")
    authority = LocalAuthority.objects.get(code="E06000005")
    when = dt.datetime(2026, 11, 20, 22, 40, tzinfo=dt.UTC)
    people = [Person(created_by_organisation=organisation, created_by=officer) for _ in range(3)]
    incidents = []
    for n in range(6):
        person = people[n % 3] if n % 2 else None
        incidents.append(
            Incident(
                reported_to=organisation,
                recorded_by=officer,
                external_ref=f"{tag}-{n}",
                occurred_at=when - dt.timedelta(days=n),
                reported_at=when,
                channel="partner_system",
                category=["personal", "nuisance", "environmental"][n % 3],
                incident_type=noise,
                description=f"Fictitious report {n}",
                hate_motivated=n == 4,
                protected_characteristic="race" if n == 4 else "",
                anonymous=person is None,
                reporter=person,
                victim=person,
                address="14 Elm Court",
                postcode="DL1 4QT",
                uprn="100110" if n == 2 else "",
                latitude=Decimal("54.518100") if n % 3 else None,
                longitude=Decimal("-1.548900") if n % 3 else None,
                lsoa_code="E01012345",
                lsoa_vintage=2021,
                ward_code="",
                ward_year=None,
                local_authority=authority if n != 5 else None,
            )
        )
    return incidents, people


def test_incidents_are_written_as_bulk_create_writes_them():
    officer = user_in(OrganisationFactory())
    by_django, people_a = _incidents(officer, "django")
    by_insert, people_b = _incidents(officer, "insert")
    Person.objects.bulk_create(people_a + people_b)  # saved after the incidents were built
    Incident.objects.bulk_create(by_django)
    insert_rows(by_insert)

    assert all(i.pk is not None and not i._state.adding for i in by_insert)
    assert [i.reporter_id for i in by_insert] == [
        p.pk if p else None for p in (None, people_b[1], None, people_b[0], None, people_b[2])
    ]
    stored = {
        i.external_ref: i
        for i in Incident.objects.filter(reported_to=officer.membership.organisation)
    }
    for a, b in zip(by_django, by_insert, strict=True):
        row_a = model_to_dict(stored[a.external_ref], exclude=OWN)
        row_b = model_to_dict(stored[b.external_ref], exclude=OWN)
        assert row_a == row_b
        assert (stored[b.external_ref].reporter_id is None) == (b.reporter is None)
        assert stored[b.external_ref].created_at is not None
        assert stored[b.external_ref].uuid == b.uuid


def test_audit_events_are_written_as_bulk_create_writes_them():
    officer = user_in(OrganisationFactory())
    actors = [officer, SystemActor("tests"), None]

    def events(tag: str) -> list[AuditEvent]:
        return [
            audit_event(
                actor=actors[n % 3],
                verb="created",
                action=tag,
                target_type="asb_cases.incident",
                target_id=str(n),
                detail={"n": n, "nested": {"ref": f"CRM-{n}"}, "list": [1, "two", None]},
            )
            for n in range(6)
        ]

    by_django, by_insert = events("django"), events("insert")
    for n, event in enumerate(by_django + by_insert):
        event.ip_address = "192.0.2.1" if n % 2 else None
    AuditEvent.objects.bulk_create(by_django)
    insert_rows(by_insert)
    assert all(e.pk is not None and not e._state.adding for e in by_insert)
    fields = [
        "actor",
        "actor_label",
        "organisation",
        "verb",
        "target_type",
        "target_id",
        "ip_address",
        "detail",
    ]
    stored = {e.pk: e for e in AuditEvent.objects.filter(action__in=["django", "insert"])}
    for a, b in zip(by_django, by_insert, strict=True):
        assert model_to_dict(stored[a.pk], fields=fields) == model_to_dict(
            stored[b.pk], fields=fields
        )
        assert (stored[a.pk].occurred_at, stored[b.pk].occurred_at) == (
            a.occurred_at,
            b.occurred_at,
        )
        assert stored[b.pk].row_hash  # chained by the database like any other


def test_person_details_are_written_as_bulk_create_writes_them_with_their_district():
    officer = user_in(OrganisationFactory())
    organisation = officer.membership.organisation
    people = [Person(created_by_organisation=organisation, created_by=officer) for _ in range(6)]
    insert_rows(people)

    def details(person: Person, n: int) -> PersonDetails:
        return PersonDetails(
            person=person,
            organisation=organisation,
            given_name=f"Alex{n}",
            family_name="Whitfield",
            given_name_key="A420",
            family_name_key="W314",
            date_of_birth=dt.date(1980, 1, n + 1) if n % 2 else None,
            postcode=["DL1 4QT", "", "DH1 3LE"][n % 3],
            email="alex@example.org" if n == 1 else "",
            consent_given_on=dt.date(2026, 11, 2) if n == 2 else None,
            created_by=officer,
        )

    by_django = [details(person, n) for n, person in enumerate(people[:3])]
    by_insert = [details(person, n) for n, person in enumerate(people[3:])]
    PersonDetails.objects.bulk_create(by_django)
    insert_rows(by_insert)

    assert all(d.pk is not None and not d._state.adding for d in by_insert)
    assert [d.postcode_district for d in by_insert] == ["DL1", "", "DH1"]
    assert [d.postcode_district for d in by_insert] == [d.postcode_district for d in by_django]
    stored = {d.pk: d for d in PersonDetails.objects.filter(organisation=organisation)}
    own = {"id", "person", "created_at", "updated_at"}
    for a, b in zip(by_django, by_insert, strict=True):
        assert model_to_dict(stored[a.pk], exclude=own) == model_to_dict(stored[b.pk], exclude=own)
        assert stored[b.pk].postcode_district == b.postcode_district
        assert stored[b.pk].person_id == b.person_id


def test_an_unsaved_related_instance_is_refused():
    officer = user_in(OrganisationFactory())
    incidents, _ = _incidents(officer, "unsaved")
    with pytest.raises(ValueError, match="unsaved related object"):
        insert_rows(incidents)
    assert not Incident.objects.filter(external_ref__startswith="unsaved").exists()


def test_times_and_uuids_go_in_as_they_are_and_a_naive_time_through_its_field():
    """Aware times and UUIDs are written as they are, and read back equal; a time without its
    zone still takes the field's way (Django's warning, then the current zone), as
    `bulk_create` does."""
    officer = user_in(OrganisationFactory())
    aware = dt.datetime(2026, 11, 20, 22, 40, 5, 123456, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    naive = dt.datetime(2026, 6, 1, 9, 30)

    def event(tag: str, when: dt.datetime) -> AuditEvent:
        built = audit_event(actor=officer, verb="created", action=tag, target_type="t")
        built.occurred_at = when
        return built

    insert_rows([event("aware", aware)])
    with pytest.warns(RuntimeWarning, match="naive datetime"):
        AuditEvent.objects.bulk_create([event("naive-django", naive)])
    with pytest.warns(RuntimeWarning, match="naive datetime"):
        insert_rows([event("naive-insert", naive)])
    stored = dict(
        AuditEvent.objects.filter(action__in=["aware", "naive-django", "naive-insert"]).values_list(
            "action", "occurred_at"
        )
    )
    assert stored["aware"] == aware
    assert stored["naive-insert"] == stored["naive-django"]
    assert stored["naive-insert"].tzinfo is not None
