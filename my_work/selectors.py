"""My work: what an officer (or, for a supervisor, their team) should act on, read entirely
through the access layer (docs/adr/0018-notifications-and-my-work.md).

Every section is one bounded query (a few for the victims' contact standards), so the page
costs the same number of queries however much an organisation holds: the query-count test in
tests/my_work pins it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet, Window
from django.utils import timezone

from access import redaction, rules
from access.viewer import Viewer
from asb_cases.models import Case, CaseAction, CaseShare, CaseStatus, CaseTask, PersonRole
from asb_cases.selectors import transfers_awaiting_viewer
from community_trigger.selectors import alerts_open
from notifications.selectors import notifications_for
from partners.models import Membership, Notification, User
from partners.paging import Page, last_page, page_read, requested_page
from victims.models import Person
from victims.selectors import contact_due_label

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


@dataclass(frozen=True)
class VictimDue:
    """A victim whose contact is due: the person as the viewer may see them, their case, and
    the date (CasePerson.contact_due_on) by the contact standards."""

    view: redaction.PersonView
    case: Case
    due_on: dt.date
    overdue: bool

    @property
    def person(self) -> Person:
        return self.view.person

    @property
    def label(self) -> str:
        return contact_due_label(self.due_on, self.overdue)


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
        then the most due this week, then the most open cases; then by name. The team table
        is ranked so in the database (_TEAM_SQL): this is its definition, for the tests."""
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
    victims: list[VictimDue]  # due within TASKS_AHEAD or overdue
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
    # The page of the team the table shows (most in need first), and the table's paging.
    officers: list[OfficerLine] = field(default_factory=list)
    officers_page: Page | None = None

    @property
    def tasks_overdue(self) -> int:
        return sum(1 for task in self.tasks if task.due_on < self.today)

    @property
    def victims_overdue(self) -> int:
        return sum(1 for row in self.victims if row.overdue)

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
    if team:
        # The organisation's open cases by the lead column (access.rules.cases_led: the lead
        # holds every permission on them), as one set read from the open cases' index, rather
        # than a permission row and a case row looked up for each of a force's thousand
        # actions with a date near (11,000 buffers at 1M); the cases of the rows kept are
        # then read by key.
        open_led = rules.cases_led(viewer).exclude(status=CaseStatus.CLOSED)
        actions = CaseAction.objects.filter(case_id__in=open_led.values("pk")).prefetch_related(
            Prefetch("case", queryset=rules.cases_led(viewer))
        )
    else:
        actions = (
            rules.case_actions(viewer)
            .filter(case__lead_officer_id=viewer.user.pk)
            .exclude(case__status=CaseStatus.CLOSED)
            .select_related("case")
        )
    actions = (
        actions.filter(
            Q(review_on__range=(start, end))
            | Q(appeal_by__range=(start, end))
            | Q(expires_at__gte=expires_from, expires_at__lt=expires_before),
            outcome__in=LIVE_OUTCOMES,
        )
        .select_related("action_type")
        .order_by("review_on", "id")[: LIMIT * 3]
    )
    clocks = []
    for action in actions:
        try:
            action.case  # noqa: B018 (read from the prefetch: no query)
        except Case.DoesNotExist:
            # A team's case whose lead changed between the two reads: not the team's now
            # (the prefetch found no case for it, and a case is never null).
            continue
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


def _victim_rows(viewer: Viewer, due: _VictimsDue, today: dt.date) -> list[VictimDue]:
    """The first LIMIT as rows to show: the person as the viewer may see them
    (access.redaction), their case, and the date their contact is due. Their links are read by
    the rule that chose them (access.rules.victims_owed_contact); the last contact, the
    person's flags and the standard, which My work does not show, are not read (the victims'
    own list, victims:my_victims, shows them)."""
    if not due.first:
        return []
    links = {
        (link.case_id, link.person_id): link
        for link in rules.victims_owed_contact(viewer)
        .filter(
            role=PersonRole.VICTIM,
            case_id__in={case_id for case_id, _, _ in due.first},
            person_id__in={person_id for _, person_id, _ in due.first},
        )
        .select_related("person", "case__lead_officer")
    }
    views = redaction.person_views(
        viewer, [links[(case_id, person_id)].person for case_id, person_id, _ in due.first]
    )
    return [
        VictimDue(
            view=views[person_id],
            case=links[(case_id, person_id)].case,
            due_on=due_on,
            overdue=due_on < today,
        )
        for case_id, person_id, due_on in due.first
    ]


@dataclass(frozen=True)
class _Team:
    """A page of the supervisor's team table, how many officers the whole table has, and how
    many tasks and victims are due in all (the team's lists count from these)."""

    lines: list[OfficerLine]
    number: int
    members: int
    tasks_total: int
    victims_total: int


