"""Pagination for long lists without counting a million rows on every page.

The total is counted only up to a cap (one `COUNT(*)` over a `LIMIT` subquery); beyond it the
page says "more than 1,000" and asks the user to narrow the search.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db import connections
from django.db.models import QuerySet

COUNT_CAP = 1000


@dataclass
class Page:
    items: list[Any]
    number: int
    per_page: int
    count: int  # capped at `cap` + 1
    query: dict[str, Any]
    cap: int = COUNT_CAP

    @property
    def count_is_capped(self) -> bool:
        return self.count > self.cap

    @property
    def count_label(self) -> str:
        return f"more than {self.cap:,}" if self.count_is_capped else f"{self.count:,}"

    @property
    def last_number(self) -> int:
        return max(1, -(-min(self.count, self.cap) // self.per_page))

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.items else 0

    @property
    def end_index(self) -> int:
        return self.start_index + len(self.items) - 1 if self.items else 0

    def url_for(self, number: int) -> str:
        return "?" + urlencode({**self.query, "page": number}, doseq=True)

    @property
    def previous_url(self) -> str | None:
        return self.url_for(self.number - 1) if self.number > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.url_for(self.number + 1) if self.number < self.last_number else None

    @property
    def numbers(self) -> list[int | None]:
        """Page numbers to show, with None for a gap (GOV.UK pagination's ellipsis)."""
        wanted = {1, self.last_number, self.number - 1, self.number, self.number + 1}
        shown = sorted(n for n in wanted if 1 <= n <= self.last_number)
        result: list[int | None] = []
        for n in shown:
            if result and n - result[-1] > 1:
                result.append(None)
            result.append(n)
        return result


def _page_number(params) -> int:
    try:
        return max(1, int(params.get("page", 1)))
    except (TypeError, ValueError):
        return 1


def _query(params) -> dict[str, Any]:
    """The rest of the query string, for the page links (a QueryDict, or a plain dict)."""
    if hasattr(params, "getlist"):
        return {key: params.getlist(key) for key in params if key != "page"}
    return {key: value for key, value in params.items() if key != "page"}


def requested_page(params) -> int:
    """The page number the query asks for: 1 when it names none, or not a number."""
    return _page_number(params)


def last_page(count: int, per_page: int) -> int:
    """The last page's number of a list of `count` (1 when it is empty)."""
    return max(1, -(-count // per_page))


def page_read(items: list[Any], params, *, number: int, count: int, per_page: int) -> Page:
    """A page the caller read itself (the rows from `(number - 1) * per_page` of a list of
    `count`, counted exactly and never capped)."""
    return Page(
        items=items,
        number=number,
        per_page=per_page,
        count=count,
        query=_query(params),
        cap=max(count, 1),
    )


def paginate(queryset: QuerySet, params, *, per_page: int = 50) -> Page:
    number = _page_number(params)
    # Counted without the list's ORDER BY, so the database may drive the count from whichever
    # side is cheapest rather than walking the sort index.
    count = queryset.order_by()[: COUNT_CAP + 1].count()
    last = max(1, -(-min(count, COUNT_CAP) // per_page))
    number = min(number, last)
    offset = (number - 1) * per_page
    query = {key: params.getlist(key) for key in params if key != "page"}
    return Page(
        items=list(queryset[offset : offset + per_page]),
        number=number,
        per_page=per_page,
        count=count,
        query=query,
    )


def paginate_union(
    queryset: QuerySet,
    branches: list[QuerySet],
    params,
    *,
    ordering: tuple[str, ...],
    per_page: int = 50,
    count_ids: list[QuerySet] | None = None,
) -> Page:
    """`paginate` for a list that is the union of `branches` (distinct rows of one model),
    without an OR no index serves: the capped count is the count of the union of each branch's
    first COUNT_CAP + 1 rows (exact below the cap, over it whenever the whole is), and a page is
    the first rows of the union of each branch's own first `offset + per_page` in `ordering`
    (each branch read from its own index). The page's rows are then read by primary key from
    `queryset` (the whole rule again, so a branch can never show more than it allows), with
    its select_related. `count_ids` (per branch, one column of distinct ids: the same rows)
    may count a branch through a cheaper plan than its rows. Databases that cannot order and
    limit inside a UNION (SQLite, for `make run`) get `paginate(queryset)`."""
    ordered = queryset.order_by(*ordering)
    if (
        len(branches) < 2
        or not connections[queryset.db].features.supports_slicing_ordering_in_compound
    ):
        return paginate(ordered, params, per_page=per_page)
    number = _page_number(params)
    capped = [
        ids.order_by()[: COUNT_CAP + 1]
        for ids in count_ids or [branch.values("pk") for branch in branches]
    ]
    count = min(capped[0].union(*capped[1:]).count(), COUNT_CAP + 1)
    last = max(1, -(-min(count, COUNT_CAP) // per_page))
    number = min(number, last)
    offset = (number - 1) * per_page
    columns = [field.lstrip("-") for field in ordering]
    heads = [
        branch.order_by(*ordering).values_list(*columns)[: offset + per_page] for branch in branches
    ]
    keys = heads[0].union(*heads[1:]).order_by(*ordering)[offset : offset + per_page]
    pk_column = columns.index("id") if "id" in columns else None
    if pk_column is None:
        raise ValueError("paginate_union needs the primary key (id) as its last ordering")
    ids = [row[pk_column] for row in keys]
    rows = {row.pk: row for row in ordered.filter(pk__in=ids)}
    query = {key: params.getlist(key) for key in params if key != "page"}
    return Page(
        items=[rows[pk] for pk in ids if pk in rows],
        number=number,
        per_page=per_page,
        count=count,
        query=query,
    )


class UnionQuery:
    """A queryset read through the union of `branches` (distinct rows of one model, each a
    subset of `queryset`), for a paginator that orders, filters and slices it, as DRF's
    CursorPagination does: `order_by` and `filter` apply to the whole and to every branch, and
    a slice `[start:stop]` is the union of each branch's own first `stop` keys in that order
    (each branch read from its own index), whose rows are then read by primary key through
    `queryset` (the whole rule again, so a branch can never show more than it allows). Only
    for databases that order and limit inside a UNION (`supports_union`); the ordering must
    end with the primary key (id)."""

    def __init__(self, queryset: QuerySet, branches: list[QuerySet], ordering=()):
        self.queryset = queryset
        self.branches = branches
        self.ordering = tuple(ordering)

    @staticmethod
    def supports_union(queryset: QuerySet, branches: list[QuerySet]) -> bool:
        return (
            len(branches) >= 2
            and connections[queryset.db].features.supports_slicing_ordering_in_compound
        )

    def order_by(self, *ordering: str) -> UnionQuery:
        if not ordering or ordering[-1].lstrip("-") != "id":
            raise ValueError("UnionQuery needs the primary key (id) as its last ordering")
        return UnionQuery(
            self.queryset.order_by(*ordering),
            [branch.order_by(*ordering) for branch in self.branches],
            ordering,
        )

    def filter(self, *args, **kwargs) -> UnionQuery:
        return UnionQuery(
            self.queryset.filter(*args, **kwargs),
            [branch.filter(*args, **kwargs) for branch in self.branches],
            self.ordering,
        )

    def __getitem__(self, bounds: slice) -> list:
        if not isinstance(bounds, slice) or bounds.step is not None or not self.ordering:
            raise TypeError("UnionQuery is read by an ordered slice")
        start, stop = bounds.start or 0, bounds.stop
        columns = [field.lstrip("-") for field in self.ordering]
        heads = [branch.values_list(*columns)[:stop] for branch in self.branches]
        keys = heads[0].union(*heads[1:]).order_by(*self.ordering)[start:stop]
        ids = [row[-1] for row in keys]
        rows = {row.pk: row for row in self.queryset.filter(pk__in=ids)}
        return [rows[pk] for pk in ids if pk in rows]
