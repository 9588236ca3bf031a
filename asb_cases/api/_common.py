"""What the API modules share: the audit verbs, the earliest time accepted, and the
schema's path parameters.
"""

from __future__ import annotations

import datetime as dt

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from partners.models import AuditEvent

Verb = AuditEvent.Verb
EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)


def _path_uuid(name: str, what: str) -> OpenApiParameter:
    return OpenApiParameter(
        name, OpenApiTypes.UUID, OpenApiParameter.PATH, description=f"The {what}'s id"
    )
