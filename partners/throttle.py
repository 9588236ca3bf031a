"""A simple per-address limit for public forms (anti-automation): N attempts per period."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from partners.client_address import client_address


def allow(request, *, scope: str, limit: int, period: int = 3600) -> bool:
    """Count this request against the caller's address; False once the limit is passed."""
    namespace = getattr(settings, "THROTTLE_NAMESPACE", "")
    key = f"throttle:{namespace}:{scope}:{client_address(request) or 'unknown'}"
    try:
        added = cache.add(key, 1, timeout=period)
        count = 1 if added else cache.incr(key)
    except Exception:  # a cache that is away must not stop a victim applying
        return True
    return count <= limit
