"""A partner admin adds a user, the user joins, the admin deactivates them, they are locked out."""

from partners.models import User
from partners.services import invitation_path


def test_partner_admin_adds_a_user_then_deactivates_them_and_they_are_locked_out(journey, cast):
    admin = journey()
    admin.sign_in("admin@test-housing")
    assert "Test Housing" in admin.page.locator("header").inner_text()
    admin.follow("Your organisation")
    assert "officer@test-housing" in admin.text()
    assert "officer@test-police" not in admin.text()

    admin.submit("Add a user")
    admin.submit("Add user and send invitation")  # empty: the error summary appears
    assert admin.page.title().startswith("Error:")
    assert "Enter a first name" in admin.page.locator(".govuk-error-summary").inner_text()

    admin.fill("First name", "Morgan")
    admin.fill("Last name", "Hayward")
    admin.fill("Work e-mail address", "morgan.hayward@example.org")
    admin.choose("Case officer")
    admin.submit("Add user and send invitation")
    assert "Morgan Hayward has been added" in admin.text()

    # The invitation e-mail is background work (tests/partners cover its delivery); here we
    # follow the link it carries.
    user = User.objects.get(username="morgan.hayward@example.org")
    path = invitation_path(user)

    morgan = journey()
    morgan.visit(path)
    morgan.fill("Choose a password", "a-long-new-password-1")
    morgan.fill("Type the password again", "a-long-new-password-1")
    morgan.submit("Save password")
    assert "Your password has been saved" in morgan.text()
    morgan.sign_in("morgan.hayward@example.org", "a-long-new-password-1")
    assert "Signed in as Morgan Hayward" in morgan.text()

    admin.visit(f"/organisation/users/{user.membership.pk}/")
    admin.submit("Deactivate account")
    admin.fill("Why are you deactivating this account? (optional)", "Moved to another team")
    admin.submit("Deactivate account")
    assert "has been deactivated" in admin.text()
    assert "Deactivated" in admin.text()

    # Morgan's next click finds them signed out, and they cannot sign back in.
    morgan.visit("/")
    assert morgan.page.url.startswith(morgan.base_url + "/sign-in/")
    morgan.sign_in("morgan.hayward@example.org", "a-long-new-password-1")
    assert "There is a problem" in morgan.text()


def test_another_organisations_user_page_is_not_found(journey, cast):
    admin = journey()
    admin.sign_in("admin@test-housing")
    admin.visit(f"/organisation/users/{cast.unrelated.officer.membership.pk}/")
    assert "Page not found" in admin.text()


def test_the_accessibility_check_catches_a_real_failure(journey):
    """The axe check is not vacuous: an image without a text alternative fails it."""
    person = journey()
    person.page.set_content('<html lang="en"><title>t</title><main><img src="x.png"></main></html>')
    try:
        person.check_accessibility()
    except AssertionError as failure:
        assert "image-alt" in str(failure)
    else:
        raise AssertionError("axe did not report the missing alt text")
