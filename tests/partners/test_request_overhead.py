"""What every signed-in page pays before and after its view (issue 16): the session is saved
only when it changed or its stored expiry is a minute old, the role's permissions are read in
one statement (still on every request, so a role change applies at the next one), the Case
Review prompts are read with their reports, and the case list's cached search form reads no
choice lists. Nothing here is a timing: statements are counted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.formats import date_format

from asb_cases import views as case_views
from asb_cases.models import IncidentType
from community_trigger.models import CaseReviewExplanation
from partners import services
from partners.backends import MemberBackend
from partners.models import LocalAuthority, Membership, User, UserSession
from partners.sessions import IDLE_REFRESH
from tests.conftest import client_for
from tests.factories import make_case, make_incident, make_person

pytestmark = pytest.mark.django_db

Role = Membership.Role


def _statements(client, path: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return [query["sql"] for query in captured.captured_queries]


def _session_writes(statements: list[str]) -> list[str]:
    return [sql for sql in statements if sql.startswith('UPDATE "partners_usersession"')]


# The session ----------------------------------------------------------------------------------


def test_a_session_that_did_not_change_is_not_saved_again_within_a_minute(cast):
    client = client_for(cast.owner.officer)
    client.get("/")
    before = UserSession.objects.get(user=cast.owner.officer).expire_date
    for path in ("/", "/cases/", "/"):
        assert _session_writes(_statements(client, path)) == []
    assert UserSession.objects.get(user=cast.owner.officer).expire_date == before


def test_a_session_saved_a_minute_ago_is_saved_again_so_the_idle_timeout_runs_from_now(cast):
    client = client_for(cast.owner.officer)
    client.get("/")
    stale = timezone.now() + timedelta(minutes=30) - IDLE_REFRESH - timedelta(seconds=1)
    UserSession.objects.filter(user=cast.owner.officer).update(expire_date=stale)
    assert len(_session_writes(_statements(client, "/"))) == 1
    expire_date = UserSession.objects.get(user=cast.owner.officer).expire_date
    assert timezone.now() + timedelta(minutes=29) < expire_date
    assert expire_date <= timezone.now() + timedelta(minutes=30)
    # ...and not again on the next request.
    assert _session_writes(_statements(client, "/")) == []


def test_an_idle_session_still_ends_after_thirty_minutes(cast):
    client = client_for(cast.owner.officer)
    client.get("/")
    UserSession.objects.filter(user=cast.owner.officer).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith("/sign-in/")


def test_signing_out_still_ends_the_session_row_at_once(cast):
    client = client_for(cast.owner.officer)
    client.get("/")
    client.post("/sign-out/")
    assert not UserSession.objects.filter(user=cast.owner.officer).exists()
    assert client.get("/").status_code == 302


# Permissions ----------------------------------------------------------------------------------


def _fresh(user: User) -> User:
    return User.objects.select_related("membership__organisation").get(pk=user.pk)


def test_permissions_are_modelbackends_in_one_statement(cast):
    direct = Permission.objects.get(content_type__app_label="reporting", codename="view_dashboards")
    cast.owner.analyst.user_permissions.add(direct)
    extra = Group.objects.create(name="test-extra")
    extra.permissions.add(
        Permission.objects.get(content_type__app_label="asb_cases", codename="decide_transfer")
    )
    cast.partner.officer.groups.add(extra)
    inactive = cast.unrelated.officer
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    superuser = cast.contributor.admin
    User.objects.filter(pk=superuser.pk).update(is_superuser=True)
    people = [
        cast.owner.officer,
        cast.owner.analyst,
        cast.partner.officer,
        cast.partner.supervisor,
        cast.pcc.admin,
        cast.champion,
        inactive,
        superuser,
    ]
    for person in people:
        theirs = ModelBackend().get_all_permissions(_fresh(person))
        user = _fresh(person)
        with CaptureQueriesContext(connection) as captured:
            ours = MemberBackend().get_all_permissions(user)
            again = MemberBackend().get_all_permissions(user)
        assert ours == theirs == again, person
        if user.is_active and not user.is_superuser:
            assert len(captured.captured_queries) == 1, person
            assert theirs, person


def test_a_signed_in_page_reads_the_permissions_once(cast):
    client = client_for(cast.owner.officer)
    statements = _statements(client, "/cases/")
    role_permissions = [sql for sql in statements if 'AS "content_type__app_label"' in sql]
    assert len(role_permissions) == 1


def test_a_role_change_applies_at_the_very_next_request(cast):
    client = client_for(cast.owner.officer)
    assert client.get("/cases/").status_code == 200
    membership = Membership.objects.get(user=cast.owner.officer)
    services.member_change_role(
        actor=_fresh(cast.owner.admin), membership=membership, role=Role.ANALYST
    )
    assert client.get("/cases/").status_code == 403
    services.member_change_role(
        actor=_fresh(cast.owner.admin), membership=membership, role=Role.CASE_OFFICER
    )
    assert client.get("/cases/").status_code == 200


def test_leaving_a_group_applies_at_the_very_next_request(cast):
    client = client_for(cast.owner.officer)
    assert client.get("/cases/").status_code == 200
    cast.owner.officer.groups.clear()
    assert client.get("/cases/").status_code == 403


def test_a_deactivated_member_is_signed_out_at_the_very_next_request(cast):
    client = client_for(cast.owner.officer)
    assert client.get("/cases/").status_code == 200
    services.member_deactivate(
        actor=_fresh(cast.owner.admin), membership=Membership.objects.get(user=cast.owner.officer)
    )
    response = client.get("/cases/")
    assert response.status_code == 302
    assert response.url.startswith("/sign-in/")


# The Case Review prompts ----------------------------------------------------------------------


def _prompt(officer: User, n: int) -> CaseReviewExplanation:
    return CaseReviewExplanation.objects.create(
        person=make_person(officer),
        incident=make_incident(officer, days_ago=n + 1),
        earlier_incident=make_incident(officer, days_ago=n + 30),
        organisation=officer.membership.organisation,
        prompted_at=timezone.now() - timedelta(days=n),
        due_on=timezone.localdate() + timedelta(days=n + 1),
    )


def test_the_prompts_are_read_with_their_reports_in_one_statement(cast):
    for n in range(3):
        _prompt(cast.owner.officer, n)
    client = client_for(cast.owner.officer)
    statements = _statements(client, "/cases/")
    page = client.get("/cases/").content.decode()
    assert page.count("Record it for the report of") == 3
    # Each with its report's date and its own deadline, read with the prompts.
    for explanation in CaseReviewExplanation.objects.select_related("incident"):
        reported = date_format(timezone.localtime(explanation.incident.reported_at), "j F Y")
        due = date_format(explanation.due_on, "j F Y")
        assert f"Record it for the report of {reported}</a> (by {due})" in page
    prompts = [sql for sql in statements if "community_trigger_casereviewexplanation" in sql]
    assert len(prompts) == 1
    # No prompt or report read again for a column left out.
    assert not [
        sql for sql in statements if sql.partition(" FROM ")[2].startswith('"asb_cases_incident"')
    ]


# The case list's search form ------------------------------------------------------------------


def test_the_cached_search_form_reads_no_choice_lists(cast):
    make_case(cast.owner.officer)
    client = client_for(cast.owner.officer)
    case_views._SEARCH_FORMS.clear()
    first = _statements(client, "/cases/")
    second = _statements(client, "/cases/")
    choice_tables = ('FROM "asb_cases_incidenttype"', 'FROM "partners_localauthority"')
    assert [
        sql for sql in first if sql.startswith("SELECT") and any(t in sql for t in choice_tables)
    ]
    assert not [
        sql for sql in second if sql.startswith('SELECT "') and any(t in sql for t in choice_tables)
    ]
    assert len(second) == len(first) - 3
    # A filled-in form (a search) renders from the lists held: the same statements as the
    # unfilled visit and the search's own, whichever came first.
    case_views._SEARCH_FORMS.clear()
    searched_first = _statements(client, "/cases/?q=elm")
    searched_again = _statements(client, "/cases/?q=elm")
    assert len(searched_again) == len(searched_first) - 3
    assert not [
        sql
        for sql in searched_again
        if sql.startswith('SELECT "') and any(t in sql for t in choice_tables)
    ]


@pytest.mark.parametrize("change", ["incident type renamed", "area added", "organisation renamed"])
def test_any_change_to_a_choice_shows_at_once(cast, change):
    client = client_for(cast.owner.officer)
    client.get("/cases/")
    if change == "incident type renamed":
        kind = IncidentType.objects.order_by("pk").first()
        kind.name = "Renamed problem"
        kind.save()
        shown = "Renamed problem"
    elif change == "area added":
        LocalAuthority.objects.create(code="E06000999", name="Newly added area")
        shown = "Newly added area"
    else:
        organisation = cast.unrelated.organisation
        organisation.name = "Renamed Borough Council"
        organisation.save()
        shown = "Renamed Borough Council"
    assert shown in client.get("/cases/").content.decode()


# The audit event of a page ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_view_audited_outside_a_transaction_is_one_statement_and_chained():
    from django.core.management import call_command

    from partners.audit import SystemActor, audit_viewed
    from partners.models import AuditEvent

    assert not connection.in_atomic_block
    events = []
    for n in range(3):
        with CaptureQueriesContext(connection) as captured:
            events.append(audit_viewed(actor=SystemActor("tests"), action="test", detail={"n": n}))
        assert len(captured.captured_queries) == 1
        assert captured.captured_queries[0]["sql"].startswith('INSERT INTO "partners_auditevent"')
    stored = list(AuditEvent.objects.filter(pk__in=[e.pk for e in events]).order_by("pk"))
    assert all(event.row_hash and event.prev_hash for event in stored)
    call_command("audit_verify")  # the chain is intact
