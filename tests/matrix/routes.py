"""Every route of the URL resolver, classified: how its URL is filled from the world, which
requests the matrix makes of it, who may open it and who may write through it.

`ROUTES` names every pattern (`tests.test_url_access.all_patterns`, static files aside). A
pattern the resolver has and `ROUTES` does not, or the other way round, fails the matrix.

For each route:

- `reads`: the requests whose answers are read for markers (GET, with query variants; a POST
  that only looks something up, like the public status page). `opens` names the identities
  that may be answered (anything but a refusal); every other identity must be refused (a 302
  to the sign-in page, 401, 403, 404 or 405), except where `public` says the route is for
  everyone (then only the markers are checked);
- `writes`: the requests that would change something. `entitled` names the identities that
  may make them on the owner's objects: they are not sent (the world stays as it is). Every
  other identity sends it and must be refused, with the database unchanged. `also_refused`
  lists other answers that count as a refusal for that write (a form shown again with an error
  because the owner's record is not among the choices; an API's 400 for an id it does not know).

HTML pages never take an API token (an API identity there is anonymous) and the API takes no
session (a signed-in person there is anonymous), so an identity of the other channel is never
entitled and always refused: `channel_of` adds that.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone

from tests.matrix.world import (
    ADMINS,
    ANALYSTS,
    API_IDENTITIES,
    CHAMPION,
    CONTRIBUTE_OFFICER,
    OWNER_ADMIN,
    OWNER_ANALYST,
    OWNER_API,
    OWNER_CASEWORK,
    OWNER_OFFICER,
    OWNER_SUPERVISOR,
    SEES_PEOPLE,
    SIGNED_IN,
    UNRELATED_API,
    UNRELATED_OFFICER,
    UNRELATED_SUPERVISOR,
    VIEW_OFFICER,
    World,
    near,
)

Kwargs = Callable[[World], dict] | None
Data = Callable[[World], dict] | dict | None

NOBODY = frozenset()
BOTH_APIS = API_IDENTITIES
# Roles by their model permissions (the apps' `role_permissions`), over every agency.
OFFICERS = frozenset(
    {
        OWNER_OFFICER,
        OWNER_SUPERVISOR,
        VIEW_OFFICER,
        CONTRIBUTE_OFFICER,
        UNRELATED_OFFICER,
        UNRELATED_SUPERVISOR,
    }
)
CASE_READERS = OFFICERS | {CHAMPION}  # asb_cases.view_case, view_incident, victims.view_person
DASHBOARD_USERS = CASE_READERS | ANALYSTS
# Who may open the owner's case, and do each thing to it (its shares: view for the police,
# contribute with people for the county council).
CASE_VIEW = OWNER_CASEWORK | {VIEW_OFFICER, CONTRIBUTE_OFFICER}
CASE_CONTRIBUTE = OWNER_CASEWORK | {CONTRIBUTE_OFFICER}
CASE_CHANGE = OWNER_CASEWORK
# Who may open the Case Review application: the Champion, the owner (it recorded it), the police
# (they see its lead case), the county council (invited to its meeting).
APPLICATION_VIEW = CASE_VIEW | {CHAMPION}


@dataclass(frozen=True)
class Read:
    kwargs: Kwargs = None
    query: Data = None
    method: str = "get"
    data: Data = None
    # Who may be answered; None where it depends on the object asked for (a dashboard's table
    # as CSV: probe.read_refused_for says who is refused whatever the table).
    opens: frozenset[str] | None = NOBODY
    label: str = ""
    # Markers that this request may show to fewer identities than usual (a search by a
    # person's name finds their case only for those who may see the name).
    narrow: dict[str, frozenset[str]] = field(default_factory=dict)
    # A lookup by POST that goes on to record the caller's own record when it finds nothing
    # to show (undone after, like every POST the matrix sends).
    may_write: bool = False


@dataclass(frozen=True)
class Write:
    kwargs: Kwargs = None
    data: Data = None
    method: str = "post"
    entitled: frozenset[str] = NOBODY
    also_refused: frozenset[int] = frozenset()
    label: str = ""


@dataclass(frozen=True)
class Route:
    reads: tuple[Read, ...] = ()
    writes: tuple[Write, ...] = ()
    public: bool = False
    note: str = ""  # why a method the route answers is not exercised


def api(name: str) -> bool:
    return name.startswith("api:")


def channel_of(name: str) -> frozenset[str]:
    """The identities that can reach the route at all: API clients for the API (and signed-in
    people for the schema and its docs), signed-in people for the pages."""
    if name in ("api:schema", "api:docs"):
        return BOTH_APIS | SIGNED_IN
    return BOTH_APIS if api(name) else SIGNED_IN


# Filling the URLs ---------------------------------------------------------------------------


def case(w: World) -> dict:
    return {"case_uuid": w.case.uuid}


def on_case(person: str) -> Kwargs:
    return lambda w: {"case_uuid": w.case.uuid, "person_uuid": getattr(w, person).uuid}


def person(name: str) -> Kwargs:
    return lambda w: {"person_uuid": getattr(w, name).uuid}


def application(w: World) -> dict:
    return {"application_uuid": w.application.uuid}


def public_application(w: World) -> dict:
    return {"application_uuid": w.public_application.uuid}


def membership(w: World) -> dict:
    return {"membership_id": w.owner_membership.pk}


# Forms as the pages post them ----------------------------------------------------------------


def day_parts(name: str, day: dt.date) -> dict:
    return {f"{name}-day": day.day, f"{name}-month": day.month, f"{name}-year": day.year}


def moment_parts(name: str, moment: dt.datetime) -> dict:
    local = timezone.localtime(moment)
    return {**day_parts(name, local.date()), f"{name}-hour": local.hour, f"{name}-minute": 0}


def _today() -> dt.date:
    return timezone.localdate()


def _earlier(**delta) -> dt.datetime:
    return timezone.now() - dt.timedelta(**delta)


def incident_form(w: World) -> dict:
    """A new incident, anonymous, said to be the same as the owner's case (link to it)."""
    return {
        **moment_parts("occurred_at", _earlier(hours=3)),
        **moment_parts("reported_at", _earlier(hours=2)),
        "channel": "phone",
        "category": "personal",
        "incident_type": w.case.incident_type_id,
        "hate_motivated": "no",
        "description": "More music last night",
        "address": "3 Elm Court",
        "postcode": "DL1 4QT",
        "anonymous": "on",
        "victim_is": "none",
        "duplicates_reviewed": "1",
        "duplicate_choice": f"case:{w.case.uuid}",
    }


def application_form(w: World) -> dict:
    return {
        "relationship": "self",
        "applicant_name": "Robin Applicant",
        "applicant_email": "robin@example.org",
        "victim_given_name": "Robin",
        "victim_family_name": "Applicant",
        "problem_type": w.case.incident_type_id,
        "problem_postcode": "DL1 4QT",
        "local_authority": w.case.local_authority_id or "",
        "description": "It goes on every night",
        "hate_motivated": "no",
        "lead_case": w.case.pk,
        "channel": "phone",
    }


def api_application(w: World) -> dict:
    return {
        "relationship": "self",
        "applicant_name": "Robin Applicant",
        "applicant_email": "robin@example.org",
        "victim_given_name": "Robin",
        "victim_family_name": "Applicant",
        "problem_type": "noise",
        "problem_postcode": "DL1 4QT",
        "description": "It goes on every night",
        "lead_case": str(w.case.uuid),
    }


def api_incident(w: World) -> dict:
    return {
        "external_ref": "MATRIX-1",
        "occurred_at": _earlier(hours=3).isoformat(),
        "reported_at": _earlier(hours=2).isoformat(),
        "category": "personal",
        "incident_type": "noise",
        "description": "Loud music",
        "location": {"address": "3 Elm Court", "postcode": "DL1 4QT"},
    }


def person_search(w: World, who: str) -> dict:
    """The page's and the API's search for a person: their names a typo apart, with their date
    of birth and postcode (the matching proposes them; the search terms are not the markers)."""
    details = getattr(w, who).details.filter(organisation=w.cast.owner.organisation).get()
    return {
        "given_name": near(details.given_name),
        "family_name": near(details.family_name),
        "date_of_birth": details.date_of_birth.isoformat(),
        "postcode": details.postcode,
    }


