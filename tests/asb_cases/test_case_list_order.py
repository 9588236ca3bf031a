"""The case list's order comes from the permission rows' copy of each case's last change, kept
by the database: any change to a case moves it to the top for every organisation that sees it."""

import pytest

from access.viewer import viewer_for
from asb_cases import services
from asb_cases.models import CaseGroupObjectPermission
from asb_cases.selectors import case_list_for_viewer
from tests.factories import make_case, share_case

pytestmark = pytest.mark.django_db


def test_a_changed_case_rises_to_the_top_for_every_organisation_that_sees_it(cast):
    older = make_case(cast.owner.officer, title="Older")
    newer = make_case(cast.owner.officer, title="Newer")
    share_case(older, by=cast.owner.officer, with_organisation=cast.partner.organisation)
    share_case(newer, by=cast.owner.officer, with_organisation=cast.partner.organisation)
    for user in (cast.owner.officer, cast.partner.officer):
        assert [c.title for c in case_list_for_viewer(viewer=viewer_for(user))][:2] == [
            "Newer",
            "Older",
        ]
    services.case_add_note(
        actor=cast.owner.officer, case=older, body="x", visibility="all_agencies"
    )
    older.refresh_from_db()
    for user in (cast.owner.officer, cast.partner.officer):
        assert [c.title for c in case_list_for_viewer(viewer=viewer_for(user))][:2] == [
            "Older",
            "Newer",
        ]
    copies = set(
        CaseGroupObjectPermission.objects.filter(content_object=older).values_list(
            "case_updated_at", flat=True
        )
    )
    assert copies == {older.updated_at}


def test_new_permission_rows_take_the_cases_last_change(cast):
    case = make_case(cast.owner.officer)
    share_case(case, by=cast.owner.officer, with_organisation=cast.partner.organisation)
    case.refresh_from_db()
    row = CaseGroupObjectPermission.objects.get(
        content_object=case,
        group=cast.partner.organisation.group,
        permission__codename="view_case",
    )
    assert row.case_updated_at == case.updated_at
