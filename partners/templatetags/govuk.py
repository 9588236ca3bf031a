"""Template helpers for GOV.UK patterns that span a page rather than one field."""

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeData, mark_safe

register = template.Library()

# Django's template for one option of a select; an option with another template of its own
# is rendered by that template.
_SELECT_OPTION = "django/forms/widgets/select_option.html"


@register.inclusion_tag("govuk/error_summary.html")
def error_summary(*forms):
    """The GOV.UK error summary for one or more forms: each error links to its field."""
    errors = []
    for form in forms:
        if not getattr(form, "errors", None):
            continue
        for message in form.non_field_errors():
            errors.append(("", message))
        # In page order (the order of the fields), whatever order the errors were found in.
        for name in form.fields:
            if name not in form.errors:
                continue
            field = form[name]
            for message in field.errors:
                errors.append((getattr(field, "summary_anchor", field.auto_id), message))
    return {"errors": errors}


@register.simple_tag
def has_errors(*forms) -> bool:
    return any(getattr(form, "errors", None) for form in forms)


@register.simple_tag
def url_for_page(page, number: int) -> str:
    """The link to another page of a paginated list, keeping its filters."""
    return page.url_for(number)


@register.filter
def revealed_by(reveal, value) -> str:
    """The fields a radio option reveals (partners.govuk.RevealMixin), or ''."""
    if not reveal:
        return ""
    return reveal.get(str(value), "")


def _as_template_string(value) -> str:
    """`{{ value|stringformat:'s' }}`: the value as text, escaped unless already safe."""
    text = f"{value}"
    return mark_safe(text) if isinstance(value, SafeData) else conditional_escape(text)  # noqa: S308


@register.simple_tag
def widget_attributes(attrs: dict) -> str:
    """Django's widgets/attrs.html: ` name="value"` for each attribute in its order, ` name`
    alone for True, nothing for False (`django.forms.utils.flatatt` sorts them and drops None,
    so its output differs)."""
    return mark_safe(  # noqa: S308 (every name and value escaped)
        "".join(
            (
                f" {conditional_escape(name)}"
                if value is True
                else f' {conditional_escape(name)}="{_as_template_string(value)}"'
            )
            for name, value in attrs.items()
            if value is not False
        )
    )


@register.simple_tag(takes_context=True)
def select_options(context, widget) -> str:
    """The options (and groups) of a select, exactly as Django's select.html and
    select_option.html write them, written here in one pass rather than by a template loop
    over each option: an organisation's list of 60 took 2.9 ms of every page showing it, a
    search form's three lists 5 ms (issue 16). tests/asb_cases/test_list_rendering.py
    compares the output with Django's own templates."""
    parts = []
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(format_html('\n  <optgroup label="{}">', group_name))
        for option in options:
            if option["template_name"] == _SELECT_OPTION:
                parts.append(
                    f'\n  <option value="{_as_template_string(option["value"])}"'
                    f"{widget_attributes(option['attrs'])}>{conditional_escape(option['label'])}"
                    "</option>\n"
                )
            else:
                own = context.template.engine.get_template(option["template_name"])
                with context.push(widget=option):
                    parts.append("\n  " + own.render(context))
        if group_name:
            parts.append("\n  </optgroup>")
    return mark_safe("".join(parts))  # noqa: S308 (every value above is escaped)