def person_search_form(w: World, who: str) -> dict:
    query = person_search(w, who)
    born = dt.date.fromisoformat(query.pop("date_of_birth"))
    return {**query, **day_parts("date_of_birth", born)}


def someone_like(w: World, prefix: str, who: str = "victim") -> dict:
    """A person typed into a form, a typo away from one of the owner's (with the same date of
    birth and postcode): the "is this someone we know?" panel proposes them."""
    query = person_search_form(w, who)
    born = dt.date(*(int(query.pop(f"date_of_birth-{part}")) for part in ("year", "month", "day")))
    return {
        f"{prefix}given_name": near(query["given_name"], 1),
        f"{prefix}family_name": query["family_name"],
        **day_parts(f"{prefix}date_of_birth", born),
        f"{prefix}postcode": query["postcode"],
    }


def person_form(w: World) -> dict:
    return {
        "given_name": "Renamed",
        "family_name": "Person",
        "postcode": "DL1 4QT",
        "preferred_contact_method": "phone",
    }


def people_reads(opens_case_person: frozenset[str], opens_lone: frozenset[str], **kw):
    """A page about a person, for each person of the world."""
    return tuple(
        Read(kwargs=person(who), opens=opens, label=who, **kw)
        for who, opens in (
            ("victim", opens_case_person),
            ("perpetrator", opens_case_person),
            ("witness", opens_case_person),
            ("council_person", opens_case_person),
            ("lone_person", opens_lone),
        )
    )


def dashboard_read(**kw) -> tuple[Read, ...]:
    return (Read(opens=DASHBOARD_USERS, **kw),)


def exports(w: World) -> list[dict]:
    return [{"name": name, "table": table} for name, table in w.export_tables]


# The classification ---------------------------------------------------------------------------

OWNER_CASE_WRITE = "a case the owner leads"


