"""Reads for PCC reviews and the published figures, scoped through the access layer."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404

from access import rules
from access.viewer import Viewer
from asb_cases.models import Case, ClosureReason
from community_trigger import selectors as case_review_selectors
from community_trigger.selectors import financial_year
from feedback.selectors import Period, tp12_for
from oversight.models import HousingStock, PccReview, PccReviewPolicy

# Counts beyond the four the statute requires are withheld below this (and above zero), so a
# published figure never points at one or two people.
SMALL_NUMBER = 3


def pcc_review_policy_in_force(day: dt.date) -> PccReviewPolicy | None:
    return (
        PccReviewPolicy.objects.filter(effective_from__lte=day)
        .order_by("-effective_from", "-version")
        .first()
    )


def pcc_review_queue(*, viewer: Viewer) -> QuerySet[PccReview]:
    """The PCC's office's reviews, soonest deadline first (empty for everyone else)."""
    return rules.pcc_reviews(viewer).select_related(
        "application", "application__local_authority", "requested_by_organisation"
    )


def pcc_review_get(*, viewer: Viewer, review_uuid) -> PccReview:
    try:
        key = review_uuid if isinstance(review_uuid, UUID) else UUID(str(review_uuid))
    except ValueError:
        raise Http404("No such review") from None
    review = pcc_review_queue(viewer=viewer).filter(uuid=key).first()
    if review is None:
        raise Http404("No such review")
    return review


def pcc_reviews_of_application(*, viewer: Viewer, application) -> QuerySet[PccReview]:
    """The PCC reviews of an application the viewer may open (community_trigger's rule)."""
    return PccReview.objects.filter(
        application__in=rules.applications(viewer).filter(pk=application.pk)
    )


@dataclass
class PublishedFigures:
    area_name: str
    area_code: str
    year_label: str
    year_start: int
    applications: int
    not_met: int
    reviews: int
    with_recommendations: int
    pcc_requested: int | None  # None: withheld (a small number)
    pcc_upheld: int | None

    def as_dict(self) -> dict:
        return {
            "area": self.area_name,
            "area_code": self.area_code,
            "year": self.year_label,
            "applications_received": self.applications,
            "threshold_not_met": self.not_met,
            "reviews_carried_out": self.reviews,
            "reviews_with_recommendations": self.with_recommendations,
            "pcc_reviews_requested": self.pcc_requested,
            "pcc_reviews_upheld": self.pcc_upheld,
        }


def _published(count: int) -> int | None:
    return None if 0 < count < SMALL_NUMBER else count


def published_figures() -> list[PublishedFigures]:
    """The four statutory counts per local authority and financial year (community_trigger),
    with the PCC reviews requested and upheld, by the year each was asked for. Aggregates
    only; the PCC counts are withheld when small."""
    pcc: dict[tuple[str, int], Counter] = defaultdict(Counter)
    for area_code, requested_at, status in PccReview.objects.values_list(
        "application__local_authority__code", "requested_at", "status"
    ):
        key = (area_code, financial_year(requested_at))
        pcc[key]["requested"] += 1
        pcc[key]["upheld"] += status == PccReview.Status.UPHELD
    rows = []
    for figures in case_review_selectors.published_figures():
        counts = pcc.get((figures.area.code, figures.year_start), Counter())
        rows.append(
            PublishedFigures(
                area_name=figures.area.name,
                area_code=figures.area.code,
                year_label=figures.year_label,
                year_start=figures.year_start,
                applications=figures.applications,
                not_met=figures.not_met,
                reviews=figures.reviews,
                with_recommendations=figures.with_recommendations,
                pcc_requested=_published(counts["requested"]),
                pcc_upheld=_published(counts["upheld"]),
            )
        )
    return rows


# The Tenant Satisfaction Measures NM01 and TP12 ---------------------------------------------------


@dataclass
class TenantSatisfaction:
    organisation: str
    year_label: str
    homes: int | None
    cases: int
    hate_cases: int
    respondents: int
    satisfied: int

    @staticmethod
    def _per_thousand(count: int, homes: int | None) -> float | None:
        return round(1000 * count / homes, 2) if homes else None

    @property
    def nm01_1(self) -> float | None:
        """NM01(1): ASB cases opened per 1,000 homes."""
        return self._per_thousand(self.cases, self.homes)

    @property
    def nm01_2(self) -> float | None:
        """NM01(2): ASB cases involving hate incidents opened per 1,000 homes."""
        return self._per_thousand(self.hate_cases, self.homes)

    @property
    def tp12(self) -> float | None:
        """TP12: the share of respondents satisfied with the handling of ASB, in per cent."""
        return round(100 * self.satisfied / self.respondents, 1) if self.respondents else None

    def as_row(self) -> dict:
        return {
            "organisation": self.organisation,
            "year": self.year_label,
            "homes": self.homes if self.homes is not None else "",
            "asb_cases_opened": self.cases,
            "hate_cases_opened": self.hate_cases,
            "nm01_1_per_1000_homes": "" if self.nm01_1 is None else self.nm01_1,
            "nm01_2_per_1000_homes": "" if self.nm01_2 is None else self.nm01_2,
            "tp12_respondents": self.respondents,
            "tp12_satisfied": self.satisfied,
            "tp12_percent": "" if self.tp12 is None else self.tp12,
        }


def tenant_satisfaction(*, viewer: Viewer, year_start: int) -> TenantSatisfaction | None:
    """NM01 and TP12 for the viewer's own housing provider in a year (None for anyone else).

    Counting rules: a case counts in the year it was opened, by the provider that leads it; a
    case closed as a duplicate of another is not a case; a case is a hate case when any of its
    incidents was hate-motivated. TP12 is the share of the provider's survey respondents in the
    year who were very or fairly satisfied."""
    provider = rules.tsm_provider(viewer)
    if provider is None:
        return None
    period = Period(year_start)
    # The provider's own cases (it leads them), counted whatever the viewer's role: an analyst
    # reports the measures without opening a case.
    cases = Case.objects.filter(
        lead_organisation=provider,
        opened_at__gte=period.start,
        opened_at__lt=period.end,
    ).exclude(closure_reason=ClosureReason.DUPLICATE)
    stock = HousingStock.objects.filter(organisation=provider, year_start=year_start).first()
    satisfied, respondents = tp12_for(organisation_id=provider.pk, period=period)
    return TenantSatisfaction(
        organisation=provider.name,
        year_label=period.label,
        homes=stock.homes if stock else None,
        cases=cases.count(),
        hate_cases=cases.filter(incidents__hate_motivated=True).distinct().count(),
        respondents=respondents,
        satisfied=satisfied,
    )
