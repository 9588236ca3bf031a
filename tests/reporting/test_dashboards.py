"""What each dashboard counts, and the filters' errors."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from access.viewer import viewer_for
from asb_cases import services as case_services
from asb_cases.models import ActionType, Case, Incident, Ward
from community_trigger import services as review_services
from reporting import selectors, services
from tests.community_trigger.conftest import apply_for
from tests.conftest import client_for
from tests.factories import make_case, make_incident, make_person
from tests.reporting.conftest import (
    ELM_COURT,
    ELM_LSOA,
    QUARRY_LANE,
    overdue_risk_review,
    overdue_task,
    refresh,
)
from victims.selectors import contact_due, contact_standards

pytestmark = pytest.mark.django_db


def rows(client, path) -> list[dict]:
    response = client.get(path)
    assert response.status_code == 200, path
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def text(response) -> str:
    page = response.content.decode()
    return html.unescape(page[page.index("<main") : page.index("</main>")])


# Ownership -----------------------------------------------------------------------------------


def test_ownership_shows_drift_unowned_transfers_and_what_is_overdue(cast, world):
    owner = cast.owner.officer
    old = make_case(owner, title="Seven months old")
    Case.objects.filter(pk=old.pk).update(opened_at=timezone.now() - dt.timedelta(days=213))
    very_old = make_case(owner, title="Fourteen months old", lead_officer=None)
    # Midday, 430 local days ago: "days waiting" counts local dates, and 430 days of 24 hours
    # before a late evening in winter is the next local day in summer time.
    opened = dt.datetime.combine(timezone.localdate() - dt.timedelta(days=430), dt.time(12))
    Case.objects.filter(pk=very_old.pk).update(opened_at=timezone.make_aware(opened))
    case_services.case_transfer_propose(
        actor=owner, case=old, to_organisation=cast.partner.organisation, reason="Theirs now"
    )
    overdue_task(owner, world.shared_case, days=4)
    overdue_risk_review(owner, world.shared_case, world.zebedee, days=2)
    refresh()

    client = client_for(cast.owner.supervisor)
    mine = rows(client, "/dashboards/ownership/by_organisation.csv")
    housing = next(row for row in mine if row["Lead organisation"] == "Test Housing")
    assert housing["All open cases"] == "3"
    assert housing["Open over 3 months"] == "2"
    assert housing["Open over 6 months"] == "2"
    assert housing["Open over 12 months"] == "1"
    assert housing["No lead officer"] == "1"
    team = rows(client, "/dashboards/ownership/team.csv")
    assert {row["Lead officer"]: row["All open cases"] for row in team} == {
        owner.display_name: "2",
        "No lead officer (unowned)": "1",
    }
    unowned = rows(client, "/dashboards/ownership/unowned.csv")
    assert [(row["Case"], row["Days waiting"]) for row in unowned] == [(very_old.reference, "430")]
    transfers = rows(client, "/dashboards/ownership/transfers.csv")
    assert [(row["Case"], row["To"]) for row in transfers] == [(old.reference, "Test Police")]
    tasks = rows(client, "/dashboards/ownership/tasks.csv")
    assert [(row["Task"], row["Days overdue"]) for row in tasks] == [("Visit the neighbours", "4")]
    reviews = rows(client, "/dashboards/ownership/reviews.csv")
    assert [(row["Victim"], row["Days overdue"]) for row in reviews] == [
        ("Zebedee Quillfeather", "2")
    ]
    # The organisation asked to take the case sees the transfer waiting too.
    partner = rows(client_for(cast.partner.officer), "/dashboards/ownership/transfers.csv")
    assert [row["Case"] for row in partner] == [old.reference]
    # Partnership totals: counts by organisation, no cases, no people.
    analyst = client_for(cast.pcc.analyst)
    assert rows(analyst, "/dashboards/ownership/tasks.csv") == [
        {"Organisation": "Test Housing", "Overdue": "1", "Most overdue (days)": "4"}
    ]
    assert rows(analyst, "/dashboards/ownership/reviews.csv")[0]["Overdue"] == "1"
    assert rows(analyst, "/dashboards/ownership/transfers.csv")[0]["Organisation"] == "Test Police"


def test_the_counts_are_as_of_the_last_refresh(cast, world):
    make_case(cast.owner.officer, title="Opened after the refresh")
    client = client_for(cast.owner.officer)
    before = rows(client, "/dashboards/ownership/by_organisation.csv")[0]["All open cases"]
    page = text(client.get("/dashboards/ownership/"))
    assert "Counts as of" in page and "refreshed every 15 minutes" in page
    services.summaries_refresh()
    after = rows(client, "/dashboards/ownership/by_organisation.csv")[0]["All open cases"]
    assert (before, after) == ("1", "2")


# Victims -------------------------------------------------------------------------------------


def test_the_victims_list_puts_overdue_contact_first_as_the_victims_app_judges_it(cast, world):
    owner = cast.owner.officer
    cases = {}
    for band, name, contacted_days_ago in (
        ("high", "Hester", None),
        ("medium", "Maud", 30),
        ("standard", "Stan", 1),
        ("high", "Hugo", 0),
    ):
        person = make_person(owner, given_name=name, family_name="Fairweather")
        incidents = [make_incident(owner, victim=person, days_ago=d) for d in (2, 3, 4)]
        case = make_case(owner, incidents=incidents, risk_band=band, title=f"{name}'s case")
        Case.objects.filter(pk=case.pk).update(opened_at=timezone.now() - dt.timedelta(days=60))
        if contacted_days_ago is not None:
            case_services.case_victim_contact(
                actor=owner,
                case=case,
                person=person,
                contacted_at=timezone.now() - dt.timedelta(days=contacted_days_ago, minutes=1),
                method="phone",
                summary="Spoke to them",
            )
        cases[name] = (person, case)

    listed = rows(client_for(cast.owner.supervisor), "/dashboards/victims/victims.csv")
    standards = contact_standards()
    for row in listed:
        case = Case.objects.get(reference=row["Case"])
        person = case.person_links.get(role="victim").person
        last = case.contacts.filter(person=person).order_by("-contacted_at").first()
        due = contact_due(
            opened_at=case.opened_at,
            risk_band=case.risk_band,
            last_contact=last.contacted_at if last else None,
            standards=standards,
        )
        assert row["Contact standard"] == ("Overdue" if due.overdue else "Met"), row
        assert row["Next contact due"] == str(due.due_on)
    flags = [row["Contact standard"] for row in listed]
    assert flags == sorted(flags, key=lambda flag: flag != "Overdue")
    assert "Overdue" in flags and "Met" in flags
    assert listed[0]["Victim"] == "Hester Fairweather"  # high risk, never contacted
    summary = rows(client_for(cast.pcc.analyst), "/dashboards/victims/by_organisation.csv")
    housing = next(row for row in summary if row["Lead organisation"] == "Test Housing")
    assert housing["Contact overdue"] == str(flags.count("Overdue"))
    assert housing["Victims"] == str(len(listed))


# Case Review ---------------------------------------------------------------------------------


def test_case_reviews_by_stage_and_against_deadlines(cast, world):
    application = apply_for(world.zebedee, lead_case=world.shared_case)
    review_services.application_evaluate(application_id=application.pk)
    refresh()
    champion = client_for(cast.champion)
    stages = {
        row["Stage"]: row["Applications"]
        for row in rows(champion, "/dashboards/case-reviews/stages.csv")
    }
    assert sum(map(int, stages.values())) == 1
    deadlines = {
        row["Step"]: row for row in rows(champion, "/dashboards/case-reviews/deadlines.csv")
    }
    assert deadlines["Threshold checked"]["Done on time"] == "1"
    analyst = client_for(cast.unrelated.analyst)
    page = text(analyst.get("/dashboards/case-reviews/"))
    assert application.reference not in page and "Zebedee" not in page
    assert (
        sum(
            int(row["Applications"]) for row in rows(analyst, "/dashboards/case-reviews/stages.csv")
        )
        == 1
    )
    # Staff see the applications their organisation is party to: the unrelated agency none.
    unrelated = rows(client_for(cast.unrelated.officer), "/dashboards/case-reviews/stages.csv")
    assert sum(int(row["Applications"]) for row in unrelated) == 0


# Hotspots ------------------------------------------------------------------------------------


def test_hotspots_rank_areas_against_the_previous_period(cast, world):
    owner = cast.owner.officer
    for days in (400, 420):  # the previous twelve months
        make_incident(owner, days_ago=days, location=ELM_COURT)
    make_incident(owner, days_ago=410, location=QUARRY_LANE)
    refresh()
    client = client_for(cast.owner.officer)
    areas = rows(client, "/dashboards/hotspots/areas.csv")
    elm = next(row for row in areas if row["Code"] == ELM_LSOA)
    assert (elm["Rank"], elm["Incidents"], elm["Previous period"], elm["Change (%)"]) == (
        "1",
        "3",
        "2",
        "50",
    )
    assert elm["Local authority"] == "Darlington"
    quarry = next(row for row in areas if row["LSOA"].startswith("County Durham"))
    assert (quarry["Rank"], quarry["Incidents"], quarry["Previous period"]) == ("", "0", "1")
    noise_only = rows(client, "/dashboards/hotspots/areas.csv?type=vandalism")
    assert noise_only == []
    wards = rows(client, "/dashboards/hotspots/areas.csv?areas=ward&local_authority=E06000005")
    ward = Ward.objects.get(code="E05010425", year=2025)  # the LSOA's best-fit ward
    assert [(row["Ward"], row["Code"], row["Incidents"]) for row in wards] == [
        (ward.name, ward.code, "3")
    ]
    page = text(client.get("/dashboards/hotspots/"))
    assert "Map of ASB incidents by LSOA" in page
    assert ELM_LSOA in page
    assert '<span class="app-fact">+0%</span> change' in page  # 3 against 2 + 1


def test_an_incident_recorded_by_two_agencies_counts_once(cast, world):
    original = Incident.objects.filter(reported_to=cast.owner.organisation).first()
    make_incident(cast.partner.officer, days_ago=5, location=ELM_COURT, duplicate_of=original)
    refresh()
    analyst = rows(client_for(cast.partner.analyst), "/dashboards/hotspots/areas.csv")
    assert next(row for row in analyst if row["Code"] == ELM_LSOA)["Incidents"] == "3"
    # The partner sees the original (shared case) and its own copy: once.
    partner = rows(client_for(cast.partner.officer), "/dashboards/hotspots/areas.csv")
    assert next(row for row in partner if row["Code"] == ELM_LSOA)["Incidents"] == "3"
    # The contributor sees neither.
    assert rows(client_for(cast.contributor.officer), "/dashboards/hotspots/areas.csv") == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "date_from-month=5&date_from-year=2026&date_to-month=2&date_to-year=2026",
            "To must be the same as or after From",
        ),
        ("date_from-month=13&date_from-year=2025", "From must be a real month"),
        ("date_from-month=1&date_from-year=", "From must include a year"),
        (
            "date_from-month=1&date_from-year=2015&date_to-month=1&date_to-year=2025",
            "The period must be 36 months or shorter",
        ),
        ("date_to-month=1&date_to-year=2999", "To must be this month or earlier"),
        ("type=not-a-type", "Select a valid choice"),
    ],
)
def test_a_bad_period_or_type_is_explained_and_nothing_is_lost(cast, world, query, message):
    client = client_for(cast.partner.analyst)
    response = client.get(f"/dashboards/hotspots/?{query}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Error: " in page
    summary = html.unescape(page[page.index("govuk-error-summary") :])
    assert message in summary[: summary.index("</ul>")]
    assert "Map of" not in page
    if "date_from-year=2015" in query:
        assert 'name="date_from-year" type="text" inputmode="numeric" value="2015"' in page
    # The export of a bad query goes back to the page, which explains.
    export = client.get(f"/dashboards/hotspots/areas.csv?{query}")
    assert export.status_code == 302
    assert export.url.startswith("/dashboards/hotspots/?")


def test_the_trends_and_costs_periods_are_checked_the_same_way(cast, world):
    client = client_for(cast.owner.officer)
    for path in ("/dashboards/trends/", "/dashboards/costs/"):
        response = client.get(f"{path}?date_from-month=0&date_from-year=2025")
        assert "From must be a real month" in text(response)
        assert "<title>Error: " in response.content.decode()


def test_the_open_data_layer_sits_beside_the_partnerships_incidents(cast, world):
    from django.core.management import call_command

    from tests.reporting.conftest import FIXTURES

    call_command("import_policeuk", str(FIXTURES / "2019-02-durham-street-sample.csv"))
    client = client_for(cast.owner.analyst)
    query = "date_from-month=2&date_from-year=2019&date_to-month=2&date_to-year=2019&open_data=on"
    page = text(client.get(f"/dashboards/hotspots/?{query}"))
    assert "Map of police.uk anti-social behaviour by LSOA, February 2019" in page
    assert "Contains public sector information licensed under the Open Government Licence" in page
    assert page.count('role="img"') == 2
    areas = rows(client, f"/dashboards/hotspots/areas.csv?{query}")
    assert sum(int(row["police.uk ASB"]) for row in areas) == 8
    assert {row["Code"] for row in areas} >= {"E01020634", "E01020655"}
    assert all(row["Incidents"] == "0" for row in areas)
    # Another period says where the open data is.
    page = text(client.get("/dashboards/hotspots/?open_data=on"))
    assert "The open data loaded covers February 2019 to February 2019" in page


# Tools, powers and costs ---------------------------------------------------------------------


def test_costs_by_agency_case_and_area(cast, world):
    letter = ActionType.objects.get(code="warning-letter")
    case_services.case_add_action(
        actor=cast.owner.officer,
        case=world.shared_case,
        action_type=letter,
        started_at=timezone.now() - dt.timedelta(days=3),
        cost_pounds=Decimal("120.50"),
    )
    case_services.case_add_action(
        actor=cast.unrelated.officer,
        case=world.unrelated_case,
        action_type=letter,
        started_at=timezone.now() - dt.timedelta(days=3),
        cost_pounds=Decimal("80.00"),
    )
    refresh()
    owner = client_for(cast.owner.officer)
    assert rows(owner, "/dashboards/costs/by_agency.csv") == [
        {
            "Agency": "Test Housing",
            "Tools and powers used": "1",
            "Cost": "120.50",
            "Average cost": "120.50",
        }
    ]
    by_case = rows(owner, "/dashboards/costs/by_case.csv")
    assert [(row["Case"], row["Cost"], row["Area"]) for row in by_case] == [
        (world.shared_case.reference, "120.50", "Darlington")
    ]
    analyst = client_for(cast.owner.analyst)
    agencies = {
        row["Agency"]: row["Cost"] for row in rows(analyst, "/dashboards/costs/by_agency.csv")
    }
    assert agencies == {"Test Housing": "120.50", "Test Borough Council": "80.00"}
    areas = {row["Area"]: row["Cost"] for row in rows(analyst, "/dashboards/costs/by_area.csv")}
    assert areas == {"Darlington": "120.50", "County Durham": "80.00"}
    by_type = rows(analyst, "/dashboards/costs/by_type.csv")
    assert by_type == [{"Tool or power": letter.name, "Used": "2", "Cost": "200.50"}]
    page = text(analyst.get("/dashboards/costs/"))
    assert "Cost of tools and powers by month" in page and "£200.50" in page


# Trends --------------------------------------------------------------------------------------


def test_trends_by_month_type_and_agency(cast, world):
    client = client_for(cast.pcc.analyst)
    by_type = {
        row["Type"]: row["Incidents"] for row in rows(client, "/dashboards/trends/by_type.csv")
    }
    assert by_type == {"Noise": "3", "Vandalism and criminal damage": "2"}
    by_agency = {
        row["Agency"]: row["Incidents"] for row in rows(client, "/dashboards/trends/by_agency.csv")
    }
    assert by_agency == {"Test Housing": "3", "Test Borough Council": "2"}
    months = rows(client, "/dashboards/trends/by_month.csv")
    assert len(months) == 24 and sum(int(row["Incidents"]) for row in months) == 5
    noise = rows(client, "/dashboards/trends/by_agency.csv?type=noise")
    assert noise == [{"Agency": "Test Housing", "Incidents": "3"}]
    page = client.get("/dashboards/trends/").content.decode()
    assert page.count('role="img"') == 3
    assert "Show the figures as a table" in page


def test_the_scope_follows_the_role(cast):
    assert viewer_for(cast.pcc.analyst).partnership
    assert not viewer_for(cast.pcc.analyst).sees_people
    assert viewer_for(cast.champion).partnership and viewer_for(cast.champion).sees_people
    officer = viewer_for(cast.owner.officer)
    assert (officer.partnership, officer.sees_people, officer.is_supervisor) == (False, True, False)
    assert viewer_for(cast.owner.supervisor).is_supervisor
    assert selectors.default_period(12).months == 12
