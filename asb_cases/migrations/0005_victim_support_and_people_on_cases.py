"""The records about a victim on a case (risk assessments, contacts, referrals, impact
statements) join the cases they belong to, keeping their tables (victims_*), so the victims app
holds no foreign key to asb_cases. Their content types move with them, so the permissions held
by roles and the audit history still name them.

A case's link to a person now names whose record of the person it shows (`organisation`): for
existing links, the organisation that created the person, whose details they are. A share may
leave the people's details out (`include_people`); existing shares included them.
"""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED = ["riskassessment", "contactlog", "supportreferral", "impactstatement"]


def move_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if ContentType.objects.filter(app_label="asb_cases", model=model).exists():
            continue
        ContentType.objects.filter(app_label="victims", model=model).update(
            app_label="asb_cases"
        )


def move_content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="asb_cases", model__in=MOVED).update(
        app_label="victims"
    )


def fill_link_organisations(apps, schema_editor):
    CasePerson = apps.get_model("asb_cases", "CasePerson")
    Person = apps.get_model("victims", "Person")
    creators = dict(Person.objects.values_list("pk", "created_by_organisation_id"))
    links = list(CasePerson.objects.filter(organisation__isnull=True))
    for link in links:
        link.organisation_id = creators[link.person_id]
    CasePerson.objects.bulk_update(links, ["organisation"], batch_size=2000)


