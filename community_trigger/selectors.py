"""Reads for the ASB Case Review, scoped to the user asking.

The ASB Champion sees every application in the partnership (they run the reviews). Other staff
see applications their organisation recorded, whose case it can see, or to whose meeting or
recommendations it is party. The engine's evidence names every incident it considered, but
describes one only to those entitled: the organisation that can see it, or the ASB Champion
(agencies share information for the review under the 2014 Act); to anyone else it is a date and
an agency. The public see their application's stage and dates, by reference and postcode.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from uuid import UUID

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from asb_cases.access import case_visible_to
from asb_cases.models import Case, Incident
from asb_cases.selectors import incidents_visible_q
from community_trigger.models import (
    Appeal,
    Application,
    Evidence,
    Recommendation,
    ResolutionMeeting,
    Stage,
    SweepAlert,
    ThresholdDecision,
    ThresholdPolicy,
)
from partners.models import LocalAuthority, Organisation, User
from partners.postcodes import normalise_postcode
from victims.models import ImpactStatement


def _uuid(value) -> UUID:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        raise Http404("Not a valid identifier") from None


def is_champion(user: User) -> bool:
    return user.has_perm("community_trigger.decide_application")


def application_list_for_user(*, user: User, stage: str = "") -> QuerySet[Application]:
    if not user.has_perm("community_trigger.view_application"):
        return Application.objects.none()
    applications = Application.objects.select_related(
        "local_authority", "problem_type", "lead_case"
    )
    if not is_champion(user):
        organisation = user.membership.organisation
        applications = applications.filter(
            Q(recorded_by__membership__organisation=organisation)
            | Q(
                Exists(
                    Case.objects.filter(case_visible_to(organisation), pk=OuterRef("lead_case_id"))
                )
            )
            | Q(meetings__invited=organisation)
            | Q(recommendations__lead_organisation=organisation)
        ).distinct()
    if stage:
        applications = applications.filter(stage=stage)
    return applications.order_by("-received_at", "-id")


def application_get_for_user(*, user: User, application_uuid) -> Application:
    application = application_list_for_user(user=user).filter(uuid=_uuid(application_uuid)).first()
    if application is None:
        raise Http404("No such application")
    return application


@dataclass
class EvidenceLine:
    evidence: Evidence
    incident: Incident
    described: bool  # False: the user sees only the date and the agency


@dataclass
class ApplicationRecord:
    application: Application
    decisions: list[ThresholdDecision]
    evidence: dict[int, list[EvidenceLine]]
    meetings: list[ResolutionMeeting]
    recommendations: list[Recommendation]
    appeals: list[Appeal]
    statements: list

    @property
    def latest_decision(self) -> ThresholdDecision | None:
        return self.decisions[0] if self.decisions else None


def application_record_for_user(*, user: User, application: Application) -> ApplicationRecord:
    decisions = list(
        application.decisions.select_related("decided_by", "policy").order_by("-decided_at")
    )
    evidence_rows = list(
        Evidence.objects.filter(decision__in=decisions)
        .select_related("incident__reported_to", "incident__incident_type")
        .order_by("incident__occurred_at")
    )
    if is_champion(user):
        visible = {row.incident_id for row in evidence_rows}
    else:
        visible = set(
            Incident.objects.filter(pk__in=[row.incident_id for row in evidence_rows])
            .filter(incidents_visible_q(user.membership.organisation))
            .values_list("pk", flat=True)
        )
    evidence: dict[int, list[EvidenceLine]] = defaultdict(list)
    for row in evidence_rows:
        evidence[row.decision_id].append(
            EvidenceLine(evidence=row, incident=row.incident, described=row.incident_id in visible)
        )
    statements = []
    if application.victim_id:
        latest = {}
        for statement in ImpactStatement.objects.filter(person_id=application.victim_id).order_by(
            "statement_id", "-version"
        ):
            latest.setdefault(statement.statement_id, statement)
        statements = sorted(latest.values(), key=lambda s: s.created_at)
    return ApplicationRecord(
        application=application,
        decisions=decisions,
        evidence=dict(evidence),
        meetings=list(application.meetings.select_related("chair").prefetch_related("invited")),
        recommendations=list(
            application.recommendations.select_related("lead_organisation", "meeting")
        ),
        appeals=list(application.appeals.all()),
        statements=statements,
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


def pipeline(*, user: User) -> dict[str, list[Application]]:
    """Open applications by stage, oldest first, for the ASB Champion's board."""
    by_stage: dict[str, list[Application]] = {stage: [] for stage, _ in Stage.choices}
    for application in application_list_for_user(user=user).order_by("received_at"):
        by_stage[application.stage].append(application)
    return by_stage


