"""My work: what an officer (or, for a supervisor, their team) should act on, read entirely
through the access layer (docs/adr/0018-notifications-and-my-work.md).

Every section is one bounded query (a few for the victims' contact standards), so the page
costs the same number of queries however much an organisation holds: the query-count test in
tests/my_work pins it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Q, Subquery, Window
from django.utils import timezone

from access import redaction, rules
from access.viewer import Viewer
from asb_cases.models import CaseAction, CaseShare, CaseStatus, CaseTask
from asb_cases.selectors import transfers_awaiting_viewer
from community_trigger.selectors import alerts_open
from notifications.selectors import notifications_for
from partners.models import Membership, Notification, User
from partners.paging import Page, page_of
from victims.selectors import ContactDue, VictimRow, contact_standards

# How far ahead "due soon" looks, and how many rows each section lists before "and N more".
TASKS_AHEAD = dt.timedelta(days=7)
CLOCKS_AHEAD = dt.timedelta(days=14)
CLOCKS_BEHIND = dt.timedelta(days=30)
SHARES_NEW = dt.timedelta(days=14)
LIMIT = 10
# A force's team has thousands of officers: the team table shows a page of them at a time.
OFFICERS_PER_PAGE = 25

# A tool or power whose clocks still matter.
LIVE_OUTCOMES = (
    CaseAction.Outcome.PENDING,
    CaseAction.Outcome.GRANTED,
    CaseAction.Outcome.BREACHED,
)


@dataclass
class Clock:
    """A date on a tool or power that is near (or recently passed)."""

    action: CaseAction
    what: str  # "Review", "Expires", "Appeal period ends"
    on: dt.date
    overdue: bool


@dataclass
class OfficerLine:
    """One officer of a supervisor's team, with what is waiting for them."""

    officer: User
    open_cases: int = 0
    tasks_overdue: int = 0
    tasks_due: int = 0
    contact_overdue: int = 0

    @property
    def rank(self) -> tuple:
        """Who needs a supervisor's eye first: the most overdue (tasks and victims' contact),
        then the most due this week, then the most open cases; then by name."""
        return (
            -(self.tasks_overdue + self.contact_overdue),
            -self.tasks_due,
            -self.open_cases,
        )


@dataclass
class MyWork:
    team: bool
    today: dt.date
    tasks: list[CaseTask]
    tasks_more: int
    victims: list  # victims.selectors.VictimRow, due within TASKS_AHEAD or overdue
    victims_more: int
    clocks: list[Clock]
    transfers: list
    may_decide_transfers: bool
    shares_new: list[CaseShare]
    shares_to_review: list[CaseShare]
    alerts_count: int | None  # None: the viewer does not run Case Reviews
    notices: list[Notification]
    recent_cases: list
    updates: list = field(default_factory=list)
    # The whole team, most in need first, and the page of it the table shows.
    officers: list[OfficerLine] = field(default_factory=list)
    officers_page: Page | None = None

    @property
    def tasks_overdue(self) -> int:
        return sum(1 for task in self.tasks if task.due_on < self.today)

    @property
    def victims_overdue(self) -> int:
        return sum(1 for row in self.victims if row.contact.overdue)

    @property
    def nothing_waiting(self) -> bool:
        return not (
            self.tasks
            or self.victims
            or self.clocks
            or self.transfers
            or self.shares_new
            or self.shares_to_review
            or self.alerts_count
            or self.notices
            or self.updates
        )


def shows_my_work(viewer: Viewer) -> bool:
    """Case workers (officers and supervisors) and the ASB Champion, who all work on cases."""
    return viewer.is_member and viewer.may("asb_cases.view_case")


def _mine(viewer: Viewer, team: bool, officer_field: str, organisation_field: str) -> Q:
    if team:
        return Q(**{organisation_field: viewer.organisation_id})
    return Q(**{officer_field: viewer.user.pk})


def _assigned(viewer: Viewer, team: bool) -> Q:
    """Tasks assigned to the viewer, or (team) to anyone of their organisation: a membership
    is one per user, so the ids of its members, with no join through the users."""
    if team:
        return Q(
            assignee_id__in=Membership.objects.filter(
                organisation_id=viewer.organisation_id
            ).values("user_id")
        )
    return Q(assignee_id=viewer.user.pk)


def _tasks(
    viewer: Viewer, team: bool, today: dt.date, total: int | None = None
) -> tuple[list[CaseTask], int]:
    """The first LIMIT open tasks due within TASKS_AHEAD or overdue, and how many more. The
    count comes with the rows (a window), or for a team from the per-officer counts (`total`):
    a team's thousands of tasks are then counted once, and only the first rows are joined to
    their case and assignee."""
    tasks = (
        rules.case_tasks(viewer)
        .filter(
            _assigned(viewer, team),
            status=CaseTask.Status.OPEN,
            due_on__lte=today + TASKS_AHEAD,
        )
        .select_related("case", "assignee")
        .order_by("due_on", "id")
    )
    if total is None:
        # How many in all, counted in the same statement as the first rows.
        tasks = tasks.annotate(total=Window(Count("pk")))
    rows = list(tasks[:LIMIT])
    if total is None:
        total = rows[0].total if rows else 0
    return rows, max(0, total - LIMIT)


