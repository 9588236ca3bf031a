"""Cases: references, status history, conflicts, people, tasks, tools and powers and their
clocks, and the timeline."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from asb_cases import services
from asb_cases.models import ActionType, Case, CaseStatusChange, IncidentType
from partners.models import AuditEvent
from tests.conftest import client_for
from tests.factories import make_case, make_incident, make_person

pytestmark = pytest.mark.django_db


def test_cases_get_a_yearly_human_reference_and_a_uuid(cast):
    first = make_case(cast.owner.officer)
    second = make_case(cast.partner.officer)
    year = timezone.localdate().year
    assert first.reference == f"ASB-{year}-000001"
    assert second.reference == f"ASB-{year}-000002"
    assert re.match(r"^ASB-\d{4}-\d{6}$", first.reference)
    assert first.uuid != second.uuid


def test_opening_a_case_from_an_incident_through_the_page(cast):
    incident = make_incident(cast.owner.officer, victim=make_person(cast.owner.officer))
    client = client_for(cast.owner.officer)
    form = client.get(f"/cases/new/?incident={incident.uuid}")
    assert form.status_code == 200
    assert "Noise at 14 Elm Court" in form.content.decode()
    response = client.post(
        "/cases/new/",
        {
            "incidents": [str(incident.uuid)],
            "title": "Noise at Elm Court",
            "incident_type": IncidentType.objects.get(code="noise").pk,
            "risk_band": "high",
            "lead_officer": cast.owner.officer.pk,
            "address": "14 Elm Court",
            "postcode": "DL1 4QT",
        },
    )
    # The incident itself is at this address: it is not offered as a duplicate of itself.
    assert response.status_code == 302
    case = Case.objects.get()
    assert list(case.incidents.all()) == [incident]
    assert case.person_links.get().role == "victim"
    assert case.lead_organisation == cast.owner.organisation
    assert case.risk_band == "high"
    assert case.local_authority.code == "E06000005"
    assert CaseStatusChange.objects.get(case=case).status == "open"


def test_an_existing_case_is_offered_instead_of_opening_another(cast):
    existing = make_case(cast.owner.officer)
    incident = make_incident(cast.owner.officer)
    client = client_for(cast.owner.officer)
    data = {
        "incidents": [str(incident.uuid)],
        "title": "Noise again",
        "incident_type": IncidentType.objects.get(code="noise").pk,
        "risk_band": "standard",
        "postcode": "DL1 4QT",
    }
    first = client.post("/cases/new/", data)
    assert first.status_code == 200
    assert f'value="case:{existing.uuid}"' in first.content.decode()
    second = client.post(
        "/cases/new/",
        data | {"duplicates_reviewed": "1", "duplicate_choice": f"case:{existing.uuid}"},
    )
    assert second.url == f"/cases/{existing.uuid}/"
    assert Case.objects.count() == 1
    assert existing.incidents.filter(pk=incident.pk).exists()


def test_status_history_is_appended_and_closing_needs_a_reason(cast):
    case = make_case(cast.owner.officer)
    client = client_for(cast.owner.officer)
    url = f"/cases/{case.uuid}/status/"
    missing = client.post(url, {"version": case.version, "status": "closed"})
    assert b"Select why the case is being closed" in missing.content
    client.post(url, {"version": case.version, "status": "investigating"})
    case.refresh_from_db()
    client.post(
        url,
        {
            "version": case.version,
            "status": "closed",
            "closure_reason": "resolved",
            "note": "Tenant moved; victim told",
        },
    )
    case.refresh_from_db()
    assert case.status == "closed" and case.closure_reason == "resolved"
    assert case.closed_at is not None
    assert list(case.status_changes.values_list("status", flat=True)) == [
        "open",
        "investigating",
        "closed",
    ]
    changed = AuditEvent.objects.filter(action="case_change_status").first()
    assert changed.detail == {
        "closure_reason": {"before": "", "after": "resolved"},
        "status": {"before": "investigating", "after": "closed"},
    }


def test_a_stale_edit_is_refused_with_a_conflict_page_not_applied(cast):
    case = make_case(cast.owner.officer)
    stale_version = case.version
    services.case_update_details(
        actor=cast.owner.officer, case=case, expected_version=stale_version, risk_band="high"
    )
    client = client_for(cast.owner.officer)
    response = client.post(
        f"/cases/{case.uuid}/status/", {"version": stale_version, "status": "monitoring"}
    )
    assert response.status_code == 409
    assert b"Someone else changed this case" in response.content
    case.refresh_from_db()
    assert case.status == "open"
    assert case.risk_band == "high"


def test_changing_details_records_before_and_after(cast):
    case = make_case(cast.owner.officer)
    client = client_for(cast.owner.officer)
    response = client.post(
        f"/cases/{case.uuid}/edit/",
        {
            "version": case.version,
            "title": "New title",
            "incident_type": case.incident_type_id,
            "risk_band": "medium",
            "lead_officer": "",
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="case_update_details")
    assert event.detail["title"] == {"before": "Noise at Elm Court", "after": "New title"}
    assert event.detail["risk_band"] == {"before": "standard", "after": "medium"}
    assert event.detail["lead_officer"]["after"] is None


def test_a_lead_officer_must_work_for_the_lead_organisation(cast):
    with pytest.raises(ValidationError, match="lead officer"):
        make_case(cast.owner.officer, lead_officer=cast.partner.officer)


def test_cases_are_never_deleted_from_the_pages(cast):
    case = make_case(cast.owner.officer)
    client = client_for(cast.owner.officer)
    for method in ("delete", "post"):
        assert getattr(client, method)(f"/cases/{case.uuid}/delete/").status_code == 404
    assert client.delete(f"/cases/{case.uuid}/").status_code == 405
    assert Case.objects.filter(pk=case.pk).exists()


class TestActions:
    def record(self, cast, code, *, subject=None, started=None, case=None, actor=None, **kw):
        case = case or make_case(cast.owner.officer)
        return services.case_add_action(
            actor=actor or cast.owner.officer,
            case=case,
            action_type=ActionType.objects.get(code=code),
            started_at=started or timezone.now() - dt.timedelta(hours=1),
            subject=subject,
            **kw,
        )

    def test_clocks_come_from_the_limits_kept_as_data(self, cast):
        started = timezone.make_aware(dt.datetime(2026, 3, 2, 10, 0))
        notice = self.record(
            cast, "community-protection-notice", started=started, cost_pounds=Decimal("120.50")
        )
        assert notice.appeal_by == dt.date(2026, 3, 23)  # 21 days
        assert notice.cost_pounds == Decimal("120.50")
        dispersal = self.record(
            cast,
            "dispersal-direction",
            started=started,
            actor=cast.partner.officer,
            case=make_case(cast.partner.officer),
        )
        assert dispersal.expires_at == started + dt.timedelta(hours=48)
        closure = self.record(
            cast,
            "closure-order",
            started=started,
            actor=cast.partner.officer,
            case=make_case(cast.partner.officer),
        )
        assert closure.expires_at == started + dt.timedelta(days=91)

    def test_changing_a_limit_changes_the_next_actions_clock_without_code(self, cast):
        ActionType.objects.filter(code="dispersal-direction").update(duration_hours=72)
        started = timezone.now() - dt.timedelta(hours=2)
        action = self.record(
            cast,
            "dispersal-direction",
            started=started,
            actor=cast.partner.officer,
            case=make_case(cast.partner.officer),
        )
        assert action.expires_at == started + dt.timedelta(hours=72)

    def test_under_18s_get_the_shorter_limit(self, cast):
        case = make_case(cast.owner.officer)
        # Before the 2026 Act replaced the ASB injunction for new records.
        started = timezone.make_aware(dt.datetime(2026, 5, 1, 10, 0))
        young = make_person(
            cast.owner.officer,
            given_name="Kai",
            family_name="Minor",
            date_of_birth=timezone.localdate().replace(year=timezone.localdate().year - 15),
        )
        services.case_add_person(
            actor=cast.owner.officer, case=case, person=young, role="perpetrator"
        )
        injunction = self.record(
            cast, "civil-injunction", case=case, subject=young, started=started
        )
        assert injunction.expires_at == started + dt.timedelta(days=365)

    def test_minimum_age_and_who_may_use_a_power_are_enforced(self, cast):
        case = make_case(cast.owner.officer)
        child = make_person(
            cast.owner.officer,
            given_name="Tia",
            family_name="Young",
            date_of_birth=timezone.localdate() - dt.timedelta(days=365 * 14),
        )
        services.case_add_person(
            actor=cast.owner.officer, case=case, person=child, role="perpetrator"
        )
        with pytest.raises(ValidationError, match="aged 16 or over"):
            self.record(cast, "community-protection-warning", case=case, subject=child)
        with pytest.raises(ValidationError, match="can only be used by: police"):
            self.record(cast, "dispersal-direction", case=case)  # a housing provider

    def test_negative_costs_are_refused_on_the_page(self, cast):
        case = make_case(cast.owner.officer)
        response = client_for(cast.owner.officer).post(
            f"/cases/{case.uuid}/actions/add/",
            {
                "action_type": ActionType.objects.get(code="warning-letter").pk,
                "started_at-day": "1",
                "started_at-month": "1",
                "started_at-year": "2026",
                "started_at-hour": "9",
                "started_at-minute": "0",
                "outcome": "pending",
                "cost_pounds": "-5",
            },
        )
        assert response.status_code == 200
        assert b"The cost cannot be negative" in response.content
        assert not case.actions.exists()


class TestTasksAndPeople:
    def test_a_task_can_be_given_to_an_officer_of_a_contributing_partner(self, cast, shared_case):
        task = services.case_add_task(
            actor=cast.owner.officer,
            case=shared_case.case,
            title="Joint visit",
            due_on=timezone.localdate() + dt.timedelta(days=3),
            assignee=cast.contributor.officer,
        )
        assert task.organisation == cast.contributor.organisation
        with pytest.raises(ValidationError, match="someone who can work on this case"):
            services.case_add_task(
                actor=cast.owner.officer,
                case=shared_case.case,
                title="x",
                due_on=timezone.localdate(),
                assignee=cast.partner.officer,  # view only
            )
        done = client_for(cast.contributor.officer).post(f"/cases/tasks/{task.uuid}/done/")
        assert done.status_code == 302
        task.refresh_from_db()
        assert task.status == "done"

    def test_another_agency_cannot_complete_a_task_it_cannot_reach(self, cast, shared_case):
        task = services.case_add_task(
            actor=cast.owner.officer,
            case=shared_case.case,
            title="Joint visit",
            due_on=timezone.localdate(),
            assignee=cast.owner.officer,
        )
        for user in (cast.unrelated.officer, cast.partner.officer):
            assert client_for(user).post(f"/cases/tasks/{task.uuid}/done/").status_code == 404

    def test_people_are_added_with_their_role_once(self, cast):
        case = make_case(cast.owner.officer, incidents=[])
        client = client_for(cast.owner.officer)
        data = {"role": "witness", "person_given_name": "Reg", "person_family_name": "Holt"}
        assert client.post(f"/cases/{case.uuid}/people/add/", data).status_code == 302
        person = case.people.get()
        with pytest.raises(ValidationError, match="already on this case"):
            services.case_add_person(
                actor=cast.owner.officer, case=case, person=person, role="witness"
            )
        # The name is the organisation's own record of the person, found by the case search
        # through the details the searcher may read (never kept in the shared search text).
        assert person.details.get(organisation=cast.owner.organisation).full_name == "Reg Holt"
        assert "reg holt" not in Case.objects.get(pk=case.pk).search_document
        assert case.reference in client.get("/cases/", {"q": "Reg Holt"}).content.decode()


def test_the_case_page_shows_one_timeline_of_everything(cast, shared_case):
    case = shared_case.case
    services.case_add_note(
        actor=cast.contributor.officer,
        case=case,
        body="Council visit done",
        visibility="all_agencies",
    )
    services.case_add_action(
        actor=cast.owner.officer,
        case=case,
        action_type=ActionType.objects.get(code="warning-letter"),
        started_at=timezone.now() - dt.timedelta(minutes=5),
    )
    services.case_change_status(
        actor=cast.owner.officer, case=case, status="action", expected_version=case.version
    )
    page = client_for(cast.partner.officer).get(f"/cases/{case.uuid}/").content.decode()
    timeline = page[page.index('id="timeline"') :]
    for text in (
        "Incident reported to Test Housing",
        "Case opened",
        "Shared with Test Police",
        "Council visit done",
        "Warning letter",
        "Status changed to action",
    ):
        assert text in timeline, text


def test_services_refuse_a_user_whose_organisation_cannot_act(cast, shared_case):
    with pytest.raises(PermissionDenied):
        services.case_add_note(
            actor=cast.partner.officer, case=shared_case.case, body="x", visibility="all_agencies"
        )
    with pytest.raises(PermissionDenied):
        services.case_change_status(
            actor=cast.contributor.officer,
            case=shared_case.case,
            status="closed",
            closure_reason="resolved",
            expected_version=shared_case.case.version,
        )
