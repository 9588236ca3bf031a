"""Asking the routes: one request as one identity, its answer read for markers, a write checked
for refusal and for an unchanged database.

The database is compared by PostgreSQL's own count of the rows the current transaction
inserted, updated and deleted in each table (`pg_stat_xact_user_tables`): the matrix runs in one
transaction, so any row a request writes shows, even one written back unchanged or rolled back
to a savepoint. Tables a refusal writes by design are left out (the audit log, sessions, sign-in
attempts, notifications and the outbox), and so is the API clients' `last_used_at`, which every
call of a client stamps: the rest of that table is compared by content.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.urls import resolve, reverse

from tests.matrix.routes import api, body_of, channel_of
from tests.matrix.world import ANONYMOUS, World

REFUSALS = frozenset({401, 403, 404, 405})
SIGN_IN = "/sign-in/"

# Written by refusals themselves (or by every request): not compared.
IGNORED_TABLES = frozenset(
    {
        "partners_auditevent",
        "partners_auditchain",  # the hash chain over the audit log
        "partners_usersession",
        "django_session",
        "axes_accessattempt",
        "axes_accessattemptexpiration",
        "axes_accessfailurelog",
        "axes_accesslog",
        "partners_notification",
        "partners_outboxtask",
        "partners_apiclient",  # compared by content, without last_used_at
    }
)


def refused(response, also: frozenset[int] = frozenset()) -> bool:
    if response.status_code in REFUSALS or response.status_code in also:
        return True
    return response.status_code == 302 and response["Location"].startswith(SIGN_IN)


def text_of(response) -> str:
    """The answer's body as text, lower-cased (markers are searched without regard to case):
    HTML, JSON (decoded, so an escaped character cannot hide a marker) or CSV."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    text = raw.decode("utf-8-sig", errors="replace")
    if "json" in response.get("Content-Type", ""):
        with contextlib.suppress(ValueError):
            text += "\n" + json.dumps(json.loads(text), ensure_ascii=False)
    return text.lower()


