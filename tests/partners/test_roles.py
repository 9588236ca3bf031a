import pytest
from django.contrib.auth.models import Group

from partners.models import Membership
from partners.roles import declared_role_permissions, role_group_name, role_groups_sync

pytestmark = pytest.mark.django_db


def test_every_role_is_a_group_holding_exactly_its_declared_permissions():
    declared = declared_role_permissions()
    for role in Membership.Role.values:
        group = Group.objects.get(name=role_group_name(role))
        held = {
            f"{app}.{codename}"
            for app, codename in group.permissions.values_list(
                "content_type__app_label", "codename"
            )
        }
        assert held == declared.get(role, set())


def test_only_partner_admins_manage_users(cast):
    assert cast.owner.admin.has_perm("partners.manage_organisation_users")
    for user in (cast.owner.officer, cast.owner.supervisor, cast.owner.analyst, cast.champion):
        assert not user.has_perm("partners.manage_organisation_users")


def test_syncing_roles_again_changes_nothing():
    before = {
        g.name: set(g.permissions.all()) for g in Group.objects.filter(name__startswith="role:")
    }
    role_groups_sync()
    after = {
        g.name: set(g.permissions.all()) for g in Group.objects.filter(name__startswith="role:")
    }
    assert before == after
