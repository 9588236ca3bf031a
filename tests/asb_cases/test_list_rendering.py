"""Rendering long lists cheaply without changing what they show: status and risk tags as
filters (not two included templates a row), row links without reversing a URL a row, the
unfilled search form rendered once per process (the same for every organisation: its choices
are the partnership's), select options written in place rather than included one by one, and
templates read through the cached loader."""

from __future__ import annotations

import pytest
from django import forms
from django.db import connection
from django.forms.renderers import DjangoTemplates
from django.http import QueryDict
from django.template import Context, Template, engines
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from asb_cases import views
from asb_cases.forms import CaseSearchForm
from asb_cases.models import IncidentType
from partners.govuk import GovUKFormRenderer
from tests.conftest import client_for
from tests.factories import make_case

pytestmark = pytest.mark.django_db

# What the included templates these filters replace rendered, value by value.
STATUS_TAGS = {
    "closed": '<strong class="govuk-tag govuk-tag--grey">Closed</strong>',
    "open": '<strong class="govuk-tag govuk-tag--blue">Open</strong>',
    "investigating": '<strong class="govuk-tag govuk-tag--light-blue">Investigating</strong>',
    "action": '<strong class="govuk-tag govuk-tag--purple">Action</strong>',
    "monitoring": '<strong class="govuk-tag govuk-tag--turquoise">Monitoring</strong>',
}
RISK_TAGS = {
    "high": '<strong class="govuk-tag govuk-tag--red">High risk</strong>',
    "medium": '<strong class="govuk-tag govuk-tag--orange">Medium risk</strong>',
    "standard": '<strong class="govuk-tag govuk-tag--grey">Standard risk</strong>',
    "": '<strong class="govuk-tag govuk-tag--grey">Standard risk</strong>',
}


def _render(source: str, **context) -> str:
    return Template("{% load case_tags %}" + source).render(Context(context))


@pytest.mark.parametrize(("status", "html"), STATUS_TAGS.items())
def test_status_tags_are_what_the_include_rendered(status, html):
    assert _render("{{ status|status_tag }}", status=status) == html


@pytest.mark.parametrize(("risk", "html"), RISK_TAGS.items())
def test_risk_tags_are_what_the_include_rendered(risk, html):
    assert _render("{{ risk|risk_tag }}", risk=risk) == html


def test_row_links_are_the_reversed_urls(cast):
    cases = [make_case(cast.owner.officer) for _ in range(2)]
    rendered = _render(
        "{% for case in cases %}{% row_url 'asb_cases:case_detail' case.uuid %};{% endfor %}",
        cases=cases,
    )
    assert rendered == "".join(
        reverse("asb_cases:case_detail", args=[case.uuid]) + ";" for case in cases
    )


def test_the_unfilled_search_form_is_rendered_once_and_is_the_same_for_everyone(cast):
    views._SEARCH_FORMS.clear()
    make_case(cast.owner.officer)
    fresh = render_to_string("asb_cases/_case_search_fields.html", {"form": CaseSearchForm()})
    for officer in (cast.owner.officer, cast.partner.officer):
        page = client_for(officer).get("/cases/").content.decode()
        assert fresh in page
    assert [html for _, html in views._SEARCH_FORMS.values()] == [fresh]


def test_a_new_choice_shows_at_once(cast):
    views._SEARCH_FORMS.clear()
    client = client_for(cast.owner.officer)
    client.get("/cases/")
    IncidentType.objects.create(code="bench-new", name="Newly added problem", sort_order=999)
    assert "Newly added problem" in client.get("/cases/").content.decode()


def test_a_filled_in_form_is_rendered_each_time_with_its_values(cast):
    views._SEARCH_FORMS.clear()
    page = client_for(cast.owner.officer).get("/cases/?q=elm+court").content.decode()
    assert 'value="elm court"' in page
    # What it held is the unfilled form's, for the next visit without a search.
    unfilled = render_to_string("asb_cases/_case_search_fields.html", {"form": CaseSearchForm()})
    assert [html for _, html in views._SEARCH_FORMS.values()] == [unfilled]
    assert 'value="elm court"' not in unfilled


def test_a_filled_in_form_renders_its_held_choices_as_it_would_read_them(cast):
    """A filled-in form is rendered from the choice lists held for its choices: the same HTML
    as a form reading them (its values selected), without reading the lists again."""
    views._SEARCH_FORMS.clear()
    problem = IncidentType.objects.create(code="held-choice", name="Held & <chosen>", sort_order=1)
    query = f"q=elm&lead_organisation={cast.partner.organisation.slug}&incident_type={problem.code}"
    client = client_for(cast.owner.officer)
    client.get(f"/cases/?{query}")
    with CaptureQueriesContext(connection) as captured:
        page = client.get(f"/cases/?{query}").content.decode()
    form = CaseSearchForm(QueryDict(query))
    assert form.is_valid()
    read_again = render_to_string("asb_cases/_case_search_fields.html", {"form": form})
    assert read_again in page
    assert "selected>Held &amp; &lt;chosen&gt;</option>" in read_again
    assert f'value="{cast.partner.organisation.slug}" selected>' in read_again
    whole_lists = [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith(
            (
                'SELECT "asb_cases_incidenttype"',
                'SELECT "partners_organisation"',
                'SELECT "partners_localauthority"',
            )
        )
        and " WHERE " not in query["sql"]
    ]
    assert whole_lists == []
    # A new choice still shows at once: the held lists are by the tables' digest.
    IncidentType.objects.create(code="held-new", name="Newly held problem", sort_order=2)
    assert "Newly held problem" in client.get(f"/cases/?{query}").content.decode()


def test_templates_are_read_through_the_cached_loader():
    loaders = engines["django"].engine.template_loaders
    assert [type(loader).__module__ for loader in loaders] == ["django.template.loaders.cached"]


class _OwnOptionSelect(forms.Select):
    """A select whose options have a template of their own (Django includes it for each)."""

    option_template_name = "django/forms/widgets/input_option.html"


class _Choices(forms.Form):
    plain = forms.ChoiceField(choices=[("", "Any"), ("x", "X & <y>"), (1, "One")])
    grouped = forms.MultipleChoiceField(choices=[("g", [("p", "P"), ("q", "Q")]), ("r", "R")])
    either = forms.NullBooleanField()
    marked = forms.ChoiceField(
        choices=[("a", "A")],
        widget=forms.Select(attrs={"class": "k", "disabled": True, "data-x": False}),
    )
    own_option = forms.ChoiceField(
        choices=[("o", "O & <p>"), ("v", "V")], widget=_OwnOptionSelect(attrs={"data-y": "z"})
    )


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"plain": "1", "grouped": ["p", "r"], "either": "true", "marked": "a", "own_option": "v"},
    ],
)
def test_selects_render_what_djangos_own_templates_render(data):
    """The select widget writes its options in one tag rather than an include each; the HTML
    is Django's own, character for character (options, groups, selection, attributes, and an
    option with a template of its own)."""
    form = _Choices(data)
    for name, field in form.fields.items():
        bound = form[name]
        context = field.widget.get_context(bound.html_name, bound.value(), {"id": f"id_{name}"})
        ours = GovUKFormRenderer().render(field.widget.template_name, context)
        djangos = DjangoTemplates().render(field.widget.template_name, context)
        assert ours == djangos
        assert ("<label" if name == "own_option" else "<option") in ours
