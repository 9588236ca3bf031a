"""The demo partnership: County Durham and Darlington's partners and fictitious staff.

Idempotent: organisations and users that already exist are left as they are.
"""

from __future__ import annotations

import hashlib

from django.contrib.auth.hashers import make_password

from partners import services
from partners.audit import SystemActor
from partners.models import LocalAuthority, Membership, Organisation, User

DEMO_PASSWORD = "demo-password-2026"
ACTOR = SystemActor("seed-demo")

DURHAM = "E06000047"
DARLINGTON = "E06000005"

Kind = Organisation.Kind
Basis = Organisation.LawfulBasis

ORGANISATIONS = [
    (
        "durham-constabulary",
        "Durham Constabulary",
        Kind.POLICE,
        Basis.LAW_ENFORCEMENT,
        [DURHAM, DARLINGTON],
    ),
    (
        "durham-county-council",
        "Durham County Council",
        Kind.LOCAL_AUTHORITY,
        Basis.PUBLIC_TASK,
        [DURHAM],
    ),
    (
        "darlington-borough-council",
        "Darlington Borough Council",
        Kind.LOCAL_AUTHORITY,
        Basis.PUBLIC_TASK,
        [DARLINGTON],
    ),
    ("livin", "Livin", Kind.HOUSING_PROVIDER, Basis.PUBLIC_TASK, [DURHAM]),
    ("believe-housing", "Believe Housing", Kind.HOUSING_PROVIDER, Basis.PUBLIC_TASK, [DURHAM]),
    (
        "karbon-homes",
        "Karbon Homes",
        Kind.HOUSING_PROVIDER,
        Basis.PUBLIC_TASK,
        [DURHAM, DARLINGTON],
    ),
    ("bernicia", "Bernicia", Kind.HOUSING_PROVIDER, Basis.PUBLIC_TASK, [DURHAM]),
    (
        "north-star-housing",
        "North Star Housing",
        Kind.HOUSING_PROVIDER,
        Basis.PUBLIC_TASK,
        [DURHAM, DARLINGTON],
    ),
    (
        "durham-opcc",
        "Office of the Durham Police and Crime Commissioner",
        Kind.PCC_OFFICE,
        Basis.PUBLIC_TASK,
        [DURHAM, DARLINGTON],
    ),
]

# Username prefix -> role. Every organisation gets one of each; the PCC's office also has the
# ASB Champion.
ROLES = {
    "officer": Membership.Role.CASE_OFFICER,
    "supervisor": Membership.Role.SUPERVISOR,
    "admin": Membership.Role.PARTNER_ADMIN,
    "analyst": Membership.Role.ANALYST,
}
CHAMPION = ("champion", "durham-opcc", Membership.Role.ASB_CHAMPION)
PARTNERSHIP_ADMIN = "admin@durham-opcc"

# Fictitious names, combined deterministically per username.
FIRST_NAMES = [
    "Aisha",
    "Ben",
    "Carys",
    "Declan",
    "Elif",
    "Fraser",
    "Gemma",
    "Hamid",
    "Imogen",
    "Jonah",
    "Keeley",
    "Lewis",
    "Maya",
    "Niall",
    "Orla",
    "Priya",
    "Quentin",
    "Rhiannon",
    "Sanjay",
    "Tegan",
    "Usman",
    "Verity",
    "Wesley",
    "Yasmin",
    "Zac",
]
LAST_NAMES = [
    "Ashworth",
    "Brannigan",
    "Coulthard",
    "Dinsdale",
    "Elsdon",
    "Featherstone",
    "Gowland",
    "Hetherington",
    "Iveson",
    "Jopling",
    "Kirtley",
    "Lumsden",
    "Milburn",
    "Nattrass",
    "Oliphant",
    "Pattinson",
    "Quigley",
    "Rutherford",
    "Softley",
    "Trotter",
    "Urwin",
    "Vickers",
    "Wardle",
    "Younger",
]


def demo_name(username: str) -> tuple[str, str]:
    digest = hashlib.sha256(username.encode()).digest()
    return FIRST_NAMES[digest[0] % len(FIRST_NAMES)], LAST_NAMES[digest[1] % len(LAST_NAMES)]


def demo_users() -> list[tuple[str, str, str]]:
    """(username, organisation slug, role) for every demo account."""
    users = [
        (f"{prefix}@{slug}", slug, role)
        for slug, *_ in ORGANISATIONS
        for prefix, role in ROLES.items()
    ]
    users.append((f"{CHAMPION[0]}@{CHAMPION[1]}", CHAMPION[1], CHAMPION[2]))
    return users


def seed(stdout=None) -> None:
    areas = {la.code: la for la in LocalAuthority.objects.all()}
    organisations = {}
    for slug, name, kind, basis, area_codes in ORGANISATIONS:
        organisation = Organisation.objects.filter(slug=slug).first()
        if organisation is None:
            organisation = services.organisation_create(
                actor=ACTOR,
                slug=slug,
                name=name,
                kind=kind,
                lawful_basis=basis,
                areas=[areas[code] for code in area_codes],
                isa_reference="CDD-ASB-ISA-2026",
                contact_email=f"asb.{slug}@example.org",
            )
        organisations[slug] = organisation

    password_hash = make_password(DEMO_PASSWORD)  # hashed once, shared by every demo account
    created = 0
    for username, slug, role in demo_users():
        if User.objects.filter(username=username).exists():
            continue
        first, last = demo_name(username)
        membership = services.member_create(
            actor=ACTOR,
            organisation=organisations[slug],
            username=username,
            email=username.replace("@", ".") + "@example.org",
            first_name=first,
            last_name=last,
            role=role,
            job_title=Membership.Role(role).label,
            phone="0191 496 0" + str(100 + created).zfill(3),
            send_invitation=False,
        )
        User.objects.filter(pk=membership.user_id).update(password=password_hash)
        created += 1
    # The office of the PCC runs the partnership: its admin is the partnership's admin.
    Membership.objects.filter(user__username=PARTNERSHIP_ADMIN).update(is_partnership_admin=True)
    if stdout is not None:
        stdout.write(f"Demo partnership: {len(organisations)} organisations, {created} new users.")


def is_demo_account(username: str) -> bool:
    """Whether `username` is one of the demo accounts (settings.DEMO_ACCOUNTS_SKIP_TWO_FACTOR)."""
    return username in _DEMO_USERNAMES


_DEMO_USERNAMES = frozenset(username for username, _, _ in demo_users())
