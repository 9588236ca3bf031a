"""The case page reads each section of one case with the viewer's grants on it read once
(`access.rules.case_q` with `on`, issue 16): for every member of the cast, with and without a
share, after a revocation, and for the system actor, each section holds exactly the rows the
whole rule gives for that case; documents on one record likewise."""

from __future__ import annotations

import pytest
from django.utils import timezone

from access import rules
from access.viewer import SYSTEM, viewer_for
from asb_cases import services
from asb_cases.models import (
    ActionType,
    Case,
    CaseLocation,
    CaseNote,
    CaseShare,
    CaseStatusChange,
    Incident,
)
from asb_cases.selectors import _timeline, case_record_for_viewer
from documents.models import Document
from tests.asb_cases.test_query_counts import fill_case
from tests.factories import make_case, make_incident, share_case

pytestmark = pytest.mark.django_db

SECTIONS = {
    "people": lambda viewer, on: rules.case_people(viewer, on=on),
    "actions": lambda viewer, on: rules.case_actions(viewer, on=on),
    "tasks": lambda viewer, on: rules.case_tasks(viewer, on=on),
    "contribute tasks": lambda viewer, on: rules.case_tasks(viewer, rules.CONTRIBUTE, on=on),
    "shares": lambda viewer, on: rules.case_shares(viewer, on=on),
    "notes": lambda viewer, on: rules.case_notes(viewer, on=on),
    "closure notices": lambda viewer, on: rules.case_closure_notices(viewer, on=on),
}
WHOLE_RULE = {
    "people": lambda viewer: rules.case_people(viewer),
    "actions": lambda viewer: rules.case_actions(viewer),
    "tasks": lambda viewer: rules.case_tasks(viewer),
    "contribute tasks": lambda viewer: rules.case_tasks(viewer, rules.CONTRIBUTE),
    "shares": lambda viewer: rules.case_shares(viewer),
    "notes": lambda viewer: rules.case_notes(viewer),
    "closure notices": lambda viewer: rules.case_closure_notices(viewer),
}


def _viewers(cast):
    people = [
        cast.owner.officer,
        cast.owner.analyst,
        cast.partner.officer,
        cast.partner.supervisor,
        cast.contributor.officer,
        cast.unrelated.officer,
        cast.champion,
    ]
    return [(user.username, viewer_for(user)) for user in people] + [("system", SYSTEM)]


def _assert_sections_match(cast, case, *, empty=("closure notices",)):
    found = set()
    for who, viewer in _viewers(cast):
        on = rules.CaseAccess.of(viewer, case)
        for name, section in SECTIONS.items():
            narrowed = set(section(viewer, on).values_list("pk", flat=True))
            whole = set(WHOLE_RULE[name](viewer).filter(case=case).values_list("pk", flat=True))
            assert narrowed == whole, (who, name)
            found |= {name} if narrowed else set()
        incidents = set(rules.case_incidents(viewer, on=on).values_list("pk", flat=True))
        linked = rules.incidents(viewer).filter(case_links__case=case)
        assert incidents == set(linked.values_list("pk", flat=True)), (who, "incidents")
        found |= {"incidents"} if incidents else set()
    # Every section but those with nothing recorded has rows someone sees.
    assert found == {*SECTIONS, "incidents"} - set(empty)


@pytest.fixture
def busy_case(cast):
    """A case with rows in every section but closure notices, and notes kept to the owner as
    well as notes for all agencies."""
    case = make_case(cast.owner.officer)
    fill_case(cast, case, 2)
    services.case_add_note(
        actor=cast.owner.officer, case=case, body="ours alone", visibility="my_organisation"
    )
    return case


def test_sections_match_the_whole_rule_before_sharing(cast, busy_case):
    _assert_sections_match(cast, busy_case, empty=("closure notices", "shares"))
    assert not rules.CaseAccess.of(viewer_for(cast.partner.officer), busy_case).can_view


def test_sections_match_the_whole_rule_when_shared(cast, busy_case):
    share_case(busy_case, by=cast.owner.officer, with_organisation=cast.partner.organisation)
    share_case(
        busy_case,
        by=cast.owner.officer,
        with_organisation=cast.contributor.organisation,
        level="contribute",
    )
    services.case_add_action(
        actor=cast.contributor.officer,
        case=busy_case,
        action_type=ActionType.objects.get(code="warning-letter"),
        started_at=busy_case.created_at,
    )
    _assert_sections_match(cast, busy_case)
    assert rules.CaseAccess.of(viewer_for(cast.partner.officer), busy_case).can_view


def test_sections_match_the_whole_rule_after_a_revocation(cast, busy_case):
    share = share_case(
        busy_case, by=cast.owner.officer, with_organisation=cast.partner.organisation
    )
    services.case_share_revoke(actor=cast.owner.officer, share=share, reason="Work finished")
    _assert_sections_match(cast, busy_case)
    assert not rules.CaseAccess.of(viewer_for(cast.partner.officer), busy_case).can_view


