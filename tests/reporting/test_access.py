"""Every dashboard and every export shows each user only what their organisation may see:
an unrelated agency's cases are never counted; analysts never see people; High Impact
Households only for those entitled."""

from __future__ import annotations

import re

import pytest

from partners.models import AuditEvent
from tests.conftest import client_for
from tests.reporting.conftest import ELM_LSOA, PERSONAL, QUARRY_LSOA

pytestmark = pytest.mark.django_db

PAGES = [
    "/dashboards/",
    "/dashboards/ownership/",
    "/dashboards/victims/",
    "/dashboards/case-reviews/",
    "/dashboards/hotspots/",
    "/dashboards/hotspots/?areas=ward",
    "/dashboards/households/",
    "/dashboards/costs/",
    "/dashboards/trends/",
]
CSV_LINK = re.compile(r'href="(/dashboards/[a-z-]+/[a-z_]+\.csv[^"]*)"')


def main(html: str) -> str:
    """The page's own content (not the header naming who is signed in)."""
    return html[html.index("<main") : html.index("</main>")]


def everything(client) -> dict[str, str]:
    """Every dashboard page the user may open (its main content), and every CSV linked from
    them."""
    seen = {}
    for path in PAGES:
        response = client.get(path)
        if response.status_code == 403:
            continue
        assert response.status_code == 200, path
        seen[path] = main(response.content.decode())
        for link in CSV_LINK.findall(seen[path]):
            link = link.replace("&amp;", "&")
            if link not in seen:
                export = client.get(link)
                assert export.status_code == 200, link
                assert export["Content-Type"].startswith("text/csv")
                seen[link] = export.content.decode()
    return seen


def test_partner_admins_see_no_dashboards(cast, world):
    client = client_for(cast.owner.admin)
    for path in [*PAGES, "/dashboards/ownership/by_organisation.csv", "/open-data/"]:
        assert client.get(path).status_code == 403, path


def test_an_unrelated_agency_never_sees_the_owners_cases_counted(cast, world):
    reference = world.shared_case.reference
    for user in (cast.unrelated.officer, cast.unrelated.supervisor):
        pages = everything(client_for(user))
        assert any(path.endswith(".csv") for path in pages)
        for path, text in pages.items():
            assert "Test Housing" not in text, f"{path} shows the owner for {user}"
            assert reference not in text, path
            assert "Zebedee" not in text, path
            assert ELM_LSOA not in text, f"{path} counts the owner's incidents for {user}"
        ownership = pages["/dashboards/ownership/by_organisation.csv"].splitlines()
        assert ownership[1].startswith("Test Borough Council,")
        assert [line.split(",")[1:6] for line in ownership[1:]] == [["1", "0", "0", "0", "1"]] * 2
        assert QUARRY_LSOA in pages["/dashboards/hotspots/areas.csv"]


def test_the_owner_never_sees_the_unrelated_agencys_cases_counted(cast, world):
    for user in (cast.owner.officer, cast.owner.supervisor):
        for path, text in everything(client_for(user)).items():
            assert "Test Borough Council" not in text, path
            assert world.unrelated_case.reference not in text, path
            assert "Ottoline" not in text, path
            assert QUARRY_LSOA not in text, path


def test_a_partner_sees_what_was_shared_with_it_counted_under_its_lead(cast, world):
    pages = everything(client_for(cast.partner.officer))
    ownership = pages["/dashboards/ownership/by_organisation.csv"].splitlines()
    assert ownership[1].startswith("Test Housing,1,0,0,0,1,")
    hotspots = pages["/dashboards/hotspots/areas.csv"]
    row = next(line for line in hotspots.splitlines() if ELM_LSOA in line)
    assert row.split(",")[5] == "3"  # the three incidents on the shared case
    for text in pages.values():
        assert "Test Borough Council" not in text
        assert QUARRY_LSOA not in text


def test_the_supervisor_sees_their_team_and_an_officer_does_not(cast, world):
    supervisor = client_for(cast.owner.supervisor).get("/dashboards/ownership/team.csv")
    assert supervisor.status_code == 200
    assert cast.owner.officer.display_name in supervisor.content.decode()
    officer = client_for(cast.owner.officer)
    assert officer.get("/dashboards/ownership/team.csv").status_code == 404
    unowned = client_for(cast.unrelated.supervisor).get("/dashboards/ownership/unowned.csv")
    assert world.unrelated_case.reference in unowned.content.decode()


