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
from community_trigger import selectors as case_review_selectors
from community_trigger.selectors import financial_year
from oversight.models import PccReview, PccReviewPolicy

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
