from django.db import migrations
from django.utils import timezone


def load(apps, schema_editor):
    from documents.letter_defaults import DEFAULTS

    LetterTemplate = apps.get_model("documents", "LetterTemplate")
    now = timezone.now()
    for kind, (subject, body) in DEFAULTS.items():
        LetterTemplate.objects.get_or_create(
            organisation=None,
            kind=kind,
            version=1,
            defaults={"subject": subject, "body": body, "created_at": now},
        )


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
