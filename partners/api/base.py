"""What every API endpoint shares: the base view (which audits every call against the client),
strict input serializers, consistent JSON errors, cursor pagination and the schema additions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from access.viewer import NOBODY, viewer_for
from partners.audit import audit_record
from partners.models import APIClient, AuditEvent

Verb = AuditEvent.Verb

# Query parameters that page through a list rather than search it.
PAGING_PARAMS = frozenset({"cursor", "page_size"})


# Errors ---------------------------------------------------------------------------------------


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The record changed since you read it."
    default_code = "conflict"


def django_errors(exc: DjangoValidationError, fields: Mapping[str, str] | None = None) -> dict:
    """A service's ValidationError as {"field": ["message", ...]}; `fields` renames the
    service's field names to the API's (e.g. {"postcode": "location"})."""
    fields = fields or {}
    if hasattr(exc, "error_dict"):
        errors: dict[str, list[str]] = {}
        for name, messages in exc.message_dict.items():
            key = "non_field_errors" if name == "__all__" else fields.get(name, name)
            errors.setdefault(key, []).extend(messages)
        return errors
    return {"non_field_errors": list(exc.messages)}


def _as_errors(detail: Any) -> dict:
    if isinstance(detail, dict):
        return detail
    if isinstance(detail, list):
        return {"non_field_errors": detail}
    return {"non_field_errors": [detail]}


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """Every error as JSON of one shape: {"detail", "code"} and, for bad input, "errors" by
    field. A service's Django ValidationError is bad input (400), as is a malformed body."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=django_errors(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "detail": "The request has errors: see errors.",
            "code": "invalid",
            "errors": _as_errors(response.data),
        }
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
        if isinstance(detail, dict):
            data = {"detail": str(detail.get("detail", "")), "code": exc.default_code}
            data.update({k: v for k, v in detail.items() if k != "detail"})
        else:
            data = {"detail": str(detail), "code": getattr(detail, "code", exc.default_code)}
        response.data = data
    return response


# Input ----------------------------------------------------------------------------------------


class StrictSerializer(serializers.Serializer):
    """An input serializer that refuses fields it does not know, so a typo in a partner's
    system is an error rather than a value silently dropped."""

    def to_internal_value(self, data):
        errors: dict[str, Any] = {}
        value = None
        try:
            value = super().to_internal_value(data)
        except exceptions.ValidationError as exc:
            errors.update(_as_errors(exc.detail))
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            for name in sorted(set(data) - writable):
                errors[str(name)] = ["This field is not part of the API: remove it."]
            for name, field in self.fields.items():
                raw = data.get(name)
                # DRF's CharField would take 42 for "42": a number is the wrong type.
                if isinstance(field, serializers.CharField) and raw is not None:
                    errors.update({} if isinstance(raw, str) else {name: ["Not a valid string."]})
        if errors:
            raise exceptions.ValidationError(errors)
        return value


def validated(serializer_class: type[serializers.Serializer], data: Any, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# Output ---------------------------------------------------------------------------------------


def iso(value: dt.datetime | dt.date | None) -> str | None:
    """A date or date and time as the API writes it (DRF's format; None stays None)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return serializers.DateTimeField().to_representation(value)
    return value.isoformat()


# Filters --------------------------------------------------------------------------------------


class DateOrderFilterSet(filters.FilterSet):
    """A filter set where `<x>_from` after `<x>_to` is bad input: a 400 naming `<x>_to`.
    `date_pairs` lists the (from, to) filter names."""

    date_pairs: tuple[tuple[str, str], ...] = ()

    def get_form_class(self):
        pairs = self.date_pairs

        class DateOrderForm(super().get_form_class()):
            def clean(self):
                cleaned = super().clean()
                for start, end in pairs:
                    if cleaned.get(start) and cleaned.get(end) and cleaned[start] > cleaned[end]:
                        self.add_error(end, f"{end} must not be before {start}")
                return cleaned

        return DateOrderForm


class UTCIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date and time, in UTC: an offset PostgreSQL does not accept (beyond 15:59)
    is bad input here rather than an error in the database."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return value
        try:
            return value.astimezone(dt.UTC)
        except (OverflowError, ValueError):
            raise DjangoValidationError(
                "Enter a date and time between the years 1 and 9999"
            ) from None


class UTCDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UTCIsoDateTimeField


# Paging ---------------------------------------------------------------------------------------


class UpdatedCursorPagination(CursorPagination):
    """Newest change first, stable while records change: a partner syncs with `updated_since`
    and follows `next` until it is null."""

    ordering = ("-updated_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError({"cursor": ["This cursor is not valid."]}) from None


# The base view --------------------------------------------------------------------------------


class PartnerAPIView(APIView):
    """The base of every endpoint. `required_permissions` maps each HTTP method the view
    answers to the model permissions the client's role needs; any other method is refused.
    Every call by a client is audited once, after it is answered: the verb, the view, the
    path, method and status, and the record (`self.audit_target`) where there is one."""

    required_permissions: dict[str, list[str]] | None = None
    audit_verbs: dict[str, str] = {}
    # Replaced in `initial` by the calling client's; nobody (empty querysets) while the schema
    # is generated.
    viewer = NOBODY
    throttle_scope = "api"
    metadata_class = None  # no OPTIONS descriptions

    def initial(self, request, *args, **kwargs):
        self.audit_target = None
        self.audit_detail: dict[str, Any] = {}
        super().initial(request, *args, **kwargs)
        # Who is asking, for the access layer: the client's organisation and role.
        self.viewer = request.viewer = viewer_for(
            request.user, api_client=request.auth if isinstance(request.auth, APIClient) else None
        )

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        client = getattr(request, "_auth", None)
        if isinstance(client, APIClient):
            self._audit(request, response)
        return response

    def audit_verb(self, request, response=None) -> str:
        if response is not None and response.status_code in (403, 404):
            return Verb.PERMISSION_DENIED  # a refusal, whatever was asked
        method = "GET" if request.method == "HEAD" else request.method
        if method in self.audit_verbs:
            return self.audit_verbs[method]
        if method == "GET":
            searching = set(request.query_params) - PAGING_PARAMS
            return Verb.SEARCHED if searching else Verb.VIEWED
        return Verb.CREATED if method == "POST" else Verb.CHANGED

    def _audit(self, request, response) -> None:
        match = getattr(request, "resolver_match", None)
        detail = {
            "path": request.path,
            "method": request.method,
            "status": response.status_code,
            **getattr(self, "audit_detail", {}),
        }
        query = {key: request.query_params.getlist(key) for key in request.query_params}
        if query:
            detail["query"] = query
        detail = _storable(detail)
        target = getattr(self, "audit_target", None)
        with transaction.atomic():
            audit_record(
                actor=request.user,
                verb=self.audit_verb(request, response),
                action=(match.view_name if match else type(self).__name__)[:80],
                target=target,
                detail=detail,
            )


def _storable(value: Any) -> Any:
    """What a client sent, fit for the audit log's JSON: no NUL characters (PostgreSQL cannot
    store them) and no unbounded strings."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")[:500]
    if isinstance(value, dict):
        return {_storable(key): _storable(item) for key, item in list(value.items())[:50]}
    if isinstance(value, list | tuple):
        return [_storable(item) for item in value[:50]]
    return value


class NotFoundView(PartnerAPIView):
    """Any other path under /api/: a JSON 404 for clients, 401 for anyone else."""

    required_permissions = {method: [] for method in ("GET", "POST", "PUT", "PATCH", "DELETE")}

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        raise exceptions.NotFound("There is nothing at this address.")

    post = put = patch = delete = get
