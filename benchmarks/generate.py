"""Generate a large, realistic partnership in its own PostgreSQL database, for benchmarks.

    .venv/bin/python benchmarks/generate.py \
        --database-url postgres://postgres@127.0.0.1:5432/asb_bench

Drops and re-creates the database, migrates it, creates the organisations through
`partners.services.organisation_create`, then bulk-loads everything else with COPY: users with
their memberships and groups (as `member_create` would set them), people, incidents, cases with
their incidents, people, history, notes, actions, tasks, shares and transfers, and the guardian
rows `asb_cases.access.desired_permissions` would produce. Secondary indexes and constraints of
the loaded tables are dropped for the load and re-created (and so re-validated) afterwards,
exactly as the migrations defined them.

Rows are built from each model's concrete fields: a field the generator does not set gets its
default (or NULL), so the generator keeps working when fields with defaults are added; a
generated column (`GeneratedField`) is left to the database.
Deterministic for a given --seed and --end. Every person, address and housing provider is
fictitious. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import io
import json
import math
import os
import queue
import random
import sys
import threading
import time
import uuid
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
PASSWORD = "bench-password-2026"
DEFAULT_END = "2026-11-20T18:00:00+00:00"
DAY = 86400.0
HOUR = 3600.0
LONDON = ZoneInfo("Europe/London")
PROTECTED_DATABASES = {"asb", "postgres", "template0", "template1"}


# Command line and the database itself -------------------------------------------------------


@dataclass(frozen=True)
class Options:
    database_url: str
    incidents: int
    cases: int
    organisations: int
    users: int
    people: int
    seed: int
    end: float
    years: float
    chunk_rows: int
    restricted: float = 0.03
    merged: float = 0.01
    shares_without_people: float = 0.25
    consent_only: bool = False
    people_grants_only: bool = False


def parse_options(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="postgres://.../asb_bench")
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=300_000)
    parser.add_argument("--organisations", type=int, default=60)
    parser.add_argument("--users", type=int, default=5_000)
    parser.add_argument("--people", type=int, help="default: 40%% of --incidents")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--end", default=DEFAULT_END, help="newest activity (ISO 8601)")
    parser.add_argument("--years", type=float, default=3.0, help="span of the incidents")
    parser.add_argument("--chunk-rows", type=int, default=50_000, help="rows per COPY")
    parser.add_argument(
        "--restricted",
        type=float,
        default=0.03,
        help="share of people's records whose consent is limited to the lead agency (two "
        "thirds) or withdrawn (a third)",
    )
    parser.add_argument(
        "--merged", type=float, default=0.01, help="share of people merged into another record"
    )
    parser.add_argument(
        "--shares-without-people",
        type=float,
        default=0.25,
        help="share of case shares that do not include the people on the case",
    )
    parser.add_argument(
        "--consent-only",
        action="store_true",
        help="only add the consent restrictions and merges to a database generated without them",
    )
    parser.add_argument(
        "--people-grants-only",
        action="store_true",
        help="only grant who may see the people on each case (view_case_people) to a database "
        "generated without those grants",
    )
    args = parser.parse_args(argv)
    if args.organisations < 10:
        parser.error("--organisations must be at least 10")
    if args.users < 6 * args.organisations:
        parser.error("--users must be at least six per organisation")
    if not args.cases <= args.incidents:
        parser.error("every case needs an incident: --cases must not exceed --incidents")
    end = dt.datetime.fromisoformat(args.end)
    if end.tzinfo is None:
        end = end.replace(tzinfo=dt.UTC)
    return Options(
        database_url=args.database_url,
        incidents=args.incidents,
        cases=args.cases,
        organisations=args.organisations,
        users=args.users,
        people=args.people or max(1_000, int(args.incidents * 0.4)),
        seed=args.seed,
        end=end.timestamp(),
        years=args.years,
        chunk_rows=args.chunk_rows,
        restricted=args.restricted,
        merged=args.merged,
        shares_without_people=args.shares_without_people,
        consent_only=args.consent_only,
        people_grants_only=args.people_grants_only,
    )


def database_name(url: str) -> str:
    name = urlparse(url).path.lstrip("/")
    if not name or name in PROTECTED_DATABASES or name.startswith(("test_", "template")):
        raise SystemExit(f"Refusing to drop the database {name!r}: use one of your own.")
    return name


def recreate_database(url: str) -> None:
    import psycopg2

    name = database_name(url)
    maintenance = urlunparse(urlparse(url)._replace(path="/postgres"))
    connection = psycopg2.connect(maintenance)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def setup_django(url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    os.environ["DATABASE_URL"] = url
    os.environ["REDIS_URL"] = REDIS_URL
    os.environ["DEBUG"] = "false"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# Timing -------------------------------------------------------------------------------------


@dataclass
class Timings:
    rows: dict[str, int] = field(default_factory=dict)
    load: dict[str, float] = field(default_factory=dict)
    rebuild: dict[str, float] = field(default_factory=dict)
    steps: list[tuple[str, float]] = field(default_factory=list)

    def step(self, name: str, started: float) -> None:
        elapsed = time.perf_counter() - started
        self.steps.append((name, elapsed))
        print(f"  {name}: {elapsed:.1f} s", flush=True)


# COPY ---------------------------------------------------------------------------------------

NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_SERIAL = {"AutoField", "BigAutoField", "SmallAutoField"}
_PLAIN_TYPES = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "PositiveBigIntegerField",
    "DecimalField",
    "FloatField",
    "UUIDField",
}


def _text(value: Any) -> str:
    return NULL if value is None else str(value).translate(_ESCAPES)


def _plain(value: Any) -> str:
    return NULL if value is None else str(value)


def _bool(value: Any) -> str:
    return NULL if value is None else ("t" if value else "f")


def _timestamp(value: Any) -> str:
    """A datetime, or seconds since the epoch (UTC)."""
    if value is None:
        return NULL
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(value))


def _date(value: Any) -> str:
    return NULL if value is None else value.isoformat()


def _json(value: Any) -> str:
    return NULL if value is None else json.dumps(value).translate(_ESCAPES)


def encoder_for(model_field) -> Callable[[Any], str]:
    target = model_field.target_field if model_field.is_relation else model_field
    internal = target.get_internal_type()
    special = {
        "DateTimeField": _timestamp,
        "DateField": _date,
        "BooleanField": _bool,
        "JSONField": _json,
    }
    if internal in special:
        return special[internal]
    return _plain if internal in _PLAIN_TYPES else _text


class RowFormat:
    """One table's COPY line, built from the model's concrete fields (not the generated ones,
    which the database computes).

    The caller gives values for `given` (attnames, in that order); every other field gets its
    default, evaluated per row when it is callable, else NULL when nullable, else the field's
    empty value. An auto_now field left unset gets the generation's end time.
    """

    def __init__(self, model, given: Sequence[str], now: float):
        fields = [f for f in model._meta.concrete_fields if not f.generated]
        by_attname = {f.attname: f for f in fields}
        unknown = [name for name in given if name not in by_attname]
        if unknown:
            raise ValueError(f"{model._meta.label} has no fields {unknown}")
        self.model = model
        self.table = model._meta.db_table
        # A serial primary key the caller does not give is left to the database.
        fields = [
            f
            for f in fields
            if f.attname in given or not (f.primary_key and f.get_internal_type() in _SERIAL)
        ]
        self.columns = [f.column for f in fields]
        position = {f.attname: i for i, f in enumerate(fields)}
        self._given = [(position[name], encoder_for(by_attname[name])) for name in given]
        self._template: list[str] = []
        self._per_row: list[tuple[int, Any, Callable[[Any], str]]] = []
        for index, model_field in enumerate(fields):
            self._template.append("")
            if model_field.attname in given:
                continue
            if model_field.has_default() and callable(model_field.default):
                self._per_row.append((index, model_field, encoder_for(model_field)))
                continue
            value = self._fallback(model_field, now)
            self._template[index] = encoder_for(model_field)(value)

    def _fallback(self, model_field, now: float) -> Any:
        if model_field.has_default():
            return model_field.get_default()
        if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
            return now
        if model_field.null:
            return None
        value = model_field.get_default()
        if value is None:
            raise ValueError(
                f"{self.model._meta.label}.{model_field.name} is required and has no default: "
                "benchmarks/generate.py must set it"
            )
        return value

    def line(self, values: Sequence[Any]) -> str:
        parts = self._template.copy()
        for (index, encode), value in zip(self._given, values, strict=True):
            parts[index] = encode(value)
        for index, model_field, encode in self._per_row:
            parts[index] = encode(model_field.get_default())
        return "\t".join(parts) + "\n"


class Copier:
    """COPY rows in chunks over its own connection; a background thread sends one chunk to the
    server while the next is being built."""

    def __init__(self, url: str, chunk_rows: int, timings: Timings):
        import psycopg2

        self._connection = psycopg2.connect(url)
        self._connection.autocommit = True
        self._chunk_rows = chunk_rows
        self._timings = timings
        self._queue: queue.Queue[tuple[str, io.StringIO] | None] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._send, daemon=True)
        self._thread.start()

    def _send(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                statement, buffer = item
                if self._error is None:
                    buffer.seek(0)
                    with self._connection.cursor() as cursor:
                        cursor.copy_expert(statement, buffer)
            except BaseException as exc:  # re-raised by the producer
                self._error = exc
            finally:
                self._queue.task_done()

    def _put(self, statement: str, buffer: io.StringIO) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put((statement, buffer))

    def load(self, fmt: RowFormat, rows: Iterable[Sequence[Any]]) -> int:
        started = time.perf_counter()
        columns = ", ".join(f'"{c}"' for c in fmt.columns)
        statement = f'COPY "{fmt.table}" ({columns}) FROM STDIN'
        buffer, in_buffer, count = io.StringIO(), 0, 0
        line = fmt.line
        for values in rows:
            buffer.write(line(values))
            in_buffer += 1
            if in_buffer == self._chunk_rows:
                self._put(statement, buffer)
                count += in_buffer
                buffer, in_buffer = io.StringIO(), 0
        if in_buffer:
            self._put(statement, buffer)
            count += in_buffer
        self._queue.join()
        if self._error is not None:
            raise self._error
        elapsed = time.perf_counter() - started
        self._timings.rows[fmt.table] = self._timings.rows.get(fmt.table, 0) + count
        self._timings.load[fmt.table] = self._timings.load.get(fmt.table, 0.0) + elapsed
        rate = count / elapsed if elapsed else 0
        print(f"  {fmt.table}: {count:,} rows in {elapsed:.1f} s ({rate:,.0f}/s)", flush=True)
        return count

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        self._connection.close()


# Loading without secondary indexes and constraints ------------------------------------------


@dataclass(frozen=True)
class Deferred:
    """An index or constraint dropped for the load, with the DDL that re-creates it."""

    table: str
    name: str
    kind: str  # "index", "unique" or "foreign key"
    create: str


def _deferred_for(cursor, table: str) -> list[Deferred]:
    cursor.execute(
        """
        SELECT c.conname, c.contype, pg_get_constraintdef(c.oid)
        FROM pg_constraint c
        WHERE c.conrelid = %s::regclass AND c.contype IN ('u', 'f')
          AND NOT (c.contype = 'u' AND EXISTS (
              SELECT 1 FROM pg_constraint r WHERE r.contype = 'f' AND r.conindid = c.conindid))
        ORDER BY c.conname
        """,
        [table],
    )
    deferred = [
        Deferred(
            table,
            name,
            "unique" if kind == "u" else "foreign key",
            f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}',
        )
        for name, kind, definition in cursor.fetchall()
    ]
    cursor.execute(
        """
        SELECT i.relname, pg_get_indexdef(i.oid)
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
        WHERE x.indrelid = %s::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
        ORDER BY i.relname
        """,
        [table],
    )
    deferred += [Deferred(table, name, "index", ddl) for name, ddl in cursor.fetchall()]
    return deferred


def drop_for_load(url: str, tables: Sequence[str]) -> list[Deferred]:
    """Drop the secondary indexes, unique and foreign key constraints of `tables` (primary keys
    stay); return what re-creates them."""
    import psycopg2

    connection = psycopg2.connect(url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        deferred = [item for table in tables for item in _deferred_for(cursor, table)]
        for kind in ("foreign key", "unique", "index"):
            for item in deferred:
                if item.kind != kind:
                    continue
                if kind == "index":
                    cursor.execute(f'DROP INDEX "{item.name}"')
                else:
                    cursor.execute(f'ALTER TABLE "{item.table}" DROP CONSTRAINT "{item.name}"')
    connection.close()
    return deferred


def restore_after_load(url: str, deferred: Sequence[Deferred], timings: Timings) -> None:
    """Re-create the indexes, then the unique constraints, then the foreign keys (which
    validates every row loaded)."""
    import psycopg2

    connection = psycopg2.connect(url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute("SET max_parallel_maintenance_workers = 2")
        for kind in ("index", "unique", "foreign key"):
            for item in deferred:
                if item.kind != kind:
                    continue
                started = time.perf_counter()
                cursor.execute(item.create)
                elapsed = time.perf_counter() - started
                timings.rebuild[item.table] = timings.rebuild.get(item.table, 0.0) + elapsed
    connection.close()
    for table, elapsed in sorted(timings.rebuild.items(), key=lambda kv: -kv[1]):
        count = sum(1 for item in deferred if item.table == table)
        print(f"  {table}: {count} indexes and constraints in {elapsed:.1f} s", flush=True)


# Vocabulary (fictitious) --------------------------------------------------------------------


def words(text: str) -> list[str]:
    return text.split()


GIVEN_NAMES = words(
    "Aaron Abigail Adam Aimee Alan Alex Alice Amelia Amy Andrew Anna Anthony Ava Barry Beth "
    "Billy Bradley Brian Callum Carl Caroline Catherine Charlie Chloe Chris Claire Colin Connor "
    "Craig Daniel Danielle David Dean Deborah Declan Denise Dylan Eleanor Elizabeth Ella Emily "
    "Emma Ethan Evie Faye Finley Freya Gary George Georgia Grace Graham Hannah Harry Hayley "
    "Heather Helen Holly Ian Isabella Isla Jack Jacob Jade James Jamie Jane Jason Jennifer "
    "Jessica Joanne John Jordan Joseph Joshua Julie Karen Kayleigh Keith Kelly Kerry Kevin "
    "Kieran Kyle Laura Lauren Leah Lee Leon Lewis Liam Lily Lisa Logan Louise Lucy Luke Mark "
    "Martin Mason Megan Melissa Michael Michelle Mia Mohammed Molly Nathan Neil Nicola Noah "
    "Oliver Olivia Paul Paula Peter Phoebe Rachel Rebecca Reece Richard Robert Ruby Ryan Sam "
    "Samantha Sarah Scott Sean Shannon Sharon Sophie Stacey Stephen Steven Stuart Susan Teresa "
    "Thomas Tom Tony Tracey Tyler Vicky Wayne William Zoe"
)
FAMILY_NAMES = words(
    "Smith Jones Taylor Brown Wilson Robson Thompson Walker Wright Johnson Robinson White "
    "Hall Green Wood Harrison Clarke Jackson Turner Hughes Lee Bell Scott Dixon Young Watson "
    "Moore Martin Allen Hill King Armstrong Graham Kelly Richardson Atkinson Davison Cook "
    "Stephenson Ward Marshall Lawson Heslop Carr Elliott Nicholson Ridley Pearson Harper "
    "Hutchinson Fenwick Charlton Milburn Dodds Potts Liddle Brough Raine Teasdale Sowerby "
    "Bainbridge Dunn Gibson Hodgson Forster Storey Peacock Tweddle Hedley Maughan Wearmouth "
    "Coulson Lumsden Pattinson Pickering Proud Pybus Rutter Shotton Snowdon Surtees Tindale "
    "Gowland Hunter Kirkup Lamb Mccormick Oliver Parkin Reay Rowell Straughan Swinburne "
    "Tulip Vasey Wanless Whitfield Bolam Brewis Cairns Cowan Errington Gair Hepple Iley Kell "
    "Lowery Mather Nattrass Ogle Pringle Quigley Scurr Thirlwell Usher Varty Waugh Yellowley "
    "Ahmed Begum Hussain Khan Ali Patel Singh Kaur Nowak Kowalski Wisniewski Popescu Silva "
    "Okafor Mensah Ibrahim Mohamed O'Neill O'Brien McDonald McKenzie Fairless Quinn Doyle"
)
STREET_WORDS = words(
    "Alder Ash Aspen Beech Birch Blackthorn Bramble Briar Cedar Cherry Chestnut Clover "
    "Coniston Cypress Elder Elm Fern Foxglove Furze Gorse Hawthorn Hazel Heather Holly "
    "Hornbeam Juniper Larch Laurel Lime Linden Maple Meadow Mistletoe Oak Orchard Osier Pine "
    "Poplar Primrose Rowan Rush Sorrel Spruce Sycamore Teasel Thistle Willow Yew Lark Wren "
    "Kestrel Heron Curlew Plover Swallow Martin Finch Linnet"
)
STREET_KINDS = words(
    "Street Road Court Terrace Close Grove Avenue Crescent Way Walk Lane View Gardens Place "
    "Drive Row Square Rise"
)
POSTCODE_DISTRICTS = {
    "E06000005": ["DL1", "DL2", "DL3"],
    "E06000047": words(
        "DH1 DH2 DH3 DH4 DH5 DH6 DH7 DH8 DH9 DL4 DL5 DL12 DL13 DL14 DL15 DL16 DL17 SR7 SR8 TS21"
    ),
}
POSTCODE_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

# type code: (category weights personal/nuisance/environmental, descriptions)
INCIDENT_TYPE_TEXT: dict[str, tuple[tuple[int, int, int], tuple[str, ...]]] = {
    "noise": (
        (1, 8, 1),
        (
            "Loud music from the flat above until the early hours",
            "Shouting and banging through the party wall most nights",
            "Dog barking for hours while the owners are out",
            "Parties every weekend with guests in the garden after midnight",
        ),
    ),
    "rowdy-neighbours": (
        (5, 5, 0),
        (
            "Neighbours arguing in the street and slamming doors",
            "Visitors to next door shouting and swearing at passers-by",
            "Group gathering outside the house, drinking and being abusive",
        ),
    ),
    "verbal-abuse": (
        (9, 1, 0),
        (
            "Called names and threatened when leaving the house",
            "Neighbour shouted abuse at the caller's children",
            "Threats made over the garden fence",
        ),
    ),
    "vandalism": (
        (3, 2, 5),
        (
            "Car windscreen smashed overnight",
            "Bus shelter glass broken again",
            "Fence panels kicked in and plants pulled up",
        ),
    ),
    "fly-tipping": (
        (0, 1, 9),
        (
            "Mattresses and bin bags dumped in the back lane",
            "Builders' rubble tipped on the verge",
            "Household waste left by the recycling bank",
        ),
    ),
    "graffiti": (
        (1, 1, 8),
        ("Tags sprayed on the garage doors", "Offensive graffiti on the underpass wall"),
    ),
    "dog-fouling": ((0, 2, 8), ("Dog mess left on the path by the school gates",)),
    "drugs": (
        (2, 8, 0),
        (
            "Suspected dealing from a parked car most evenings",
            "Needles found in the play area",
            "Strong smell of cannabis and people coming and going at all hours",
        ),
    ),
    "street-drinking": (
        (2, 8, 0),
        (
            "Group drinking on the benches and shouting at shoppers",
            "Drinkers urinating in doorways",
        ),
    ),
    "vehicle-nuisance": (
        (1, 9, 0),
        (
            "Off-road bikes racing across the field and footpaths",
            "Cars revving and doing doughnuts in the car park late at night",
        ),
    ),
    "speeding": ((0, 10, 0), ("Cars racing along the estate road",)),
    "begging": ((2, 8, 0), ("Aggressive begging outside the shop",)),
    "fireworks": (
        (2, 8, 0),
        ("Fireworks thrown at houses and cars", "Fireworks let off in the street after 11pm"),
    ),
    "neighbour-dispute": (
        (8, 2, 0),
        (
            "Ongoing dispute over parking spaces, with threats",
            "Boundary dispute escalating, CCTV pointed at the caller's house",
        ),
    ),
    "student-related": ((1, 9, 0), ("Student house party with music into the early hours",)),
    "other": ((3, 5, 2), ("Caller reports ongoing anti-social behaviour in the area",)),
}
INCIDENT_TYPE_WEIGHTS = {
    "noise": 22,
    "rowdy-neighbours": 14,
    "verbal-abuse": 10,
    "vandalism": 9,
    "fly-tipping": 6,
    "graffiti": 3,
    "dog-fouling": 2,
    "drugs": 8,
    "street-drinking": 4,
    "vehicle-nuisance": 9,
    "speeding": 2,
    "begging": 1,
    "fireworks": 2,
    "neighbour-dispute": 5,
    "student-related": 1,
    "other": 2,
}
NOTE_TEXT = (
    "Spoke to the victim by phone; incidents are continuing most evenings.",
    "Visited the address, no answer. Card left.",
    "Victim says things have been quieter this week.",
    "Checked CCTV from the shop opposite; footage requested.",
    "Discussed at the weekly problem-solving meeting; agreed joint visit.",
    "Tenancy officer visited the alleged perpetrator and explained the warning.",
    "Victim is anxious and not sleeping; referral to support offered.",
    "Patrols increased in the area for two weeks.",
)
TASK_TITLES = (
    "Call the victim back",
    "Visit the alleged perpetrator",
    "Request CCTV",
    "Send the warning letter",
    "Check the tenancy record",
    "Arrange a joint visit",
    "Review the diary sheets",
    "Update the risk assessment",
)
SHARE_PURPOSES = (
    "Joint problem-solving with the landlord",
    "The victim is a tenant of the partner",
    "Police attendance at the address",
    "Support for a vulnerable victim",
    "Case review preparation",
)
HOUSING_NAMES = (
    "Northfell Homes",
    "Riverbank Housing",
    "Greenacre Living",
    "Millstone Housing Trust",
    "Oakridge Homes",
    "Highmoor Housing Association",
    "Fairhaven Living",
    "Brookside Homes",
    "Stonebridge Housing",
    "Willowmere Homes",
    "Ashdale Housing Trust",
    "Kingsmead Living",
    "Larchfield Homes",
    "Heatherbank Housing",
    "Copperleaf Homes",
    "Moorview Housing Association",
    "Valley Gate Homes",
    "Hollins Housing",
    "Elmstead Living",
    "Silverdale Homes",
    "Thornfield Housing Trust",
    "Cragside Homes",
    "Beckside Living",
    "Dunmoor Housing",
    "Ravensdale Homes",
    "Whinfield Housing Association",
    "Coldwell Homes",
    "Sandholme Living",
    "Burnhope Vale Homes",
    "Marwood Housing",
)
TOWN_NAMES = ("Northfell", "Highmoor", "Stonebridge", "Ashdale", "Millstone", "Kingsmead")


# Organisations ------------------------------------------------------------------------------

POLICE = "police"
COUNCIL = "local_authority"
HOUSING = "housing_provider"
DURHAM = "E06000047"
DARLINGTON = "E06000005"


@dataclass(frozen=True)
class OrgSpec:
    slug: str
    name: str
    kind: str
    areas: tuple[str, ...]
    lead: float = 0.0  # share of cases it leads
    incidents: float = 0.002  # share of incidents reported to it
    staff: float = 0.002  # share of the users
    shared: float = 0.0  # fraction of all cases shared with it on purpose (small partners)
    old_only: bool = False  # its shared cases are all among the oldest


def _core_specs() -> list[OrgSpec]:
    both = (DURHAM, DARLINGTON)
    specs = [
        OrgSpec("durham-constabulary", "Durham Constabulary", POLICE, both, 0.40, 0.55, 0.30),
        OrgSpec(
            "durham-county-council", "Durham County Council", COUNCIL, (DURHAM,), 0.14, 0.17, 0.1
        ),
        OrgSpec(
            "darlington-borough-council",
            "Darlington Borough Council",
            COUNCIL,
            (DARLINGTON,),
            0.06,
            0.06,
            0.05,
        ),
        OrgSpec(
            "durham-opcc", "Office of the Durham PCC", "pcc_office", both, staff=0.003, shared=0.01
        ),
        OrgSpec(
            "dales-neighbourhood-mediation",
            "Dales Neighbourhood Mediation",
            "voluntary",
            both,
            shared=0.0002,
            old_only=True,
        ),
        OrgSpec(
            "btp-north-east",
            "British Transport Police North East",
            POLICE,
            both,
            0.01,
            0.01,
            0.015,
            shared=0.001,
        ),
        OrgSpec(
            "durham-darlington-fire",
            "County Durham and Darlington Fire and Rescue Service",
            "fire_rescue",
            both,
            0.002,
            0.004,
            0.004,
            shared=0.0015,
        ),
        OrgSpec(
            "probation-durham",
            "Probation Service Durham and Darlington",
            "probation",
            both,
            shared=0.001,
        ),
        OrgSpec(
            "youth-justice-durham", "Durham Youth Justice Service", "probation", both, shared=0.0004
        ),
        OrgSpec(
            "north-dales-health", "North Dales Health and Care Trust", "health", both, shared=0.0004
        ),
        OrgSpec(
            "wear-vale-mental-health",
            "Wear Vale Mental Health Trust",
            "health",
            both,
            shared=0.0003,
        ),
        OrgSpec("highmoor-gp-federation", "Highmoor GP Federation", "health", both, shared=0.0002),
        OrgSpec(
            "tees-dales-ambulance",
            "Tees and Dales Ambulance Partnership",
            "health",
            both,
            shared=0.0001,
        ),
        OrgSpec(
            "riverbank-academy-trust", "Riverbank Academy Trust", "education", both, shared=0.0003
        ),
        OrgSpec("northfell-college", "Northfell College", "education", both, shared=0.0002),
        OrgSpec("ashdale-schools", "Ashdale Schools Partnership", "education", both, shared=0.0001),
        OrgSpec(
            "kingsmead-learning", "Kingsmead Learning Trust", "education", both, shared=0.00005
        ),
        OrgSpec(
            "victim-care-north", "Victim Care North", "voluntary", both, staff=0.003, shared=0.0004
        ),
        OrgSpec("safe-homes-project", "Safe Homes Project", "voluntary", both, shared=0.0002),
        OrgSpec("youth-outreach-dales", "Youth Outreach Dales", "voluntary", both, shared=0.0001),
        OrgSpec(
            "community-wardens-trust", "Community Wardens Trust", "voluntary", both, shared=0.00015
        ),
        OrgSpec(
            "older-peoples-advice",
            "Older People's Advice Service",
            "voluntary",
            both,
            shared=0.00008,
        ),
        OrgSpec(
            "recovery-connections", "Recovery Connections North", "voluntary", both, shared=0.0001
        ),
        OrgSpec(
            "neighbourhood-watch-dales",
            "Dales Neighbourhood Watch Association",
            "voluntary",
            both,
            shared=0.00004,
        ),
    ]
    towns = [
        OrgSpec(
            f"{town.lower()}-town-council",
            f"{town} Town Council",
            COUNCIL,
            (DURHAM,),
            0.005,
            0.003,
            0.004,
        )
        for town in TOWN_NAMES
    ]
    return specs[:5] + towns + specs[5:]


def organisation_specs(count: int) -> list[OrgSpec]:
    """`count` organisations: the police, the councils and the small partners first, then
    housing providers whose share of the cases falls off with rank (some lead tens of
    thousands, some a few hundred)."""
    core = _core_specs()
    housing_count = max(3, count - len(core)) if count >= len(core) + 3 else max(3, count // 2)
    core = core[: count - housing_count]
    names = [
        HOUSING_NAMES[i] if i < len(HOUSING_NAMES) else f"Housing Provider {i + 1}"
        for i in range(housing_count)
    ]
    harmonic = sum(1 / (rank + 1) for rank in range(housing_count))
    housing = [
        OrgSpec(
            slug=name.lower().replace(" ", "-").replace("'", ""),
            name=name,
            kind=HOUSING,
            areas=(DARLINGTON,) if rank % 4 == 3 else (DURHAM,),
            lead=0.36 / harmonic / (rank + 1),
            incidents=0.13 / harmonic / (rank + 1),
            staff=0.20 / harmonic / (rank + 1) + 0.001,
        )
        for rank, name in enumerate(names)
    ]
    return core + housing


LAWFUL_BASIS = {
    POLICE: "dpa_2018_part_3",
    "probation": "dpa_2018_part_3",
    "voluntary": "uk_gdpr_6_1_f",
}


@contextmanager
def seeded_service_calls(rng: random.Random, moment: float) -> Iterator[None]:
    """Make what organisation_create draws for itself repeatable: the organisation's UUID
    primary key comes from `rng` (the field's default is swapped for the duration; Django
    caches the default getter, so that cache is cleared on the way in and out) and the clock
    stands still at `moment` (if time-machine, a dev dependency, is installed)."""
    from partners.models import Organisation

    id_field = Organisation._meta.get_field("id")
    original = id_field.default
    id_field.__dict__.pop("_get_default", None)
    id_field.default = lambda: new_uuid(rng)
    try:
        import time_machine
    except ImportError:
        time_machine = None
    try:
        if time_machine is None:
            yield
        else:
            with time_machine.travel(dt.datetime.fromtimestamp(moment, dt.UTC), tick=False):
                yield
    finally:
        id_field.default = original
        id_field.__dict__.pop("_get_default", None)


def create_organisations(specs: Sequence[OrgSpec], seed: int, moment: float) -> list[Any]:
    """Through the service, one at a time: each gets its group and its audit event."""
    from partners.audit import SystemActor
    from partners.models import LocalAuthority
    from partners.services import organisation_create

    actor = SystemActor("benchmark-generator")
    authorities = {la.code: la for la in LocalAuthority.objects.all()}
    with seeded_service_calls(random.Random(f"{seed}:organisations"), moment):
        return [
            organisation_create(
                actor=actor,
                slug=spec.slug,
                name=spec.name,
                kind=spec.kind,
                lawful_basis=LAWFUL_BASIS.get(spec.kind, "uk_gdpr_6_1_e"),
                areas=[authorities[code] for code in spec.areas],
                isa_reference=f"ISA-{2024 + index % 3}-{index + 1:03d}",
                contact_email=f"asb@{spec.slug}.example.org",
            )
            for index, spec in enumerate(specs)
        ]


# Reference data and places ------------------------------------------------------------------


def new_uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def cumulative(weights: Sequence[float]) -> list[float]:
    total, result = 0.0, []
    for weight in weights:
        total += weight
        result.append(total)
    return result


def pick(rng: random.Random, cum: Sequence[float]) -> int:
    """An index drawn with the weights whose running totals are `cum`."""
    return min(bisect.bisect_right(cum, rng.random() * cum[-1]), len(cum) - 1)


@dataclass(frozen=True)
class LsoaInfo:
    code: str
    ward_code: str
    ward_year: int | None
    local_authority_id: int
    local_authority_code: str
    locality: str
    centre: tuple[float, float] | None  # latitude, longitude


def _lsoa_centres() -> dict[str, tuple[float, float]]:
    """Roughly the middle of each 2021 LSOA, from the boundaries the geography module reads."""
    try:
        from asb_cases.geography import _lsoa_polygons

        polygons = _lsoa_polygons()
    except Exception:  # the boundaries are an optional nicety here
        return {}
    centres: dict[str, tuple[float, float]] = {}
    for polygon in polygons:
        if polygon.code not in centres:
            outer = polygon.rings[0]
            centres[polygon.code] = (
                sum(y for _, y in outer) / len(outer),
                sum(x for x, _ in outer) / len(outer),
            )
    return centres


def load_lsoas() -> list[LsoaInfo]:
    """The real 2021 LSOAs the migration loaded, with their best-fit 2025 wards."""
    from asb_cases.models import Lsoa

    centres = _lsoa_centres()
    rows = Lsoa.objects.filter(vintage=2021).select_related("ward", "local_authority")
    return [
        LsoaInfo(
            code=lsoa.code,
            ward_code=lsoa.ward.code if lsoa.ward else "",
            ward_year=lsoa.ward.year if lsoa.ward else None,
            local_authority_id=lsoa.local_authority_id,
            local_authority_code=lsoa.local_authority.code,
            locality=lsoa.ward.name if lsoa.ward else lsoa.local_authority.name,
            centre=centres.get(lsoa.code),
        )
        for lsoa in rows.order_by("code")
    ]


class Places:
    """A fixed grid of fictitious addresses: so many streets in each real LSOA, so many houses
    on each street, four postcodes to a street. Some LSOAs are hotspots."""

    STREETS = 8
    HOUSES = 60
    PER_POSTCODE = 15

    def __init__(self, lsoas: Sequence[LsoaInfo], rng: random.Random):
        if not lsoas:
            raise SystemExit("No 2021 LSOAs in the database: did the migrations run?")
        self.lsoas = list(lsoas)
        self.per_lsoa = self.STREETS * self.HOUSES
        ranks = list(range(len(lsoas)))
        rng.shuffle(ranks)
        self._lsoa_cum = cumulative([1 / (rank + 3) ** 0.9 for rank in ranks])
        self._streets = [
            f"{rng.choice(STREET_WORDS)} {rng.choice(STREET_KINDS)}"
            for _ in range(len(lsoas) * self.STREETS)
        ]
        self._districts = [
            f"{rng.choice(POSTCODE_DISTRICTS.get(lsoa.local_authority_code, ['DH1']))} "
            f"{rng.randint(1, 9)}"
            for lsoa in lsoas
        ]
        blocks = self.HOUSES // self.PER_POSTCODE
        self._units = [
            rng.choice(POSTCODE_UNIT_LETTERS) + rng.choice(POSTCODE_UNIT_LETTERS)
            for _ in range(len(lsoas) * self.STREETS * blocks)
        ]

    def __len__(self) -> int:
        return len(self.lsoas) * self.per_lsoa

    def random_lsoa(self, rng: random.Random) -> int:
        return pick(rng, self._lsoa_cum)

    def random_address(self, rng: random.Random) -> int:
        return self.address_in(self.random_lsoa(rng), rng)

    def address_in(self, lsoa: int, rng: random.Random) -> int:
        return lsoa * self.per_lsoa + rng.randrange(self.per_lsoa)

    def lsoa_of(self, address: int) -> int:
        return address // self.per_lsoa

    def street(self, address: int) -> str:
        return self._streets[address // self.HOUSES]

    def text(self, address: int) -> str:
        lsoa = self.lsoas[address // self.per_lsoa]
        return f"{address % self.HOUSES + 1} {self.street(address)}, {lsoa.locality}"

    def postcode(self, address: int) -> str:
        street, house = divmod(address, self.HOUSES)
        block = street * (self.HOUSES // self.PER_POSTCODE) + house // self.PER_POSTCODE
        return self._districts[address // self.per_lsoa] + self._units[block]

    def uprn(self, address: int) -> str:
        return str(100_090_000_000 + address)

    def coordinates(self, address: int) -> tuple[Decimal | None, Decimal | None]:
        centre = self.lsoas[address // self.per_lsoa].centre
        if centre is None:
            return None, None
        jitter_lat = ((address * 2_654_435_761) % 1000) / 1000 - 0.5
        jitter_lon = ((address * 40_503 + 17) % 1000) / 1000 - 0.5
        return (
            Decimal(f"{centre[0] + jitter_lat * 0.004:.6f}"),
            Decimal(f"{centre[1] + jitter_lon * 0.006:.6f}"),
        )

    def location_values(self, address: int) -> tuple[Any, ...]:
        """address, postcode, uprn, latitude, longitude, lsoa_code, lsoa_vintage, ward_code,
        ward_year, local_authority_id: the LocationFields columns."""
        lsoa = self.lsoas[address // self.per_lsoa]
        latitude, longitude = self.coordinates(address)
        return (
            self.text(address),
            self.postcode(address),
            self.uprn(address),
            latitude,
            longitude,
            lsoa.code,
            2021,
            lsoa.ward_code,
            lsoa.ward_year,
            lsoa.local_authority_id,
        )


LOCATION_FIELDS = (
    "address",
    "postcode",
    "uprn",
    "latitude",
    "longitude",
    "lsoa_code",
    "lsoa_vintage",
    "ward_code",
    "ward_year",
    "local_authority_id",
)


# Users --------------------------------------------------------------------------------------

JOB_TITLES = {
    POLICE: "Neighbourhood officer",
    COUNCIL: "ASB officer",
    HOUSING: "Tenancy enforcement officer",
    "pcc_office": "Victims' lead",
}


@dataclass
class Staff:
    ids_by_org: list[list[int]]
    workers_by_org: list[list[int]]  # case officers and supervisors: can lead and work cases


def staff_counts(specs: Sequence[OrgSpec], total: int) -> list[int]:
    weight = sum(spec.staff for spec in specs)
    counts = [max(6, round(spec.staff / weight * total)) for spec in specs]
    biggest = max(range(len(specs)), key=counts.__getitem__)
    counts[biggest] += total - sum(counts)
    if counts[biggest] < 6:
        raise SystemExit("Too few --users for the organisations")
    return counts


def roles_for(count: int, kind: str) -> list[str]:
    """A partner admin or two, a few analysts and supervisors, the rest case officers."""
    roles = ["partner_admin"] * max(1, count // 60)
    roles += ["analyst"] * max(1, count // 25)
    roles += ["supervisor"] * max(1, count // 8)
    if kind == "pcc_office":
        roles.append("asb_champion")
    roles += ["case_officer"] * (count - len(roles))
    return roles


def load_users(
    copier: Copier,
    specs: Sequence[OrgSpec],
    organisations: Sequence[Any],
    total: int,
    rng: random.Random,
    now: float,
) -> Staff:
    """Users, memberships and groups exactly as partners.services.member_create sets them
    (the organisation's group and `role:<role>`), with its audit event; one password hash."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.utils.crypto import RANDOM_STRING_CHARS

    from partners.models import AuditEvent, Membership, User
    from partners.roles import role_group_name

    # One hash for everyone, with a salt of the hasher's usual length drawn from the seed.
    salt = "".join(rng.choice(RANDOM_STRING_CHARS) for _ in range(22))
    password = make_password(PASSWORD, salt=salt)
    role_groups = {group.name: group.id for group in Group.objects.filter(name__startswith="role:")}
    staff = Staff([[] for _ in specs], [[] for _ in specs])
    users, memberships, links, audits = [], [], [], []
    user_id = 0
    for index, (spec, organisation, count) in enumerate(
        zip(specs, organisations, staff_counts(specs, total), strict=True)
    ):
        for role in roles_for(count, spec.kind):
            user_id += 1
            given, family = rng.choice(GIVEN_NAMES), rng.choice(FAMILY_NAMES)
            handle = f"{given}.{family}".lower().replace("'", "")
            username = f"{handle}.{user_id}@{spec.slug}"
            joined = now - rng.uniform(200, 1500) * DAY
            users.append(
                (user_id, password, username, given, family, username + ".example.org", joined)
            )
            memberships.append(
                (
                    new_uuid(rng),
                    user_id,
                    organisation.pk,
                    role,
                    JOB_TITLES.get(spec.kind, "Partnership officer"),
                    joined,
                    joined,
                )
            )
            links.append((user_id, organisation.group_id))
            links.append((user_id, role_groups[role_group_name(role)]))
            audits.append(
                (
                    joined,
                    "system:benchmark-generator",
                    organisation.pk,
                    "created",
                    "member_create",
                    "partners.user",
                    str(user_id),
                    {"username": username, "role": role},
                )
            )
            staff.ids_by_org[index].append(user_id)
            if role in {"case_officer", "supervisor"}:
                staff.workers_by_org[index].append(user_id)
    copier.load(
        RowFormat(
            User,
            ["id", "password", "username", "first_name", "last_name", "email", "date_joined"],
            now,
        ),
        users,
    )
    copier.load(
        RowFormat(
            Membership,
            ["id", "user_id", "organisation_id", "role", "job_title", "created_at", "updated_at"],
            now,
        ),
        memberships,
    )
    through = User.groups.through
    copier.load(
        RowFormat(through, ["id", "user_id", "group_id"], now),
        ((i + 1, *link) for i, link in enumerate(links)),
    )
    copier.load(
        RowFormat(
            AuditEvent,
            [
                "occurred_at",
                "actor_label",
                "organisation_id",
                "verb",
                "action",
                "target_type",
                "target_id",
                "detail",
            ],
            now,
        ),
        audits,
    )
    return staff


# The plan: who, where and when, decided once --------------------------------------------------

CASE_FLOW = ("open", "investigating", "action", "monitoring")
CLOSURE_REASONS = (
    "resolved",
    "resolved",
    "resolved",
    "enforcement",
    "no_further_action",
    "victim_withdrew",
    "perpetrator_moved",
    "no_contact",
    "other",
)
RISK_BANDS = ("standard", "medium", "high")
RISK_CUM = cumulative([70, 22, 8])
K_CUM = cumulative([55, 20, 9, 5, 3.5, 2.5, 2, 1.3, 1, 0.7])  # incidents per case, 1 to 10
ENVIRONMENTAL = {"fly-tipping", "graffiti", "dog-fouling"}
HAS_LOCATION = 1


@dataclass
class People:
    """Compact arrays: one slot per person."""

    count: int
    address: array
    given: array
    family: array
    birth: array  # proleptic ordinal of the date of birth, 0 for unknown
    first_seen: array  # epoch seconds of the first incident they are on
    first_org: array  # organisation index of that incident, -1 for none
    by_lsoa: list[array]

    def other_in(self, lsoa: int, rng: random.Random, exclude: int) -> int:
        neighbours = self.by_lsoa[lsoa]
        if len(neighbours) < 2:
            return rng.randrange(self.count)
        while (person := neighbours[rng.randrange(len(neighbours))]) == exclude:
            pass
        return person

    def seen(self, person: int, when: float, org: int) -> None:
        if person >= 0 and when < self.first_seen[person]:
            self.first_seen[person] = when
            self.first_org[person] = org


def plan_people(count: int, places: Places, rng: random.Random, end: float) -> People:
    family_cum = cumulative([1 / (rank + 1) ** 0.6 for rank in range(len(FAMILY_NAMES))])
    address, given, family, birth = array("i"), array("H"), array("H"), array("i")
    by_lsoa = [array("i") for _ in places.lsoas]
    end_ordinal = dt.date.fromtimestamp(end).toordinal()
    for person in range(count):
        home = places.random_address(rng)
        address.append(home)
        given.append(rng.randrange(len(GIVEN_NAMES)))
        family.append(pick(rng, family_cum))
        age_days = int(rng.uniform(16, 88) * 365.25)
        birth.append(end_ordinal - age_days if rng.random() < 0.85 else 0)
        by_lsoa[places.lsoa_of(home)].append(person)
    return People(
        count,
        address,
        given,
        family,
        birth,
        array("d", [math.inf]) * count,
        array("h", [-1]) * count,
        by_lsoa,
    )


@dataclass
class Plan:
    """Everything later passes must agree on, in compact arrays indexed by case or incident."""

    start: float
    end: float
    # cases, in the order they were opened (case id = index + 1)
    opened: array = field(default_factory=lambda: array("d"))
    updated: array = field(default_factory=lambda: array("d"))
    closed: array = field(default_factory=lambda: array("d"))  # 0 while open
    status: array = field(default_factory=lambda: array("b"))  # index into CASE_FLOW, -1 closed
    changes: array = field(default_factory=lambda: array("b"))  # status changes, incl. opening
    closure: array = field(default_factory=lambda: array("b"))  # index into CLOSURE_REASONS
    lead: array = field(default_factory=lambda: array("h"))
    officer: array = field(default_factory=lambda: array("i"))  # user id, 0 for none
    creator: array = field(default_factory=lambda: array("i"))
    # people, by index: when they were first recorded and by whom (filled by person_rows)
    person_created: array = field(default_factory=lambda: array("d"))
    person_recorder: array = field(default_factory=lambda: array("i"))
    location: array = field(default_factory=lambda: array("i"))  # address
    kind: array = field(default_factory=lambda: array("b"))  # incident type index
    risk: array = field(default_factory=lambda: array("b"))
    victim: array = field(default_factory=lambda: array("i"))
    perpetrator: array = field(default_factory=lambda: array("i"))  # -1 for none
    witness: array = field(default_factory=lambda: array("i"))
    first_incident: array = field(default_factory=lambda: array("i"))  # generation index
    incident_count: array = field(default_factory=lambda: array("b"))
    flags: array = field(default_factory=lambda: array("b"))
    # incidents, in generation order (ids are given later, in order of report)
    reported: array = field(default_factory=lambda: array("d"))
    incident_case: array = field(default_factory=lambda: array("i"))  # -1 for none
    reported_to: array = field(default_factory=lambda: array("h"))
    incident_kind: array = field(default_factory=lambda: array("b"))
    incident_location: array = field(default_factory=lambda: array("i"))
    incident_victim: array = field(default_factory=lambda: array("i"))
    incident_reporter: array = field(default_factory=lambda: array("i"))  # -1: anonymous/none
    incident_id: array = field(default_factory=lambda: array("i"))  # filled when loaded
    # (case, organisation, 0 view / 1 contribute, shared at, revoked at or 0, shared by)
    shares: dict[int, list[tuple[int, int, int, float, float, int]]] = field(default_factory=dict)
    # (case, from, to, status, proposed at, decided at or 0, proposed by)
    transfers: list[tuple[int, int, int, str, float, float, int]] = field(default_factory=list)

    @property
    def case_count(self) -> int:
        return len(self.opened)

    @property
    def incident_total(self) -> int:
        return len(self.reported)

    def case_incidents(self, case: int) -> range:
        first = self.first_incident[case]
        return range(first, first + self.incident_count[case])


@dataclass
class World:
    """The organisations and reference data the plan draws on."""

    specs: list[OrgSpec]
    staff: Staff
    places: Places
    people: People
    type_codes: list[str]
    police: int
    council_for: dict[str, int]  # local authority code -> organisation index
    landlord_of: list[int]  # lsoa -> housing provider index

    def council(self, address: int) -> int:
        code = self.places.lsoas[self.places.lsoa_of(address)].local_authority_code
        return self.council_for.get(code, self.police)


def make_world(
    specs: list[OrgSpec], staff: Staff, places: Places, people: People, rng: random.Random
) -> World:
    index_of = {spec.slug: i for i, spec in enumerate(specs)}
    police = next(i for i, spec in enumerate(specs) if spec.kind == POLICE)
    council_for = {
        code: index_of[slug]
        for code, slug in (
            (DURHAM, "durham-county-council"),
            (DARLINGTON, "darlington-borough-council"),
        )
        if slug in index_of
    }
    housing = [i for i, spec in enumerate(specs) if spec.kind == HOUSING]
    landlord_of = []
    for lsoa in places.lsoas:
        serving = [i for i in housing if lsoa.local_authority_code in specs[i].areas] or housing
        landlord_of.append(serving[pick(rng, cumulative([specs[i].lead for i in serving]))])
    return World(
        specs=specs,
        staff=staff,
        places=places,
        people=people,
        type_codes=list(INCIDENT_TYPE_WEIGHTS),
        police=police,
        council_for=council_for,
        landlord_of=landlord_of,
    )


HOUR_CUM = cumulative([2, 1, 1, 1, 1, 1, 2, 3, 4, 4, 5, 5, 6, 6, 7, 8, 9, 10, 11, 12, 12, 11, 8, 4])


def incident_time(rng: random.Random, start: float, end: float) -> float:
    """A moment in [start, end), busier in summer and in the evening."""
    while True:
        moment = start + rng.random() * (end - start)
        day_of_year = time.gmtime(moment).tm_yday
        if rng.random() < 0.8 + 0.2 * math.sin(2 * math.pi * (day_of_year - 100) / 365):
            break
    moment = moment - moment % DAY + (pick(rng, HOUR_CUM) + rng.random()) * HOUR
    return min(max(moment, start), end - 60)


def _pick_person(people: People, rng: random.Random) -> int:
    """Anyone, with a pool of repeat victims and complainants."""
    if rng.random() < 0.2:
        return rng.randrange(max(1, people.count // 20))
    return rng.randrange(people.count)


def _case_status(plan: Plan, rng: random.Random, opened: float) -> None:
    closed = opened + rng.expovariate(1 / (110 * DAY))
    if closed < plan.end - HOUR:
        visited = rng.choice((0, 1, 1, 2, 2, 3))
        plan.status.append(-1)
        plan.changes.append(visited + 2)
        plan.closure.append(rng.randrange(len(CLOSURE_REASONS)))
        plan.closed.append(closed)
        plan.updated.append(min(closed + rng.uniform(0, 3 * HOUR), plan.end))
        return
    young = plan.end - opened < 7 * DAY
    status = pick(rng, cumulative((60, 35, 5, 0) if young else (15, 40, 30, 15)))
    plan.status.append(status)
    plan.changes.append(status + 1)
    plan.closure.append(-1)
    plan.closed.append(0.0)
    last = plan.end - rng.expovariate(1 / (12 * DAY))
    plan.updated.append(min(max(opened + 60, last), plan.end))


def _case_incident_times(
    rng: random.Random, count: int, opened: float, start: float
) -> list[float]:
    if count == 1:
        return [max(start, opened - rng.uniform(60, 2 * DAY))]
    first = opened - rng.uniform(2 * DAY, 90 * DAY)
    last = opened - rng.uniform(60, 2 * DAY)
    middle = [rng.uniform(first, last) for _ in range(count - 2)]
    return [max(start, moment) for moment in sorted([first, *middle, last])]


def _add_incident(
    plan: Plan,
    world: World,
    moment: float,
    case: int,
    org: int,
    kind: int,
    where: int,
    victim: int,
    reporter: int,
) -> None:
    plan.reported.append(moment)
    plan.incident_case.append(case)
    plan.reported_to.append(org)
    plan.incident_kind.append(kind)
    plan.incident_location.append(where)
    plan.incident_victim.append(victim)
    plan.incident_reporter.append(reporter)
    world.people.seen(victim, moment, org)
    world.people.seen(reporter, moment, org)


def _reporter(rng: random.Random, victim: int, complainant: int) -> int:
    if rng.random() < 0.04:
        return -1  # anonymous
    if victim >= 0 and rng.random() < 0.75:
        return victim
    return complainant


def plan_cases(world: World, options: Options, rng: random.Random) -> Plan:
    """Cases in the order they were opened, each with its 1 to 10 incidents before it."""
    end = options.end
    start = end - options.years * 365 * DAY
    plan = Plan(start=start, end=end)
    places, people, specs = world.places, world.people, world.specs
    lead_cum = cumulative([spec.lead for spec in specs])
    kind_cum = cumulative(list(INCIDENT_TYPE_WEIGHTS.values()))
    openings = sorted(
        start + 20 * DAY + rng.random() ** 0.85 * (end - start - 20 * DAY - HOUR)
        for _ in range(options.cases)
    )
    linked = 0
    for case, opened in enumerate(openings):
        lead = pick(rng, lead_cum)
        workers = world.staff.workers_by_org[lead]
        victim = _pick_person(people, rng)
        home = people.address[victim]
        lsoa = places.lsoa_of(home)
        where = home if rng.random() < 0.7 else places.address_in(lsoa, rng)
        kind = pick(rng, kind_cum)
        budget = options.incidents - linked - (options.cases - case - 1)
        count = min(pick(rng, K_CUM) + 1, budget)
        plan.opened.append(opened)
        _case_status(plan, rng, opened)
        plan.lead.append(lead)
        officer = rng.choice(workers) if rng.random() < 0.92 else 0
        plan.officer.append(officer)
        plan.creator.append(officer or rng.choice(workers))
        plan.location.append(where)
        plan.kind.append(kind)
        plan.risk.append(pick(rng, RISK_CUM))
        plan.victim.append(victim)
        perpetrator = people.other_in(lsoa, rng, victim) if rng.random() < 0.55 else -1
        witness = people.other_in(lsoa, rng, victim) if rng.random() < 0.10 else -1
        plan.perpetrator.append(perpetrator)
        plan.witness.append(witness)
        people.seen(perpetrator, opened, lead)
        people.seen(witness, opened, lead)
        plan.first_incident.append(plan.incident_total)
        plan.incident_count.append(count)
        plan.flags.append(HAS_LOCATION if rng.random() < 0.3 else 0)
        complainant = people.other_in(lsoa, rng, victim)
        for moment in _case_incident_times(rng, count, opened, start):
            draw = rng.random()
            if draw < 0.55:
                org = lead
            elif draw < 0.8:
                org = world.police
            elif draw < 0.9:
                org = world.council(where)
            else:
                org = world.landlord_of[lsoa]
            this_kind = kind if rng.random() < 0.85 else pick(rng, kind_cum)
            this_place = where if rng.random() < 0.75 else places.address_in(lsoa, rng)
            environmental = world.type_codes[this_kind] in ENVIRONMENTAL
            has_victim = rng.random() < (0.3 if environmental else 0.85)
            this_victim = victim if has_victim else -1
            reporter = _reporter(rng, this_victim, complainant)
            _add_incident(
                plan, world, moment, case, org, this_kind, this_place, this_victim, reporter
            )
        linked += count
    return plan


def plan_other_incidents(plan: Plan, world: World, total: int, rng: random.Random) -> None:
    """Incidents on no case: most reports never become one."""
    places, people = world.places, world.people
    org_cum = cumulative([spec.incidents for spec in world.specs])
    kind_cum = cumulative(list(INCIDENT_TYPE_WEIGHTS.values()))
    for _ in range(total - plan.incident_total):
        moment = incident_time(rng, plan.start, plan.end)
        org = pick(rng, org_cum)
        kind = pick(rng, kind_cum)
        if rng.random() < 0.45:
            victim = _pick_person(people, rng)
            lsoa = places.lsoa_of(people.address[victim])
            where = people.address[victim] if rng.random() < 0.6 else places.address_in(lsoa, rng)
        else:
            victim = -1
            where = places.random_address(rng)
            lsoa = places.lsoa_of(where)
        reporter = _reporter(rng, victim, people.other_in(lsoa, rng, victim))
        _add_incident(plan, world, moment, -1, org, kind, where, victim, reporter)


def _share(plan: Plan, case: int, org: int, contribute: bool, rng: random.Random) -> None:
    opened, updated = plan.opened[case], plan.updated[case]
    shared = opened + (updated - opened) * rng.random() * 0.6
    revoked = shared + (updated - shared) * rng.random() if rng.random() < 0.05 else 0.0
    by = plan.officer[case] or plan.creator[case]
    plan.shares.setdefault(case, []).append(
        (case, org, 1 if contribute else 0, shared, revoked, by)
    )


def plan_shares(plan: Plan, world: World, rng: random.Random) -> None:
    """The police see most cases, the councils and landlords their own areas' cases, and the
    small partners (and the one whose cases are all old) a handful each."""
    specs, places = world.specs, world.places
    for case in range(plan.case_count):
        lead, where = plan.lead[case], plan.location[case]
        landlord = world.landlord_of[places.lsoa_of(where)]
        statutory = specs[lead].kind in {POLICE, COUNCIL}
        for org, chance, contribute in (
            (world.police, 0.45, 0.6),
            (world.council(where), 0.30, 0.5),
            (landlord, 0.30 if statutory else 0.05, 0.7),
        ):
            if org != lead and rng.random() < chance:
                _share(plan, case, org, rng.random() < contribute, rng)
    old_enough = plan.start + 0.25 * (plan.end - plan.start)
    old_cases = [case for case in range(plan.case_count) if plan.updated[case] < old_enough]
    for org, spec in enumerate(specs):
        if not spec.shared:
            continue
        target = max(1, round(spec.shared * plan.case_count))
        pool: Sequence[int] = old_cases if spec.old_only else range(plan.case_count)
        chosen = 0
        for case in rng.sample(pool, min(len(pool), target * 2)):
            taken = {share[1] for share in plan.shares.get(case, [])}
            if chosen == target:
                break
            if plan.lead[case] == org or org in taken:
                continue
            _share(plan, case, org, rng.random() < 0.3, rng)
            chosen += 1


def plan_transfers(plan: Plan, world: World, rng: random.Random) -> None:
    """A few cases on their way to another organisation, and some proposals declined."""
    for case in range(plan.case_count):
        draw = rng.random()
        if draw >= 0.006:
            continue
        pending = draw < 0.003 and plan.status[case] >= 0
        lead, where = plan.lead[case], plan.location[case]
        options = [
            world.police,
            world.council(where),
            world.landlord_of[world.places.lsoa_of(where)],
        ]
        options = [org for org in options if org != lead]
        if not options:
            continue
        opened, updated = plan.opened[case], plan.updated[case]
        proposed = opened + (updated - opened) * rng.uniform(0.5, 1.0)
        decided = 0.0 if pending else min(updated, proposed + rng.uniform(HOUR, 10 * DAY))
        status = "pending" if pending else rng.choice(("declined", "withdrawn"))
        by = plan.officer[case] or plan.creator[case]
        plan.transfers.append((case, lead, rng.choice(options), status, proposed, decided, by))


# Writing the tables -------------------------------------------------------------------------


@dataclass(frozen=True)
class Ids:
    """Database ids of what the service and the migrations created."""

    organisation: list[Any]  # organisation index -> uuid
    group: list[int]  # organisation index -> group id
    incident_type: list[int]  # type index (INCIDENT_TYPE_WEIGHTS order) -> id
    incident_type_name: list[str]
    permission: dict[str, int]  # codename -> auth_permission id


def load_ids(organisations: Sequence[Any]) -> Ids:
    from django.contrib.auth.models import Permission

    from asb_cases.models import IncidentType

    types = {t.code: t for t in IncidentType.objects.all()}
    missing = [code for code in INCIDENT_TYPE_WEIGHTS if code not in types]
    if missing:
        raise SystemExit(f"Incident types missing from the migration: {missing}")
    permissions = dict(
        Permission.objects.filter(
            content_type__app_label="asb_cases", content_type__model="case"
        ).values_list("codename", "id")
    )
    return Ids(
        organisation=[org.pk for org in organisations],
        group=[org.group_id for org in organisations],
        incident_type=[types[code].pk for code in INCIDENT_TYPE_WEIGHTS],
        incident_type_name=[types[code].name for code in INCIDENT_TYPE_WEIGHTS],
        permission=permissions,
    )


def person_rows(world: World, plan: Plan, ids: Ids, rng: random.Random) -> Iterator[tuple]:
    """The identities (victims.Person): who first recorded each person, and when."""
    people = world.people
    for person in range(people.count):
        org = people.first_org[person]
        if org < 0:
            org = world.police
        created = people.first_seen[person]
        if created == math.inf:
            created = plan.start + rng.random() * (plan.end - plan.start)
        recorder = rng.choice(world.staff.workers_by_org[org])
        plan.person_created.append(created)
        plan.person_recorder.append(recorder)
        yield (
            person + 1,
            new_uuid(rng),
            ids.organisation[org],
            recorder,
            created,
            created,
        )


def person_recording_org(world: World, person: int) -> int:
    """The organisation whose record of the person the services made: the one the first
    incident they are on was reported to (the police for people on no incident)."""
    org = world.people.first_org[person]
    return world.police if org < 0 else org


def person_details_rows(world: World, plan: Plan, ids: Ids, rng: random.Random) -> Iterator[tuple]:
    """What that organisation recorded about each person (victims.PersonDetails), with the
    matching keys the services keep (victims.services._keys)."""
    from victims import matching

    people, places = world.people, world.places
    for person in range(people.count):
        given = GIVEN_NAMES[people.given[person]]
        family = FAMILY_NAMES[people.family[person]]
        home = people.address[person]
        birth = people.birth[person]
        created = plan.person_created[person]
        yield (
            person + 1,
            person + 1,
            ids.organisation[person_recording_org(world, person)],
            given,
            family,
            dt.date.fromordinal(birth) if birth else None,
            places.text(home),
            places.postcode(home),
            places.uprn(home),
            f"07700 900{person % 1000:03d}" if rng.random() < 0.6 else "",
            f"{given}.{family}{person}@example.com".lower().replace("'", "")
            if rng.random() < 0.3
            else "",
            matching.soundex(family),
            matching.normalise_name(given),
            plan.person_recorder[person],
            created,
            created,
        )


PERSON_FIELDS = [
    "id",
    "uuid",
    "created_by_organisation_id",
    "created_by_id",
    "created_at",
    "updated_at",
]

PERSON_DETAILS_FIELDS = [
    "id",
    "person_id",
    "organisation_id",
    "given_name",
    "family_name",
    "date_of_birth",
    "address",
    "postcode",
    "uprn",
    "phone",
    "email",
    "family_name_key",
    "given_name_key",
    "created_by_id",
    "created_at",
    "updated_at",
]

CHANNELS = {
    POLICE: (("phone", 55), ("online", 25), ("patrol", 15), ("email", 5)),
    COUNCIL: (("online", 45), ("phone", 40), ("email", 10), ("in_person", 5)),
    HOUSING: (
        ("phone", 50),
        ("online", 25),
        ("email", 10),
        ("partner_system", 10),
        ("in_person", 5),
    ),
    "other": (("partner_referral", 60), ("email", 20), ("phone", 20)),
}
CHARACTERISTICS = ("race", "religion", "disability", "sexual_orientation", "transgender", "age")
CATEGORIES = ("personal", "nuisance", "environmental")


def incident_rows(world: World, plan: Plan, ids: Ids, rng: random.Random) -> Iterator[tuple]:
    """In order of report, so ids follow time as they would in life."""
    places, specs, workers = world.places, world.specs, world.staff.workers_by_org
    channel_choices = {
        kind: ([name for name, _ in weights], cumulative([w for _, w in weights]))
        for kind, weights in CHANNELS.items()
    }
    kind_text = [INCIDENT_TYPE_TEXT[code] for code in INCIDENT_TYPE_WEIGHTS]
    kind_category = [cumulative(weights) for weights, _ in kind_text]
    order = sorted(range(plan.incident_total), key=plan.reported.__getitem__)
    plan.incident_id = array("i", [0]) * plan.incident_total
    for rank, index in enumerate(order):
        incident_id = rank + 1
        plan.incident_id[index] = incident_id
        reported = plan.reported[index]
        org = plan.reported_to[index]
        org_kind = specs[org].kind
        names, cum = channel_choices.get(org_kind, channel_choices["other"])
        channel = names[pick(rng, cum)]
        kind = plan.incident_kind[index]
        category = CATEGORIES[pick(rng, kind_category[kind])]
        hate = category == "personal" and rng.random() < 0.025
        occurred = reported - (
            rng.uniform(0, 2 * HOUR) if rng.random() < 0.7 else rng.uniform(2 * HOUR, 72 * HOUR)
        )
        if org_kind == POLICE and rng.random() < 0.85:
            external_ref = f"{specs[org].slug[:3].upper()}-{incident_id:08d}"
        elif org_kind == HOUSING and rng.random() < 0.4:
            external_ref = f"HSG-{incident_id:08d}"
        else:
            external_ref = ""
        duplicate = (
            incident_id - 1 - rng.randrange(min(50, incident_id - 1))
            if plan.incident_case[index] < 0 and incident_id > 1 and rng.random() < 0.01
            else None
        )
        victim, reporter = plan.incident_victim[index], plan.incident_reporter[index]
        yield (
            incident_id,
            new_uuid(rng),
            ids.organisation[org],
            None if channel == "partner_system" else rng.choice(workers[org]),
            occurred,
            reported,
            channel,
            category,
            ids.incident_type[kind],
            hate,
            rng.choice(CHARACTERISTICS) if hate else "",
            rng.choice(kind_text[kind][1]),
            reporter < 0,  # _reporter's only way of giving none
            reporter + 1 if reporter >= 0 else None,
            victim + 1 if victim >= 0 else None,
            duplicate,
            external_ref,
            reported,
            reported,
            *places.location_values(plan.incident_location[index]),
        )


INCIDENT_FIELDS = [
    "id",
    "uuid",
    "reported_to_id",
    "recorded_by_id",
    "occurred_at",
    "reported_at",
    "channel",
    "category",
    "incident_type_id",
    "hate_motivated",
    "protected_characteristic",
    "description",
    "anonymous",
    "reporter_id",
    "victim_id",
    "duplicate_of_id",
    "external_ref",
    "created_at",
    "updated_at",
    *LOCATION_FIELDS,
]


def case_people(plan: Plan, case: int) -> list[tuple[int, str]]:
    """(person index, role) as the services would have added them: each incident's victim as
    victim and its reporter as victim or complainant (asb_cases.services._link_incident), then
    the alleged perpetrator and a witness."""
    seen: dict[tuple[int, str], None] = {}
    for index in plan.case_incidents(case):
        victim, reporter = plan.incident_victim[index], plan.incident_reporter[index]
        if victim >= 0:
            seen[(victim, "victim")] = None
        if reporter >= 0:
            seen[(reporter, "victim" if reporter == victim else "complainant")] = None
    if plan.perpetrator[case] >= 0:
        seen[(plan.perpetrator[case], "perpetrator")] = None
    if plan.witness[case] >= 0:
        seen[(plan.witness[case], "witness")] = None
    return list(seen)


def search_document(plan: Plan, world: World, case: int, reference: str, title: str) -> str:
    """What asb_cases.services.case_refresh_search_document writes: reference, title, then the
    case's locations and its incidents' (newest first) addresses and postcodes, with and
    without the space; lower-cased. People's names are not in it (they are searched through
    the details the searcher may read)."""
    places = world.places
    parts = [reference, title]
    addresses = []
    if plan.flags[case] & HAS_LOCATION:
        addresses.append(plan.location[case])
    incidents = sorted(
        plan.case_incidents(case),
        key=lambda index: (plan.reported[index], plan.incident_id[index]),
        reverse=True,
    )
    addresses += [plan.incident_location[index] for index in incidents]
    for address in addresses:
        postcode = places.postcode(address)
        parts += [places.text(address), postcode, postcode.replace(" ", "")]
    return " | ".join(part.lower() for part in parts if part)


def case_rows(
    world: World, plan: Plan, ids: Ids, rng: random.Random, counters: dict[int, int]
) -> Iterator[tuple]:
    places = world.places
    for case in range(plan.case_count):
        opened = plan.opened[case]
        year = dt.datetime.fromtimestamp(opened, LONDON).year
        counters[year] = counters.get(year, 0) + 1
        reference = f"ASB-{year}-{counters[year]:06d}"
        kind = plan.kind[case]
        where = plan.location[case]
        type_name = ids.incident_type_name[kind]
        title = (
            f"{type_name} at {places.street(where)}"
            if rng.random() < 0.7
            else f"{type_name}: {places.text(where)}"
        )
        count = plan.incident_count[case]
        summary = (
            f"{count} report{'s' if count > 1 else ''} of {type_name.lower()} at or near "
            f"{places.street(where)}."
        )
        closed = plan.closed[case] or None
        closure = plan.closure[case]
        lsoa = places.lsoas[places.lsoa_of(where)]
        yield (
            case + 1,
            new_uuid(rng),
            reference,
            title,
            summary,
            ids.incident_type[kind],
            ids.organisation[plan.lead[case]],
            plan.officer[case] or None,
            "closed" if plan.status[case] < 0 else CASE_FLOW[plan.status[case]],
            CLOSURE_REASONS[closure] if closure >= 0 else "",
            RISK_BANDS[plan.risk[case]],
            lsoa.local_authority_id,
            opened,
            closed,
            search_document(plan, world, case, reference, title),
            plan.changes[case],
            plan.creator[case],
            opened,
            plan.updated[case],
        )


CASE_FIELDS = [
    "id",
    "uuid",
    "reference",
    "title",
    "summary",
    "incident_type_id",
    "lead_organisation_id",
    "lead_officer_id",
    "status",
    "closure_reason",
    "risk_band",
    "local_authority_id",
    "opened_at",
    "closed_at",
    "search_document",
    "version",
    "created_by_id",
    "created_at",
    "updated_at",
]


def _worker(world: World, org: int, rng: random.Random) -> int:
    return rng.choice(world.staff.workers_by_org[org])


def location_rows(world: World, plan: Plan, rng: random.Random) -> Iterator[tuple]:
    for case in range(plan.case_count):
        if plan.flags[case] & HAS_LOCATION:
            added_by = plan.creator[case]
            values = world.places.location_values(plan.location[case])
            yield (case + 1, added_by, plan.opened[case], *values)


def case_incident_rows(plan: Plan) -> Iterator[tuple]:
    link = 0
    for case in range(plan.case_count):
        opened, by = plan.opened[case], plan.creator[case]
        for index in plan.case_incidents(case):
            link += 1
            yield (link, case + 1, plan.incident_id[index], by, max(opened, plan.reported[index]))


def case_person_rows(world: World, plan: Plan, ids: Ids) -> Iterator[tuple]:
    """Each link shows the case's agencies the record of whoever recorded the person. A victim
    on a case that is not closed gets the next contact due the services would have stored
    (asb_cases.services.contact_due): no contact is generated, so the first contact's date under
    the standard for the case's risk band, owed by its lead organisation and officer."""
    from partners.working_days import add_working_days
    from victims.selectors import contact_standards

    first_contact = {
        band: standard.first_contact_working_days for band, standard in contact_standards().items()
    }
    link = 0
    for case in range(plan.case_count):
        due: tuple = (None, None, None)
        band = RISK_BANDS[plan.risk[case]]
        if plan.status[case] >= 0 and band in first_contact:
            opened = dt.datetime.fromtimestamp(plan.opened[case], LONDON).date()
            due = (
                add_working_days(opened, first_contact[band]),
                ids.organisation[plan.lead[case]],
                plan.officer[case] or None,
            )
        for person, role in case_people(plan, case):
            link += 1
            yield (
                link,
                case + 1,
                person + 1,
                role,
                ids.organisation[person_recording_org(world, person)],
                plan.creator[case],
                plan.opened[case],
                *(due if role == "victim" else (None, None, None)),
            )


def status_change_rows(world: World, plan: Plan, ids: Ids, rng: random.Random) -> Iterator[tuple]:
    """The history that ends in the case's status: opened, then along the usual flow, then
    closed (with its reason) for closed cases."""
    row = 0
    for case in range(plan.case_count):
        changes, status = plan.changes[case], plan.status[case]
        if status < 0:
            path = ["open", *CASE_FLOW[1 : changes - 1], "closed"]
            last = plan.closed[case]
        else:
            path = list(CASE_FLOW[:changes])
            last = plan.updated[case]
        opened = plan.opened[case]
        moments = [opened, *sorted(rng.uniform(opened, last) for _ in path[1:-1])]
        if len(path) > 1:
            moments.append(last)
        org = ids.organisation[plan.lead[case]]
        by = plan.officer[case] or plan.creator[case]
        for step, (name, moment) in enumerate(zip(path, moments, strict=True)):
            row += 1
            closing = name == "closed"
            yield (
                row,
                case + 1,
                name,
                CLOSURE_REASONS[plan.closure[case]] if closing else "",
                "Case opened" if step == 0 else "",
                by,
                org,
                moment,
            )


def _contributors(plan: Plan, case: int) -> list[int]:
    shares = plan.shares.get(case, [])
    return [plan.lead[case]] + [s[1] for s in shares if s[2] == 1 and not s[4]]


def note_rows(world: World, plan: Plan, ids: Ids, rng: random.Random) -> Iterator[tuple]:
    row = 0
    note_cum = cumulative([40, 30, 15, 10, 5])
    for case in range(plan.case_count):
        opened, updated = plan.opened[case], plan.updated[case]
        contributors = _contributors(plan, case)
        for _ in range(pick(rng, note_cum)):
            row += 1
            org = rng.choice(contributors)
            yield (
                row,
                case + 1,
                _worker(world, org, rng),
                ids.organisation[org],
                rng.choice(NOTE_TEXT),
                "all_agencies" if rng.random() < 0.8 else "my_organisation",
                rng.uniform(opened, updated),
            )


def action_rows(world: World, plan: Plan, ids: Ids, rng: random.Random) -> Iterator[tuple]:
    """Tools and powers on a fifth of the cases, with the clocks the service computes."""
    from asb_cases.models import ActionType
    from asb_cases.services import action_clocks

    types = list(ActionType.objects.filter(active=True).order_by("sort_order", "pk"))
    people = world.people
    row = 0
    for case in range(plan.case_count):
        if rng.random() >= 0.2:
            continue
        lead = plan.lead[case]
        kind = world.specs[lead].kind
        allowed = [
            t
            for t in types
            if not t.allowed_organisation_kinds or kind in t.allowed_organisation_kinds
        ]
        opened, updated = plan.opened[case], plan.updated[case]
        for _ in range(1 if rng.random() < 0.75 else 2):
            row += 1
            action_type = rng.choice(allowed)
            started = dt.datetime.fromtimestamp(rng.uniform(opened, updated), dt.UTC)
            subject = plan.perpetrator[case]
            birth = people.birth[subject] if subject >= 0 else 0
            clocks = action_clocks(
                action_type,
                started,
                dt.date.fromordinal(birth) if birth else None,
            )
            if plan.status[case] < 0:
                outcome = rng.choice(("complied", "complied", "breached", "completed", "expired"))
            else:
                outcome = "pending" if rng.random() < 0.6 else "complied"
            yield (
                row,
                new_uuid(rng),
                case + 1,
                action_type.pk,
                ids.organisation[lead],
                _worker(world, lead, rng),
                subject + 1 if subject >= 0 and action_type.group == "civil" else None,
                started,
                clocks["expires_at"],
                clocks["review_on"],
                clocks["appeal_by"],
                outcome,
                Decimal(rng.choice((0, 0, 0, 25, 80, 150, 450, 1200))),
                "",
                plan.creator[case],
                started,
            )


def task_rows(world: World, plan: Plan, ids: Ids, rng: random.Random) -> Iterator[tuple]:
    row = 0
    for case in range(plan.case_count):
        if rng.random() >= 0.25:
            continue
        lead = plan.lead[case]
        opened, updated = plan.opened[case], plan.updated[case]
        for _ in range(1 if rng.random() < 0.7 else 2):
            row += 1
            created = rng.uniform(opened, updated)
            due = dt.datetime.fromtimestamp(created + rng.uniform(3, 28) * DAY, LONDON).date()
            done = plan.status[case] < 0 or rng.random() < 0.5
            yield (
                row,
                new_uuid(rng),
                case + 1,
                rng.choice(TASK_TITLES),
                due,
                _worker(world, lead, rng),
                ids.organisation[lead],
                "done" if done else "open",
                plan.creator[case],
                created,
                rng.uniform(created, updated) if done else None,
            )


def share_rows(world: World, plan: Plan, ids: Ids, rng: random.Random) -> Iterator[tuple]:
    row = 0
    for case in range(plan.case_count):
        for _, org, contribute, shared, revoked, by in plan.shares.get(case, []):
            row += 1
            yield (
                row,
                new_uuid(rng),
                case + 1,
                ids.organisation[org],
                "contribute" if contribute else "view",
                rng.choice(SHARE_PURPOSES),
                rng.choice(("cda_1998_s115", "cda_1998_s115", "isa", "consent")),
                by,
                shared,
                by if revoked else None,
                revoked or None,
                "No longer needed" if revoked else "",
            )


def _decider(world: World, status: str, target: int, by: int, rng: random.Random) -> int | None:
    if status == "declined":
        return _worker(world, target, rng)
    return by if status == "withdrawn" else None


def transfer_rows(world: World, plan: Plan, ids: Ids, rng: random.Random) -> Iterator[tuple]:
    for row, (case, source, target, status, proposed, decided, by) in enumerate(
        plan.transfers, start=1
    ):
        yield (
            row,
            new_uuid(rng),
            case + 1,
            ids.organisation[source],
            ids.organisation[target],
            "The victim is a tenant of the receiving organisation",
            by,
            proposed,
            status,
            _decider(world, status, target, by, rng),
            decided or None,
            "Not ours to lead" if status == "declined" else "",
        )


def permission_rows(plan: Plan, ids: Ids) -> Iterator[tuple]:
    """What access.grants.desired_permissions gives, but for seeing people: the lead view,
    change, contribute and share, an active share view (and contribute), a pending transfer's
    receiver view. Who may see the people on a case (view_case_people) is granted after the
    load by `grant_people`, from the shares' and transfers' rows."""
    lead_perms = ("view_case", "change_case", "contribute_case", "share_case")
    share_perms = (("view_case",), ("view_case", "contribute_case"))
    permission = ids.permission
    pending = {t[0]: t[2] for t in plan.transfers if t[3] == "pending"}
    row = 0
    for case in range(plan.case_count):
        wanted: dict[int, set[str]] = {plan.lead[case]: set(lead_perms)}
        for _, org, contribute, _, revoked, _ in plan.shares.get(case, []):
            if not revoked:
                wanted.setdefault(org, set()).update(share_perms[contribute])
        if case in pending:
            wanted.setdefault(pending[case], set()).add("view_case")
        for org in sorted(wanted):
            for codename in sorted(wanted[org]):
                row += 1
                yield (row, case + 1, ids.group[org], permission[codename])


LOCATION_ROW = ["case_id", "added_by_id", "added_at", *LOCATION_FIELDS]
TABLE_FIELDS = {
    "CaseIncident": ["id", "case_id", "incident_id", "linked_by_id", "linked_at"],
    "CasePerson": [
        "id",
        "case_id",
        "person_id",
        "role",
        "organisation_id",
        "added_by_id",
        "added_at",
        "contact_due_on",
        "contact_organisation_id",
        "contact_officer_id",
    ],
    "CaseStatusChange": [
        "id",
        "case_id",
        "status",
        "closure_reason",
        "note",
        "changed_by_id",
        "organisation_id",
        "changed_at",
    ],
    "CaseNote": [
        "id",
        "case_id",
        "author_id",
        "organisation_id",
        "body",
        "visibility",
        "created_at",
    ],
    "CaseAction": [
        "id",
        "uuid",
        "case_id",
        "action_type_id",
        "organisation_id",
        "officer_id",
        "subject_id",
        "started_at",
        "expires_at",
        "review_on",
        "appeal_by",
        "outcome",
        "cost_pounds",
        "notes",
        "created_by_id",
        "created_at",
    ],
    "CaseTask": [
        "id",
        "uuid",
        "case_id",
        "title",
        "due_on",
        "assignee_id",
        "organisation_id",
        "status",
        "created_by_id",
        "created_at",
        "completed_at",
    ],
    "CaseShare": [
        "id",
        "uuid",
        "case_id",
        "organisation_id",
        "access_level",
        "purpose",
        "legal_basis",
        "shared_by_id",
        "shared_at",
        "revoked_by_id",
        "revoked_at",
        "revoke_reason",
    ],
    "OwnershipTransfer": [
        "id",
        "uuid",
        "case_id",
        "from_organisation_id",
        "to_organisation_id",
        "reason",
        "proposed_by_id",
        "proposed_at",
        "status",
        "decided_by_id",
        "decided_at",
        "decision_reason",
    ],
    "CaseGroupObjectPermission": ["id", "content_object_id", "group_id", "permission_id"],
}


def bulk_models() -> list[Any]:
    """The tables big enough to load without their secondary indexes and constraints."""
    from asb_cases import models as m
    from victims.models import Person, PersonDetails

    return [
        Person,
        PersonDetails,
        m.Incident,
        m.Case,
        m.CaseLocation,
        m.CaseIncident,
        m.CasePerson,
        m.CaseStatusChange,
        m.CaseNote,
        m.CaseAction,
        m.CaseTask,
        m.CaseShare,
        m.OwnershipTransfer,
        m.CaseGroupObjectPermission,
    ]


def load_cases(copier: Copier, world: World, plan: Plan, ids: Ids, options: Options) -> None:
    """Everything about the cases, one table after another, each from its own seeded stream."""
    from asb_cases import models as m
    from victims.models import Person, PersonDetails

    def stream(name: str) -> random.Random:
        return random.Random(f"{options.seed}:{name}")

    def fmt(model: Any, given: Sequence[str]) -> RowFormat:
        return RowFormat(model, given, options.end)

    copier.load(fmt(Person, PERSON_FIELDS), person_rows(world, plan, ids, stream("people")))
    copier.load(
        fmt(PersonDetails, PERSON_DETAILS_FIELDS),
        person_details_rows(world, plan, ids, stream("person_details")),
    )
    copier.load(
        fmt(m.Incident, INCIDENT_FIELDS), incident_rows(world, plan, ids, stream("incidents"))
    )
    counters: dict[int, int] = {}
    copier.load(fmt(m.Case, CASE_FIELDS), case_rows(world, plan, ids, stream("cases"), counters))
    m.CaseReferenceCounter.objects.bulk_create(
        [m.CaseReferenceCounter(year=year, last_number=last) for year, last in counters.items()]
    )
    copier.load(fmt(m.CaseLocation, LOCATION_ROW), location_rows(world, plan, stream("places")))
    copier.load(fmt(m.CaseIncident, TABLE_FIELDS["CaseIncident"]), case_incident_rows(plan))
    copier.load(fmt(m.CasePerson, TABLE_FIELDS["CasePerson"]), case_person_rows(world, plan, ids))
    for model, rows in (
        (m.CaseStatusChange, status_change_rows),
        (m.CaseNote, note_rows),
        (m.CaseAction, action_rows),
        (m.CaseTask, task_rows),
        (m.CaseShare, share_rows),
        (m.OwnershipTransfer, transfer_rows),
    ):
        name = model.__name__
        copier.load(fmt(model, TABLE_FIELDS[name]), rows(world, plan, ids, stream(name)))
    copier.load(
        fmt(m.CaseGroupObjectPermission, TABLE_FIELDS["CaseGroupObjectPermission"]),
        permission_rows(plan, ids),
    )


def reset_sequences() -> None:
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection

    # Every table with a sequence, the many-to-many tables too (auth_user_groups is loaded by
    # COPY); models without a table of their own (unmanaged, proxies) have none.
    models = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ]
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def vacuum_analyze(url: str) -> None:
    """VACUUM as well as ANALYZE: the visibility map a long-lived table would have, so
    index-only scans behave as they would in service."""
    import psycopg2

    connection = psycopg2.connect(url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    connection.close()


def summarise(url: str, models: Sequence[Any], view_permission: int) -> None:
    import psycopg2

    connection = psycopg2.connect(url)
    with connection.cursor() as cursor:
        print("\nRows:")
        for model in models:
            cursor.execute(f'SELECT count(*) FROM "{model._meta.db_table}"')
            print(f"  {model._meta.db_table:<40} {cursor.fetchone()[0]:>12,}")
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        print(f"  database size: {cursor.fetchone()[0]}")
        cursor.execute(
            """
            SELECT o.name, o.kind, count(*), max(c.updated_at)::date
            FROM asb_cases_casegroupobjectpermission p
            JOIN partners_organisation o ON o.group_id = p.group_id
            JOIN asb_cases_case c ON c.id = p.content_object_id
            WHERE p.permission_id = %s
            GROUP BY o.name, o.kind ORDER BY count(*) DESC
            """,
            [view_permission],
        )
        print("\nCases each organisation can see (view_case), with its newest case change:")
        for name, kind, count, newest in cursor.fetchall():
            print(f"  {name:<55} {kind:<17} {count:>8,}  {newest}")
    connection.close()


# Consent and merges --------------------------------------------------------------------------

# Which records: a hash of the id spread over 10,000 buckets, so the same seedless choice is
# made again on a database generated earlier (--consent-only) and across shapes.
_BUCKET = "(({column} * 2654435761) %% 10000)"  # in statements with parameters


def restrict_and_merge(url: str, restricted: float, merged: float) -> tuple[int, int, int]:
    """Limit some people's consent to the lead agency, withdraw others', and merge some records
    into another the same organisation holds (as `victims.services.person_merge` would: the
    duplicate points at the survivor, a `PersonMerge` row says who did it). Production data has
    all three, and `access.rules.consent_restricted` reads them on every page that shows people.
    Returns (limited, withdrawn, merged)."""
    import psycopg2

    limited_below = int(restricted * 10_000 * 2 / 3)
    withdrawn_below = int(restricted * 10_000)
    merged_below = int(merged * 10_000)
    bucket = _BUCKET.format(column="d.id")
    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM victims_personmerge)")
        if cursor.fetchone()[0]:
            raise SystemExit("This database already has merges: restrictions were added before")
        cursor.execute(
            f"""UPDATE victims_persondetails d
                SET consent_scope = 'lead_only', consent_given_on = d.created_at::date
                WHERE {bucket} < %s""",
            [limited_below],
        )
        limited = cursor.rowcount
        cursor.execute(
            f"""UPDATE victims_persondetails d
                SET consent_given_on = d.created_at::date,
                    consent_withdrawn_on = d.created_at::date + 30
                WHERE {bucket} >= %s AND {bucket} < %s""",
            [limited_below, withdrawn_below],
        )
        withdrawn = cursor.rowcount
        # Pairs of records one organisation holds (the only merges the service allows): each
        # chosen record is merged into the next record its organisation created.
        cursor.execute(
            f"""CREATE TEMPORARY TABLE merge_pairs AS
                SELECT duplicate, survivor, organisation_id, created_by_id, merged_at
                FROM (
                    SELECT d.person_id AS duplicate, d.organisation_id, d.created_by_id,
                           lead(d.person_id) OVER per_org AS survivor,
                           greatest(d.created_at, lead(d.created_at) OVER per_org)
                               + interval '1 day' AS merged_at,
                           {_BUCKET.format(column="d.person_id")} AS bucket,
                           row_number() OVER per_org AS position
                    FROM victims_persondetails d
                    WHERE d.created_by_id IS NOT NULL
                    WINDOW per_org AS (PARTITION BY d.organisation_id ORDER BY d.person_id)
                ) candidates
                WHERE survivor IS NOT NULL AND bucket < %s AND position %% 2 = 1""",
            [merged_below * 2],
        )
        cursor.execute(
            """UPDATE victims_person p SET merged_into_id = m.survivor
               FROM merge_pairs m WHERE p.id = m.duplicate"""
        )
        merges = cursor.rowcount
        cursor.execute(
            """INSERT INTO victims_personmerge
                   (survivor_id, duplicate_id, reason, merged_by_id, organisation_id, merged_at,
                    repointed)
               SELECT survivor, duplicate, 'Same person: benchmark data', created_by_id,
                      organisation_id, merged_at, '[]'::jsonb
               FROM merge_pairs"""
        )
    return limited, withdrawn, merges


# Who may see people -------------------------------------------------------------------------


def grant_people(url: str, shares_without_people: float) -> tuple[int, int]:
    """Grant view_case_people as `access.grants.desired_permissions` does: to the lead, to an
    organisation an active share including people was made with, and to the receiver of a
    pending transfer (which sees the case, and who is on it, while it decides). Some shares
    leave the people out (`CaseShare.include_people`), chosen by a hash of the share's id.
    Without these grants no organisation sees another's records of a person on a shared case,
    nor the people on the cases it leads through the rule's shared branch: every page and
    search showing people was measured without the rule's most common answer.
    Returns (shares without people, permission rows granted)."""
    import psycopg2

    bucket = _BUCKET.format(column="s.id")
    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute(
            """SELECT EXISTS (
                   SELECT 1 FROM asb_cases_casegroupobjectpermission p
                   JOIN auth_permission a ON a.id = p.permission_id
                   WHERE a.codename = 'view_case_people')"""
        )
        if cursor.fetchone()[0]:
            raise SystemExit("This database already has people grants")
        cursor.execute(
            f"UPDATE asb_cases_caseshare s SET include_people = ({bucket} >= %s)",
            [int(shares_without_people * 10_000)],
        )
        cursor.execute("SELECT count(*) FROM asb_cases_caseshare WHERE NOT include_people")
        without = cursor.fetchone()[0]
        cursor.execute(
            """INSERT INTO asb_cases_casegroupobjectpermission
                   (content_object_id, group_id, permission_id, case_updated_at)
               SELECT wanted.case_id, wanted.group_id, a.id, c.updated_at
               FROM (
                   SELECT c.id AS case_id, o.group_id
                   FROM asb_cases_case c
                   JOIN partners_organisation o ON o.id = c.lead_organisation_id
                   UNION
                   SELECT s.case_id, o.group_id
                   FROM asb_cases_caseshare s
                   JOIN partners_organisation o ON o.id = s.organisation_id
                   WHERE s.revoked_at IS NULL AND s.include_people
                   UNION
                   SELECT t.case_id, o.group_id
                   FROM asb_cases_ownershiptransfer t
                   JOIN partners_organisation o ON o.id = t.to_organisation_id
                   WHERE t.status = 'pending'
               ) wanted
               JOIN asb_cases_case c ON c.id = wanted.case_id
               JOIN auth_permission a ON a.codename = 'view_case_people'
               JOIN django_content_type t
                   ON t.id = a.content_type_id AND t.app_label = 'asb_cases' AND t.model = 'case'
               ORDER BY wanted.case_id, wanted.group_id"""
        )
        granted = cursor.rowcount
    return without, granted


def add_people_grants(url: str, options: Options, timings: Timings) -> None:
    started = time.perf_counter()
    without, granted = grant_people(url, options.shares_without_people)
    timings.step(
        f"view_case_people granted on {granted:,} cases and organisations; "
        f"{without:,} shares without people",
        started,
    )


def add_consent_and_merges(url: str, options: Options, timings: Timings) -> None:
    started = time.perf_counter()
    limited, withdrawn, merges = restrict_and_merge(url, options.restricted, options.merged)
    timings.step(
        f"consent limited to the lead agency on {limited:,} records, withdrawn on "
        f"{withdrawn:,}; {merges:,} records merged",
        started,
    )


def main(argv: Sequence[str] | None = None) -> None:
    options = parse_options(argv)
    timings = Timings()
    began = time.perf_counter()
    url = options.database_url
    if options.consent_only:
        add_consent_and_merges(url, options, timings)
        vacuum_analyze(url)
        return
    if options.people_grants_only:
        add_people_grants(url, options, timings)
        vacuum_analyze(url)
        return
    print(
        f"Generating {database_name(url)}: {options.incidents:,} incidents, {options.cases:,} "
        f"cases, {options.organisations} organisations, {options.users:,} users, "
        f"{options.people:,} people; seed {options.seed}, ending "
        f"{dt.datetime.fromtimestamp(options.end, dt.UTC):%Y-%m-%d %H:%M} UTC",
        flush=True,
    )
    started = time.perf_counter()
    recreate_database(url)
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    timings.step("create and migrate the database", started)

    started = time.perf_counter()
    specs = organisation_specs(options.organisations)
    start = options.end - options.years * 365 * DAY
    organisations = create_organisations(specs, options.seed, start)
    ids = load_ids(organisations)
    places = Places(load_lsoas(), random.Random(f"{options.seed}:places"))
    timings.step(f"{len(organisations)} organisations through organisation_create", started)

    models = bulk_models()
    started = time.perf_counter()
    deferred = drop_for_load(url, [model._meta.db_table for model in models])
    timings.step(f"drop {len(deferred)} secondary indexes and constraints for the load", started)

    copier = Copier(url, options.chunk_rows, timings)
    print("Loading:", flush=True)
    staff = load_users(
        copier,
        specs,
        organisations,
        options.users,
        random.Random(f"{options.seed}:users"),
        options.end,
    )
    started = time.perf_counter()
    rng = random.Random(options.seed)
    people = plan_people(options.people, places, rng, options.end)
    world = make_world(specs, staff, places, people, rng)
    plan = plan_cases(world, options, rng)
    plan_other_incidents(plan, world, options.incidents, rng)
    plan_shares(plan, world, rng)
    plan_transfers(plan, world, rng)
    timings.step("plan people, incidents, cases, shares and transfers", started)
    load_cases(copier, world, plan, ids, options)
    copier.close()

    print("Re-creating indexes and constraints (validating every foreign key):", flush=True)
    started = time.perf_counter()
    restore_after_load(url, deferred, timings)
    reset_sequences()
    timings.step("indexes, constraints and sequences", started)
    add_people_grants(url, options, timings)
    add_consent_and_merges(url, options, timings)
    started = time.perf_counter()
    vacuum_analyze(url)
    timings.step("VACUUM (ANALYZE)", started)
    summarise(url, models, ids.permission["view_case"])
    print(f"\nDone in {time.perf_counter() - began:.0f} s.")


if __name__ == "__main__":
    main()
