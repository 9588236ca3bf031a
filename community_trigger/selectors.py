"""Reads for the ASB Case Review, scoped to the viewer asking (access.rules decides).

The ASB Champion sees every application in the partnership (they run the reviews). Other staff
see applications their organisation recorded, whose case it can see, or to whose meeting or
recommendations it is party. The engine's evidence names every incident it considered, but
describes one only to those entitled: the organisation that can see it, or the ASB Champion
(agencies share information for the review under the 2014 Act); to anyone else it is a date and
an agency. Statements are those made with the application, and impact statements the viewer
may see anyway. The public see their application's stage in plain words, by reference and
postcode, once they have been told it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from uuid import UUID

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from access import redaction, rules
from access.viewer import Viewer
from asb_cases.models import Incident
from community_trigger.models import (
    Appeal,
    Application,
    ApplicationDraft,
    CaseReviewExplanation,
    Channel,
    Evidence,
    Recommendation,
    ResolutionMeeting,
    Stage,
    SweepAlert,
    ThresholdDecision,
    ThresholdPolicy,
)
from partners.models import LocalAuthority, Organisation
from partners.postcodes import normalise_postcode


def _uuid(value) -> UUID:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        raise Http404("Not a valid identifier") from None


def application_list_for_viewer(*, viewer: Viewer, stage: str = "") -> QuerySet[Application]:
    applications = rules.applications(viewer).select_related(
        "local_authority", "problem_type", "lead_case"
    )
    if stage:
        applications = applications.filter(stage=stage)
    return applications.order_by("-received_at", "-id")


def application_get_for_viewer(*, viewer: Viewer, application_uuid) -> Application:
    application = (
        application_list_for_viewer(viewer=viewer).filter(uuid=_uuid(application_uuid)).first()
    )
    if application is None:
        raise Http404("No such application")
    return application


@dataclass
class EvidenceLine:
    evidence: Evidence
    incident: Incident
    described: bool  # False: the viewer sees only the date, the agency and (if judged) why
    judged: bool = True  # False: not even whether it counted (ask the agency)

    @property
    def route_labels(self) -> list[str]:
        labels = dict(ThresholdDecision.Route.choices)
        return [labels.get(route, route) for route in self.evidence.routes or []]


@dataclass(frozen=True)
class EvidenceTotals:
    """The totals of one decision's evidence, counted from the rows themselves, so they always
    agree with the rows marked counted."""

    counted: int
    individual: int
    community: int
    hate: int
    not_counted: int


def evidence_totals(lines: list[EvidenceLine]) -> EvidenceTotals:
    judged = [line for line in lines if line.judged]
    counted = [line for line in judged if line.evidence.finding == Evidence.Finding.COUNTED]
    return EvidenceTotals(
        counted=len(counted),
        individual=sum(1 for line in counted if "individual" in line.evidence.routes),
        community=sum(1 for line in counted if "community" in line.evidence.routes),
        hate=sum(1 for line in counted if "hate" in line.evidence.routes),
        not_counted=len(judged) - len(counted),
    )


@dataclass
class ApplicationRecord:
    application: Application
    decisions: list[ThresholdDecision]
    evidence: dict[int, list[EvidenceLine]]
    meetings: list[ResolutionMeeting]
    recommendations: list[Recommendation]
    appeals: list[Appeal]
    statements: list  # made with the application
    impact_statements: list  # the victim's impact statements on cases the viewer may see
    victim: redaction.PersonView | None = None
    closure_notices: list = ()

    @property
    def latest_decision(self) -> ThresholdDecision | None:
        return self.decisions[0] if self.decisions else None

    @property
    def evidence_by_decision(self) -> list[tuple[ThresholdDecision, list, EvidenceTotals]]:
        return [
            (d, self.evidence.get(d.pk, []), evidence_totals(self.evidence.get(d.pk, [])))
            for d in self.decisions
        ]


def application_record_for_viewer(*, viewer: Viewer, application: Application) -> ApplicationRecord:
    """Everything the application's page shows the viewer, in a fixed number of queries."""
    decisions = list(
        rules.decisions(viewer)
        .filter(application=application)
        .select_related("decided_by", "policy")
        .order_by("-decided_at")
    )
    evidence_rows = list(
        rules.evidence(viewer)
        .filter(decision__in=decisions)
        .select_related("incident__reported_to", "incident__incident_type")
        .order_by("incident__occurred_at")
    )
    evidence: dict[int, list[EvidenceLine]] = defaultdict(list)
    for row in evidence_rows:
        evidence[row.decision_id].append(
            EvidenceLine(
                evidence=row, incident=row.incident, described=row.described, judged=row.judged
            )
        )
    impact_statements = []
    victim = None
    if application.victim_id:
        latest = {}
        for statement in (
            rules.impact_statements(viewer)
            .filter(person_id=application.victim_id)
            .select_related("case", "organisation")
            .order_by("statement_id", "-version")
        ):
            latest.setdefault(statement.statement_id, statement)
        impact_statements = sorted(latest.values(), key=lambda s: s.created_at)
        if viewer.sees_people:
            victim = redaction.person_view(viewer, application.victim)
    return ApplicationRecord(
        application=application,
        decisions=decisions,
        evidence=dict(evidence),
        meetings=list(
            rules.meetings(viewer)
            .filter(application=application)
            .select_related("chair")
            .prefetch_related("invited")
        ),
        recommendations=list(
            rules.recommendations(viewer)
            .filter(application=application)
            .select_related("lead_organisation", "meeting")
        ),
        appeals=list(application.appeals.all()),
        statements=list(
            rules.application_statements(viewer)
            .filter(application=application)
            .select_related("recorded_by", "organisation")
        ),
        impact_statements=impact_statements,
        victim=victim,
        closure_notices=list(
            rules.closure_notices(viewer).filter(application=application).order_by("-sent_at")
        ),
    )


