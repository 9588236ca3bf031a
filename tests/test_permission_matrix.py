"""The permission matrix: every route of the URL resolver, HTML and API, asked by every member
of the shared cast about records of every kind one agency owns, each carrying a unique marker
(docs/adr/0012-one-access-layer.md, docs/adr/0013-person-visibility.md).

- A GET answer (and a lookup by POST) may carry a marker only to an identity allowed to see it
  (tests/matrix/world.py says who); an identity with no access to the route's object is
  refused (tests/matrix/routes.py says who may open what).
- A write by an identity not entitled to make it on the owner's records is refused, and the
  database is unchanged (tests/matrix/probe.py).
- A route the resolver has that the matrix has not classified, or one it classified that is
  gone, fails.

The figures (routes, identities, requests, leaks) are written to var/permission-matrix.txt.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import transaction

from tests.matrix.probe import Matrix, Tally
from tests.matrix.routes import (
    OTHER_API_METHODS,
    OTHER_METHOD_IDENTITIES,
    ROUTES,
    Write,
    api,
    channel_of,
)
from tests.matrix.world import (
    CHAMPION,
    CONTRIBUTE_OFFICER,
    IDENTITIES,
    OWNER_API,
    OWNER_OFFICER,
    UNRELATED_OFFICER,
    VIEW_OFFICER,
    alive,
    build_world,
)
from tests.test_url_access import PUBLIC, all_patterns


def resolver_routes() -> dict[str, str]:
    return {name: route for name, route, _ in all_patterns() if not route.startswith("static/")}


# The classification ---------------------------------------------------------------------------


def test_every_route_of_the_resolver_is_classified():
    unclassified = sorted(set(resolver_routes()) - set(ROUTES))
    assert not unclassified, f"routes the permission matrix has not classified: {unclassified}"


def test_every_classified_route_still_exists():
    gone = sorted(set(ROUTES) - set(resolver_routes()))
    assert not gone, f"the permission matrix classifies routes that no longer exist: {gone}"


def test_the_public_routes_are_those_open_to_anonymous_visitors():
    public = {name for name, route in ROUTES.items() if route.public}
    assert public == PUBLIC, "tests/test_url_access.py and the matrix disagree on what is public"


def test_every_route_is_asked_something():
    silent = sorted(name for name, route in ROUTES.items() if not route.reads and not route.writes)
    assert not silent, f"routes the matrix never requests: {silent}"


# The world ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module, in a transaction rolled back at its end (each test runs in a
    savepoint of it). Every identity signs in here, so their sessions outlive each test."""
    from importlib import import_module

    from django.apps import apps

    from asb_cases.models import IncidentType
    from tests.conftest import REFERENCE_LOADERS

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            if not IncidentType.objects.exists():
                for module, function in REFERENCE_LOADERS:
                    getattr(import_module(module), function)(apps, None)
            world = build_world()
            for identity in world.identities.values():
                identity.client()
            yield world
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def quiet_refusals():
    """Thousands of refusals: Django's request log would bury a failure's report."""
    import logging

    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.fixture
def generous_api_throttle(settings):
    """The matrix calls the API a few hundred times a minute as each client."""
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "api": "100000/minute"}


# The matrix -----------------------------------------------------------------------------------

# Sightings that must happen: the rules let these identities see these markers somewhere, so a
# matrix that never found them would be checking nothing (and a page that stopped showing what
# the rules allow is a refusal too).
EXPECTED_SIGHTINGS = {
    "casetitle": {OWNER_OFFICER, VIEW_OFFICER, CONTRIBUTE_OFFICER, OWNER_API},
    "task": {OWNER_OFFICER, VIEW_OFFICER, CONTRIBUTE_OFFICER},
    "noteown": {OWNER_OFFICER, OWNER_API},
    "incdesc": {OWNER_OFFICER, VIEW_OFFICER, CONTRIBUTE_OFFICER, CHAMPION, OWNER_API},
    "vicgiven": {OWNER_OFFICER, CONTRIBUTE_OFFICER, OWNER_API},
    "factor": {OWNER_OFFICER, CONTRIBUTE_OFFICER},
    "impact": {OWNER_OFFICER, CONTRIBUTE_OFFICER},
    "witgiven": {OWNER_OFFICER, OWNER_API},
    "appdesc": {OWNER_OFFICER, VIEW_OFFICER, CONTRIBUTE_OFFICER, CHAMPION, OWNER_API},
    "minutes": {OWNER_OFFICER, VIEW_OFFICER, CONTRIBUTE_OFFICER, CHAMPION},
    "rectext": {OWNER_OFFICER, VIEW_OFFICER, CONTRIBUTE_OFFICER, CHAMPION, OWNER_API},
    "offcasedesc": {OWNER_OFFICER, CHAMPION},
    "lonegiven": {OWNER_OFFICER, OWNER_API},
    "loneincdesc": {OWNER_OFFICER, OWNER_API},
    "pubdesc": {CHAMPION},
}


