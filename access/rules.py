"""One rule per protected resource: which rows a viewer may see.

Every rule is a queryset filter built from the viewer's organisation and role, and every reader
of protected data uses these: selectors, API views, form choices, exports, dashboards, and the
SQL of the reporting summaries (through the `*_viewers` relations at the end). Nothing else in
the code base decides who sees what. docs/adr/0012-one-access-layer.md says why each rule is
what it is; docs/adr/0013-person-visibility.md states the rules about people in plain words.

The shapes, in short:

- a case is visible to the organisations holding a guardian row for it (granted by
  `access.grants` from its lead, its active shares and a pending transfer); a person's role
  further decides whether they see case records at all;
- an incident is visible to the organisation it was reported to and to every organisation that
  can see a case it is linked to;
- a person's details are held per organisation: an organisation sees what it recorded itself,
  and what a case share that includes people shows it — the details recorded by whoever put the
  person on that case — unless the person limited their consent to the lead agency or withdrew
  it; everyone else sees the signpost only (access.redaction);
- the support records about a victim on a case (risk, contact, referrals, statements) follow
  the same rule as the person's details on that case;
- a Case Review application is visible to the ASB Champion, the organisation that recorded it,
  organisations that can see its lead case, and those invited to its meetings or leading one of
  its recommendations; its evidence describes an incident only to those who can see it.
"""

from __future__ import annotations

import operator
from collections.abc import Collection
from functools import reduce

from django.contrib.auth.models import Permission
from django.db import DEFAULT_DB_ALIAS, DatabaseError, router, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery, Value

from access.viewer import Viewer
from asb_cases.models import (
    Case,
    CaseAction,
    CaseClosureNotice,
    CaseGroupObjectPermission,
    CaseIncident,
    CaseNote,
    CasePerson,
    CaseShare,
    CaseTask,
    ContactLog,
    ImpactStatement,
    Incident,
    OwnershipTransfer,
    PreApplicationRiskAssessment,
    RiskAssessment,
    SupportReferral,
)
from community_trigger.models import (
    Application,
    ApplicationStatement,
    CaseReviewExplanation,
    ClosureNotice,
    Evidence,
    Recommendation,
    ResolutionMeeting,
    SweepAlert,
    ThresholdDecision,
)
from documents.models import Document, LetterTemplate
from feedback.models import SurveyResponse
from oversight.models import PccReview
from partners.models import Organisation
from victims.models import Person, PersonDetails

# Object permissions on a case, granted to organisations' groups (access.grants).
VIEW = "view_case"
CHANGE = "change_case"
CONTRIBUTE = "contribute_case"
SHARE = "share_case"
PEOPLE = "view_case_people"
CASE_PERMISSIONS = (VIEW, CHANGE, CONTRIBUTE, SHARE, PEOPLE)

# What a role must hold (a model permission) to use each object permission at all.
_ROLE_PERMISSION = {
    VIEW: "asb_cases.view_case",
    CHANGE: "asb_cases.change_case",
    CONTRIBUTE: "asb_cases.contribute_case",
    SHARE: "asb_cases.share_case",
    PEOPLE: "victims.view_person",
}


def case_permission_id(codename: str) -> Value | Subquery:
    """A case permission's id, as a constant in the statement. The ids of the case's
    permissions are read together once per process and database, and read again whenever
    the permissions may have been created again (`case_permissions_changed`, on
    `post_migrate`, which both `migrate` and `flush` send; nothing else deletes a permission).
    As a subquery (auth_permission joined to django_content_type, ordered and limited)
    PostgreSQL planned it again in every statement and Django compiled it again in every rule
    (issue 16). A codename not (yet) in the database is the subquery, read by the statement
    itself, and not remembered."""
    alias = router.db_for_read(Permission)
    ids = _CASE_PERMISSION_IDS.get(alias)
    if ids is None or codename not in ids:
        ids = _read_case_permission_ids(alias)
        if codename not in ids:
            return _case_permission_subquery(codename)
        _CASE_PERMISSION_IDS[alias] = ids
    return Value(ids[codename])


# Database alias -> {codename: id} of the case's permissions (`case_permission_id`).
_CASE_PERMISSION_IDS: dict[str, dict[str, int]] = {}


def _case_permissions() -> QuerySet[Permission]:
    return Permission.objects.filter(
        content_type__app_label="asb_cases", content_type__model="case"
    )


def _read_case_permission_ids(alias: str) -> dict[str, int]:
    return dict(_case_permissions().using(alias).values_list("codename", "id"))


