"""The incident list read from the two parts of its visibility rule (access.rules
.incident_branches, partners.paging.paginate_union) shows exactly what the single OR rule shows:
the same incidents, in the same order, on every page, with the same capped count, for the four
shapes of organisation (few, old, typical and large), with and without a search and "only ours"."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from access.viewer import viewer_for
from asb_cases import selectors
from partners import paging
from tests.factories import make_case, make_incident, share_case

pytestmark = pytest.mark.django_db

PER_PAGE = 4


@pytest.fixture
def world(cast):
    """Large: the police, most reports and cases of their own. Typical: the housing provider,
    its own reports and a police case shared with it. Few: the county council, nothing reported
    to it, one shared case. Old: the borough council, only reports of two years ago and an old
    shared case. Some incidents are both reported to an organisation and on a case it sees."""
    police, housing = cast.partner.officer, cast.owner.officer
    council, borough = cast.contributor.officer, cast.unrelated.officer
    police_incidents = [make_incident(police, days_ago=day) for day in range(1, 19)]
    for first in range(0, 12, 3):
        make_case(police, incidents=police_incidents[first : first + 3])
    housing_incidents = [make_incident(housing, days_ago=day + 0.5) for day in range(1, 8)]
    housing_case = make_case(housing, incidents=housing_incidents[:2])
    shared = make_case(police, incidents=[police_incidents[13], police_incidents[14]])
    share_case(shared, by=police, with_organisation=cast.owner.organisation)
    share_case(shared, by=police, with_organisation=cast.contributor.organisation)
    share_case(housing_case, by=housing, with_organisation=cast.partner.organisation)
    # An incident on two cases the council sees is listed and counted once.
    also = make_case(police, incidents=[police_incidents[13], police_incidents[15]])
    share_case(also, by=police, with_organisation=cast.contributor.organisation)
    old = [make_incident(borough, days_ago=700 + day) for day in range(3)]
    old_case = make_case(police, incidents=[make_incident(police, days_ago=730)])
    share_case(old_case, by=police, with_organisation=cast.unrelated.organisation)
    make_case(borough, incidents=old[:1])
    return {
        "large": police,
        "typical": housing,
        "few": council,
        "old": borough,
    }


def _pages(viewer, *, q="", own_only=False, union: bool):
    pages, number = [], 1
    while True:
        params = QueryDict(mutable=True)
        params["page"] = str(number)
        if union:
            page = selectors.incident_page_for_viewer(
                viewer=viewer, params=params, q=q, own_only=own_only
            )
        else:
            page = paging.paginate(
                selectors.incident_list_for_viewer(viewer=viewer, q=q, own_only=own_only),
                params,
                per_page=PER_PAGE,
            )
        pages.append((page.count, page.number, [incident.pk for incident in page.items]))
        if page.number >= page.last_number:
            return pages
        number += 1


@pytest.fixture
def small_pages(monkeypatch):
    """Pages of four and a cap of ten, so that paging and the capped count are both reached."""
    monkeypatch.setattr(paging, "COUNT_CAP", 10)
    original = paging.paginate_union

    def paginate_union(queryset, branches, params, **options):
        return original(queryset, branches, params, **{**options, "per_page": PER_PAGE})

    monkeypatch.setattr(selectors, "paginate_union", paginate_union)


@pytest.mark.parametrize("shape", ["few", "old", "typical", "large"])
@pytest.mark.parametrize(
    "search", [{}, {"own_only": True}, {"q": "DL1 4QT"}, {"q": "dl14qt", "own_only": True}]
)
def test_the_union_shows_what_the_rule_shows(world, small_pages, shape, search):
    viewer = viewer_for(world[shape])
    expected = _pages(viewer, union=False, **search)
    assert _pages(viewer, union=True, **search) == expected
    assert expected[0][2] or (shape == "few" and search.get("own_only"))


def test_the_shapes_are_what_they_say(world, small_pages):
    counts = {shape: _pages(viewer_for(user), union=True)[0][0] for shape, user in world.items()}
    assert counts["few"] == 3
    assert counts["old"] == 4
    assert 4 < counts["typical"] <= 10
    assert counts["large"] == 11  # more than the cap


@pytest.mark.parametrize("shape", ["typical", "few"])
def test_an_incident_in_both_branches_or_on_two_cases_is_listed_once(world, small_pages, shape):
    viewer = viewer_for(world[shape])
    shown = [pk for _, _, items in _pages(viewer, union=True) for pk in items]
    assert len(shown) == len(set(shown))


def test_a_page_is_three_queries_whatever_the_shape(world):
    for user in world.values():
        viewer = viewer_for(user)
        viewer.may("asb_cases.view_incident")  # the role's permissions, read once per request
        with CaptureQueriesContext(connection) as queries:
            page = selectors.incident_page_for_viewer(viewer=viewer, params=QueryDict())
            [incident.reported_to.name for incident in page.items]
            [incident.incident_type.name for incident in page.items]
        assert len(queries) == 3, [query["sql"] for query in queries]
        assert "UNION" in queries[0]["sql"] and "UNION" in queries[1]["sql"]
        assert " OR " not in queries[0]["sql"] and " OR " not in queries[1]["sql"]