def must_see(world, identity: str) -> set[str]:
    """The markers this identity must find somewhere: its expected sightings, and every marker
    some page shows whose first allowed reader it is (the owner's officer, else the ASB
    Champion), so that no marker goes unlooked-for."""
    wanted = {label for label, who in EXPECTED_SIGHTINGS.items() if identity in who}
    for label, marker in world.markers.items():
        reader = next((i for i in (OWNER_OFFICER, CHAMPION) if i in marker.allowed), None)
        if marker.shown and reader == identity:
            wanted.add(label)
    return wanted


def run_matrix(world, identity: str) -> Tally:
    """Every request of the matrix, as one identity."""
    matrix = Matrix(world)
    for name, route in sorted(ROUTES.items()):
        for read in route.reads:
            variants = read.kwargs(world) if read.kwargs else None
            for kwargs in variants if isinstance(variants, list) else [variants]:
                matrix.read(name, route, read, identity, kwargs, public=route.public)
        for write in route.writes:
            if identity not in write.entitled & channel_of(name):
                matrix.write(name, write, identity)
        if api(name) and identity in OTHER_METHOD_IDENTITIES:
            template = route.writes[0] if route.writes else Write(kwargs=_kwargs_of(route))
            for method in OTHER_API_METHODS:
                matrix.write(name, template, identity, method=method)
    return matrix.tally


def _kwargs_of(route):
    return route.reads[0].kwargs


# The figures, over every identity's part (each part may run in another xdist worker) ---------


def _parts_dir(run: str) -> Path:
    return Path(django_settings.VAR_DIR) / "permission-matrix-parts" / run


def record_part(run: str, identity: str, tally: Tally, seconds: float) -> None:
    part = {
        "identity": identity,
        "requests": tally.requests,
        "reads": tally.reads,
        "writes": tally.writes,
        "seconds": seconds,
        "leaks": len(tally.of("leak")),
        "findings": [str(finding) for finding in tally.findings],
        "seen": sorted(tally.seen),
        "route_seconds": dict(tally.seconds),
        "statuses": [
            f"{status}\t{who}\t{request}\t{name}"
            for (name, request, who), status in sorted(tally.statuses.items())
        ],
    }
    folder = _parts_dir(run)
    folder.mkdir(parents=True, exist_ok=True)
    for earlier in folder.parent.iterdir():  # earlier runs' parts, once an hour old
        if earlier != folder and time.time() - earlier.stat().st_mtime > 3600:
            shutil.rmtree(earlier, ignore_errors=True)
    temporary = folder / f".{identity}.json"
    temporary.write_text(json.dumps(part))
    temporary.replace(folder / f"{identity}.json")


def summarise(run: str) -> str | None:
    """Once every identity's part is in, the figures of the whole matrix, written to
    var/permission-matrix.txt (and every answer to var/permission-matrix.details.txt)."""
    folder = _parts_dir(run)
    parts = [folder / f"{identity}.json" for identity in IDENTITIES]
    if not all(path.exists() for path in parts):
        return None
    parts = [json.loads(path.read_text()) for path in parts]
    requests = sum(part["requests"] for part in parts)
    leaks = sum(part["leaks"] for part in parts)
    findings = [finding for part in parts for finding in part["findings"]]
    line = (
        f"matrix: {len(ROUTES)} routes, {len(IDENTITIES)} identities, {requests} requests, "
        f"{leaks} leaks"
    )
    lines = [
        line,
        f"reads: {sum(p['reads'] for p in parts)}, writes refused and checked: "
        f"{sum(p['writes'] for p in parts)}, findings: {len(findings)}, request seconds: "
        f"{sum(p['seconds'] for p in parts):.0f}",
        *findings,
    ]
    var = Path(django_settings.VAR_DIR)
    (var / "permission-matrix.txt").write_text("\n".join(lines) + "\n")
    route_seconds: dict[str, float] = {}
    for part in parts:
        for name, spent in part["route_seconds"].items():
            route_seconds[name] = route_seconds.get(name, 0) + spent
    slowest = sorted(route_seconds.items(), key=lambda item: -item[1])[:15]
    seen: dict[str, list[str]] = {}
    for part in parts:
        for label in part["seen"]:
            seen.setdefault(label, []).append(part["identity"])
    (var / "permission-matrix.details.txt").write_text(
        "# the slowest routes (seconds, over every identity)\n"
        + "".join(f"{spent:.1f}\t{name}\n" for name, spent in slowest)
        + "# who saw each marker\n"
        + "".join(f"{label}\t{' '.join(sorted(who))}\n" for label, who in sorted(seen.items()))
        + "# every answer: status, identity, request, route\n"
        + "".join(status + "\n" for part in parts for status in part["statuses"])
    )
    return line


@pytest.mark.parametrize("identity", IDENTITIES)
def test_permission_matrix(world, db, generous_api_throttle, quiet_refusals, testrun_uid, identity):
    started = time.monotonic()
    alive(world)
    tally = run_matrix(world, identity)
    record_part(testrun_uid, identity, tally, time.monotonic() - started)
    line = summarise(testrun_uid)
    if line:
        print(f"\n{line}")

    problems = "\n".join(str(finding) for finding in tally.findings)
    assert not tally.findings, f"{len(tally.findings)} findings as {identity}:\n{problems}"
    unseen = sorted(must_see(world, identity) - set(tally.seen))
    assert not unseen, f"{identity} never saw what the rules let it see: {unseen}"


