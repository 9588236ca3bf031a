"""A partner admin manages their own organisation's users, and nobody else's."""

import pytest
from django.core import mail
from django.test import Client

from partners.models import AuditEvent, Membership, OutboxTask, User, UserSession
from partners.services import invitation_send
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

Verb = AuditEvent.Verb
Role = Membership.Role


def member_url(user, suffix=""):
    return f"/organisation/users/{user.membership.pk}/{suffix}"


def test_admin_lists_only_their_own_organisations_users(cast):
    response = client_for(cast.owner.admin).get("/organisation/users/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "officer@test-housing" in content
    assert "officer@test-police" not in content
    assert "officer@test-borough" not in content


def test_admin_can_filter_users_by_role(cast):
    response = client_for(cast.owner.admin).get("/organisation/users/?role=analyst")
    content = response.content.decode()
    assert "analyst@test-housing" in content
    assert "officer@test-housing" not in content


def test_admin_sees_organisation_details(cast):
    response = client_for(cast.owner.admin).get("/organisation/")
    assert response.status_code == 200
    assert b"Test Housing" in response.content
    assert b"County Durham" in response.content


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("get", ""),
        ("post", ""),
        ("get", "deactivate/"),
        ("post", "deactivate/"),
        ("post", "reactivate/"),
        ("post", "unlock/"),
        ("post", "resend-invitation/"),
    ],
)
def test_another_organisations_user_is_404_for_every_admin_action(cast, method, suffix):
    client = client_for(cast.owner.admin)
    target = cast.unrelated.officer
    response = getattr(client, method)(member_url(target, suffix), {"role": Role.ANALYST})
    assert response.status_code == 404
    target.refresh_from_db()
    assert target.is_active
    assert target.membership.role == Role.CASE_OFFICER


