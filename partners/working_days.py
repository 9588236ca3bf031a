"""Working days in England and Wales: Monday to Friday, excluding bank holidays.

Statutory and local timescales (the ASB Case Review's 5 and 10 working days, contact standards)
are counted with these. Bank holidays come from the `holidays` package (England), which Wales
shares.
"""

from __future__ import annotations

import datetime as dt
from functools import cache, lru_cache

import holidays


@cache
def _bank_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=[year]))


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


@lru_cache(maxsize=8192)  # pure; My work asks it for each of an organisation's victims
def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (the day itself does not count).

    Add 0 to get `start` itself, or the next working day if `start` is not one.
    """
    day = start
    if days == 0:
        while not is_working_day(day):
            day += dt.timedelta(days=1)
        return day
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (negative if `end` is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    return sum(
        1
        for offset in range(1, (end - start).days + 1)
        if is_working_day(start + dt.timedelta(days=offset))
    )
