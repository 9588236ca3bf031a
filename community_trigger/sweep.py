"""The proactive sweep: people and places that meet a threshold with no application yet, and
victims who have reported twice in six months, so their lead officer can explain the Case
Review (2025 guidance) and the ASB Champion knows.

Idempotent by a database constraint: an alert is one row per (rule, subject, window start), and
notifications are one row per (user, key). Two sweeps at once, or one run twice, raise each
alert once. The counting is set-based: one pass over the window's incidents, whatever their
number.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from dateutil.relativedelta import relativedelta
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from asb_cases.models import CasePerson, Incident, IncidentType
from community_trigger.engine import window_start
from community_trigger.models import Application, SweepAlert, SweepRun, ThresholdPolicy
from community_trigger.problem import Problem, same_problem
from community_trigger.services import champions
from partners.models import Membership, Notification
from partners.signals import notices_recorded
from victims.status import current_definition

Rule = SweepAlert.Rule
# Once a subject has been alerted under a rule, a new window does not alert again until this
# long after the last alert's window started (the policy window): no daily repeats.
QUIET_MONTHS = 6


@dataclass
class Event:
    key: int
    occurred_at: dt.datetime
    reported_at: dt.datetime
    occurred_day: dt.date  # UK local dates, computed by the database
    reported_day: dt.date
    incident_type_id: int
    hate: bool
    local_authority_id: int | None
    postcode: str
    reporter_id: int | None


def _policies(today: dt.date) -> dict[int, ThresholdPolicy]:
    policies: dict[int, ThresholdPolicy] = {}
    for policy in ThresholdPolicy.objects.filter(effective_from__lte=today).order_by(
        "local_authority_id", "-effective_from", "-version"
    ):
        policies.setdefault(policy.local_authority_id, policy)
    return policies


@lru_cache(maxsize=16_384)
def _deadline(day: dt.date, months: int) -> dt.date:
    return day + relativedelta(months=months)


def _in_time(event: Event, months: int) -> bool:
    """Reported within `months` of the behaviour, by UK calendar days (as the engine judges)."""
    return event.reported_day <= _deadline(event.occurred_day, months)


def sweep(*, now: dt.datetime | None = None) -> SweepRun:
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    run = SweepRun.objects.create(started_at=now)
    policies = _policies(today)
    default = ThresholdPolicy(
        window_months=6, report_within_months=1, individual_count=3, community_count=5, hate_count=1
    )
    longest = max([p.window_months for p in policies.values()] + [default.window_months])
    second_months = current_definition(today).second_report_window_months
    start = window_start(now, max(longest, second_months))
    starts = {
        months: window_start(now, months)
        for months in {p.window_months for p in policies.values()}
        | {default.window_months, second_months}
    }

    # One pass over the window's incidents about people (merged people resolved).
    by_person: dict[int, dict[int, Event]] = defaultdict(dict)
    by_place: dict[tuple[str, int], dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    place_area: dict[tuple[str, int], int | None] = {}
    rows = (
        Incident.objects.filter(reported_at__gte=start, reported_at__lte=now)
        .annotate(
            person=Coalesce("victim__merged_into_id", "victim_id"),
            event=Coalesce("duplicate_of_id", "id"),
            occurred_day=TruncDate("occurred_at", tzinfo=timezone.get_current_timezone()),
            reported_day=TruncDate("reported_at", tzinfo=timezone.get_current_timezone()),
        )
        .values_list(
            "person",
            "event",
            "occurred_at",
            "reported_at",
            "occurred_day",
            "reported_day",
            "incident_type_id",
            "hate_motivated",
            "local_authority_id",
            "postcode",
            "reporter_id",
        )
        .iterator(chunk_size=20_000)
    )
    for row in rows:
        person, key, occurred, reported, *_rest, type_id, hate, area, postcode, reporter = row
        event = Event(key, *row[2:6], type_id, hate, area, postcode, reporter)
        if person is not None and (
            key not in by_person[person] or occurred < by_person[person][key].occurred_at
        ):
            by_person[person][key] = event
        if postcode:
            policy = policies.get(area, default)
            if reported >= starts[policy.window_months] and _in_time(
                event, policy.report_within_months
            ):
                place_area[(postcode, type_id)] = area
                for someone in (person, reporter):
                    if someone is not None:
                        by_place[(postcode, type_id)][someone].add(key)

    applied = _people_with_applications(now, longest)
    alerts: list[SweepAlert] = []
    for person, events in by_person.items():
        ordered = sorted(events.values(), key=lambda e: e.occurred_at)
        latest = ordered[-1]
        policy = policies.get(latest.local_authority_id, default)
        policy_start = starts[policy.window_months]
        qualifying = [
            e
            for e in ordered
            if e.reported_at >= policy_start and _in_time(e, policy.report_within_months)
        ]
        if person not in applied:
            problem = _largest_problem(qualifying)
            if len(problem) >= policy.individual_count:
                alerts.append(
                    _person_alert(
                        Rule.INDIVIDUAL,
                        person,
                        problem,
                        latest,
                        f"{len(problem)} qualifying complaints about the same problem since "
                        f"{timezone.localtime(problem[0].occurred_at):%-d %B %Y}, and no Case "
                        "Review application",
                    )
                )
            hate = [e for e in qualifying if e.hate]
            if len(hate) >= policy.hate_count:
                alerts.append(
                    _person_alert(
                        Rule.HATE,
                        person,
                        hate,
                        latest,
                        f"{len(hate)} hate-motivated incident{'s' if len(hate) > 1 else ''} since "
                        f"{timezone.localtime(hate[0].occurred_at):%-d %B %Y}, and no Case Review "
                        "application",
                    )
                )
        recent = [e for e in ordered if e.reported_at >= starts[second_months]]
        if len(recent) >= 2:
            alerts.append(
                _person_alert(
                    Rule.SECOND_REPORT,
                    person,
                    recent,
                    latest,
                    f"{len(recent)} reports since "
                    f"{timezone.localtime(recent[0].occurred_at):%-d %B %Y}: explain the ASB Case "
                    "Review to them",
                )
            )
    types = dict(IncidentType.objects.values_list("pk", "code"))
    places_applied = _places_with_applications(now, longest)
    for (postcode, type_id), people in by_place.items():
        policy = policies.get(place_area[(postcode, type_id)], default)
        if len(people) < policy.community_count or (postcode, type_id) in places_applied:
            continue
        alerts.append(
            SweepAlert(
                rule=Rule.COMMUNITY,
                subject_key=f"place:{postcode}:{types[type_id]}",
                window_start=window_start(now, policy.window_months).date(),
                local_authority_id=place_area[(postcode, type_id)],
                postcode=postcode,
                reason=f"{len(people)} different people reporting {types[type_id]} at {postcode}, "
                "and no Case Review application",
                incident_count=len({k for keys in people.values() for k in keys}),
            )
        )

    fresh = _not_recently_alerted(alerts, today)
    SweepAlert.objects.bulk_create(fresh, ignore_conflicts=True, batch_size=2_000)
    _notify(fresh, today)
    run.alerts_created = len(fresh)
    run.subjects_checked = len(by_person) + len(by_place)
    run.finished_at = timezone.now()
    run.save(update_fields=["alerts_created", "subjects_checked", "finished_at"])
    return run


def _largest_problem(events: list[Event]) -> list[Event]:
    """The most complaints about one problem among a person's, by the engine's definition
    (problem.same_problem): each complaint in turn is taken as what an application would be
    about, and the complaints about the same problem as it are counted."""
    best: list[Event] = []
    for anchor in {(e.incident_type_id, e.postcode) for e in events}:
        problem = Problem(incident_type_id=anchor[0], postcode=anchor[1])
        same = [
            e
            for e in events
            if same_problem(
                problem,
                incident_type_id=e.incident_type_id,
                postcode=e.postcode,
                about_the_person=True,
            )
        ]
        if len(same) > len(best):
            best = same
    return best


def _person_alert(rule: str, person: int, events: list[Event], latest: Event, reason: str):
    return SweepAlert(
        rule=rule,
        subject_key=f"person:{person}",
        window_start=timezone.localtime(events[0].occurred_at).date(),
        person_id=person,
        local_authority_id=latest.local_authority_id,
        postcode=latest.postcode,
        reason=reason[:300],
        incident_count=len(events),
    )


def _people_with_applications(now: dt.datetime, months: int) -> set[int]:
    since = window_start(now, months)
    return set(
        Application.objects.filter(received_at__gte=since, victim__isnull=False)
        .annotate(person=Coalesce("victim__merged_into_id", "victim_id"))
        .values_list("person", flat=True)
    )


def _places_with_applications(now: dt.datetime, months: int) -> set[tuple[str, int]]:
    since = window_start(now, months)
    return set(
        Application.objects.filter(received_at__gte=since).values_list(
            "problem_postcode", "problem_type_id"
        )
    )


def _not_recently_alerted(alerts: list[SweepAlert], today: dt.date) -> list[SweepAlert]:
    """Drop alerts already raised (the same rule, subject and window), and those whose subject
    was alerted under the same rule within the quiet period for another window. The unique
    constraint still settles two sweeps racing each other."""
    if not alerts:
        return []
    quiet_since = today - relativedelta(months=QUIET_MONTHS)
    raised = set(
        SweepAlert.objects.filter(subject_key__in={a.subject_key for a in alerts}).values_list(
            "rule", "subject_key", "window_start"
        )
    )
    recently = {(rule, subject) for rule, subject, start in raised if start > quiet_since}
    return [
        alert
        for alert in alerts
        if (alert.rule, alert.subject_key, alert.window_start) not in raised
        and (alert.rule, alert.subject_key) not in recently
    ]


def _notify(alerts: list[SweepAlert], today: dt.date) -> int:
    """Tell people about the alerts this sweep raised, as one digest each per day: the ASB
    Champion about threshold alerts; each person's lead officer (or, with no open case, the
    supervisors of the agency that last heard from them) about their victims. The (user, key)
    constraint, keyed by day, makes repeated and overlapping sweeps notify nobody twice."""
    if not alerts:
        return 0
    person_ids = {a.person_id for a in alerts if a.person_id}
    # Users by id throughout: tens of thousands of alerts, a big agency's supervisors each.
    lead_officers: dict[int, set[int]] = defaultdict(set)
    for person_id, officer_id in (
        CasePerson.objects.filter(person_id__in=person_ids, role="victim")
        .exclude(case__status="closed")
        .exclude(case__lead_officer__isnull=True)
        .values_list("person_id", "case__lead_officer_id")
    ):
        lead_officers[person_id].add(officer_id)
    without_lead = person_ids - set(lead_officers)
    last_agency = (
        dict(
            Incident.objects.filter(victim_id__in=without_lead)
            .order_by("victim_id", "-reported_at")
            .distinct("victim_id")
            .values_list("victim_id", "reported_to_id")
        )
        if without_lead
        else {}
    )
    supervisors: dict[object, set[int]] = defaultdict(set)
    for organisation_id, user_id in Membership.objects.filter(
        organisation_id__in=set(last_agency.values()),
        role=Membership.Role.SUPERVISOR,
        user__is_active=True,
    ).values_list("organisation_id", "user_id"):
        supervisors[organisation_id].add(user_id)

    per_officer: dict[int, list[SweepAlert]] = defaultdict(list)
    for alert in alerts:
        officers = lead_officers.get(alert.person_id) or supervisors.get(
            last_agency.get(alert.person_id), ()
        )
        for user_id in officers:
            per_officer[user_id].append(alert)
    notifications = []
    for user_id, theirs in per_officer.items():
        people = len({a.person_id for a in theirs})
        prompts = sum(1 for a in theirs if a.rule == Rule.SECOND_REPORT)
        notifications.append(
            Notification(
                user_id=user_id,
                key=f"sweep:{today}:victims",
                subject=f"{people} of your victims should be told about the ASB Case Review",
                body=f"{prompts} have reported twice in six months; the others meet a Case "
                "Review threshold with no application. Their flags are on your victims list.",
                link="/people/",
            )
        )
    threshold = [a for a in alerts if a.rule != Rule.SECOND_REPORT]
    if threshold:
        for user in champions():
            notifications.append(
                Notification(
                    user=user,
                    key=f"sweep:{today}:thresholds",
                    subject=f"{len(threshold)} people or places meet a Case Review threshold "
                    "with no application",
                    body="Found by the nightly sweep.",
                    link="/case-reviews/alerts/",
                )
            )
    Notification.objects.bulk_create(notifications, ignore_conflicts=True, batch_size=2_000)
    # E-mailed as each person chooses (the notifications app, through the outbox).
    notices_recorded.send(
        sender=Notification,
        keys=sorted({n.key for n in notifications}),
        user_ids=sorted({n.user_id for n in notifications}),
    )
    return len(notifications)
