"""GOV.UK Design System rendering for every Django form in the project.

One approach for the whole app (docs/adr/0004-forms-govuk-renderer.md): Django's own form
renderer with GOV.UK templates (templates/govuk/ and templates/django/forms/widgets/), and a
bound field that gives each widget its GOV.UK classes and the `aria-describedby` that ties it
to its hint and error message. Forms are plain Django forms; `{{ form }}` renders them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting


def _widget_class(widget: forms.Widget) -> tuple[str, str]:
    """The GOV.UK class for a widget, and its error modifier."""
    if isinstance(widget, GovUKDateInput):
        return "", "govuk-input--error"
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return "", ""
    if isinstance(widget, forms.CheckboxInput):
        return "govuk-checkboxes__input", ""
    if isinstance(widget, forms.Textarea):
        return "govuk-textarea", "govuk-textarea--error"
    if isinstance(widget, forms.Select):
        return "govuk-select", "govuk-select--error"
    if isinstance(widget, forms.ClearableFileInput | forms.FileInput):
        return "govuk-file-upload", "govuk-file-upload--error"
    return "govuk-input", "govuk-input--error"


def is_fieldset(widget: forms.Widget) -> bool:
    """Widgets made of several inputs are wrapped in a fieldset with a legend."""
    return bool(getattr(widget, "use_fieldset", False))


class GovUKBoundField(BoundField):
    @property
    def hint_id(self) -> str:
        return f"{self.auto_id}-hint"

    @property
    def error_id(self) -> str:
        return f"{self.auto_id}-error"

    @property
    def is_fieldset(self) -> bool:
        return is_fieldset(self.field.widget)

    @property
    def is_group(self) -> bool:
        """Date inputs are a group of boxes; radios and checkboxes are not."""
        return isinstance(self.field.widget, GovUKDateInput)

    @property
    def summary_anchor(self) -> str:
        """Where the error summary links to: the first input of a group."""
        widget = self.field.widget
        if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
            return f"{self.auto_id}_0"
        return self.id_for_label or self.auto_id

    @property
    def is_checkbox(self) -> bool:
        return isinstance(self.field.widget, forms.CheckboxInput)

    @property
    def aria_describedby(self) -> str:
        # The ids of the hint and error elements the GOV.UK templates render. Django puts it on
        # the widget, or on the fieldset for widgets made of several inputs.
        if self.field.widget.attrs.get("aria-describedby"):
            return self.field.widget.attrs["aria-describedby"]
        ids = []
        if self.help_text:
            ids.append(self.hint_id)
        if self.errors:
            ids.append(self.error_id)
        return " ".join(ids)

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        base, error = _widget_class(widget)
        classes = [base] if base else []
        if self.errors and error:
            classes.append(error)
        if widget.attrs.get("class"):
            classes.append(widget.attrs["class"])
        if classes:
            attrs["class"] = " ".join(classes)
        if self.errors and not is_fieldset(widget):
            attrs["aria-invalid"] = "true"
        reveals = getattr(self.form, "reveals", {}).get(self.name)
        if reveals:  # the fields each option reveals, rendered (the radio template places them)
            attrs["reveal"] = {
                str(value): "".join(
                    str(self.form[name].as_field_group())
                    for name in names
                    if name in self.form.fields
                )
                for value, names in reveals.items()
            }
        return attrs


class GovUKFormRenderer(TemplatesSetting):
    form_template_name = "govuk/form.html"
    field_template_name = "govuk/field.html"


# Free text no field declares a limit for is held to these (a public form once accepted a
# 2,000,000-character description): a paragraph field, and a one-line field.
TEXT_MAX_LENGTH = 10_000
LINE_MAX_LENGTH = 1_000


def limit_free_text(form: forms.BaseForm) -> None:
    """Give every text field without a maximum length the default one, with a GOV.UK error
    message that names the field."""
    for field in form.fields.values():
        if not isinstance(field, forms.CharField) or field.max_length is not None:
            continue
        limit = TEXT_MAX_LENGTH if isinstance(field.widget, forms.Textarea) else LINE_MAX_LENGTH
        field.max_length = limit
        label = str(field.label or "This").removesuffix(" (optional)")
        field.validators.append(
            MaxLengthValidator(limit, message=f"{label} must be {limit:,} characters or fewer")
        )


class RevealMixin:
    """GOV.UK conditional reveals: `reveals = {"radio field": {"value": ["field", ...]}}`
    renders those fields inside the radio option with that value, shown only when it is
    chosen (GOV.UK Frontend's radios module; without JavaScript they are always shown)."""

    reveals: dict[str, dict[str, list[str]]] = {}
    # Fields most people never need, kept in a GOV.UK details component: (its summary, names).
    tucked: tuple[str, list[str]] | None = None

    def tucked_fields(self) -> dict | None:
        if not self.tucked:
            return None
        summary, names = self.tucked
        fields = [self[name] for name in names if name in self.fields]
        is_open = any(bf.errors or bf.value() not in (None, "") for bf in fields)
        return {"summary": summary, "fields": fields, "open": is_open}

    def get_context(self):
        context = super().get_context()
        revealed = {
            name
            for options in self.reveals.values()
            for names in options.values()
            for name in names
            if name in self.fields
        }
        # Rendered inside the option that reveals them (GovUKBoundField.build_widget_attrs).
        tucked = self.tucked_fields()
        hidden = revealed | {bf.name for bf in (tucked["fields"] if tucked else [])}
        context["fields"] = [
            (bf, errors) for bf, errors in context["fields"] if bf.name not in hidden
        ]
        context["tucked"] = tucked
        return context


class Form(RevealMixin, forms.Form):
    """Base for every form in the project: GOV.UK markup through `{{ form }}`, and a length
    limit on all free text."""

    bound_field_class = GovUKBoundField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_free_text(self)


class ModelForm(RevealMixin, forms.ModelForm):
    bound_field_class = GovUKBoundField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_free_text(self)


# Date and time ------------------------------------------------------------------------------


class GovUKDateInput(forms.Widget):
    """The GOV.UK date pattern: separate day, month and year boxes, read as one value."""

    template_name = "govuk/widgets/date.html"
    parts = ("day", "month", "year")
    use_fieldset = True

    def value_from_datadict(self, data, files, name) -> dict[str, str] | None:
        values = {part: (data.get(f"{name}-{part}") or "").strip() for part in self.parts}
        return values if any(values.values()) else None

    def value_omitted_from_data(self, data, files, name) -> bool:
        return not any(f"{name}-{part}" in data for part in self.parts)

    def id_for_label(self, id_):
        return f"{id_}-{self.parts[0]}" if id_ else id_

    def format_value(self, value) -> dict[str, str]:
        if isinstance(value, dict):
            return {part: value.get(part, "") for part in self.parts}
        if isinstance(value, dt.datetime):
            value = value.astimezone() if value.tzinfo else value
        if isinstance(value, dt.date):
            parts = {"day": str(value.day), "month": str(value.month), "year": str(value.year)}
            if isinstance(value, dt.datetime):
                parts |= {"hour": f"{value.hour:02d}", "minute": f"{value.minute:02d}"}
            return parts
        return dict.fromkeys(self.parts, "")

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        values = self.format_value(value)
        context["widget"]["parts"] = [
            {
                "name": f"{name}-{part}",
                "id": f"{context['widget']['attrs'].get('id', 'id_' + name)}-{part}",
                "label": part.capitalize(),
                "value": values.get(part, ""),
                "width": 4 if part == "year" else 2,
            }
            for part in self.parts
        ]
        return context


class GovUKDateTimeInput(GovUKDateInput):
    """Date boxes plus hour and minute (24-hour clock)."""

    parts = ("day", "month", "year", "hour", "minute")


def _parse_parts(field_label: str, values: dict[str, str], parts: tuple[str, ...]) -> list[int]:
    missing = [part for part in parts if not values.get(part)]
    if missing:
        raise ValidationError(
            f"{field_label} must include a {' and '.join(missing)}", code="incomplete"
        )
    try:
        return [int(values[part]) for part in parts]
    except ValueError:
        raise ValidationError(f"{field_label} must be a real date", code="invalid") from None


class GovUKDateField(forms.DateField):
    widget = GovUKDateInput

    def to_python(self, value: Any) -> dt.date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.date):
            return value
        if not isinstance(value, dict):
            return super().to_python(value)
        day, month, year = _parse_parts(self.label or "Date", value, ("day", "month", "year"))
        if year < 1000:
            raise ValidationError(f"{self.label or 'Date'} must include a 4-digit year")
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise ValidationError(f"{self.label or 'Date'} must be a real date") from None


class GovUKDateTimeField(forms.DateTimeField):
    """A date and a time typed as five numbers, in the service's time zone."""

    widget = GovUKDateTimeInput

    def to_python(self, value: Any) -> dt.datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value
        if not isinstance(value, dict):
            return super().to_python(value)
        label = self.label or "Date and time"
        day, month, year = _parse_parts(label, value, ("day", "month", "year"))
        hour, minute = _parse_parts(label, value, ("hour", "minute"))
        if year < 1000:
            raise ValidationError(f"{label} must include a 4-digit year")
        if not (0 <= hour <= 23 and 0 <= minute <= 59):
            raise ValidationError(f"{label} must be a real time, like 14:30")
        try:
            naive = dt.datetime(year, month, day, hour, minute)
        except ValueError:
            raise ValidationError(f"{label} must be a real date") from None
        return forms.utils.from_current_timezone(naive)
