"""`rules.person_details(viewer, person_ids=...)` (the form access.redaction and My work use,
issue 13's performance work) reads exactly the rows of the full rule for those people: the
narrowing only spares PostgreSQL checking everyone else's cases."""

import pytest

from access import rules
from access.viewer import viewer_for
from tests.factories import make_person, share_case
from victims.models import PersonDetails

pytestmark = pytest.mark.django_db


def rows(viewer, ids, narrowed: bool) -> set[int]:
    if narrowed:
        details = rules.person_details(viewer, person_ids=ids)
    else:
        details = rules.person_details(viewer).filter(person_id__in=ids)
    return set(details.values_list("pk", flat=True))


def test_the_narrowed_rule_reads_the_same_details_as_the_full_one(cast, ivy):
    other = make_person(cast.owner.officer, given_name="Rowan", family_name="Testcase")
    theirs = make_person(cast.partner.officer, given_name="Ivy", family_name="Lonsdale")
    share_case(
        ivy.case,
        by=cast.owner.officer,
        with_organisation=cast.contributor.organisation,
        level="contribute",
    )
    viewers = [
        viewer_for(user)
        for user in (
            cast.owner.officer,
            cast.contributor.officer,
            cast.partner.officer,
            cast.owner.supervisor,
        )
    ]
    batches = [[ivy.person.pk], [ivy.person.pk, other.pk, theirs.pk], [other.pk], []]

    def compare() -> int:
        seen = 0
        for viewer in viewers:
            for ids in batches:
                full = rows(viewer, ids, narrowed=False)
                assert rows(viewer, ids, narrowed=True) == full
                seen += len(full)
        return seen

    # The share shows the council the owner's record of Ivy: some rows are read through it.
    assert compare() > 0
    assert PersonDetails.objects.filter(
        pk__in=rows(viewer_for(cast.contributor.officer), [ivy.person.pk], narrowed=True),
        organisation=cast.owner.organisation,
    ).exists()
    # Her consent limited to the lead agency: the share no longer shows it, both ways alike.
    PersonDetails.objects.filter(person=ivy.person).update(consent_scope="lead_only")
    compare()
    assert not PersonDetails.objects.filter(
        pk__in=rows(viewer_for(cast.contributor.officer), [ivy.person.pk], narrowed=True),
        organisation=cast.owner.organisation,
    ).exists()