def _clocks(viewer: Viewer, team: bool, today: dt.date) -> list[Clock]:
    start, end = today - CLOCKS_BEHIND, today + CLOCKS_AHEAD
    # Expiring on a local day in the range: from its first local midnight to the one after
    # its last, so the expiry time's own index serves it (a local date of each row would not).
    zone = timezone.get_current_timezone()
    expires_from = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    expires_before = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    actions = (
        rules.case_actions(viewer)
        .filter(
            _mine(viewer, team, "case__lead_officer_id", "case__lead_organisation_id"),
            Q(review_on__range=(start, end))
            | Q(appeal_by__range=(start, end))
            | Q(expires_at__gte=expires_from, expires_at__lt=expires_before),
            outcome__in=LIVE_OUTCOMES,
        )
        .exclude(case__status=CaseStatus.CLOSED)
        .select_related("case", "action_type")
        .order_by("review_on", "id")[: LIMIT * 3]
    )
    clocks = []
    for action in actions:
        for what, on in (
            ("Review due", action.review_on),
            ("Appeal period ends", action.appeal_by),
            (
                "Expires",
                timezone.localtime(action.expires_at).date() if action.expires_at else None,
            ),
        ):
            if on is not None and start <= on <= end:
                clocks.append(Clock(action=action, what=what, on=on, overdue=on < today))
    clocks.sort(key=lambda clock: clock.on)
    return clocks[:LIMIT]


def _recent_cases(viewer: Viewer, team: bool) -> list:
    return list(
        rules.cases(viewer)
        .filter(_mine(viewer, team, "lead_officer_id", "lead_organisation_id"))
        .exclude(status=CaseStatus.CLOSED)
        .select_related("lead_officer")
        .order_by(*rules.CASES_BY_LAST_CHANGE)[:LIMIT]
    )


@dataclass(frozen=True)
class _VictimsDue:
    """The most urgent victims due contact (case, person and stored date), and how many in all."""

    first: list[tuple[int, int, dt.date]]
    total: int


def _victims_due(
    viewer: Viewer, team: bool, today: dt.date, total: int | None = None
) -> _VictimsDue:
    """Victims on open cases the viewer (or their organisation) leads whose contact is due
    within TASKS_AHEAD or overdue, most urgent first: the first LIMIT, read from the stored
    dates (CasePerson.contact_due_on, asb_cases.services.contact_due) and their index, and how
    many in all, counted in the same statement or for a team given by the per-officer counts."""
    if not viewer.sees_people:
        return _VictimsDue([], 0)
    links = rules.victims_owed_contact(viewer).filter(contact_due_on__lte=today + TASKS_AHEAD)
    if not team:
        links = links.filter(contact_officer_id=viewer.user.pk)
    links = links.order_by("contact_due_on", "case_id", "person_id")
    if total is not None:
        first = list(links.values_list("case_id", "person_id", "contact_due_on")[:LIMIT])
        return _VictimsDue(first, total)
    counted = list(
        links.annotate(total=Window(Count("pk"))).values_list(
            "case_id", "person_id", "contact_due_on", "total"
        )[:LIMIT]
    )
    return _VictimsDue(
        [(case_id, person_id, due_on) for case_id, person_id, due_on, _ in counted],
        counted[0][3] if counted else 0,
    )


def _victim_rows(viewer: Viewer, due: _VictimsDue, today: dt.date) -> list[VictimRow]:
    """The first LIMIT as rows to show: the case, the person as the viewer may see them
    (access.redaction), and their contact due with the last contact that reached them."""
    if not due.first:
        return []
    last_contact = (
        rules.contacts(viewer)
        .filter(case_id=OuterRef("case_id"), person_id=OuterRef("person_id"), made_contact=True)
        .order_by("-contacted_at")
        .values("contacted_at")[:1]
    )
    links = {
        (link.case_id, link.person_id): link
        for link in rules.case_people(viewer)
        .filter(role="victim", case_id__in={case_id for case_id, _, _ in due.first})
        .select_related("person__status", "case__lead_officer")
        .annotate(last_contact=Subquery(last_contact))
    }
    standards = contact_standards()
    views = redaction.person_views(
        viewer, [links[(case_id, person_id)].person for case_id, person_id, _ in due.first]
    )
    rows = []
    for case_id, person_id, due_on in due.first:
        link = links[(case_id, person_id)]
        rows.append(
            VictimRow(
                view=views[person_id],
                case=link.case,
                status=getattr(link.person, "status", None),
                contact=ContactDue(
                    last_contact=link.last_contact,
                    due_on=due_on,
                    overdue=due_on < today,
                    standard=standards.get(link.case.risk_band),
                ),
            )
        )
    return rows