# The team table ranked in the database, so a force's thousands of officers are counted and
# sorted there and only a page of them is read: the members, and what each is waiting on
# (each read through access.rules and compiled by the ORM), joined and numbered in the order
# of OfficerLine.rank, then by name (as the members are listed). The totals come in the same
# statement, with one row even when the page is empty. Plain SQL that SQLite runs too.
_TEAM_SQL = """
WITH members (id, first_name, last_name, username) AS ({members}),
    cases (officer_id, open_cases) AS ({cases}),
    tasks (officer_id, overdue, due) AS ({tasks}),
    victims (officer_id, due, overdue) AS ({victims}),
    lines AS (
        SELECT m.id, m.first_name, m.last_name, m.username,
            COALESCE(c.open_cases, 0) AS open_cases,
            COALESCE(t.overdue, 0) AS tasks_overdue,
            COALESCE(t.due, 0) AS tasks_due,
            COALESCE(v.overdue, 0) AS contact_overdue,
            ROW_NUMBER() OVER (
                ORDER BY COALESCE(t.overdue, 0) + COALESCE(v.overdue, 0) DESC,
                    COALESCE(t.due, 0) DESC,
                    COALESCE(c.open_cases, 0) DESC,
                    m.first_name, m.last_name, m.username
            ) AS place
        FROM members m
        LEFT JOIN cases c ON c.officer_id = m.id
        LEFT JOIN tasks t ON t.officer_id = m.id
        LEFT JOIN victims v ON v.officer_id = m.id
    ),
    page AS (SELECT * FROM lines WHERE place > %s AND place <= %s)
SELECT totals.members, totals.tasks, totals.victims,
    page.id, page.first_name, page.last_name, page.username,
    page.open_cases, page.tasks_overdue, page.tasks_due, page.contact_overdue
FROM (
    SELECT (SELECT COUNT(*) FROM members) AS members,
        (SELECT COALESCE(SUM(overdue + due), 0) FROM tasks) AS tasks,
        (SELECT COALESCE(SUM(due), 0) FROM victims) AS victims
) totals
LEFT JOIN page ON 1 = 1
ORDER BY page.place
"""


def _statement(queryset: QuerySet) -> tuple[str, tuple]:
    """The queryset's SQL and parameters; a rule that allows nothing, as a statement of as
    many columns that returns no row."""
    try:
        sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    except EmptyResultSet:
        columns = len(queryset.query.values_select) + len(queryset.query.annotation_select)
        return "SELECT " + ", ".join(["CAST(NULL AS INTEGER)"] * columns) + " WHERE 1 = 0", ()
    return sql, tuple(params)


def _team_parts(viewer: Viewer, today: dt.date) -> dict[str, QuerySet]:
    """The members of the supervisor's team (its case officers and supervisors), and by
    officer: open cases led, tasks overdue and due this week, victims whose contact is due
    (and overdue). The tasks are those of anyone in the organisation and the victims those
    of any contact officer, so that the totals are the team's lists' whole counts."""
    return {
        "members": User.objects.filter(
            membership__organisation_id=viewer.organisation_id,
            membership__role__in=("case_officer", "supervisor"),
            is_active=True,
        )
        .order_by()
        .values_list("id", "first_name", "last_name", "username"),
        "cases": rules.cases_led(viewer)
        .filter(lead_officer__isnull=False)
        .exclude(status=CaseStatus.CLOSED)
        .values("lead_officer_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("lead_officer_id", "n"),
        "tasks": rules.case_tasks(viewer)
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
        .values_list("assignee_id", "overdue", "due"),
        "victims": rules.victims_owed_contact(viewer)
        .filter(contact_due_on__lte=today + TASKS_AHEAD)
        .values("contact_officer_id")
        # Counting the date (never null here), not the key: the covering index answers
        # without reading the table.
        .annotate(
            due=Count("contact_due_on"),
            overdue=Count("contact_due_on", filter=Q(contact_due_on__lt=today)),
        )
        .order_by()
        .values_list("contact_officer_id", "due", "overdue"),
    }


def _team_read(viewer: Viewer, today: dt.date, number: int) -> _Team:
    """Page `number` of the team table, most in need first, in one statement."""
    statements = {name: _statement(part) for name, part in _team_parts(viewer, today).items()}
    sql = _TEAM_SQL.format(**{name: statement for name, (statement, _) in statements.items()})
    # The parameters in the order the parts come in the statement.
    params = [
        value for name in ("members", "cases", "tasks", "victims") for value in statements[name][1]
    ]
    offset = (number - 1) * OFFICERS_PER_PAGE
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, offset, offset + OFFICERS_PER_PAGE])
        rows = cursor.fetchall()
    members, tasks_total, victims_total = rows[0][:3]
    lines = [
        OfficerLine(
            officer=User(id=row[3], first_name=row[4], last_name=row[5], username=row[6]),
            open_cases=row[7],
            tasks_overdue=row[8],
            tasks_due=row[9],
            contact_overdue=row[10],
        )
        for row in rows
        if row[3] is not None  # the totals' row of an empty page
    ]
    return _Team(lines, number, members, int(tasks_total), int(victims_total))


def _team(viewer: Viewer, today: dt.date, params) -> _Team:
    """The page of the team table the query asks for; one past the end is the last."""
    team = _team_read(viewer, today, requested_page(params))
    last = last_page(team.members, OFFICERS_PER_PAGE)
    if team.number > last:
        team = _team_read(viewer, today, last)
    return team


def my_work_for(*, viewer: Viewer, team: bool = False, params=None) -> MyWork:
    """What is waiting for the viewer (or, with `team`, for their organisation's officers: a
    supervisor's view; `params`, the request's query, picks the page of the team table)."""
    team = team and viewer.is_supervisor
    today = timezone.localdate()
    table, tasks_total, victims_total = None, None, None
    if team:
        table = _team(viewer, today, params or {})
        tasks_total, victims_total = table.tasks_total, table.victims_total
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
        officers=table.lines if table else [],
        officers_page=(
            page_read(
                table.lines,
                params or {},
                number=table.number,
                count=table.members,
                per_page=OFFICERS_PER_PAGE,
            )
            if table
            else None
        ),
    )
