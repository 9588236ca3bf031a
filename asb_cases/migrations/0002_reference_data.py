"""Reference data: incident types, tools and powers with their statutory limits, and the ONS
geography of County Durham and Darlington. Also, on PostgreSQL, the trigram index that serves
the case search.

The limits follow the Anti-social Behaviour, Crime and Policing Act 2014 as summarised in the
partnership's domain notes; they are data so that a change in the law (the Crime and Policing
Bill's Respect Orders, 72-hour dispersal, £500 penalties) is an edit, not a release.
"""

import csv
from pathlib import Path

from django.db import migrations

GEODATA = Path(__file__).resolve().parent.parent / "geodata"

INCIDENT_TYPES = [
    ("noise", "Noise"),
    ("rowdy-neighbours", "Rowdy or nuisance neighbours"),
    ("verbal-abuse", "Verbal abuse or intimidation"),
    ("vandalism", "Vandalism and criminal damage"),
    ("fly-tipping", "Fly-tipping"),
    ("graffiti", "Graffiti"),
    ("dog-fouling", "Dog fouling"),
    ("drugs", "Drugs"),
    ("street-drinking", "Street drinking"),
    ("vehicle-nuisance", "Vehicle nuisance and off-road bikes"),
    ("speeding", "Speeding"),
    ("begging", "Begging"),
    ("fireworks", "Fireworks"),
    ("neighbour-dispute", "Neighbour dispute"),
    ("student-related", "Student-related"),
    ("other", "Other"),
]

POLICE = "police"
COUNCIL = "local_authority"
HOUSING = "housing_provider"

# code, name, group, limits, notes
ACTION_TYPES = [
    ("warning-letter", "Warning letter", "informal", {"review_after_days": 28}, ""),
    (
        "acceptable-behaviour-agreement",
        "Acceptable behaviour agreement",
        "informal",
        {"duration_days": 183, "review_after_days": 91},
        "Voluntary; usually six months, reviewed part way.",
    ),
    ("mediation", "Mediation", "informal", {"review_after_days": 28}, ""),
    ("restorative-justice", "Restorative justice", "informal", {"review_after_days": 28}, ""),
    ("community-resolution", "Community resolution", "informal", {"review_after_days": 28}, ""),
    ("community-remedy", "Community Remedy", "informal", {"review_after_days": 28}, ""),
    (
        "community-protection-warning",
        "Community protection warning",
        "civil",
        {"review_after_days": 14, "minimum_age": 16,
         "allowed_organisation_kinds": [POLICE, COUNCIL, HOUSING]},
        "Must come before a notice. For people aged 16 or over. The review date is when "
        "compliance should be checked.",
    ),
    (
        "community-protection-notice",
        "Community protection notice",
        "civil",
        {"appeal_within_days": 21, "minimum_age": 16, "max_penalty_pounds": "100.00",
         "allowed_organisation_kinds": [POLICE, COUNCIL, HOUSING]},
        "Appeal to a magistrates' court within 21 days; fixed penalty up to £100.",
    ),
    (
        "civil-injunction",
        "Civil injunction",
        "civil",
        {"minimum_age": 10, "duration_days_under_18": 365},
        "For people aged 10 or over; at most 12 months for under-18s.",
    ),
    (
        "criminal-behaviour-order",
        "Criminal behaviour order",
        "civil",
        {"duration_days_under_18": 1095, "review_after_days": 365, "minimum_age": 10},
        "Made by a court on conviction. Under-18s: 1 to 3 years, reviewed every year.",
    ),
    (
        "closure-notice",
        "Closure notice",
        "civil",
        {"duration_hours": 24, "allowed_organisation_kinds": [POLICE, COUNCIL]},
        "Lasts 24 hours, extendable to 48; the court must hear the closure order application "
        "within 48 hours.",
    ),
    (
        "closure-order",
        "Closure order",
        "civil",
        {"duration_days": 91, "max_duration_days": 183,
         "allowed_organisation_kinds": [POLICE, COUNCIL]},
        "Up to 3 months, extendable to 6 in all.",
    ),
    (
        "dispersal-direction",
        "Dispersal direction",
        "civil",
        {"duration_hours": 48, "minimum_age": 10, "allowed_organisation_kinds": [POLICE]},
        "Authorised by an inspector; up to 48 hours; people aged 10 or over.",
    ),
    (
        "pspo-enforcement",
        "Public spaces protection order enforcement",
        "civil",
        {"appeal_within_days": 42, "max_penalty_pounds": "100.00",
         "allowed_organisation_kinds": [POLICE, COUNCIL]},
        "A PSPO lasts up to 3 years and can be challenged within 6 weeks; fixed penalty up "
        "to £100.",
    ),
    (
        "absolute-ground-possession",
        "Absolute ground for possession",
        "civil",
        {"duration_days": 91, "appeal_within_days": 7,
         "allowed_organisation_kinds": [HOUSING, COUNCIL]},
        "Notice must be served within 3 months of the qualifying conviction or closure order "
        "(the expiry date); the tenant may ask for a review within 7 days.",
    ),
    ("referral-to-support", "Referral to support", "support", {"review_after_days": 28}, ""),
    ("other", "Other", "other", {}, ""),
]

