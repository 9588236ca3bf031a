"""Reads for the feedback dashboard and TP12, through the access layer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from access import rules
from access.viewer import Viewer
from feedback.models import SurveyResponse

SATISFIED = Q(satisfaction__in=list(SurveyResponse.SATISFIED))


@dataclass(frozen=True)
class Period:
    """A financial year (April to March), as TSMs are reported."""

    start_year: int

    @property
    def start(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime(self.start_year, 4, 1))

    @property
    def end(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime(self.start_year + 1, 4, 1))

    @property
    def label(self) -> str:
        return f"April {self.start_year} to March {self.start_year + 1}"

    @classmethod
    def current(cls) -> Period:
        today = timezone.localdate()
        return cls(today.year if today.month >= 4 else today.year - 1)


@dataclass(frozen=True)
class OrganisationFeedback:
    organisation: str
    responses: int
    satisfied: int
    listened_to: int
    would_report_again: int

    @property
    def satisfied_percent(self) -> float | None:
        return round(100 * self.satisfied / self.responses, 1) if self.responses else None


def _in(period: Period) -> Q:
    return Q(submitted_at__gte=period.start, submitted_at__lt=period.end)


def feedback_by_organisation(*, viewer: Viewer, period: Period) -> list[OrganisationFeedback]:
    rows = (
        rules.survey_responses(viewer)
        .filter(_in(period))
        .values("organisation__name")
        .annotate(
            responses=Count("id"),
            satisfied=Count("id", filter=SATISFIED),
            listened=Count("id", filter=Q(listened_to=SurveyResponse.Answer.YES)),
            again=Count("id", filter=Q(would_report_again=SurveyResponse.Again.YES)),
        )
        .order_by("organisation__name")
    )
    return [
        OrganisationFeedback(
            organisation=row["organisation__name"],
            responses=row["responses"],
            satisfied=row["satisfied"],
            listened_to=row["listened"],
            would_report_again=row["again"],
        )
        for row in rows
    ]


def own_comments(*, viewer: Viewer, period: Period) -> QuerySet[SurveyResponse]:
    return rules.survey_comments(viewer).filter(_in(period)).order_by("-submitted_at")


def tp12_for(*, organisation_id, period: Period) -> tuple[int, int]:
    """(satisfied, respondents) for an organisation's responses in a period: TP12's numerator
    and denominator."""
    counts = SurveyResponse.objects.filter(_in(period), organisation_id=organisation_id).aggregate(
        respondents=Count("id"), satisfied=Count("id", filter=SATISFIED)
    )
    return counts["satisfied"], counts["respondents"]
