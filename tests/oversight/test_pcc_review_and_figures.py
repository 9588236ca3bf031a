"""The PCC's review of "threshold not met" decisions (asked publicly or by an officer, decided
only by the PCC's office within its working days, told, counted), and the published figures
per local authority and year as a page and open data, against an independent count."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from community_trigger import services as case_review_services
from oversight import services
from oversight.models import PccReview, PccReviewPolicy
from partners.models import OutboxTask
from partners.working_days import add_working_days
from tests.community_trigger.conftest import apply_for
from tests.conftest import client_for


def _not_met(cast, victim, told=True):
    application = apply_for(victim)
    case_review_services.application_evaluate(application_id=application.pk)
    application.refresh_from_db()
    if application.stage != "not_met":
        case_review_services.application_decide_discretion(
            actor=cast.champion, application=application, outcome="not_met", reasons="One report"
        )
    if told:
        case_review_services.application_record_applicant_told(
            actor=cast.champion, application=application, how="letter"
        )
    application.refresh_from_db()
    return application


def _public_request(application, grounds="My police reports were not counted"):
    return Client().post(
        "/case-review/pcc-review/",
        {"reference": application.reference, "postcode": "DL1 4QT", "grounds": grounds},
    )


def test_a_pcc_review_round_trip(cast, victim):
    application = _not_met(cast, victim)
    response = _public_request(application)
    assert response.status_code == 200
    assert "Review requested" in response.content.decode()
    review = application.pcc_reviews.get()
    policy = PccReviewPolicy.objects.get(version=1)
    assert review.via == PccReview.Via.PUBLIC
    assert review.decide_by == add_working_days(timezone.localdate(), policy.decide_working_days)

    # Only the PCC's office sees the queue and decides; everyone else gets 404.
    for outsider in (cast.owner.officer, cast.partner.supervisor, cast.unrelated.admin):
        client = client_for(outsider)
        assert client.get("/pcc-reviews/").status_code == 404
        assert client.get(f"/pcc-reviews/{review.uuid}/").status_code == 404
        assert (
            client.post(
                f"/pcc-reviews/{review.uuid}/", {"upheld": "yes", "reasons": "x"}
            ).status_code
            == 404
        )
    with pytest.raises(PermissionDenied):
        services.pcc_review_decide(
            actor=cast.owner.officer, review=review, upheld=True, reasons="x"
        )

    pcc = client_for(cast.pcc.officer)
    assert application.reference in pcc.get("/pcc-reviews/").content.decode()
    empty = pcc.post(f"/pcc-reviews/{review.uuid}/", {})
    assert empty.status_code == 200
    assert "Error: " in empty.content.decode()
    assert "Select the decision" in empty.content.decode()
    decided = pcc.post(
        f"/pcc-reviews/{review.uuid}/",
        {"upheld": "yes", "reasons": "Reports to the police were missed."},
    )
    assert decided.status_code == 302
    review.refresh_from_db()
    assert review.status == PccReview.Status.UPHELD
    assert review.decided_by == cast.pcc.officer
    # Told through the outbox, once.
    task = OutboxTask.objects.get(task_name="oversight.pcc_review_tell")
    assert services.pcc_review_tell(review_id=task.kwargs["review_id"]) is True
    assert services.pcc_review_tell(review_id=task.kwargs["review_id"]) is False
    from django.core import mail

    assert len(mail.outbox) == 1 and "upheld" in mail.outbox[0].body
    # Counted.
    rows = Client().get("/open-data/asb-case-review-figures.json").json()["rows"]
    assert rows[0]["pcc_reviews_requested"] is None  # one: withheld as a small number


def test_a_public_request_with_bad_input_gets_the_error_summary(cast, victim):
    application = _not_met(cast, victim, told=False)
    empty = Client().post("/case-review/pcc-review/", {})
    body = empty.content.decode()
    assert "govuk-error-summary" in body and "Tell us why the decision should be reviewed" in body
    wrong = Client().post(
        "/case-review/pcc-review/",
        {"reference": application.reference, "postcode": "DH1 1AA", "grounds": "x"},
    )
    assert "We could not find an application with that reference and postcode" in (
        wrong.content.decode()
    )
    untold = _public_request(application)
    assert "once you have been told the threshold was not met" in untold.content.decode()
    assert not PccReview.objects.exists()


def test_an_officer_asks_on_the_victims_behalf_and_only_once(cast, victim):
    application = _not_met(cast, victim)
    client = client_for(cast.champion)
    response = client.post(
        f"/case-reviews/{application.uuid}/pcc-review/", {"grounds": "The victim asked me to"}
    )
    assert response.status_code == 302
    review = application.pcc_reviews.get()
    assert review.via == PccReview.Via.OFFICER
    assert review.requested_by_organisation == cast.pcc.organisation
    with pytest.raises(ValidationError, match="already been asked for"):
        services.pcc_review_request(actor=None, application=application, grounds="Again")
    outsider = client_for(cast.unrelated.officer)
    assert outsider.get(f"/case-reviews/{application.uuid}/pcc-review/").status_code == 404


def test_the_working_day_deadline_steps_over_christmas(cast, victim):
    PccReviewPolicy.objects.create(
        version=2, effective_from=dt.date(2026, 12, 1), decide_working_days=5
    )
    application = _not_met(cast, victim)
    review = services.pcc_review_request(
        actor=None,
        application=application,
        grounds="Please",
        now=timezone.make_aware(dt.datetime(2026, 12, 22, 10)),
    )
    # Asked on Tuesday 22 December 2026, under version 2 (5 working days): 23, 24, then
    # Christmas Day, Boxing Day (Saturday, substitute Monday 28) and the weekend are skipped:
    # 29, 30, 31.
    assert review.policy.version == 2
    assert review.decide_by == dt.date(2026, 12, 31)


def test_the_published_figures_match_an_independent_count(cast, victim):
    applications = [_not_met(cast, victim) for _ in range(3)]
    for application in applications:
        services.pcc_review_request(actor=None, application=application, grounds="Please")
    for review in PccReview.objects.all()[:1]:
        services.pcc_review_decide(actor=cast.pcc.officer, review=review, upheld=True, reasons="r")
    apply_for(victim)  # received, not decided
    # An independent count, straight from the rows.
    from community_trigger.models import Application

    expected_received = Application.objects.exclude(stage="withdrawn").count()
    expected_not_met = Application.objects.filter(stage="not_met").count()
    page = Client().get("/case-review/published-figures/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "fewer than 3" in text  # one upheld: withheld
    rows = list(
        csv.DictReader(
            io.StringIO(Client().get("/open-data/asb-case-review-figures.csv").content.decode())
        )
    )
    assert len(rows) == 1
    row = rows[0]
    assert row["area_code"] == "E06000005"
    assert int(row["applications_received"]) == expected_received == 4
    assert int(row["threshold_not_met"]) == expected_not_met == 3
    assert row["pcc_reviews_requested"] == "3"
    assert row["pcc_reviews_upheld"] == "withheld"
    body = Client().get("/open-data/asb-case-review-figures.json").json()
    assert body["rows"][0]["pcc_reviews_requested"] == 3
    assert body["rows"][0]["applications_received"] == 4
    # Aggregates only: no reference, name or postcode anywhere in the open data.
    for application in applications:
        assert application.reference not in text
        assert "DL1 4QT" not in str(body)