def grant_view_case_people(apps, schema_editor):
    """Who saw a case's people before this migration still does: its lead, its active shares
    and an organisation deciding a transfer to it (access.grants keeps this from now on)."""
    Case = apps.get_model("asb_cases", "Case")
    if not Case.objects.exists():
        return
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Organisation = apps.get_model("partners", "Organisation")
    CaseShare = apps.get_model("asb_cases", "CaseShare")
    OwnershipTransfer = apps.get_model("asb_cases", "OwnershipTransfer")
    Grant = apps.get_model("asb_cases", "CaseGroupObjectPermission")
    content_type, _ = ContentType.objects.get_or_create(app_label="asb_cases", model="case")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename="view_case_people",
        defaults={"name": "Can see the details of the people on a case"},
    )
    groups = dict(Organisation.objects.values_list("pk", "group_id"))
    wanted = set(Case.objects.values_list("pk", "lead_organisation_id"))
    wanted |= set(
        CaseShare.objects.filter(revoked_at__isnull=True).values_list("case_id", "organisation_id")
    )
    wanted |= set(
        OwnershipTransfer.objects.filter(status="pending").values_list(
            "case_id", "to_organisation_id"
        )
    )
    Grant.objects.bulk_create(
        [
            Grant(content_object_id=case_id, group_id=groups[org_id], permission=permission)
            for case_id, org_id in sorted(wanted)
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )


STATEMENT_READING = [
    ("by_victim", "I will read it myself at the Case Review meeting"),
    ("for_victim", "I would like someone to read it for me"),
    ("not_read", "I do not want it read out, only shared with the panel"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("asb_cases", "0004_incident_list_order"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("partners", "0004_apiclient"),
        ("victims", "0005_person_details"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(move_content_types, move_content_types_back),
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="RiskAssessment",
                    fields=[
                        ("id", models.BigAutoField(primary_key=True, serialize=False)),
                        (
                            "uuid",
                            models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
                        ),
                        ("answers", models.JSONField(help_text='{"<question id>": true|false}')),
                        ("score", models.PositiveSmallIntegerField()),
                        (
                            "band",
                            models.CharField(
                                choices=[
                                    ("standard", "Standard"),
                                    ("medium", "Medium"),
                                    ("high", "High"),
                                ],
                                max_length=10,
                            ),
                        ),
                        ("referral_prompted", models.BooleanField(default=False)),
                        ("notes", models.TextField(blank=True)),
                        ("assessed_at", models.DateTimeField()),
                        ("review_dates", models.JSONField(blank=True, default=list)),
                        ("next_review_on", models.DateField(blank=True, null=True)),
                        (
                            "assessed_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "case",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="risk_assessments",
                                to="asb_cases.case",
                            ),
                        ),
                        (
                            "organisation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="partners.organisation",
                            ),
                        ),
                        (
                            "person",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="risk_assessments",
                                to="victims.person",
                            ),
                        ),
                        (
                            "supersedes",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="asb_cases.riskassessment",
                            ),
                        ),
                        (
                            "questionnaire",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                to="victims.riskquestionnaire",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "victims_riskassessment",
                        "ordering": ["-assessed_at", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["person", "-assessed_at"], name="victims_risk_person"
                            ),
                            models.Index(fields=["next_review_on"], name="victims_risk_review"),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ContactLog",
                    fields=[
                        ("id", models.BigAutoField(primary_key=True, serialize=False)),
                        ("contacted_at", models.DateTimeField()),
                        (
                            "method",
                            models.CharField(
                                choices=[
                                    ("phone", "Phone call"),
                                    ("visit", "Visit"),
                                    ("email", "E-mail"),
                                    ("letter", "Letter"),
                                    ("text", "Text message"),
                                    ("video", "Video call"),
                                ],
                                max_length=10,
                            ),
                        ),
                        (
                            "made_contact",
                            models.BooleanField(
                                default=True,
                                help_text="False for an attempt that did not reach them",
                            ),
                        ),
                        ("summary", models.TextField()),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "case",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="contacts",
                                to="asb_cases.case",
                            ),
                        ),
                        (
                            "organisation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="partners.organisation",
                            ),
                        ),
                        (
                            "person",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="contacts",
                                to="victims.person",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "victims_contactlog",
                        "ordering": ["-contacted_at", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["case", "person", "-contacted_at"],
                                name="victims_contact_last",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="SupportReferral",
                    fields=[
                        ("id", models.BigAutoField(primary_key=True, serialize=False)),
                        (
                            "uuid",
                            models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
                        ),
                        (
                            "service",
                            models.CharField(
                                choices=[
                                    ("victim_support", "Victim support service"),
                                    ("mediation", "Mediation"),
                                    ("restorative_justice", "Restorative justice"),
                                    ("health", "Health (GP or community health)"),
                                    ("mental_health", "Mental health support"),
                                    ("adult_social_care", "Adult social care"),
                                    ("housing_support", "Housing support"),
                                    ("other", "Other"),
                                ],
                                max_length=30,
                            ),
                        ),
                        ("provider", models.CharField(blank=True, max_length=200)),
                        ("reason", models.TextField()),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("made", "Referral made"),
                                    ("accepted", "Accepted"),
                                    ("declined", "Declined by the service"),
                                    ("refused", "Victim did not want it"),
                                    ("completed", "Support completed"),
                                ],
                                default="made",
                                max_length=20,
                            ),
                        ),
                        ("outcome", models.TextField(blank=True)),
                        ("referred_at", models.DateTimeField()),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "case",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="referrals",
                                to="asb_cases.case",
                            ),
                        ),
                        (
                            "organisation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="partners.organisation",
                            ),
                        ),
                        (
                            "person",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="referrals",
                                to="victims.person",
                            ),
                        ),
                        (
                            "referred_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "victims_supportreferral",
                        "ordering": ["-referred_at", "-id"],
                    },
                ),
                migrations.CreateModel(
                    name="ImpactStatement",
                    fields=[
                        ("id", models.BigAutoField(primary_key=True, serialize=False)),
                        (
                            "uuid",
                            models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
                        ),
                        ("statement_id", models.UUIDField(db_index=True, default=uuid.uuid4)),
                        ("version", models.PositiveSmallIntegerField(default=1)),
                        ("text", models.TextField()),
                        ("reading", models.CharField(choices=STATEMENT_READING, max_length=20)),
                        (
                            "source",
                            models.CharField(
                                choices=[
                                    ("officer", "Recorded by an officer"),
                                    ("victim", "Written by the victim"),
                                ],
                                max_length=10,
                            ),
                        ),
                        ("correction_note", models.CharField(blank=True, max_length=300)),
                        ("created_at", models.DateTimeField()),
                        (
                            "case",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="impact_statements",
                                to="asb_cases.case",
                            ),
                        ),
                        (
                            "organisation",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="partners.organisation",
                            ),
                        ),
                        (
                            "person",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="statements",
                                to="victims.person",
                            ),
                        ),
                        (
                            "recorded_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "victims_impactstatement",
                        "ordering": ["statement_id", "-version"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("statement_id", "version"),
                                name="victims_statement_version",
                            )
                        ],
                    },
                ),
            ],
        ),
        migrations.AddField(
            model_name="caseperson",
            name="organisation",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="partners.organisation",
            ),
        ),
        migrations.RunPython(fill_link_organisations, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="caseperson",
            name="organisation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="partners.organisation",
            ),
        ),
        migrations.AddField(
            model_name="caseshare",
            name="include_people",
            field=models.BooleanField(default=True),
        ),
        migrations.AlterModelOptions(
            name="case",
            options={
                "ordering": ["-updated_at", "-id"],
                "permissions": [
                    ("contribute_case", "Can add notes, actions, tasks and people to a case"),
                    ("share_case", "Can share a case with partners and propose its transfer"),
                    ("view_case_people", "Can see the details of the people on a case"),
                ],
            },
        ),
        migrations.RunPython(grant_view_case_people, migrations.RunPython.noop),
    ]
