from django import template

register = template.Library()


@register.filter
def label(key: str) -> str:
    """A bundle field's name as a heading: "date_of_birth" -> "Date of birth"."""
    return str(key).replace("_", " ").capitalize()


@register.filter
def as_text(value) -> str:
    """A bundle value as people read it."""
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "None"
    return "" if value is None else str(value)
