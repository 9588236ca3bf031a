"""The threshold engine: judges an application against the policy in force, across incidents
reported to every agency, and says for each incident whether it counted and why not.

It reads as a system actor (it sees every incident); what it reveals is limited by the pages
that show its evidence. Nothing here writes: `services.application_evaluate` records the result.

Rules (2014 Act s.104 and Schedule 4; local policy as data):
- a complaint qualifies if made within `report_within_months` of the behaviour (one month:
  reported on or before the same calendar day a month later, UK time);
- and if made within `window_months` (six) before the application, up to the evaluation;
- one incident reported to several agencies (linked as `duplicate_of`) counts once;
- individual route: `individual_count` qualifying complaints about the same problem;
- hate route: `hate_count` qualifying hate-motivated incidents;
- community route: `community_count` different people reporting the same problem at the place.
Caveats the guidance calls bad practice (the case must be closed, diary sheets don't count, the
investigation must be finished) are never applied here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.db.models import Q
from django.utils import timezone

from asb_cases.models import Incident
from community_trigger.models import Application, Evidence, ThresholdDecision, ThresholdPolicy
from community_trigger.problem import Problem, same_problem
from victims.models import Person

Finding = Evidence.Finding
Route = ThresholdDecision.Route
ROUTE_LABELS = {
    Route.INDIVIDUAL: "the individual route",
    Route.COMMUNITY: "the community route",
    Route.HATE: "the hate route",
}

# Incidents this long before the window are still shown, as "outside the window", so the
# evidence explains what was left out; older ones are not considered at all.
EXPLAIN_BEFORE_WINDOW = relativedelta(months=6)
# Two unlinked incidents about the same person and problem within this long of each other, at
# different agencies, are probably one event: they are counted, but flagged for a person to check.
PROBABLE_DUPLICATE = dt.timedelta(hours=2)


def policy_in_force(local_authority_id: int, on: dt.date) -> ThresholdPolicy | None:
    return (
        ThresholdPolicy.objects.filter(
            local_authority_id=local_authority_id, effective_from__lte=on
        )
        .order_by("-effective_from", "-version")
        .first()
    )


def local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def reported_in_time(occurred_at: dt.datetime, reported_at: dt.datetime, months: int) -> bool:
    """Made within `months` of the behaviour: on or before the same calendar day that many
    months later, in UK time (so a complaint exactly one month later still qualifies)."""
    occurred_day = timezone.localtime(occurred_at).date()
    reported_day = timezone.localtime(reported_at).date()
    return reported_day <= occurred_day + relativedelta(months=months)


def window_start(received_at: dt.datetime, months: int) -> dt.datetime:
    return local_midnight(timezone.localtime(received_at).date() - relativedelta(months=months))


@dataclass
class Item:
    incident: Incident
    finding: str
    explanation: str
    routes: list[str] = field(default_factory=list)  # the routes a counted incident counts on


@dataclass
class Evaluation:
    outcome: str
    route: str
    counted: int
    people_reporting: int
    items: list[Item]
    reasons: str
    routes_met: list[str] = field(default_factory=list)

    @property
    def inputs_key(self) -> str:
        text = "|".join(f"{i.incident.pk}:{i.finding}:{','.join(i.routes)}" for i in self.items)
        return hashlib.sha256(f"{self.outcome}:{self.route}:{text}".encode()).hexdigest()


def person_group(person_id: int | None) -> set[int]:
    if person_id is None:
        return set()
    person = Person.objects.filter(pk=person_id).values("pk", "merged_into_id").first()
    if person is None:
        return set()
    root = person["merged_into_id"] or person["pk"]
    return {root, *Person.objects.filter(merged_into_id=root).values_list("pk", flat=True)}


def relevant_incidents(application: Application, until: dt.datetime) -> list[Incident]:
    """Incidents about the victim (or reported by them) and at the problem's postcode, from
    every agency, reported from a while before the window up to `until`."""
    policy = application.policy
    start = window_start(application.received_at, policy.window_months) - EXPLAIN_BEFORE_WINDOW
    group = person_group(application.victim_id)
    about = Q(postcode=application.problem_postcode)
    if group:
        about |= Q(victim_id__in=group) | Q(reporter_id__in=group)
    return list(
        Incident.objects.filter(about, reported_at__gte=start, reported_at__lte=until)
        .select_related("reported_to", "incident_type", "duplicate_of__reported_to")
        .order_by("occurred_at", "reported_at", "id")
    )


def _people(incident: Incident, canonical: dict[int, int]) -> set[int]:
    return {
        canonical.get(pk, pk) for pk in (incident.victim_id, incident.reporter_id) if pk is not None
    }


def evaluate(application: Application, *, now: dt.datetime | None = None) -> Evaluation:
    now = now or timezone.now()
    policy = application.policy
    start = window_start(application.received_at, policy.window_months)
    group = person_group(application.victim_id)
    incidents = relevant_incidents(application, now)
    canonical = dict(
        Person.objects.filter(
            pk__in={pk for i in incidents for pk in (i.victim_id, i.reporter_id) if pk},
            merged_into__isnull=False,
        ).values_list("pk", "merged_into_id")
    )
    on_lead_case = set(
        application.lead_case.incidents.values_list("pk", flat=True)
        if application.lead_case_id
        else []
    )
    problem = Problem(
        incident_type_id=application.problem_type_id,
        postcode=application.problem_postcode,
        case_incident_ids=frozenset(on_lead_case),
    )
    seen_events: dict[int, Incident] = {}
    items: list[Item] = []
    qualifying: list[Incident] = []
    pending: dict[int, str] = {}
    for incident in incidents:
        event = incident.duplicate_of_id or incident.pk
        agency = incident.reported_to.name
        if event in seen_events:
            first = seen_events[event]
            items.append(
                Item(
                    incident,
                    Finding.DUPLICATE,
                    f"The same incident as one reported to {first.reported_to.name}: counted once",
                )
            )
            continue
        seen_events[event] = incident
        if incident.reported_at < start:
            items.append(
                Item(
                    incident,
                    Finding.OUTSIDE_WINDOW,
                    f"Reported to {agency} more than {policy.window_months} months "
                    "before the application",
                )
            )
            continue
        if not reported_in_time(
            incident.occurred_at, incident.reported_at, policy.report_within_months
        ):
            items.append(
                Item(
                    incident,
                    Finding.REPORTED_TOO_LATE,
                    f"Reported to {agency} more than {policy.report_within_months} "
                    f"month{'s' if policy.report_within_months > 1 else ''} after it "
                    "happened",
                )
            )
            continue
        explanation = (
            f"Reported to {agency} on {timezone.localtime(incident.reported_at):%-d %B %Y}"
        )
        probable = next(
            (
                other
                for other in qualifying
                if other.reported_to_id != incident.reported_to_id
                and abs(other.occurred_at - incident.occurred_at) <= PROBABLE_DUPLICATE
                and _people(other, canonical) & _people(incident, canonical)
            ),
            None,
        )
        if probable is not None:
            explanation += (
                f"; possibly the same incident as one reported to {probable.reported_to.name} "
                "(not linked, so counted: check)"
            )
        qualifying.append(incident)
        pending[incident.pk] = explanation

    # Each qualifying complaint counts towards the routes it belongs to (problem.same_problem,
    # the definition the sweep uses too), and is marked counted only if it counts somewhere.
    individual: list[Incident] = []
    hate: list[Incident] = []
    people_at_place: set[int] = set()
    routes_of: dict[int, list[str]] = {}
    for incident in qualifying:
        about_victim = bool(group & _people(incident, canonical))
        routes = []
        if about_victim and same_problem(
            problem,
            incident_type_id=incident.incident_type_id,
            postcode=incident.postcode,
            about_the_person=True,
            incident_id=incident.pk,
        ):
            routes.append(Route.INDIVIDUAL)
            individual.append(incident)
        if same_problem(
            problem,
            incident_type_id=incident.incident_type_id,
            postcode=incident.postcode,
            about_the_person=False,
        ):
            routes.append(Route.COMMUNITY)
            people_at_place |= _people(incident, canonical)
        if about_victim and incident.hate_motivated:
            routes.append(Route.HATE)
            hate.append(incident)
        routes_of[incident.pk] = routes
    for incident in qualifying:
        routes = routes_of[incident.pk]
        agency = incident.reported_to.name
        if routes:
            labels = ", ".join(ROUTE_LABELS[route] for route in routes)
            item = Item(
                incident, Finding.COUNTED, f"Counts towards {labels}. {pending[incident.pk]}"
            )
        elif group & _people(incident, canonical):
            item = Item(
                incident,
                Finding.DIFFERENT_PROBLEM,
                f"{incident.incident_type} reported to {agency}: not the problem in the "
                f"application ({application.problem_type}), and not at "
                f"{application.problem_postcode}",
            )
        else:
            item = Item(
                incident,
                Finding.SOMEONE_ELSE,
                f"Someone else's report to {agency} of {incident.incident_type}: a different "
                f"problem from the application's ({application.problem_type})",
            )
        item.routes = routes
        items.append(item)
    items.sort(key=lambda i: (i.incident.occurred_at, i.incident.reported_at, i.incident.pk))

    routes_met = []
    if len(individual) >= policy.individual_count:
        routes_met.append(Route.INDIVIDUAL)
    if len(people_at_place) >= policy.community_count:
        routes_met.append(Route.COMMUNITY)
    if len(hate) >= policy.hate_count:
        routes_met.append(Route.HATE)

    since = f"{timezone.localtime(start):%-d %B %Y}"
    lines = [
        f"{len(individual)} qualifying complaint{'s' if len(individual) != 1 else ''} about the "
        f"problem ({application.problem_type.name.lower()}) since {since} (the individual route "
        f"needs {policy.individual_count}).",
        f"{len(people_at_place)} different {'person' if len(people_at_place) == 1 else 'people'} "
        f"reporting it at {application.problem_postcode} (the community route needs "
        f"{policy.community_count}).",
        f"{len(hate)} qualifying hate-motivated incident{'s' if len(hate) != 1 else ''} (the "
        f"hate route needs {policy.hate_count}).",
    ]
    if routes_met:
        outcome = ThresholdDecision.Outcome.MET
        lines.insert(0, "The threshold is met: a Case Review must take place.")
    else:
        outcome = ThresholdDecision.Outcome.NOT_MET
        lines.insert(
            0,
            "The threshold is not met on the numbers. The ASB Champion must now consider "
            "persistence, harm or potential harm, the adequacy of the response and risk.",
        )
    return Evaluation(
        outcome=outcome,
        route=routes_met[0] if routes_met else "",
        counted=len(individual),
        people_reporting=len(people_at_place),
        items=items,
        reasons=" ".join(lines),
        routes_met=routes_met,
    )
