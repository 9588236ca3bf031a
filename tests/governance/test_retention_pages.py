"""The owner's admin reviews its queue and places and releases legal holds; nobody else can."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from governance.models import DisposalItem, LegalHold, RecordType
from partners.models import AuditEvent
from tests.conftest import client_for
from tests.factories import make_case

pytestmark = pytest.mark.django_db


def queued(organisation, record_id: int, record_type=RecordType.CLOSED_CASE) -> DisposalItem:
    return DisposalItem.objects.create(
        organisation=organisation,
        record_type=record_type,
        record_id=record_id,
        label=f"Case {record_id}",
        due_on=timezone.localdate() - dt.timedelta(days=1),
        action="anonymise",
    )


def test_the_admin_approves_its_own_items_only(cast):
    case = make_case(cast.owner.officer)
    mine = queued(cast.owner.organisation, case.pk)
    theirs = queued(cast.unrelated.organisation, 999_999)
    admin = client_for(cast.owner.admin)

    page = admin.get("/organisation/retention/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"Case {case.pk}" in html and "Case 999999" not in html
    assert "Closed cases" in html  # the retention periods that apply

    response = admin.post(
        "/organisation/retention/decide/",
        {"item": [mine.pk, theirs.pk], "decision": "approve"},
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == "approved" and mine.decided_by == cast.owner.admin
    assert theirs.status == "pending"
    assert AuditEvent.objects.filter(action="retention_review_approve").exists()


def test_a_legal_hold_needs_a_record_the_organisation_holds(cast):
    case = make_case(cast.owner.officer)
    other = make_case(cast.unrelated.officer)
    item = queued(cast.owner.organisation, case.pk)
    admin = client_for(cast.owner.admin)

    refused = admin.post(
        "/organisation/retention/holds/add/",
        {"scope": "case", "reference": other.reference, "reason": "Claim"},
    )
    assert refused.status_code == 200
    assert "Your organisation holds no record with this reference" in refused.content.decode()
    assert "govuk-error-summary" in refused.content.decode()
    empty = admin.post("/organisation/retention/holds/add/", {"scope": "case", "reference": ""})
    assert "Enter why the records must be kept" in empty.content.decode()

    placed = admin.post(
        "/organisation/retention/holds/add/",
        {"scope": "case", "reference": case.reference.lower(), "reason": "Disrepair claim"},
    )
    assert placed.status_code == 302
    hold = LegalHold.objects.get()
    item.refresh_from_db()
    assert item.status == "held"

    assert (
        client_for(cast.unrelated.admin)
        .post(f"/organisation/retention/holds/{hold.pk}/release/")
        .status_code
        == 404
    )
    assert admin.post(f"/organisation/retention/holds/{hold.pk}/release/").status_code == 302
    item.refresh_from_db()
    hold.refresh_from_db()
    assert hold.released_at is not None and item.status == "pending"


@pytest.mark.parametrize("who", ["officer", "supervisor", "analyst"])
def test_the_retention_pages_are_not_found_for_other_roles(cast, who):
    client = client_for(getattr(cast.owner, who))
    assert client.get("/organisation/retention/").status_code == 404
    assert client.get("/organisation/subject-access/").status_code == 404
    assert client.get("/organisation/who-viewed/").status_code == 404