ROUTES: dict[str, Route] = {
    # Signed-in home: the member's own notifications.
    "home": Route(
        reads=(Read(opens=SIGNED_IN),),
        writes=(Write(data={"notification": ["1"]}, entitled=SIGNED_IN, label="mark read"),),
    ),
    "healthz": Route(reads=(Read(),), public=True),
    "livez": Route(reads=(Read(),), public=True),
    "accessibility": Route(reads=(Read(),), public=True),
    "privacy": Route(reads=(Read(),), public=True),
    "cookies": Route(reads=(Read(),), public=True),
    # Signing in and out ------------------------------------------------------------------
    "partners:login": Route(
        reads=(Read(),),
        public=True,
        note="POST signs in: tests/partners/test_sign_in.py",
    ),
    "partners:logout": Route(
        reads=(Read(),), public=True, note="POST signs the caller out of the matrix"
    ),
    "partners:invitation_accept": Route(
        reads=(Read(kwargs=lambda w: {"uidb64": "MQ", "token": "set-password"}),),
        public=True,
        note="POST needs a real invitation: tests/partners/test_partner_admin.py",
    ),
    "partners:invitation_done": Route(reads=(Read(),), public=True),
    # The second step of a password sign-in: without a sign-in waiting for it, it sends the
    # caller back to the first (tests/partners/test_two_factor.py signs in through it).
    "partners:two_factor": Route(
        reads=(Read(),), note="POST verifies a code: tests/partners/test_two_factor.py"
    ),
    "partners:two_factor_set_up": Route(
        reads=(Read(),), note="POST enrols a device: tests/partners/test_two_factor.py"
    ),
    # Single sign-on: no organisation of the world has a provider, so the start is a 404 for
    # everyone; the callback without a state it issued sends the caller back to sign in.
    "partners:sso_start": Route(
        reads=(Read(kwargs=lambda w: {"slug": w.cast.owner.organisation.slug}),),
        public=True,
        note="against a real provider: tests/partners/test_single_sign_on.py",
    ),
    "partners:sso_callback": Route(
        reads=(Read(query={"code": "x", "state": "not-issued"}),),
        public=True,
        note="against a real provider: tests/partners/test_single_sign_on.py",
    ),
    # A partner admin's own organisation -------------------------------------------------------
    "partners:organisation": Route(reads=(Read(opens=ADMINS),)),
    "partners:member_list": Route(reads=(Read(opens=ADMINS),)),
    "partners:member_invite": Route(
        reads=(Read(opens=ADMINS),),
        writes=(
            Write(
                data={
                    "first_name": "New",
                    "last_name": "Member",
                    "email": "new.member@example.org",
                    "role": "case_officer",
                },
                entitled=ADMINS,
            ),
        ),
    ),
    "partners:member_detail": Route(
        reads=(Read(kwargs=membership, opens=frozenset({OWNER_ADMIN})),),
        writes=(Write(kwargs=membership, data={"role": "supervisor"}, entitled={OWNER_ADMIN}),),
    ),
    "partners:member_deactivate": Route(
        reads=(Read(kwargs=membership, opens=frozenset({OWNER_ADMIN})),),
        writes=(Write(kwargs=membership, data={"reason": "Left"}, entitled={OWNER_ADMIN}),),
    ),
    "partners:member_reactivate": Route(
        reads=(Read(kwargs=membership),),
        writes=(Write(kwargs=membership, entitled={OWNER_ADMIN}),),
    ),
    "partners:member_unlock": Route(
        reads=(Read(kwargs=membership),),
        writes=(Write(kwargs=membership, entitled={OWNER_ADMIN}),),
    ),
    "partners:member_resend_invitation": Route(
        reads=(Read(kwargs=membership),),
        writes=(Write(kwargs=membership, entitled={OWNER_ADMIN}),),
    ),
    "partners:member_second_factor_reset": Route(
        reads=(Read(kwargs=membership, opens=frozenset({OWNER_ADMIN})),),
        writes=(Write(kwargs=membership, entitled={OWNER_ADMIN}),),
    ),
    "partners:identity_provider": Route(
        reads=(Read(opens=ADMINS),),
        writes=(
            Write(
                data={"issuer": "https://idp.example.org", "client_id": "asb"},
                entitled=ADMINS,
            ),
        ),
    ),
    # The partnership's admin (no one in the world): tests/partners/test_single_sign_on.py.
    "partners:partnership_organisations": Route(reads=(Read(),)),
    "partners:partnership_identity_provider": Route(
        reads=(Read(kwargs=lambda w: {"slug": w.cast.unrelated.organisation.slug}),),
        writes=(
            Write(
                kwargs=lambda w: {"slug": w.cast.unrelated.organisation.slug},
                data={"issuer": "https://idp.example.org", "client_id": "asb"},
            ),
        ),
    ),
    "partners:api_client_list": Route(reads=(Read(opens=ADMINS),)),
    "partners:api_client_create": Route(
        reads=(Read(opens=ADMINS),),
        writes=(Write(data={"name": "Another CRM", "role": "case_officer"}, entitled=ADMINS),),
    ),
    "partners:api_client_revoke": Route(
        reads=(
            Read(
                kwargs=lambda w: {"client_id": w.owner_api_client.pk},
                opens=frozenset({OWNER_ADMIN}),
            ),
        ),
        writes=(
            Write(kwargs=lambda w: {"client_id": w.owner_api_client.pk}, entitled={OWNER_ADMIN}),
        ),
    ),
    # Cases --------------------------------------------------------------------------------
    "asb_cases:case_list": Route(
        reads=(
            Read(opens=CASE_READERS),
            Read(
                query=lambda w: {"q": w.marker("casetitle")[2:-2]},
                opens=CASE_READERS,
                label="search by title",
            ),
            Read(
                query=lambda w: {"q": w.marker("vicfamily")[1:-1]},
                opens=CASE_READERS,
                label="search by the victim's name",
                narrow={"casetitle": SEES_PEOPLE},
            ),
            Read(
                query=lambda w: {"q": w.marker("lonefamily")[1:-1]},
                opens=CASE_READERS,
                label="search by another person's name",
            ),
            Read(
                query={"q": "DL1 4QT", "sort": "risk"},
                opens=CASE_READERS,
                label="search by postcode",
            ),
        ),
    ),
    "asb_cases:my_cases": Route(reads=(Read(opens=CASE_READERS),)),
    "asb_cases:case_new": Route(
        reads=(
            Read(opens=OFFICERS),
            Read(
                query=lambda w: {"incident": str(w.incident.uuid)},
                opens=OWNER_CASEWORK,
                label="from the owner's incident",
            ),
            Read(
                query=lambda w: {"incident": str(w.lone_incident.uuid)},
                opens=OWNER_CASEWORK,
                label="from the owner's other incident",
            ),
            Read(
                method="post",
                data=lambda w: {
                    "title": "Noise again",
                    "incident_type": w.case.incident_type_id,
                    "risk_band": "standard",
                    "postcode": "DL1 4QT",
                },
                opens=OFFICERS,
                label="possible duplicates",
                # An agency that sees no duplicate has opened its own case.
                may_write=True,
            ),
        ),
        writes=(
            Write(
                data=lambda w: {
                    "incidents": [str(w.incident.uuid)],
                    "title": "Another case",
                    "incident_type": w.case.incident_type_id,
                    "risk_band": "standard",
                    "duplicates_reviewed": "1",
                },
                entitled=OWNER_CASEWORK,
                label="from the owner's incident",
            ),
        ),
    ),
    "asb_cases:transfer_inbox": Route(reads=(Read(opens=CASE_READERS),)),
    "asb_cases:transfer_decide": Route(
        # Only a supervisor of the county council (asked to take the case) decides: none of
        # the matrix's identities.
        reads=(Read(kwargs=lambda w: {"transfer_uuid": w.transfer.uuid}),),
        writes=(
            Write(
                kwargs=lambda w: {"transfer_uuid": w.transfer.uuid},
                data={"decision": "decline", "reason": "Not ours"},
            ),
        ),
    ),
    "asb_cases:transfer_withdraw": Route(
        reads=(Read(kwargs=lambda w: {"transfer_uuid": w.transfer.uuid}),),
        writes=(Write(kwargs=lambda w: {"transfer_uuid": w.transfer.uuid}, entitled=CASE_CHANGE),),
    ),
    "asb_cases:task_complete": Route(
        reads=(Read(kwargs=lambda w: {"task_uuid": w.task.uuid}),),
        writes=(Write(kwargs=lambda w: {"task_uuid": w.task.uuid}, entitled=CASE_CONTRIBUTE),),
    ),
    "asb_cases:case_detail": Route(
        reads=(
            Read(kwargs=case, opens=CASE_VIEW),
            Read(
                kwargs=lambda w: {"case_uuid": w.revoked_case.uuid},
                opens=OWNER_CASEWORK,
                label="no longer shared",
            ),
            Read(
                kwargs=lambda w: {"case_uuid": w.reused_case.uuid},
                opens=OWNER_CASEWORK | {VIEW_OFFICER},
                label="from the council's incident",
            ),
        )
    ),
    "asb_cases:case_edit": Route(
        reads=(Read(kwargs=case, opens=CASE_CHANGE),),
        writes=(
            Write(
                kwargs=case,
                data=lambda w: {
                    "version": w.case.version,
                    "title": "Renamed",
                    "incident_type": w.case.incident_type_id,
                    "risk_band": "high",
                },
                entitled=CASE_CHANGE,
            ),
        ),
    ),
    "asb_cases:case_status": Route(
        reads=(Read(kwargs=case, opens=CASE_CHANGE),),
        writes=(
            Write(
                kwargs=case,
                data=lambda w: {
                    "version": w.case.version,
                    "status": "closed",
                    "closure_reason": "resolved",
                },
                entitled=CASE_CHANGE,
            ),
        ),
    ),
    "asb_cases:case_note_add": Route(
        reads=(Read(kwargs=case, opens=CASE_CONTRIBUTE),),
        writes=(
            Write(
                kwargs=case,
                data={"body": "A note", "visibility": "all_agencies"},
                entitled=CASE_CONTRIBUTE,
            ),
        ),
    ),
    "asb_cases:case_action_add": Route(
        reads=(Read(kwargs=case, opens=CASE_CONTRIBUTE),),
        writes=(
            Write(
                kwargs=case,
                data=lambda w: {
                    "action_type": w.action.action_type_id,
                    **moment_parts("started_at", _earlier(hours=1)),
                    "outcome": "pending",
                    "cost_pounds": "0",
                },
                entitled=CASE_CONTRIBUTE,
            ),
        ),
    ),
    "asb_cases:case_task_add": Route(
        reads=(Read(kwargs=case, opens=CASE_CONTRIBUTE),),
        writes=(
            Write(
                kwargs=case,
                data=lambda w: {
                    "title": "Another task",
                    **day_parts("due_on", _today() + dt.timedelta(days=3)),
                    "assignee": w.cast.owner.officer.pk,
                },
                entitled=CASE_CONTRIBUTE,
            ),
        ),
    ),
    "asb_cases:case_person_add": Route(
        reads=(
            Read(kwargs=case, opens=CASE_CONTRIBUTE),
            *(
                Read(
                    kwargs=case,
                    method="post",
                    data=lambda w, who=who: {"role": "witness", **someone_like(w, "person_", who)},
                    opens=CASE_CONTRIBUTE,
                    label=f"someone like the {who}",
                )
                for who in ("victim", "lone_person")
            ),
        ),
        writes=(
            Write(
                kwargs=case,
                data={"role": "witness", "person_given_name": "Wyn", "person_family_name": "Tess"},
                entitled=CASE_CONTRIBUTE,
            ),
        ),
    ),
    "asb_cases:case_location_add": Route(
        reads=(Read(kwargs=case, opens=CASE_CONTRIBUTE),),
        writes=(
            Write(
                kwargs=case,
                data={"address": "1 Other Street", "postcode": "DL1 4QT"},
                entitled=CASE_CONTRIBUTE,
            ),
        ),
    ),
    "asb_cases:case_incident_link": Route(
        reads=(Read(kwargs=case, opens=CASE_CONTRIBUTE),),
        writes=(
            Write(
                kwargs=case,
                data=lambda w: {"incident": str(w.lone_incident.uuid)},
                entitled=CASE_CONTRIBUTE,
            ),
        ),
    ),
    "asb_cases:case_share": Route(
        reads=(Read(kwargs=case, opens=CASE_CHANGE),),
        writes=(
            Write(
                kwargs=case,
                data=lambda w: {
                    "organisation": w.cast.unrelated.organisation.pk,
                    "access_level": "view",
                    "include_people": "yes",
                    "purpose": "Please look",
                    "legal_basis": "cda_1998_s115",
                },
                entitled=CASE_CHANGE,
            ),
        ),
    ),
    "asb_cases:case_share_revoke": Route(
        reads=(
            Read(
                kwargs=lambda w: {"case_uuid": w.case.uuid, "share_uuid": w.partner_share.uuid},
                opens=CASE_CHANGE,
            ),
        ),
        writes=(
            Write(
                kwargs=lambda w: {"case_uuid": w.case.uuid, "share_uuid": w.partner_share.uuid},
                data={"reason": "Done"},
                entitled=CASE_CHANGE,
            ),
        ),
    ),
    "asb_cases:case_transfer": Route(
        reads=(Read(kwargs=case, opens=CASE_CHANGE),),
        writes=(
            Write(
                kwargs=case,
                data=lambda w: {
                    "to_organisation": w.cast.unrelated.organisation.pk,
                    "reason": "Yours now",
                },
                entitled=CASE_CHANGE,
            ),
        ),
    ),
    "asb_cases:case_victim": Route(
        reads=(
            *(
                Read(kwargs=on_case(who), opens=CASE_VIEW, label=who)
                for who in ("victim", "perpetrator", "witness", "council_person")
            ),
            Read(
                kwargs=lambda w: {
                    "case_uuid": w.reused_case.uuid,
                    "person_uuid": w.council_person.uuid,
                },
                opens=OWNER_CASEWORK | {VIEW_OFFICER},
                label="the council's person on the second case",
            ),
        ),
    ),
    "asb_cases:case_victim_risk": Route(
        reads=(Read(kwargs=on_case("victim"), opens=CASE_CONTRIBUTE),),
        writes=(
            Write(
                kwargs=on_case("victim"),
                data=lambda w: {
                    f"question_{q.pk}": "no" for q in w.assessment.questionnaire.questions.all()
                },
                entitled=CASE_CONTRIBUTE,
            ),
        ),
    ),
    "asb_cases:case_victim_contact": Route(
        reads=(Read(kwargs=on_case("victim"), opens=CASE_CONTRIBUTE),),
        writes=(
            Write(
                kwargs=on_case("victim"),
                data={
                    **moment_parts("contacted_at", _earlier(hours=1)),
                    "method": "phone",
                    "made_contact": "yes",
                    "summary": "Called",
                },
                entitled=CASE_CONTRIBUTE,
            ),
        ),
    ),
    "asb_cases:case_victim_refer": Route(
        reads=(Read(kwargs=on_case("victim"), opens=CASE_CONTRIBUTE),),
        writes=(
            Write(
                kwargs=on_case("victim"),
                data={"service": "mediation", "reason": "Both sides agree"},
                entitled=CASE_CONTRIBUTE,
            ),
        ),
    ),
    "asb_cases:case_victim_referral": Route(
        reads=(
            Read(
                kwargs=lambda w: {**on_case("victim")(w), "referral_uuid": w.referral.uuid},
                opens=OWNER_CASEWORK,
            ),
        ),
        writes=(
            Write(
                kwargs=lambda w: {**on_case("victim")(w), "referral_uuid": w.referral.uuid},
                data={"status": "accepted", "outcome": ""},
                entitled=OWNER_CASEWORK,
            ),
        ),
    ),
    "asb_cases:case_victim_statement": Route(
        reads=(Read(kwargs=on_case("victim"), opens=CASE_CONTRIBUTE),),
        writes=(
            Write(
                kwargs=on_case("victim"),
                data={"text": "It is worse", "reading": "for_victim"},
                entitled=CASE_CONTRIBUTE,
            ),
        ),
    ),
    "asb_cases:case_victim_statement_correct": Route(
        reads=(
            Read(
                kwargs=lambda w: {
                    **on_case("victim")(w),
                    "statement_uuid": w.statement.uuid,
                },
                opens=OWNER_CASEWORK,
            ),
        ),
        writes=(
            Write(
                kwargs=lambda w: {**on_case("victim")(w), "statement_uuid": w.statement.uuid},
                data={"text": "Corrected", "reading": "for_victim", "correction_note": "Typo"},
                entitled=OWNER_CASEWORK,
            ),
        ),
    ),
    # Incidents ----------------------------------------------------------------------------
    "asb_cases:incident_list": Route(
        reads=(
            Read(opens=CASE_READERS),
            Read(query={"q": "DL1 4QT"}, opens=CASE_READERS, label="search by postcode"),
            Read(query={"q": "DH1 3DY"}, opens=CASE_READERS, label="search by another postcode"),
            Read(
                query=lambda w: {"q": w.marker("incaddr")[1:-1]},
                opens=CASE_READERS,
                label="search by address",
            ),
        ),
    ),
    "asb_cases:incident_new": Route(
        reads=(
            Read(opens=OFFICERS),
            *(
                Read(
                    method="post",
                    data=lambda w, who=who: {
                        **incident_form(w),
                        "anonymous": "",
                        "victim_is": "reporter",
                        "duplicates_reviewed": "",
                        "duplicate_choice": "",
                        **someone_like(w, "reporter_", who),
                    },
                    opens=OFFICERS,
                    label=f"reported by someone like the {who}",
                )
                for who in ("victim", "lone_person")
            ),
        ),
        writes=(
            Write(data=incident_form, entitled=CASE_CONTRIBUTE, label="added to the owner's case"),
        ),
    ),
    "asb_cases:incident_detail": Route(
        reads=(
            Read(kwargs=lambda w: {"incident_uuid": w.incident.uuid}, opens=CASE_VIEW),
            Read(
                kwargs=lambda w: {"incident_uuid": w.lone_incident.uuid},
                opens=OWNER_CASEWORK,
                label="on no case",
            ),
        ),
    ),
    # People -------------------------------------------------------------------------------
    "victims:my_victims": Route(
        reads=(
            Read(opens=CASE_READERS),
            Read(query={"team": "1"}, opens=CASE_READERS, label="team"),
        )
    ),
    "victims:person_search": Route(
        reads=(
            Read(opens=CASE_READERS),
            *(
                Read(
                    query=lambda w, who=who: person_search_form(w, who),
                    opens=CASE_READERS,
                    label=who,
                )
                for who in ("victim", "perpetrator", "witness", "lone_person")
            ),
        ),
    ),
    # A partnership-wide definition: the partnership's admin alone changes it (no one in the
    # world; tests/partners/test_hardening.py).
    "victims:status_definition": Route(
        reads=(Read(),),
        writes=(
            Write(
                data={
                    "repeat_incident_count": 5,
                    "repeat_window_months": 12,
                    "second_report_window_months": 6,
                    "vulnerable_risk_bands": ["high"],
                },
            ),
        ),
    ),
    # The person pages: any agency that recorded the person, or sees a case or an incident they
    # are on, opens the page (showing the signpost where it may not see details), and records
    # and changes its own details and consent; only the owner holds the lone person.
    "victims:person_detail": Route(reads=people_reads(CASE_VIEW, OWNER_CASEWORK)),
    "victims:person_edit": Route(
        reads=people_reads(CASE_VIEW, OWNER_CASEWORK),
        writes=(
            Write(kwargs=person("victim"), data=person_form, entitled=CASE_VIEW, label="victim"),
            Write(
                kwargs=person("lone_person"),
                data=person_form,
                entitled=OWNER_CASEWORK,
                label="lone person",
            ),
        ),
    ),
    "victims:person_consent": Route(
        reads=people_reads(CASE_VIEW, OWNER_CASEWORK),
        writes=(
            Write(
                kwargs=person("victim"),
                data={**day_parts("given_on", dt.date(2026, 1, 5)), "scope": "partnership"},
                entitled=CASE_VIEW,
                label="victim",
            ),
            Write(
                kwargs=person("lone_person"),
                data={**day_parts("given_on", dt.date(2026, 1, 5)), "scope": "partnership"},
                entitled=OWNER_CASEWORK,
                label="lone person",
            ),
        ),
    ),
    "victims:person_merge": Route(
        reads=people_reads(CASE_VIEW, OWNER_CASEWORK),
        writes=(
            Write(
                kwargs=person("victim"),
                data=lambda w: {"duplicate": str(w.perpetrator.uuid), "reason": "Same"},
                entitled=OWNER_CASEWORK,
                # The police and the council hold no record of either: nothing is offered.
                also_refused=frozenset({200}),
                label="victim and perpetrator",
            ),
        ),
    ),
    "victims:person_merge_undo": Route(
        reads=(
            Read(
                kwargs=lambda w: {"person_uuid": w.lone_person.uuid, "merge_id": w.merge.pk},
            ),
        ),
        writes=(
            Write(
                kwargs=lambda w: {"person_uuid": w.lone_person.uuid, "merge_id": w.merge.pk},
                entitled=OWNER_CASEWORK,
            ),
        ),
    ),
    # The ASB Case Review: the public --------------------------------------------------------
    "community_trigger:guidance": Route(reads=(Read(),), public=True),
    "community_trigger:apply": Route(
        reads=(Read(),),
        public=True,
        note="POST starts the applicant's own draft: tests/community_trigger/test_apply_pages",
    ),
    "community_trigger:apply_done": Route(reads=(Read(),), public=True),
    "community_trigger:status": Route(
        reads=(
            Read(),
            Read(
                method="post",
                data=lambda w: {"reference": w.application.reference, "postcode": "DL1 4QT"},
                label="the applicant's lookup",
            ),
        ),
        public=True,
    ),
    "community_trigger:statement": Route(
        reads=(Read(),),
        public=True,
        note="POST adds the applicant's statement to their own application (by reference and "
        "postcode): tests/community_trigger/test_public.py",
    ),
    "community_trigger:appeal": Route(
        reads=(Read(),),
        public=True,
        note="POST lodges the applicant's appeal: tests/community_trigger/test_public.py",
    ),
    "community_trigger:figures": Route(reads=(Read(),), public=True),
    "community_trigger:figures_csv": Route(reads=(Read(),), public=True),
    # The ASB Case Review: the partnership --------------------------------------------------------
    "community_trigger:pipeline": Route(reads=(Read(opens=CASE_READERS),)),
    "community_trigger:staff_apply": Route(
        reads=(Read(opens=CASE_READERS),),
        writes=(
            Write(
                data=application_form,
                # The agencies that see the case may name it as the lead case.
                entitled=CASE_VIEW,
                # Everyone else is shown the form again: the case is not among their choices.
                also_refused=frozenset({200}),
                label="with the owner's case as lead case",
            ),
        ),
    ),
    "community_trigger:alerts": Route(reads=(Read(opens={CHAMPION}),)),
    "community_trigger:alert_acknowledge": Route(
        reads=(Read(kwargs=lambda w: {"alert_id": w.alert.pk}),),
        writes=(Write(kwargs=lambda w: {"alert_id": w.alert.pk}, entitled={CHAMPION}),),
    ),
    "community_trigger:recommendations": Route(reads=(Read(opens=CASE_READERS),)),
    "community_trigger:recommendation_update": Route(
        reads=(
            Read(
                kwargs=lambda w: {"recommendation_uuid": w.recommendation.uuid},
                opens=APPLICATION_VIEW,
            ),
        ),
        writes=(
            Write(
                kwargs=lambda w: {"recommendation_uuid": w.recommendation.uuid},
                data={"status": "in_progress", "progress": "Started"},
                # The agency leading it, and the ASB Champion.
                entitled=OWNER_CASEWORK | {CHAMPION},
            ),
        ),
    ),
    "community_trigger:policies": Route(reads=(Read(opens={CHAMPION}),)),
    "community_trigger:policy_new": Route(
        reads=(Read(kwargs=lambda w: {"area_code": w.area_code}, opens={CHAMPION}),),
        writes=(
            Write(
                kwargs=lambda w: {"area_code": w.area_code},
                data={
                    **day_parts("effective_from", dt.date(2027, 4, 1)),
                    "individual_count": 3,
                    "window_months": 6,
                    "report_within_months": 1,
                    "community_count": 5,
                    "hate_count": 1,
                },
                entitled={CHAMPION},
            ),
        ),
    ),
    "community_trigger:application_detail": Route(
        reads=(
            Read(kwargs=application, opens=APPLICATION_VIEW),
            Read(kwargs=public_application, opens={CHAMPION}, label="made online"),
        )
    ),
    "community_trigger:letter": Route(
        reads=(
            Read(kwargs=application, opens=APPLICATION_VIEW),
            Read(kwargs=public_application, opens={CHAMPION}, label="made online"),
        )
    ),
    "community_trigger:agenda": Route(
        reads=(
            Read(kwargs=application, opens=APPLICATION_VIEW),
            Read(kwargs=public_application, opens={CHAMPION}, label="made online"),
        )
    ),
    "community_trigger:verify": Route(
        reads=(
            Read(kwargs=application, opens={CHAMPION}),
            Read(kwargs=public_application, opens={CHAMPION}, label="made online"),
        ),
        writes=(Write(kwargs=application, data={"confirmed": "on"}, entitled={CHAMPION}),),
    ),
    "community_trigger:decide": Route(
        reads=(Read(kwargs=application, opens={CHAMPION}),),
        writes=(
            Write(
                kwargs=application,
                data={"outcome": "not_met", "reasons": "No"},
                entitled={CHAMPION},
            ),
        ),
    ),
    "community_trigger:tell": Route(
        reads=(Read(kwargs=application, opens={CHAMPION}),),
        writes=(Write(kwargs=application, data={"how": "Phoned"}, entitled={CHAMPION}),),
    ),
    "community_trigger:meeting_new": Route(
        reads=(Read(kwargs=application, opens={CHAMPION}),),
        writes=(
            Write(
                kwargs=application,
                data=lambda w: {
                    **moment_parts("scheduled_for", timezone.now() + dt.timedelta(days=7)),
                    "location": "Online",
                    "invited": [w.cast.owner.organisation.pk],
                    "victim_participation": "neither",
                    "independent_chair_name": "Jo Mills",
                },
                entitled={CHAMPION},
            ),
        ),
    ),
    "community_trigger:meeting_minutes": Route(
        reads=(
            Read(
                kwargs=lambda w: {**application(w), "meeting_uuid": w.meeting.uuid},
                opens={CHAMPION},
            ),
        ),
        writes=(
            Write(
                kwargs=lambda w: {**application(w), "meeting_uuid": w.meeting.uuid},
                data={"minutes": "Rewritten"},
                entitled={CHAMPION},
            ),
        ),
    ),
    "community_trigger:recommendation_add": Route(
        reads=(Read(kwargs=application, opens={CHAMPION}),),
        writes=(
            Write(
                kwargs=application,
                data=lambda w: {
                    "text": "Another",
                    "lead_organisation": w.cast.owner.organisation.pk,
                    "lead_person": "Someone",
                    **day_parts("due_on", _today() + dt.timedelta(days=9)),
                },
                entitled={CHAMPION},
            ),
        ),
    ),
    "community_trigger:consult": Route(
        reads=(Read(kwargs=application, opens={CHAMPION}),),
        writes=(Write(kwargs=application, data={"comments": "Fine"}, entitled={CHAMPION}),),
    ),
    "community_trigger:outcome": Route(
        reads=(Read(kwargs=application),),
        writes=(Write(kwargs=application, entitled={CHAMPION}),),
    ),
    "community_trigger:appeal_decide": Route(
        reads=(
            Read(
                kwargs=lambda w: {**application(w), "appeal_uuid": w.appeal.uuid},
                opens={CHAMPION},
            ),
        ),
        writes=(
            Write(
                kwargs=lambda w: {**application(w), "appeal_uuid": w.appeal.uuid},
                data={"reviewer": "A. Reviewer", "status": "upheld", "outcome": "Upheld"},
                entitled={CHAMPION},
            ),
        ),
    ),
    # Dashboards ---------------------------------------------------------------------------
    "reporting:index": Route(reads=dashboard_read()),
    "reporting:ownership": Route(reads=dashboard_read()),
    "reporting:victims": Route(reads=dashboard_read()),
    "reporting:case_reviews": Route(reads=dashboard_read()),
    "reporting:hotspots": Route(reads=dashboard_read()),
    "reporting:costs": Route(reads=dashboard_read()),
    "reporting:trends": Route(reads=dashboard_read()),
    # High Impact Households show people: not to analysts.
    "reporting:households": Route(
        reads=(
            Read(opens=CASE_READERS),
            Read(query={"months": "3"}, opens=CASE_READERS, label="3 months"),
        )
    ),
    # Every table of every dashboard as CSV (the tables any identity's pages offer, asked for
    # by every identity): `exports` fills the URL; who may open one depends on the table.
    "reporting:export": Route(reads=(Read(kwargs=exports, opens=None),)),
    "reporting:open_data": Route(
        reads=(Read(opens=ANALYSTS),),
        note="POST uploads a police.uk file (analysts): tests/reporting/test_open_data_upload",
    ),
    "reporting:open_data_import": Route(
        reads=(Read(kwargs=lambda w: {"import_uuid": w.open_data_import.uuid}, opens=ANALYSTS),)
    ),
    "reporting:open_data_progress": Route(
        reads=(Read(kwargs=lambda w: {"import_uuid": w.open_data_import.uuid}, opens=ANALYSTS),)
    ),
    # The API ------------------------------------------------------------------------------
    "api:organisation-list": Route(reads=(Read(opens=BOTH_APIS),)),
    "api:organisation-detail": Route(
        reads=(Read(kwargs=lambda w: {"slug": w.cast.owner.organisation.slug}, opens=BOTH_APIS),)
    ),
    "api:incident-list": Route(
        reads=(
            Read(opens=BOTH_APIS),
            Read(query={"own": "true"}, opens=BOTH_APIS, label="own"),
            Read(query={"postcode": "DL1 4QT"}, opens=BOTH_APIS, label="postcode"),
        ),
        writes=(Write(data=api_incident, entitled=BOTH_APIS, label="its own incident"),),
    ),
    "api:incident-bulk": Route(
        reads=(Read(),),
        writes=(
            Write(
                data=lambda w: {"incidents": [api_incident(w)]},
                entitled=BOTH_APIS,
                label="its own incidents",
            ),
        ),
    ),
    "api:incident-detail": Route(
        reads=(
            Read(kwargs=lambda w: {"incident_uuid": w.incident.uuid}, opens={OWNER_API}),
            Read(
                kwargs=lambda w: {"incident_uuid": w.lone_incident.uuid},
                opens={OWNER_API},
                label="on no case",
            ),
        )
    ),
    "api:case-list": Route(
        reads=(
            Read(opens=BOTH_APIS),
            Read(query={"status": "open"}, opens=BOTH_APIS, label="open"),
        ),
        writes=(
            Write(
                data=lambda w: {
                    "title": "Another case",
                    "incident_type": "noise",
                    "incidents": [str(w.incident.uuid)],
                },
                entitled={OWNER_API},
                # "No such incident": another agency's incident cannot be put on a case.
                also_refused=frozenset({400}),
                label="from the owner's incident",
            ),
        ),
    ),
    "api:case-detail": Route(
        reads=(
            Read(kwargs=case, opens={OWNER_API}),
            Read(
                kwargs=lambda w: {"case_uuid": w.revoked_case.uuid},
                opens={OWNER_API},
                label="no longer shared",
            ),
        )
    ),
    "api:case-status": Route(
        reads=(Read(kwargs=case),),
        writes=(
            Write(
                kwargs=case,
                data=lambda w: {"status": "closed", "version": w.case.version},
                entitled={OWNER_API},
            ),
        ),
    ),
    "api:case-notes": Route(
        reads=(Read(kwargs=case),),
        writes=(
            Write(
                kwargs=case,
                data={"body": "A note", "visibility": "all_agencies"},
                entitled={OWNER_API},
            ),
        ),
    ),
    "api:case-actions": Route(
        reads=(Read(kwargs=case),),
        writes=(
            Write(
                kwargs=case,
                data=lambda w: {
                    "action_type": "warning-letter",
                    "started_at": _earlier(hours=1).isoformat(),
                },
                entitled={OWNER_API},
            ),
        ),
    ),
    "api:case-shares": Route(
        reads=(Read(kwargs=case),),
        writes=(
            Write(
                kwargs=case,
                data=lambda w: {
                    "organisation": w.cast.unrelated.organisation.slug,
                    "access_level": "view",
                    "purpose": "Please look",
                    "legal_basis": "cda_1998_s115",
                },
                entitled={OWNER_API},
            ),
        ),
    ),
    "api:case-share-revoke": Route(
        reads=(
            Read(kwargs=lambda w: {"case_uuid": w.case.uuid, "share_uuid": w.partner_share.uuid}),
        ),
        writes=(
            Write(
                kwargs=lambda w: {"case_uuid": w.case.uuid, "share_uuid": w.partner_share.uuid},
                data={"reason": "Done"},
                entitled={OWNER_API},
            ),
        ),
    ),
    "api:case-transfers": Route(
        reads=(Read(kwargs=case),),
        writes=(
            Write(
                kwargs=case,
                data=lambda w: {
                    "to_organisation": w.cast.unrelated.organisation.slug,
                    "reason": "Yours now",
                },
                entitled={OWNER_API},
            ),
        ),
    ),
    "api:transfer-list": Route(reads=(Read(opens=BOTH_APIS),)),
    "api:transfer-detail": Route(
        reads=(Read(kwargs=lambda w: {"transfer_uuid": w.transfer.uuid}, opens={OWNER_API}),)
    ),
    # Only the county council's supervisors decide the transfer: no API client of the matrix.
    "api:transfer-accept": Route(
        reads=(Read(kwargs=lambda w: {"transfer_uuid": w.transfer.uuid}),),
        writes=(Write(kwargs=lambda w: {"transfer_uuid": w.transfer.uuid}, data={}),),
    ),
    "api:transfer-decline": Route(
        reads=(Read(kwargs=lambda w: {"transfer_uuid": w.transfer.uuid}),),
        writes=(Write(kwargs=lambda w: {"transfer_uuid": w.transfer.uuid}, data={"reason": "No"}),),
    ),
    "api:person-search": Route(
        reads=tuple(
            Read(query=lambda w, who=who: person_search(w, who), opens=BOTH_APIS, label=who)
            for who in ("victim", "perpetrator", "witness", "lone_person")
        ),
    ),
    # Anyone's signpost, to every API client whose role sees people (ADR 0013).
    "api:person-detail": Route(reads=people_reads(BOTH_APIS, BOTH_APIS)),
    "api:case-review-list": Route(
        reads=(Read(opens=BOTH_APIS),),
        writes=(
            Write(
                data=api_application,
                entitled={OWNER_API},
                # "No such case": a case the client's organisation cannot see.
                also_refused=frozenset({400}),
                label="with the owner's case as lead case",
            ),
        ),
    ),
    "api:case-review-detail": Route(
        reads=(
            Read(kwargs=application, opens={OWNER_API}),
            Read(kwargs=public_application, label="made online"),
        )
    ),
    "api:schema": Route(reads=(Read(opens=BOTH_APIS | SIGNED_IN),)),
    "api:docs": Route(reads=(Read(opens=BOTH_APIS | SIGNED_IN),)),
    "api:not-found": Route(reads=(Read(kwargs=lambda w: {"rest": "v1/nothing-here/"}),)),
    # Issue 13: notifications (each person's own) ---------------------------------------
    "notifications:list": Route(
        reads=(Read(opens=SIGNED_IN),),
        writes=(Write(data={"notification": ["1"]}, entitled=SIGNED_IN, label="mark read"),),
    ),
    "notifications:settings": Route(
        reads=(Read(opens=SIGNED_IN),),
        writes=(Write(data={"email": "daily"}, entitled=SIGNED_IN, label="own preference"),),
    ),
}

