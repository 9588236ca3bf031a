"""Template helpers for GOV.UK patterns that span a page rather than one field."""

from django import template

register = template.Library()


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
