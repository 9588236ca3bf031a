"""The person page, the signpost, searching and merging: another agency learns that a person is
known and who to call, never its incidents, notes, cases or its record of the person."""

import datetime as dt

import pytest

from asb_cases.services import case_add_note
from partners.models import AuditEvent
from tests.conftest import client_for
from tests.factories import make_case, make_incident, make_person, share_case
from victims.models import PersonMerge

pytestmark = pytest.mark.django_db

BORN = dt.date(1961, 5, 4)


@pytest.fixture
def known_victim(cast):
    """Ivy is known to the owner (a housing provider, with a case) and the partner (police)."""
    ivy = make_person(
        cast.owner.officer,
        given_name="Ivy",
        family_name="Lonsdale",
        date_of_birth=BORN,
        postcode="DH1 3NJ",
    )
    case = make_case(
        cast.owner.officer,
        incidents=[make_incident(cast.owner.officer, victim=ivy, description="Bins set alight")],
    )
    case_add_note(
        actor=cast.owner.officer,
        case=case,
        body="Secret: informant is next door",
        visibility="all_agencies",
    )
    make_incident(cast.partner.officer, victim=ivy, description="Shouting at the door")
    return ivy, case


def test_an_agency_without_a_case_sees_the_signpost_but_none_of_the_case(cast, known_victim):
    ivy, case = known_victim
    client = client_for(cast.unrelated.officer)
    assert client.get(f"/people/{ivy.uuid}/").status_code == 404
    response = client.get(
        "/people/search/",
        {
            "given_name": "ivy",
            "family_name": "LONSDAEL",
            "date_of_birth-day": "4",
            "date_of_birth-month": "5",
            "date_of_birth-year": "1961",
        },
    )
    content = response.content.decode().split("</form>")[-1]
    # Matched, but shown only as the signpost: nothing of either agency's record of her.
    for stored in ("Ivy Lonsdale", "Lonsdale", "1961", "DH1 3NJ"):
        assert stored not in content
    assert "A person known to 2 agencies" in content
    assert "similar surname" in content
    assert "Known to 2 partner agencies" in content
    assert "Test Housing" in content and "Test Police" in content
    assert cast.owner.officer.email in content  # the lead officer to contact
    for secret in (
        "Bins set alight",
        "Shouting at the door",
        "informant",
        case.reference,
        str(case.uuid),
        f"/people/{ivy.uuid}/",
    ):
        assert secret not in content


def test_the_agency_with_the_case_sees_the_whole_record(cast, known_victim):
    ivy, case = known_victim
    content = client_for(cast.owner.officer).get(f"/people/{ivy.uuid}/").content.decode()
    assert case.reference in content
    assert "Known to 2 partner agencies" in content


def test_a_partner_sees_only_its_own_incidents_of_a_shared_person(cast, known_victim):
    ivy, case = known_victim
    police = client_for(cast.partner.officer).get(f"/people/{ivy.uuid}/").content.decode()
    assert case.reference not in police  # the housing case is not shared with the police
    share_case(case, by=cast.owner.officer, with_organisation=cast.partner.organisation)
    police = client_for(cast.partner.officer).get(f"/people/{ivy.uuid}/").content.decode()
    assert case.reference in police


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"given_name": "Ivy", "family_name": "Lonsdale"},
            "Enter a date of birth, postcode or UPRN as well as the name",
        ),
        ({"family_name": "Lonsdale", "postcode": "DH1 3NJ"}, "Enter a first name"),
        (
            {"given_name": "Ivy", "family_name": "Lonsdale", "postcode": "NOWHERE"},
            "Enter a real postcode",
        ),
        (
            {
                "given_name": "Ivy",
                "family_name": "Lonsdale",
                "date_of_birth-day": "1",
                "date_of_birth-month": "1",
                "date_of_birth-year": "2999",
            },
            "The date of birth must be in the past",
        ),
    ],
)
def test_searching_needs_a_name_and_another_identifier(cast, known_victim, params, message):
    response = client_for(cast.unrelated.officer).get("/people/search/", params)
    assert message in response.content.decode()
    assert "Ivy Lonsdale" not in response.content.decode().split("</form>")[-1]
    assert not AuditEvent.objects.filter(action="person_search").exists()


def test_searches_are_audited_with_their_terms(cast, known_victim):
    client_for(cast.unrelated.officer).get(
        "/people/search/", {"given_name": "Ivy", "family_name": "Lonsdale", "postcode": "dh1 3nj"}
    )
    event = AuditEvent.objects.get(action="person_search")
    assert event.actor == cast.unrelated.officer
    assert event.detail["terms"]["postcode"] == "DH1 3NJ"
    assert event.detail["results"] == [str(known_victim[0].uuid)]


