"""A person is shared, their details are not (issue 10, items 1, 2, 3, 4 and 7): matching,
linking and merging never show an organisation more than what it recorded itself, what a case
share gave it, and the signpost."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from asb_cases.models import IncidentType
from partners.models import AuditEvent
from tests.access.conftest import BORN, FACTOR, OWNER_DETAILS, assert_none_of, owner_secrets
from tests.api.conftest import incident_body
from tests.asb_cases.test_incidents import incident_form
from tests.conftest import client_for
from tests.factories import make_person, share_case
from victims import services as victim_services
from victims.models import Person, PersonDetails, PersonMerge

pytestmark = pytest.mark.django_db


# 1. Linking grants only what the organisation recorded itself --------------------------------


def test_a_partner_systems_strong_match_links_but_shows_only_what_it_sent(cast, ivy, api_for):
    police = api_for(cast.partner.organisation)
    body = incident_body(
        "RMS-77",
        reporter={"given_name": "Ivy", "family_name": "Lonsdale", "date_of_birth": "1961-05-04"},
    )
    assert police.post("/api/v1/incidents/", body).status_code == 201
    incident = cast.partner.organisation.incidents.get(external_ref="RMS-77")
    assert incident.reporter == ivy.person  # linked: she is one person across agencies
    own = PersonDetails.objects.get(person=ivy.person, organisation=cast.partner.organisation)
    assert (own.given_name, own.family_name, own.date_of_birth) == ("Ivy", "Lonsdale", BORN)
    assert own.address == own.phone == own.email == ""

    answer = police.get(f"/api/v1/people/{ivy.person.uuid}/")
    assert answer.json()["level"] == "own"
    assert answer.json()["details"]["recorded_by"] == cast.partner.organisation.slug
    assert_none_of(answer.content.decode(), *owner_secrets())
    page = client_for(cast.partner.officer).get(f"/people/{ivy.person.uuid}/").content.decode()
    assert "What Test Police recorded" in page
    assert_none_of(page, *owner_secrets(), ivy.case.reference)


def test_an_officer_choosing_a_candidate_keeps_what_they_typed_and_sees_no_more(
    cast, ivy, noise_type
):
    council = client_for(cast.contributor.officer)
    data = incident_form(
        incident_type=noise_type,
        reporter_given_name="ivy",
        reporter_family_name="Lonsdael",  # a slip: the stored spelling must not be printed
        external_ref="",
    )
    panel = council.post("/incidents/new/", data).content.decode()
    assert "A person known to" in panel
    assert_none_of(panel, "Lonsdale", "DH1 3NJ", *owner_secrets())
    chosen = council.post(
        "/incidents/new/",
        {**data, "duplicates_reviewed": "1", "reporter_match": str(ivy.person.uuid)},
    )
    assert chosen.status_code == 302, chosen.content.decode()[-3000:]
    assert Person.objects.count() == 1
    own = PersonDetails.objects.get(person=ivy.person, organisation=cast.contributor.organisation)
    assert own.family_name == "Lonsdael"
    page = council.get(f"/people/{ivy.person.uuid}/").content.decode()
    assert "ivy Lonsdael" in page
    assert_none_of(page, "Lonsdale", *owner_secrets())


@pytest.fixture
def noise_type():
    return str(IncidentType.objects.get(code="noise").pk)


# 2. Candidates show no stored details to an organisation without them ------------------------


def test_search_candidates_are_a_signpost_and_reasons_for_an_organisation_without_a_record(
    cast, ivy, unrelated_api
):
    page = client_for(cast.unrelated.officer).get(
        "/people/search/",
        {
            "given_name": "Ivy",
            "family_name": "Lonsdael",
            "date_of_birth-day": "4",
            "date_of_birth-month": "5",
            "date_of_birth-year": "1961",
        },
    )
    results = page.content.decode().split("</form>")[-1]
    assert "A person known to 1 agency" in results
    assert "similar surname" in results
    assert_none_of(results, "Lonsdale", "4 May 1961", "DH1 3NJ", *owner_secrets())

    answer = unrelated_api.get(
        "/api/v1/people/",
        {"given_name": "Ivy", "family_name": "Lonsdael", "date_of_birth": "1961-05-04"},
    )
    [candidate] = answer.json()
    assert candidate["level"] == "signpost" and candidate["details"] is None
    assert_none_of(answer.content.decode(), "Lonsdale", "1961", "DH1 3NJ", *owner_secrets())


# 3. Merging needs both records to be the organisation's own ---------------------------------


def test_an_organisation_cannot_merge_another_agencys_person_into_its_own(cast, ivy):
    theirs = make_person(
        cast.partner.officer, given_name="Ivy", family_name="Lonsdale", date_of_birth=BORN
    )
    with pytest.raises(ValidationError, match="only two records it holds itself"):
        victim_services.person_merge(
            actor=cast.partner.officer, survivor=theirs, duplicate=ivy.person, reason="Same"
        )
    police = client_for(cast.partner.officer)
    page = police.get(f"/people/{theirs.uuid}/merge/").content.decode()
    assert str(ivy.person.uuid) not in page  # never offered
    response = police.post(
        f"/people/{theirs.uuid}/merge/", {"duplicate": str(ivy.person.uuid), "reason": "Same"}
    )
    assert response.status_code == 200  # refused as an invalid choice
    assert not PersonMerge.objects.exists()
    ivy.person.refresh_from_db()
    assert ivy.person.merged_into is None
    # The owner's record stays where its officers left it.
    assert client_for(cast.owner.officer).get(f"/people/{ivy.person.uuid}/").status_code == 200


def test_only_the_organisation_that_merged_can_undo_it(cast, ivy):
    copy = make_person(
        cast.owner.officer, given_name="Ivy", family_name="Lonsdael", date_of_birth=BORN
    )
    merge = victim_services.person_merge(
        actor=cast.owner.officer, survivor=ivy.person, duplicate=copy, reason="Typo"
    )
    share_case(ivy.case, by=cast.owner.officer, with_organisation=cast.partner.organisation)
    response = client_for(cast.partner.officer).post(
        f"/people/{ivy.person.uuid}/merges/{merge.pk}/undo/"
    )
    assert response.status_code == 404
    merge.refresh_from_db()
    assert merge.undone_at is None


# 4. A partner never edits the lead's record; "lead agency only" consent is enforced ----------


def test_a_view_partner_edits_only_its_own_record_never_the_leads(cast, ivy):
    share_case(ivy.case, by=cast.owner.officer, with_organisation=cast.partner.organisation)
    police = client_for(cast.partner.officer)
    police.post(
        f"/people/{ivy.person.uuid}/edit/",
        {"given_name": "Ivy", "family_name": "Lonsdale", "phone": "0191 496 0999"},
    )
    police.post(
        f"/people/{ivy.person.uuid}/consent/",
        {"given_on-day": "1", "given_on-month": "3", "given_on-year": "2026", "scope": "lead_only"},
    )
    lead = PersonDetails.objects.get(person=ivy.person, organisation=cast.owner.organisation)
    assert lead.phone == OWNER_DETAILS["phone"] and lead.consent_scope == ""
    theirs = PersonDetails.objects.get(person=ivy.person, organisation=cast.partner.organisation)
    assert theirs.phone == "0191 496 0999" and theirs.consent_scope == "lead_only"
    assert not AuditEvent.objects.filter(
        action="person_details_update", actor=cast.partner.officer, detail__address__isnull=False
    ).exists()


def test_consent_for_the_lead_agency_only_is_enforced_everywhere(cast, ivy, api_for):
    share_case(
        ivy.case,
        by=cast.owner.officer,
        with_organisation=cast.contributor.organisation,
        level="contribute",
    )
    council = client_for(cast.contributor.officer)
    council_api = api_for(cast.contributor.organisation)
    person_page = f"/people/{ivy.person.uuid}/"
    victim_page = f"/cases/{ivy.case.uuid}/people/{ivy.person.uuid}/"
    case_api = f"/api/v1/cases/{ivy.case.uuid}/"
    # With her consent unrecorded, the share shows the council the owner's record of her.
    assert OWNER_DETAILS["phone"] in council.get(person_page).content.decode()
    assert "Ivy" in council_api.get(case_api).json()["people"][0]["given_name"]

    owner = client_for(cast.owner.officer)
    owner.post(
        f"/people/{ivy.person.uuid}/consent/",
        {"given_on-day": "1", "given_on-month": "3", "given_on-year": "2026", "scope": "lead_only"},
    )
    for page in (person_page, victim_page):
        content = council.get(page).content.decode()
        assert_none_of(content, "Lonsdale", *owner_secrets())
    people = council_api.get(case_api).json()["people"]
    assert people[0]["level"] == "signpost" and people[0]["family_name"] == ""
    assert "Lonsdale" not in council_api.get(f"/api/v1/people/{ivy.person.uuid}/").content.decode()
    # The lead agency still sees its own record.
    assert OWNER_DETAILS["phone"] in owner.get(person_page).content.decode()


def test_withdrawn_consent_hides_the_record_from_partners(cast, ivy):
    share_case(ivy.case, by=cast.owner.officer, with_organisation=cast.contributor.organisation)
    victim_services.person_consent_record(
        actor=cast.owner.officer,
        person=ivy.person,
        given_on=BORN.replace(year=2026),
        scope="partnership",
    )
    victim_services.person_consent_withdraw(
        actor=cast.owner.officer, person=ivy.person, withdrawn_on=BORN.replace(year=2026)
    )
    content = client_for(cast.contributor.officer).get(f"/people/{ivy.person.uuid}/")
    assert_none_of(content.content.decode(), "Lonsdale", *owner_secrets())


# 7. The signpost carries no special-category detail ------------------------------------------


def test_the_signpost_says_vulnerable_and_nothing_about_why(cast, ivy, unrelated_api):
    from victims.models import PersonStatus

    status = PersonStatus.objects.get(person=ivy.person)
    assert status.is_vulnerable
    assert FACTOR.lower() not in status.vulnerable_reason.lower()
    answer = unrelated_api.get(f"/api/v1/people/{ivy.person.uuid}/").json()
    assert answer["signpost"]["is_vulnerable"] is True
    assert set(answer["signpost"]) == {
        "known_to",
        "is_repeat",
        "is_vulnerable",
        "risk_band",
        "consent_withdrawn",
        "agencies",
    }
    assert_none_of(str(answer), *owner_secrets(), "reason")
    search = client_for(cast.unrelated.officer).get(
        "/people/search/",
        {"given_name": "Ivy", "family_name": "Lonsdale", "postcode": "DH1 3NJ"},
    )
    results = search.content.decode().split("</form>")[-1]
    assert "Vulnerable" in results
    assert_none_of(results, *owner_secrets(), "Vulnerability recorded")
    # The owner reads the vulnerability in its own record.
    assert (
        FACTOR in client_for(cast.owner.officer).get(f"/people/{ivy.person.uuid}/").content.decode()
    )


def test_a_contribute_partner_adds_its_own_victim_records_but_never_changes_the_leads(cast, ivy):
    """A referral or an impact statement is changed only by the organisation that made it: the
    council reads the lead's on the shared case, and adds its own beside them."""
    from asb_cases import services as case_services
    from asb_cases.models import ImpactStatement, SupportReferral

    share_case(
        ivy.case,
        by=cast.owner.officer,
        with_organisation=cast.contributor.organisation,
        level="contribute",
    )
    referral = case_services.case_victim_refer(
        actor=cast.owner.officer,
        case=ivy.case,
        person=ivy.person,
        service="mediation",
        reason="Both sides agree",
    )
    statement = case_services.case_victim_statement(
        actor=cast.owner.officer,
        case=ivy.case,
        person=ivy.person,
        text="I cannot sleep",
        reading="for_victim",
    )
    base = f"/cases/{ivy.case.uuid}/people/{ivy.person.uuid}"
    council = client_for(cast.contributor.officer)

    victim_page = council.get(f"{base}/")
    assert victim_page.status_code == 200
    assert f"referrals/{referral.uuid}/" not in victim_page.content.decode()
    assert f"statements/{statement.uuid}/" not in victim_page.content.decode()
    assert council.get(f"{base}/referrals/{referral.uuid}/").status_code == 403
    answer = council.post(f"{base}/referrals/{referral.uuid}/", {"status": "declined"})
    assert answer.status_code == 403
    with pytest.raises(PermissionDenied):
        case_services.case_victim_statement_correct(
            actor=cast.contributor.officer,
            statement=statement,
            text="Changed",
            reading="for_victim",
            correction_note="Not theirs to change",
        )
    assert SupportReferral.objects.get(pk=referral.pk).status == referral.status
    assert ImpactStatement.objects.filter(statement_id=statement.statement_id).count() == 1

    # Its own referral it records, and updates.
    own = case_services.case_victim_refer(
        actor=cast.contributor.officer,
        case=ivy.case,
        person=ivy.person,
        service="victim_support",
        reason="Asked for support",
    )
    assert council.post(f"{base}/referrals/{own.uuid}/", {"status": "accepted"}).status_code in (
        302,
        303,
    )
    assert SupportReferral.objects.get(pk=own.pk).status == "accepted"