# Issue 14 (ASB Case Review, part A): the public question pages, and the Champion's and
# officers' pages for matching, the single point of contact, closure notices, second reports.
ROUTES.update(
    {
        "community_trigger:apply_step": Route(
            reads=(Read(kwargs=lambda w: {"step": "victim"}),),
            public=True,
            note="POST saves the applicant's own draft: tests/community_trigger/test_apply_pages",
        ),
        "community_trigger:apply_check": Route(
            reads=(Read(),),
            public=True,
            note="POST sends the applicant's own draft: tests/community_trigger/test_apply_pages",
        ),
        "community_trigger:apply_save": Route(
            reads=(Read(),),
            public=True,
            note="POST e-mails a link to the applicant's own draft: test_apply_pages",
        ),
        "community_trigger:apply_saved": Route(reads=(Read(),), public=True),
        "community_trigger:apply_resume": Route(
            reads=(Read(kwargs=lambda w: {"token": "not-a-real-token"}),),
            public=True,
        ),
        "community_trigger:confirm_match": Route(
            reads=(Read(kwargs=application, opens={CHAMPION}),),
            writes=(Write(kwargs=application, data={"person": "new"}, entitled={CHAMPION}),),
        ),
        "community_trigger:contact": Route(
            reads=(Read(kwargs=application, opens={CHAMPION}),),
            writes=(
                Write(
                    kwargs=application,
                    data=lambda w: {"officer": w.cast.owner.officer.pk},
                    entitled={CHAMPION},
                ),
            ),
        ),
        "community_trigger:closure_notice": Route(
            reads=(Read(kwargs=application, opens={CHAMPION}),),
            writes=(
                Write(
                    kwargs=application,
                    data={"reasons": "Closed", "how": "letter"},
                    entitled={CHAMPION},
                ),
            ),
        ),
        "community_trigger:explain": Route(
            reads=(
                Read(
                    kwargs=lambda w: {"explanation_uuid": w.explanation.uuid},
                    opens=OWNER_CASEWORK | {CHAMPION},
                ),
            ),
            writes=(
                Write(
                    kwargs=lambda w: {"explanation_uuid": w.explanation.uuid},
                    data={"how": "phone"},
                    entitled=OWNER_CASEWORK | {CHAMPION},
                ),
            ),
        ),
        "community_trigger:dashboard": Route(reads=(Read(opens=CASE_READERS),)),
    }
)