def victim_query(application: Application):
    """The matching query for the person an application is about (victims.matching)."""
    from victims.matching import Query

    return Query(
        given_name=application.victim_given_name,
        family_name=application.victim_family_name,
        date_of_birth=application.victim_date_of_birth,
        postcode=application.problem_postcode
        if application.relationship == Application.Relationship.SELF
        else "",
    )


# The ASB Champion's pages -------------------------------------------------------------------


@dataclass
class Clock:
    label: str
    due: dt.date | None
    done: bool

    @property
    def state(self) -> str:
        if self.done or self.due is None:
            return "done" if self.done else ""
        today = timezone.localdate()
        if self.due < today:
            return "overdue"
        return "due"


def clocks_for(application: Application) -> list[Clock]:
    return [
        Clock(
            "Check the threshold",
            application.check_due,
            application.stage not in (Stage.RECEIVED, Stage.AWAITING_DISCRETION),
        ),
        Clock(
            "Tell the applicant",
            application.tell_applicant_due,
            application.applicant_told_at is not None,
        ),
        Clock(
            "Hold the review meeting",
            application.meeting_due,
            application.stage in (Stage.MEETING_HELD, Stage.COMPLETED),
        ),
        Clock("Send the outcome", application.outcome_due, application.outcome_sent_at is not None),
        Clock(
            "Appeal window closes",
            application.appeal_window_ends,
            application.appeal_window_ends is not None
            and application.appeal_window_ends < timezone.localdate(),
        ),
    ]


def pipeline(*, viewer: Viewer) -> dict[str, list[Application]]:
    """Open applications by stage, oldest first, for the ASB Champion's board."""
    by_stage: dict[str, list[Application]] = {stage: [] for stage, _ in Stage.choices}
    for application in application_list_for_viewer(viewer=viewer).order_by("received_at"):
        by_stage[application.stage].append(application)
    return by_stage


def recommendations_open_by_agency(*, viewer: Viewer) -> list[tuple[Organisation, list]]:
    recommendations = (
        rules.recommendations(viewer)
        .filter(status__in=[Recommendation.Status.AGREED, Recommendation.Status.IN_PROGRESS])
        .select_related("lead_organisation", "application")
        .order_by("lead_organisation__name", "due_on")
    )
    grouped: dict[Organisation, list] = defaultdict(list)
    for recommendation in recommendations:
        grouped[recommendation.lead_organisation].append(recommendation)
    return sorted(grouped.items(), key=lambda item: item[0].name)


