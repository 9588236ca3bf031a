"""`access.redaction.person_views` and `signposts` (issue 16: the whom-to-contact of a batch read
in SQL, the top case of each person and agency picked by a window there, not by sorting every
case link in Python) give every viewer exactly what the implementation before it gave
(tests/access/redaction_before.py): the same level, the same records of details, the same flags,
and the same agencies with the same contacts, over the cast and people merged, with consent
withdrawn, on open and closed cases and on cases without a lead officer. And they cost a fixed
number of queries however many people there are."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access import redaction
from access.viewer import NOBODY, SYSTEM, Viewer, viewer_for
from asb_cases.models import Case, CaseStatus
from tests.access import redaction_before
from tests.factories import make_case, make_incident, make_person, share_case, user_in
from victims import services as victim_services
from victims.models import Person

pytestmark = pytest.mark.django_db


def summary(views) -> dict:
    """What a page can show of each view, in plain values."""
    shown = {}
    for pk, view in views.items():
        post = view.signpost
        shown[pk] = {
            "level": view.level,
            "own": view.own.pk if view.own is not None else None,
            "shared": [details.pk for details in view.shared],
            "details": view.details.pk if view.details is not None else None,
            "name": view.name,
            "recorded_by": view.recorded_by.pk if view.recorded_by is not None else None,
            "flags": (post.is_repeat, post.is_vulnerable, post.risk_band, post.consent_withdrawn),
            "known_to": post.known_to,
            "agencies": [
                (
                    agency.organisation.pk,
                    agency.organisation.name,
                    agency.contact_name,
                    agency.contact_email,
                    agency.contact_phone,
                )
                for agency in post.agencies
            ],
        }
    return shown


@pytest.fixture
def people(cast, ivy) -> list[Person]:
    """Ivy (the owner's, on its case, shared with the police), and around her: a person the
    police recorded, on a case of theirs shared with the owner and then closed; a person on
    two of the owner's cases with different lead officers, one closed, and on a case without a
    lead officer; a merged pair; a person who withdrew consent; a person only in an incident
    reported to the council; a person no one links to anything."""
    owner, partner, unrelated = cast.owner, cast.partner, cast.unrelated
    share_case(ivy.case, by=owner.officer, with_organisation=partner.organisation)
    second_officer = user_in(owner.organisation, username="second@owner")
    phoned = second_officer.membership
    phoned.phone = "0191 496 0000"
    phoned.save(update_fields=["phone"])

    theirs = make_person(partner.officer, given_name="Rowan", family_name="Fictional")
    police_case = make_case(
        partner.officer, incidents=[make_incident(partner.officer, victim=theirs)]
    )
    share_case(police_case, by=partner.officer, with_organisation=owner.organisation)
    Case.objects.filter(pk=police_case.pk).update(
        status=CaseStatus.CLOSED, closed_at=timezone.now()
    )

    busy = make_person(owner.officer, given_name="Morgan", family_name="Testperson")
    older = make_case(owner.officer, incidents=[make_incident(owner.officer, victim=busy)])
    newer = make_case(
        owner.officer,
        incidents=[make_incident(owner.officer, victim=busy)],
        lead_officer=second_officer,
    )
    closed = make_case(owner.officer, incidents=[make_incident(owner.officer, victim=busy)])
    unled = make_case(partner.officer, incidents=[make_incident(partner.officer, reporter=busy)])
    now = timezone.now()
    Case.objects.filter(pk=older.pk).update(updated_at=now - dt.timedelta(days=3))
    Case.objects.filter(pk=newer.pk).update(updated_at=now - dt.timedelta(days=2))
    Case.objects.filter(pk=closed.pk).update(
        status=CaseStatus.CLOSED, closed_at=now, updated_at=now - dt.timedelta(days=1)
    )
    Case.objects.filter(pk=unled.pk).update(lead_officer=None)

    survivor = make_person(owner.officer, given_name="Sam", family_name="Merged")
    duplicate = make_person(owner.officer, given_name="Sammy", family_name="Merged")
    make_case(partner.officer, incidents=[make_incident(partner.officer, victim=duplicate)])
    make_case(owner.officer, incidents=[make_incident(owner.officer, victim=survivor)])
    victim_services.person_merge(
        actor=owner.officer, survivor=survivor, duplicate=duplicate, reason="Same person"
    )

    withdrawn = make_person(owner.officer, given_name="Alex", family_name="Withdrawn")
    withdrawn_case = make_case(
        owner.officer, incidents=[make_incident(owner.officer, victim=withdrawn)]
    )
    share_case(withdrawn_case, by=owner.officer, with_organisation=partner.organisation)
    victim_services.person_consent_withdraw(
        actor=owner.officer, person=withdrawn, withdrawn_on=timezone.localdate()
    )

    reported = make_person(unrelated.officer, given_name="Jo", family_name="Council")
    make_incident(unrelated.officer, victim=reported)
    make_incident(partner.officer, reporter=reported)
    alone = make_person(unrelated.officer, given_name="Kit", family_name="Alone")

    found = [ivy.person, theirs, busy, survivor, duplicate, withdrawn, reported, alone]
    return [Person.objects.get(pk=person.pk) for person in found]


def viewers(cast) -> list[Viewer]:
    users = [
        cast.owner.officer,
        cast.owner.supervisor,
        cast.owner.analyst,
        cast.partner.officer,
        cast.contributor.officer,
        cast.unrelated.officer,
        cast.pcc.officer,
        cast.champion,
    ]
    found = [viewer_for(user) for user in users]
    api = Viewer(
        user=cast.partner.officer,
        organisation=cast.partner.organisation,
        role="case_officer",
        api_client_id=1,
    )
    return [*found, api, NOBODY, SYSTEM]


def test_person_views_give_every_viewer_what_they_gave_before(cast, ivy, people):
    share_case(
        ivy.case,
        by=cast.owner.officer,
        with_organisation=cast.contributor.organisation,
        level="contribute",
    )
    batches = [people, people[:1], people[3:5], people[4:5], list(reversed(people))]
    compared = 0
    for viewer in viewers(cast):
        for batch in batches:
            for with_factors in (False, True):
                before = redaction_before.person_views(viewer, batch, with_factors=with_factors)
                after = redaction.person_views(viewer, batch, with_factors=with_factors)
                assert summary(after) == summary(before), viewer
                compared += len(after)
    assert compared > 0
    # The comparison reaches every kind of answer.
    owner_views = summary(redaction.person_views(viewer_for(cast.owner.officer), people))
    levels = {shown["level"] for shown in owner_views.values()}
    assert levels == {redaction.OWN, redaction.SHARED, redaction.SIGNPOST}
    contacts = [agency for shown in owner_views.values() for agency in shown["agencies"]]
    assert any(agency[4] == "0191 496 0000" for agency in contacts)  # the newer open case's
    assert any(agency[2].endswith("ASB team") for agency in contacts)


def test_signposts_give_what_they_gave_before(people):
    groups = {}
    for person in people:
        pk = person.merged_into_id or person.pk
        groups.setdefault(pk, [pk])
    for person in Person.objects.filter(merged_into_id__in=list(groups)):
        groups[person.merged_into_id].append(person.pk)
    before = redaction_before.signposts(groups)
    after = redaction.signposts(groups)
    assert set(after) == set(before)
    for pk in groups:
        old, new = before[pk], after[pk]
        assert (new.is_repeat, new.is_vulnerable, new.risk_band, new.consent_withdrawn) == (
            old.is_repeat,
            old.is_vulnerable,
            old.risk_band,
            old.consent_withdrawn,
        )
        assert [
            (a.organisation.pk, a.contact_name, a.contact_email, a.contact_phone)
            for a in new.agencies
        ] == [
            (a.organisation.pk, a.contact_name, a.contact_email, a.contact_phone)
            for a in old.agencies
        ]


def _queries(viewer, batch) -> int:
    with CaptureQueriesContext(connection) as captured:
        views = redaction.person_views(viewer, batch)
        for view in views.values():
            view.signpost.agencies  # noqa: B018 (whom to contact, read as a page would)
            view.name  # noqa: B018
    return len(captured)


def test_person_views_cost_the_same_queries_for_one_person_or_many(cast, people):
    """Five at most, whatever the batch: the flags and merged records, the details the viewer
    may read, their organisations, whom to contact (one statement), and the contacts'
    organisations not read yet (none to read when the details brought them all)."""
    viewer = viewer_for(cast.owner.supervisor)
    _queries(viewer, people)  # the permission ids, read once a process (access.rules)
    assert _queries(viewer, people[:1]) <= 5
    assert _queries(viewer, people) == 5
    more = [make_person(cast.owner.officer, family_name=f"Extra{n}") for n in range(6)]
    for person in more:
        make_case(cast.owner.officer, incidents=[make_incident(cast.owner.officer, victim=person)])
    assert _queries(viewer, people + more) == 5
