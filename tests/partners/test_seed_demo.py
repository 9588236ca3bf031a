import pytest
from django.core.management import call_command
from django.test import Client

from partners.demo import DEMO_PASSWORD, ORGANISATIONS, demo_users
from partners.models import Membership, Organisation, User

pytestmark = pytest.mark.django_db

SLUGS = [
    "durham-constabulary",
    "durham-county-council",
    "darlington-borough-council",
    "livin",
    "believe-housing",
    "karbon-homes",
    "bernicia",
    "north-star-housing",
    "durham-opcc",
]


def test_seed_demo_creates_the_partnership_and_is_idempotent():
    call_command("seed_demo")
    call_command("seed_demo")
    assert sorted(Organisation.objects.values_list("slug", flat=True)) == sorted(SLUGS)
    assert [slug for slug, *_ in ORGANISATIONS] == SLUGS
    assert User.objects.count() == len(demo_users()) == 37
    assert Membership.objects.get(user__username="champion@durham-opcc").role == "asb_champion"
    assert Membership.objects.get(user__username="admin@livin").role == "partner_admin"


@pytest.mark.parametrize(
    "username",
    ["officer@durham-constabulary", "champion@durham-opcc", "analyst@bernicia", "admin@livin"],
)
def test_demo_users_sign_in_with_the_demo_password(username):
    call_command("seed_demo")
    response = Client().post("/sign-in/", {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302