@pytest.mark.parametrize("agency", ["owner", "partner", "unrelated", "pcc"])
def test_analysts_see_partnership_totals_and_never_personal_data(cast, world, agency):
    analyst = getattr(cast, agency).analyst
    pages = everything(client_for(analyst))
    assert "/dashboards/households/" not in pages  # people: not for analysts
    officers = {
        user.display_name
        for each in (cast.owner, cast.partner, cast.unrelated, cast.contributor)
        for user in (each.officer, each.supervisor)
    }
    for path, text in pages.items():
        for word in [*PERSONAL, *officers, "Testperson"]:
            assert word not in text, f"{path} shows {word!r} to an analyst"
        assert world.shared_case.reference not in text, path
    ownership = pages["/dashboards/ownership/by_organisation.csv"]
    assert "Test Housing,1," in ownership and "Test Borough Council,1," in ownership
    hotspots = pages["/dashboards/hotspots/areas.csv"]
    assert ELM_LSOA in hotspots and QUARRY_LSOA in hotspots
    victims = pages["/dashboards/victims/by_organisation.csv"]
    assert "Test Housing,1,1," in victims  # Zebedee, counted, not named


def test_an_analyst_cannot_ask_for_a_table_of_people(cast, world):
    client = client_for(cast.partner.analyst)
    assert client.get("/dashboards/households/").status_code == 403
    assert client.get("/dashboards/households/people.csv").status_code == 403
    assert client.get("/dashboards/victims/victims.csv").status_code == 404
    assert client.get("/dashboards/ownership/unowned.csv").status_code == 404
    assert client.get("/dashboards/nothing/areas.csv").status_code == 404


def test_high_impact_households_only_over_what_the_organisation_may_see(cast, world):
    def people_and_places(user) -> str:
        client = client_for(user)
        return (
            client.get("/dashboards/households/people.csv").content.decode()
            + client.get("/dashboards/households/addresses.csv").content.decode()
        )

    owner = people_and_places(cast.owner.officer)
    assert "Zebedee Quillfeather" in owner and "14 Elm Court" in owner
    assert "Ottoline" not in owner and "Quarry Heads" not in owner
    partner = people_and_places(cast.partner.supervisor)  # the case was shared with them
    assert "Zebedee Quillfeather" in partner and "Ottoline" not in partner
    unrelated = people_and_places(cast.unrelated.officer)
    assert "Ottoline Marchbanks" in unrelated and "Zebedee" not in unrelated
    # The ASB Champion's office holds no record of either and no case with them: partnership
    # counts elsewhere, but no one's name or address here.
    champion = people_and_places(cast.champion)
    for seen in ("Zebedee", "Ottoline", "14 Elm Court", "Quarry Heads"):
        assert seen not in champion
    # The contributor has no case or incident with either.
    nobody = people_and_places(cast.contributor.officer)
    assert "Zebedee" not in nobody and "Ottoline" not in nobody


def test_the_champion_sees_partnership_totals(cast, world):
    pages = everything(client_for(cast.champion))
    ownership = pages["/dashboards/ownership/by_organisation.csv"]
    assert "Test Housing,1," in ownership and "Test Borough Council,1," in ownership
    assert "team.csv" not in pages["/dashboards/ownership/"]


def test_exports_are_audited_with_their_filters_and_size(cast, world):
    client = client_for(cast.partner.analyst)
    response = client.get("/dashboards/hotspots/areas.csv?type=vandalism&areas=ward")
    assert response.status_code == 200
    assert "attachment;" in response["Content-Disposition"]
    event = AuditEvent.objects.filter(verb="exported").get()
    assert event.actor == cast.partner.analyst
    assert event.target_id == "hotspots/areas"
    assert event.detail["terms"]["type"] == "vandalism"
    assert event.detail["terms"]["areas"] == "ward"
    assert event.detail["rows"] == len(response.content.decode().splitlines()) - 1
    assert event.detail["scope"] == "partnership"


def test_filtering_a_dashboard_is_audited_as_a_search_and_viewing_as_a_view(cast, world):
    client = client_for(cast.owner.officer)
    client.get("/dashboards/ownership/")
    client.get("/dashboards/hotspots/?type=noise")
    events = list(AuditEvent.objects.filter(target_type="reporting.dashboard").order_by("id"))
    assert [(e.verb, e.action) for e in events] == [
        ("viewed", "dashboard_ownership"),
        ("searched", "dashboard_hotspots"),
    ]
    assert events[1].detail["terms"]["type"] == "noise"
    assert events[1].detail["scope"] == "organisation:test-housing"