def meetings_upcoming(*, viewer: Viewer) -> QuerySet[ResolutionMeeting]:
    return (
        rules.meetings(viewer)
        .filter(status=ResolutionMeeting.Status.SCHEDULED)
        .select_related("application", "chair")
        .order_by("scheduled_for")
    )


def alerts_open(*, viewer: Viewer) -> QuerySet[SweepAlert]:
    return (
        rules.alerts(viewer)
        .filter(acknowledged_at__isnull=True)
        .exclude(rule=SweepAlert.Rule.SECOND_REPORT)
        .select_related("person", "local_authority")
    )


def alerts_with_people(*, viewer: Viewer, limit: int) -> list[SweepAlert]:
    """Open alerts, each person shown as their signpost for the viewer (`alert.view`)."""
    alerts = list(alerts_open(viewer=viewer)[:limit])
    views = redaction.person_views(viewer, [a.person for a in alerts if a.person_id])
    for alert in alerts:
        alert.view = views.get(alert.person_id)
    return alerts


def alert_get_for_viewer(*, viewer: Viewer, alert_id: int) -> SweepAlert:
    alert = alerts_open(viewer=viewer).filter(pk=alert_id).first()
    if alert is None:
        raise Http404("No such alert")
    return alert


def policies_current() -> list[ThresholdPolicy]:
    today = timezone.localdate()
    current = {}
    for policy in (
        ThresholdPolicy.objects.filter(effective_from__lte=today)
        .select_related("local_authority")
        .order_by("local_authority__name", "-effective_from", "-version")
    ):
        current.setdefault(policy.local_authority_id, policy)
    return list(current.values())


def policy_history(*, local_authority: LocalAuthority) -> QuerySet[ThresholdPolicy]:
    return ThresholdPolicy.objects.filter(local_authority=local_authority).order_by("-version")


def recommendation_get_for_viewer(*, viewer: Viewer, recommendation_uuid) -> Recommendation:
    recommendation = (
        rules.recommendations(viewer)
        .filter(uuid=_uuid(recommendation_uuid))
        .select_related("application", "lead_organisation")
        .first()
    )
    if recommendation is None:
        raise Http404("No such recommendation")
    return recommendation


def meeting_get(*, viewer: Viewer, application: Application, meeting_uuid) -> ResolutionMeeting:
    meeting = (
        rules.meetings(viewer).filter(application=application, uuid=_uuid(meeting_uuid)).first()
    )
    if meeting is None:
        raise Http404("No such meeting")
    return meeting


def appeal_get(*, application: Application, appeal_uuid) -> Appeal:
    appeal = application.appeals.filter(uuid=_uuid(appeal_uuid)).first()
    if appeal is None:
        raise Http404("No such appeal")
    return appeal


# The public ----------------------------------------------------------------------------------


# The stages an applicant sees, in plain words, in order.
PUBLIC_STEPS = [
    "We received your application",
    "We decided whether a Case Review will take place",
    "The Case Review meeting",
    "We sent you the outcome",
]


@dataclass(frozen=True)
class PublicProgress:
    """What the applicant may read about their application: a plain-words stage, only once
    they have been told the decision, and never the evidence behind it or staff wording."""

    heading: str
    detail: str
    told: bool
    steps: tuple[tuple[str, str], ...] = ()  # (plain label, "done" / "current" / "to come")


def _steps(reached: int) -> tuple[tuple[str, str], ...]:
    """Steps before `reached` are done, `reached` is the current one."""
    return tuple(
        (label, "done" if i < reached else "current" if i == reached else "to come")
        for i, label in enumerate(PUBLIC_STEPS)
    )


