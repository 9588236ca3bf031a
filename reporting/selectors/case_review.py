"""Dashboard 3: ASB Case Review."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Min, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from access import rules
from access.viewer import Viewer
from community_trigger.models import Application, Recommendation, ResolutionMeeting, Stage
from reporting.selectors.scope import Dashboard, _limit, _organisation_names
from reporting.tables import Column, Link, Table


def _applications(viewer: Viewer) -> QuerySet[Application]:
    """The applications the viewer may list (access.rules); analysts count every application
    and never see one."""
    if viewer.may("community_trigger.view_application"):
        return rules.applications(viewer)
    return Application.objects.all()


def case_review_dashboard(*, viewer: Viewer, for_export: bool = False) -> Dashboard:
    today = timezone.localdate()
    now = timezone.now()
    data = Dashboard(viewer=viewer)
    listed = viewer.may("community_trigger.view_application")
    applications = list(
        _applications(viewer)
        .order_by()
        .annotate(
            decided=Min("decisions__decided_at"),
            held=Min("meetings__held_at", filter=Q(meetings__status="held")),
        )
        .values(
            "id",
            "stage",
            "received_at",
            "check_due",
            "tell_applicant_due",
            "applicant_told_at",
            "meeting_due",
            "outcome_due",
            "outcome_sent_at",
            "decided",
            "held",
        )
    )
    by_stage = defaultdict(int)
    for application in applications:
        by_stage[application["stage"]] += 1
    data.add(
        Table(
            key="stages",
            caption="Applications by stage",
            columns=[Column("stage", "Stage"), Column("applications", "Applications", "int")],
            rows=[[label, by_stage[value]] for value, label in Stage.choices],
            empty="No applications.",
        )
    )
    clocks = [
        ("Threshold checked", "check_due", "decided"),
        ("Applicant told the decision", "tell_applicant_due", "applicant_told_at"),
        ("Review meeting held", "meeting_due", "held"),
        ("Outcome sent", "outcome_due", "outcome_sent_at"),
    ]
    clock_rows = []
    for label, due_key, done_key in clocks:
        counts = defaultdict(int)
        for application in applications:
            due, done = application[due_key], application[done_key]
            if due is None or (application["stage"] == Stage.WITHDRAWN and done is None):
                continue
            if done is not None:
                counts["on_time" if timezone.localtime(done).date() <= due else "late"] += 1
            else:
                counts["overdue" if due < today else "waiting"] += 1
        clock_rows.append(
            [label, counts["on_time"], counts["late"], counts["waiting"], counts["overdue"]]
        )
    data.add(
        Table(
            key="deadlines",
            caption="Decisions and steps against their deadlines (working days)",
            columns=[
                Column("step", "Step"),
                Column("on_time", "Done on time", "int"),
                Column("late", "Done late", "int"),
                Column("waiting", "Not yet due", "int"),
                Column("overdue", "Not done and overdue", "int"),
            ],
            rows=clock_rows,
        )
    )
    meetings = ResolutionMeeting.objects.filter(application__in=_applications(viewer))
    meeting_counts = dict(meetings.order_by().values_list("status").annotate(Count("id")))
    data.add(
        Table(
            key="meetings",
            caption="Resolution meetings",
            columns=[Column("status", "Status"), Column("meetings", "Meetings", "int")],
            rows=[
                [label, meeting_counts.get(value, 0)]
                for value, label in ResolutionMeeting.Status.choices
            ],
        )
    )
    if listed:
        upcoming = list(
            meetings.filter(status=ResolutionMeeting.Status.SCHEDULED, scheduled_for__gte=now)
            .select_related("application")
            .order_by("scheduled_for")[: _limit(for_export)]
        )
        data.add(
            Table(
                key="upcoming",
                caption="Meetings coming up",
                columns=[
                    Column("application", "Application"),
                    Column("when", "When", "datetime"),
                    Column("where", "Where"),
                ],
                rows=[
                    [
                        Link(
                            m.application.reference,
                            reverse(
                                "community_trigger:application_detail", args=[m.application.uuid]
                            ),
                        ),
                        m.scheduled_for,
                        m.location,
                    ]
                    for m in upcoming
                ],
                empty="No meetings are scheduled.",
            )
        )
    names = _organisation_names()
    recommendations = (
        Recommendation.objects.filter(application__in=_applications(viewer))
        .order_by()
        .values("lead_organisation_id")
        .annotate(
            open=Count("id", filter=Q(status__in=["agreed", "in_progress"])),
            overdue=Count("id", filter=Q(status__in=["agreed", "in_progress"], due_on__lt=today)),
            completed=Count("id", filter=Q(status="completed")),
            not_done=Count("id", filter=Q(status="not_done")),
        )
    )
    data.add(
        Table(
            key="recommendations",
            caption="Recommendations by the agency that leads them",
            columns=[
                Column("organisation", "Agency"),
                Column("open", "Open", "int"),
                Column("overdue", "Open and overdue", "int"),
                Column("completed", "Completed", "int"),
                Column("not_done", "Not done", "int"),
            ],
            rows=[
                [
                    names[r["lead_organisation_id"]],
                    r["open"],
                    r["overdue"],
                    r["completed"],
                    r["not_done"],
                ]
                for r in sorted(recommendations, key=lambda r: names[r["lead_organisation_id"]])
            ],
            empty="No recommendations yet.",
        )
    )
    data.facts = {
        "applications": len(applications),
        "open": sum(
            1 for a in applications if a["stage"] not in {"not_met", "completed", "withdrawn"}
        ),
    }
    return data
