"""Every URL needs a signed-in user, except the ones named here as public.

Walks the whole URLconf, so a page added without `login_required` fails this test.
"""

import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# Public on purpose. Anything else that answers an anonymous visitor is a leak.
PUBLIC = {
    "healthz",
    "livez",
    "partners:login",
    "partners:sso_start",
    "partners:sso_callback",
    "partners:logout",
    "partners:invitation_accept",
    "partners:invitation_done",
    "accessibility",
    "privacy",
    "cookies",
    "community_trigger:guidance",
    "community_trigger:apply",
    "community_trigger:apply_done",
    "community_trigger:status",
    "community_trigger:statement",
    "community_trigger:appeal",
    "community_trigger:figures",
    "community_trigger:figures_csv",
    # Issue 14: the public application's question pages and save and return.
    "community_trigger:apply_step",
    "community_trigger:apply_check",
    "community_trigger:apply_save",
    "community_trigger:apply_saved",
    "community_trigger:apply_resume",
    # Issue 14 part B: the PCC review request and the published figures as open data.
    "oversight:pcc_review_public",
    "oversight:figures",
    "oversight:figures_csv",
    "oversight:figures_json",
    "feedback:survey",
    "feedback:thanks",
}

SAMPLE = {
    "uuid": lambda: str(uuid.uuid4()),
    "int": lambda: "1",
    "slug": lambda: "sample",
    "str": lambda: "sample",
    "path": lambda: "sample",
}


def all_patterns(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from all_patterns(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", prefix + str(entry.pattern), entry.pattern


def sample_path(route: str, pattern) -> str:
    converters = getattr(pattern, "converters", {})
    path = route
    for name, converter in converters.items():
        kind = type(converter).__name__.replace("Converter", "").lower()
        placeholder = f"<{kind}:{name}>" if f"<{kind}:{name}>" in path else f"<{name}>"
        path = path.replace(placeholder, SAMPLE.get(kind, SAMPLE["str"])())
    return "/" + path.lstrip("^").rstrip("$")


PROTECTED = [
    (name, route, pattern)
    for name, route, pattern in all_patterns()
    if name not in PUBLIC and not route.startswith("static/")
]


@pytest.mark.parametrize(("name", "route", "pattern"), PROTECTED, ids=[p[0] for p in PROTECTED])
def test_anonymous_visitors_are_sent_to_sign_in(client, name, route, pattern):
    path = sample_path(route, pattern)
    for method in ("get", "post"):
        response = getattr(client, method)(path)
        assert response.status_code in (302, 401, 403), f"{method.upper()} {path} answered"
        if response.status_code == 302:
            assert response.url.startswith("/sign-in/"), f"{path} redirects to {response.url}"


def test_the_public_list_names_only_real_urls():
    names = {name for name, _, _ in all_patterns()}
    assert names >= PUBLIC