def test_roles_without_victim_work_cannot_search(cast):
    assert client_for(cast.owner.analyst).get("/people/search/").status_code == 403
    assert client_for(cast.owner.admin).get("/people/").status_code == 403


def test_merging_is_reversible_and_audited(cast, known_victim):
    ivy, _ = known_victim
    copy = make_person(
        cast.owner.officer, given_name="Ivy", family_name="Lonsdael", date_of_birth=BORN
    )
    client = client_for(cast.owner.officer)
    page = client.get(f"/people/{ivy.uuid}/merge/").content.decode()
    assert "Lonsdael" in page
    response = client.post(
        f"/people/{ivy.uuid}/merge/",
        {"duplicate": str(copy.uuid), "reason": "Same date of birth and flat; typo in surname"},
    )
    assert response.status_code == 302
    copy.refresh_from_db()
    assert copy.merged_into == ivy
    merge = PersonMerge.objects.get()
    assert AuditEvent.objects.filter(action="person_merge").exists()
    # The merged record leads to the person it joined.
    assert client.get(f"/people/{copy.uuid}/").url == f"/people/{ivy.uuid}/"
    assert client.post(f"/people/{ivy.uuid}/merges/{merge.pk}/undo/").status_code == 302
    copy.refresh_from_db()
    assert copy.merged_into is None
    assert AuditEvent.objects.filter(action="person_merge_undo").exists()


def test_records_with_different_dates_of_birth_cannot_be_merged(cast, known_victim):
    from django.core.exceptions import ValidationError

    from victims.services import person_merge

    ivy, _ = known_victim
    other = make_person(
        cast.owner.officer,
        given_name="Ivy",
        family_name="Lonsdale",
        date_of_birth=dt.date(1990, 1, 1),
    )
    with pytest.raises(ValidationError, match="different dates of birth"):
        person_merge(actor=cast.owner.officer, survivor=ivy, duplicate=other, reason="x")


def test_a_merged_person_counts_as_one_repeat_victim(cast):
    from victims.models import PersonStatus
    from victims.services import person_merge

    first = make_person(
        cast.owner.officer, given_name="Ada", family_name="Nettle", date_of_birth=BORN
    )
    second = make_person(
        cast.owner.officer, given_name="Ada", family_name="Nettle", date_of_birth=BORN
    )
    make_incident(cast.owner.officer, victim=first)
    make_incident(cast.partner.officer, victim=second)
    make_incident(cast.partner.officer, victim=second)
    assert not PersonStatus.objects.get(person=first).is_repeat
    person_merge(actor=cast.owner.officer, survivor=first, duplicate=second, reason="Same")
    assert PersonStatus.objects.get(person=first).is_repeat
    assert not PersonStatus.objects.filter(person=second).exists()


def test_person_details_validation_keeps_what_was_typed(cast, known_victim):
    ivy, _ = known_victim
    response = client_for(cast.owner.officer).post(
        f"/people/{ivy.uuid}/edit/",
        {
            "given_name": "Ivy",
            "family_name": "Lonsdale",
            "date_of_birth-day": "4",
            "date_of_birth-month": "5",
            "date_of_birth-year": "2099",
            "postcode": "XX",
            "phone": "0191 496 0000",
            "safe_to_leave_messages": "on",
        },
    )
    content = response.content.decode()
    assert "The date of birth must be in the past" in content
    assert "Enter a real postcode" in content
    assert 'value="0191 496 0000"' in content
    assert ivy.details.get(organisation=cast.owner.organisation).date_of_birth == BORN


def test_changing_details_records_before_and_after(cast, known_victim):
    ivy, _ = known_victim
    client_for(cast.owner.officer).post(
        f"/people/{ivy.uuid}/edit/",
        {
            "given_name": "Ivy",
            "family_name": "Lonsdale",
            "date_of_birth-day": "4",
            "date_of_birth-month": "5",
            "date_of_birth-year": "1961",
            "postcode": "DH1 3NJ",
            "interpreter_needed": "on",
            "language": "Polish",
            "safe_to_leave_messages": "on",
        },
    )
    event = AuditEvent.objects.get(action="person_details_update")
    assert event.detail["interpreter_needed"] == {"before": False, "after": True}
    assert event.detail["language"] == {"before": "", "after": "Polish"}
    assert ivy.details.get(organisation=cast.owner.organisation).interpreter_needed
