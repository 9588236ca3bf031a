"""Recording incidents: every field, the areas derived from coordinates, validation that keeps
what was typed, and the possible-duplicates check."""

import datetime as dt
import html

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from asb_cases.models import Incident
from asb_cases.services import LocationInput
from partners.models import AuditEvent
from tests.conftest import client_for
from tests.factories import make_case, make_incident, make_person
from victims.models import Person

pytestmark = pytest.mark.django_db


def when(moment: dt.datetime, prefix: str) -> dict:
    local = timezone.localtime(moment)
    return {
        f"{prefix}-day": local.day,
        f"{prefix}-month": local.month,
        f"{prefix}-year": local.year,
        f"{prefix}-hour": local.hour,
        f"{prefix}-minute": local.minute,
    }


def incident_form(**overrides) -> dict:
    happened = timezone.now() - dt.timedelta(days=2)
    data = {
        **when(happened, "occurred_at"),
        **when(happened + dt.timedelta(hours=2), "reported_at"),
        "channel": "phone",
        "category": "personal",
        "incident_type": "",
        "hate_motivated": "no",
        "description": "Shouting and banging on the door",
        "address": "7 Larch Walk",
        "postcode": "dh1 3nj",
        "latitude": "54.776900",
        "longitude": "-1.574500",
        "reporter_given_name": "Ivy",
        "reporter_family_name": "Lonsdale",
        "reporter_date_of_birth-day": "4",
        "reporter_date_of_birth-month": "5",
        "reporter_date_of_birth-year": "1961",
        "victim_is": "reporter",
        "external_ref": "HOU-123",
    }
    return data | overrides


@pytest.fixture
def noise_type():
    from asb_cases.models import IncidentType

    return str(IncidentType.objects.get(code="noise").pk)


def test_an_officer_records_an_incident_with_its_areas_derived(cast, noise_type):
    client = client_for(cast.owner.officer)
    response = client.post("/incidents/new/", incident_form(incident_type=noise_type))
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert response.url == f"/incidents/{incident.uuid}/"
    assert incident.reported_to == cast.owner.organisation
    assert incident.recorded_by == cast.owner.officer
    assert incident.postcode == "DH1 3NJ"
    assert incident.lsoa_code.startswith("E01") and incident.lsoa_vintage == 2021
    assert incident.ward_code.startswith("E05") and incident.ward_year == 2025
    assert incident.local_authority.code == "E06000047"
    assert incident.reporter == incident.victim
    details = incident.reporter.details.get()
    assert details.organisation == cast.owner.organisation
    assert details.full_name == "Ivy Lonsdale"
    assert details.date_of_birth == dt.date(1961, 5, 4)
    assert incident.external_ref == "HOU-123"
    assert AuditEvent.objects.filter(action="incident_record", target_id=str(incident.pk))


def test_a_postcode_seen_before_gives_its_areas_to_an_address_without_coordinates(cast, noise_type):
    make_incident(cast.owner.officer)  # DL1 4QT, with coordinates
    client = client_for(cast.partner.officer)
    client.post(
        "/incidents/new/",
        incident_form(
            incident_type=noise_type,
            postcode="DL1 4QT",
            latitude="",
            longitude="",
            external_ref="",
        ),
    )
    incident = Incident.objects.get(reported_to=cast.partner.organisation)
    assert incident.local_authority.code == "E06000005"
    assert incident.lsoa_code


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            when(timezone.now() + dt.timedelta(days=3), "occurred_at"),
            "occurred_at",
            "The date and time it happened must be in the past",
        ),
        (
            when(timezone.now() - dt.timedelta(days=5), "reported_at"),
            "reported_at",
            "It cannot have been reported before it happened",
        ),
        ({"postcode": "NOT A CODE"}, "postcode", "Enter a real postcode, like DL1 5QT"),
        ({"hate_motivated": "yes"}, "protected_characteristic", "Select what the hostility"),
        ({"occurred_at-month": "13"}, "occurred_at", "When did it happen? must be a real date"),
        ({"occurred_at-hour": ""}, "occurred_at", "must include a hour"),
        ({"reporter_family_name": ""}, "reporter_family_name", "Enter the reporter's last name"),
        (
            {"reporter_date_of_birth-year": str(timezone.now().year + 1)},
            "reporter_date_of_birth",
            "The date of birth must be in the past",
        ),
        ({"victim_is": "other"}, "victim_given_name", "Enter the victim's first name"),
        (
            {"latitude": "54.7", "longitude": ""},
            "latitude",
            "Enter both a latitude and a longitude",
        ),
        ({"latitude": "north"}, "latitude", "Enter the latitude as a number"),
        ({"channel": "carrier-pigeon"}, "channel", "Select a valid choice"),
    ],
)
def test_bad_input_gets_a_clear_message_and_keeps_what_was_typed(
    cast, noise_type, overrides, field, message
):
    client = client_for(cast.owner.officer)
    response = client.post("/incidents/new/", incident_form(incident_type=noise_type, **overrides))
    assert response.status_code == 200
    content = html.unescape(response.content.decode())
    assert "<title>Error: Record an incident" in content
    assert message in content
    assert 'class="govuk-error-summary"' in content
    assert f'id="id_{field}-error"' in content
    assert 'value="Shouting and banging on the door"' not in content  # a textarea...
    assert "Shouting and banging on the door</textarea>" in content  # ...keeps its text
    assert 'value="7 Larch Walk"' in content
    assert not Incident.objects.exists()
    assert not Person.objects.exists()


