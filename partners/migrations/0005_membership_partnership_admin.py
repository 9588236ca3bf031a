from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("partners", "0004_apiclient")]

    operations = [
        migrations.AddField(
            model_name="membership",
            name="is_partnership_admin",
            field=models.BooleanField(default=False),
        ),
    ]
