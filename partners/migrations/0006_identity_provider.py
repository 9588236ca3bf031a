import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("partners", "0005_membership_partnership_admin")]

    operations = [
        migrations.CreateModel(
            name="IdentityProvider",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("issuer", models.URLField(max_length=300)),
                ("client_id", models.CharField(max_length=200)),
                ("client_secret", models.CharField(max_length=500)),
                ("allowed_domains", models.JSONField(default=list)),
                ("groups_claim", models.CharField(default="groups", max_length=60)),
                ("scopes", models.CharField(default="openid email profile", max_length=200)),
                ("role_mappings", models.JSONField(blank=True, default=list)),
                ("create_members", models.BooleanField(default=False)),
                ("require_sso", models.BooleanField(default=False)),
                ("enabled", models.BooleanField(default=True)),
                ("authorization_endpoint", models.URLField(blank=True, max_length=500)),
                ("token_endpoint", models.URLField(blank=True, max_length=500)),
                ("userinfo_endpoint", models.URLField(blank=True, max_length=500)),
                ("jwks_uri", models.URLField(blank=True, max_length=500)),
                ("end_session_endpoint", models.URLField(blank=True, max_length=500)),
                ("signing_algorithms", models.JSONField(blank=True, default=list)),
                ("discovered_at", models.DateTimeField(blank=True, null=True)),
                ("last_error", models.CharField(blank=True, max_length=500)),
                ("last_error_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "organisation",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="identity_provider",
                        to="partners.organisation",
                    ),
                ),
            ],
            options={"ordering": ["organisation__name"]},
        ),
        migrations.CreateModel(
            name="ExternalIdentity",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("subject", models.CharField(max_length=255)),
                ("linked_at", models.DateTimeField(auto_now_add=True)),
                ("last_signed_in_at", models.DateTimeField(blank=True, null=True)),
                (
                    "provider",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="identities",
                        to="partners.identityprovider",
                    ),
                ),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="external_identity",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "external identities",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("provider", "subject"), name="partners_external_identity_once"
                    )
                ],
            },
        ),
    ]
