"""`viewer` in every template: who is asking (access.viewer)."""

from __future__ import annotations

from access.viewer import NOBODY


def viewer(request) -> dict:
    return {"viewer": getattr(request, "viewer", NOBODY)}
