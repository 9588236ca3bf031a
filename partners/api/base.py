"""What every API endpoint shares: the base view (which audits every call against the client
and honours an Idempotency-Key on every POST), strict input serializers, consistent JSON errors,
cursor pagination and the schema additions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.validators import ProhibitSurrogateCharactersValidator
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from access.viewer import NOBODY, viewer_for
from partners.audit import audit_record
from partners.models import APIClient, AuditEvent, IdempotencyKey

Verb = AuditEvent.Verb

# Query parameters that page through a list rather than search it.
PAGING_PARAMS = frozenset({"cursor", "page_size"})


# Errors ---------------------------------------------------------------------------------------


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The record changed since you read it."
    default_code = "conflict"


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = (
        "This Idempotency-Key was sent before with a different request. Send the same "
        "request to get its answer again, or use a new key for a new request."
    )
    default_code = "idempotency_key_reused"


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


class _SurrogateCheck(ProhibitSurrogateCharactersValidator):
    """DRF's check that text holds no surrogate code point (U+D800 to U+DFFF, which no UTF-8
    text can carry), with the same message, without a Python loop over every character:
    ASCII text holds none, and other text holds one exactly when it cannot be encoded as
    UTF-8. DRF's loop, every text field of every item character by character, was about an
    eighth of the instructions of validating a bulk import of 500 (callgrind)."""

    def __call__(self, value):
        text = str(value)
        if text.isascii():
            return
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            super().__call__(text)  # names the first surrogate, as DRF does


class StrictSerializer(serializers.Serializer):
    """An input serializer that refuses fields it does not know, so a typo in a partner's
    system is an error rather than a value silently dropped."""

    def get_fields(self):
        """The declared fields, as DRF copies them for each serializer, with each text field's
        surrogate check swapped for the equivalent `_SurrogateCheck`."""
        fields = super().get_fields()
        for field in fields.values():
            if isinstance(field, serializers.CharField):
                field.validators = [
                    _SurrogateCheck()
                    if type(check) is ProhibitSurrogateCharactersValidator
                    else check
                    for check in field.validators
                ]
        return fields

    @cached_property
    def _names(self) -> tuple[frozenset[str], tuple[str, ...]]:
        """The fields it accepts, and those of them that take text: read once per serializer
        (a bulk import checks 500 items with one), as its fields are bound once."""
        fields = self.fields.items()
        return (
            frozenset(name for name, field in fields if not field.read_only),
            tuple(name for name, field in fields if isinstance(field, serializers.CharField)),
        )

    def to_internal_value(self, data):
        errors: dict[str, Any] = {}
        value = None
        try:
            value = super().to_internal_value(data)
        except exceptions.ValidationError as exc:
            errors.update(_as_errors(exc.detail))
        if isinstance(data, Mapping):
            writable, strings = self._names
            for name in sorted(set(data) - writable):
                errors[str(name)] = ["This field is not part of the API: remove it."]
            for name in strings:
                raw = data.get(name)
                # DRF's CharField would take 42 for "42": a number is the wrong type.
                if raw is not None and not isinstance(raw, str):
                    errors[name] = ["Not a valid string."]
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
    path, method and status, and the record (`self.audit_target`) where there is one.

    Every POST honours an `Idempotency-Key` header (docs/adr/0015-idempotency-keys.md): the
    key is claimed for the client, the request is answered, and a successful answer is stored
    with the key, all in one transaction. The same key with the same request later gets the
    stored answer again (nothing is done twice); with a different request, a 422. A second
    request racing the first with the same key waits for it on the key's unique index, then
    gets its answer. An answer that is not a success is not kept: nothing was done, so the
    key may be sent again with corrected input."""

    required_permissions: dict[str, list[str]] | None = None
    audit_verbs: dict[str, str] = {}
    # Replaced in `initial` by the calling client's; nobody (empty querysets) while the schema
    # is generated.
    viewer = NOBODY
    throttle_scope = "api"
    metadata_class = None  # no OPTIONS descriptions

    def dispatch(self, request, *args, **kwargs):
        if request.method == "POST" and IDEMPOTENCY_HEADER in request.headers:
            with transaction.atomic():
                return super().dispatch(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        self.audit_target = None
        self.audit_detail: dict[str, Any] = {}
        self.idempotency_key: IdempotencyKey | None = None
        super().initial(request, *args, **kwargs)
        # Who is asking, for the access layer: the client's organisation and role.
        self.viewer = request.viewer = viewer_for(
            request.user, api_client=request.auth if isinstance(request.auth, APIClient) else None
        )
        self.idempotency_key = _idempotency_claim(request, self.idempotency_body)

    def idempotency_body(self, request) -> str:
        """What of the request's body an Idempotency-Key's fingerprint covers: the parsed
        JSON, canonically. A view that takes files says how they are covered (by their hash:
        the documents upload, docs/adr/0015-idempotency-keys.md)."""
        return json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            self.audit_detail["idempotent_replay"] = True
            return Response(
                exc.record.response_body,
                status=exc.record.status_code,
                headers={"Idempotent-Replayed": "true"},
            )
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        client = getattr(request, "_auth", None)
        if isinstance(client, APIClient):
            self._audit(request, response)
        record = getattr(self, "idempotency_key", None)
        if record is not None:
            if status.is_success(response.status_code):
                record.status_code = response.status_code
                record.response_body = _replayable(response.data)
                record.save(update_fields=["status_code", "response_body"])
            else:
                record.delete()
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


# Idempotency keys -----------------------------------------------------------------------------

IDEMPOTENCY_HEADER = "Idempotency-Key"
# Visible ASCII, no spaces: a UUID is the usual choice.
IDEMPOTENCY_KEY_FORMAT = re.compile(r"[!-~]{1,255}")


class _Replay(Exception):
    def __init__(self, record: IdempotencyKey):
        super().__init__(record.key)
        self.record = record


def _idempotency_claim(request, body_of) -> IdempotencyKey | None:
    """Claim the request's Idempotency-Key for its client (in the request's transaction), or
    raise: `_Replay` with the stored answer for the same request, `IdempotencyKeyReused` for
    a different one, a 400 for a key that is not one."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    client = getattr(request, "_auth", None)
    if request.method != "POST" or key is None or not isinstance(client, APIClient):
        return None
    if not IDEMPOTENCY_KEY_FORMAT.fullmatch(key):
        raise exceptions.ValidationError(
            {IDEMPOTENCY_HEADER: ["Use 1 to 255 visible ASCII characters, e.g. a UUID."]}
        )
    body = body_of(request)
    fingerprint = hashlib.sha256(f"POST {request.get_full_path()}\n{body}".encode()).hexdigest()
    keys = IdempotencyKey.objects.filter(client=client, key=key)
    keys.filter(created_at__lt=_idempotency_cutoff()).delete()  # an expired key is a new one
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(
                client=client,
                key=key,
                fingerprint=fingerprint,
                path=request.path[:300],
                status_code=0,
            )
    except IntegrityError:  # answered already (a racing request waited for it to commit)
        pass
    record = keys.get()
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    raise _Replay(record)


def _idempotency_cutoff() -> dt.datetime:
    return timezone.now() - dt.timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)


def idempotency_keys_prune() -> int:
    """Delete the keys older than IDEMPOTENCY_KEY_HOURS (a beat job, hourly)."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=_idempotency_cutoff()).delete()
    return deleted


# The schema additions -------------------------------------------------------------------------

IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": IDEMPOTENCY_HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
    "description": (
        "A key of your choosing (e.g. a new UUID) that makes this POST safe to retry: sent "
        "again with the same key and the same body within 24 hours, the first answer is "
        "given again (with an `Idempotent-Replayed: true` header) and nothing is done twice. "
        "The same key with a different body is a 422. Keys are your API client's own; only "
        "successful answers are kept, so a key whose request failed may be used again."
    ),
}


