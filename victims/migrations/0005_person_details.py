"""What an organisation recorded about a person moves from the shared Person row into
PersonDetails, one row per (person, organisation): the person's own row keeps only the identity
that every organisation's records point at. Existing details become the record of the
organisation that created the person. The support records about a victim on a case (risk
assessments, contacts, referrals, impact statements) move to asb_cases, keeping their tables
(asb_cases 0005 takes them over; nothing is dropped here)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

DETAIL_FIELDS = [
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
    "preferred_contact_method",
    "preferred_contact_times",
    "safe_to_leave_messages",
    "interpreter_needed",
    "language",
    "large_print",
    "other_access_needs",
    "consent_given_on",
    "consent_scope",
    "consent_withdrawn_on",
]


def copy_details(apps, schema_editor):
    Person = apps.get_model("victims", "Person")
    PersonDetails = apps.get_model("victims", "PersonDetails")
    Factors = PersonDetails.vulnerability_factors.through
    OldFactors = Person.vulnerability_factors.through
    batch = []
    for person in Person.objects.order_by("pk").iterator(chunk_size=2000):
        batch.append(
            PersonDetails(
                person_id=person.pk,
                organisation_id=person.created_by_organisation_id,
                created_by_id=person.created_by_id,
                **{name: getattr(person, name) for name in DETAIL_FIELDS},
            )
        )
        if len(batch) >= 2000:
            PersonDetails.objects.bulk_create(batch)
            batch = []
    PersonDetails.objects.bulk_create(batch)
    details = dict(PersonDetails.objects.values_list("person_id", "pk"))
    Factors.objects.bulk_create(
        [
            Factors(persondetails_id=details[person_id], vulnerabilityfactor_id=factor_id)
            for person_id, factor_id in OldFactors.objects.values_list(
                "person_id", "vulnerabilityfactor_id"
            )
        ]
    )


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0004_apiclient"),
        ("victims", "0004_person_merged_partial_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PersonDetails",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("given_name", models.CharField(max_length=100)),
                ("family_name", models.CharField(max_length=100)),
                ("date_of_birth", models.DateField(blank=True, null=True)),
                ("address", models.CharField(blank=True, max_length=300)),
                ("postcode", models.CharField(blank=True, max_length=10)),
                ("uprn", models.CharField(blank=True, max_length=12, verbose_name="UPRN")),
                ("phone", models.CharField(blank=True, max_length=40)),
                ("email", models.EmailField(blank=True, max_length=254)),
                ("family_name_key", models.CharField(blank=True, max_length=8)),
                ("given_name_key", models.CharField(blank=True, max_length=100)),
                (
                    "preferred_contact_method",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("phone", "Phone call"),
                            ("text", "Text message"),
                            ("email", "E-mail"),
                            ("letter", "Letter"),
                            ("visit", "Home visit"),
                        ],
                        max_length=10,
                    ),
                ),
                ("preferred_contact_times", models.CharField(blank=True, max_length=200)),
                ("safe_to_leave_messages", models.BooleanField(default=True)),
                ("interpreter_needed", models.BooleanField(default=False)),
                ("language", models.CharField(blank=True, max_length=60)),
                ("large_print", models.BooleanField(default=False)),
                ("other_access_needs", models.TextField(blank=True)),
                ("consent_given_on", models.DateField(blank=True, null=True)),
                (
                    "consent_scope",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("partnership", "All partner agencies, to help with the problem"),
                            ("lead_only", "Only the agency leading their case"),
                        ],
                        max_length=20,
                    ),
                ),
                ("consent_withdrawn_on", models.DateField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
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
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="details",
                        to="victims.person",
                    ),
                ),
                (
                    "vulnerability_factors",
                    models.ManyToManyField(
                        blank=True, related_name="+", to="victims.vulnerabilityfactor"
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "person details",
                "ordering": ["family_name", "given_name", "id"],
                "indexes": [
                    models.Index(fields=["date_of_birth"], name="victims_details_dob"),
                    models.Index(fields=["postcode"], name="victims_details_postcode"),
                    models.Index(
                        fields=["family_name_key", "given_name_key"], name="victims_details_key"
                    ),
                    models.Index(
                        condition=models.Q(("uprn", ""), _negated=True),
                        fields=["uprn"],
                        name="victims_details_uprn",
                    ),
                    models.Index(fields=["organisation", "person"], name="victims_details_org"),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("person", "organisation"), name="victims_details_once_per_org"
                    )
                ],
            },
        ),
        migrations.RunPython(copy_details, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="person", name="victims_person_name"),
        migrations.RemoveIndex(model_name="person", name="victims_person_dob"),
        migrations.RemoveIndex(model_name="person", name="victims_person_key"),
        migrations.RemoveIndex(model_name="person", name="victims_person_uprn"),
        *[
            migrations.RemoveField(model_name="person", name=name)
            for name in [*DETAIL_FIELDS, "vulnerability_factors"]
        ],
        migrations.AlterModelOptions(
            name="person",
            options={
                "ordering": ["id"],
                "permissions": [("merge_person", "Can merge two records of the same person")],
            },
        ),
        # The support records move to asb_cases (asb_cases 0005), tables and all.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ImpactStatement"),
                migrations.DeleteModel(name="SupportReferral"),
                migrations.DeleteModel(name="ContactLog"),
                migrations.DeleteModel(name="RiskAssessment"),
            ],
            database_operations=[],
        ),
    ]
