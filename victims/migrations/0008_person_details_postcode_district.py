"""Person details: the postcode district, stored (a generated column), and the indexes that
serve "same phonetic surname code, or a surname similar by trigrams, in this postcode
district" for matching (ADR 0023). btree_gin lets the district lead the trigram GIN index; the
extension and the GIN index are no-ops on SQLite, where the generated column is kept too."""

import django.contrib.postgres.operations
import django.db.models.expressions
import django.db.models.functions.text
from django.db import migrations, models

import partners.db_search


class Migration(migrations.Migration):
    dependencies = [
        ("victims", "0007_person_details_drop_duplicate_fk_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="persondetails",
            name="postcode_district",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.Case(
                    models.When(
                        postcode__contains=" ",
                        then=django.db.models.functions.text.Substr(
                            "postcode",
                            1,
                            django.db.models.expressions.CombinedExpression(
                                django.db.models.functions.text.StrIndex(
                                    "postcode", models.Value(" ")
                                ),
                                "-",
                                models.Value(1),
                            ),
                        ),
                    ),
                    default=models.Value(""),
                ),
                output_field=models.CharField(max_length=10),
            ),
        ),
        django.contrib.postgres.operations.BtreeGinExtension(),
        migrations.AddIndex(
            model_name="persondetails",
            index=models.Index(
                fields=["postcode_district", "family_name_key"], name="victims_details_district"
            ),
        ),
        migrations.AddIndex(
            model_name="persondetails",
            index=partners.db_search.PostgresGinIndex(
                fields=["postcode_district", "family_name"],
                name="victims_details_district_trgm",
                opclasses=["", "gin_trgm_ops"],
            ),
        ),
    ]
