"""The case list and case page run a fixed number of queries however full they get."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from asb_cases import services
from asb_cases.models import ActionType
from tests.conftest import client_for
from tests.factories import make_case, make_incident, make_person, share_case

pytestmark = pytest.mark.django_db


def queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def fill_case(cast, case, n):
    for i in range(n):
        services.case_add_note(
            actor=cast.owner.officer, case=case, body=f"note {i}", visibility="all_agencies"
        )
        services.case_add_action(
            actor=cast.owner.officer,
            case=case,
            action_type=ActionType.objects.get(code="warning-letter"),
            started_at=timezone.now() - dt.timedelta(hours=i + 1),
        )
        services.case_add_task(
            actor=cast.owner.officer,
            case=case,
            title=f"task {i}",
            due_on=timezone.localdate(),
            assignee=cast.owner.officer,
        )
        person = make_person(cast.owner.officer, given_name=f"P{i}")
        services.case_add_person(actor=cast.owner.officer, case=case, person=person, role="witness")
        services.case_link_incident(
            actor=cast.owner.officer, case=case, incident=make_incident(cast.owner.officer)
        )


def test_the_case_list_query_count_does_not_grow_with_the_page(cast):
    client = client_for(cast.partner.officer)
    for _ in range(2):
        share_case(
            make_case(cast.owner.officer),
            by=cast.owner.officer,
            with_organisation=cast.partner.organisation,
        )
    client.get("/cases/")  # warm the per-session caches (permissions)
    few = queries(client, "/cases/?q=elm&status=open")
    for _ in range(8):
        share_case(
            make_case(cast.owner.officer),
            by=cast.owner.officer,
            with_organisation=cast.partner.organisation,
        )
    many = queries(client, "/cases/?q=elm&status=open")
    assert few == many
    assert many <= 20


def test_the_case_page_query_count_does_not_grow_with_the_case(cast):
    case = make_case(cast.owner.officer)
    share_case(case, by=cast.owner.officer, with_organisation=cast.partner.organisation)
    client = client_for(cast.partner.officer)
    fill_case(cast, case, 1)
    client.get(f"/cases/{case.uuid}/")
    few = queries(client, f"/cases/{case.uuid}/")
    fill_case(cast, case, 6)
    many = queries(client, f"/cases/{case.uuid}/")
    assert few == many
    # 26, one for the case's evidence and letters (documents app), two for each action's
    # requirements and breaches (Crime and Policing Act 2026 tools) and one for the officer's
    # second-report prompts (the 2025 guidance's banner), and one for the closure notices to
    # the victims (issue 14: the single point of contact named when a case closes).
    assert many <= 31
