import django.contrib.postgres.operations
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("victims", "0009_details_restricted_index"),
    ]

    # levenshtein_less_equal for the person lookup's first-name condition
    # (victims.selectors._first_name_could_agree); a no-op on SQLite.
    operations = [
        django.contrib.postgres.operations.CreateExtension("fuzzystrmatch"),
    ]