def postprocess_schema(result, generator, request, public):
    """drf-spectacular's last step: the Idempotency-Key header and its 422 on every POST, and
    a blank default placed beside a format's `oneOf`, not inside the branch that forbids it
    (drf-spectacular puts it in the `format: email` or `pattern` branch, where '' is invalid
    and standard validators reject the document)."""
    for item in result.get("paths", {}).values():
        operation = item.get("post")
        if operation is None:
            continue
        operation.setdefault("parameters", []).append(dict(IDEMPOTENCY_PARAMETER))
        responses = operation.setdefault("responses", {})
        if "422" not in responses and "400" in responses:
            responses["422"] = {
                **responses["400"],
                "description": "The Idempotency-Key was used before with a different request",
            }
            operation["responses"] = dict(sorted(responses.items()))
    _lift_blank_defaults(result.get("components", {}).get("schemas", {}))
    return result


# The branch drf-spectacular adds beside a format for a field that may be blank.
BLANK_BRANCH = {"type": "string", "maxLength": 0}


def _lift_blank_defaults(node: Any) -> None:
    if isinstance(node, dict):
        branches = node.get("oneOf")
        if (
            isinstance(branches, list)
            and BLANK_BRANCH in branches
            and isinstance(branches[0], dict)
            and branches[0].get("default") == ""
        ):
            node["default"] = branches[0].pop("default")
        for value in node.values():
            _lift_blank_defaults(value)
    elif isinstance(node, list):
        for value in node:
            _lift_blank_defaults(value)


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


def _replayable(data) -> Any:
    """A response as PostgreSQL's JSON can keep it whole: a NUL character (which a partner's bad
    input may carry into a per-item error) cannot be stored there, so it is kept as U+FFFD."""
    rendered = (JSONRenderer().render(data) or b"null").decode()
    return json.loads(rendered.replace("\\u0000", "\\ufffd"))