def public_progress(application: Application) -> PublicProgress:
    tell_by = f"{application.tell_applicant_due:%-d %B %Y}"
    if application.stage == Stage.WITHDRAWN:
        return PublicProgress("Your application was withdrawn", "", told=True)
    # Nothing staff are still deciding is shown until the applicant has been told it.
    if application.applicant_told_at is None:
        return PublicProgress(
            "We have your application",
            f"We are looking at the reports made about the problem. We will tell you by "
            f"{tell_by} whether a Case Review will take place.",
            told=False,
            steps=_steps(1),
        )
    progress = {
        Stage.RECEIVED: (
            "We are still looking at your application",
            f"We will tell you by {tell_by} whether a Case Review will take place.",
            1,
        ),
        Stage.AWAITING_DISCRETION: (
            "We are still looking at your application",
            "We will tell you soon whether a Case Review will take place.",
            1,
        ),
        Stage.NOT_MET: (
            "A Case Review will not take place",
            "We have written to you with the reasons, and how to ask for the decision to be "
            "looked at again.",
            len(PUBLIC_STEPS),
        ),
        Stage.REVIEW: (
            "A Case Review will take place",
            "The agencies involved will meet to review how they responded to the problem. "
            "We will tell you when and how you can take part.",
            2,
        ),
        Stage.MEETING_HELD: (
            "The Case Review meeting has taken place",
            "The agencies are agreeing an action plan. We will ask for your views on it before "
            "it is final.",
            3,
        ),
        Stage.COMPLETED: (
            "The Case Review is complete",
            "We have sent you the outcome and the action plan.",
            len(PUBLIC_STEPS),
        ),
    }
    heading, detail, reached = progress[application.stage]
    steps = _steps(reached)
    if application.stage == Stage.NOT_MET:
        steps = (*_steps(2)[:2], ("A Case Review will not take place", "done"))
    return PublicProgress(heading, detail, told=True, steps=steps)


def draft_in_progress(draft_uuid) -> ApplicationDraft | None:
    """The applicant's own application in progress (its id is in their session), unsent."""
    try:
        draft_uuid = _uuid(draft_uuid)
    except Http404:
        return None
    return ApplicationDraft.objects.filter(uuid=draft_uuid, submitted_as__isnull=True).first()


def application_for_applicant(*, reference: str, postcode: str) -> Application | None:
    """The application with this reference and problem postcode, or None: a wrong reference
    and a wrong postcode look the same."""
    reference = (reference or "").strip().upper().replace(" ", "")
    if len(reference) == 10 and reference.startswith("CR") and "-" not in reference:
        reference = f"CR-{reference[2:6]}-{reference[6:]}"
    return Application.objects.filter(
        reference=reference, problem_postcode=normalise_postcode(postcode)
    ).first()


@dataclass
class Figures:
    area: LocalAuthority
    year_start: int
    applications: int
    not_met: int
    reviews: int
    with_recommendations: int

    @property
    def year_label(self) -> str:
        return f"April {self.year_start} to March {self.year_start + 1}"


def financial_year(moment: dt.datetime) -> int:
    local = timezone.localtime(moment)
    return local.year if local.month >= 4 else local.year - 1


def published_figures() -> list[Figures]:
    """The four statutory counts per area and financial year, computed from the records:
    applications received; times the threshold was not met; reviews carried out; reviews that
    resulted in recommendations."""
    applications = (
        Application.objects.exclude(stage=Stage.WITHDRAWN)
        .annotate(
            held=Count(
                "meetings", filter=Q(meetings__status=ResolutionMeeting.Status.HELD), distinct=True
            ),
            recommended=Count("recommendations", distinct=True),
        )
        .select_related("local_authority")
    )
    counts: dict[tuple[int, int], Counter] = defaultdict(Counter)
    areas = {}
    for application in applications:
        key = (application.local_authority_id, financial_year(application.received_at))
        areas[application.local_authority_id] = application.local_authority
        counts[key]["applications"] += 1
        counts[key]["not_met"] += application.stage == Stage.NOT_MET
        counts[key]["reviews"] += application.held > 0
        counts[key]["with_recommendations"] += application.held > 0 and application.recommended > 0
    return sorted(
        (
            Figures(
                area=areas[area_id],
                year_start=year,
                applications=c["applications"],
                not_met=c["not_met"],
                reviews=c["reviews"],
                with_recommendations=c["with_recommendations"],
            )
            for (area_id, year), c in counts.items()
        ),
        key=lambda f: (-f.year_start, f.area.name),
    )


