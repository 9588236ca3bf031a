"""Cases: an index on (status, id), so that a search narrowing the cases its names found to
the statuses asked for reads the cases of those statuses from the index alone (ADR 0023)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("asb_cases", "0016_incident_duplicate_of_partial_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["status", "id"], name="asb_case_status_id"),
        ),
    ]
