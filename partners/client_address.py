"""The client's address, the one thing the lock-out, the public forms' throttles and the audit
log key on.

Behind TRUSTED_PROXY_COUNT proxies, each adds the address it saw to the right of
X-Forwarded-For, so the client's address is the entry that many places from the right; what
is further left was written by the client and proves nothing. With no proxy, or a request that
did not come from TRUSTED_PROXY_NETWORKS (when set), it is the connection's own address.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings


def client_address(request) -> str | None:
    remote = _valid(request.META.get("REMOTE_ADDR", ""))
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0 or not _from_trusted_proxy(remote):
        return remote
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    if not forwarded:
        return remote
    # With fewer entries than proxies, the request skipped an outer proxy: every entry was
    # still written by a proxy we trust, and the leftmost is the client.
    return _valid(forwarded[max(0, len(forwarded) - count)]) or remote


def _valid(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # 192.0.2.1:443
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _from_trusted_proxy(remote: str | None) -> bool:
    networks = _networks(tuple(settings.TRUSTED_PROXY_NETWORKS))
    if not networks:
        return True
    if remote is None:
        return False
    address = ipaddress.ip_address(remote)
    return any(address in network for network in networks)


@lru_cache(maxsize=8)
def _networks(values: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(value, strict=False) for value in values)
