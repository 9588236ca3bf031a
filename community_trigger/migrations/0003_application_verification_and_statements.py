"""Applications name the organisation that recorded them and when staff verified the applicant;
statements made with an application stay on it (ApplicationStatement). Statements the public
made before this migration (impact statements with no case and no organisation) move onto the
application they were made with."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def fill(apps, schema_editor):
    Application = apps.get_model("community_trigger", "Application")
    ApplicationStatement = apps.get_model("community_trigger", "ApplicationStatement")
    ImpactStatement = apps.get_model("asb_cases", "ImpactStatement")
    Membership = apps.get_model("partners", "Membership")
    organisations = dict(Membership.objects.values_list("user_id", "organisation_id"))
    for application in Application.objects.all():
        if application.recorded_by_id:
            application.recorded_by_organisation_id = organisations.get(application.recorded_by_id)
        # Applications already being handled were, in effect, accepted by staff.
        if application.source == "staff" or application.stage != "received":
            application.verified_at = application.received_at
        application.save(update_fields=["recorded_by_organisation", "verified_at"])
    public = ImpactStatement.objects.filter(case__isnull=True, organisation__isnull=True)
    moved = []
    for statement in public.order_by("created_at"):
        application = (
            Application.objects.filter(
                victim_id=statement.person_id, received_at__lte=statement.created_at
            )
            .order_by("-received_at")
            .first()
        )
        if application is None:
            continue
        ApplicationStatement.objects.create(
            application=application,
            text=statement.text,
            reading=statement.reading,
            source=statement.source,
            created_at=statement.created_at,
        )
        moved.append(statement.pk)
    ImpactStatement.objects.filter(pk__in=moved).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("asb_cases", "0005_victim_support_and_people_on_cases"),
        ("community_trigger", "0002_policies"),
        ("partners", "0004_apiclient"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="recorded_by_organisation",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="partners.organisation",
            ),
        ),
        migrations.AddField(
            model_name="application",
            name="verified_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="application",
            name="verified_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.CreateModel(
            name="ApplicationStatement",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("text", models.TextField()),
                (
                    "reading",
                    models.CharField(
                        choices=[
                            ("by_victim", "I will read it myself at the Case Review meeting"),
                            ("for_victim", "I would like someone to read it for me"),
                            ("not_read", "I do not want it read out, only shared with the panel"),
                        ],
                        max_length=20,
                    ),
                ),
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
                ("created_at", models.DateTimeField()),
                (
                    "application",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="statements",
                        to="community_trigger.application",
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
                    "recorded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"ordering": ["created_at", "id"]},
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
