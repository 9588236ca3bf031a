"""The Tenant Satisfaction Measures for housing partners: NM01 (ASB cases per 1,000 homes, and
the hate subset) with homes kept as data per provider and year, and TP12 from the victims'
survey; on a page and as CSV, for the provider's own records only."""

from __future__ import annotations

import csv
import io

from django.test import Client

from asb_cases import services as case_services
from feedback.selectors import Period
from oversight.models import HousingStock
from tests.conftest import client_for
from tests.factories import make_case, make_incident
from tests.feedback.helpers import survey_link_after_closing


def test_nm01_and_tp12_are_counted_from_the_records(cast):
    officer = cast.owner.officer
    year = Period.current().start_year
    make_case(officer)
    make_case(
        officer,
        incidents=[make_incident(officer, hate_motivated=True, protected_characteristic="race")],
    )
    duplicate = make_case(officer)
    case_services.case_change_status(
        actor=officer,
        case=duplicate,
        status="closed",
        closure_reason="duplicate",
        expected_version=duplicate.version,
    )
    make_case(cast.partner.officer)  # the police's case: not the provider's
    path = survey_link_after_closing(officer)  # a fourth case of the provider's, closed
    Client().post(
        path, {"satisfaction": "very_satisfied", "listened_to": "yes", "would_report_again": "yes"}
    )

    admin = client_for(cast.owner.admin)
    page = admin.get("/tenant-satisfaction/")
    assert page.status_code == 200
    assert "Record the number of homes" in page.content.decode()
    bad = admin.post(f"/tenant-satisfaction/?year={year}", {"homes": "lots"})
    assert "Enter the number of homes as a whole number" in bad.content.decode()
    assert not HousingStock.objects.exists()
    assert admin.post(f"/tenant-satisfaction/?year={year}", {"homes": "2000"}).status_code == 302

    rows = list(
        csv.DictReader(
            io.StringIO(
                client_for(cast.owner.analyst)
                .get("/tenant-satisfaction/tsm.csv", {"year": str(year)})
                .content.decode()
            )
        )
    )
    assert rows == [
        {
            "organisation": "Test Housing",
            "year": Period(year).label,
            "homes": "2000",
            "asb_cases_opened": "3",  # two open, one closed after the survey; not the duplicate
            "hate_cases_opened": "1",
            "nm01_1_per_1000_homes": "1.5",
            "nm01_2_per_1000_homes": "0.5",
            "tp12_respondents": "1",
            "tp12_satisfied": "1",
            "tp12_percent": "100.0",
        }
    ]


def test_only_housing_partners_see_their_own_measures(cast):
    for other in (cast.partner.officer, cast.unrelated.admin, cast.champion, cast.pcc.analyst):
        client = client_for(other)
        assert client.get("/tenant-satisfaction/").status_code == 404
        assert client.get("/tenant-satisfaction/tsm.csv").status_code == 404
    # A housing officer reads them but does not record homes.
    officer = client_for(cast.owner.officer)
    assert officer.get("/tenant-satisfaction/").status_code == 200
    assert officer.post("/tenant-satisfaction/", {"homes": "10"}).status_code == 403
    assert not HousingStock.objects.exists()
