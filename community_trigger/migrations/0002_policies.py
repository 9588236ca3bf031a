"""County Durham's and Darlington's Case Review policies: three complaints (or one hate incident,
or five people) in six months; threshold checked in 5 working days, applicant told in 10, review
meeting within 10 of the threshold being met."""

import datetime as dt

from django.db import migrations

AREAS = ["E06000047", "E06000005"]


def add_policies(apps, schema_editor):
    LocalAuthority = apps.get_model("partners", "LocalAuthority")
    ThresholdPolicy = apps.get_model("community_trigger", "ThresholdPolicy")
    for area in LocalAuthority.objects.filter(code__in=AREAS):
        ThresholdPolicy.objects.get_or_create(
            local_authority=area,
            version=1,
            defaults={
                # Part 6 of the 2014 Act came into force on 20 October 2014.
                "effective_from": dt.date(2014, 10, 20),
                "notes": "Durham and Darlington criteria and timescales.",
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("community_trigger", "0001_initial"),
        ("partners", "0002_local_authorities_and_audit_guard"),
    ]

    operations = [migrations.RunPython(add_policies, migrations.RunPython.noop)]