# Issue 14 part B (items 10-14): the 2026 Act's tools, the PCC's review of "threshold not met",
# published figures, the Tenant Satisfaction Measures and the victim's feedback.
def _action_on_case(w: World) -> dict:
    return {"case_uuid": w.case.uuid, "action_uuid": w.action.uuid}


ISSUE_14B_ROUTES: dict[str, Route] = {
    "asb_cases:case_pre_application_risk_add": Route(
        reads=(Read(kwargs=case, opens=CASE_CONTRIBUTE),),
        writes=(
            Write(
                kwargs=case,
                data=lambda w: {
                    "subject": w.perpetrator.pk,
                    "harm_risk": "Threats",
                    "respondent_vulnerabilities": "None known",
                    "alternatives_tried": "Mediation",
                },
                entitled=CASE_CONTRIBUTE,
            ),
        ),
    ),
    "asb_cases:case_action_breach_add": Route(
        reads=(Read(kwargs=_action_on_case, opens=CASE_CONTRIBUTE),),
        writes=(
            Write(
                kwargs=_action_on_case,
                data=lambda w: {
                    **moment_parts("occurred_at", _earlier(minutes=10)),
                    "details": "Breached",
                    "referred_to": "Police",
                },
                entitled=CASE_CONTRIBUTE,
            ),
        ),
    ),
    "api:case-pre-application-risks": Route(
        reads=(Read(kwargs=case),),
        writes=(
            Write(
                kwargs=case,
                data=lambda w: {
                    "action_type": "respect-order",
                    "subject": str(w.perpetrator.uuid),
                    "harm_risk": "Threats",
                    "respondent_vulnerabilities": "None known",
                    "alternatives_tried": "Mediation",
                },
                entitled={OWNER_API},
            ),
        ),
    ),
    "api:case-action-breaches": Route(
        reads=(Read(kwargs=_action_on_case),),
        writes=(
            Write(
                kwargs=_action_on_case,
                data=lambda w: {
                    "occurred_at": _earlier(minutes=10).isoformat(),
                    "details": "Breached",
                    "referred_to": "Police",
                },
                entitled={OWNER_API},
            ),
        ),
    ),
    "oversight:pcc_review_public": Route(
        reads=(Read(),),
        public=True,
        note="POST asks for the applicant's review: tests/oversight/",
    ),
    "oversight:figures": Route(reads=(Read(),), public=True),
    "oversight:figures_csv": Route(reads=(Read(),), public=True),
    "oversight:figures_json": Route(reads=(Read(),), public=True),
    "oversight:pcc_review_request": Route(
        reads=(
            Read(kwargs=application, opens=APPLICATION_VIEW),
            Read(kwargs=public_application, opens={CHAMPION}, label="made online"),
        ),
        writes=(
            Write(
                kwargs=application,
                data={"grounds": "The victim asked"},
                entitled=APPLICATION_VIEW,
            ),
        ),
    ),
    # Only the PCC's office (its staff, not its analysts) sees the queue and decides.
    "oversight:pcc_review_queue": Route(reads=(Read(opens={CHAMPION}),)),
    "oversight:pcc_review_decide": Route(
        reads=(Read(kwargs=lambda w: {"review_uuid": "6f1c1d3e-0000-4000-8000-000000000014"}),),
        note="The world has no PCC review yet; who decides one: tests/oversight/",
    ),
    "feedback:survey": Route(
        reads=(Read(kwargs=lambda w: {"token": "not-a-real-token"}),),
        public=True,
        note="POST answers a survey by its link: tests/feedback/",
    ),
    "feedback:thanks": Route(reads=(Read(),), public=True),
    # Counts by organisation to every member; free text only to the lead: tests/feedback/.
    "feedback:dashboard": Route(reads=(Read(opens=SIGNED_IN),)),
    # A housing provider's own Tenant Satisfaction Measures (the owner is the housing provider).
    "oversight:tsm": Route(
        reads=(Read(opens=OWNER_CASEWORK | {OWNER_ADMIN, OWNER_ANALYST}),),
        writes=(Write(data={"homes": "1200"}, entitled={OWNER_ADMIN, OWNER_SUPERVISOR}),),
    ),
    "oversight:tsm_csv": Route(reads=(Read(opens=OWNER_CASEWORK | {OWNER_ADMIN, OWNER_ANALYST}),)),
}
ROUTES.update(ISSUE_14B_ROUTES)