def test_a_made_up_member_id_is_404(cast):
    client = client_for(cast.owner.admin)
    response = client.get("/organisation/users/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["officer", "supervisor", "analyst"])
def test_members_who_are_not_admins_are_refused_and_the_denial_is_audited(cast, role):
    user = getattr(cast.owner, role)
    client = client_for(user)
    assert client.get("/organisation/users/").status_code == 403
    assert client.get(member_url(cast.owner.officer)).status_code == 403
    denied_paths = [
        event.detail["path"]
        for event in AuditEvent.objects.filter(verb=Verb.PERMISSION_DENIED, actor=user)
    ]
    assert sorted(denied_paths) == sorted(["/organisation/users/", member_url(cast.owner.officer)])


def test_anonymous_visitors_are_sent_to_sign_in(client, cast):
    response = client.get("/organisation/users/")
    assert response.status_code == 302
    assert response.url.startswith("/sign-in/")


def test_admin_adds_a_user_who_receives_an_invitation_and_can_then_sign_in(cast):
    client = client_for(cast.owner.admin)
    response = client.post(
        "/organisation/users/add/",
        {
            "first_name": "Robin",
            "last_name": "Fairweather",
            "email": "Robin.Fairweather@example.org",
            "job_title": "Tenancy enforcement officer",
            "role": Role.CASE_OFFICER,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="robin.fairweather@example.org")
    assert user.membership.organisation == cast.owner.organisation
    assert set(user.groups.values_list("name", flat=True)) == {
        "org:test-housing",
        "role:case_officer",
    }
    assert not user.has_usable_password()
    assert AuditEvent.objects.filter(action="member_create", target_id=str(user.pk)).exists()

    # The invitation is background work recorded in the same transaction.
    task = OutboxTask.objects.get(task_name="partners.invitation_send")
    assert task.kwargs == {"user_id": user.pk}
    assert invitation_send(user_id=user.pk) is True
    assert invitation_send(user_id=user.pk) is False  # a redelivered task sends nothing more
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/invitation/" in line)
    path = link.split("://", 1)[1].split("/", 1)[1]

    new_client = Client()
    form_page = new_client.get(f"/{path}", follow=True)
    assert b"Choose a password" in form_page.content
    done = new_client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-long-new-password-1", "new_password2": "a-long-new-password-1"},
    )
    assert done.status_code == 302
    signed_in = new_client.post(
        "/sign-in/",
        {"username": "robin.fairweather@example.org", "password": "a-long-new-password-1"},
    )
    assert signed_in.status_code == 302


def test_invalid_add_user_form_shows_every_problem_and_keeps_what_was_typed(cast):
    client = client_for(cast.owner.admin)
    response = client.post(
        "/organisation/users/add/",
        {"first_name": "Robin", "last_name": "", "email": "not-an-address", "role": ""},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "<title>Error: Add a user" in content
    assert 'href="#id_last_name">Enter a last name' in content
    assert "Enter an e-mail address in the correct format" in content
    assert 'href="#id_role_0">Select a role' in content
    assert 'value="Robin"' in content
    assert 'value="not-an-address"' in content
    assert not User.objects.filter(first_name="Robin").exists()


def test_an_address_already_in_use_in_any_organisation_is_refused(cast):
    details = {"first_name": "Dup", "last_name": "Licate", "email": "taken@example.org"}
    first = client_for(cast.unrelated.admin).post(
        "/organisation/users/add/", details | {"role": Role.ANALYST}
    )
    assert first.status_code == 302
    second = client_for(cast.owner.admin).post(
        "/organisation/users/add/", details | {"email": "TAKEN@example.org", "role": "analyst"}
    )
    assert second.status_code == 200
    assert b"already has an account" in second.content


def test_only_the_pcc_office_can_have_an_asb_champion(cast):
    housing = client_for(cast.owner.admin)
    page = housing.get("/organisation/users/add/").content.decode()
    assert "ASB Champion" not in page
    response = housing.post(
        "/organisation/users/add/",
        {"first_name": "A", "last_name": "B", "email": "ab@example.org", "role": "asb_champion"},
    )
    assert b"Select a valid choice" in response.content
    pcc_page = client_for(cast.pcc.admin).get("/organisation/users/add/").content.decode()
    assert "ASB Champion" in pcc_page


def test_admin_changes_a_role_and_the_groups_follow(cast):
    client = client_for(cast.owner.admin)
    officer = cast.owner.officer
    response = client.post(member_url(officer), {"role": Role.SUPERVISOR})
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.membership.role == Role.SUPERVISOR
    assert "role:supervisor" in officer.groups.values_list("name", flat=True)
    assert "role:case_officer" not in officer.groups.values_list("name", flat=True)
    event = AuditEvent.objects.get(action="member_change_role")
    assert event.detail == {"role": {"before": "case_officer", "after": "supervisor"}}


def test_admin_cannot_remove_their_own_admin_role(cast):
    client = client_for(cast.owner.admin)
    response = client.post(member_url(cast.owner.admin), {"role": Role.ANALYST})
    assert response.status_code == 200
    assert b"cannot remove your own partner admin role" in response.content
    cast.owner.admin.refresh_from_db()
    assert cast.owner.admin.membership.role == Role.PARTNER_ADMIN


def test_deactivating_a_user_ends_their_sessions_at_once(cast):
    officer_client = client_for(cast.owner.officer)
    assert officer_client.get("/").status_code == 200
    assert UserSession.objects.filter(user=cast.owner.officer).exists()

    admin = client_for(cast.owner.admin)
    response = admin.post(member_url(cast.owner.officer, "deactivate/"), {"reason": "Left"})
    assert response.status_code == 302

    assert not UserSession.objects.filter(user=cast.owner.officer).exists()
    assert officer_client.get("/").status_code == 302  # signed out at the next request
    again = Client().post("/sign-in/", {"username": "officer@test-housing", "password": "x"})
    assert again.status_code == 200
    event = AuditEvent.objects.get(action="member_deactivate")
    assert event.detail["sessions_ended"] == 1
    assert event.detail["reason"] == "Left"


def test_admin_cannot_deactivate_themselves(cast):
    client = client_for(cast.owner.admin)
    response = client.post(member_url(cast.owner.admin, "deactivate/"), {})
    assert response.status_code == 200
    assert b"cannot deactivate your own account" in response.content
    cast.owner.admin.refresh_from_db()
    assert cast.owner.admin.is_active


def test_admin_reactivates_a_user(cast):
    client = client_for(cast.owner.admin)
    client.post(member_url(cast.owner.officer, "deactivate/"), {})
    response = client.post(member_url(cast.owner.officer, "reactivate/"))
    assert response.status_code == 302
    cast.owner.officer.refresh_from_db()
    assert cast.owner.officer.is_active


def test_admin_sees_a_lockout_and_can_unlock_it(cast):
    for _ in range(5):
        Client().post(
            "/sign-in/",
            {"username": "officer@test-housing", "password": "wrong"},
            REMOTE_ADDR="10.0.0.7",
        )
    admin = client_for(cast.owner.admin)
    assert b"Locked out" in admin.get(member_url(cast.owner.officer)).content
    assert admin.post(member_url(cast.owner.officer, "unlock/")).status_code == 302
    assert b"Locked out" not in admin.get(member_url(cast.owner.officer)).content
    assert AuditEvent.objects.filter(action="member_unlock").exists()