def recommendations_open_by_agency(*, user: User) -> list[tuple[Organisation, list]]:
    recommendations = (
        Recommendation.objects.filter(
            status__in=[Recommendation.Status.AGREED, Recommendation.Status.IN_PROGRESS],
            application__in=application_list_for_user(user=user),
        )
        .select_related("lead_organisation", "application")
        .order_by("lead_organisation__name", "due_on")
    )
    grouped: dict[Organisation, list] = defaultdict(list)
    for recommendation in recommendations:
        grouped[recommendation.lead_organisation].append(recommendation)
    return sorted(grouped.items(), key=lambda item: item[0].name)


def meetings_upcoming(*, user: User) -> QuerySet[ResolutionMeeting]:
    return (
        ResolutionMeeting.objects.filter(
            application__in=application_list_for_user(user=user),
            status=ResolutionMeeting.Status.SCHEDULED,
        )
        .select_related("application", "chair")
        .order_by("scheduled_for")
    )


def alerts_open(*, user: User) -> QuerySet[SweepAlert]:
    if not user.has_perm("community_trigger.view_sweepalert"):
        return SweepAlert.objects.none()
    return (
        SweepAlert.objects.filter(acknowledged_at__isnull=True)
        .exclude(rule=SweepAlert.Rule.SECOND_REPORT)
        .select_related("person", "local_authority")
    )


def alert_get_for_user(*, user: User, alert_id: int) -> SweepAlert:
    alert = alerts_open(user=user).filter(pk=alert_id).first()
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


def recommendation_get_for_user(*, user: User, recommendation_uuid) -> Recommendation:
    recommendation = (
        Recommendation.objects.filter(
            uuid=_uuid(recommendation_uuid),
            application__in=application_list_for_user(user=user),
        )
        .select_related("application", "lead_organisation")
        .first()
    )
    if recommendation is None:
        raise Http404("No such recommendation")
    return recommendation


def meeting_get(*, application: Application, meeting_uuid) -> ResolutionMeeting:
    meeting = application.meetings.filter(uuid=_uuid(meeting_uuid)).first()
    if meeting is None:
        raise Http404("No such meeting")
    return meeting


def appeal_get(*, application: Application, appeal_uuid) -> Appeal:
    appeal = application.appeals.filter(uuid=_uuid(appeal_uuid)).first()
    if appeal is None:
        raise Http404("No such appeal")
    return appeal


# The public ----------------------------------------------------------------------------------


def application_for_applicant(*, reference: str, postcode: str) -> Application | None:
    """The application with this reference and problem postcode, or None: a wrong reference
    and a wrong postcode look the same."""
    reference = (reference or "").strip().upper().replace(" ", "")
    if len(reference) == 10 and reference.startswith("CR") and "-" not in reference:
        reference = f"CR-{reference[2:6]}-{reference[6:]}"
    return (
        Application.objects.filter(
            reference=reference, problem_postcode=normalise_postcode(postcode)
        )
        .prefetch_related(
            Prefetch("meetings", queryset=ResolutionMeeting.objects.order_by("scheduled_for"))
        )
        .first()
    )


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
