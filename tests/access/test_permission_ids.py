"""The case permission ids are constants in the rules' statements (access.rules
.case_permission_id): read once per process and database, read again after every migrate and
flush (`post_migrate`), and never a stale id after the permissions were created again."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models.signals import post_migrate
from django.test.utils import CaptureQueriesContext

from access import rules
from access.viewer import viewer_for
from asb_cases.selectors import case_list_for_viewer
from tests.factories import make_case

pytestmark = pytest.mark.django_db


def _case_permission_ids() -> dict[str, int]:
    return dict(
        Permission.objects.filter(
            content_type__app_label="asb_cases", content_type__model="case"
        ).values_list("codename", "id")
    )


def _send_post_migrate() -> None:
    config = apps.get_app_config("asb_cases")
    post_migrate.send(
        sender=config,
        app_config=config,
        verbosity=0,
        interactive=False,
        using="default",
        apps=apps,
        plan=[],
    )


def test_the_case_list_names_its_permission_by_id(cast):
    case = make_case(cast.owner.officer)
    viewer = viewer_for(cast.owner.officer)
    rules.case_permission_id(rules.VIEW)  # read once, before the statement counted
    with CaptureQueriesContext(connection) as captured:
        assert [found.pk for found in case_list_for_viewer(viewer=viewer)] == [case.pk]
    [statement] = captured.captured_queries
    assert "auth_permission" not in statement["sql"]
    assert f'"permission_id" = {_case_permission_ids()["view_case"]}' in statement["sql"]


def test_stale_ids_are_read_again_after_a_migrate_or_a_flush(cast, monkeypatch):
    """What `migrate` and `flush` send: the ids in hand are replaced by the database's, at
    once (a test's query count after a flush pays for no read)."""
    real = _case_permission_ids()
    stale = {codename: pk + 1000 for codename, pk in real.items()}
    monkeypatch.setitem(rules._CASE_PERMISSION_IDS, "default", stale)
    assert rules.case_permission_id(rules.VIEW).value == stale["view_case"]
    _send_post_migrate()
    with CaptureQueriesContext(connection) as captured:
        for codename, pk in real.items():
            assert rules.case_permission_id(codename).value == pk
    assert captured.captured_queries == []


def test_the_ids_are_read_when_none_are_held(monkeypatch):
    monkeypatch.setattr(rules, "_CASE_PERMISSION_IDS", {})
    with CaptureQueriesContext(connection) as captured:
        first = rules.case_permission_id(rules.PEOPLE)
        again = rules.case_permission_id(rules.CHANGE)
    assert len(captured.captured_queries) == 1
    assert first.value == _case_permission_ids()["view_case_people"]
    assert again.value == _case_permission_ids()["change_case"]


def test_a_permission_not_in_the_database_is_asked_of_the_statement(monkeypatch):
    """A codename with no permission row (a migration not yet run) is the subquery, which
    finds nothing, and nothing is remembered for it."""
    monkeypatch.setattr(rules, "_CASE_PERMISSION_IDS", {})
    missing = rules.case_permission_id("audit_case")
    assert not hasattr(missing, "value")
    assert "audit_case" not in rules._CASE_PERMISSION_IDS.get("default", {})
