"""The dashboards' faster paths give the figures and markup the straightforward ones gave
(issue 16): costs totalled in the database rather than row by row in Python, the supervisor's
team counted rather than read, case and person links built without resolving each URL, and
table cells formatted without the general path. Each is checked against the old way, kept here
as the reference, for every kind of viewer."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db.models import Model
from django.urls import reverse, set_script_prefix
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from access import redaction, rules
from access.viewer import viewer_for
from asb_cases import services as case_services
from asb_cases.models import ActionType, CaseTask, OwnershipTransfer
from reporting import selectors
from reporting.models import ActionMonth, CaseOwnershipCount
from reporting.selectors import ownership as ownership_selectors
from reporting.selectors.scope import default_period, summary_rows, uuid_url
from reporting.tables import Column, Link, Table
from reporting.templatetags.dashboards import cell, table_body
from tests.factories import make_case
from tests.reporting.conftest import overdue_risk_review, overdue_task, refresh

pytestmark = pytest.mark.django_db

VIEWERS = ["owner.officer", "owner.supervisor", "partner.officer", "champion", "pcc.analyst"]


def _user(cast, who: str):
    user = cast
    for part in who.split("."):
        user = getattr(user, part)
    return user


def _add_actions(cast, world) -> None:
    """Tools and powers of two types, by two agencies, over three months and two areas."""
    letter = ActionType.objects.get(code="warning-letter")
    other = ActionType.objects.exclude(pk=letter.pk).order_by("pk").first()
    theirs = make_case(cast.partner.officer, title="The partner's own")
    for actor, case, action_type, days, cost in [
        (cast.owner.officer, world.shared_case, letter, 3, "120.50"),
        (cast.owner.officer, world.shared_case, letter, 40, "19.99"),
        (cast.owner.officer, world.shared_case, other, 70, "0.01"),
        (cast.partner.officer, theirs, other, 5, "300.00"),
        (cast.unrelated.officer, world.unrelated_case, letter, 3, "80.00"),
        (cast.unrelated.officer, world.unrelated_case, other, 45, "0"),
    ]:
        case_services.case_add_action(
            actor=actor,
            case=case,
            action_type=action_type,
            started_at=timezone.now() - dt.timedelta(days=days),
            cost_pounds=Decimal(cost),
        )
    refresh()


def _old_totals(viewer, period) -> dict[str, dict]:
    """The totals as costs_dashboard added them up before: every summary row, in Python."""
    per: dict[str, dict] = {name: defaultdict(lambda: [0, Decimal("0")]) for name in "tmaeg"}
    for month, type_id, organisation_id, area_id, actions, cost in ActionMonth.objects.filter(
        summary_rows(viewer), month__gte=period.start, month__lt=period.end
    ).values_list(
        "month",
        "action_type_id",
        "organisation_id",
        "local_authority_id",
        "actions",
        "cost_pounds",
    ):
        for total in (
            per["t"][type_id],
            per["a"][organisation_id],
            per["m"][month],
            per["e"][area_id],
            per["g"][(organisation_id, type_id)],
        ):
            total[0] += actions
            total[1] += cost
    return per


@pytest.mark.parametrize("who", VIEWERS)
def test_costs_totals_are_the_summary_rows_added_up(cast, world, who):
    _add_actions(cast, world)
    viewer = viewer_for(_user(cast, who))
    period = default_period(12)
    data = selectors.costs_dashboard(viewer=viewer, period=period, for_export=True)
    old = _old_totals(viewer, period)
    names = dict(ActionType.objects.values_list("id", "name"))

    def money(value):
        return value.quantize(Decimal("0.01"))

    assert {row[0]: (row[1], row[2]) for row in data.tables["by_type"].rows} == {
        names[key]: (n, money(cost)) for key, (n, cost) in old["t"].items()
    }
    assert [row[1:3] for row in data.tables["by_agency"].rows] == sorted(
        ([n, money(cost)] for n, cost in old["a"].values()), key=lambda t: -t[1]
    )
    assert {row[0]: (row[1], row[2]) for row in data.tables["by_month"].rows} == {
        f"{month:%B %Y}": (
            old["m"][month][0] if month in old["m"] else 0,
            money(old["m"][month][1]) if month in old["m"] else Decimal("0.00"),
        )
        for month in period.month_list
    }
    assert sorted(tuple(row[1:]) for row in data.tables["by_area"].rows) == sorted(
        (n, money(cost)) for n, cost in old["e"].values()
    )
    assert sorted((row[1], row[2], row[3]) for row in data.tables["by_agency_type"].rows) == (
        sorted((names[key[1]], n, money(cost)) for key, (n, cost) in old["g"].items())
    )
    assert data.facts["cost"] == money(sum((cost for _, cost in old["t"].values()), Decimal(0)))
    assert old["t"], "the fixture should give every viewer something to count"


def test_the_team_table_counts_every_officer_but_reads_only_those_shown(cast, world, monkeypatch):
    make_case(cast.owner.officer, title="Nobody's yet", lead_officer=None)
    refresh()
    viewer = viewer_for(cast.owner.supervisor)
    led = CaseOwnershipCount.objects.filter(
        summary_rows(viewer), lead_organisation=viewer.organisation
    ).order_by()
    every = ownership_selectors._totals(led, "lead_officer_id")
    assert len(every) >= 2, "the fixture should give the team an officer and unowned cases"
    monkeypatch.setattr(ownership_selectors, "PAGE_ROWS", 1)
    team = selectors.ownership_dashboard(viewer=viewer).tables["team"]
    assert len(team.rows) == 1
    assert team.total == len(every)
    assert team.rows[0][1:] == [
        every[0][column.key] for column in ownership_selectors.STATUS_COLUMNS
    ]
    exported = selectors.ownership_dashboard(viewer=viewer, for_export=True).tables["team"]
    assert len(exported.rows) == len(every) and exported.total is None


@pytest.mark.parametrize("prefix", ["/", "/asb/"])
def test_links_are_what_reverse_gives(prefix):
    set_script_prefix(prefix)
    try:
        for name in ("asb_cases:case_detail", "victims:person_detail"):
            for value in (uuid.uuid4(), str(uuid.uuid4())):
                assert uuid_url(name, value) == reverse(name, args=[value])
    finally:
        set_script_prefix("/")


def _old_table_body(table: Table) -> str:
    """templatetags.dashboards.table_body before: each cell through `cell` and escaping."""
    numeric = [column.numeric for column in table.columns]
    header = ' class="govuk-table__header govuk-table__header--numeric"'
    parts = []
    for row in table.rows:
        cells = []
        for index, (column, value) in enumerate(zip(table.columns, row, strict=True)):
            text = conditional_escape(cell(value, column))
            if index == 0:
                css = header if numeric[0] else ' class="govuk-table__header"'
                cells.append(f'<th scope="row"{css}>{text}</th>')
            elif numeric[index]:
                cells.append(
                    f'<td class="govuk-table__cell govuk-table__cell--numeric">{text}</td>'
                )
            else:
                cells.append(f'<td class="govuk-table__cell">{text}</td>')
        parts.append(f'<tr class="govuk-table__row">{"".join(cells)}</tr>')
    return "\n".join(parts)


@pytest.mark.parametrize("first", ["text", "int"])
def test_table_cells_render_as_before(first):
    values = [
        "Plain",
        "",
        "<b>Tom & \"Jerry\"</b> 'quoted'",
        mark_safe("<i>already safe</i>"),
        0,
        7,
        -1234567,
        True,
        False,
        None,
        Decimal("1234.5"),
        Decimal("-0.01"),
        2.5,
        dt.date(2026, 3, 7),
        timezone.make_aware(dt.datetime(2026, 7, 1, 23, 30)),
        Link("ASB-1 <x>", "/cases/1/?a=1&b=2"),
    ]
    kinds = ["text", "int", "money", "date", "datetime", "change", "percent"]
    columns = [Column("first", "First", first)] + [
        Column(kind, kind.title(), kind) for kind in kinds
    ]
    rows = [
        [values[(start + offset) % len(values)] for offset in range(len(columns))]
        for start in range(len(values))
    ]
    table = Table(key="t", caption="Every kind", columns=columns, rows=rows)
    assert str(table_body(table)) == _old_table_body(table)


def _overdue_work(cast, world) -> None:
    """Two transfers waiting, two overdue tasks and an overdue risk review on the owner's
    cases, one of the transfers to the partner."""
    owner = cast.owner.officer
    for title, to in (("To the partner", cast.partner), ("To the unrelated", cast.unrelated)):
        case = make_case(owner, title=title)
        case_services.case_transfer_propose(
            actor=owner, case=case, to_organisation=to.organisation, reason="Theirs now"
        )
    for days in (4, 9):
        overdue_task(owner, world.shared_case, days=days, title=f"Overdue by {days}")
    overdue_risk_review(owner, world.shared_case, world.zebedee, days=2)
    refresh()


def _old_lists(viewer) -> dict[str, list[list]]:
    """The organisation's transfers, tasks and reviews as ownership_dashboard read them before:
    every column of each row and of the rows joined to it."""
    today = timezone.localdate()
    organisation = viewer.organisation
    transfers = (
        rules.transfers(viewer)
        .filter(status=OwnershipTransfer.Status.PENDING)
        .select_related("case", "from_organisation", "to_organisation")
        .order_by("proposed_at", "id")
    )
    tasks = (
        rules.case_tasks(viewer)
        .filter(organisation=organisation, status=CaseTask.Status.OPEN, due_on__lt=today)
        .select_related("case", "assignee")
        .order_by("due_on", "id")
    )
    reviews = list(
        ownership_selectors._overdue_reviews(viewer, today)
        .filter(case__lead_organisation=organisation)
        .select_related("case", "person")
    )
    views = redaction.person_views(viewer, [review.person for review in reviews])
    return {
        "transfers": [
            [t.case.reference, t.from_organisation.name, t.to_organisation.name, t.proposed_at]
            for t in transfers
        ],
        "tasks": [[t.title, t.case.reference, t.assignee.display_name, t.due_on] for t in tasks],
        "reviews": [
            [
                r.case.reference,
                *([views[r.person_id].name] if viewer.sees_people else []),
                r.get_band_display(),
                r.next_review_on,
            ]
            for r in reviews
        ],
    }


@pytest.mark.parametrize(
    "who", ["owner.officer", "owner.supervisor", "partner.officer", "unrelated.officer"]
)
def test_the_organisation_lists_read_only_their_columns_and_show_the_same_rows(
    cast, world, who, monkeypatch
):
    _overdue_work(cast, world)
    viewer = viewer_for(_user(cast, who))

    def deferred_load(instance, *args, **kwargs):
        raise AssertionError(f"a column of {instance!r} was read afterwards, one query a row")

    old = _old_lists(viewer)
    monkeypatch.setattr(Model, "refresh_from_db", deferred_load)
    tables = selectors.ownership_dashboard(viewer=viewer, for_export=True).tables
    shown = {
        "transfers": [[str(r[0]), r[1], r[2], r[3]] for r in tables["transfers"].rows],
        "tasks": [[r[0], str(r[1]), r[2], r[3]] for r in tables["tasks"].rows],
        "reviews": [[str(r[0]), *r[1:-1]] for r in tables["reviews"].rows],
    }
    old["transfers"] = [[*r[:3], timezone.localtime(r[3]).date()] for r in old["transfers"]]
    assert shown == old
    if who == "owner.supervisor":
        assert all(old.values()), "the fixture should give the owner's supervisor every list"
