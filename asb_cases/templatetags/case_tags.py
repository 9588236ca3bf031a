"""Tags for case records, as filters rather than included templates: a list of 50 cases would
otherwise render 100 templates for two coloured labels (issue 16)."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html

register = template.Library()

_STATUS = {
    "closed": ("grey", "Closed"),
    "open": ("blue", "Open"),
    "investigating": ("light-blue", "Investigating"),
    "action": ("purple", "Action"),
}
_MONITORING = ("turquoise", "Monitoring")
_RISK = {"high": ("red", "High risk"), "medium": ("orange", "Medium risk")}
_STANDARD_RISK = ("grey", "Standard risk")


def _tag(colour: str, label: str) -> str:
    return format_html('<strong class="govuk-tag govuk-tag--{}">{}</strong>', colour, label)


@register.filter
def status_tag(status: str) -> str:
    """The GOV.UK tag of a case status."""
    return _tag(*_STATUS.get(status, _MONITORING))


@register.filter
def risk_tag(risk: str) -> str:
    """The GOV.UK tag of a risk band."""
    return _tag(*_RISK.get(risk, _STANDARD_RISK))


@register.simple_tag(takes_context=True)
def row_url(context, name: str, uuid) -> str:
    """`{% url name uuid %}` for the rows of a long list: the URL pattern is reversed once per
    render and the row's UUID put in its place, rather than reversed for every row."""
    prefixes = context.render_context.setdefault("row_url_prefixes", {})
    if name not in prefixes:
        placeholder = "00000000-0000-0000-0000-000000000000"
        prefixes[name] = reverse(name, args=[placeholder]).split(placeholder)
    before, after = prefixes[name]
    return f"{before}{uuid}{after}"
