"""The API's incident list read from the two parts of its visibility rule (reported to us, on a
case we can see; partners.paging.UnionQuery) shows exactly what the single OR rule shows: the
same incidents in the same order on every page, walking the cursor to the end and back, for an
organisation whose incidents are reported to it, linked through shared cases, or both, with
and without `updated_since`; and a page is a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from access import rules
from access.viewer import viewer_for
from asb_cases.models import Incident
from partners.paging import UnionQuery
from tests.api.conftest import make_api
from tests.factories import make_case, make_incident, share_case

pytestmark = pytest.mark.django_db

INCIDENTS = "/api/v1/incidents/"
BASE = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)


@pytest.fixture
def world(cast):
    """Reported: the borough council, only incidents reported to it. Linked: the county
    council, nothing reported to it, two police cases shared with it (one incident on both).
    Both: the housing provider, its own incidents (two also on its own case, so in both
    branches) and a police case shared with it. Incidents are changed in groups of three at
    the same moment, so the cursor's offset within a moment is walked too."""
    police, housing = cast.partner.officer, cast.owner.officer
    council, borough = cast.contributor.officer, cast.unrelated.officer
    for day in range(7):
        make_incident(borough, days_ago=day + 1)
    police_incidents = [make_incident(police, days_ago=day + 1) for day in range(12)]
    housing_incidents = [make_incident(housing, days_ago=day + 1.5) for day in range(6)]
    make_case(housing, incidents=housing_incidents[:2])
    first = make_case(police, incidents=police_incidents[:4])
    second = make_case(police, incidents=police_incidents[3:6])
    make_case(police, incidents=police_incidents[6:9])  # shared with nobody
    share_case(first, by=police, with_organisation=cast.contributor.organisation)
    share_case(second, by=police, with_organisation=cast.contributor.organisation)
    share_case(first, by=police, with_organisation=cast.owner.organisation)
    for number, pk in enumerate(Incident.objects.order_by("pk").values_list("pk", flat=True)):
        Incident.objects.filter(pk=pk).update(updated_at=BASE - dt.timedelta(hours=number // 3))
    return {
        "reported": (borough, cast.unrelated.organisation),
        "linked": (council, cast.contributor.organisation),
        "both": (housing, cast.owner.organisation),
    }


def _walk(api, params: dict) -> tuple[list[str], list[str]]:
    """Every page forwards to the end, then every page back from the last `previous`."""
    forwards, url, previous = [], None, None
    response = api.get(INCIDENTS, {**params, "page_size": 2})
    while True:
        assert response.status_code == 200, response.json()
        body = response.json()
        forwards.append([row["uuid"] for row in body["results"]])
        previous = body["previous"] or previous
        url = body["next"]
        if not url:
            break
        response = api.http.get(url)
    backwards = []
    while previous:
        body = api.http.get(previous).json()
        backwards.append([row["uuid"] for row in body["results"]])
        previous = body["previous"]
    return forwards, backwards


@pytest.mark.parametrize("shape", ["reported", "linked", "both"])
@pytest.mark.parametrize(
    "params",
    [{}, {"updated_since": (BASE - dt.timedelta(hours=5)).isoformat()}, {"own": "true"}],
    ids=["all", "updated_since", "own"],
)
def test_every_page_is_what_the_single_rule_shows(world, monkeypatch, shape, params):
    user, organisation = world[shape]
    api = make_api(organisation)
    union = _walk(api, params)
    monkeypatch.setattr(UnionQuery, "supports_union", staticmethod(lambda *args: False))
    single = _walk(api, params)
    assert union == single
    visible = rules.incidents(viewer_for(user))
    if "updated_since" in params:
        visible = visible.filter(updated_at__gte=params["updated_since"])
    if "own" in params:
        visible = visible.filter(reported_to=organisation)
    expected = [
        str(uuid) for uuid in visible.order_by("-updated_at", "-id").values_list("uuid", flat=True)
    ]
    shown = [uuid for page in union[0] for uuid in page]
    assert shown == expected
    assert expected or (shape == "linked" and "own" in params)


def test_the_shapes_are_what_they_say(world):
    counts = {
        shape: [
            rules.incidents(viewer_for(user)).filter(reported_to=organisation).count(),
            rules.incidents(viewer_for(user)).exclude(reported_to=organisation).count(),
        ]
        for shape, (user, organisation) in world.items()
    }
    assert counts == {"reported": [7, 0], "linked": [0, 6], "both": [6, 4]}


def test_a_page_is_a_fixed_number_of_queries_with_a_union_and_no_or(world):
    for _, organisation in world.values():
        api = make_api(organisation)
        api.get(INCIDENTS)  # the client's first call may cache what later calls reuse
        with CaptureQueriesContext(connection) as queries:
            assert api.get(INCIDENTS, {"page_size": 2}).status_code == 200
        sql = [query["sql"] for query in queries]
        # (The role's permissions are read as a UNION too: not the list's.)
        keys = [
            statement
            for statement in sql
            if "UNION" in statement and '"asb_cases_incident"' in statement
        ]
        assert len(keys) == 1, sql
        assert " OR " not in keys[0]
        assert len(sql) == 7, sql  # the role's permissions in one statement (ADR 0023)