def test_an_anonymous_report_names_no_reporter(cast, noise_type):
    client = client_for(cast.owner.officer)
    response = client.post(
        "/incidents/new/",
        incident_form(
            incident_type=noise_type,
            anonymous="on",
            reporter_given_name="",
            reporter_family_name="",
            victim_is="none",
        ),
    )
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert incident.anonymous and incident.reporter is None and incident.victim is None


def test_external_references_are_unique_per_organisation(cast):
    make_incident(cast.owner.officer, external_ref="REF-1")
    make_incident(cast.partner.officer, external_ref="REF-1")  # another agency: fine
    with pytest.raises(ValidationError, match="already recorded an incident with this reference"):
        make_incident(cast.owner.officer, external_ref="REF-1")


class TestPossibleDuplicates:
    def test_an_incident_at_the_same_postcode_is_offered_before_saving(self, cast, noise_type):
        earlier = make_incident(
            cast.owner.officer,
            location=LocationInput(address="7 Larch Walk", postcode="DH1 3NJ"),
        )
        client = client_for(cast.owner.officer)
        form = incident_form(incident_type=noise_type, external_ref="")
        first = client.post("/incidents/new/", form)
        assert first.status_code == 200
        content = first.content.decode()
        assert "Is this one of these?" in content
        assert f'value="same:{earlier.uuid}"' in content
        assert 'name="duplicates_reviewed" value="1"' in content
        assert Incident.objects.count() == 1  # nothing saved yet

        second = client.post(
            "/incidents/new/",
            form | {"duplicates_reviewed": "1", "duplicate_choice": f"same:{earlier.uuid}"},
        )
        assert second.status_code == 302
        new = Incident.objects.exclude(pk=earlier.pk).get()
        assert new.duplicate_of == earlier

    def test_an_officer_can_add_the_new_incident_to_an_existing_case(self, cast, noise_type):
        victim = make_person(
            cast.owner.officer,
            given_name="Ivy",
            family_name="Lonsdale",
            date_of_birth=dt.date(1961, 5, 4),
        )
        case = make_case(
            cast.owner.officer, incidents=[make_incident(cast.owner.officer, victim=victim)]
        )
        client = client_for(cast.owner.officer)
        form = incident_form(
            incident_type=noise_type,
            postcode="DL1 1AA",
            latitude="",
            longitude="",
            address="",
            external_ref="",
        )
        form["address"] = "Somewhere else"
        first = client.post("/incidents/new/", form)
        content = first.content.decode()
        assert f'value="case:{case.uuid}"' in content  # a case about the same person
        assert f'value="{victim.uuid}"' in content  # and the person, offered as a match
        second = client.post(
            "/incidents/new/",
            form
            | {
                "duplicates_reviewed": "1",
                "duplicate_choice": f"case:{case.uuid}",
                "reporter_match": str(victim.uuid),
            },
        )
        assert second.status_code == 302
        assert second.url == f"/cases/{case.uuid}/"
        assert case.incidents.count() == 2
        assert Incident.objects.order_by("-id").first().victim == victim
        assert Person.objects.count() == 1  # nobody keyed twice

    def test_records_another_agency_cannot_see_are_never_offered(self, cast, noise_type):
        make_incident(cast.unrelated.officer)  # DL1 4QT, not shared with the owner
        client = client_for(cast.owner.officer)
        response = client.post(
            "/incidents/new/",
            incident_form(
                incident_type=noise_type,
                postcode="DL1 4QT",
                latitude="",
                longitude="",
                external_ref="",
            ),
        )
        assert response.status_code == 302  # nothing to check: saved at once

    def test_choosing_nothing_asks_again_and_keeps_the_form(self, cast, noise_type):
        make_incident(cast.owner.officer)
        client = client_for(cast.owner.officer)
        form = incident_form(incident_type=noise_type, postcode="DL1 4QT", external_ref="")
        response = client.post("/incidents/new/", form | {"duplicates_reviewed": "1"})
        assert response.status_code == 200
        assert "Select whether this is the same as a record below, or new" in (
            response.content.decode()
        )
        assert Incident.objects.count() == 1