# The matrix can fail ------------------------------------------------------------------------------


def test_the_matrix_catches_a_write_that_is_not_refused(world, db):
    from asb_cases.models import CaseNote

    notes = CaseNote.objects.count()
    matrix = Matrix(world)
    matrix.write(
        "asb_cases:case_note_add", ROUTES["asb_cases:case_note_add"].writes[0], OWNER_OFFICER
    )
    kinds = {finding.kind for finding in matrix.tally.findings}
    assert kinds == {"not refused", "wrote"}, matrix.tally.findings
    assert "asb_cases_casenote" in str(matrix.tally.findings)
    assert CaseNote.objects.count() == notes, "the write was undone"


def test_the_matrix_catches_a_leak_and_a_wrong_answer(world, db):
    matrix = Matrix(world)
    name = "asb_cases:case_detail"
    read = ROUTES[name].reads[0]
    kwargs = read.kwargs(world)
    # The case page shows the case to the police: were they not allowed its title, or the
    # page, the matrix would say so.
    leaky = {**world.markers}
    leaky["casetitle"] = dataclasses.replace(world.markers["casetitle"], allowed=frozenset())
    matrix.world = dataclasses.replace(world, markers=leaky)
    matrix.read(
        name,
        ROUTES[name],
        dataclasses.replace(read, opens=frozenset()),
        VIEW_OFFICER,
        kwargs,
        public=False,
    )
    matrix.read(
        name,
        ROUTES[name],
        dataclasses.replace(read, opens={UNRELATED_OFFICER}),
        UNRELATED_OFFICER,
        kwargs,
        public=False,
    )
    kinds = [finding.kind for finding in matrix.tally.findings]
    assert sorted(set(kinds)) == ["leak", "not refused", "wrongly refused"], kinds


# Refusals are audited -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("identity", "path"),
    [
        (UNRELATED_OFFICER, "/cases/{case}/"),
        (UNRELATED_OFFICER, "/people/{victim}/"),
        (VIEW_OFFICER, "/incidents/{lone_incident}/"),
        (CHAMPION, "/cases/{case}/"),
        (UNRELATED_OFFICER, "/case-reviews/{application}/agenda/"),
    ],
)
def test_a_refusal_answered_404_is_audited(world, db, identity, path):
    from partners.models import AuditEvent

    path = path.format(
        case=world.case.uuid,
        victim=world.victim.uuid,
        lone_incident=world.lone_incident.uuid,
        application=world.application.uuid,
    )
    user = world.identities[identity].user
    before = AuditEvent.objects.filter(verb=AuditEvent.Verb.PERMISSION_DENIED).count()
    response = world.identities[identity].client().get(path)
    assert response.status_code == 404
    event = AuditEvent.objects.filter(verb=AuditEvent.Verb.PERMISSION_DENIED).latest("pk")
    assert AuditEvent.objects.filter(verb=AuditEvent.Verb.PERMISSION_DENIED).count() == before + 1
    assert event.detail["path"] == path and event.detail["answered"] == 404
    assert str(event.actor_id) == str(user.pk)


def test_an_api_refusal_is_audited(world, db):
    from partners.models import AuditEvent

    client = world.identities["unrelated.api"].client()
    response = client.get(f"/api/v1/cases/{world.case.uuid}/")
    assert response.status_code == 404
    event = AuditEvent.objects.latest("pk")
    assert event.verb == AuditEvent.Verb.PERMISSION_DENIED
    assert event.action == "api:case-detail" and event.detail["status"] == 404
    assert event.actor_id == world.identities["unrelated.api"].user.pk


# What the matrix found, named ---------------------------------------------------------------


def test_a_transfer_is_read_only_by_the_two_organisations_party_to_it(world, db):
    """access.rules.transfers: the case page and the API's case no longer show every agency
    on the case a transfer and its reason."""
    reason = world.marker("transferreason").lower()
    path = f"/cases/{world.case.uuid}/"
    police = world.identities[VIEW_OFFICER].client().get(path)
    council = world.identities[CONTRIBUTE_OFFICER].client().get(path)
    assert police.status_code == council.status_code == 200
    assert reason not in police.content.decode().lower()
    assert reason in council.content.decode().lower()


def test_a_reused_incident_does_not_bring_another_agencys_record_to_the_new_case(world, db):
    """The owner opened a case from the county council's incident on its first case: the
    person is on the new case as the owner put them there, so its partners see the owner's
    record of them (none: the signpost), not the council's."""
    from asb_cases.models import CasePerson

    link = CasePerson.objects.get(case=world.reused_case, person=world.council_person)
    assert link.organisation == world.cast.owner.organisation
    original = CasePerson.objects.get(case=world.case, person=world.council_person)
    assert original.organisation == world.cast.contributor.organisation
    page = world.identities[VIEW_OFFICER].client().get(f"/people/{world.council_person.uuid}/")
    assert page.status_code == 200
    assert world.marker("councilgiven").lower() not in page.content.decode().lower()
