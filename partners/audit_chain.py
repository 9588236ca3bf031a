"""The audit log's hash chain (docs/adr/0012-audit-hash-chain.md).

Every audit event carries the hash of the one before it in its chain, so changing, removing or
reordering a row breaks a link that `manage.py audit_verify` reports.

On PostgreSQL the database computes it: a BEFORE INSERT trigger (migration 0007), running as
the table's owner, takes a chain no other open transaction holds (pg_try_advisory_xact_lock,
never waiting), and writes the row's place, the previous hash and the row's hash. Concurrent
writers therefore never queue behind one another, yet each chain is strictly ordered. The
application's role cannot change the chain heads.

On the embedded SQLite database (`make run` without DATABASE_URL), where every write
transaction already holds the whole database, `chain_in_python` does the same in Python on
one chain, in the transaction that writes the events.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction

from partners.models import AuditChain, AuditEvent

GENESIS = "0" * 64
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def in_database() -> bool:
    """Whether the database chains events itself (PostgreSQL's trigger)."""
    return connection.vendor == "postgresql"


# SQLite: the chain in Python ----------------------------------------------------------------


def _python_row_hash(prev_hash: str, event: AuditEvent) -> str:
    detail = json.loads(json.dumps(event.detail or {}))
    content = [
        event.chain,
        event.chain_seq,
        (event.occurred_at - EPOCH) // dt.timedelta(microseconds=1),
        event.actor_id,
        event.actor_label,
        str(event.organisation_id) if event.organisation_id else None,
        event.verb,
        event.action,
        event.target_type,
        event.target_id,
        event.ip_address or None,
        detail,
    ]
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + text).encode()).hexdigest()


def chain_in_python(events: list[AuditEvent]) -> None:
    """Give unsaved events their place in chain 0 and their hashes (SQLite only; the caller
    saves them in the same transaction)."""
    if in_database() or not events:
        return
    with transaction.atomic():
        head, _ = AuditChain.objects.select_for_update().get_or_create(
            chain=0, defaults={"seq": 0, "head_hash": GENESIS}
        )
        for event in events:
            event.chain = 0
            event.chain_seq = head.seq + 1
            event.prev_hash = head.head_hash
            event.row_hash = _python_row_hash(head.head_hash, event)
            head.seq, head.head_hash = event.chain_seq, event.row_hash
        head.save(update_fields=["seq", "head_hash", "updated_at"])


# Verification -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BrokenLink:
    event_id: int | None
    chain: int | None
    chain_seq: int | None
    problem: str

    def __str__(self) -> str:
        where = f"event {self.event_id}" if self.event_id is not None else "chain head"
        return f"chain {self.chain}, place {self.chain_seq} ({where}): {self.problem}"


@dataclass
class Verification:
    events: int = 0
    chains: int = 0
    broken: list[BrokenLink] | None = None

    @property
    def first_broken(self) -> BrokenLink | None:
        return self.broken[0] if self.broken else None


# The stored row against its recomputed hash and the row before it in its chain, in one pass.
VERIFY_SQL = """
SELECT id, chain, chain_seq, prev_hash, row_hash,
       partners_audit_row_hash(prev_hash, chain, chain_seq, occurred_at, actor_id, actor_label,
                               organisation_id, verb, action, target_type, target_id,
                               ip_address, detail) AS recomputed,
       lag(row_hash) OVER w AS previous_hash,
       lag(chain_seq) OVER w AS previous_seq
FROM partners_auditevent
WINDOW w AS (PARTITION BY chain ORDER BY chain_seq)
ORDER BY chain NULLS FIRST, chain_seq
"""


def _rows_postgresql() -> Iterator[tuple]:
    with transaction.atomic(), connection.cursor() as cursor:
        # A named (server-side) cursor streams the log instead of loading it whole.
        cursor.execute("DECLARE audit_verify NO SCROLL CURSOR FOR " + VERIFY_SQL)
        while True:
            cursor.execute("FETCH 5000 FROM audit_verify")
            rows = cursor.fetchall()
            if not rows:
                break
            yield from rows
        cursor.execute("CLOSE audit_verify")


def _rows_python() -> Iterator[tuple]:
    previous: dict[int, tuple[str, int]] = {}
    for event in AuditEvent.objects.order_by("chain", "chain_seq").iterator(chunk_size=5000):
        prev_row_hash, prev_seq = previous.get(event.chain, (None, None))
        recomputed = _python_row_hash(event.prev_hash, event) if event.chain is not None else None
        yield (
            event.pk,
            event.chain,
            event.chain_seq,
            event.prev_hash,
            event.row_hash,
            recomputed,
            prev_row_hash,
            prev_seq,
        )
        previous[event.chain] = (event.row_hash, event.chain_seq)


def _problem(row: tuple) -> str | None:
    _, chain, seq, prev_hash, row_hash, recomputed, previous_hash, previous_seq = row
    if chain is None:
        return "the event is in no chain"
    if recomputed != row_hash:
        return "the event's content does not match its hash (it was changed)"
    if previous_seq is None:
        if seq != 1 or prev_hash != GENESIS:
            return "the chain does not start at its first event (events before it are missing)"
        return None
    if seq != previous_seq + 1:
        return f"events {previous_seq + 1} to {seq - 1} of this chain are missing"
    if prev_hash != previous_hash:
        return "the event does not link to the one before it"
    return None


def verify(rows: Iterable[tuple] | None = None) -> Verification:
    """Walk every chain; return the broken links, earliest event first."""
    if rows is None:
        rows = _rows_postgresql() if in_database() else _rows_python()
    result = Verification(broken=[])
    last: dict[int, tuple[int, str]] = {}
    for row in rows:
        result.events += 1
        problem = _problem(row)
        if problem:
            result.broken.append(BrokenLink(row[0], row[1], row[2], problem))
        if row[1] is not None:
            last[row[1]] = (row[2], row[4])
    heads = {head.chain: head for head in AuditChain.objects.all()}
    result.chains = len(heads)
    for chain, head in heads.items():
        seq, row_hash = last.get(chain, (0, GENESIS))
        if (seq, row_hash) != (head.seq, head.head_hash):
            result.broken.append(
                BrokenLink(
                    None,
                    chain,
                    head.seq,
                    f"the chain ends at place {seq} but its head says {head.seq} "
                    "(its last events were removed, or the head was changed)",
                )
            )
    for chain in last.keys() - heads.keys():
        result.broken.append(BrokenLink(None, chain, None, "the chain has no head"))
    result.broken.sort(key=lambda link: (link.event_id is None, link.event_id or 0))
    return result
