"""The public application as GOV.UK question pages: one thing per page, pages shown only when
an answer needs them, "Check your answers", a confirmation, and save and return by a link
e-mailed to the applicant that works once and expires."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from asb_cases.models import IncidentType
from community_trigger import services
from community_trigger.models import Application, ApplicationDraft, Stage
from partners.models import LocalAuthority, OutboxTask
from victims.models import Person

pytestmark = pytest.mark.django_db


def pages(**overrides) -> dict[str, dict]:
    """What an applicant applying for themselves types on each page."""
    answers = {
        "victim": {"relationship": "self"},
        "name": {"victim_given_name": "Mabel", "victim_family_name": "Thornbury"},
        "date-of-birth": {
            "victim_date_of_birth-day": "2",
            "victim_date_of_birth-month": "6",
            "victim_date_of_birth-year": "1948",
        },
        "contact": {"contact_methods": ["email"], "applicant_email": "mabel@example.org"},
        "behaviour": {"problem_type": IncidentType.objects.get(code="noise").pk},
        "where": {"problem_address": "14 Elm Court", "problem_postcode": "dl1 4qt"},
        "area": {"local_authority": LocalAuthority.objects.get(code="E06000005").pk},
        "hate": {"hate_motivated": "no"},
        "details": {"description": "Music every night"},
        "reported-to": {},
        "impact": {},
    }
    return answers | overrides


def walk(client: Client, answers: dict[str, dict]) -> list[str]:
    """Start, then answer each page the service asks for, in the order it asks; the pages
    visited, ending at "Check your answers"."""
    response = client.post("/case-review/apply/")
    visited = []
    while "/check/" not in response.url:
        slug = response.url.rstrip("/").rsplit("/", 1)[-1]
        visited.append(slug)
        assert client.get(response.url).status_code == 200
        response = client.post(response.url, answers[slug])
        assert response.status_code == 302, (slug, response.content.decode()[:3000])
    return visited


def test_one_question_per_page_then_check_your_answers_then_confirmation(
    cast, django_capture_on_commit_callbacks
):
    client = Client()
    visited = walk(client, pages())
    # Applying for themselves: no consent page, no separate applicant name; the postcode's
    # area is asked because no report has been made there yet.
    assert visited == [
        "victim",
        "name",
        "date-of-birth",
        "contact",
        "behaviour",
        "where",
        "area",
        "hate",
        "details",
        "reported-to",
        "impact",
    ]
    check = client.get("/case-review/apply/check/").content.decode()
    assert "Check your answers before sending your application" in check
    assert "Mabel Thornbury" in check and "2 June 1948" in check and "DL1 4QT" in check
    assert 'href="/case-review/apply/where/?change=1"' in check
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post("/case-review/apply/check/", {"website": ""})
    assert response.url == "/case-review/apply/done/"
    application = Application.objects.get()
    assert application.source == "public" and application.stage == Stage.RECEIVED
    assert application.applicant_name == "Mabel Thornbury"
    assert application.victim_date_of_birth == dt.date(1948, 6, 2)
    assert application.problem_postcode == "DL1 4QT"
    assert application.applicant_email == "mabel@example.org"
    assert application.victim is None and not Person.objects.exists()
    done = client.get(response.url).content.decode()
    assert "Application received" in done and application.reference in done
    # The draft is spent: the pages start a new application.
    assert client.get("/case-review/apply/check/").url == "/case-review/apply/"


def test_someone_applying_for_another_is_asked_for_consent_and_their_own_name(cast):
    client = Client()
    answers = pages(
        victim={"relationship": "family"},
        consent={"victim_consents": "yes"},
        **{"your-name": {"applicant_name": "Priya Thornbury"}},
    )
    visited = walk(client, answers)
    assert visited[:4] == ["victim", "consent", "your-name", "name"]
    client.post("/case-review/apply/check/", {})
    application = Application.objects.get()
    assert application.relationship == "family" and application.victim_consents
    assert application.applicant_name == "Priya Thornbury"


@pytest.mark.parametrize(
    ("slug", "data", "messages"),
    [
        ("victim", {}, ["Select whether you are the victim of the anti-social behaviour"]),
        ("name", {}, ["Enter your first name", "Enter your last name"]),
        ("contact", {}, ["Select at least one way we can contact you"]),
        (
            "contact",
            {"contact_methods": ["email", "phone"], "applicant_email": "nope"},
            ["Enter an e-mail address in the right format", "Enter your phone number"],
        ),
        ("where", {"problem_postcode": "ZZZ"}, ["Enter a real postcode"]),
        (
            "date-of-birth",
            {
                "victim_date_of_birth-day": "1",
                "victim_date_of_birth-month": "1",
                "victim_date_of_birth-year": "2999",
            },
            ["Date of birth must be in the past"],
        ),
        ("hate", {}, ["Select yes if you think it happens because of who you are"]),
        (
            "impact",
            {"tell_impact": ["yes"]},
            ["Enter how it is affecting you", "Select how you would like your statement used"],
        ),
    ],
)
def test_each_page_names_the_question_in_its_errors_in_page_order(cast, slug, data, messages):
    client = Client()
    walk(client, pages())
    response = client.post(f"/case-review/apply/{slug}/", data)
    content = response.content.decode().replace("&#x27;", "'")
    assert response.status_code == 200
    assert "<title>Error:" in content
    summary = content[content.index("govuk-error-summary") : content.index("</ul>")]
    positions = [summary.index(message) for message in messages]
    assert positions == sorted(positions), "the summary follows the page order"
    assert "Select yes or no" not in content
    # Nothing already saved is lost.
    assert ApplicationDraft.objects.get().answers["description"] == "Music every night"


def test_a_victim_who_does_not_agree_cannot_be_applied_for(cast):
    client = Client()
    client.post("/case-review/apply/")
    client.post("/case-review/apply/victim/", {"relationship": "friend"})
    response = client.post("/case-review/apply/consent/", {"victim_consents": "no"})
    assert "only if they agree" in response.content.decode()


def test_the_check_page_sends_the_applicant_back_to_what_is_missing(cast):
    client = Client()
    client.post("/case-review/apply/")
    client.post("/case-review/apply/victim/", {"relationship": "self"})
    response = client.post("/case-review/apply/check/", {})
    content = response.content.decode()
    assert "There is a problem" in content
    assert 'href="/case-review/apply/name/?change=1"' in content
    assert "Answer the question: What is your name?" in content
    assert not Application.objects.exists()


def _link_in(message) -> str:
    return re.search(r"http\S+/case-review/apply/resume/\S+/", message.body).group(0)


def test_save_and_return_by_a_link_that_works_once_and_expires(cast):
    client = Client()
    client.post("/case-review/apply/")
    client.post("/case-review/apply/victim/", {"relationship": "self"})
    client.post(
        "/case-review/apply/name/",
        {"victim_given_name": "Mabel", "victim_family_name": "Thornbury", "save": "1"},
    )
    response = client.post("/case-review/apply/save/", {"email": "mabel@example.org"})
    assert response.url == "/case-review/apply/saved/"
    assert "mabel@example.org" in client.get(response.url).content.decode()
    task = OutboxTask.objects.get(task_name="community_trigger.draft_send_link")
    assert services.draft_send_link(**task.kwargs)
    link = _link_in(mail.outbox[-1])
    draft = ApplicationDraft.objects.get()
    assert link.rsplit("/", 2)[-2] not in str(draft.token_hash)  # only the hash is kept

    # On another device: the link opens the application where it was left.
    elsewhere = Client()
    path = link.split("testserver")[-1] if "testserver" in link else "/" + link.split("/", 3)[3]
    resumed = elsewhere.get(path)
    assert resumed.url == "/case-review/apply/date-of-birth/"
    assert "Mabel" in elsewhere.get("/case-review/apply/name/").content.decode()
    # Opened again, it is refused with a clear page.
    again = Client().get(path)
    assert again.status_code == 410
    assert "This link has already been used" in again.content.decode()
    # A new link, left too long, has expired.
    services.draft_send_link(draft_id=draft.pk)
    late_path = "/" + _link_in(mail.outbox[-1]).split("/", 3)[3]
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        expired = Client().get(late_path)
    assert expired.status_code == 410
    assert "This link has expired" in expired.content.decode()
    unknown = Client().get("/case-review/apply/resume/not-a-real-token/")
    assert unknown.status_code == 404 and "This link does not work" in unknown.content.decode()


def test_an_invalid_page_can_still_be_saved_without_losing_what_was_saved(cast):
    client = Client()
    walk(client, pages())
    response = client.post("/case-review/apply/where/", {"problem_postcode": "ZZZ", "save": "1"})
    assert response.url == "/case-review/apply/save/"
    assert ApplicationDraft.objects.get().answers["problem_postcode"] == "DL1 4QT"


def test_public_pages_carry_the_public_service_name(cast):
    content = Client().get("/case-review/apply/").content.decode()
    assert "Apply for an anti-social behaviour case review" in content
    assert "Manage anti-social behaviour cases" not in content