def case_permissions_changed(using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """`post_migrate` (connected by asb_cases, after django.contrib.auth has created the
    permissions): forget the ids, and read them again at once when they exist, so that what
    follows a migrate or a flush (a test's query count) does not pay for the read. In a
    savepoint: a database whose permissions table does not exist leaves nothing read."""
    _CASE_PERMISSION_IDS.clear()
    try:
        with transaction.atomic(using=using):
            ids = _read_case_permission_ids(using)
    except DatabaseError:
        return
    if ids:
        _CASE_PERMISSION_IDS[using] = ids


def _case_permission_subquery(codename: str) -> Subquery:
    return Subquery(_case_permissions().filter(codename=codename).values("id")[:1])


def _role_allows(viewer: Viewer, codename: str) -> bool:
    if codename == PEOPLE:
        return viewer.sees_people
    return viewer.is_member and viewer.may(_ROLE_PERMISSION[codename])


# Cases ----------------------------------------------------------------------------------------


def case_granted(organisation: Organisation, codename: str = VIEW, outer: str = "pk") -> Exists:
    """EXISTS(a guardian row granting `codename` on the outer case to the organisation's
    group): served by the index (case, group, permission)."""
    return Exists(
        CaseGroupObjectPermission.objects.filter(
            content_object_id=OuterRef(outer),
            group_id=organisation.group_id,
            permission_id=case_permission_id(codename),
        )
    )


def case_q(
    viewer: Viewer, codename: str = VIEW, outer: str = "pk", on: CaseAccess | None = None
) -> Q:
    """The rule for cases, as a condition on a case reached by `outer` from another model.

    With `on` (the viewer's grants on one case, read by `CaseAccess.of`), the condition for
    rows of that one case: the same rule, decided from the grants already read rather than by
    an EXISTS in every statement (a case page reads ten sections of one case, issue 16)."""
    if viewer.system:
        return Q(**{outer: on.case_id}) if on is not None else Q()
    if not _role_allows(viewer, codename):
        return Q(pk__in=[])
    if on is not None:
        return Q(**{outer: on.case_id}) if on.allows(codename) else Q(pk__in=[])
    return Q(case_granted(viewer.organisation, codename, outer))


def cases(
    viewer: Viewer, codename: str = VIEW, among: Collection[int] | None = None
) -> QuerySet[Case]:
    """The cases the viewer may see (or act on, with `codename`); with `among`, only those of
    these ids, asked of the permission rows themselves.

    A join on the organisation's permission rows rather than EXISTS: there is one row per case
    and permission, so no duplicates, and the case list reads them in its own order from the
    index (group, permission, -case_updated_at, -case) (docs/adr/0007-access-control.md); with
    `among` it checks each row read in that order against the ids (hashed by PostgreSQL)."""
    if viewer.system:
        return Case.objects.all() if among is None else Case.objects.filter(pk__in_ids=among)
    if not _role_allows(viewer, codename):
        return Case.objects.none()
    granted = {
        "casegroupobjectpermission__group_id": viewer.group_id,
        "casegroupobjectpermission__permission_id": case_permission_id(codename),
    }
    if among is not None:
        # In the same filter as the rest: a second filter() would join the rows again.
        granted["casegroupobjectpermission__content_object_id__in_ids"] = among
    return Case.objects.filter(**granted)


# The order of `cases(viewer)` by last change, read from the same permission rows' index.
CASES_BY_LAST_CHANGE = (
    "-casegroupobjectpermission__case_updated_at",
    "-casegroupobjectpermission__content_object_id",
)


def case_permissions_of(viewer: Viewer, case: Case) -> frozenset[str]:
    """What the viewer may do on one case: the object permissions its organisation holds on
    it that the viewer's role can use."""
    if not viewer.is_member:
        return frozenset()
    granted = CaseGroupObjectPermission.objects.filter(
        content_object=case, group_id=viewer.group_id
    ).values_list("permission__codename", flat=True)
    return frozenset(codename for codename in granted if _role_allows(viewer, codename))


def case_notes(viewer: Viewer, on: CaseAccess | None = None) -> QuerySet[CaseNote]:
    """Notes on cases the viewer sees: those for all agencies on the case, and their own
    organisation's notes kept to itself. `on`: those of that one case (see `case_q`)."""
    if viewer.system:
        return CaseNote.objects.filter(case_q(viewer, outer="case_id", on=on))
    if not _role_allows(viewer, VIEW):
        return CaseNote.objects.none()
    return CaseNote.objects.filter(case_q(viewer, outer="case_id", on=on)).filter(
        Q(visibility=CaseNote.Visibility.ALL_AGENCIES) | Q(organisation_id=viewer.organisation_id)
    )


def case_tasks(
    viewer: Viewer, codename: str = VIEW, on: CaseAccess | None = None
) -> QuerySet[CaseTask]:
    return CaseTask.objects.filter(case_q(viewer, codename, outer="case_id", on=on))


def case_actions(viewer: Viewer, on: CaseAccess | None = None) -> QuerySet[CaseAction]:
    return CaseAction.objects.filter(case_q(viewer, outer="case_id", on=on))


def case_pre_application_risks(viewer: Viewer) -> QuerySet[PreApplicationRiskAssessment]:
    """A pre-application risk assessment is about a person: the organisation that made it
    sees it, on a case it still sees."""
    return PreApplicationRiskAssessment.objects.filter(
        case_q(viewer, outer="case_id"), organisation_id=viewer.organisation_id
    )


def case_closure_notices(
    viewer: Viewer, on: CaseAccess | None = None
) -> QuerySet[CaseClosureNotice]:
    """A closure notice is about a victim: the organisation that recorded it (the case's lead
    when it did) sees it, on a case it still sees."""
    return CaseClosureNotice.objects.filter(
        case_q(viewer, outer="case_id", on=on), organisation_id=viewer.organisation_id
    )


def case_closure_notice_allowed(viewer: Viewer, case: Case, access: CaseAccess) -> bool:
    """Who may record a closure notice to a case's victims: the lead organisation's officers
    who may change the case (its case officers and supervisors), not a partner it is shared
    with."""
    return access.can_change and viewer.organisation_id == case.lead_organisation_id


def case_people(viewer: Viewer, on: CaseAccess | None = None) -> QuerySet[CasePerson]:
    """Who is on the cases the viewer sees, and in what role (what they may see of each person
    is access.redaction)."""
    return CasePerson.objects.filter(case_q(viewer, outer="case_id", on=on))


def cases_led(viewer: Viewer) -> QuerySet[Case]:
    """The cases the viewer's organisation leads: the lead holds every permission on them
    (access.grants.LEAD_PERMISSIONS, synced in the transaction that changes the lead), so the
    lead column is the rule and a count over an organisation's cases reads only the case index,
    not its tens of thousands of permission rows (the supervisor's team on My work)."""
    if viewer.system:
        return Case.objects.all()
    if not (viewer.is_member and _role_allows(viewer, VIEW)):
        return Case.objects.none()
    return Case.objects.filter(lead_organisation_id=viewer.organisation_id)


def victims_owed_contact(viewer: Viewer) -> QuerySet[CasePerson]:
    """Victims whose next contact the viewer's organisation owes: on the cases it leads that are
    not closed, with the date kept in CasePerson.contact_due_on, and the lead organisation and
    officer beside it, by asb_cases.services.contact_due in the same transactions that change
    the lead and sync the permission rows. The lead holds every permission on the cases it
    leads (access.grants.LEAD_PERMISSIONS), so the stored lead is the rule here: an organisation's
    thousands of victims are counted from one index, without a permission row looked up for each
    (tests/my_work/test_contact_due.py compares the answer with access.rules.case_people's)."""
    if viewer.system:
        return CasePerson.objects.filter(contact_due_on__isnull=False)
    if not (viewer.sees_people and _role_allows(viewer, VIEW)):
        return CasePerson.objects.none()
    return CasePerson.objects.filter(
        contact_organisation_id=viewer.organisation_id, contact_due_on__isnull=False
    )


def case_shares(viewer: Viewer, on: CaseAccess | None = None) -> QuerySet[CaseShare]:
    return CaseShare.objects.filter(case_q(viewer, outer="case_id", on=on))


def transfers(viewer: Viewer) -> QuerySet[OwnershipTransfer]:
    """Transfers the viewer's organisation proposed or was asked to accept."""
    if viewer.system:
        return OwnershipTransfer.objects.all()
    if not _role_allows(viewer, VIEW):
        return OwnershipTransfer.objects.none()
    return OwnershipTransfer.objects.filter(
        Q(from_organisation_id=viewer.organisation_id)
        | Q(to_organisation_id=viewer.organisation_id)
    )


# Incidents ------------------------------------------------------------------------------------


def incident_q(viewer: Viewer, outer: str = "pk") -> Q:
    """Reported to the viewer's organisation, or linked to a case it can see."""
    if viewer.system:
        return Q()
    if not (viewer.is_member and viewer.may("asb_cases.view_incident")):
        return Q(pk__in=[])
    prefix = "" if outer == "pk" else f"{outer.removesuffix('_id')}__"
    on_visible_case = Exists(
        CaseIncident.objects.filter(incident_id=OuterRef(outer)).filter(
            case_granted(viewer.organisation, VIEW, outer="case_id")
        )
    )
    return Q(**{f"{prefix}reported_to_id": viewer.organisation_id}) | Q(on_visible_case)


def incidents(viewer: Viewer) -> QuerySet[Incident]:
    return Incident.objects.filter(incident_q(viewer))


def case_incidents(viewer: Viewer, on: CaseAccess) -> QuerySet[Incident]:
    """The incidents on one case (`on`, the viewer's grants on it) the viewer may see: all of
    them when the viewer sees the case (each is then linked to a case it can see), otherwise
    those the whole rule allows."""
    if viewer.system or (
        on.allows(VIEW) and viewer.is_member and viewer.may("asb_cases.view_incident")
    ):
        return Incident.objects.filter(case_links__case_id=on.case_id)
    return incidents(viewer).filter(case_links__case_id=on.case_id)


def incident_branches(viewer: Viewer) -> list[QuerySet[Incident]]:
    """`incidents(viewer)` as the union of its two parts, each with an indexed plan of its own:
    those reported to the viewer's organisation (the index (reported_to, -reported_at)), and
    those linked to a case it can see (from its permission rows through the case links). The
    OR in `incident_q` is right for one incident; a list is read from these, each branch
    ordered and limited on its own (partners.paging.paginate_union), since no index serves an
    OR over a subquery and the planner then expects half the table
    (docs/adr/0023-incident-visibility-and-matching-in-the-database.md)."""
    if viewer.system:
        return [Incident.objects.all()]
    if not (viewer.is_member and viewer.may("asb_cases.view_incident")):
        return []
    linked = CaseIncident.objects.filter(case_id__in=_visible_case_ids(viewer))
    return [
        Incident.objects.filter(reported_to_id=viewer.organisation_id),
        Incident.objects.filter(pk__in=linked.values("incident_id")),
    ]


def _visible_case_ids(viewer: Viewer) -> QuerySet:
    return CaseGroupObjectPermission.objects.filter(
        group_id=viewer.group_id, permission_id=case_permission_id(VIEW)
    ).values("content_object_id")


def incident_linked_ids(viewer: Viewer) -> QuerySet:
    """The ids of the second branch of `incident_branches` (incidents on a case the viewer can
    see), each once: of an incident's links to visible cases, only the first. Read from the
    organisation's permission rows through the links' case index, it stops as soon as a capped
    count has enough, where the semi-join from the incidents probes a permission row for every
    link it walks (43,000 buffers against 1,000 for a council seeing 9,000 cases)."""
    if not (viewer.is_member and viewer.may("asb_cases.view_incident")) or viewer.system:
        return CaseIncident.objects.none().values("incident_id")
    visible = _visible_case_ids(viewer)
    earlier_visible_link = CaseIncident.objects.filter(
        incident_id=OuterRef("incident_id"), pk__lt=OuterRef("pk"), case_id__in=visible
    )
    return (
        CaseIncident.objects.filter(case_id__in=visible)
        .filter(~Exists(earlier_visible_link))
        .values("incident_id")
    )


def incidents_linkable(viewer: Viewer) -> QuerySet[Incident]:
    """Incidents the viewer's organisation may put on a case it leads: those reported to it,
    and those already on a case it leads. Never an incident it sees only because another
    agency shared a case with it: that would pass the other agency's record on."""
    if not viewer.is_member or not (
        viewer.may("asb_cases.add_case") or viewer.may("asb_cases.contribute_case")
    ):
        return Incident.objects.none()
    return Incident.objects.filter(
        Q(reported_to_id=viewer.organisation_id)
        | Q(
            Exists(
                CaseIncident.objects.filter(
                    incident_id=OuterRef("pk"), case__lead_organisation_id=viewer.organisation_id
                )
            )
        )
    )


# People ---------------------------------------------------------------------------------------


CONSENT_RESTRICTED = Q(consent_withdrawn_on__isnull=False) | Q(
    consent_scope=PersonDetails.ConsentScope.LEAD_ONLY
)


def consent_restricted(outer: str = "person_id") -> Q:
    """Whether the person at `outer` told any agency that only the agency leading their case
    may have their information, or withdrew consent to share: then partners on a case see
    nothing personal about them, whoever recorded it. The most restrictive wish wins.

    The person's merge group counts: a restricted record about them, about a record merged
    into them, about the record they were merged into, or about another record merged into
    that one. Each of the four is an EXISTS with one equality, so each is served by an index
    (the restricted records' partial index, the merged people's) and PostgreSQL chooses per
    statement between probing it for each row and hashing the whole set once: a page about a
    few people probes a few index entries, where reading the set built a hash of every
    restricted record at every statement (40 ms and more at 1M, issue 16). One EXISTS with the
    four as an OR (before the set) could use no index and scanned every restricted record for
    every row. `outer` is a foreign key to the person, never null (a person on a case or a
    record about one)."""
    restricted = PersonDetails.objects.filter(CONSENT_RESTRICTED).order_by()
    # The record the person was merged into, read with the outer row (its person's column):
    # inside each EXISTS it was two more joins to plan, twice (probed and hashed).
    merged_into = f"{outer.removesuffix('_id')}__merged_into_id"
    return (
        Q(Exists(restricted.filter(person_id=OuterRef(outer))))
        | Q(Exists(restricted.filter(person__merged_into_id=OuterRef(outer))))
        | Q(Exists(restricted.filter(person_id=OuterRef(merged_into))))
        | Q(Exists(restricted.filter(person__merged_into_id=OuterRef(merged_into))))
    )


def _people_level_case(viewer: Viewer, case_outer: str, person_outer: str) -> Q:
    """The case at `case_outer` shows its people to the viewer's organisation (it leads it, or
    a share including people or a transfer being decided gave it), and the person at
    `person_outer` did not keep their information to the lead agency."""
    lead = f"{case_outer.removesuffix('_id')}__lead_organisation_id"
    return case_q(viewer, PEOPLE, outer=case_outer) & (
        Q(**{lead: viewer.organisation_id}) | ~consent_restricted(person_outer)
    )


def person_details_own(viewer: Viewer) -> QuerySet[PersonDetails]:
    """What the viewer's organisation recorded about people."""
    if not viewer.sees_people:
        return PersonDetails.objects.none()
    return PersonDetails.objects.filter(organisation_id=viewer.organisation_id)


def person_details(viewer: Viewer, person_ids=None) -> QuerySet[PersonDetails]:
    """The details the viewer may read: their organisation's own, and those of whoever put a
    person on a case that shows its people to the viewer's organisation.

    With `person_ids`, only those people's details, and the check on their cases is narrowed
    to them too: PostgreSQL evaluates the `OR EXISTS` once for every case person it could
    match (a hashed subplan), so a page about a few people need not read everyone's."""
    if viewer.system:
        details = PersonDetails.objects.all()
        return details if person_ids is None else details.filter(person_id__in=person_ids)
    if not viewer.sees_people:
        return PersonDetails.objects.none()
    on_case = CasePerson.objects.filter(
        person_id=OuterRef("person_id"), organisation_id=OuterRef("organisation_id")
    )
    details = PersonDetails.objects.all()
    if person_ids is not None:
        # Ids in hand go to PostgreSQL as one array (`in_ids`), a query as a subquery.
        lookup = "person_id__in" if isinstance(person_ids, QuerySet) else "person_id__in_ids"
        on_case = on_case.filter(**{lookup: person_ids})
        details = details.filter(**{lookup: person_ids})
    shared = Exists(on_case.filter(_people_level_case(viewer, "case_id", "person_id")))
    return details.filter(Q(organisation_id=viewer.organisation_id) | Q(shared))


def people(viewer: Viewer) -> QuerySet[Person]:
    """People whose page the viewer may open: those their organisation recorded, and those on
    a case or an incident it can see. What the page shows of them is access.redaction (a
    person on a case whose share left people out is a signpost there)."""
    if viewer.system:
        return Person.objects.all()
    if not viewer.sees_people:
        return Person.objects.none()
    recorded = Exists(
        PersonDetails.objects.filter(
            person_id=OuterRef("pk"), organisation_id=viewer.organisation_id
        )
    )
    on_case = Exists(
        CasePerson.objects.filter(person_id=OuterRef("pk")).filter(
            case_q(viewer, VIEW, outer="case_id")
        )
    )
    in_incident = Exists(
        Incident.objects.filter(Q(victim_id=OuterRef("pk")) | Q(reporter_id=OuterRef("pk"))).filter(
            incident_q(viewer)
        )
    )
    return Person.objects.filter(Q(recorded) | Q(on_case) | Q(in_incident))


def _victim_support(model, viewer: Viewer) -> QuerySet:
    """A record about a person on a case: kept by the organisation that made it, and shown to
    the organisations the case shows its people to, consent permitting."""
    if viewer.system:
        return model.objects.all()
    if not viewer.sees_people:
        return model.objects.none()
    return model.objects.filter(
        Q(organisation_id=viewer.organisation_id)
        | _people_level_case(viewer, "case_id", "person_id")
    )


def may_change_victim_record(viewer: Viewer, record) -> bool:
    """A record about a victim (a referral, an impact statement) is changed or corrected only by
    the organisation that made it: a partner that reads it on a shared case adds its own."""
    return viewer.system or (
        viewer.organisation_id is not None and record.organisation_id == viewer.organisation_id
    )


def risk_assessments(viewer: Viewer) -> QuerySet[RiskAssessment]:
    return _victim_support(RiskAssessment, viewer)


def contacts(viewer: Viewer) -> QuerySet[ContactLog]:
    return _victim_support(ContactLog, viewer)


def referrals(viewer: Viewer) -> QuerySet[SupportReferral]:
    return _victim_support(SupportReferral, viewer)


def impact_statements(viewer: Viewer) -> QuerySet[ImpactStatement]:
    """A statement recorded on a case follows the case's people; one recorded without a case
    stays with the organisation that recorded it."""
    return _victim_support(ImpactStatement, viewer)


# The ASB Case Review ----------------------------------------------------------------------------


def application_q(viewer: Viewer, outer: str = "pk") -> Q:
    """The ASB Champion sees every application; other staff those their organisation recorded,
    whose lead case it can see, or to whose meetings or recommendations it is party."""
    if viewer.system:
        return Q()
    if not (viewer.is_member and viewer.may("community_trigger.view_application")):
        return Q(pk__in=[])
    if viewer.is_champion:
        return Q()
    organisation_id = viewer.organisation_id
    applications = Application.objects.filter(
        Q(recorded_by_organisation_id=organisation_id)
        | Q(case_q(viewer, VIEW, outer="lead_case_id"))
        | Q(
            Exists(
                ResolutionMeeting.invited.through.objects.filter(
                    resolutionmeeting__application_id=OuterRef("pk"),
                    organisation_id=organisation_id,
                )
            )
        )
        | Q(
            Exists(
                Recommendation.objects.filter(
                    application_id=OuterRef("pk"), lead_organisation_id=organisation_id
                )
            )
        )
    ).values("pk")
    return Q(**{"pk__in" if outer == "pk" else f"{outer}__in": applications})


def applications(viewer: Viewer) -> QuerySet[Application]:
    return Application.objects.filter(application_q(viewer))


def decisions(viewer: Viewer) -> QuerySet[ThresholdDecision]:
    return ThresholdDecision.objects.filter(application_q(viewer, outer="application_id"))


def evidence(viewer: Viewer) -> QuerySet[Evidence]:
    """Every incident an application's decisions considered; `described` says whether the
    viewer may read what it was (the ASB Champion, running the review, and the organisations
    that can see the incident) or only its date and agency."""
    rows = Evidence.objects.filter(application_q(viewer, outer="decision__application_id"))
    if viewer.system:
        return rows.annotate(described=Value(True), judged=Value(True))
    visible = Exists(Incident.objects.filter(pk=OuterRef("incident_id")).filter(incident_q(viewer)))
    if viewer.is_champion:
        # The ASB Champion runs the review: every incident's finding, and what happened to the
        # application's own victim (shared for the review); another person's incident is
        # described only if the Champion's organisation may see it anyway.
        victim = OuterRef("decision__application__victim_id")
        about_victim = Exists(
            Incident.objects.filter(pk=OuterRef("incident_id")).filter(
                Q(victim_id=victim)
                | Q(reporter_id=victim)
                | Q(victim__merged_into_id=victim)
                | Q(reporter__merged_into_id=victim)
            )
        )
        return rows.annotate(described=visible | about_victim, judged=Value(True))
    return rows.annotate(described=visible, judged=visible)


def application_statements(viewer: Viewer) -> QuerySet[ApplicationStatement]:
    """Statements made with an application stay on it: seen with the application."""
    return ApplicationStatement.objects.filter(application_q(viewer, outer="application_id"))


def case_review_explanations(viewer: Viewer) -> QuerySet[CaseReviewExplanation]:
    """Prompts to explain the ASB Case Review after a second report: the agency the report was
    made to (it acts on them), and the ASB Champion (who answers for the partnership)."""
    if viewer.system or viewer.is_champion:
        return CaseReviewExplanation.objects.all()
    if not viewer.is_member:
        return CaseReviewExplanation.objects.none()
    return CaseReviewExplanation.objects.filter(organisation_id=viewer.organisation_id)


def closure_notices(viewer: Viewer) -> QuerySet[ClosureNotice]:
    return ClosureNotice.objects.filter(application_q(viewer, outer="application_id"))


def meetings(viewer: Viewer) -> QuerySet[ResolutionMeeting]:
    return ResolutionMeeting.objects.filter(application_q(viewer, outer="application_id"))


def recommendations(viewer: Viewer) -> QuerySet[Recommendation]:
    return Recommendation.objects.filter(application_q(viewer, outer="application_id"))


def alerts(viewer: Viewer) -> QuerySet[SweepAlert]:
    """The sweep's alerts: for those who run Case Reviews."""
    if viewer.system or (viewer.is_member and viewer.may("community_trigger.view_sweepalert")):
        return SweepAlert.objects.all()
    return SweepAlert.objects.none()


# Who sees what, for every organisation at once (the reporting summaries) ----------------------


def case_viewers(codename: str = VIEW) -> QuerySet:
    """(case_id, viewer_id) for every case and every organisation granted `codename` on it:
    the same rows `cases` reads one organisation's slice of."""
    return (
        CaseGroupObjectPermission.objects.filter(permission_id=case_permission_id(codename))
        .order_by()
        .values(case_id=F("content_object_id"), viewer_id=F("group__organisation__id"))
    )


def incident_viewers() -> QuerySet:
    """(incident_id, viewer_id) for every incident and every organisation that sees it: the
    one it was reported to, and each that sees a case it is linked to (`incident_q` for all
    organisations at once)."""
    reported = Incident.objects.order_by().values(
        incident_id=F("pk"), viewer_id=F("reported_to_id")
    )
    # A union takes its column names from its first query.
    through_cases = (
        CaseIncident.objects.filter(
            case__casegroupobjectpermission__permission_id=case_permission_id(VIEW)
        )
        .order_by()
        .values_list("incident_id", "case__casegroupobjectpermission__group__organisation__id")
    )
    return reported.union(through_cases)


class CaseAccess:
    """What one viewer may do on one case: their role's model permission AND their
    organisation's object permission on the case."""

    __slots__ = ("case_id", "granted")

    def __init__(self, granted: frozenset[str], case_id: int | None = None):
        self.granted = granted
        self.case_id = case_id

    @classmethod
    def of(cls, viewer: Viewer, case: Case) -> CaseAccess:
        return cls(case_permissions_of(viewer, case), case.pk)

    def allows(self, codename: str) -> bool:
        return codename in self.granted

    can_view = property(lambda self: VIEW in self.granted)
    can_contribute = property(lambda self: CONTRIBUTE in self.granted)
    can_change = property(lambda self: CHANGE in self.granted)
    can_share = property(lambda self: SHARE in self.granted)
    can_see_people = property(lambda self: PEOPLE in self.granted)


# Documents (evidence and letters) -------------------------------------------------------------


def documents(
    viewer: Viewer,
    record: Case | Incident | Application | None = None,
    *,
    on: CaseAccess | None = None,
) -> QuerySet[Document]:
    """Documents on the cases, incidents and Case Review applications the viewer sees, kept
    like notes: those for all agencies, and their own organisation's kept to itself. A role
    that reads none of the three reads no document.

    With `record`, the documents on that one record: a document is on exactly one record
    (the constraint `doc_on_exactly_one_record`), so only the part of the rule for that kind
    of record can admit it, and the other two are not built (issue 16: building and compiling
    the Case Review application's rule for every case page). With `on` (the viewer's grants
    on that case, read once by the case page), the case's part is decided from them
    (`case_q`), not by an EXISTS on the grants."""
    if viewer.system:
        found = Document.objects.all()
    elif not viewer.is_member:
        return Document.objects.none()
    else:
        branches = {
            "case": lambda: case_q(viewer, VIEW, outer="case_id", on=on),
            "incident": lambda: incident_q(viewer, outer="incident_id"),
            "application": lambda: application_q(viewer, outer="application_id"),
        }
        if record is None:
            on_record = reduce(
                operator.or_,
                (Q(**{f"{kind}__isnull": False}) & rule() for kind, rule in branches.items()),
            )
        else:
            on_record = branches[_DOCUMENT_RECORD[type(record)]]()
        found = Document.objects.filter(on_record).filter(
            Q(visibility=Document.Visibility.ALL_AGENCIES)
            | Q(organisation_id=viewer.organisation_id)
        )
    if record is not None:
        found = found.filter(**{_DOCUMENT_RECORD[type(record)]: record})
    return found


# The field of a document that holds each kind of record.
_DOCUMENT_RECORD = {Case: "case", Incident: "incident", Application: "application"}


def letter_templates(viewer: Viewer) -> QuerySet[LetterTemplate]:
    """The templates the viewer's organisation writes letters from: its own versions and the
    partnership's defaults."""
    if viewer.system:
        return LetterTemplate.objects.all()
    if not viewer.is_member:
        return LetterTemplate.objects.none()
    return LetterTemplate.objects.filter(
        Q(organisation_id=viewer.organisation_id) | Q(organisation__isnull=True)
    )


def may_add_document(viewer: Viewer, record) -> bool:
    """Who may put evidence on a record they can see: on a case, those who may contribute to
    it (as with notes); on an incident, the organisation it was reported to and those who may
    contribute to a case it is on; on a Case Review application, the ASB Champion and the
    organisation that recorded it."""
    if not viewer.is_member:
        return False
    if isinstance(record, Case):
        return CaseAccess.of(viewer, record).allows(CONTRIBUTE)
    if isinstance(record, Incident):
        if not incidents(viewer).filter(pk=record.pk).exists():
            return False
        if record.reported_to_id == viewer.organisation_id:
            return viewer.may("asb_cases.add_incident") or viewer.may("asb_cases.contribute_case")
        return (
            CaseIncident.objects.filter(incident=record)
            .filter(case_q(viewer, CONTRIBUTE, outer="case_id"))
            .exists()
        )
    if isinstance(record, Application):
        if not applications(viewer).filter(pk=record.pk).exists():
            return False
        return viewer.is_champion or (
            record.recorded_by_organisation_id == viewer.organisation_id
            and viewer.may("asb_cases.contribute_case")
        )
    return False


# What an organisation holds (subject access, retention, who viewed what) ------------------------
# Its own records, whoever may read them: the incidents reported to it, the cases it leads, the
# records its staff made on any case, its record of each person. Read by its partner admin (its
# data protection lead, `governance.manage_information`), never by anyone of another
# organisation; records shared with it are the sharing agency's to answer for.


def may_govern(viewer: Viewer) -> bool:
    return viewer.is_member and viewer.may("governance.manage_information")


def _held(viewer: Viewer, model, **owner):
    if not may_govern(viewer):
        return model.objects.none()
    return model.objects.filter(**dict.fromkeys(owner.values(), viewer.organisation_id))


def held_person_details(viewer: Viewer) -> QuerySet[PersonDetails]:
    return _held(viewer, PersonDetails, owner="organisation_id")


def held_incidents(viewer: Viewer) -> QuerySet[Incident]:
    return _held(viewer, Incident, owner="reported_to_id")


def held_cases(viewer: Viewer) -> QuerySet[Case]:
    return _held(viewer, Case, owner="lead_organisation_id")


def held_case_people(viewer: Viewer) -> QuerySet[CasePerson]:
    """People on cases the organisation leads, or that it put on another agency's case."""
    if not may_govern(viewer):
        return CasePerson.objects.none()
    return CasePerson.objects.filter(
        Q(case__lead_organisation_id=viewer.organisation_id)
        | Q(organisation_id=viewer.organisation_id)
    )


def held_by_staff(viewer: Viewer, model):
    """Notes, actions, assessments, contacts, referrals and statements its staff recorded."""
    return _held(viewer, model, owner="organisation_id")


def held_documents(viewer: Viewer) -> QuerySet[Document]:
    """Evidence and letters its staff put on any record (never another organisation's file
    on the same record: that is theirs to disclose)."""
    return _held(viewer, Document, owner="organisation_id")


def held_applications(viewer: Viewer) -> QuerySet[Application]:
    """Case Review applications it recorded; for the office running Case Reviews, also those
    the public made online."""
    if not may_govern(viewer):
        return Application.objects.none()
    mine = Q(recorded_by_organisation_id=viewer.organisation_id)
    if viewer.organisation.kind == Organisation.Kind.PCC_OFFICE:
        mine |= Q(recorded_by_organisation__isnull=True)
    return Application.objects.filter(mine)


def governed_cases(viewer: Viewer) -> QuerySet[Case]:
    """Cases whose trail the organisation's data protection lead may read: those it leads and
    those shared with it (its own staff's reads of them)."""
    if not may_govern(viewer):
        return Case.objects.none()
    return Case.objects.filter(
        Q(lead_organisation_id=viewer.organisation_id) | Q(case_granted(viewer.organisation, VIEW))
    )


# The PCC's review of "threshold not met" (oversight) -------------------------------------------


def is_pcc_office(viewer: Viewer) -> bool:
    """Staff of the Police and Crime Commissioner's office (not its analysts, who count):
    the only ones who decide a PCC review and see the queue."""
    return (
        viewer.is_member
        and not viewer.is_api_client
        and viewer.organisation.kind == Organisation.Kind.PCC_OFFICE
        and viewer.organisation.active
        and viewer.role != "analyst"
    )


def pcc_reviews(viewer: Viewer) -> QuerySet[PccReview]:
    """Every PCC review for the PCC's office; nothing for anyone else."""
    if viewer.system or is_pcc_office(viewer):
        return PccReview.objects.all()
    return PccReview.objects.none()


# The victims' feedback (feedback) ------------------------------------------------------------


def survey_responses(viewer: Viewer) -> QuerySet[SurveyResponse]:
    """Every response, for counts by organisation and period (they name no one); the dashboard
    shows no free text from here."""
    if viewer.system or viewer.is_member:
        return SurveyResponse.objects.all()
    return SurveyResponse.objects.none()


def survey_comments(viewer: Viewer) -> QuerySet[SurveyResponse]:
    """Free text is for the organisation that led the case or review only."""
    if not viewer.is_member:
        return SurveyResponse.objects.none()
    return SurveyResponse.objects.filter(organisation_id=viewer.organisation_id).exclude(
        comments=""
    )


# The Tenant Satisfaction Measures (oversight) ----------------------------------------------------


def tsm_provider(viewer: Viewer) -> Organisation | None:
    """The housing provider whose Tenant Satisfaction Measures the viewer may see (its own),
    or None: TSMs are for housing partners only."""
    if (
        viewer.is_member
        and not viewer.is_api_client
        and viewer.organisation.kind == Organisation.Kind.HOUSING_PROVIDER
    ):
        return viewer.organisation
    return None
