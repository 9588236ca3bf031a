"""Each dashboard runs a fixed number of queries however much there is to count or list."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from asb_cases import services as case_services
from asb_cases.models import ActionType
from tests.conftest import client_for
from tests.factories import make_case, make_incident, make_person, share_case
from tests.reporting.conftest import QUARRY_LANE, overdue_task, refresh

pytestmark = pytest.mark.django_db

PATHS = [
    "/dashboards/",
    "/dashboards/ownership/",
    "/dashboards/victims/",
    "/dashboards/case-reviews/",
    "/dashboards/hotspots/",
    "/dashboards/hotspots/?areas=ward&open_data=on&type=noise",
    "/dashboards/households/",
    "/dashboards/costs/",
    "/dashboards/trends/",
    "/dashboards/ownership/by_organisation.csv",
    "/dashboards/victims/victims.csv",
    "/dashboards/costs/by_case.csv",
]


def counts(client) -> dict[str, int]:
    found = {}
    for path in PATHS:
        client.get(path)  # warm the per-session caches (permissions)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        if response.status_code == 200:
            found[path] = len(captured)
    return found


def grow(cast, n: int) -> None:
    """More of everything each dashboard counts or lists."""
    owner = cast.owner.officer
    letter = ActionType.objects.get(code="warning-letter")
    for i in range(n):
        person = make_person(owner, given_name=f"Extra{i}", family_name="Person")
        incidents = [
            make_incident(owner, victim=person, days_ago=days, location=QUARRY_LANE)
            for days in (2, 9, 30)
        ]
        case = make_case(owner, incidents=incidents, lead_officer=None if i % 2 else owner)
        share_case(case, by=owner, with_organisation=cast.partner.organisation)
        case_services.case_add_action(
            actor=owner,
            case=case,
            action_type=letter,
            started_at=timezone.now() - dt.timedelta(days=1),
            cost_pounds=Decimal("10"),
        )
        overdue_task(owner, case, days=1, title=f"Task {i}")
        case_services.case_victim_contact(
            actor=owner,
            case=case,
            person=person,
            contacted_at=timezone.now() - dt.timedelta(days=i),
            method="phone",
            summary="Called",
        )
    refresh()


@pytest.mark.parametrize("who", ["owner.supervisor", "partner.officer", "champion", "pcc.analyst"])
def test_dashboards_run_a_fixed_number_of_queries(cast, world, who):
    user = cast
    for part in who.split("."):
        user = getattr(user, part)
    client = client_for(user)
    # One of everything first: a dashboard may skip a query when there is nothing to look up.
    grow(cast, 1)
    few = counts(client)
    grow(cast, 6)
    many = counts(client)
    assert len(few) >= 9
    assert many == few