# Information governance (issue 12): the organisation's data protection lead (its partner
# admin) --------------------------------------------------------------------------------------


def sar_person(w: World) -> dict:
    """A person only the owner holds, carrying no marker: the bundle shows the owner's admin
    everything the owner recorded about them (the world's people are the officers' to see)."""
    from tests.factories import make_person
    from victims.models import PersonDetails

    details = PersonDetails.objects.filter(
        organisation=w.cast.owner.organisation, family_name="Subjectaccess"
    ).first()
    person = (
        details.person
        if details is not None
        else make_person(w.cast.owner.officer, given_name="Ask", family_name="Subjectaccess")
    )
    return {"person_uuid": person.uuid}


def owner_hold(w: World) -> dict:
    from django.utils import timezone

    from governance.models import LegalHold

    hold, _ = LegalHold.objects.get_or_create(
        organisation=w.cast.owner.organisation,
        reason="Held for the permission matrix",
        defaults={
            "scope": "case",
            "target_id": w.case.pk,
            "placed_by": w.cast.owner.admin,
            "placed_at": timezone.now(),
        },
    )
    return {"hold_id": hold.pk}


ROUTES.update(
    {
        "governance:retention": Route(reads=(Read(opens=ADMINS),)),
        "governance:retention_decide": Route(
            reads=(Read(),),
            writes=(Write(data={"item": ["1"], "decision": "approve"}, entitled=ADMINS),),
        ),
        "governance:hold_place": Route(
            reads=(Read(opens=ADMINS),),
            writes=(
                Write(
                    data=lambda w: {
                        "scope": "case",
                        "reference": w.case.reference,
                        "reason": "Disrepair claim",
                    },
                    entitled=ADMINS,
                ),
            ),
        ),
        "governance:hold_release": Route(
            reads=(Read(kwargs=owner_hold),),
            writes=(Write(kwargs=owner_hold, entitled={OWNER_ADMIN}),),
        ),
        "governance:subject_access": Route(
            reads=(
                Read(opens=ADMINS),
                Read(
                    query={"given_name": "Ask", "family_name": "Subjectaccess"},
                    opens=ADMINS,
                    label="search",
                ),
            )
        ),
        "governance:subject_access_bundle": Route(
            reads=(Read(kwargs=sar_person, opens={OWNER_ADMIN}),)
        ),
        "governance:subject_access_json": Route(
            reads=(Read(kwargs=sar_person, opens={OWNER_ADMIN}),)
        ),
        "governance:who_viewed": Route(reads=(Read(opens=ADMINS),)),
        "governance:who_viewed_person": Route(
            reads=(Read(kwargs=person("victim"), opens={OWNER_ADMIN}),)
        ),
        "governance:who_viewed_case": Route(reads=(Read(kwargs=case, opens={OWNER_ADMIN}),)),
        # Onboarding is the partnership's admin's, and nobody of the matrix's cast is that
        # (tests/browser/test_onboarding_journey.py signs one in): refused to everyone.
        "partners:partnership_organisation_add": Route(
            reads=(Read(),),
            writes=(
                Write(
                    data={
                        "name": "New Homes",
                        "slug": "new-homes",
                        "kind": "housing_provider",
                        "areas": ["1"],
                        "lawful_basis": "uk_gdpr_6_1_e",
                        "isa_reference": "ISA-1",
                        "isa_starts_on-day": "1",
                        "isa_starts_on-month": "1",
                        "isa_starts_on-year": "2027",
                        "admin_first_name": "New",
                        "admin_last_name": "Admin",
                        "admin_email": "new.admin@example.org",
                    }
                ),
            ),
        ),
        "partners:partnership_organisation_suspend": Route(
            reads=(Read(kwargs=lambda w: {"slug": w.cast.owner.organisation.slug}),),
            writes=(
                Write(
                    kwargs=lambda w: {"slug": w.cast.owner.organisation.slug},
                    data={"reason": "Agreement lapsed"},
                ),
            ),
        ),
        "partners:partnership_organisation_reinstate": Route(
            reads=(Read(kwargs=lambda w: {"slug": w.cast.owner.organisation.slug}),),
            writes=(Write(kwargs=lambda w: {"slug": w.cast.owner.organisation.slug}),),
        ),
    }
)