def fingerprint() -> dict[str, object]:
    """Rows written so far in this transaction, per table; and the API clients as they are."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables"
        )
        counts = dict(cursor.fetchall())
        cursor.execute(
            "SELECT md5(string_agg(concat_ws('|', id, name, organisation_id, user_id, "
            "revoked_at, token_hash), ',' ORDER BY id)) FROM partners_apiclient"
        )
        clients = cursor.fetchone()[0]
    fingerprint = {name: written for name, written in counts.items() if name not in IGNORED_TABLES}
    fingerprint["partners_apiclient (all but last_used_at)"] = clients
    return fingerprint


def changed(before: dict, after: dict) -> list[str]:
    return sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )


@dataclass
class Finding:
    kind: str  # leak, not refused, wrote, wrongly refused, error
    route: str
    identity: str
    request: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.request} as {self.identity} ({self.route}): {self.detail}"


@dataclass
class Tally:
    requests: int = 0
    reads: int = 0
    writes: int = 0
    findings: list[Finding] = field(default_factory=list)
    # Which identities' answers carried each marker (to show each marker was looked for where
    # it is allowed, and found).
    seen: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    statuses: dict[tuple[str, str, str], int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def of(self, kind: str) -> list[Finding]:
        return [finding for finding in self.findings if finding.kind == kind]


class Matrix:
    def __init__(self, world: World, tally: Tally | None = None):
        self.world = world
        self.tally = tally or Tally()

    # Requests -----------------------------------------------------------------------------

    def path(self, name: str, kwargs: dict | None, query=None) -> str:
        path = reverse(name, kwargs={k: str(v) for k, v in (kwargs or {}).items()})
        if query:
            from urllib.parse import urlencode

            path += "?" + urlencode(query, doseq=True)
        return path

    def send(self, identity: str, method: str, path: str, body=None, content_type=None):
        client = self.world.identities[identity].client()
        self.tally.requests += 1
        kwargs = {"REMOTE_ADDR": "10.0.0.2"}
        started = time.monotonic()
        try:
            if method == "get":
                return client.get(path, **kwargs)
            if content_type:
                return getattr(client, method)(path, body, content_type=content_type, **kwargs)
            return getattr(client, method)(path, body or {}, **kwargs)
        finally:
            self.tally.seconds[resolve(path.split("?")[0]).view_name] += time.monotonic() - started

    # Reads --------------------------------------------------------------------------------

    def read(self, name: str, route, read, identity: str, kwargs: dict | None, *, public: bool):
        query = read.query(self.world) if callable(read.query) else read.query
        path = self.path(name, kwargs, query)
        body, content_type = (None, None)
        if read.method != "get":
            body, content_type = body_of(read, self.world, name)
        request = f"{read.method.upper()} {path}" + (f" [{read.label}]" if read.label else "")
        # A lookup made by POST (a form's "is this someone we know?" step) is undone after,
        # like a write: should it write, the world stays as built.
        sid = transaction.savepoint() if read.method != "get" else None
        try:
            before = fingerprint()
            response = self.send(identity, read.method, path, body, content_type)
            after = fingerprint()
        finally:
            if sid is not None:
                transaction.savepoint_rollback(sid)
        self.tally.reads += 1
        self.tally.statuses[(name, request, identity)] = response.status_code
        written = changed(before, after)
        if written and not read.may_write:
            self.tally.findings.append(
                Finding("wrote", name, identity, request, f"a read wrote to {written}")
            )
        if response.status_code >= 500:
            self.tally.findings.append(
                Finding("error", name, identity, request, str(response.status_code))
            )
        self.scan(name, identity, request, response, read.narrow)
        if public:
            return response
        opens = self.opens(name, read, kwargs, identity)
        if opens is None:
            return response
        if not opens and not refused(response):
            self.tally.findings.append(
                Finding(
                    "not refused",
                    name,
                    identity,
                    request,
                    f"answered {response.status_code} {response.get('Location', '')}",
                )
            )
        elif opens and refused(response):
            self.tally.findings.append(
                Finding("wrongly refused", name, identity, request, str(response.status_code))
            )
        return response

    def opens(self, name: str, read, kwargs, identity: str) -> bool | None:
        """Whether the identity may be answered (None: not decided by the matrix)."""
        if identity not in channel_of(name):
            return False
        if read.opens is None:
            refused_for = read_refused_for(name, kwargs)
            return False if identity in refused_for else None
        return identity in read.opens

    def scan(self, name: str, identity: str, request: str, response, narrow=None) -> None:
        text = text_of(response)
        for label, marker in self.world.markers.items():
            if name in marker.not_on or marker.value.lower() not in text:
                continue
            self.tally.seen[label].add(identity)
            allowed = (
                marker.allowed & narrow[label] if narrow and label in narrow else marker.allowed
            )
            if identity not in allowed:
                self.tally.findings.append(
                    Finding("leak", name, identity, request, f"{label} ({marker.value})")
                )

    # Writes -------------------------------------------------------------------------------

    def write(self, name: str, write, identity: str, method: str | None = None):
        """Send the write as an identity that may not make it: it must be refused and change
        nothing. Whatever it did is undone afterwards, so the world stays as built."""
        method = method or write.method
        kwargs = write.kwargs(self.world) if write.kwargs else None
        path = self.path(name, kwargs)
        body, content_type = body_of(write, self.world, name)
        if method != write.method:
            body, content_type = ("{}", "application/json") if api(name) else ({}, None)
        request = f"{method.upper()} {path}" + (f" [{write.label}]" if write.label else "")
        sid = transaction.savepoint()
        try:
            before = fingerprint()
            response = self.send(identity, method, path, body, content_type)
            after = fingerprint()
        finally:
            transaction.savepoint_rollback(sid)
        self.tally.writes += 1
        self.tally.statuses[(name, request, identity)] = response.status_code
        self.scan(name, identity, request, response)
        if not refused(response, write.also_refused):
            self.tally.findings.append(
                Finding(
                    "not refused",
                    name,
                    identity,
                    request,
                    f"answered {response.status_code} {response.get('Location', '')}",
                )
            )
        written = changed(before, after)
        if written:
            self.tally.findings.append(
                Finding("wrote", name, identity, request, f"changed {written}")
            )
        return response


def read_refused_for(name: str, kwargs: dict | None) -> frozenset[str]:
    """For reads whose `opens` depends on the object (a dashboard's table as CSV): who must be
    refused whatever the table."""
    from tests.matrix.world import ADMINS, ANALYSTS

    if name == "reporting:export":
        board = (kwargs or {}).get("name")
        return ADMINS | {ANONYMOUS} | (ANALYSTS if board == "households" else frozenset())
    return frozenset({ANONYMOUS})
