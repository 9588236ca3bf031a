"""Filters for the dashboards and the police.uk upload, as GOV.UK forms.

The filters are GET forms: a bad period or type is shown in the GOV.UK error summary with what
the user typed kept in the boxes, and the dashboard is not drawn until it is put right.
"""

from __future__ import annotations

import csv
import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from partners import govuk
from reporting import policeuk
from reporting.selectors import (
    HotspotFilters,
    Period,
    default_period,
    incident_types,
    local_authorities,
)
from reporting.services import MAX_UPLOAD_BYTES

MAX_MONTHS = 36
EARLIEST = dt.date(2010, 1, 1)


class MonthInput(govuk.GovUKDateInput):
    """The GOV.UK date pattern without the day: month and year boxes."""

    parts = ("month", "year")


class MonthField(forms.DateField):
    widget = MonthInput

    def to_python(self, value: Any) -> dt.date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.date):
            return value.replace(day=1)
        label = self.label or "Month"
        if not isinstance(value, dict):
            raise ValidationError(f"{label} must be a real month", code="invalid")
        missing = [part for part in ("month", "year") if not value.get(part)]
        if missing:
            raise ValidationError(f"{label} must include a {' and '.join(missing)}")
        try:
            month, year = int(value["month"]), int(value["year"])
        except ValueError:
            raise ValidationError(f"{label} must be a real month") from None
        if year < 1000:
            raise ValidationError(f"{label} must include a 4-digit year")
        if not 1 <= month <= 12:
            raise ValidationError(f"{label} must be a real month")
        return dt.date(year, month, 1)


class PeriodForm(govuk.Form):
    """A period of whole months, by default the twelve months to this one."""

    default_months = 12
    date_from = MonthField(label="From", help_text="For example, 4 2025")
    date_to = MonthField(label="To (including this month)", help_text="For example, 3 2026")

    @classmethod
    def from_query(cls, params) -> PeriodForm:
        """Unbound (the defaults) for a page with no query; otherwise bound, with the default
        period filled in where the query gives none."""
        if not params:
            return cls()
        data = params.copy()
        default = default_period(cls.default_months)
        for name, day in (("date_from", default.start), ("date_to", default.last_month)):
            if not any(key.startswith(f"{name}-") for key in data):
                data[f"{name}-month"], data[f"{name}-year"] = str(day.month), str(day.year)
        for name, field in cls.base_fields.items():
            if isinstance(field.widget, forms.RadioSelect) and name not in data:
                data[name] = field.initial
        return cls(data)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        default = default_period(self.default_months)
        self.fields["date_from"].initial = default.start
        self.fields["date_to"].initial = default.last_month

    def clean(self):
        data = super().clean()
        first, last = data.get("date_from"), data.get("date_to")
        this_month = timezone.localdate().replace(day=1)
        if first and first < EARLIEST:
            self.add_error("date_from", f"From must be {EARLIEST:%B %Y} or later")
        if last and last > this_month:
            self.add_error("date_to", "To must be this month or earlier")
        if first and last and not self.errors:
            if last < first:
                self.add_error("date_to", "To must be the same as or after From")
            elif Period.between(first, last).months > MAX_MONTHS:
                self.add_error("date_to", f"The period must be {MAX_MONTHS} months or shorter")
        return data

    def period(self) -> Period:
        if self.is_bound and self.is_valid():
            return Period.between(self.cleaned_data["date_from"], self.cleaned_data["date_to"])
        return default_period(self.default_months)

    def terms(self) -> dict:
        """What was asked for, for the audit (empty when nothing was)."""
        if not self.is_bound or not self.is_valid():
            return {}
        period = self.period()
        return {"from": f"{period.start:%Y-%m}", "to": f"{period.last_month:%Y-%m}"}


class TypeChoice(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            queryset=incident_types(),
            required=False,
            empty_label="All types",
            to_field_name="code",
            **kwargs,
        )


class HotspotForm(PeriodForm):
    type = TypeChoice(label="Type of incident")
    areas = forms.ChoiceField(
        label="Show by",
        choices=[("lsoa", "LSOA (neighbourhood)"), ("ward", "Ward")],
        initial="lsoa",
        required=False,
        widget=forms.RadioSelect,
    )
    local_authority = forms.ModelChoiceField(
        label="Area",
        queryset=None,
        required=False,
        empty_label="County Durham and Darlington",
        to_field_name="code",
    )
    open_data = forms.BooleanField(
        label="Show police.uk open data beside the partnership's incidents", required=False
    )

    field_order = ["date_from", "date_to", "type", "areas", "local_authority", "open_data"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["local_authority"].queryset = local_authorities()

    def filters(self) -> HotspotFilters:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return HotspotFilters(
            period=self.period(),
            incident_type=data.get("type"),
            geography=data.get("areas") or "lsoa",
            local_authority=data.get("local_authority"),
            open_data=bool(data.get("open_data")),
        )

    def terms(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        return self.filters().terms()


class TrendsForm(PeriodForm):
    default_months = 24
    type = TypeChoice(label="Type of incident")

    def terms(self) -> dict:
        terms = super().terms()
        if terms and self.cleaned_data.get("type"):
            terms["type"] = self.cleaned_data["type"].code
        return terms


class CostsForm(PeriodForm):
    pass


class HouseholdsForm(govuk.Form):
    months = forms.TypedChoiceField(
        label="Incidents in the last",
        choices=[(3, "3 months"), (6, "6 months"), (12, "12 months")],
        coerce=int,
        initial=12,
        required=False,
        widget=forms.RadioSelect,
    )

    def chosen(self) -> int:
        if self.is_bound and self.is_valid() and self.cleaned_data.get("months"):
            return self.cleaned_data["months"]
        return 12

    def terms(self) -> dict:
        return {"months": self.chosen()} if self.is_bound and self.is_valid() else {}


class OpenDataUploadForm(govuk.Form):
    file = forms.FileField(
        label="Upload a police.uk street-level CSV file",
        help_text="A month of a force's data from data.police.uk, like "
        "2019-02-durham-street.csv. Only anti-social behaviour in County Durham and "
        f"Darlington is loaded. Up to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.",
        widget=forms.FileInput,
        error_messages={
            "required": "Select a police.uk CSV file",
            "empty": "The selected file is empty",
            "invalid": "Select a police.uk CSV file",
        },
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise ValidationError("The selected file must be a CSV")
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(
                f"The selected file must be smaller than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB"
            )
        if upload.size == 0:
            raise ValidationError("The selected file is empty")
        content = upload.read()
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError("The selected file must be a CSV saved as UTF-8") from None
        try:
            policeuk.check_header(next(csv.reader(text.splitlines()[:1]), []))
        except policeuk.NotPoliceUkFile as exc:
            raise ValidationError(str(exc)) from None
        if policeuk.data_rows(content) == 0:
            raise ValidationError("The selected file has no rows of data")
        self.content = content
        return upload
