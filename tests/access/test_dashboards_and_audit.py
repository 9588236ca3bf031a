"""Summaries follow a revoked share at once, and every page that shows personal data, and every
refusal, is in the audit log (issue 10, items 9 and 10)."""

import pytest

from asb_cases import services as case_services
from community_trigger import services as review_services
from partners.models import AuditEvent
from tests.community_trigger.conftest import apply_for
from tests.conftest import client_for
from tests.reporting.conftest import build_world

pytestmark = pytest.mark.django_db


# 9. Person-level rows of the dashboards respect a revoked share at once ----------------------


def test_revoking_a_share_takes_its_people_and_addresses_off_the_dashboards_at_once(cast):
    world = build_world(cast)  # the owner's case, shared with the police; summaries refreshed
    police = client_for(cast.partner.supervisor)
    pages = [
        "/dashboards/households/people.csv",
        "/dashboards/households/addresses.csv",
        "/dashboards/households/",
        "/dashboards/victims/",
        "/dashboards/costs/by_case.csv",
    ]
    before = "".join(police.get(page).content.decode() for page in pages)
    assert "Zebedee" in before and "14 Elm Court" in before
    share = world.shared_case.shares.get()
    case_services.case_share_revoke(actor=cast.owner.officer, share=share, reason="Done")
    # No rebuild of the summaries in between.
    after = "".join(police.get(page).content.decode() for page in pages)
    for gone in ("Zebedee", "Quillfeather", "14 Elm Court", world.shared_case.reference):
        assert gone not in after, gone


# 10. Pages that show personal data are audited; so is every refusal ------------------------


def test_pages_showing_personal_data_are_audited(cast, ivy):
    owner = client_for(cast.owner.officer)
    supervisor = client_for(cast.owner.supervisor)
    application = apply_for(ivy.person, actor=cast.owner.officer, lead_case=ivy.case)
    champion = client_for(cast.champion)
    victim = f"/cases/{ivy.case.uuid}/people/{ivy.person.uuid}/"
    visits = [
        (owner, "/cases/", "case_list"),
        (owner, "/incidents/", "incident_list"),
        (owner, f"/people/{ivy.person.uuid}/edit/", "person_edit_view"),
        (owner, f"/cases/{ivy.case.uuid}/edit/", "case_change_form_view"),
        (owner, f"{victim}risk/", "case_victim_form_view"),
        (supervisor, "/people/?team=1", "my_victims_view"),
        (champion, "/case-reviews/", "case_review_list"),
        (champion, "/case-reviews/recommendations/", "recommendations_view"),
        (champion, f"/case-reviews/{application.uuid}/letter/", "application_letter_view"),
    ]
    for client, path, action in visits:
        assert client.get(path).status_code == 200, path
        assert AuditEvent.objects.filter(action=action).exists(), (path, action)


def test_the_candidate_search_made_while_keying_an_incident_is_audited(cast, ivy):
    from asb_cases.models import IncidentType
    from tests.asb_cases.test_incidents import incident_form

    client_for(cast.contributor.officer).post(
        "/incidents/new/",
        incident_form(incident_type=str(IncidentType.objects.get(code="noise").pk)),
    )
    event = AuditEvent.objects.get(action="incident_new_candidates")
    assert event.actor == cast.contributor.officer
    assert event.detail["people"] == [str(ivy.person.uuid)]


def test_a_refusal_answered_404_is_audited_as_a_denial(cast, ivy, unrelated_api):
    council = client_for(cast.unrelated.officer)
    for path in (f"/cases/{ivy.case.uuid}/", f"/people/{ivy.person.uuid}/"):
        assert council.get(path).status_code == 404
        denial = AuditEvent.objects.get(verb=AuditEvent.Verb.PERMISSION_DENIED, detail__path=path)
        assert denial.actor == cast.unrelated.officer and denial.detail["answered"] == 404
    assert unrelated_api.get(f"/api/v1/cases/{ivy.case.uuid}/").status_code == 404
    assert AuditEvent.objects.filter(
        verb=AuditEvent.Verb.PERMISSION_DENIED,
        action="api:case-detail",
        actor=unrelated_api.client.user,
    ).exists()


def test_the_decision_letter_and_agenda_are_audited_for_each_reader(cast, ivy):
    application = apply_for(ivy.person, actor=cast.owner.officer, lead_case=ivy.case)
    review_services.application_evaluate(application_id=application.pk)
    client_for(cast.owner.officer).get(f"/case-reviews/{application.uuid}/agenda/")
    assert AuditEvent.objects.filter(
        action="agenda_view", actor=cast.owner.officer, target_id=str(application.pk)
    ).exists()