# The 2025 guidance: second reports, ways to apply, the single point of contact ----------------


def prompts_for(*, viewer: Viewer, limit: int = 5) -> list[CaseReviewExplanation]:
    """Second reports the viewer recorded whose victim has not yet had the ASB Case Review
    explained: shown on every page until they record that they have."""
    if not viewer.is_member or viewer.user is None:
        return []
    return list(
        rules.case_review_explanations(viewer)
        .filter(explained_at__isnull=True, incident__recorded_by=viewer.user)
        # Each prompt shows its report's date: read with the prompts (the filter joins the
        # incident already), not one query a prompt on every page. Only what the banner and
        # the dashboard show: the prompt's columns and the report's 29 were built and
        # compiled on every signed-in page, most often to find no prompt (issue 16).
        .select_related("incident")
        .only("uuid", "due_on", "incident__reported_at")
        .order_by("prompted_at")[:limit]
    )


def explanation_get_for_viewer(*, viewer: Viewer, explanation_uuid) -> CaseReviewExplanation:
    explanation = (
        rules.case_review_explanations(viewer)
        .filter(uuid=_uuid(explanation_uuid))
        .select_related("person", "incident__incident_type", "organisation", "earlier_incident")
        .first()
    )
    if explanation is None:
        raise Http404("No such prompt")
    return explanation


@dataclass(frozen=True)
class ExplainedShare:
    organisation: str
    prompted: int
    told: int
    told_in_time: int
    waiting: int

    @property
    def share(self) -> int | None:
        """Per cent of second-report victims told within the contact standard."""
        return round(100 * self.told_in_time / self.prompted) if self.prompted else None


def explained_shares(*, viewer: Viewer, since: dt.date) -> list[ExplainedShare]:
    """By agency (the viewer's own, or every one for the ASB Champion): victims who made a
    second report since `since`, how many were told about the Case Review, how many within
    the contact standard."""
    rows: dict[str, Counter] = defaultdict(Counter)
    for explanation in (
        rules.case_review_explanations(viewer)
        .filter(prompted_at__date__gte=since)
        .select_related("organisation")
    ):
        counts = rows[explanation.organisation.name]
        counts["prompted"] += 1
        counts["told"] += explanation.explained_at is not None
        counts["in_time"] += explanation.told_in_time
        counts["waiting"] += explanation.explained_at is None
    return [
        ExplainedShare(name, c["prompted"], c["told"], c["in_time"], c["waiting"])
        for name, c in sorted(rows.items())
    ]


def applications_by_channel(*, viewer: Viewer) -> list[tuple[str, str, int]]:
    """Applications the viewer may see, by how they were made: (channel, label, count)."""
    counts = dict(
        rules.applications(viewer).values_list("channel").annotate(n=Count("id")).order_by()
    )
    return [(value, label, counts.get(value, 0)) for value, label in Channel.choices]


@dataclass(frozen=True)
class PublicContact:
    name: str
    organisation: str


def public_contact(application: Application) -> PublicContact | None:
    """The victim's single point of contact, as shown to the applicant."""
    officer = application.contact_officer
    if officer is None or not officer.is_active:
        return None
    membership = getattr(officer, "membership", None)
    return PublicContact(
        name=officer.display_name,
        organisation=membership.organisation.name if membership else "",
    )


def public_closure(application: Application):
    """The latest closure notice, for the applicant: once they have been told the decision."""
    if application.applicant_told_at is None:
        return None
    return application.closure_notices.order_by("-sent_at").first()


def contact_candidates(*, viewer: Viewer, application: Application):
    """Who may be named the single point of contact: any active member of the partnership's
    agencies who works cases (the victim may be best served by the lead agency's officer)."""
    from partners.models import Membership, User

    return (
        User.objects.filter(
            is_active=True,
            membership__role__in=[
                Membership.Role.CASE_OFFICER,
                Membership.Role.SUPERVISOR,
                Membership.Role.ASB_CHAMPION,
            ],
        )
        .select_related("membership__organisation")
        .order_by("membership__organisation__name", "last_name", "first_name", "pk")
    )