TRIGRAM_SQL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS asb_case_search_trgm ON asb_cases_case "
    "USING gin (search_document gin_trgm_ops)",
]


def _rows(name):
    with (GEODATA / name).open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def add_reference_data(apps, schema_editor):
    IncidentType = apps.get_model("asb_cases", "IncidentType")
    ActionType = apps.get_model("asb_cases", "ActionType")
    for order, (code, name) in enumerate(INCIDENT_TYPES):
        IncidentType.objects.update_or_create(
            code=code, defaults={"name": name, "sort_order": order}
        )
    for order, (code, name, group, limits, notes) in enumerate(ACTION_TYPES):
        ActionType.objects.update_or_create(
            code=code,
            defaults={"name": name, "group": group, "notes": notes, "sort_order": order, **limits},
        )


def add_geography(apps, schema_editor):
    LocalAuthority = apps.get_model("partners", "LocalAuthority")
    Ward = apps.get_model("asb_cases", "Ward")
    Lsoa = apps.get_model("asb_cases", "Lsoa")
    authorities = {la.code: la for la in LocalAuthority.objects.all()}

    wards = {}

    def ward(code, year, name, la_code):
        key = (code, year)
        if key not in wards:
            wards[key], _ = Ward.objects.get_or_create(
                code=code, year=year,
                defaults={"name": name, "local_authority": authorities[la_code]},
            )
        return wards[key]

    for row in _rows("ons_LSOA11_WD19_LAD19_subset_county_durham_darlington.csv"):
        ward(row["WD19CD"], 2019, row["WD19NM"], row["LAD19CD"])
    for row in _rows("ward_all_codes_subset_county_durham_darlington.csv"):
        if row["SOURCEFILE"] in {"2016", "2025"} and row["LADCD"] in authorities:
            ward(row["WDCD"], int(row["SOURCEFILE"]), row["WDNM"], row["LADCD"])
    for vintage, name in (
        (2011, "derived_LSOA11_to_WD25_LAD25_county_durham_darlington.csv"),
        (2021, "derived_LSOA21_to_WD25_LAD25_county_durham_darlington.csv"),
    ):
        code_field = f"LSOA{str(vintage)[2:]}CD"
        for row in _rows(name):
            Lsoa.objects.update_or_create(
                code=row[code_field],
                vintage=vintage,
                defaults={
                    "name": row[f"LSOA{str(vintage)[2:]}NM"],
                    "local_authority": authorities[row["LAD25CD"]],
                    "ward": ward(row["WD25CD"], 2025, row["WD25NM"], row["LAD25CD"]),
                },
            )


def add_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in TRIGRAM_SQL:
            schema_editor.execute(statement)


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS asb_case_search_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("asb_cases", "0001_initial"),
        ("partners", "0002_local_authorities_and_audit_guard"),
    ]

    operations = [
        migrations.RunPython(add_reference_data, migrations.RunPython.noop),
        migrations.RunPython(add_geography, migrations.RunPython.noop),
        migrations.RunPython(add_search_index, drop_search_index),
    ]
