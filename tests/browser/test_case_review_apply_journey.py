"""The public application's GOV.UK question pages, in a browser: one question per page, a
conditional reveal, "Check your answers", the confirmation; axe at desktop width and at 375 px
on every page; save and return by the e-mailed link; and the same journey with JavaScript off."""

import re

from django.core import mail

from community_trigger import services
from community_trigger.models import Application
from partners.models import OutboxTask


def apply_online(public, *, email="mabel@example.org", narrow=False) -> None:
    """Answer every question page as Mabel Thornbury, applying for herself."""
    if narrow:
        public.page.set_viewport_size({"width": 375, "height": 800})
    public.visit("/case-review/apply/")
    assert "Apply for an anti-social behaviour case review" in public.page.inner_text("header")
    public.submit("Start now")
    public.submit("Continue")  # nothing chosen: the error names the question
    summary = public.page.locator(".govuk-error-summary").inner_text()
    assert "Select whether you are the victim of the anti-social behaviour" in summary
    assert public.page.title().startswith("Error:")
    public.choose("Yes, I am the victim")
    public.submit("Continue")
    public.fill("First name", "Mabel")
    public.fill("Last name", "Thornbury")
    public.submit("Continue")
    for part, value in (("day", "2"), ("month", "6"), ("year", "1948")):
        public.page.locator(f"#id_victim_date_of_birth-{part}").fill(value)
    public.submit("Continue")
    public.choose("E-mail")  # reveals the e-mail address box
    public.fill("E-mail address", email)
    public.submit("Continue")
    public.choose("Noise")
    public.submit("Continue")
    public.fill("Postcode", "DL1 4QT")
    public.submit("Continue")
    if "Which council area is it in?" in public.text():
        public.choose("Darlington")
        public.submit("Continue")
    public.choose("No")
    public.submit("Continue")
    public.page.get_by_label("Tell us about the anti-social behaviour", exact=True).fill(
        "Loud music every night since August"
    )
    public.submit("Continue")
    public.submit("Continue")  # who they reported it to: optional
    public.choose("Yes, I want to tell you how it is affecting me")  # reveals the statement
    public.fill("How is it affecting you?", "I cannot sleep and I am frightened.")
    public.choose("I would like someone to read it for me")
    public.submit("Continue")
    assert "Check your answers before sending your application" in public.text()


def test_the_question_pages_at_desktop_and_375_px_then_save_and_return(journey, cast):
    desktop = journey()
    apply_online(desktop)
    assert "Mabel Thornbury" in desktop.text() and "DL1 4QT" in desktop.text()
    desktop.submit("Accept and send")
    assert "Application received" in desktop.text()
    assert Application.objects.get().reference in desktop.text()

    narrow = journey()
    apply_online(narrow, email="priya@example.org", narrow=True)
    narrow.submit("Accept and send")
    assert Application.objects.count() == 2

    # Save part way, and come back by the e-mailed link in another browser.
    saver = journey()
    saver.visit("/case-review/apply/")
    saver.submit("Start now")
    saver.choose("Yes, I am the victim")
    saver.submit("Continue")
    saver.fill("First name", "Ada")
    saver.fill("Last name", "Lovelace")
    saver.submit("Save and come back later")
    saver.fill("What is your e-mail address?", "ada@example.org")
    saver.submit("Send me a link")
    assert "Your application has been saved" in saver.text()
    task = OutboxTask.objects.filter(task_name="community_trigger.draft_send_link").latest("pk")
    services.draft_send_link(**task.kwargs)
    link = re.search(r"http\S+/resume/\S+/", mail.outbox[-1].body).group(0)
    path = "/" + link.split("/", 3)[3]
    later = journey()
    later.visit(path)
    assert "date of birth" in later.text()
    later.visit("/case-review/apply/name/")
    assert later.page.get_by_label("First name", exact=True).input_value() == "Ada"
    again = journey()
    again.visit(path)
    assert "This link has already been used" in again.text()


def test_the_question_pages_work_without_javascript(chromium, live_server, cast):
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/case-review/apply/")
        page.get_by_role("button", name="Start now").click()
        page.get_by_label("Yes, I am the victim", exact=True).check()
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("First name", exact=True).fill("Mabel")
        page.get_by_label("Last name", exact=True).fill("Thornbury")
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("button", name="Continue").click()  # date of birth: optional
        # Without JavaScript the revealed boxes are simply shown.
        assert page.get_by_label("E-mail address", exact=True).is_visible()
        page.get_by_label("E-mail", exact=True).check()
        page.get_by_label("E-mail address", exact=True).fill("mabel@example.org")
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("Noise", exact=True).check()
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("Postcode", exact=True).fill("DL1 4QT")
        page.get_by_role("button", name="Continue").click()
        if "Which council area" in page.inner_text("main"):
            page.get_by_label("Darlington", exact=True).check()
            page.get_by_role("button", name="Continue").click()
        page.get_by_label("No", exact=True).check()
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("Tell us about the anti-social behaviour", exact=True).fill(
            "Music every night"
        )
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("button", name="Continue").click()  # no impact statement
        assert "Check your answers" in page.inner_text("main")
        page.get_by_role("button", name="Accept and send").click()
        assert "Application received" in page.inner_text("main")
        assert Application.objects.get().applicant_email == "mabel@example.org"
    finally:
        context.close()