def _document(record, *, by, visibility: str) -> Document:
    field = "case" if isinstance(record, Case) else "incident"
    return Document.objects.create(
        **{field: record},
        title="Photo of the door",
        file_name="door.png",
        file="documents/door.png",
        content_type="image/png",
        size=1,
        sha256="0" * 64,
        visibility=visibility,
        organisation=by.membership.organisation,
        uploaded_by=by,
        scan_status=Document.ScanStatus.NOT_SCANNED,
        created_at=timezone.now(),
    )


def test_documents_on_one_record_match_the_whole_rule(cast, busy_case):
    share_case(busy_case, by=cast.owner.officer, with_organisation=cast.partner.organisation)
    incidents = list(Incident.objects.filter(case_links__case=busy_case))
    unlinked = make_incident(cast.unrelated.officer)
    for record in [busy_case, *incidents, unlinked]:
        for by in (cast.owner.officer, cast.partner.officer, cast.unrelated.officer):
            for visibility in ("all_agencies", "my_organisation"):
                _document(record, by=by, visibility=visibility)
    seen = seen_on_case = 0
    for who, viewer in _viewers(cast):
        for record in [busy_case, *incidents, unlinked]:
            field = "case" if isinstance(record, Case) else "incident"
            narrowed = set(rules.documents(viewer, record).values_list("pk", flat=True))
            whole = rules.documents(viewer).filter(**{field: record})
            assert narrowed == set(whole.values_list("pk", flat=True)), (who, field)
            seen += len(narrowed)
        # The case page's list, decided from the grants it read once.
        on = rules.CaseAccess.of(viewer, busy_case)
        on_case = set(rules.documents(viewer, busy_case, on=on).values_list("pk", flat=True))
        whole = rules.documents(viewer).filter(case=busy_case).values_list("pk", flat=True)
        assert on_case == set(whole), (who, "case documents from the grants")
        seen_on_case += len(on_case)
    assert seen  # some viewers see some documents, so the comparison is not of empty sets
    assert seen_on_case


def test_the_case_record_keeps_each_sections_default_order_ties_included(cast, busy_case):
    """The case record reads its sections unordered and sorts them itself (issue 16): the
    same order as each model's default ordering, rows recorded at the same moment by key, and
    so the same timeline."""
    share_case(busy_case, by=cast.owner.officer, with_organisation=cast.partner.organisation)
    share_case(busy_case, by=cast.owner.officer, with_organisation=cast.contributor.organisation)
    services.case_add_note(
        actor=cast.owner.officer, case=busy_case, body="one more", visibility="all_agencies"
    )
    for address in ("1 Elm Court", "2 Elm Court"):
        services.case_add_location(
            actor=cast.owner.officer,
            case=busy_case,
            location=services.LocationInput(address=address, postcode="DL1 4QT"),
        )
    moment = timezone.now()
    # Everything at one moment: only the keys order them.
    for model, column in (
        (CaseNote, "created_at"),
        (CaseShare, "shared_at"),
        (CaseStatusChange, "changed_at"),
        (CaseLocation, "added_at"),
    ):
        model.objects.filter(case=busy_case).update(**{column: moment})
    busy_case.actions.update(started_at=moment, created_at=moment)
    viewer = viewer_for(cast.owner.officer)
    access = rules.CaseAccess.of(viewer, busy_case)
    record = case_record_for_viewer(viewer=viewer, case=busy_case)

    def keys(rows):
        return [row.pk for row in rows]

    actions = list(rules.case_actions(viewer, on=access))
    shares = list(rules.case_shares(viewer, on=access))
    transfers = list(rules.transfers(viewer).filter(case=busy_case))
    locations = list(CaseLocation.objects.filter(case=busy_case))
    closure_notices = list(rules.case_closure_notices(viewer, on=access))
    assert len(actions) >= 2 and len(shares) == 2 and len(locations) == 2
    assert keys(record.actions) == keys(actions)
    assert keys(record.shares) == keys(shares)
    assert keys(record.transfers) == keys(transfers)
    assert keys(record.locations) == keys(locations)
    assert keys(record.closure_notices) == keys(closure_notices)
    expected = _timeline(
        list(
            rules.case_incidents(viewer, on=access)
            .select_related("reported_to")
            .order_by("-reported_at")
        ),
        list(CaseStatusChange.objects.filter(case=busy_case)),
        actions,
        list(rules.case_notes(viewer, on=access)),
        shares,
        transfers,
        list(rules.case_tasks(viewer, on=access)),
        closure_notices,
    )
    assert [(e["kind"], e["item"].pk) for e in record.timeline] == [
        (e["kind"], e["item"].pk) for e in expected
    ]
    assert len({e["at"] for e in record.timeline if e["kind"] == "note"}) == 1