# Issue 12b: the partnership's default sharing rules, and the subject access PDF ---------------
# The partnership's admin's alone, and nobody of the matrix's cast is that
# (tests/governance/test_sharing_rules.py signs one in): refused to everyone.


def partnership_rule(w: World) -> dict:
    from django.utils import timezone

    from governance.models import SharingRule

    rule, _ = SharingRule.objects.get_or_create(
        from_kind="housing_provider",
        to_organisation=w.cast.partner.organisation,
        hate_only=True,
        defaults={
            "access_level": "view",
            "created_by": w.cast.pcc.admin,
            "created_at": timezone.now(),
        },
    )
    return {"rule_id": rule.pk}


ROUTES.update(
    {
        "governance:sharing_rules": Route(
            reads=(Read(),),
            writes=(
                Write(
                    data=lambda w: {
                        "to_organisation": w.cast.partner.organisation.pk,
                        "from_kind": "housing_provider",
                        "hate_only": "on",
                        "access_level": "view",
                    }
                ),
            ),
        ),
        # The subject access bundle as a PDF: the organisation's data protection lead's.
        "governance:subject_access_pdf": Route(
            reads=(Read(kwargs=sar_person, opens={OWNER_ADMIN}),)
        ),
        "governance:sharing_rule_retire": Route(
            reads=(Read(kwargs=partnership_rule),),
            writes=(Write(kwargs=partnership_rule),),
        ),
    }
)

