"""The world the permission matrix asks about: records of every kind owned by one agency (the
shared cast's owner, "Test Housing"), each carrying a unique marker, built through the real
services; the identities who ask; and, for every marker, who may see it
(docs/adr/0012-one-access-layer.md, docs/adr/0013-person-visibility.md).

The owner's case (a victim, an alleged perpetrator, a witness who keeps their information to
the lead agency, an incident, a location, notes, a task, an action, a risk assessment, a
contact, a referral, an impact statement) is shared with the police (`cast.partner`) at view
level without its people, and with the county council (`cast.contributor`) at contribute level
with its people; a transfer of it to the county council waits for an answer. Its Case Review
application was recorded by the owner's officer, judged, met, reviewed at a meeting the owner
and the county council were invited to, given a recommendation the owner leads, completed and
appealed; another application, made online and not yet verified, is the ASB Champion's alone.
The owner also holds a person on no case (merged with a duplicate, the subject of a hate
incident and of the sweep's alert), an incident about the victim on no case, a case it stopped
sharing with the unrelated council after the dashboards' summaries were built, and a second
case opened from an incident the county council added to the first, shared with the police
with its people.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import time_machine
from django.test import Client
from django.utils import timezone

from tests.conftest import Agency, Kind, Role, make_agency
from tests.factories import user_in

# Identities -----------------------------------------------------------------------------------

OWNER_OFFICER = "owner.officer"
OWNER_SUPERVISOR = "owner.supervisor"
OWNER_ADMIN = "owner.admin"
OWNER_ANALYST = "owner.analyst"
VIEW_OFFICER = "view-partner.officer"
CONTRIBUTE_OFFICER = "contribute-partner.officer"
UNRELATED_OFFICER = "unrelated.officer"
UNRELATED_SUPERVISOR = "unrelated.supervisor"
UNRELATED_ADMIN = "unrelated.admin"
UNRELATED_ANALYST = "unrelated.analyst"
CHAMPION = "champion"
PCC_ANALYST = "pcc.analyst"
ANONYMOUS = "anonymous"
OWNER_API = "owner.api"
UNRELATED_API = "unrelated.api"

IDENTITIES = [
    OWNER_OFFICER,
    OWNER_SUPERVISOR,
    OWNER_ADMIN,
    OWNER_ANALYST,
    VIEW_OFFICER,
    CONTRIBUTE_OFFICER,
    UNRELATED_OFFICER,
    UNRELATED_SUPERVISOR,
    UNRELATED_ADMIN,
    UNRELATED_ANALYST,
    CHAMPION,
    PCC_ANALYST,
    ANONYMOUS,
    OWNER_API,
    UNRELATED_API,
]
API_IDENTITIES = frozenset({OWNER_API, UNRELATED_API})
SIGNED_IN = frozenset(IDENTITIES) - API_IDENTITIES - {ANONYMOUS}
OWNER_CASEWORK = frozenset({OWNER_OFFICER, OWNER_SUPERVISOR})
OWNER_STAFF = OWNER_CASEWORK | {OWNER_API}
ANALYSTS = frozenset({OWNER_ANALYST, UNRELATED_ANALYST, PCC_ANALYST})
ADMINS = frozenset({OWNER_ADMIN, UNRELATED_ADMIN})

# Who may see each kind of marker (the spec: the ADRs) ------------------------------------------

# The case and what is on it for every agency that sees it: its lead and both partners.
SEES_CASE = OWNER_STAFF | {VIEW_OFFICER, CONTRIBUTE_OFFICER}
# The incidents on the case: as the case, and the ASB Champion, whose Case Review evidence
# describes them (community_trigger.selectors, by design).
SEES_INCIDENT = SEES_CASE | {CHAMPION}
# The owner's details of the people on the case, and the support records about them: the owner,
# and the partner whose share includes people.
SEES_PEOPLE = OWNER_STAFF | {CONTRIBUTE_OFFICER}
# A person who told the owner that only the lead agency may have their information.
SEES_LEAD_ONLY = OWNER_STAFF
# The Case Review application and what is made with it: the ASB Champion, the organisation that
# recorded it, those that can see its lead case, are invited to its meeting or lead one of its
# recommendations.
SEES_APPLICATION = SEES_CASE | {CHAMPION}
# The owner's own records about no case (a person, an incident about them, a merge).
SEES_OWN_ONLY = OWNER_STAFF
# The county council's own record of a person it put on the owner's case (the owner, leading
# the case, sees it; the police's share leaves people out).
SEES_CONTRIBUTOR_RECORD = OWNER_STAFF | {CONTRIBUTE_OFFICER}
# A second case the owner opened from the county council's incident on its case, shared with
# the police with its people.
SEES_REUSED_CASE = OWNER_STAFF | {VIEW_OFFICER}
# A transfer of the case: the organisation that proposed it and the one asked to take the case
# (access.rules.transfers), not every agency the case is shared with.
SEES_TRANSFER = OWNER_STAFF | {CONTRIBUTE_OFFICER}


@dataclass(frozen=True)
class Marker:
    label: str
    value: str
    allowed: frozenset[str]
    # Route names where the marker is not searched for: a form that lists reference data as
    # choices (a vulnerability factor's name is a choice on every person form; whether a person
    # has it is what is protected).
    not_on: frozenset[str] = frozenset()
    # Whether some page shows it to someone allowed (the matrix checks it was found). A marker
    # no page shows today is still searched for everywhere.
    shown: bool = True


@dataclass
class Identity:
    name: str
    user: object | None = None  # the member, or the API client's service user
    token: str = ""
    api_client: object | None = None
    _client: Client | None = field(default=None, repr=False)

    @property
    def is_api(self) -> bool:
        return bool(self.token)

    @property
    def is_anonymous(self) -> bool:
        return self.user is None

    def client(self) -> Client:
        """A test client: signed in through the real sign-in page, sending the API token, or
        anonymous."""
        if self._client is None:
            if self.is_api:
                self._client = Client(HTTP_AUTHORIZATION=f"Token {self.token}")
            elif self.user is None:
                self._client = Client()
            else:
                from tests.conftest import client_for  # password, then the second factor

                self._client = client_for(self.user)
        return self._client


@dataclass
class Cast:
    owner: Agency
    partner: Agency  # view-level share, without people
    contributor: Agency  # contribute-level share, with people
    unrelated: Agency
    pcc: Agency
    champion: object


@dataclass
class World:
    cast: Cast
    identities: dict[str, Identity]
    markers: dict[str, Marker]
    # Objects, by what the URL patterns call them.
    case: object = None
    incident: object = None
    lone_incident: object = None
    victim: object = None
    perpetrator: object = None
    witness: object = None
    lone_person: object = None
    app_victim: object = None
    partner_share: object = None
    contributor_share: object = None
    transfer: object = None
    task: object = None
    action: object = None
    referral: object = None
    statement: object = None
    assessment: object = None
    merge: object = None
    application: object = None
    public_application: object = None
    offcase_incident: object = None
    meeting: object = None
    next_meeting: object = None
    revoked_case: object = None
    council_person: object = None
    council_incident: object = None
    reused_case: object = None
    recommendation: object = None
    appeal: object = None
    alert: object = None
    explanation: object = None
    open_data_import: object = None
    owner_membership: object = None
    owner_api_client: object = None
    area_code: str = "E06000005"
    factor: object = None
    document: object = None
    own_document: object = None
    letter: object = None
    export_tables: list[tuple[str, str]] = field(default_factory=list)

    def marker(self, label: str) -> str:
        return self.markers[label].value


def _marker(markers: dict[str, Marker], label: str, allowed, **kw) -> str:
    """A unique string: `Mk<label>Qz`, letters only (names go through name matching, which
    keeps letters)."""
    assert label.isalpha() and "qz" not in label and "mk" not in label, label
    value = f"Mk{label}Qz"
    markers[label] = Marker(label=label, value=value, allowed=frozenset(allowed), **kw)
    return value


def near(value: str, shift: int = 0) -> str:
    """The same name with one letter changed near its middle: what someone might type, which
    the matching finds (a typo apart) but which is not the marker itself. `shift` moves the
    letter changed, for another spelling."""
    at = len(value) // 2 + shift
    return value[:at] + ("a" if value[at] != "a" else "e") + value[at + 1 :]


# Building it ------------------------------------------------------------------------------


def build_cast() -> Cast:
    pcc = make_agency("test-opcc", "Test PCC Office", Kind.PCC_OFFICE, ("E06000047", "E06000005"))
    return Cast(
        owner=make_agency(
            "test-housing", "Test Housing", Kind.HOUSING_PROVIDER, ("E06000047", "E06000005")
        ),
        partner=make_agency("test-police", "Test Police", Kind.POLICE, ("E06000047", "E06000005")),
        contributor=make_agency(
            "test-council", "Test County Council", Kind.LOCAL_AUTHORITY, ("E06000047", "E06000005")
        ),
        unrelated=make_agency(
            "test-borough", "Test Borough Council", Kind.LOCAL_AUTHORITY, ("E06000005",)
        ),
        pcc=pcc,
        champion=user_in(pcc.organisation, Role.ASB_CHAMPION, username="champion@test-opcc"),
    )


def build_identities(cast: Cast) -> tuple[dict[str, Identity], object]:
    from tests.api.conftest import make_api

    owner_api = make_api(cast.owner.organisation, Role.CASE_OFFICER, name="Housing CRM")
    unrelated_api = make_api(cast.unrelated.organisation, Role.CASE_OFFICER, name="Borough CRM")
    users = {
        OWNER_OFFICER: cast.owner.officer,
        OWNER_SUPERVISOR: cast.owner.supervisor,
        OWNER_ADMIN: cast.owner.admin,
        OWNER_ANALYST: cast.owner.analyst,
        VIEW_OFFICER: cast.partner.officer,
        CONTRIBUTE_OFFICER: cast.contributor.officer,
        UNRELATED_OFFICER: cast.unrelated.officer,
        UNRELATED_SUPERVISOR: cast.unrelated.supervisor,
        UNRELATED_ADMIN: cast.unrelated.admin,
        UNRELATED_ANALYST: cast.unrelated.analyst,
        CHAMPION: cast.champion,
        PCC_ANALYST: cast.pcc.analyst,
    }
    identities = {name: Identity(name=name, user=user) for name, user in users.items()}
    identities[ANONYMOUS] = Identity(name=ANONYMOUS)
    identities[OWNER_API] = Identity(
        name=OWNER_API, user=owner_api.client.user, token=owner_api.token, api_client=owner_api
    )
    identities[UNRELATED_API] = Identity(
        name=UNRELATED_API,
        user=unrelated_api.client.user,
        token=unrelated_api.token,
        api_client=unrelated_api,
    )
    assert list(identities) == [*users, ANONYMOUS, OWNER_API, UNRELATED_API]
    return identities, owner_api.client


def build_world() -> World:
    from asb_cases import services as cases
    from asb_cases.models import ActionType, IncidentType
    from community_trigger import services as reviews
    from community_trigger import sweep
    from community_trigger.models import Application, Stage
    from partners.models import LocalAuthority
    from reporting import services as reporting
    from victims import services as people
    from victims.models import VulnerabilityFactor
    from victims.selectors import questionnaire_current

    cast = build_cast()
    identities, owner_api_client = build_identities(cast)
    markers: dict[str, Marker] = {}

    def m(label, allowed, **kw):
        return _marker(markers, label, allowed, **kw)

    owner = cast.owner.officer
    darlington = LocalAuthority.objects.get(code="E06000005")
    noise = IncidentType.objects.get(code="noise")
    world = World(cast=cast, identities=identities, markers=markers)
    world.owner_api_client = owner_api_client
    world.owner_membership = owner.membership

    # A vulnerability factor of the partnership's list (reference data), ticked on the owner's
    # record of the victim: which factors a person has is special-category detail.
    world.factor = VulnerabilityFactor.objects.create(
        code="matrix-factor",
        name=m("factor", SEES_PEOPLE, not_on=frozenset({"victims:person_edit"})),
        sort_order=999,
    )

    born = dt.date(1961, 4, 17)
    now = timezone.now()
    # The case and what is on it were worked on a month ago: a task and a risk review are
    # overdue now, as the ownership dashboard lists them.
    with time_machine.travel(now - dt.timedelta(days=30), tick=True):
        world.victim = people.person_create(
            actor=owner,
            given_name=m("vicgiven", SEES_PEOPLE),
            family_name=m("vicfamily", SEES_PEOPLE),
            date_of_birth=born,
            address=f"12 {m('vicaddr', SEES_PEOPLE)} Street",
            postcode="DL1 4QT",
            phone=f"07700 900123 {m('vicphone', SEES_PEOPLE)}",
            email=f"{m('vicemail', SEES_PEOPLE).lower()}@example.org",
        )
        people.person_details_update(
            actor=owner,
            person=world.victim,
            vulnerability_factors=[world.factor],
            other_access_needs=m("vicneeds", SEES_PEOPLE),
        )
        world.perpetrator = people.person_create(
            actor=owner,
            given_name=m("perpgiven", SEES_PEOPLE),
            family_name=m("perpfamily", SEES_PEOPLE),
            date_of_birth=dt.date(1990, 8, 9),
            address=f"14 {m('perpaddr', SEES_PEOPLE)} Street",
            postcode="DL1 4QT",
            phone=f"07700 900456 {m('perpphone', SEES_PEOPLE)}",
            email=f"{m('perpemail', SEES_PEOPLE).lower()}@example.org",
        )
        world.witness = people.person_create(
            actor=owner,
            given_name=m("witgiven", SEES_LEAD_ONLY),
            family_name=m("witfamily", SEES_LEAD_ONLY),
            date_of_birth=dt.date(1975, 1, 2),
            postcode="DL1 4QT",
        )
        people.person_consent_record(
            actor=owner,
            person=world.witness,
            given_on=timezone.localdate(),
            scope="lead_only",
        )
        world.incident = cases.incident_record(
            actor=owner,
            data=cases.IncidentInput(
                occurred_at=timezone.now() - dt.timedelta(hours=3),
                reported_at=timezone.now() - dt.timedelta(hours=2),
                channel="phone",
                category="personal",
                incident_type=noise,
                description=f"Loud music all night: {m('incdesc', SEES_INCIDENT)}",
                location=cases.LocationInput(
                    address=f"3 {m('incaddr', SEES_INCIDENT)} Court",
                    postcode="DL1 4QT",
                    latitude=Decimal("54.518100"),
                    longitude=Decimal("-1.548900"),
                ),
                reporter=world.victim,
                victim=world.victim,
                external_ref=f"HOU-{m('incref', SEES_INCIDENT)}",
            ),
        )
        world.case = cases.case_open(
            actor=owner,
            title=f"Noise at the court: {m('casetitle', SEES_CASE)}",
            summary=f"Repeated noise. {m('casesummary', SEES_CASE)}",
            incident_type=noise,
            risk_band="medium",
            lead_officer=owner,
            incidents=[world.incident],
        )
        cases.case_add_location(
            actor=owner,
            case=world.case,
            location=cases.LocationInput(
                address=f"5 {m('caseloc', SEES_CASE)} Road",
                postcode="DL1 4QT",
                latitude=Decimal("54.518200"),
                longitude=Decimal("-1.548800"),
            ),
        )
        cases.case_change_status(
            actor=owner,
            case=world.case,
            status="investigating",
            expected_version=world.case.version,
            note=f"Diary sheets sent. {m('statusnote', SEES_CASE)}",
        )
        world.case.refresh_from_db()
        cases.case_add_person(
            actor=owner, case=world.case, person=world.perpetrator, role="perpetrator"
        )
        cases.case_add_person(actor=owner, case=world.case, person=world.witness, role="witness")
        cases.case_add_note(
            actor=owner,
            case=world.case,
            body=f"Visited the block. {m('noteall', SEES_CASE)}",
            visibility="all_agencies",
        )
        cases.case_add_note(
            actor=owner,
            case=world.case,
            body=f"Tenancy file reviewed. {m('noteown', OWNER_STAFF)}",
            visibility="my_organisation",
        )
        world.action = cases.case_add_action(
            actor=owner,
            case=world.case,
            action_type=ActionType.objects.get(code="warning-letter"),
            started_at=timezone.now(),
            subject=world.perpetrator,
            cost_pounds=Decimal("250.00"),
            notes=f"Letter hand delivered. {m('actionnotes', SEES_CASE)}",
        )
        world.partner_share = cases.case_share_with_partner(
            actor=owner,
            case=world.case,
            organisation=cast.partner.organisation,
            access_level="view",
            purpose=f"Joint patrols. {m('sharepurpose', SEES_CASE)}",
            legal_basis="cda_1998_s115",
            include_people=False,
        )
        world.contributor_share = cases.case_share_with_partner(
            actor=owner,
            case=world.case,
            organisation=cast.contributor.organisation,
            access_level="contribute",
            purpose="Environmental health visits",
            legal_basis="cda_1998_s115",
            include_people=True,
        )
        world.task = cases.case_add_task(
            actor=owner,
            case=world.case,
            title=f"Call the victim back: {m('task', SEES_CASE)}",
            due_on=timezone.localdate() + dt.timedelta(days=5),
            assignee=owner,
        )
        questionnaire = questionnaire_current()
        world.assessment = cases.case_victim_assess_risk(
            actor=owner,
            case=world.case,
            person=world.victim,
            questionnaire=questionnaire,
            answers={question.pk: True for question in questionnaire.questions.all()},
            notes=f"Scared to go out. {m('risknotes', SEES_PEOPLE, shown=False)}",
        )
        cases.case_victim_contact(
            actor=owner,
            case=world.case,
            person=world.victim,
            contacted_at=timezone.now(),
            method="phone",
            summary=f"Called her. {m('contactsum', SEES_PEOPLE)}",
            made_contact=True,
        )
        world.referral = cases.case_victim_refer(
            actor=owner,
            case=world.case,
            person=world.victim,
            service="victim_support",
            reason=f"Needs support. {m('refreason', SEES_PEOPLE, shown=False)}",
        )
        world.statement = cases.case_victim_statement(
            actor=owner,
            case=world.case,
            person=world.victim,
            text=f"I cannot sleep. {m('impact', SEES_PEOPLE)}",
            reading="for_victim",
        )

    world.transfer = cases.case_transfer_propose(
        actor=owner,
        case=world.case,
        to_organisation=cast.contributor.organisation,
        reason=f"The council's team is better placed. {m('transferreason', SEES_TRANSFER)}",
    )

    # A person the owner recorded on no case, a hate incident about them (reported to the owner
    # only, in Durham), a duplicate record of them and the owner's merge of it.
    duplicate = people.person_create(
        actor=owner,
        given_name="Duplicate",
        family_name="Record",
        date_of_birth=dt.date(1958, 11, 30),
        postcode="DH1 3DY",
    )
    # Recorded after the duplicate: the page shows the organisation's latest record of the two.
    world.lone_person = people.person_create(
        actor=owner,
        given_name=m("lonegiven", SEES_OWN_ONLY),
        family_name=m("lonefamily", SEES_OWN_ONLY),
        date_of_birth=dt.date(1958, 11, 30),
        address=f"7 {m('loneaddr', SEES_OWN_ONLY)} Lane",
        postcode="DH1 3DY",
        phone=f"07700 900789 {m('lonephone', SEES_OWN_ONLY)}",
    )
    world.merge = people.person_merge(
        actor=owner,
        survivor=world.lone_person,
        duplicate=duplicate,
        reason=f"Same person, typed twice. {m('mergereason', SEES_OWN_ONLY)}",
    )
    world.lone_incident = cases.incident_record(
        actor=owner,
        data=cases.IncidentInput(
            occurred_at=timezone.now() - dt.timedelta(days=2, hours=1),
            reported_at=timezone.now() - dt.timedelta(days=2),
            channel="phone",
            category="personal",
            incident_type=IncidentType.objects.get(code="verbal-abuse"),
            description=f"Shouted at in the street. {m('loneincdesc', SEES_OWN_ONLY)}",
            hate_motivated=True,
            protected_characteristic="disability",
            location=cases.LocationInput(
                address=f"9 {m('loneincaddr', SEES_OWN_ONLY)} Lane",
                postcode="DH1 3DY",
                latitude=Decimal("54.776100"),
                longitude=Decimal("-1.573300"),
            ),
            reporter=world.lone_person,
            victim=world.lone_person,
        ),
    )

    # Another report by the victim to the owner, on no case: the Case Review's evidence lists
    # it, describing it only to the owner and the ASB Champion (the partners on the case see
    # its date and agency).
    world.offcase_incident = cases.incident_record(
        actor=owner,
        data=cases.IncidentInput(
            occurred_at=timezone.now() - dt.timedelta(days=10, hours=1),
            reported_at=timezone.now() - dt.timedelta(days=10),
            channel="phone",
            category="personal",
            incident_type=noise,
            description=f"Music again. {m('offcasedesc', OWNER_STAFF | {CHAMPION})}",
            location=cases.LocationInput(
                address=f"3a {m('offcaseaddr', OWNER_STAFF | {CHAMPION})} Court",
                postcode="DL1 4QT",
            ),
            reporter=world.victim,
            victim=world.victim,
        ),
    )
    # The victim's second report in six months: the owner's officer is prompted, at once, to
    # explain the ASB Case Review (issue 14).
    from community_trigger.models import CaseReviewExplanation

    world.explanation = CaseReviewExplanation.objects.get(person=world.victim)

    # The Case Review: recorded by the owner's officer for the victim (named in the
    # application's own fields: the same name as far as matching goes, so it is matched to the
    # victim, but not the owner's record of them), with the case as its lead case.
    for label, same_as in (("appvicgiven", "vicgiven"), ("appvicfamily", "vicfamily")):
        # "Mk-vicgiven-Qz": the victim's "MkvicgivenQz" to the matching (letters only), a
        # marker of its own to the matrix.
        value = world.marker(same_as).replace("Mk", "Mk-").replace("Qz", "-Qz")
        markers[label] = Marker(label=label, value=value, allowed=SEES_APPLICATION)
    world.application = reviews.application_submit(
        actor=owner,
        applicant_name=m("applicant", SEES_APPLICATION),
        applicant_email="applicant@example.org",
        applicant_address=f"12 {m('applicantaddr', SEES_APPLICATION)} Street",
        relationship=Application.Relationship.SELF,
        victim_given_name=world.marker("appvicgiven"),
        victim_family_name=world.marker("appvicfamily"),
        victim_date_of_birth=born,
        problem_type=noise,
        problem_address=f"3 {m('appproblem', SEES_APPLICATION)} Court",
        problem_postcode="DL1 4QT",
        local_authority=darlington,
        description=f"It has gone on for months. {m('appdesc', SEES_APPLICATION)}",
        agencies_told=[cast.owner.organisation, cast.partner.organisation],
        lead_case=world.case,
        impact_statement=f"I dread the evenings. {m('appstatement', SEES_APPLICATION)}",
        reading="for_victim",
    )
    world.application.refresh_from_db()
    assert world.application.victim_id == world.victim.pk, "the application names the victim"
    reviews.application_evaluate(application_id=world.application.pk)
    world.application.refresh_from_db()
    champion = cast.champion
    if world.application.stage == Stage.AWAITING_DISCRETION:
        reviews.application_decide_discretion(
            actor=champion,
            application=world.application,
            outcome="met",
            route="persistence",
            reasons=f"Months of noise, not stopped. {m('decisionreasons', SEES_APPLICATION)}",
        )
    world.meeting = reviews.meeting_schedule(
        actor=champion,
        application=world.application,
        scheduled_for=timezone.now() + dt.timedelta(days=3),
        location=f"Town Hall, {m('meetloc', SEES_APPLICATION)} room",
        invited=[cast.owner.organisation, cast.contributor.organisation],
        victim_participation="statement_read",
        chair=champion,
    )
    reviews.meeting_record_held(
        actor=champion,
        meeting=world.meeting,
        minutes=f"Agreed a joint plan. {m('minutes', SEES_APPLICATION)}",
        held_at=timezone.now(),
    )
    # A follow-up meeting, still to come: the meetings coming up, and the agenda.
    world.next_meeting = reviews.meeting_schedule(
        actor=champion,
        application=world.application,
        scheduled_for=timezone.now() + dt.timedelta(days=20),
        location=f"Online, {m('nextmeetloc', SEES_APPLICATION)} link",
        invited=[cast.owner.organisation, cast.contributor.organisation],
        victim_participation="neither",
        independent_chair_name="Jo Mills, Fire Service",
    )
    world.recommendation = reviews.recommendation_add(
        actor=champion,
        application=world.application,
        text=f"Fit sound insulation. {m('rectext', SEES_APPLICATION)}",
        lead_organisation=cast.owner.organisation,
        lead_person="The housing officer",
        due_on=timezone.localdate() + dt.timedelta(days=28),
        meeting=world.meeting,
    )
    reviews.recommendation_update(
        actor=owner,
        recommendation=world.recommendation,
        status="in_progress",
        progress=f"Survey booked. {m('recprogress', SEES_APPLICATION)}",
    )
    reviews.plan_consult_victim(
        actor=champion,
        application=world.application,
        comments=f"Happy with the plan. {m('consult', SEES_APPLICATION)}",
    )
    reviews.outcome_send(actor=champion, application=world.application)
    world.application.refresh_from_db()
    world.appeal = reviews.appeal_lodge(
        actor=None,
        application=world.application,
        grounds="process",
        details=f"The police were not there. {m('appeal', SEES_APPLICATION)}",
    )
    world.application.refresh_from_db()
    assert world.application.stage == Stage.COMPLETED

    # An application made online about the victim (their name misspelt), not yet verified: it
    # touches no one's records, and only the ASB Champion sees it.
    victim_details = world.victim.details.get(organisation=cast.owner.organisation)
    world.public_application = reviews.application_submit(
        actor=None,
        applicant_name=m("pubapplicant", {CHAMPION}),
        applicant_email="neighbour@example.org",
        relationship=Application.Relationship.SELF,
        victim_given_name=near(victim_details.given_name, shift=2),
        victim_family_name=near(victim_details.family_name, shift=2),
        victim_date_of_birth=born,
        problem_type=noise,
        problem_postcode="DL1 4QT",
        local_authority=darlington,
        description=f"Every night. {m('pubdesc', {CHAMPION})}",
        impact_statement=f"I am exhausted. {m('pubstatement', {CHAMPION})}",
        reading="for_victim",
    )
    for label, value in (
        ("pubvicgiven", world.public_application.victim_given_name),
        ("pubvicfamily", world.public_application.victim_family_name),
    ):
        markers[label] = Marker(label=label, value=value, allowed=frozenset({CHAMPION}))

    # The sweep: the hate incident about the lone person, with no application, raises an alert.
    sweep.sweep()
    from community_trigger.models import SweepAlert

    world.alert = SweepAlert.objects.filter(person=world.lone_person).first()
    assert world.alert is not None, "the sweep raised an alert about the lone person"

    # An upload of police.uk open data by an analyst (the partnership's, not an agency's).
    world.open_data_import = reporting.policeuk_upload(
        actor=cast.owner.analyst,
        file_name="2026-10-durham-street.csv",
        content=b"Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,"
        b"LSOA code,LSOA name,Crime type,Last outcome category,Context\n",
    )

    # The county council reports an incident about someone it records itself and adds it to the
    # owner's case (it contributes to it). The owner then opens a second case from that
    # incident and shares it, with its people, with the police: on the second case the police
    # see the record of whoever put the person on it (the owner, who holds none: a signpost),
    # never the council's record, which the council showed only to the first case's agencies.
    contributor = cast.contributor.officer
    world.council_person = people.person_create(
        actor=contributor,
        given_name=m("councilgiven", SEES_CONTRIBUTOR_RECORD),
        family_name=m("councilfamily", SEES_CONTRIBUTOR_RECORD),
        date_of_birth=dt.date(1970, 3, 3),
        address=f"20 {m('counciladdr', SEES_CONTRIBUTOR_RECORD)} Street",
        postcode="DL1 4QT",
    )
    world.council_incident = cases.incident_record(
        actor=contributor,
        data=cases.IncidentInput(
            occurred_at=timezone.now() - dt.timedelta(days=1, hours=2),
            reported_at=timezone.now() - dt.timedelta(days=1),
            channel="phone",
            category="personal",
            incident_type=noise,
            description=f"Bass through the wall. {m('councilincdesc', SEES_CASE)}",
            location=cases.LocationInput(address="4 Elm Court", postcode="DL1 4QT"),
            reporter=world.council_person,
            victim=world.council_person,
        ),
        link_to_case=world.case,
    )
    world.reused_case = cases.case_open(
        actor=owner,
        title=f"Noise at number 4: {m('reusedtitle', SEES_REUSED_CASE)}",
        incident_type=noise,
        lead_officer=owner,
        incidents=[world.council_incident],
    )
    cases.case_share_with_partner(
        actor=owner,
        case=world.reused_case,
        organisation=cast.partner.organisation,
        access_level="view",
        purpose="Noise patrols",
        legal_basis="cda_1998_s115",
        include_people=True,
    )

    # Another case of the owner's, shared with the unrelated council (with its people), which
    # the owner stops sharing after the summaries were last built: the dashboards' lists are
    # checked against the rules as they are read, so the council sees none of it.
    complainant = people.person_create(
        actor=owner,
        given_name=m("revgiven", SEES_OWN_ONLY),
        family_name=m("revfamily", SEES_OWN_ONLY),
        date_of_birth=dt.date(1982, 5, 6),
        postcode="DL3 6AH",
    )
    revoked_incident = cases.incident_record(
        actor=owner,
        data=cases.IncidentInput(
            occurred_at=timezone.now() - dt.timedelta(days=4, hours=1),
            reported_at=timezone.now() - dt.timedelta(days=4),
            channel="phone",
            category="environmental",
            incident_type=IncidentType.objects.get(code="graffiti"),
            description=f"Tags on the depot wall. {m('revincdesc', SEES_OWN_ONLY)}",
            location=cases.LocationInput(
                address=f"2 {m('revincaddr', SEES_OWN_ONLY)} Yard",
                postcode="DL3 6AH",
                latitude=Decimal("54.526000"),
                longitude=Decimal("-1.565000"),
            ),
            reporter=complainant,
        ),
    )
    world.revoked_case = cases.case_open(
        actor=owner,
        title=f"Graffiti at the depot: {m('revcasetitle', SEES_OWN_ONLY)}",
        incident_type=IncidentType.objects.get(code="graffiti"),
        lead_officer=owner,
        incidents=[revoked_incident],
    )
    cases.case_add_action(
        actor=owner,
        case=world.revoked_case,
        action_type=ActionType.objects.get(code="warning-letter"),
        started_at=timezone.now(),
        cost_pounds=Decimal("120.00"),
    )
    revoked_share = cases.case_share_with_partner(
        actor=owner,
        case=world.revoked_case,
        organisation=cast.unrelated.organisation,
        access_level="contribute",
        purpose="Joint clean-up",
        legal_basis="cda_1998_s115",
        include_people=True,
    )

    # The dashboards' summaries.
    people.person_statuses_refresh()
    reporting.summaries_refresh()
    reporting.households_refresh()
    cases.case_share_revoke(actor=owner, share=revoked_share, reason="Cleaned up")

    add_documents(world, m)

    world.export_tables = dashboard_tables(cast)
    alive(world)

    values = [marker.value.lower() for marker in markers.values()]
    for value in values:
        others = [other for other in values if other != value and value in other]
        assert not others, f"marker {value} is part of {others}"
    return world


def add_documents(world: World, m) -> None:
    """Evidence on the owner's case (issue 13): a file for every agency on the case, one kept
    to the owner, and a letter (kept to the owner: it names a person)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from documents import services as documents
    from documents.uploads import CheckedFile

    owner = world.cast.owner.officer
    content = b"Mon 23:10 music through the wall\n"

    def diary(name: str) -> CheckedFile:
        upload = SimpleUploadedFile(name, content, content_type="text/plain")
        return CheckedFile(file=upload, name=name, content_type="text/plain", size=len(content))

    world.document = documents.document_upload(
        actor=owner,
        record=world.case,
        upload=diary("diary.txt"),
        title=f"Noise diary {m('doctitle', SEES_CASE)}",
        visibility="all_agencies",
    )
    world.own_document = documents.document_upload(
        actor=owner,
        record=world.case,
        upload=diary("intelligence.txt"),
        title=f"Intelligence {m('owndoctitle', SEES_OWN_ONLY)}",
        visibility="my_organisation",
    )
    world.letter = documents.letter_create(
        actor=owner,
        case=world.case,
        kind="warning",
        recipient_id=world.perpetrator.pk,
        fields={"conduct": "Loud music at night", "requirements": "Stop it"},
        visibility="all_agencies",
    )


def dashboard_tables(cast: Cast) -> list[tuple[str, str]]:
    """Every (dashboard, table) any of the cast's roles is offered as CSV, and one no dashboard
    has."""
    from django.test import RequestFactory

    from access.viewer import viewer_for
    from reporting.views import BOARDS

    found = set()
    users = [
        cast.owner.officer,
        cast.owner.supervisor,
        cast.owner.analyst,
        cast.partner.officer,
        cast.champion,
    ]
    for board in BOARDS.values():
        for user in users:
            viewer = viewer_for(user)
            if not board.allowed(viewer):
                continue
            request = RequestFactory().get("/")
            request.user, request.viewer = user, viewer
            _form, data = board.build(request, viewer, for_export=True)
            found |= {(board.name, key) for key in (data.tables if data else {})}
    assert found, "the dashboards have tables"
    return [*sorted(found), ("ownership", "no-such-table")]


def alive(world: World) -> None:
    """Background work's heartbeats are fresh, so /healthz answers 200 like any public page
    (recorded again before each identity: the whole matrix outlasts a heartbeat's age limit)."""
    from partners.models import Heartbeat

    for name in Heartbeat.Name:
        Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})
