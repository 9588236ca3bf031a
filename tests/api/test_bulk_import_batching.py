"""Bulk import as a housing CRM sends it (postcodes without coordinates, reporters): each
postcode's areas are read once per import from the index (postcode, -occurred_at), reporters
are matched in one query for the batch, and the repeat and vulnerable statuses are recomputed
by a worker through the outbox rather than inside the request."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from asb_cases.models import Incident
from asb_cases.services import LocationInput
from partners.models import OutboxTask
from tests.api.conftest import incident_body
from tests.factories import make_incident
from victims import tasks
from victims.models import PersonStatus

pytestmark = pytest.mark.django_db

BULK = "/api/v1/incidents/bulk/"
POSTCODES = ["DL1 4QT", "DL1 5AA", "DL3 6AB"]


def _letters(number: int) -> str:
    """A name part of its own for each number (names are matched without their digits)."""
    return "".join(chr(ord("a") + int(digit)) for digit in str(number))


def _crm_items(count: int, run: str) -> list[dict]:
    """Items without coordinates, at a few postcodes, each with a reporter of its own."""
    return [
        incident_body(
            f"{run}-{n}",
            location={"address": f"{n} Elm Court", "postcode": POSTCODES[n % len(POSTCODES)]},
            reporter={
                "given_name": "Avery",
                "family_name": f"Imported{run}{_letters(n)}",
                "date_of_birth": "1980-01-02",
            },
        )
        for n in range(count)
    ]


def _postcode_lookups(captured) -> list[str]:
    return [
        query["sql"]
        for query in captured
        if 'FROM "asb_cases_incident"' in query["sql"]
        and '"asb_cases_incident"."postcode" =' in query["sql"]
    ]


@pytest.fixture
def known_postcodes(cast):
    """Earlier incidents with coordinates at each postcode, so their areas are known."""
    for postcode in POSTCODES:
        for _ in range(3):
            make_incident(
                cast.partner.officer,
                location=LocationInput(
                    address="1 Elm Court",
                    postcode=postcode,
                    latitude=Decimal("54.518100"),
                    longitude=Decimal("-1.548900"),
                ),
            )


def test_the_postcodes_of_an_import_are_read_in_one_statement_from_their_index(
    cast, owner_api, known_postcodes
):
    with CaptureQueriesContext(connection) as captured:
        body = owner_api.post(BULK, {"incidents": _crm_items(12, "pc")}).json()
    assert body["created"] == 12, body
    assert _postcode_lookups(captured) == []  # none one by one
    together = [q["sql"] for q in captured if "CROSS JOIN LATERAL" in q["sql"]]
    assert len(together) == 1
    assert "ORDER BY occurred_at DESC" in together[0] and "LIMIT 1" in together[0]
    imported = Incident.objects.filter(reported_to=cast.owner.organisation)
    assert imported.count() == 12
    assert not imported.filter(lsoa_code="").exists()
    assert not imported.filter(local_authority__isnull=True).exists()
    known = Incident.objects.filter(reported_to=cast.partner.organisation).first()
    assert set(imported.values_list("lsoa_code", flat=True)) == {known.lsoa_code}


def test_a_postcode_never_seen_keeps_the_areas_it_was_given(cast, owner_api, known_postcodes):
    item = incident_body("unseen", location={"address": "1 Nowhere Lane", "postcode": "DL2 9ZZ"})
    assert owner_api.post(BULK, {"incidents": [item]}).json()["created"] == 1
    assert Incident.objects.get(external_ref="unseen").lsoa_code == ""


def test_an_import_with_postcodes_and_reporters_takes_the_same_queries_for_any_size(
    cast, owner_api, known_postcodes
):
    def queries(count: int, run: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = owner_api.post(BULK, {"incidents": _crm_items(count, run)})
        assert response.json()["created"] == count
        return len(captured)

    queries(3, "warm")
    assert queries(6, "few") == queries(60, "many")


def test_statuses_are_refreshed_by_a_worker_through_the_outbox(cast, owner_api):
    before = OutboxTask.objects.filter(task_name="victims.person_statuses_refresh").count()
    body = owner_api.post(BULK, {"incidents": _crm_items(4, "st")}).json()
    assert body["created"] == 4
    work = OutboxTask.objects.filter(task_name="victims.person_statuses_refresh")
    assert work.count() == before + 1
    person_ids = work.latest("pk").kwargs["person_ids"]
    victims = set(
        Incident.objects.filter(reported_to=cast.owner.organisation).values_list(
            "victim_id", flat=True
        )
    )
    assert set(person_ids) == victims and len(victims) == 4
    assert not PersonStatus.objects.filter(person_id__in=person_ids).exists()
    tasks.person_statuses_refresh(person_ids=person_ids)
    # Each has one incident: recomputed by the worker's task, with no repeat status yet.
    statuses = PersonStatus.objects.filter(person_id__in=person_ids)
    assert statuses.count() == 4
    assert not statuses.filter(is_repeat=True).exists()


def _mixed_items(count: int, run: str, first_known: int) -> list[dict]:
    """A realistic batch: a third anonymous, a third from people the partnership already knows
    (another organisation recorded them, from `first_known` on; the first of them reports
    twice), a third new."""
    items = []
    for n in range(count):
        location = {"address": f"{n} Elm Court", "postcode": POSTCODES[n % len(POSTCODES)]}
        body = incident_body(f"{run}-{n}", location=location)
        if n % 3 == 0:
            body.update(anonymous=True, victim=None)
            del body["reporter"]
        elif n % 3 == 1:
            known = first_known + max(n // 3 - 1, 0)
            body["reporter"] = {
                "given_name": "Morgan",
                "family_name": f"Known{_letters(known)}",
                "date_of_birth": "1975-06-07",
            }
        else:
            body["reporter"] = {
                "given_name": "Avery",
                "family_name": f"New{run}{_letters(n)}",
                "date_of_birth": "1980-01-02",
            }
        items.append(body)
    return items


def test_an_import_matching_known_people_takes_the_same_queries_for_any_size(
    cast, owner_api, partner_api, known_postcodes
):
    """Reporters matched to people another organisation recorded (the importer's own details
    of them are added), a reporter met twice in one batch, anonymous reports and new people:
    the number of statements does not grow with the batch."""
    known = [
        incident_body(
            f"known-{n}",
            reporter={
                "given_name": "Morgan",
                "family_name": f"Known{_letters(n)}",
                "date_of_birth": "1975-06-07",
            },
        )
        for n in range(20)
    ]
    assert partner_api.post(BULK, {"incidents": known}).json()["created"] == 20

    def queries(count: int, run: str, first_known: int) -> int:
        items = _mixed_items(count, run, first_known)
        with CaptureQueriesContext(connection) as captured:
            body = owner_api.post(BULK, {"incidents": items}).json()
        assert body["created"] == count and body["errors"] == 0, body
        return len(captured)

    queries(3, "warm", first_known=0)
    assert queries(6, "few", first_known=1) == queries(30, "many", first_known=3)
    imported = Incident.objects.filter(reported_to=cast.owner.organisation)
    # Known people were linked, not created again: 1 + 1 + 9 distinct of the 20.
    linked = imported.filter(reporter__details__organisation=cast.partner.organisation)
    assert linked.values("reporter").distinct().count() == 11
    assert imported.filter(anonymous=True, reporter__isnull=True).count() == 1 + 2 + 10