# The API answers only the methods its views name; every other one is refused, to everyone.
OTHER_API_METHODS = ("put", "patch", "delete")
# Who sends them (each of them, to every API route): the two clients (the API answers anyone
# else 401 whatever the method: tests/test_url_access.py).
OTHER_METHOD_IDENTITIES = (OWNER_API, UNRELATED_API)


def body_of(write_or_read, world: World, name: str) -> tuple[object, str | None]:
    """The request body and its content type."""
    data = write_or_read.data
    data = data(world) if callable(data) else data
    if api(name) and write_or_read.method != "get":
        from django.core.files.uploadedfile import UploadedFile
        from django.test.client import MULTIPART_CONTENT

        if isinstance(data, dict) and any(isinstance(v, UploadedFile) for v in data.values()):
            return data, MULTIPART_CONTENT  # an upload (the documents API)
        return json.dumps(data if data is not None else {}), "application/json"
    return data or {}, None


# Evidence, letters and the printable summary (issue 13, the documents app) -------------------


def evidence_form(w: World) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {
        "title": "Photo of the door",
        "visibility": "all_agencies",
        "file": SimpleUploadedFile("diary.txt", b"Tue 01:30 shouting\n"),
    }


CLOSURE_NOTICE = {
    "premises": "14 Elm Court, DL1 4QT",
    "conduct": "Drug dealing from the premises",
    "hearing": "Darlington Magistrates' Court, 16 December 2026 at 10am",
    "visibility": "all_agencies",
}
# Who keeps an organisation's letter templates: its supervisors and administrators.
TEMPLATE_KEEPERS = frozenset({OWNER_SUPERVISOR, UNRELATED_SUPERVISOR} | ADMINS)
INCIDENT_EVIDENCE = CASE_CONTRIBUTE  # the owner (reported to it) and the case's contributor
APPLICATION_EVIDENCE = OWNER_CASEWORK | {CHAMPION}  # who recorded it, and the Champion

DOCUMENT_ROUTES = {
    "documents:case_add": Route(
        reads=(Read(kwargs=lambda w: {"record_uuid": w.case.uuid}, opens=CASE_CONTRIBUTE),),
        writes=(
            Write(
                kwargs=lambda w: {"record_uuid": w.case.uuid},
                data=evidence_form,
                entitled=CASE_CONTRIBUTE,
            ),
        ),
    ),
    "documents:incident_add": Route(
        reads=(Read(kwargs=lambda w: {"record_uuid": w.incident.uuid}, opens=INCIDENT_EVIDENCE),),
        writes=(
            Write(
                kwargs=lambda w: {"record_uuid": w.incident.uuid},
                data=evidence_form,
                entitled=INCIDENT_EVIDENCE,
            ),
        ),
    ),
    "documents:application_add": Route(
        reads=(
            Read(kwargs=lambda w: {"record_uuid": w.application.uuid}, opens=APPLICATION_EVIDENCE),
        ),
        writes=(
            Write(
                kwargs=lambda w: {"record_uuid": w.application.uuid},
                data=evidence_form,
                entitled=APPLICATION_EVIDENCE,
            ),
        ),
    ),
    "documents:download": Route(
        reads=(
            Read(kwargs=lambda w: {"document_uuid": w.document.uuid}, opens=CASE_VIEW),
            Read(
                kwargs=lambda w: {"document_uuid": w.own_document.uuid},
                opens=OWNER_CASEWORK,
                label="kept to the owner",
            ),
            Read(
                kwargs=lambda w: {"document_uuid": w.letter.document.uuid},
                opens=OWNER_CASEWORK,
                label="a letter naming a person",
            ),
        ),
    ),
    "documents:case_summary": Route(reads=(Read(kwargs=case, opens=CASE_VIEW),)),
    "documents:letter_choose": Route(
        reads=(Read(kwargs=case, opens=CASE_CONTRIBUTE),),
        note="POST only chooses the kind of letter and redirects: nothing is written",
    ),
    "documents:letter_new": Route(
        reads=(
            Read(
                kwargs=lambda w: {"case_uuid": w.case.uuid, "kind": "closure"},
                opens=CASE_CONTRIBUTE,
            ),
            Read(
                kwargs=lambda w: {"case_uuid": w.case.uuid, "kind": "warning"},
                opens=CASE_CONTRIBUTE,
                label="offers people as recipients",
            ),
        ),
        writes=(
            Write(
                kwargs=lambda w: {"case_uuid": w.case.uuid, "kind": "closure"},
                data=CLOSURE_NOTICE,
                entitled=CASE_CONTRIBUTE,
            ),
        ),
    ),
    "documents:letter_templates": Route(reads=(Read(opens=CASE_READERS),)),
    "documents:letter_template_edit": Route(
        reads=(Read(kwargs=lambda w: {"kind": "warning"}, opens=TEMPLATE_KEEPERS),),
        writes=(
            Write(
                kwargs=lambda w: {"kind": "warning"},
                data={"subject": "Warning", "body": "Dear {{ recipient_name }}"},
                entitled=TEMPLATE_KEEPERS,
            ),
        ),
    ),
    "api:case-documents": Route(
        reads=(Read(kwargs=case, opens={OWNER_API}),),
        writes=(Write(kwargs=case, data=evidence_form, entitled={OWNER_API}),),
    ),
    "api:incident-documents": Route(
        reads=(Read(kwargs=lambda w: {"incident_uuid": w.incident.uuid}, opens={OWNER_API}),),
        writes=(
            Write(
                kwargs=lambda w: {"incident_uuid": w.incident.uuid},
                data=evidence_form,
                entitled={OWNER_API},
            ),
        ),
    ),
    "api:case-review-documents": Route(
        reads=(Read(kwargs=application, opens={OWNER_API}),),
        writes=(Write(kwargs=application, data=evidence_form, entitled={OWNER_API}),),
    ),
    "api:document-content": Route(
        reads=(
            Read(kwargs=lambda w: {"document_uuid": w.document.uuid}, opens={OWNER_API}),
            Read(
                kwargs=lambda w: {"document_uuid": w.own_document.uuid},
                opens={OWNER_API},
                label="kept to the owner",
            ),
        ),
    ),
}
ROUTES.update(DOCUMENT_ROUTES)

# Issue 14 (item 8, cases): the closure notice to a case's victims, recorded by the lead
# organisation's case officers and supervisors only (a partner that sees the case: 403).
ROUTES.update(
    {
        "asb_cases:case_closure_notice": Route(
            reads=(Read(kwargs=case, opens=CASE_CHANGE),),
            writes=(
                Write(
                    kwargs=case,
                    data=lambda w: {
                        "person": str(w.victim.uuid),
                        "reasons": "The problem has been resolved.",
                        "how": "letter",
                    },
                    entitled=CASE_CHANGE,
                ),
            ),
        ),
    }
)