def _officers(viewer: Viewer, today: dt.date) -> tuple[list[OfficerLine], int, int]:
    """The supervisor's team, by officer: open cases led, tasks overdue and due this week,
    victims whose contact is overdue; with how many tasks and victims are due in all (the
    team's lists count from these). The members, and three grouped queries."""
    lines: dict[int, OfficerLine] = {}
    members = User.objects.filter(
        membership__organisation_id=viewer.organisation_id,
        membership__role__in=("case_officer", "supervisor"),
        is_active=True,
    ).order_by("first_name", "last_name", "username")
    # Only what the table shows of each (display_name): a force has thousands.
    for user in members.only("id", "first_name", "last_name", "username"):
        lines[user.pk] = OfficerLine(officer=user)
    for row in (
        rules.cases_led(viewer)
        .filter(lead_officer__isnull=False)
        .exclude(status=CaseStatus.CLOSED)
        .values("lead_officer_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        if row["lead_officer_id"] in lines:
            lines[row["lead_officer_id"]].open_cases = row["n"]
    tasks_total = 0
    for row in (
        rules.case_tasks(viewer)
        .filter(
            _assigned(viewer, team=True),
            status=CaseTask.Status.OPEN,
            due_on__lte=today + TASKS_AHEAD,
        )
        .values("assignee_id")
        .annotate(
            overdue=Count("pk", filter=Q(due_on__lt=today)),
            due=Count("pk", filter=Q(due_on__gte=today)),
        )
        .order_by()
    ):
        tasks_total += row["overdue"] + row["due"]
        if row["assignee_id"] in lines:
            lines[row["assignee_id"]].tasks_overdue = row["overdue"]
            lines[row["assignee_id"]].tasks_due = row["due"]
    victims_total = 0
    if viewer.sees_people:
        for row in (
            rules.victims_owed_contact(viewer)
            .filter(contact_due_on__lte=today + TASKS_AHEAD)
            .values("contact_officer_id")
            # Counting the date (never null here), not the key: the covering index answers
            # without reading the table.
            .annotate(
                due=Count("contact_due_on"),
                overdue=Count("contact_due_on", filter=Q(contact_due_on__lt=today)),
            )
            .order_by()
        ):
            victims_total += row["due"]
            if row["contact_officer_id"] in lines:
                lines[row["contact_officer_id"]].contact_overdue = row["overdue"]
    # Stable: officers level on the rank keep the members' alphabetical order.
    return sorted(lines.values(), key=lambda line: line.rank), tasks_total, victims_total


def my_work_for(*, viewer: Viewer, team: bool = False, params=None) -> MyWork:
    """What is waiting for the viewer (or, with `team`, for their organisation's officers: a
    supervisor's view; `params`, the request's query, picks the page of the team table)."""
    team = team and viewer.is_supervisor
    today = timezone.localdate()
    officers, tasks_total, victims_total = [], None, None
    if team:
        officers, tasks_total, victims_total = _officers(viewer, today)
    tasks, tasks_more = _tasks(viewer, team, today, tasks_total)
    victims_due = _victims_due(viewer, team, today, victims_total)
    shares = rules.case_shares(viewer).select_related("case", "case__lead_organisation")
    alerts_count = None
    if viewer.may("community_trigger.view_sweepalert"):
        alerts_count = alerts_open(viewer=viewer).count()
    return MyWork(
        team=team,
        today=today,
        tasks=tasks,
        tasks_more=tasks_more,
        victims=_victim_rows(viewer, victims_due, today),
        victims_more=max(0, victims_due.total - LIMIT),
        clocks=_clocks(viewer, team, today),
        transfers=list(transfers_awaiting_viewer(viewer=viewer)[:LIMIT]),
        may_decide_transfers=viewer.is_supervisor,
        shares_new=list(
            shares.filter(
                organisation_id=viewer.organisation_id,
                revoked_at__isnull=True,
                shared_at__gte=timezone.now() - SHARES_NEW,
            ).order_by("-shared_at")[:LIMIT]
        ),
        shares_to_review=list(
            shares.filter(
                _mine(viewer, team, "case__lead_officer_id", "case__lead_organisation_id"),
                needs_review=True,
                revoked_at__isnull=True,
            ).order_by("shared_at")[:LIMIT]
        ),
        alerts_count=alerts_count,
        notices=list(
            Notification.objects.filter(user=viewer.user, read_at__isnull=True).order_by(
                "-created_at", "-id"
            )[:LIMIT]
        ),
        recent_cases=_recent_cases(viewer, team),
        updates=list(notifications_for(user=viewer.user, unread_only=True)[:LIMIT]),
        officers=officers,
        officers_page=(
            page_of(officers, params or {}, per_page=OFFICERS_PER_PAGE) if team else None
        ),
    )
